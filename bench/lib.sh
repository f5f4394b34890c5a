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
CORDON="$TARGET_DIR/release/cordon"
build_release() { cargo build --release -q -p cordon-cli; }
# ratio A B: how many times faster the first mean is than the second.
ratio() { "$PY" -c "import sys; print(f'{float(sys.argv[2])/float(sys.argv[1]):.1f}')" "$1" "$2"; }
# mean_of FILE INDEX: a hyperfine json export's mean seconds for command INDEX.
mean_of() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['mean'])" "$1" "$2"; }
