#!/usr/bin/env bash
# Federation of national nodes (issue 10), on this machine:
#
#   bench/federation.sh oprf    the OPRF's steps per core (criterion) and the
#                               dictionary attack on hashed phone numbers
#   bench/federation.sh match   1,000,000 RED selectors across three nodes
#                               (333,334 each), blind-matched end to end
#                               through the matching service
#   bench/federation.sh sync    1,000,000 GREEN reports pulled by a second
#                               node over TAXII, the puller killed (SIGKILL)
#                               at a random point and restarted
#
# Figures go to docs/BENCHMARKS.md ("Issue 10").
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
mode=${1:?usage: bench/federation.sh oprf|match|sync}
work="$OUT/federation-$mode"
rm -rf "$work"; mkdir -p "$work"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_get() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
now() { date +%s.%N; }
since() { "$PY" -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# node_db NODE: a node's SQLite database, with its agency, an admin and
# node agencies with peer accounts for the others (tokens in $work).
node_db() {
  local n=$1 db="sqlite://$work/$1.db"
  "$CORDON" agency add --db "$db" --code "$n-DSI" --name "$n police" --country TH --kind police --contact "desk@$n.example" >/dev/null
  "$CORDON" user add --db "$db" --agency "$n-DSI" --name ana --role admin >/dev/null
  "$CORDON" token create --db "$db" --agency "$n-DSI" --user ana 2>/dev/null > "$work/$n.admin"
  for other in "${NODES[@]}"; do
    [ "$other" = "$n" ] && continue
    "$CORDON" agency add --db "$db" --code "$other-NODE" --name "node $other" --country TH --kind node --contact "ops@$other.example" >/dev/null
    "$CORDON" user add --db "$db" --agency "$other-NODE" --name sync --role peer >/dev/null
    "$CORDON" token create --db "$db" --agency "$other-NODE" --user sync 2>/dev/null > "$work/$n.for.$other"
  done
}

# start_node NODE: serves NODE with its federation file; returns when ready.
start_node() {
  local n=$1 port=${PORT[$1]}
  "$CORDON" serve --db "sqlite://$work/$n.db" --bind "127.0.0.1:$port" --rate 0 \
    --federation "$work/$n.federation.json" >> "$work/$n.log" 2>&1 &
  PID[$n]=$!; PIDS+=("$!")
  for _ in $(seq 1 3000); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && return 0
    sleep 0.1
  done
  echo "bench: node $n did not get ready; see $work/$n.log" >&2; exit 1
}

status_of() { curl -sf -H "Authorization: Bearer $(cat "$work/$1.admin")" "http://127.0.0.1:${PORT[$1]}/api/v1/federation/$2"; }

declare -A PORT PID

case "$mode" in
oprf)
  cargo bench -q -p cordon-federation --bench oprf -- --noplot 2>&1 | grep -E "^oprf|time:|thrpt:"
  cargo bench -q -p cordon-federation --bench dictionary
  ;;

