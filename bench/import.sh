#!/usr/bin/env bash
# Time `cordon import` of a simulated world into a fresh SQLite file and a
# fresh PostgreSQL database, whole process: checking every line, normalising
# every selector, and durable batched writes.
# Usage: bench/import.sh [small|medium|large]   (default large)
source "$(dirname "$0")/lib.sh"
need hyperfine "apt-get install hyperfine"
scale=${1:-large}
build_release
world="$OUT/world-$scale"
[ -f "$world/agencies.json" ] || "$CORDON" sim --seed 7 --scale "$scale" --out "$world"
reports=$("$PY" -c "import json,sys; print(sum(a['reports'] for a in json.load(open(sys.argv[1]))['agencies']))" "$world/agencies.json")
echo "world: $reports reports"

db="$OUT/import-$scale.db"
hyperfine --runs 3 --export-json "$OUT/import-sqlite-$scale.json" \
  --prepare "rm -f $db $db-wal $db-shm" \
  -n "import sqlite" "$CORDON import --db sqlite://$db $world"
s=$(mean_of "$OUT/import-sqlite-$scale.json" 0)
echo "| cordon import, $scale world, SQLite | ${s}s | $("$PY" -c "print(round($reports/$s))") reports/s |"

pg=${CORDON_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/cordon_bench}
if psql -h 127.0.0.1 -U postgres -d test -c "select 1" >/dev/null 2>&1; then
  hyperfine --runs "${PG_RUNS:-1}" --export-json "$OUT/import-postgres-$scale.json" \
    --prepare "psql -q -h 127.0.0.1 -U postgres -d test -c 'DROP DATABASE IF EXISTS cordon_bench' -c 'CREATE DATABASE cordon_bench'" \
    -n "import postgres" "$CORDON import --db $pg $world"
  p=$(mean_of "$OUT/import-postgres-$scale.json" 0)
  echo "| cordon import, $scale world, PostgreSQL | ${p}s | $("$PY" -c "print(round($reports/$p))") reports/s |"
else
  echo "postgresql not reachable at 127.0.0.1:5432; skipped its figure" >&2
fi
