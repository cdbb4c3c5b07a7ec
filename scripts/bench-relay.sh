#!/usr/bin/env bash
# The relay benchmarks (not tests); figures go to docs/performance.md.
#
#   ./scripts/bench-relay.sh              bench_node, then bench_relay (about 4 minutes)
#   ./scripts/bench-relay.sh --node ...   W1 per node only (bench_node)
#   ./scripts/bench-relay.sh --system ... W1 on one machine and W2 (bench_relay); bench_relay's
#                                         own flags may also come first, e.g. --w2-only
#   ./scripts/bench-relay.sh --transport ...  the transport floor under W1 (bench_transport)
#
# bench_node, W1 per node: one relay in its own process on a core of its own, carrying its
#   share of W1 (1 KiB envelopes sent to it as one of 5 entry nodes, pushed to online
#   recipients, burned by acks), the offered rate rising until p99 > 50 ms or delivery
#   < 99.9 %; the 4 other relays, the clients and the harness on the other core. Takes
#   --step-secs S (default 3) and --rate R (one step at R msgs/s, for profiling).
# bench_relay, W1 on one machine: 5 relays and 12 clients in one process sharing the cores,
#   every message through all 5; then W2: 1,000,000 unread messages, disk and heap per
#   message. Takes --w1-only | --w2-only, --w2-messages N, --step-secs S, --rate R.
# bench_transport: W1's traffic on the same libp2p stack with no relay work, whose knee
#   bounds bench_relay's W1 from above. Takes --step-secs S and --rate R.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
step "building the benchmarks (release, the build the tests use)"
cargo build --locked --release --workspace --examples
run() {
  step "running $*"
  "$CARGO_TARGET_DIR/release/examples/$@"
}
case "${1:-}" in
  --node) shift; run bench_node "$@" ;;
  --system) shift; run bench_relay "$@" ;;
  --transport) shift; run bench_transport "$@" ;;
  "") run bench_node; run bench_relay ;;
  *) run bench_relay "$@" ;;
esac
