#!/usr/bin/env bash
# Phone normalisation, whole process on the same corpus: `cordon normalize`
# against Google's libphonenumber (PyPI phonenumbers) doing the same work
# (parse with the line's region, validate, format E.164, write a JSON line).
# Usage: bench/phone.sh [COUNT]   (default 200000 messy inputs)
source "$(dirname "$0")/lib.sh"
need hyperfine "apt-get install hyperfine"
count=${1:-200000}
build_release
"$PY" scripts/oracle_phone.py --seed 11 --count "$count" | cut -f1,2 > "$OUT/phones.tsv"
echo "corpus: $(wc -l < "$OUT/phones.tsv") lines"
hyperfine --warmup 1 --runs 5 --export-json "$OUT/phone.json" \
  -n cordon "$CORDON normalize --kind phone --region-column < $OUT/phones.tsv > /dev/null" \
  -n phonenumbers "$PY bench/phone_baseline.py < $OUT/phones.tsv > /dev/null"
a=$(mean_of "$OUT/phone.json" 0); b=$(mean_of "$OUT/phone.json" 1)
echo "| phone normalisation, $count inputs | cordon ${a}s | phonenumbers ${b}s | cordon is $(ratio "$a" "$b")x faster |"
