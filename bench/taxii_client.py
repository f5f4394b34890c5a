"""One TAXII 2.1 server's add and read rates, measured from a client.

Adds N indicator objects in POSTs of --batch objects (each until its status
is complete), then reads the collection back in pages of --page objects
following `next`, and prints one JSON line of rates. The same client, over
plain HTTP with Basic authentication, measures every server: Cordon and the
OASIS reference server, medallion.

Usage: taxii_client.py URL_OF_COLLECTION USER PASSWORD --objects N
       [--batch 500] [--page 1000] [--start 0] [--label NAME] [--read-pages K]
"""

import argparse
import json
import sys
import time
import uuid

import requests

MEDIA = "application/taxii+json;version=2.1"
NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def indicator(n):
    """The n-th benchmark indicator: a recruiter's domain, deterministic."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NAMESPACE, f'cordon-bench-{n}')}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"recruitment site {n}",
        "description": "Fake job advert site seen in recruitment complaints.",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[domain-name:value = 'jobs-{n}.recruit-bench.vip']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": "2026-01-01T00:00:00Z",
    }


def wait_final(session, status_url, status):
    while status.get("status") != "complete":
        time.sleep(0.01)
        r = session.get(status_url + status["id"] + "/")
        r.raise_for_status()
        status = r.json()
    if status.get("failure_count"):
        sys.exit(f"{status['failure_count']} objects failed: {status.get('failures')[:3]}")
    return status


def main():
    p = argparse.ArgumentParser()
    p.add_argument("collection")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--objects", type=int, required=True)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--page", type=int, default=1000)
    p.add_argument("--start", type=int, default=0, help="number of the first indicator")
    p.add_argument("--label", default="server")
    p.add_argument("--read-pages", type=int, default=0, help="read only this many pages (0: all)")
    p.add_argument("--skip-add", action="store_true")
    args = p.parse_args()

    s = requests.Session()
    s.auth = (args.user, args.password)
    s.headers["Accept"] = MEDIA
    api_root = args.collection.split("collections/")[0]
    status_url = api_root + "status/"

    added = 0
    add_seconds = 0.0
    if not args.skip_add:
        # Bodies are built before the clock starts: the figure is the
        # server's, not this client's JSON encoding.
        end = args.start + args.objects
        batches = [
            (min(first + args.batch, end) - first,
             json.dumps({"objects": [indicator(n) for n in range(first, min(first + args.batch, end))]}))
            for first in range(args.start, end, args.batch)
        ]
        started = time.perf_counter()
        for count, body in batches:
            r = s.post(args.collection + "objects/", data=body, headers={"Content-Type": MEDIA})
            if r.status_code not in (200, 202):
                sys.exit(f"POST failed: {r.status_code} {r.text[:500]}")
            wait_final(s, status_url, r.json())
            added += count
        add_seconds = time.perf_counter() - started

    read = 0
    pages = 0
    started = time.perf_counter()
    params = {"limit": str(args.page)}
    while True:
        r = s.get(args.collection + "objects/", params=params)
        r.raise_for_status()
        envelope = r.json()
        read += len(envelope.get("objects", []))
        pages += 1
        if not envelope.get("more") or (args.read_pages and pages >= args.read_pages):
            break
        params = {"limit": str(args.page), "next": envelope["next"]}
    read_seconds = time.perf_counter() - started
    print(json.dumps({
        "label": args.label,
        "added": added,
        "add_seconds": round(add_seconds, 3),
        "add_per_second": round(added / add_seconds, 1) if added else None,
        "read": read,
        "pages": pages,
        "read_seconds": round(read_seconds, 3),
        "read_per_second": round(read / read_seconds, 1) if read else None,
    }))


if __name__ == "__main__":
    main()
