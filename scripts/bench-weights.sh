#!/usr/bin/env bash
# Measures the weights of iChat's pallets with the real node and writes them to
# pallets/<name>/src/weights.rs (through scripts/pallet-weight-template.hbs). The node it
# measures with is built with `runtime-benchmarks` into its own target directory.
#   STEPS / REPEAT   benchmark resolution (default 50 / 20; lower is faster and noisier)
#   BENCH_TARGET_DIR the benchmark build's target directory (default $CARGO_TARGET_DIR-weights)
# Usage: scripts/bench-weights.sh [pallet_service_nodes ...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
"$ICHAT_ROOT/scripts/setup.sh"

# A node with the benchmarking code (`benchmark pallet`, the runtime's Benchmark API), built
# into a target directory of its own: the node users run has none of it, and sharing one
# target directory would make the two builds replace each other's binaries.
BENCH_TARGET_DIR="${BENCH_TARGET_DIR:-$CARGO_TARGET_DIR-weights}"
step "building ichat-node with runtime-benchmarks into $BENCH_TARGET_DIR (cold: about 30 min)"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --locked --release -p ichat-node \
  --features runtime-benchmarks
ICHAT_NODE_BIN="$BENCH_TARGET_DIR/release/ichat-node"

WASM="$BENCH_TARGET_DIR/release/wbuild/ichat-runtime/ichat_runtime.compact.compressed.wasm"
[ -f "$WASM" ] || die "$WASM is missing: the release build did not produce the runtime"
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_service_nodes pallet_node_rewards)
for pallet in "${pallets[@]}"; do
  dir="pallets/${pallet#pallet_}"
  dir="${dir//_/-}"
  [ -d "$dir/src" ] || die "no crate for $pallet at $dir"
  step "benchmarking $pallet (steps ${STEPS:-50}, repeat ${REPEAT:-20}); this takes minutes"
  "$ICHAT_NODE_BIN" benchmark pallet --runtime "$WASM" \
    --genesis-builder=runtime --genesis-builder-preset=development \
    --pallet="$pallet" --extrinsic='*' --steps="${STEPS:-50}" --repeat="${REPEAT:-20}" \
    --template=scripts/pallet-weight-template.hbs --output="$dir/src/weights.rs"
  ok "wrote $dir/src/weights.rs"
done
