"""Latency of the graph API's neighbourhood walk, measured from a client.

Reads selectors (one canonical selector per line), asks
GET /api/v1/graph/neighbourhood?selector=…&depth=D for each in turn over one
kept-alive connection, and prints one JSON line: how many were asked, the
latency percentiles in milliseconds, and the sizes of the answers.

Usage: graph_client.py URL TOKEN SELECTORS.txt [--depth 3]
"""

import argparse
import json
import statistics
import sys
import time

import requests


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("token")
    p.add_argument("selectors")
    p.add_argument("--depth", type=int, default=3)
    args = p.parse_args()
    selectors = [s.strip() for s in open(args.selectors) if s.strip()]
    if not selectors:
        sys.exit("graph_client: no selectors to ask about")
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {args.token}"
    endpoint = args.url.rstrip("/") + "/api/v1/graph/neighbourhood"
    # One untimed request: the connection is open before the clock starts.
    s.get(endpoint, params={"selector": selectors[0], "depth": 1}).raise_for_status()
    times, nodes, truncated = [], [], 0
    for selector in selectors:
        started = time.perf_counter()
        r = s.get(endpoint, params={"selector": selector, "depth": args.depth})
        elapsed = time.perf_counter() - started
        if r.status_code != 200:
            sys.exit(f"graph_client: {selector}: {r.status_code} {r.text[:300]}")
        walk = r.json()
        times.append(elapsed * 1000)
        nodes.append(len(walk["reports"]) + len(walk["selectors"]))
        truncated += bool(walk["truncated"])
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(json.dumps({
        "asked": len(times),
        "depth": args.depth,
        "p50_ms": round(pick(0.50), 2),
        "p95_ms": round(pick(0.95), 2),
        "p99_ms": round(pick(0.99), 2),
        "max_ms": round(times[-1], 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "nodes_mean": round(statistics.fmean(nodes), 1),
        "nodes_max": max(nodes),
        "truncated": truncated,
    }))


if __name__ == "__main__":
    main()
