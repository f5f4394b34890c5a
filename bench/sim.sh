#!/usr/bin/env bash
# Time `cordon sim` for a scale (default large: 1,000,000 reports), whole process.
# Usage: bench/sim.sh [small|medium|large]
source "$(dirname "$0")/lib.sh"
need hyperfine "apt-get install hyperfine"
scale=${1:-large}
build_release
hyperfine --runs 3 --export-json "$OUT/sim-$scale.json" \
  -n "sim $scale" "$CORDON sim --seed 7 --scale $scale --out $OUT/world-$scale"
echo "| cordon sim --scale $scale | $(mean_of "$OUT/sim-$scale.json" 0)s mean of 3 |"
