#!/usr/bin/env bash
# A new report joining its network on a served simulated world: each
# sampled report is submitted over HTTP and its network asked for at once;
# the join happens inside the submission. Latency from one client.
#
# Usage: bench/join.sh [small|medium|large]   (default large)
# Environment: BENCH_SAMPLE (300 reports), BENCH_PORT (18093). The world is
# imported once into $OUT/join-SCALE/base.db; raw outputs stay there.
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
scale=${1:-large}
sample=${BENCH_SAMPLE:-300}
port=${BENCH_PORT:-18093}
url="http://127.0.0.1:$port"
work="$OUT/join-$scale"
mkdir -p "$work"
build_release
world=$(world_of "$scale")
db="$work/base.db"
import_once "$world" "$db"
agency=$(busiest_agency "$world")
token=$(analyst_token "$db" "$agency" "join-$$")
serve_ready "$db" "$port" "$work/serve.log"
# Ready when the networks answer (they load after the hit index).
for _ in $(seq 1 3000); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/v1/networks?limit=1" || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || { echo "bench: the networks did not load; see $work/serve.log" >&2; exit 1; }
grep -h "networks ready" "$work/serve.log" | tail -1
echo "new reports joining their networks, $scale world, as $agency"
"$PY" bench/join_client.py "$url" "$token" "$agency" "$world/truth.json" --sample "$sample" \
  | tee "$work/result.json"
