#!/usr/bin/env bash
# Shared settings of the iChat scripts. Source it; do not run it.

ICHAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory outside the clone: every script and CI run reuses the same build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ichat-target}"
# The one feature set everything is built with, so that the node, the tests and the
# benchmarks share a single release build.
ICHAT_FEATURES="ichat-node/runtime-benchmarks"
ICHAT_NODE_BIN="$CARGO_TARGET_DIR/release/ichat-node"
export ICHAT_NODE_BIN

if [ -t 1 ]; then
  BOLD=$'\e[1m'; GREEN=$'\e[32m'; RED=$'\e[31m'; YELLOW=$'\e[33m'; RESET=$'\e[0m'
else
  BOLD=""; GREEN=""; RED=""; YELLOW=""; RESET=""
fi

step() { echo "${BOLD}==> $*${RESET}"; }
ok() { echo "${GREEN}ok${RESET} $*"; }
warn() { echo "${YELLOW}warning:${RESET} $*" >&2; }
die() { echo "${RED}error:${RESET} $*" >&2; exit 1; }

# Builds the workspace once, in release, with the shared feature set.
build_release() {
  step "building ichat-node and ichat (release; a cold build takes ~25 min on 2 cores)"
  (cd "$ICHAT_ROOT" && cargo build --locked --release --workspace --features "$ICHAT_FEATURES")
}
