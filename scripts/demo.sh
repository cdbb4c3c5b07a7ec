#!/usr/bin/env bash
# The main job: install what is missing, build, start the 6-validator local network on
# 127.0.0.1, and run a scripted chat between two new users, showing each step: accounts
# created, tokens sent, messages delivered, read and burned, and an offline drop.
#
#   scripts/demo.sh            the chat, then the network keeps running until Ctrl-C
#   scripts/demo.sh --stop     the chat, then stop the network
set -euo pipefail
source "$(dirname "$0")/lib.sh"

STOP_AFTER=0
for a in "$@"; do
  case "$a" in
    --stop) STOP_AFTER=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $a (see --help)" ;;
  esac
done

"$ICHAT_ROOT/scripts/build.sh"
ICHAT_BIN="$CARGO_TARGET_DIR/release/ichat"
[ -x "$ICHAT_BIN" ] || die "$ICHAT_BIN is missing after the build"

"$ICHAT_ROOT/scripts/localnet.sh" start --detach
trap '"$ICHAT_ROOT/scripts/localnet.sh" stop >/dev/null 2>&1 || true' EXIT
trap 'echo; exit 130' INT TERM

DEMO_DIR="${ICHAT_LOCALNET_DIR:-$HOME/.cache/ichat/localnet}/demo"
rm -rf "$DEMO_DIR"; mkdir -p "$DEMO_DIR"
export ICHAT_PASSWORD="demo password (local network only)"
export NO_COLOR=1
# ichat as one user: the user's home holds its encrypted keystore.
as() { local who="$1"; shift; ICHAT_HOME="$DEMO_DIR/$who" "$ICHAT_BIN" --rpc ws://127.0.0.1:9944 "$@"; }
# Starts `chat listen --count 1` for $1 in the background (pid in $LISTENER) and returns once
# that user is online.
listen_once() {
  local who="$1"
  as "$who" chat listen --count 1 --timeout 60 > "$DEMO_DIR/$who.out" 2> "$DEMO_DIR/$who.err" &
  LISTENER=$!
  until grep -q "listening as" "$DEMO_DIR/$who.err" 2>/dev/null; do
    kill -0 "$LISTENER" 2>/dev/null || { cat "$DEMO_DIR/$who.err" >&2; die "$who's client stopped"; }
    sleep 0.5
  done
}
json_field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" | head -1; }

step "waiting for the relay network (every relay measures the others)"
deadline=$((SECONDS + 120))
until [ "$(as alice-tmp nodes --json 2>/dev/null | grep -c '"rtt_ms": [0-9]')" -ge 6 ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "the relays did not come up within 120 s (logs in ${ICHAT_LOCALNET_DIR:-$HOME/.cache/ichat/localnet})"
  sleep 2
done
as alice-tmp nodes

step "1. two new users create accounts (a mnemonic is their only credential)"
ALICE=$(as alice account new --name alice --yes-i-saved-it --json | json_field address)
BOB=$(as bob account new --name bob --yes-i-saved-it --json | json_field address)
CAROL=$(as carol account new --name carol --yes-i-saved-it --json | json_field address)
ok "alice: $ALICE"
ok "bob:   $BOB"
ok "carol: $CAROL (will stay offline)"

step "2. tokens: the local network's faucet (the dev account //Alice) sends 100 ICHAT to each"
echo "bottom drive obey lake curtain smoke basket hold race lonely fit walk" |
  as faucet account import faucet --mnemonic-stdin --path //Alice --json >/dev/null
for who in "$ALICE" "$BOB"; do
  as faucet wallet transfer "$who" 100 --yes
done
as alice wallet balance

step "3. bob is online; alice sends him a message through 5 relay nodes"
listen_once bob
BOB_PID=$LISTENER
as alice chat send "$BOB" "Hi Bob! This message burns after you read it."
wait "$BOB_PID" || die "bob did not receive the message: $(cat "$DEMO_DIR/bob.err")"
ok "bob read it (and it was burned on every relay node):"
sed 's/^/    /' "$DEMO_DIR/bob.out"

step "4. bob replies"
listen_once alice
ALICE_PID=$LISTENER
as bob chat send "$ALICE" "Got it, Alice. Nothing of it is left anywhere now."
wait "$ALICE_PID" || die "alice did not receive the reply"
ok "alice read the reply (burned):"
sed 's/^/    /' "$DEMO_DIR/alice.out"

step "5. a message to carol, who is offline, is dropped and alice is told"
if as alice chat send "$CAROL" "Carol, are you there?"; then
  die "the message to an offline user was accepted"
fi
ok "dropped: nothing was stored for carol"

echo
ok "${BOLD}demo complete${RESET}: accounts created, tokens sent, messages delivered, read and burned, offline drop reported"
echo "  Try it: ICHAT_HOME=$DEMO_DIR/alice ICHAT_PASSWORD='$ICHAT_PASSWORD' $ICHAT_BIN chat open $BOB"
if [ "$STOP_AFTER" = 1 ]; then
  exit 0
fi
echo "  The local network keeps running; Ctrl-C stops it."
"$ICHAT_ROOT/scripts/localnet.sh" status || true
while :; do sleep 3600; done
