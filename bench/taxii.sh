#!/usr/bin/env bash
# TAXII 2.1 against the OASIS reference server, medallion (memory backend),
# in one run on this machine, with one client (bench/taxii_client.py):
# 5,000 indicator objects added in POSTs of 500 (each until its status is
# complete), then read back in pages of 1,000. Then Cordon alone grows its
# collection to BENCH_LARGE objects (default 1,000,000) and is measured
# again at that size: adding the last batch and reading pages at the end.
#
# Usage: bench/taxii.sh            Environment: BENCH_LARGE (1000000),
# BENCH_PORT (18090, Cordon), BENCH_MEDALLION_PORT (18091).
# Raw outputs stay in bench/out/taxii/.
source "$(dirname "$0")/lib.sh"
need curl "apt-get install curl"
port=${BENCH_PORT:-18090}
mport=${BENCH_MEDALLION_PORT:-18091}
large=${BENCH_LARGE:-1000000}
work="$OUT/taxii"
rm -rf "$work" && mkdir -p "$work"
build_release

# Cordon: a fresh store, one agency, one analyst and a token.
db="sqlite://$work/cordon.db"
"$CORDON" agency add --db "$db" --code GB-NCA --name "National Crime Agency" --country GB \
  --kind police --contact "desk@nca.example" > /dev/null
"$CORDON" user add --db "$db" --agency GB-NCA --name bench --role analyst > /dev/null
token=$("$CORDON" token create --db "$db" --agency GB-NCA --user bench --label bench 2>/dev/null)

# medallion: one API root, one writable collection, in memory.
cat > "$work/medallion-data.json" <<JSON
{
  "/discovery": {"title": "bench", "default": "http://127.0.0.1:$mport/bench/",
                 "api_roots": ["http://127.0.0.1:$mport/bench/"]},
  "bench": {
    "information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                    "max_content_length": 104857600},
    "status": [],
    "collections": [{"id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": "bench",
                     "can_read": true, "can_write": true,
                     "media_types": ["application/stix+json;version=2.1"],
                     "objects": [], "manifest": []}]
  }
}
JSON
cat > "$work/medallion.json" <<JSON
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
             "filename": "$work/medallion-data.json"},
 "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}
JSON

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$CORDON" serve --db "$db" --bind "127.0.0.1:$port" --rate 1000000 --burst 1000000 \
  > "$work/cordon.log" 2>&1 &
pids+=($!)
.venv/bin/medallion --host 127.0.0.1 --port "$mport" "$work/medallion.json" > "$work/medallion.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" \
    && curl -s -o /dev/null -u bench:bench "http://127.0.0.1:$mport/taxii2/" && break
  sleep 0.1
done

cordon_collection="http://127.0.0.1:$port/taxii2/cordon/collections/GB-NCA/"
medallion_collection="http://127.0.0.1:$mport/bench/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"
"$PY" bench/taxii_client.py "$cordon_collection" GB-NCA "$token" --objects 5000 --label cordon \
  | tee "$work/cordon-5000.json"
"$PY" bench/taxii_client.py "$medallion_collection" bench bench --objects 5000 --label medallion \
  | tee "$work/medallion-5000.json"
kill "${pids[1]}" 2>/dev/null || true

"$PY" - "$work/cordon-5000.json" "$work/medallion-5000.json" <<'PY'
import json, sys
c, m = (json.load(open(p)) for p in sys.argv[1:3])
print(f"add:  cordon {c['add_per_second']:.0f} objects/s, medallion {m['add_per_second']:.0f} objects/s: {c['add_per_second']/m['add_per_second']:.1f}x")
print(f"read: cordon {c['read_per_second']:.0f} objects/s, medallion {m['read_per_second']:.0f} objects/s: {c['read_per_second']/m['read_per_second']:.1f}x")
PY

# Cordon alone at BENCH_LARGE objects: fill, then time one more batch and
# reading pages at the end of the collection and from its start.
if [ "$large" -gt 5000 ]; then
  "$PY" bench/taxii_client.py "$cordon_collection" GB-NCA "$token" --objects $((large - 5500)) \
    --start 5000 --batch 5000 --read-pages 1 --label cordon-fill | tee "$work/cordon-fill.json"
  "$PY" bench/taxii_client.py "$cordon_collection" GB-NCA "$token" --objects 500 \
    --start $((large - 500)) --read-pages 100 --label "cordon-at-$large" | tee "$work/cordon-large.json"
fi
