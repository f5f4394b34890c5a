#!/usr/bin/env bash
# The public check (issue 9), whole process over HTTP: single selectors and
# adverts of 2 KB, with a simulated world loaded so that lookups hit the
# index. wrk and the server share the machine.
#
# Usage: bench/public.sh [small|medium|large]   (default medium)
#
# Environment: BENCH_SECONDS (each wrk run, default 20), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_PORT (18090).
#
# The server runs with the public check's per-address limit off
# (--public-checks-per-minute 0) and the API's far above what it serves:
# every request is answered, none refused by a limiter. Raw wrk outputs stay
# in bench/out/public-SCALE.
CORDON_PYTHON=${CORDON_PYTHON:-$(command -v python3)}
source "$(dirname "$0")/lib.sh"
need wrk "apt-get install wrk"
need curl "apt-get install curl"
scale=${1:-medium}
seconds=${BENCH_SECONDS:-20}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-32}
port=${BENCH_PORT:-18090}
url="http://127.0.0.1:$port"
work="$OUT/public-$scale"
mkdir -p "$work"
if curl -s -o /dev/null "$url/healthz"; then
  echo "bench: something already listens on port $port; set BENCH_PORT" >&2
  exit 1
fi
build_release
world=$(world_of "$scale")
db="$work/base.db"
import_once "$world" "$db"
[ -f "$work/selectors.jsonl" ] || "$PY" bench/public_data.py selectors "$world" 20000 "$work/selectors.jsonl"
[ -f "$work/adverts.jsonl" ] || "$PY" bench/public_data.py adverts "$world" 2000 "$work/adverts.jsonl"

"$CORDON" serve --db "sqlite://$db" --bind "127.0.0.1:$port" --rate 1000000 --burst 1000000 \
  --public-checks-per-minute 0 > "$work/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
  curl -sf -o /dev/null "$url/readyz" && break
  sleep 0.1
done
curl -sf -o /dev/null "$url/readyz" || { echo "bench: the server did not get ready; see $work/serve.log" >&2; exit 1; }

run() {
  local name=$1 bodies=$2
  # Warm up, unmeasured.
  wrk -t "$threads" -c "$connections" -d 3s -s bench/public_check.lua "$url" -- "$bodies" > /dev/null
  wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency -s bench/public_check.lua "$url" -- "$bodies" \
    > "$work/wrk-$name.txt"
  local line
  line=$(grep '^RESULT' "$work/wrk-$name.txt")
  echo "$name: $line"
}
run selectors "$work/selectors.jsonl"
run adverts "$work/adverts.jsonl"
echo "targets: selectors >= 3000 ok_rps, adverts >= 300 ok_rps, p99 <= 50 ms, non2xx = 0"
