#!/usr/bin/env bash
# The graph API's neighbourhood walk on a served simulated world: latency
# of depth-D walks from a sample of the world's selectors (every kind but
# names, which never make an exact match), over HTTP from one client.
#
# Usage: bench/graph.sh [small|medium|large]   (default large)
# Environment: BENCH_DEPTH (3), BENCH_SAMPLE (1000 selectors), BENCH_PORT
# (18092), BENCH_HEAVY=1 (the selectors held by the most reports instead of
# a random sample: the walks that reach furthest). The world is imported once into $OUT/graph-SCALE/base.db; raw
# outputs stay there.
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
scale=${1:-large}
depth=${BENCH_DEPTH:-3}
sample=${BENCH_SAMPLE:-1000}
port=${BENCH_PORT:-18092}
url="http://127.0.0.1:$port"
work="$OUT/graph-$scale"
mkdir -p "$work"
build_release
world=$(world_of "$scale")
db="$work/base.db"
import_once "$world" "$db"
# The busiest agency's analyst: it reads the most, so its walks go furthest.
agency=$(busiest_agency "$world")
token=$(analyst_token "$db" "$agency" "graph-$$")
# A seeded sample of the world's selectors.
"$PY" - "$world/truth.json" "$sample" "$work/selectors.txt" "${BENCH_HEAVY:-}" <<'PY'
import json, random, sys
truth = json.load(open(sys.argv[1]))
pool = [s for s in truth["selectors"] if not s["selector"].startswith(("name:", "company:"))]
if sys.argv[4]:
    pool.sort(key=lambda s: (-s["reports"], s["selector"]))
else:
    pool.sort(key=lambda s: s["selector"])
    random.Random(7).shuffle(pool)
open(sys.argv[3], "w").write("\n".join(s["selector"] for s in pool[: int(sys.argv[2])]) + "\n")
PY
serve_ready "$db" "$port" "$work/serve.log"
kind=${BENCH_HEAVY:+heaviest}
echo "neighbourhood walks, depth $depth, $scale world, ${kind:-random} selectors, as $agency"
"$PY" bench/graph_client.py "$url" "$token" "$work/selectors.txt" --depth "$depth" \
  | tee "$work/result-depth$depth-${kind:-random}.json"
