#!/usr/bin/env bash
# The relay benchmark (not a test): W1 online push (5 in-process relays on 127.0.0.1, 1 KiB
# envelopes through 5 entry nodes, the offered rate rising until p99 > 50 ms or delivery
# < 99.9 %) and W2 (1,000,000 unread messages: disk and heap per message). Figures go to
# docs/performance.md. Extra arguments go to the harness:
#   --w1-only | --w2-only   --w2-messages N (default 1000000)   --step-secs S (default 3)
#   --rate R (one W1 step at R msgs/s, for profiling)
# With --transport first, it runs bench_transport instead: W1's traffic on the same libp2p
# stack with no relay work, whose knee bounds W1's from above (takes --step-secs and --rate).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
step "building bench_relay (release, shared feature set)"
cargo build --locked --release --workspace --features "$ICHAT_FEATURES" --examples
bench=bench_relay
if [ "${1:-}" = "--transport" ]; then
  bench=bench_transport
  shift
fi
step "running $bench $*"
exec "$CARGO_TARGET_DIR/release/examples/$bench" "$@"
