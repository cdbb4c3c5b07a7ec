#!/usr/bin/env bash
# Prints the economics simulation of docs/economics.md: a year of hours for typical service
# nodes, measured as the testers measure and scored by the rewards pallet's own formula and
# rules with the runtime's parameters (runtime/examples/economics.rs). Deterministic.
#   --json   one JSON array instead of the Markdown tables
# The example is built with the tests (one build of everything; warm: seconds).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ICHAT_ROOT"
"$ICHAT_ROOT/scripts/setup.sh" >/dev/null
step "building (release, with the tests: a cold build takes about 40 minutes)" >&2
cargo test --locked --release --workspace --no-run --quiet >&2
"$CARGO_TARGET_DIR/release/examples/economics" "$@"
