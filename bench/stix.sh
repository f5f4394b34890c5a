#!/usr/bin/env bash
# STIX 2.1 through the `cordon` binary with the store: export of a
# simulated world as one bundle, and import of that bundle into a fresh
# store, in objects per second (whole process, as an operator runs them).
#
# Usage: bench/stix.sh [small|medium|large]   (default medium)
# The world is generated and imported once into bench/out/stix-SCALE/.
source "$(dirname "$0")/lib.sh"
scale=${1:-medium}
work="$OUT/stix-$scale"
mkdir -p "$work"
build_release
world=$(world_of "$scale")
import_once "$world" "$work/base.db"
base="sqlite://$work/base.db"
# The busiest agency's view: what it may read of everyone's reports.
agency=$("$PY" -c "import json,sys; a=json.load(open(sys.argv[1]))['agencies']; print(max(a, key=lambda x: x['reports'])['code'])" "$world/agencies.json")
echo "exporting what $agency may read ($scale world)"
/usr/bin/time -f "%e s, %M KiB max RSS" "$CORDON" export --db "$base" --format stix \
  --agency "$agency" -o "$work/bundle.json" 2>&1 | tee "$work/export.txt"
ls -l "$work/bundle.json"
fresh="sqlite://$work/fresh.db"
rm -f "$work"/fresh.db*
"$CORDON" agency add --db "$fresh" --code "$agency" --name bench --country "${agency%%-*}" \
  --kind police --contact desk > /dev/null
echo "importing that bundle into a fresh store"
/usr/bin/time -f "%e s, %M KiB max RSS" "$CORDON" import --db "$fresh" --agency "$agency" \
  "$work/bundle.json" 2>&1 | tee "$work/import.txt"
objects=$("$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['objects']))" "$work/bundle.json")
seconds=$(awk '/ s, / { print $1 }' "$work/import.txt" | tail -1)
"$PY" -c "import sys; print(f'import: {int(sys.argv[1])} objects in {float(sys.argv[2]):.2f} s: {int(sys.argv[1])/float(sys.argv[2]):.0f} objects/s (whole process)')" "$objects" "$seconds"
