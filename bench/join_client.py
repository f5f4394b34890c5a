"""Latency of a new report joining its network, measured from a client.

For each sampled selector of the world's networks (one network each, named
by 3 to 50 reports), submits a new GREEN report naming it
(POST /api/v1/reports) and then asks for that report's network
(GET /api/v1/reports/{agency}/{id}/network), one after the other over one
kept-alive connection. The join happens inside the submission; the second
request shows it done. Prints one JSON line: latency percentiles in
milliseconds of the submission and of submission plus lookup (both
include the durable write), the server's own time for the joins (its
`cordon_network_join_seconds` metric), how many reports joined a network,
and of those, the share that joined the network most joins of their true
network went to.

Usage: join_client.py URL TOKEN AGENCY TRUTH.json [--sample 300]
"""

import argparse
import collections
import json
import random
import sys
import time

import requests


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("token")
    p.add_argument("agency")
    p.add_argument("truth")
    p.add_argument("--sample", type=int, default=300)
    args = p.parse_args()
    truth = json.load(open(args.truth))
    pool = [
        s for s in truth["selectors"]
        if len(s["networks"]) == 1 and 3 <= s["reports"] <= 50
        and not s["selector"].startswith(("name:", "company:"))
    ]
    pool.sort(key=lambda s: s["selector"])
    random.Random(7).shuffle(pool)
    pool = pool[: args.sample]
    if not pool:
        sys.exit("join_client: no network selectors in the world's truth")
    base = args.url.rstrip("/")
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {args.token}"
    run = int(time.time())
    submit_ms, seen_ms, found = [], [], collections.defaultdict(list)
    for i, sel in enumerate(pool):
        rid = f"join-{run}-{i}"
        report = {
            "id": rid, "kind": "fraud_complaint", "country": "GB",
            "marking": {"tlp": "GREEN"}, "selectors": [sel["selector"]],
        }
        started = time.perf_counter()
        r = s.post(base + "/api/v1/reports", json=report)
        submitted = time.perf_counter()
        if r.status_code != 200:
            sys.exit(f"join_client: submit {rid}: {r.status_code} {r.text[:300]}")
        r = s.get(f"{base}/api/v1/reports/{args.agency}/{rid}/network")
        done = time.perf_counter()
        if r.status_code != 200:
            sys.exit(f"join_client: network of {rid}: {r.status_code} {r.text[:300]}")
        submit_ms.append((submitted - started) * 1000)
        seen_ms.append((done - started) * 1000)
        found[sel["networks"][0]].append(r.json()["network"])
    # The server's own time for the joins (metrics, from loopback): how
    # many, their mean, and how many took longer than 50 ms.
    metrics = requests.get(base + "/metrics").text
    def metric(name):
        for line in metrics.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        sys.exit(f"join_client: /metrics has no {name}")
    server_joins = metric("cordon_network_join_seconds_count")
    server_mean_us = metric("cordon_network_join_seconds_sum") / max(server_joins, 1) * 1e6
    within = metric('cordon_network_join_seconds_bucket{le="0.05"}')
    joined = sum(1 for ns in found.values() for n in ns if n)
    agreeing = sum(
        collections.Counter(n for n in ns if n).most_common(1)[0][1]
        for ns in found.values() if any(ns)
    )
    pick = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]
    print(json.dumps({
        "reports": len(pool),
        "joined": joined,
        "same_network_share": round(agreeing / max(joined, 1), 3),
        "submit_p50_ms": round(pick(submit_ms, 0.5), 2),
        "submit_p99_ms": round(pick(submit_ms, 0.99), 2),
        "submit_max_ms": round(max(submit_ms), 2),
        "joined_p50_ms": round(pick(seen_ms, 0.5), 2),
        "joined_p99_ms": round(pick(seen_ms, 0.99), 2),
        "joined_max_ms": round(max(seen_ms), 2),
        "server_joins": int(server_joins),
        "server_join_mean_us": round(server_mean_us, 1),
        "server_joins_over_50ms": int(server_joins - within),
    }))


if __name__ == "__main__":
    main()
