#!/usr/bin/env bash
# Prints how many 1 KiB envelopes one core seals and opens per second (ichat-crypto), against
# the target of 10,000 each. A benchmark, not a test; figures go to docs/performance.md.
# Extra arguments go to the bench, e.g. `scripts/bench-envelope.sh --seconds 3`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
step "benchmarking envelope v1 seal/open (release, one thread)"
exec cargo bench --locked -p ichat-crypto --bench envelope -- "$@"
