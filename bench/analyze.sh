#!/usr/bin/env bash
# Community detection through the `cordon` binary against igraph's
# multilevel and networkx's Louvain, in one run on this machine, on a
# planted-partition graph of EDGES edges (mean degree 20, mixing 0.3).
# Each is timed as a whole process, as an operator runs it: reading the
# CSV, detecting, modularity and writing node,community.
#
# Usage: bench/analyze.sh [EDGES]   (default 1000000)
# Environment: BENCH_SKIP_NETWORKX=1 leaves networkx out (minutes at 1M).
# The graph is generated once into bench/out/analyze/ (with its planted
# partition, graph-EDGES.truth.csv); raw outputs stay there.
source "$(dirname "$0")/lib.sh"
need /usr/bin/time "apt-get install time"
edges=${1:-1000000}
[[ $edges =~ ^[0-9]+$ ]] && [ "$edges" -ge 20 ] \
  || { echo "bench: EDGES must be a whole number of at least 20, not '$edges'" >&2; exit 1; }
work="$OUT/analyze"
mkdir -p "$work"
build_release
graph="$work/graph-$edges.csv"
[ -f "$graph" ] || "$PY" bench/make_graph.py "$graph" --nodes $((edges / 10)) --edges "$edges"

# timed NAME CMD...: CMD's stdout (one JSON line) to NAME.json, its time
# and peak memory to NAME.time, both shown.
timed() {
  local name=$1
  shift
  echo "$name"
  /usr/bin/time -o "$work/$name.time" -f "%e s, %M KiB max RSS" "$@" | tee "$work/$name.json"
  cat "$work/$name.time"
}
timed cordon "$CORDON" analyze --edges "$graph" --out "$work/cordon.csv"
timed igraph "$PY" bench/analyze_peers.py "$graph" --tool igraph --out "$work/igraph.csv"
rm -f "$work/networkx.json" "$work/networkx.time"
if [ "${BENCH_SKIP_NETWORKX:-}" != 1 ]; then
  timed networkx "$PY" bench/analyze_peers.py "$graph" --tool networkx --out "$work/networkx.csv"
fi

"$PY" - "$work" "$edges" <<'PY'
import json, os, sys
work, edges = sys.argv[1], int(sys.argv[2])
def result(name):
    if not os.path.exists(f"{work}/{name}.time"):
        return None
    # The last JSON line: anything before it is the tool talking.
    lines = [l for l in open(f"{work}/{name}.json") if l.startswith("{")]
    r = json.loads(lines[-1])
    r["wall"] = float(open(f"{work}/{name}.time").read().split()[0])
    return r
runs = {n: result(n) for n in ("cordon", "igraph", "networkx")}
c = runs["cordon"]
print(f"community detection, {edges} edges (whole process):")
for name, r in runs.items():
    if r is None:
        print(f"  {name:9} skipped (BENCH_SKIP_NETWORKX=1)")
        continue
    print(f"  {name:9} {r['wall']:8.2f} s  {r['communities']:6} communities  modularity {r['modularity']:.4f}")
for name in ("igraph", "networkx"):
    r = runs[name]
    if r is not None:
        print(f"{name}/cordon: {r['wall'] / max(c['wall'], 0.01):.1f}x (cordon is that many times faster)")
print(f"modularity cordon - igraph: {c['modularity'] - runs['igraph']['modularity']:+.4f}")
PY
