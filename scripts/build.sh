#!/usr/bin/env bash
# Installs missing build dependencies and builds the whole workspace once, in release.
# The node binary lands in $CARGO_TARGET_DIR/release/ichat-node (default ~/.cache/ichat-target).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ICHAT_ROOT/scripts/setup.sh"
build_release
ok "built $ICHAT_NODE_BIN"
