#!/usr/bin/env bash
# Runs every check and test of iChat, the same locally and in CI (.ci/run calls this):
#   formatting, one release build, all tests (unit, pallet, end-to-end against real nodes,
#   polkadot.js), clippy -D warnings, rustdoc, and bounded fuzzing of the decoders.
# Installs what is missing first. Set FUZZ_SECONDS to change the fuzzing time per target.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
start=$SECONDS
timed() { local t=$SECONDS; "$@"; echo "  (${BOLD}$((SECONDS - t)) s${RESET})"; }

"$ICHAT_ROOT/scripts/setup.sh"

step "cargo fmt --check"
cargo fmt --all -- --check || die "formatting differs: run 'cargo fmt --all'"

TEST_ARGS=(--locked --release --workspace)
step "building ichat-node, ichat and the tests (release; a cold build takes about 40 minutes on 2 cores)"
# One build for everything the tests run: `cargo test` unifies the features of the
# dev-dependencies, so a plain `cargo build` first would compile part of the tree (the node
# included) a second time for the tests, and the tests' build replaces the binaries anyway.
timed cargo test "${TEST_ARGS[@]}" --no-run

step "tests (release: unit, pallet, end-to-end against real nodes, polkadot.js)"
# Each end-to-end test is its own test binary; cargo runs test binaries one after another,
# so the real networks they start never compete for the two cores.
timed cargo test "${TEST_ARGS[@]}" --no-fail-fast

step "pallet benchmarks as tests, and the runtime and pallets with try-runtime"
# The node users run has neither feature, so they get a pass of their own: the benchmarks run
# against the pallets' mock runtimes (impl_benchmark_test_suite!), and the runtime compiles
# with its Benchmark and TryRuntime APIs. Only the FRAME crates are compiled again (their
# features differ); the node's client side needs neither feature (it forwards them only).
# No wasm blob: the native tests do not execute one.
timed env SKIP_WASM_BUILD=1 cargo test --locked --release "${BENCH_PACKAGES[@]}" \
  --features "$BENCH_FEATURES" --no-fail-fast

step "clippy -D warnings"
# In the release profile, so that the build scripts of the -sys crates (RocksDB, wasm-opt: C++
# that takes minutes) are reused from the release build instead of being compiled again for a
# second profile. The runtime's wasm blob is already built; lints need no second one.
timed env SKIP_WASM_BUILD=1 cargo clippy --locked --release --workspace --all-targets \
  -- -D warnings
# And the code only the benchmark and try-runtime builds compile.
timed env SKIP_WASM_BUILD=1 cargo clippy --locked --release "${BENCH_PACKAGES[@]}" --all-targets \
  --features "$BENCH_FEATURES" -- -D warnings
# And the node with try-runtime (it forwards the feature to the runtime and the FRAME crates),
# in a run of its own so that runtime-benchmarks is not unified into it. Metadata only: about
# a minute when the default clippy pass above is warm.
timed env SKIP_WASM_BUILD=1 cargo clippy --locked --release -p ichat-node --features try-runtime \
  -- -D warnings

step "rustdoc"
timed env SKIP_WASM_BUILD=1 RUSTDOCFLAGS="-D warnings" cargo doc --locked --release --workspace \
  --no-deps

if [ -x "$ICHAT_ROOT/scripts/fuzz.sh" ]; then
  step "fuzzing (${FUZZ_SECONDS:-60} s per target)"
  timed "$ICHAT_ROOT/scripts/fuzz.sh"
fi

ok "all checks passed in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
