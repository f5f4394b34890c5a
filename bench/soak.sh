#!/usr/bin/env bash
# Load and soak (issue 11): one server with the medium world loaded takes a
# mixed load at fixed rates for BENCH_SECONDS (600: the load run; 3600: the
# soak), from load generators on the same machine:
#
#   single hit queries      HITS_RATE (5,000/s)   oha, fixed rate, latency corrected
#   graph neighbourhoods    GRAPH_RATE (50/s)     oha, depth 3
#   public checks, adverts  CHECK_RATE (300/s)    oha, 2 KB adverts, no token
#   report submissions      SUBMIT_RATE (1,000 reports/s, batches of 100)
#     with WATCHES (2,000) watches and their alerts read off the analyst's
#     stream, latency from acknowledgement to alert (bench/alerts_client.py);
#     report ids come round every DISTINCT (20,000) reports as revisions,
#     so that the data held stays the same size and memory growth means a
#     leak, not more data
#
# A rate of 0 leaves that stream out (to find which load a problem comes
# with). The server's RSS is sampled every 10 s; growth is the median of
# the last 5 minutes against the median of the 5 minutes after warm-up
# (BENCH_WARMUP, 120 s), since single samples swing by tens of MiB as the
# allocator takes and hands back memory. bench/soak_report.py prints the
# table of docs/BENCHMARKS.md ("Issue 11") and exits non-zero when a p99,
# the error rate (> 0.1 %) or the memory growth (> 10 %) misses its target.
#
# Usage: bench/soak.sh [small|medium|large]   (default medium)
# Environment: the rates above, BENCH_SECONDS, BENCH_WARMUP, BENCH_PORT
# (18096). Raw outputs in bench/out/soak-SCALE.
CORDON_PYTHON=${CORDON_PYTHON:-$(command -v python3)}
source "$(dirname "$0")/lib.sh"
need oha "cargo install oha"
need curl "apt-get install curl"
scale=${1:-medium}
seconds=${BENCH_SECONDS:-600}
warmup=${BENCH_WARMUP:-120}
port=${BENCH_PORT:-18096}
url="http://127.0.0.1:$port"
work="$OUT/soak-$scale"
mkdir -p "$work"
if curl -s -o /dev/null "$url/healthz"; then
  echo "bench: something already listens on port $port; set BENCH_PORT" >&2
  exit 1
fi
build_release
world=$(world_of "$scale")
base="$work/base.db"
import_once "$world" "$base"
[ -f "$work/selectors.url" ] || "$PY" bench/serve_data.py selectors "$base" 20000 "$work"
[ -f "$work/adverts.jsonl" ] || "$PY" bench/public_data.py adverts "$world" 2000 "$work/adverts.jsonl"
# A fresh copy per run: runs do not see each other's submissions.
db="$work/run.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.key"
cp "$base" "$db"
cp "$base.key" "$db.key" 2>/dev/null || true
agency=$(busiest_agency "$world")
token=$(analyst_token "$db" "$agency" "soak-$(date +%s)" | tail -n 1)

serve_ready "$db" "$port" "$work/serve.log" --public-checks-per-minute 0

sed "s|^|$url/api/v1/hits?selector=|" "$work/selectors.url" > "$work/hit-urls.txt"
sed "s|^|$url/api/v1/graph/neighbourhood?depth=3\&selector=|" "$work/selectors.url" > "$work/graph-urls.txt"

echo "soak: $scale world, ${seconds} s: hits ${HITS_RATE:-5000}/s, graph ${GRAPH_RATE:-50}/s," \
  "checks ${CHECK_RATE:-300}/s, submissions ${SUBMIT_RATE:-1000} reports/s with ${WATCHES:-2000} watches"
: > "$work/rss.csv"
(
  start=$(date +%s)
  while kill -0 "$SERVE_PID" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVE_PID/status" 2>/dev/null || echo 0)
    echo "$(( $(date +%s) - start )),$rss" >> "$work/rss.csv"
    sleep 10
  done
) &
oha_run() { # NAME RATE CONNECTIONS ARGS...
  local name=$1 rate=$2 connections=$3
  shift 3
  rm -f "$work/oha-$name.json"
  [ "$rate" = 0 ] && return 0
  oha -c "$connections" -q "$rate" -z "${seconds}s" --latency-correction --no-tui \
    --output-format json "$@" > "$work/oha-$name.json"
}
oha_run hits "${HITS_RATE:-5000}" 32 --urls-from-file -H "Authorization: Bearer $token" \
  "$work/hit-urls.txt" &
loaders=($!)
oha_run graph "${GRAPH_RATE:-50}" 4 --urls-from-file -H "Authorization: Bearer $token" \
  "$work/graph-urls.txt" &
loaders+=($!)
oha_run checks "${CHECK_RATE:-300}" 8 -m POST -H "Content-Type: application/json" \
  -Z "$work/adverts.jsonl" "$url/api/v1/public/check" &
loaders+=($!)
rm -f "$work/alerts.json"
if [ "${SUBMIT_RATE:-1000}" != 0 ]; then
  "$PY" bench/alerts_client.py "$url" "$token" --watches "${WATCHES:-2000}" \
    --rate "${SUBMIT_RATE:-1000}" --seconds "$seconds" --distinct "${DISTINCT:-20000}" \
    > "$work/alerts.json" &
  loaders+=($!)
fi
wait "${loaders[@]}"
curl -s "$url/metrics" > "$work/metrics.txt" || true
"$PY" bench/soak_report.py "$work" "$seconds" "$warmup"
