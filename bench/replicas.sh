#!/usr/bin/env bash
# Alerts across replicas: two `cordon serve` replicas on one fresh
# PostgreSQL database, sharing events over NATS JetStream. WATCHES watches
# are kept on replica B, whose analyst reads the alert stream there, while
# reports are submitted to replica A at RATE reports/s (batches of 100, one
# report in ten naming a watched selector). Measures the time from each
# submission's acknowledgement by A to its alert on B's stream.
#
# Then the same load again, restarting B (SIGTERM, start under the same
# replica name) RESTART_AT seconds in: the stream reconnects with
# Last-Event-ID, and every alert is counted, to show none is lost or
# received twice across the restart.
#
# Usage: bench/replicas.sh   Environment: BENCH_WATCHES (10000), BENCH_RATE
# (2000), BENCH_SECONDS (10), BENCH_RESTART_AT (4), BENCH_PG (the server
# URL, postgres://postgres@127.0.0.1:5432), BENCH_NATS
# (nats://127.0.0.1:4222), BENCH_PORT (18096; B uses the next port).
# Raw outputs in $OUT/replicas.
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
need psql "apt-get install postgresql-client"
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
nats=${BENCH_NATS:-nats://127.0.0.1:4222}
port_a=${BENCH_PORT:-18096}
port_b=$((port_a + 1))
work="$OUT/replicas"
rm -rf "$work"
mkdir -p "$work"
build_release

database=cordon_bench_replicas
psql -q "$pg/test" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
db="$pg/$database"
stream="CORDON_BENCH_$(date +%s)"
CORDON_TOKEN_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export CORDON_TOKEN_KEY
"$CORDON" agency add --db "$db" --code KH-NCB --name "Cambodia NCB" --country KH --kind ncb \
  --contact "ncb@example.org" > /dev/null
"$CORDON" user add --db "$db" --agency KH-NCB --name analyst --role analyst > /dev/null
token=$("$CORDON" token create --db "$db" --agency KH-NCB --user analyst --label bench 2>/dev/null)

# start_replica NAME PORT: a replica in the background; its pid in PID_NAME.
start_replica() {
  "$CORDON" serve --db "$db" --bind "127.0.0.1:$2" --rate 1000000 --burst 1000000 \
    --nats "$nats" --nats-stream "$stream" --replica "$1" >> "$work/serve-$1.log" 2>&1 &
  eval "PID_$1=$!"
}
wait_ready() {
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/readyz" && return 0
    sleep 0.1
  done
  echo "bench: the replica on port $1 did not get ready" >&2
  exit 1
}
stop_all() {
  kill "${PID_a:-}" "${PID_b:-}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all EXIT
start_replica a "$port_a"
start_replica b "$port_b"
wait_ready "$port_a"
wait_ready "$port_b"

# What the client runs to restart B while the load goes on.
cat > "$work/restart-b.sh" <<EOF
#!/usr/bin/env bash
set -e
kill -TERM \$(cat "$work/b.pid")
while kill -0 \$(cat "$work/b.pid") 2>/dev/null; do sleep 0.05; done
"$CORDON" serve --db "$db" --bind "127.0.0.1:$port_b" --rate 1000000 --burst 1000000 \
  --nats "$nats" --nats-stream "$stream" --replica b >> "$work/serve-b.log" 2>&1 &
echo \$! > "$work/b.pid"
for _ in \$(seq 1 1200); do
  curl -sf -o /dev/null "http://127.0.0.1:$port_b/readyz" && exit 0
  sleep 0.05
done
exit 1
EOF
chmod +x "$work/restart-b.sh"
echo "$PID_b" > "$work/b.pid"

echo "alerts across replicas: ${BENCH_WATCHES:-10000} watches on B, ${BENCH_RATE:-2000} reports/s to A for ${BENCH_SECONDS:-10} s"
"$PY" bench/alerts_client.py "http://127.0.0.1:$port_a" "$token" --stream-url "http://127.0.0.1:$port_b" \
  --watches "${BENCH_WATCHES:-10000}" --rate "${BENCH_RATE:-2000}" --seconds "${BENCH_SECONDS:-10}" \
  | tee "$work/steady.json"
echo "the same, restarting B ${BENCH_RESTART_AT:-4} s in"
"$PY" bench/alerts_client.py "http://127.0.0.1:$port_a" "$token" --stream-url "http://127.0.0.1:$port_b" \
  --watches 100 --rate "${BENCH_RATE:-2000}" --seconds "${BENCH_SECONDS:-10}" \
  --restart-at "${BENCH_RESTART_AT:-4}" --restart-cmd "$work/restart-b.sh" \
  | tee "$work/restart.json"
# The restarted B is not this shell's child: stop it by its pid file.
PID_b=$(cat "$work/b.pid")
curl -s "http://127.0.0.1:$port_b/metrics" | grep -E '^cordon_(bus|alerts)' > "$work/metrics-b.txt" || true
curl -s "http://127.0.0.1:$port_a/metrics" | grep -E '^cordon_bus' > "$work/metrics-a.txt" || true
