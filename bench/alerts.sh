#!/usr/bin/env bash
# Alerts at ingest under load: one server on a fresh SQLite store, WATCHES
# watches kept by one analyst, reports submitted at RATE reports/s (batches
# of 100, one report in ten naming a watched selector), and the time from
# each submission's acknowledgement to its alert on the analyst's event
# stream, from one client process on the same machine.
#
# Usage: bench/alerts.sh   Environment: BENCH_WATCHES (10000), BENCH_RATE
# (2000), BENCH_SECONDS (10), BENCH_PORT (18094). Raw outputs in $OUT/alerts.
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
port=${BENCH_PORT:-18094}
url="http://127.0.0.1:$port"
work="$OUT/alerts"
rm -rf "$work"
mkdir -p "$work"
build_release
db="$work/alerts.db"
"$CORDON" agency add --db "sqlite://$db" --code KH-NCB --name "Cambodia NCB" --country KH --kind ncb \
  --contact "ncb@example.org" > /dev/null
"$CORDON" user add --db "sqlite://$db" --agency KH-NCB --name analyst --role analyst > /dev/null
token=$("$CORDON" token create --db "sqlite://$db" --agency KH-NCB --user analyst --label bench 2>/dev/null)
serve_ready "$db" "$port" "$work/serve.log"
echo "alerts under load: ${BENCH_WATCHES:-10000} watches, ${BENCH_RATE:-2000} reports/s for ${BENCH_SECONDS:-10} s"
"$PY" bench/alerts_client.py "$url" "$token" --watches "${BENCH_WATCHES:-10000}" \
  --rate "${BENCH_RATE:-2000}" --seconds "${BENCH_SECONDS:-10}" | tee "$work/result.json"
curl -s "$url/metrics" | grep -E '^cordon_(alerts|watch_match)' > "$work/metrics.txt" || true
