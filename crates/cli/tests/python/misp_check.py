"""Loads Cordon's MISP exports with PyMISP, for crates/cli/tests/misp.rs.

Usage: misp_check.py EXPORT
  EXPORT is a JSON list of {"Event": …} (`cordon export --format misp`) or
  a feed directory (`--format misp-feed`).

For every event:
- PyMISP loads it (`MISPEvent.load`) without error;
- it validates against MISP's event schema (PyMISP's schema-lax.json);
- every attribute's type is a MISP type and its category one MISP allows
  for that type (PyMISP's describeTypes);
- every object names a template of MISP's object directory, with that
  template's UUID and version, and satisfies it (`MISPObject(strict=True)`:
  required relations, no repeated single relation);
- the attributes PyMISP reads (standalone and in objects, as type and
  value) are exactly those of the JSON.

For a feed, PyMISP's own `feed_meta_generator` is also run over a copy of
the directory and its manifest (event UUIDs, info) and hashes.csv are
compared with Cordon's.

Prints one JSON object: the event count, every problem found, and per
event UUID its attributes as [type, value] pairs, its object names and its
tag names, as PyMISP read them.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import jsonschema
import pymisp
from pymisp import MISPEvent, MISPObject
from pymisp.tools import feed_meta_generator

DATA = Path(pymisp.__file__).parent / "data"
TYPES = json.loads((DATA / "describeTypes.json").read_text())["result"]
SCHEMA = json.loads((DATA / "schema-lax.json").read_text())


def events_of(path):
    if path.is_dir():
        manifest = json.loads((path / "manifest.json").read_text())
        return [json.loads((path / f"{uuid}.json").read_text()) for uuid in manifest]
    return json.loads(path.read_text())


def pairs(attributes):
    return sorted([a["type"], str(a["value"])] for a in attributes)


def check_event(raw, problems):
    event = raw["Event"]
    uuid = event["uuid"]

    def problem(text):
        problems.append(f"{uuid}: {text}")

    try:
        jsonschema.validate(raw, SCHEMA)
    except jsonschema.ValidationError as e:
        problem(f"schema: {e.message}")
    loaded = MISPEvent()
    try:
        loaded.load(json.dumps(raw))
    except Exception as e:  # noqa: BLE001 - any failure to load is the finding
        problem(f"PyMISP cannot load it: {e!r}")
        return None

    everything = list(event.get("Attribute", []))
    for o in event.get("Object", []):
        everything += o.get("Attribute", [])
    for a in everything:
        if a["type"] not in TYPES["types"]:
            problem(f"unknown attribute type {a['type']}")
        elif a["type"] not in TYPES["category_type_mappings"].get(a["category"], []):
            problem(f"category {a['category']} is not allowed for {a['type']}")

    for o in event.get("Object", []):
        try:
            strict = MISPObject(o["name"], strict=True)
            strict.from_dict(**json.loads(json.dumps(o)))
            strict.to_dict(strict=True)
        except Exception as e:  # noqa: BLE001
            problem(f"object {o['name']} does not satisfy its template: {e!r}")

    raw_pairs = pairs(event.get("Attribute", []))
    read_pairs = pairs(loaded.attributes)
    if raw_pairs != read_pairs:
        problem(f"standalone attributes differ: {raw_pairs} read as {read_pairs}")
    raw_objects = sorted((o["name"], json.dumps(pairs(o["Attribute"]))) for o in event.get("Object", []))
    read_objects = sorted((o.name, json.dumps(pairs(o.attributes))) for o in loaded.objects)
    if raw_objects != read_objects:
        problem(f"objects differ: {raw_objects} read as {read_objects}")

    attributes = pairs(loaded.attributes)
    for o in loaded.objects:
        attributes += pairs(o.attributes)
    return uuid, {
        "attributes": sorted(attributes),
        "objects": sorted(o.name for o in loaded.objects),
        "tags": sorted(t.name for t in loaded.tags),
        "distribution": loaded.distribution,
        "reports": [r.content for r in loaded.event_reports],
    }


def check_feed(path, problems):
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "feed"
        shutil.copytree(path, copy)
        (copy / "manifest.json").unlink()
        (copy / "hashes.csv").unlink()
        feed_meta_generator(copy)
        ours = json.loads((path / "manifest.json").read_text())
        theirs = json.loads((copy / "manifest.json").read_text())
        if sorted(ours) != sorted(theirs):
            problems.append(f"manifest uuids differ from PyMISP's: {sorted(ours)} vs {sorted(theirs)}")
        for uuid in set(ours) & set(theirs):
            for key in ("info", "date"):
                if str(ours[uuid].get(key)) != str(theirs[uuid].get(key)):
                    problems.append(f"manifest {uuid} {key}: {ours[uuid].get(key)} vs {theirs[uuid].get(key)}")
        our_hashes = sorted((path / "hashes.csv").read_text().split())
        their_hashes = sorted((copy / "hashes.csv").read_text().split())
        if our_hashes != their_hashes:
            problems.append("hashes.csv differs from PyMISP's feed_meta_generator")


def main():
    path = Path(sys.argv[1])
    problems = []
    events = {}
    for raw in events_of(path):
        found = check_event(raw, problems)
        if found:
            uuid, summary = found
            if uuid in events:
                problems.append(f"{uuid}: appears twice")
            events[uuid] = summary
    if path.is_dir():
        check_feed(path, problems)
    print(json.dumps({"events": len(events), "problems": problems, "by_uuid": events}))


if __name__ == "__main__":
    main()