match)
  build_release
  NODES=(TH KE PH)
  "$CORDON" match-service add-node --nodes "$work/nodes.json" --node TH > "$work/TH.match"
  "$CORDON" match-service add-node --nodes "$work/nodes.json" --node KE > "$work/KE.match"
  "$CORDON" match-service add-node --nodes "$work/nodes.json" --node PH > "$work/PH.match"
  for i in 0 1 2; do
    n=${NODES[$i]}; PORT[$n]=$(free_port)
    node_db "$n"
    "$PY" bench/federation_data.py match "$n" "$i" "$work/$n.jsonl" > "$work/$n.count"
    "$CORDON" import --db "sqlite://$work/$n.db" --agency "$n-DSI" "$work/$n.jsonl" 2>/dev/null
  done
  mport=$(free_port)
  for n in "${NODES[@]}"; do
    peers=""
    for o in "${NODES[@]}"; do
      [ "$o" = "$n" ] && continue
      peers+="{\"node\":\"$o\",\"url\":\"http://127.0.0.1:${PORT[$o]}\",\"token\":\"$(cat "$work/$o.for.$n")\",\"accept\":\"GREEN\"},"
    done
    echo "{\"node\":\"$n\",\"every_seconds\":1,\"matching\":{\"url\":\"http://127.0.0.1:$mport\",\"token\":\"$(cat "$work/$n.match")\"},\"peers\":[${peers%,}]}" > "$work/$n.federation.json"
  done
  start=$(now)
  "$CORDON" match-service serve --keys "$work/keys.json" --nodes "$work/nodes.json" --bind "127.0.0.1:$mport" > "$work/match.log" 2>&1 &
  PIDS+=("$!")
  for n in "${NODES[@]}"; do start_node "$n"; done
  # Done when every node publishes all its selectors and sees the 2,000
  # planted overlaps it holds (1,000 with each other node).
  for _ in $(seq 1 6000); do
    done_all=1
    for n in "${NODES[@]}"; do
      pub=$(status_of "$n" status | json_get "d['published']")
      hits=$(status_of "$n" hits | json_get "len(d['hits'])")
      [ "$pub" = "$(cat "$work/$n.count")" ] && [ "$hits" = 2000 ] || done_all=0
    done
    [ $done_all = 1 ] && break
    sleep 0.5
  done
  [ $done_all = 1 ] || { echo "bench: matching did not finish; see $work/*.log" >&2; exit 1; }
  total=$(( $(cat "$work/TH.count") + $(cat "$work/KE.count") + $(cat "$work/PH.count") ))
  secs=$(since "$start")
  echo "match: $total selectors across 3 nodes pseudonymised, published, pulled and matched (2,000 hits per node) in $secs s from the processes' start"
  grep -h "evaluated" "$work/match.log" | wc -l | xargs echo "evaluation batches:"
  ;;

sync)
  build_release
  N=${BENCH_REPORTS:-1000000}
  NODES=(TH KE)
  for n in "${NODES[@]}"; do PORT[$n]=$(free_port); node_db "$n"; done
  "$PY" bench/federation_data.py sync "$N" "$work/reports.jsonl"
  t=$(now)
  "$CORDON" import --db "sqlite://$work/TH.db" --agency TH-DSI "$work/reports.jsonl" 2>/dev/null
  echo "sync: $N reports imported into the sending node in $(since "$t") s"
  echo "{\"node\":\"TH\",\"peers\":[]}" > "$work/TH.federation.json"
  echo "{\"node\":\"KE\",\"every_seconds\":1,\"peers\":[{\"node\":\"TH\",\"url\":\"http://127.0.0.1:${PORT[TH]}\",\"token\":\"$(cat "$work/TH.for.KE")\",\"accept\":\"GREEN\"}]}" > "$work/KE.federation.json"
  start_node TH
  count() { "$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute(\"select count(*), count(distinct agency||'/'||id) from reports where agency='TH-DSI'\").fetchone())" "$work/KE.db" 2>/dev/null || echo "0 0"; }
  start=$(now)
  start_node KE
  # Killed at a random point of the pull, as a crash would, and restarted.
  kill_after=${BENCH_KILL_AFTER:-$(( RANDOM % 120 + 20 ))}
  sleep "$kill_after"
  read -r before _ <<< "$(count)"
  kill -9 "${PID[KE]}"; wait "${PID[KE]}" 2>/dev/null || true
  echo "sync: puller killed after $kill_after s holding $before reports; restarting"
  start_node KE
  for _ in $(seq 1 12000); do
    read -r revisions reports <<< "$(count)"
    [ "$reports" = "$N" ] && break
    sleep 0.5
  done
  secs=$(since "$start")
  echo "sync: $reports reports ($revisions revisions: each once) from TH to KE in $secs s, across one crash"
  [ "$reports" = "$N" ] && [ "$revisions" = "$N" ] || { echo "bench: sync incomplete or duplicated" >&2; exit 1; }
  ;;
*) echo "usage: bench/federation.sh oprf|match|sync" >&2; exit 2 ;;
esac
