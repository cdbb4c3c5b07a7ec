#!/usr/bin/env bash
# Shared settings of the iChat scripts. Source it; do not run it.

ICHAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory outside the clone: every script and CI run reuses the same build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ichat-target}"
# The node users run (demo, local network, build.sh, the tests) is built with no optional
# features: no benchmarking code in the runtime or the node. The pallets' benchmarks run as
# tests in their own pass of test.sh (BENCH_FEATURES), and weights are measured by a node
# built with `runtime-benchmarks` into its own target directory (bench-weights.sh).
BENCH_FEATURES="pallet-service-nodes/runtime-benchmarks,pallet-hours/runtime-benchmarks"
BENCH_FEATURES+=",pallet-node-rewards/runtime-benchmarks,ichat-runtime/runtime-benchmarks"
BENCH_FEATURES+=",pallet-service-nodes/try-runtime,pallet-hours/try-runtime"
BENCH_FEATURES+=",pallet-node-rewards/try-runtime,ichat-runtime/try-runtime"
BENCH_PACKAGES=(-p pallet-service-nodes -p pallet-hours -p pallet-node-rewards -p ichat-runtime)
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

# Builds the workspace once, in release, as users run it (no benchmarking code).
build_release() {
  step "building ichat-node and ichat (release; a cold build takes 33-35 minutes on 2 cores)"
  (cd "$ICHAT_ROOT" && cargo build --locked --release --workspace)
}
