#!/usr/bin/env bash
# The iChat local network: N validator nodes (default 6) on 127.0.0.1.
#
#   scripts/localnet.sh start [-n N] [--chain local|local-fast] [--detach]
#   scripts/localnet.sh status
#   scripts/localnet.sh stop
#
# `start` launches Alice, Bob, ... (up to six well-known validators), each with its own
# base path and log file under $ICHAT_LOCALNET_DIR (default ~/.cache/ichat/localnet), waits
# until GRANDPA finality advances, and prints every node's RPC endpoint and log. In the
# foreground it stops every node it started on Ctrl-C; with --detach it returns and
# `localnet.sh stop` stops them. Ports: RPC 9944+i, p2p 30333+i, Prometheus 9615+i.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

NAMES=(alice bob charlie dave eve ferdie)
STATE_DIR="${ICHAT_LOCALNET_DIR:-$HOME/.cache/ichat/localnet}"
PIDS_FILE="$STATE_DIR/pids"
RPC_BASE=9944
P2P_BASE=30333
PROM_BASE=9615

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

rpc() { # rpc PORT METHOD [PARAMS_JSON]
  curl -s --max-time 2 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" \
    "http://127.0.0.1:$1"
}

finalized_number() { # finalized_number PORT -> prints the number or nothing
  local head hex
  head=$(rpc "$1" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
  [ -n "$head" ] || return 0
  hex=$(rpc "$1" chain_getHeader "[\"$head\"]" | sed -n 's/.*"number":"0x\([0-9a-f]*\)".*/\1/p')
  [ -n "$hex" ] && echo $((16#$hex))
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_nodes() {
  [ -f "$PIDS_FILE" ] || { echo "no local network is running (no $PIDS_FILE)"; return 0; }
  local pids
  pids=$(awk '{print $2}' "$PIDS_FILE")
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$PIDS_FILE"
  ok "local network stopped"
}

status() {
  [ -f "$PIDS_FILE" ] || { echo "no local network is running"; return 1; }
  printf '%-8s %-7s %-22s %-10s %s\n' NODE PID RPC FINALIZED LOG
  while read -r name pid port; do
    local state="down" fin=""
    if kill -0 "$pid" 2>/dev/null; then fin=$(finalized_number "$port"); state="#${fin:-?}"; fi
    printf '%-8s %-7s %-22s %-10s %s\n' "$name" "$pid" "ws://127.0.0.1:$port" "$state" "$STATE_DIR/$name.log"
  done < <(awk '{print $1, $2, $3}' "$PIDS_FILE")
}

start() {
  local n=6 chain=local detach=0
  while [ $# -gt 0 ]; do
    case "$1" in
      -n|--nodes) n="$2"; shift 2 ;;
      --chain) chain="$2"; shift 2 ;;
      --detach) detach=1; shift ;;
      -h|--help) usage ;;
      *) echo "unknown option: $1" >&2; usage 2 ;;
    esac
  done
  [[ "$n" =~ ^[1-6]$ ]] || die "-n must be 1..6 (the well-known validators Alice..Ferdie), not '$n'"
  if [ "$chain" = local ] && [ "$n" -lt 4 ]; then
    warn "$n of the 6 genesis validators cannot finalize (GRANDPA needs more than 2/3): use -n 5 or 6"
  fi
  [ -x "$ICHAT_NODE_BIN" ] || die "$ICHAT_NODE_BIN is missing: run scripts/build.sh first"
  if [ -f "$PIDS_FILE" ]; then
    die "a local network is already running (see 'scripts/localnet.sh status'); stop it first"
  fi
  for i in $(seq 0 $((n - 1))); do
    for p in $((RPC_BASE + i)) $((P2P_BASE + i)) $((PROM_BASE + i)); do
      port_free "$p" || die "port $p on 127.0.0.1 is in use: stop what uses it (another node?)"
    done
  done

  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  # Validators need a network key on disk; the first node's peer id is the others' boot node.
  local peer_id=""
  for i in $(seq 0 $((n - 1))); do
    local key_file="$STATE_DIR/${NAMES[$i]}-node-key" id
    id=$("$ICHAT_NODE_BIN" key generate-node-key --file "$key_file" 2>&1 | grep -o '12D3Koo[A-Za-z0-9]*' | head -1)
    [ -n "$id" ] || die "could not generate the network key of ${NAMES[$i]}"
    [ "$i" = 0 ] && peer_id="$id"
  done

  # Whatever happens before a successful start (a failure, Ctrl-C), stop what was started.
  trap 'echo; stop_nodes; exit 130' INT TERM
  trap 'stop_nodes >/dev/null 2>&1 || true' EXIT

  step "starting $n validator(s) of chain '$chain' (state in $STATE_DIR)"
  for i in $(seq 0 $((n - 1))); do
    local name="${NAMES[$i]}" args=()
    args=(--chain "$chain" "--$name" --validator --base-path "$STATE_DIR/$name"
      --rpc-port $((RPC_BASE + i)) --port $((P2P_BASE + i)) --prometheus-port $((PROM_BASE + i))
      --no-telemetry --no-mdns --name "$name" --node-key-file "$STATE_DIR/$name-node-key")
    if [ "$i" != 0 ]; then
      args+=(--bootnodes "/ip4/127.0.0.1/tcp/$P2P_BASE/p2p/$peer_id")
    fi
    # setsid: Ctrl-C in this terminal reaches this script, which then stops the nodes in order.
    setsid "$ICHAT_NODE_BIN" "${args[@]}" >"$STATE_DIR/$name.log" 2>&1 < /dev/null &
    echo "$name $! $((RPC_BASE + i))" >> "$PIDS_FILE"
  done

  step "waiting for finality to advance"
  local deadline=$((SECONDS + 240)) first="" fin=""
  while :; do
    while read -r name pid _; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$STATE_DIR/$name.log" >&2; die "$name exited; its log is $STATE_DIR/$name.log"; }
    done < "$PIDS_FILE"
    fin=$(finalized_number "$RPC_BASE")
    if [ -n "$fin" ]; then
      [ -z "$first" ] && first="$fin"
      if [ "$fin" -ge 1 ] && [ "$fin" -gt "$first" ]; then break; fi
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "finality did not advance within 240 s (see logs in $STATE_DIR)"
    printf '\r  finalized: #%s ' "${fin:-?}"
    sleep 2
  done
  printf '\r'
  ok "finality advances (finalized #$fin)"
  status
  echo
  echo "polkadot.js apps / subxt endpoint: ws://127.0.0.1:$RPC_BASE"

  if [ "$detach" = 1 ]; then
    trap - INT TERM EXIT
    echo "running in the background: 'scripts/localnet.sh stop' stops it"
    return 0
  fi
  echo "press Ctrl-C to stop every node"
  local reported=" "
  while :; do
    sleep 5
    while read -r name pid _; do
      if ! kill -0 "$pid" 2>/dev/null && [[ "$reported" != *" $name "* ]]; then
        warn "$name (pid $pid) has exited; its log is $STATE_DIR/$name.log"
        reported+="$name "
      fi
    done < "$PIDS_FILE"
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop_nodes ;;
  status) status ;;
  -h|--help|help|"") usage ;;
  *) echo "unknown command: $1" >&2; usage 2 ;;
esac
