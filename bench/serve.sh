#!/usr/bin/env bash
# The exchange service, whole process, with a simulated world loaded: start-up
# to ready, single hit queries over HTTP (wrk) against Redis SISMEMBER on the
# same machine in the same run (redis-benchmark), batches of 10,000
# selectors, durable report submissions (wrk), hit index memory and RSS.
# Server and load generators share the machine.
#
# Usage: bench/serve.sh [small|medium|large] [prepare]   (default large)
#
# The world is generated and imported once into $OUT/serve-SCALE/base.db
# (delete that folder to import again); every run serves a fresh copy of it,
# so runs do not see each other's submissions or audit records. `prepare`
# stops after that, to measure later on a quiet machine. Raw outputs
# (wrk, redis-benchmark, timings, /metrics, server log) stay in that folder.
#
# Environment: BENCH_SECONDS (each measured wrk run, default 30),
# BENCH_CONNECTIONS (64), BENCH_THREADS (wrk threads, 2), BENCH_PORT (18080),
# REDIS_HOST / REDIS_PORT (127.0.0.1:6379), BENCH_REDIS_REQUESTS (2000000; 5x
# that pipelined), BENCH_PERF=1 (also profile the server with perf during
# extra, unmeasured wrk runs: perf-*.txt).
#
# The server runs with a per-token rate limit far above what it can serve
# (--rate 1000000 --burst 1000000): the limiter's cost is included, no
# request is refused by it.
CORDON_PYTHON=${CORDON_PYTHON:-$(command -v python3)}
source "$(dirname "$0")/lib.sh"
need wrk "apt-get install wrk"
need redis-benchmark "apt-get install redis-tools"
need redis-cli "apt-get install redis-tools"
need curl "apt-get install curl"
scale=${1:-large}
seconds=${BENCH_SECONDS:-30}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
port=${BENCH_PORT:-18080}
redis=(-h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}")
redis_requests=${BENCH_REDIS_REQUESTS:-2000000}
redis_key=cordon-bench:selectors
url="http://127.0.0.1:$port"
work="$OUT/serve-$scale"
mkdir -p "$work"
redis-cli "${redis[@]}" ping >/dev/null 2>&1 \
  || { echo "bench: redis-server is not answering at ${redis[*]}" >&2; exit 1; }
if curl -s -o /dev/null "$url/healthz"; then
  echo "bench: something already listens on port $port; set BENCH_PORT" >&2
  exit 1
fi
build_release

world=$(world_of "$scale")
base="$work/base.db"
if [ ! -f "$work/base.done" ]; then
  rm -f "$base" "$base-wal" "$base-shm" "$base.key"
  "$CORDON" import --db "sqlite://$base" "$world"
  "$PY" bench/serve_data.py selectors "$base" 200000 "$work"
  "$PY" bench/serve_data.py reports "$world" 20000 "$work/reports.jsonl"
  touch "$work/base.done"
fi
# RED reports of the world name each agency's liaison officer as recipient;
# the API refuses a report naming a user who does not exist.
if [ ! -f "$work/liaisons.done" ]; then
  for code in $("$PY" -c "import json,sys; print(*(a['code'] for a in json.load(open(sys.argv[1]))['agencies']))" "$world/agencies.json"); do
    "$CORDON" user add --db "sqlite://$base" --agency "$code" --name liaison --role analyst > /dev/null
  done
  touch "$work/liaisons.done"
fi
[ "${2:-}" != prepare ] || exit 0

results="$work/results.txt"
: > "$results"
record() { printf '%s=%s\n' "$1" "$2" >> "$results"; }
record scale "$scale"
record date "$(date -u +%Y-%m-%dT%H:%MZ)"
record seconds "$seconds"
record connections "$connections"
record load_start "$(cut -d' ' -f1-3 /proc/loadavg)"

