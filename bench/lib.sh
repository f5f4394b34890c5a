# Shared by the bench scripts: where the release binary and the peers live.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=bench/out
mkdir -p "$OUT"
# need TOOL HINT: stop with a clear message when a tool is missing.
need() { command -v "$1" >/dev/null || { echo "bench: needs $1 ($2)" >&2; exit 1; }; }
PY=${CORDON_PYTHON:-.venv/bin/python}
[ -x "$PY" ] || { echo "bench: run scripts/test once to create .venv (python peers)" >&2; exit 1; }
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# BENCH_CORDON: measure that binary instead of building the release one
# (a build with other features, say).
CORDON=${BENCH_CORDON:-$TARGET_DIR/release/cordon}
build_release() { [ -n "${BENCH_CORDON:-}" ] || cargo build --release -q -p cordon-cli; }
# ratio A B: how many times faster the first mean is than the second.
ratio() { "$PY" -c "import sys; print(f'{float(sys.argv[2])/float(sys.argv[1]):.1f}')" "$1" "$2"; }
# mean_of FILE INDEX: a hyperfine json export's mean seconds for command INDEX.
mean_of() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['mean'])" "$1" "$2"; }
# world_of SCALE: the simulated world of that scale (seed 7), generated
# once into $OUT/world-SCALE; prints its folder.
world_of() {
  local world="$OUT/world-$1"
  [ -f "$world/agencies.json" ] || "$CORDON" sim --seed 7 --scale "$1" --out "$world" >&2
  echo "$world"
}
# import_once WORLD DB: WORLD imported into the SQLite file DB, once (a
# DB.done file marks it; delete it to import again).
import_once() {
  local world=$1 db=$2
  [ -f "$db.done" ] && return 0
  rm -f "$db" "$db-wal" "$db-shm" "$db.key"
  "$CORDON" import --db "sqlite://$db" "$world"
  touch "$db.done"
}
# serve_ready DB PORT LOG [FLAG…]: `cordon serve` on the SQLite file DB at
# PORT (rate limits far above what it serves, and any more FLAGs), its log
# to LOG, stopped with the script's background jobs when the script exits;
# returns once /readyz answers (at most 2 minutes).
serve_ready() {
  local db=$1 port=$2 log=$3
  shift 3
  "$CORDON" serve --db "sqlite://$db" --bind "127.0.0.1:$port" --rate 1000000 --burst 1000000 \
    "$@" > "$log" 2>&1 &
  SERVE_PID=$!
  trap 'kill $SERVE_PID $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && return 0
    sleep 0.1
  done
  echo "bench: the server did not get ready; see $log" >&2
  exit 1
}
# busiest_agency WORLD: the code of the agency holding the most reports
# (it reads the most, so its queries reach furthest).
busiest_agency() {
  "$PY" -c "import json,sys; a=json.load(open(sys.argv[1]))['agencies']; print(max(a, key=lambda x: x['reports'])['code'])" "$1/agencies.json"
}
# analyst_token DB AGENCY NAME: a new analyst NAME of AGENCY in the SQLite
# file DB; prints its token.
analyst_token() {
  "$CORDON" user add --db "sqlite://$1" --agency "$2" --name "$3" --role analyst > /dev/null
  "$CORDON" token create --db "sqlite://$1" --agency "$2" --user "$3" --label bench 2>/dev/null
}
