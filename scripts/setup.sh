#!/usr/bin/env bash
# Installs what building and testing iChat needs, skipping what is already there:
# Debian packages (protobuf-compiler clang libclang-dev), the rustup target wasm32v1-none and
# component rust-src, and the npm packages of scripts/js.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v protoc >/dev/null || missing+=(protobuf-compiler)
command -v clang >/dev/null || missing+=(clang)
dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
command -v curl >/dev/null || missing+=(curl)
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || die "Rust is not installed: install rustup from your distribution, then re-run"
if ! rustup target list --installed | grep -qx wasm32v1-none; then
  step "adding rustup target wasm32v1-none"
  rustup target add wasm32v1-none
fi
if ! rustup component list --installed | grep -q '^rust-src'; then
  step "adding rustup component rust-src"
  rustup component add rust-src
fi

if [ ! -d "$ICHAT_ROOT/scripts/js/node_modules/@polkadot/api" ] || \
   [ "$ICHAT_ROOT/scripts/js/package-lock.json" -nt "$ICHAT_ROOT/scripts/js/node_modules/.package-lock.json" ]; then
  step "installing npm packages (scripts/js)"
  (cd "$ICHAT_ROOT/scripts/js" && npm ci --no-audit --no-fund --loglevel=error)
fi
ok "build and test dependencies are present"