db="$work/run.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.key"
cp "$base" "$db"
[ ! -s "$base-wal" ] || cp "$base-wal" "$db-wal"
agency=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['agencies'][0]['code'])" "$world/agencies.json")
"$CORDON" user add --db "sqlite://$db" --agency "$agency" --name bench --role analyst
token=$("$CORDON" token create --db "sqlite://$db" --agency "$agency" --user bench --label bench 2>/dev/null)

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  server_pid=
}
cleanup() {
  stop_server
  redis-cli "${redis[@]}" unlink "$redis_key" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# cpu_ticks: user + system CPU time the server has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
# cpu_per_request TICKS_BEFORE REQUESTS: the server's CPU µs per request since.
cpu_per_request() {
  "$PY" -c "import os,sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf(\"SC_CLK_TCK\") * 1e6 / int(sys.argv[3]):.1f}')" \
    "$1" "$(cpu_ticks)" "$2"
}
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status"; }
gauge() { curl -sf "$url/metrics" | "$PY" bench/serve_data.py metric "$1"; }

# Start-up: from launching the process to /readyz answering 200.
started=$EPOCHREALTIME
"$CORDON" serve --db "sqlite://$db" --bind "127.0.0.1:$port" --rate 1000000 --burst 1000000 \
  > "$work/server.log" 2>&1 &
server_pid=$!
until curl -s -o /dev/null "$url/healthz"; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.01
done
record rss_start_kib "$(rss VmRSS)"
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.02
done
ready=$EPOCHREALTIME
record startup_s "$("$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$started" "$ready")"
record rss_ready_kib "$(rss VmRSS)"
curl -sf "$url/metrics" > "$work/metrics-ready.txt"
for g in selectors postings reports heap_bytes; do
  record "index_$g" "$("$PY" bench/serve_data.py metric "cordon_hit_index_$g" < "$work/metrics-ready.txt")"
done
selectors=$(gauge cordon_hit_index_selectors)
echo "ready: $selectors selectors in the hit index"

# One query by hand first: the token works and a sampled selector is a hit.
first=$(head -1 "$work/selectors.url")
answer=$(curl -sf -H "Authorization: Bearer $token" "$url/api/v1/hits?selector=$first") \
  || { echo "bench: a single hit query failed" >&2; exit 1; }
case "$answer" in
  *'"readable":[]'*'"held_elsewhere":[]'*) echo "bench: no hit for a stored selector: $answer" >&2; exit 1 ;;
esac

# 1. Single hit queries: a short warm-up, then the measured run.
wrk_hits() {
  wrk -t "$threads" -c "$connections" -d "$1" --timeout 10s -s bench/hits.lua "$url" \
    -- "$work/selectors.url" "$token"
}
wrk_hits 5s > "$work/wrk-hits-warmup.txt"
ticks=$(cpu_ticks)
wrk_hits "${seconds}s" | tee "$work/wrk-hits.txt"
eval "$("$PY" bench/serve_data.py wrk "$work/wrk-hits.txt")"
record hits_server_cpu_us "$(cpu_per_request "$ticks" "$wrk_requests")"
record hits_ok_rps "$wrk_ok_rps"
record hits_p50_ms "$wrk_p50_ms"
record hits_p99_ms "$wrk_p99_ms"
record hits_non2xx "$wrk_non2xx"
record hits_socket_errors "$wrk_socket_errors"

# 1b. The same queries at a fixed 20,000 requests/s (the target's rate),
# with oha's correction for coordinated omission: wrk above drives the server
# flat out, where latency measures the queue, not the service. oha is
# optional (`cargo install oha`); without it this step is skipped, loudly.
if command -v oha >/dev/null; then
  sed "s|^|$url/api/v1/hits?selector=|" "$work/selectors.url" > "$work/hit-urls.txt"
  oha -c "$connections" -q "${HIT_RATE:-20000}" -z "${seconds}s" --latency-correction \
    --no-tui --output-format json --urls-from-file -H "Authorization: Bearer $token" \
    "$work/hit-urls.txt" > "$work/oha-hits.json"
  eval "$("$PY" bench/serve_data.py oha "$work/oha-hits.json")"
  record hits_fixed_rate "${HIT_RATE:-20000}"
  record hits_fixed_rps "$oha_rps"
  record hits_fixed_p50_ms "$oha_p50_ms"
  record hits_fixed_p99_ms "$oha_p99_ms"
  record hits_fixed_success "$oha_success"
