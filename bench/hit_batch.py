"""Batch hit queries: POST /api/v1/hits with COUNT selectors, one request
at a time on one kept-alive connection, timed on the client (request sent
to answer fully read). Each request draws its own random sample of the
selectors file; bodies are encoded before the clock starts and answers
parsed after it stops. Prints shell assignments (batch_median_ms=…) and
writes every timing to --out. python3 standard library only.

Usage: hit_batch.py --url http://127.0.0.1:PORT --token T --selectors FILE
                    [--count 10000] [--requests 30] [--warmup 3] [--out FILE]
"""

import argparse
import http.client
import json
import math
import random
import statistics
import sys
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--selectors", required=True)
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out")
    a = p.parse_args()

    with open(a.selectors) as f:
        pool = [line.rstrip("\n") for line in f if line.strip()]
    if len(pool) < a.count:
        sys.exit(f"{a.selectors} holds {len(pool)} selectors; a batch needs {a.count}")
    url = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": f"Bearer {a.token}", "Content-Type": "application/json"}
    rng = random.Random(a.seed)

    timings, hits, answer_bytes = [], 0, 0
    for n in range(a.warmup + a.requests):
        body = json.dumps({"selectors": rng.sample(pool, a.count)}).encode()
        start = time.perf_counter()
        conn.request("POST", "/api/v1/hits", body, headers)
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - start) * 1000
        if resp.status != 200:
            sys.exit(f"batch request answered {resp.status}: {data[:300]!r}")
        answer = json.loads(data)
        if len(answer["results"]) != a.count:
            sys.exit(f"{len(answer['results'])} results for {a.count} selectors")
        if n >= a.warmup:
            timings.append(ms)
            hits += answer["hits"]
            answer_bytes += len(data)

    ordered = sorted(timings)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"count": a.count, "warmup": a.warmup, "timings_ms": timings}, f)
    print(f"batch_size={a.count}")
    print(f"batch_requests={a.requests}")
    print(f"batch_median_ms={statistics.median(timings):.2f}")
    print(f"batch_p95_ms={p95:.2f}")
    print(f"batch_mean_ms={statistics.fmean(timings):.2f}")
    print(f"batch_min_ms={ordered[0]:.2f}")
    print(f"batch_max_ms={ordered[-1]:.2f}")
    print(f"batch_hit_share={hits / (a.count * a.requests):.4f}")
    print(f"batch_answer_bytes={answer_bytes // a.requests}")


if __name__ == "__main__":
    main()
