#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time and fails if any of them finds a crash.
#   FUZZ_SECONDS   fuzzing time per target (default 60)
#   ICHAT_FUZZ_TARGET_DIR   where the instrumented builds go (default ~/.cache/ichat-target-fuzz)
# Installs the nightly toolchain and cargo-fuzz first if they are missing. A crash leaves its
# reproducer in <crate>/fuzz/artifacts/<target>/; replay it with
#   (cd <crate> && cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>)
# Corpora grow in <crate>/fuzz/corpus/<target>/ (not committed) and are reused by later runs;
# committed seeds in <crate>/fuzz/seeds/<target>/, if any, are copied in first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
[[ "$FUZZ_SECONDS" =~ ^[0-9]+$ ]] && [ "$FUZZ_SECONDS" -gt 0 ] \
  || die "FUZZ_SECONDS must be a positive whole number of seconds, not '$FUZZ_SECONDS'"

# Every fuzz target, as "<crate dir> <target>" (the crate dir holds fuzz/Cargo.toml).
# Add a line for each new decoder.
TARGETS=(
  "client/crypto envelope_decode"
  "client/crypto keystore_decode"
  "node/relay/proto decode_frame"
)

if ! rustup toolchain list | grep -q '^nightly'; then
  step "installing the nightly toolchain (cargo-fuzz needs it for sanitizers)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# Instrumented builds differ from normal ones: keep them apart from the main target dir.
export CARGO_TARGET_DIR="${ICHAT_FUZZ_TARGET_DIR:-$HOME/.cache/ichat-target-fuzz}"

built=" "
for pair in "${TARGETS[@]}"; do
  read -r dir target <<<"$pair"
  if [[ "$built" != *" $dir "* ]]; then
    step "building the fuzz targets of $dir"
    (cd "$dir" && cargo +nightly fuzz build) || die "cannot build the fuzz targets of $dir"
    built+="$dir "
  fi
  step "fuzzing $dir $target for ${FUZZ_SECONDS} s"
  if [ -d "$dir/fuzz/seeds/$target" ]; then
    mkdir -p "$dir/fuzz/corpus/$target"
    cp -n "$dir/fuzz/seeds/$target"/* "$dir/fuzz/corpus/$target/"
  fi
  # libFuzzer's per-input progress lines are dropped; its final statistics and any crash
  # report are kept.
  set +e
  (cd "$dir" && cargo +nightly fuzz run "$target" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1) \
    | { grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)|# Uses: [0-9]+$|recommended dictionary' || true; }
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] \
    || die "fuzz target $target ($dir) failed; the reproducer is in $dir/fuzz/artifacts/$target/"
  ok "$target: no crash in ${FUZZ_SECONDS} s"
done