else
  echo "bench: oha not found (cargo install oha); the fixed-rate hit latency is not measured" >&2
fi

# 5. Redis: a set with as many members as the index has selectors, asked
# whether a random member is in it, by as many connections.
redis-cli "${redis[@]}" unlink "$redis_key" >/dev/null
"$PY" bench/serve_data.py redis-sadd "$redis_key" "$selectors" \
  | redis-cli "${redis[@]}" --pipe > "$work/redis-load.txt"
[ "$(redis-cli "${redis[@]}" scard "$redis_key")" = "$selectors" ] \
  || { echo "bench: the redis set did not get $selectors members" >&2; exit 1; }
for pipeline in 1 16; do
  n=$((pipeline == 1 ? redis_requests : 5 * redis_requests))
  redis-benchmark "${redis[@]}" -c "$connections" -n "$n" -r "$selectors" -P "$pipeline" --csv \
    sismember "$redis_key" "k:__rand_int__" > "$work/redis-P$pipeline.csv"
  eval "$("$PY" bench/serve_data.py redis "$work/redis-P$pipeline.csv")"
  record "redis${pipeline}_rps" "$redis_rps"
  record "redis${pipeline}_p50_ms" "$redis_p50_ms"
  record "redis${pipeline}_p99_ms" "$redis_p99_ms"
done
redis-cli "${redis[@]}" unlink "$redis_key" >/dev/null

# 2. Batches of 10,000 selectors.
"$PY" bench/hit_batch.py --url "$url" --token "$token" --selectors "$work/selectors.txt" \
  --out "$work/batch.json" | tee "$work/batch.txt"
cat "$work/batch.txt" >> "$results"

# 3. Report submissions, one per request, each with a fresh id.
run="bench-$(date +%s)"
wrk_submit() {
  wrk -t "$threads" -c "$connections" -d "$1" --timeout 10s -s bench/submit.lua "$url" \
    -- "$work/reports.jsonl" "$token" "$2"
}
wrk_submit 3s "$run-w" > "$work/wrk-submit-warmup.txt"
ticks=$(cpu_ticks)
wrk_submit "${seconds}s" "$run-m" | tee "$work/wrk-submit.txt"
eval "$("$PY" bench/serve_data.py wrk "$work/wrk-submit.txt")"
record submit_server_cpu_us "$(cpu_per_request "$ticks" "$wrk_requests")"
record submit_ok_rps "$wrk_ok_rps"
record submit_p50_ms "$wrk_p50_ms"
record submit_p99_ms "$wrk_p99_ms"
record submit_non2xx "$wrk_non2xx"
record submit_socket_errors "$wrk_socket_errors"
submit_requests=$wrk_requests

if [ "${BENCH_PERF:-0}" = 1 ]; then
  need perf "apt-get install linux-perf"
  for what in hits submit; do
    perf record -F 499 -e cpu-clock -g -p "$server_pid" -o "$work/perf-$what.data" -- sleep 15 \
      2> "$work/perf-$what.log" &
    perf_pid=$!
    if [ "$what" = hits ]; then wrk_hits 15s; else wrk_submit 15s "$run-p"; fi > /dev/null
    wait "$perf_pid"
    perf report -i "$work/perf-$what.data" --stdio --no-children -g none --sort dso,sym \
      --percent-limit 0.3 > "$work/perf-$what.txt" 2>/dev/null
    echo "profile of the server under $what: $work/perf-$what.txt"
  done
fi

curl -sf "$url/metrics" > "$work/metrics-end.txt"
record rss_end_kib "$(rss VmRSS)"
record rss_peak_kib "$(rss VmHWM)"
record load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
stop_server
stored=$("$PY" bench/serve_data.py stored "$db" "$agency" "$run-m-")
# Every answered submission is stored; a few more may have been in flight
# when wrk stopped counting.
[ "$stored" -ge "$((submit_requests - wrk_non2xx))" ] \
  || { echo "bench: $stored reports stored, fewer than the $submit_requests answered" >&2; exit 1; }
record submit_stored "$stored"

"$PY" bench/serve_data.py table "$results" | tee "$work/summary.md"
