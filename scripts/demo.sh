#!/usr/bin/env bash
# The main job: install what is missing, build, and start the 6-validator local network on
# 127.0.0.1. Ctrl-C stops every node. (The chat between two users joins this demo when the
# relay and the CLI land.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ICHAT_ROOT/scripts/build.sh"
exec "$ICHAT_ROOT/scripts/localnet.sh" start "$@"
