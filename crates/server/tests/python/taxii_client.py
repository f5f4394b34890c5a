"""Drives Cordon's TAXII 2.1 server with the OASIS client, `taxii2-client`
(pinned in requirements.txt), as two member agencies; run by
crates/server/tests/taxii.rs.

Usage: taxii_client.py '{"discovery": URL,
                         "first":  {"agency": CODE, "token": T, "objects": N},
                         "second": {"agency": CODE, "token": T, "objects": N}}'

`objects` is how many objects the server says the agency reads in `all`.
As the first agency: discovery with HTTP Basic (the token as password), API
roots, collections, every page of `all` with `as_pages`, the manifest, a
bundle of another tool's objects added (unmarked, so AMBER: the first agency
only) and its status polled, each object read back by id, its versions.
As the second agency: the same walk, which must not hold what the first
added, and 404 for each of those ids.

Prints what it does, then one JSON line: {"ok": true, "added": [ids], ...}.
"""

import json
import sys

import requests
import stix2
from taxii2client.v21 import Server, as_pages

PER_REQUEST = 25


def say(*parts):
    print(*parts, flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def connect(discovery, who):
    server = Server(discovery, user=who["agency"], password=who["token"])
    say(f"[{who['agency']}] discovery: {server.title!r}, default {server.default.url}")
    roots = server.api_roots
    check(len(roots) == 1, f"one api root, got {[r.url for r in roots]}")
    root = roots[0]
    say(f"[{who['agency']}] api root {root.url}: {root.title!r}, versions {root.versions}, "
        f"max_content_length {root.max_content_length}")
    check("application/taxii+json;version=2.1" in root.versions, "TAXII 2.1 is offered")
    collections = {c.alias: c for c in root.collections}
    for alias, c in sorted(collections.items()):
        say(f"[{who['agency']}]   collection {c.id} alias {alias!r}: {c.title!r} "
            f"read={c.can_read} write={c.can_write}")
        check(c.can_read, f"{alias} is readable")
        check(c.can_write == (alias in ("all", who["agency"])), f"{alias} can_write")
    check("all" in collections and who["agency"] in collections, "all and own collections")
    return root, collections


def walk(collection, func, who, what):
    """Every item of a paged endpoint, through as_pages."""
    items, pages = [], 0
    for envelope in as_pages(func, per_request=PER_REQUEST):
        page = envelope.get("objects", [])
        pages += 1
        if envelope.get("more"):
            check(len(page) == PER_REQUEST, f"a page before the last holds {PER_REQUEST}")
        items.extend(page)
    say(f"[{who['agency']}] {what} of {collection.alias!r}: {len(items)} in {pages} pages of {PER_REQUEST}")
    return items


def version(o):
    return o.get("modified") or o.get("created")


def other_tools_bundle():
    """What another tool would push: a report of an indicator, a malware,
    their relationship and their author, unmarked."""
    acme = stix2.Identity(name="ACME CERT (taxii2-client test)", identity_class="organization")
    malware = stix2.Malware(name="fake exchange app", is_family=False, created_by_ref=acme.id)
    indicator = stix2.Indicator(
        name="deposit page of a fake exchange",
        pattern="[url:value = 'https://deposit.fake-exchange-app.com/pay']",
        pattern_type="stix",
        created_by_ref=acme.id,
    )
    indicates = stix2.Relationship(indicator, "indicates", malware, created_by_ref=acme.id)
    report = stix2.Report(
        name="fake exchange app campaign",
        published=indicator.created,
        report_types=["threat-report"],
        object_refs=[indicator.id, malware.id, indicates.id],
        created_by_ref=acme.id,
    )
    return [json.loads(o.serialize()) for o in (acme, malware, indicator, indicates, report)]


def first_agency(args):
    who = args["first"]
    _, collections = connect(args["discovery"], who)
    everything = collections["all"]

    objects = walk(everything, everything.get_objects, who, "objects")
    check(len(objects) == who["objects"],
          f"the walk gives {len(objects)} objects, the server holds {who['objects']}")
    keys = [(o["id"], version(o)) for o in objects]
    check(len(set(keys)) == len(keys), "each object once")
    manifest = walk(everything, everything.get_manifest, who, "manifest")
    check([m["id"] for m in manifest] == [o["id"] for o in objects], "the manifest lists the objects")
    for m in manifest:
        check(m["media_type"] == "application/stix+json;version=2.1", f"media type of {m}")

    bundle = other_tools_bundle()
    status = everything.add_objects({"objects": bundle})
    say(f"[{who['agency']}] added {len(bundle)} objects: status {status.id} {status.status}, "
        f"{status.success_count} of {status.total_count} succeeded")
    check(status.status == "complete", "the status is complete")
    check(status.success_count == len(bundle) and status.failure_count == 0, "every object succeeded")
    check(sorted(d["id"] for d in status.successes) == sorted(o["id"] for o in bundle), "successes name them")
    status.refresh()
    status.wait_until_final(poll_interval=0.1, timeout=5)
    check(status.status == "complete", "the status stays complete")
    say(f"[{who['agency']}] status {status.id} read back: {status.status}")

    added = [o["id"] for o in bundle]
    for o in bundle:
        got = everything.get_object(o["id"])["objects"]
        check(len(got) == 1 and got[0] == o, f"{o['id']} comes back verbatim")
        versions = everything.object_versions(o["id"])["versions"]
        check(versions == [version(o)], f"versions of {o['id']}: {versions}")
        listed = everything.get_manifest(id=o["id"])["objects"]
        check([m["version"] for m in listed] == [version(o)], f"manifest of {o['id']}")
    say(f"[{who['agency']}] read each added object by id, its versions and its manifest entry")
    own = collections[who["agency"]]
    mine = walk(own, own.get_objects, who, "objects")
    check(all(i in {o["id"] for o in mine} for i in added), "the added objects are in the agency's collection")
    after = walk(everything, everything.get_objects, who, "objects")
    check(len(after) == len(objects) + len(bundle), f"{len(after)} objects after adding {len(bundle)}")
    indicators = everything.get_objects(type="indicator")["objects"]
    check(all(o["type"] == "indicator" for o in indicators) and indicators, "match[type] through the client")
    return added


def second_agency(args, added):
    who = args["second"]
    _, collections = connect(args["discovery"], who)
    everything = collections["all"]
    objects = walk(everything, everything.get_objects, who, "objects")
    check(len(objects) == who["objects"],
          f"the walk gives {len(objects)} objects, the server holds {who['objects']}")
    seen = {o["id"] for o in objects}
    check(not seen & set(added), "the first agency's AMBER objects are not listed")
    manifest = walk(everything, everything.get_manifest, who, "manifest")
    check(not {m["id"] for m in manifest} & set(added), "nor in the manifest")
    refused = 0
    for obj_id in added:
        for call in (everything.get_object, everything.object_versions):
            try:
                call(obj_id)
            except requests.exceptions.HTTPError as e:
                check(e.response.status_code == 404, f"{obj_id}: {e.response.status_code}")
                refused += 1
            else:
                raise AssertionError(f"{who['agency']} read {obj_id}")
    say(f"[{who['agency']}] {refused} reads of the first agency's AMBER objects: 404, as for nothing")
    first = collections[args["first"]["agency"]]
    theirs = walk(first, first.get_objects, who, "objects")
    check(not {o["id"] for o in theirs} & set(added), "nor in the first agency's collection")
    return len(objects)


def main():
    args = json.loads(sys.argv[1])
    added = first_agency(args)
    seen = second_agency(args, added)
    print(json.dumps({"ok": True, "added": added, "second_reads": seen}))


if __name__ == "__main__":
    main()
