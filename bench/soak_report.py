"""The table of bench/soak.sh: each stream's rate, p50 and p99 against its
target, the error rate, and the server's memory from the end of warm-up to
the end. Exits 1 when a target is missed.

Usage: soak_report.py WORK SECONDS WARMUP
"""
import csv
import json
import os
import statistics
import sys

# p99 targets of the feature issues (docs/BENCHMARKS.md).
TARGETS_MS = {"hits": 5.0, "graph": 20.0, "checks": 50.0, "alerts": 50.0}
MAX_ERROR_RATE = 0.001
MAX_GROWTH = 0.10
RSS_WINDOW = 300  # seconds


def oha(path):
    with open(path) as f:
        d = json.load(f)
    summary, pct = d["summary"], d["latencyPercentiles"]
    codes = d.get("statusCodeDistribution", {})
    total = sum(int(v) for v in codes.values())
    bad = sum(int(v) for k, v in codes.items() if not k.startswith("2"))
    # Requests still in flight when oha's clock ran out are cut by oha
    # itself: not the server's failures.
    errors = sum(int(v) for k, v in d.get("errorDistribution", {}).items() if "deadline" not in k)
    return {
        "rate": summary["requestsPerSec"],
        "p50": pct["p50"] * 1000,
        "p99": pct["p99"] * 1000,
        "requests": total + errors,
        "failed": bad + errors,
    }


def main():
    work, seconds, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rows, missed = [], []
    for name, what in [("hits", "single hit queries"), ("graph", "graph neighbourhoods, depth 3"),
                       ("checks", "public checks, 2 KB adverts")]:
        path = os.path.join(work, f"oha-{name}.json")
        if not os.path.exists(path):  # the stream was left out
            continue
        r = oha(path)
        rows.append((what, f"{r['rate']:,.0f}/s", r["p50"], r["p99"], TARGETS_MS[name], r["requests"], r["failed"]))
    a = None
    alerts = os.path.join(work, "alerts.json")
    if os.path.exists(alerts):  # absent when submissions were left out
        with open(alerts) as f:
            a = json.loads(f.read().strip().splitlines()[-1])
        rows.append(("report submissions, batches of 100", f"{a['achieved_rate']:,.0f} reports/s",
                     a["batch_p50_ms"], a["batch_p99_ms"], None, a["reports"] // 100, 0))
        lost = a["alerts_expected"] - a["alerts_received"]
        rows.append((f"alerts on {a['watches']:,} watches (ack to stream)", f"{a['alerts_expected']:,} expected",
                     a["p50_ms"], a["p99_ms"], TARGETS_MS["alerts"], a["alerts_expected"], lost))
    print("| stream | rate | p50 | p99 | target p99 | requests | failed |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    for what, rate, p50, p99, target, requests, failed in rows:
        verdict = "" if target is None else (f"≤ {target:g} ms: " + ("met" if p99 <= target else "**missed**"))
        print(f"| {what} | {rate} | {p50:.2f} ms | {p99:.2f} ms | {verdict} | {requests:,} | {failed:,} |")
        if target is not None and p99 > target:
            missed.append(f"{what}: p99 {p99:.2f} ms > {target:g} ms")
        if requests and failed / requests > MAX_ERROR_RATE:
            missed.append(f"{what}: {failed} of {requests} failed")
    samples = []
    with open(os.path.join(work, "rss.csv")) as f:
        for at, kib in csv.reader(f):
            samples.append((int(at), int(kib)))
    after = [(at, kib) for at, kib in samples if at >= warmup]
    if len(after) >= 2:
        # RSS moves by tens of MiB from one sample to the next as the
        # allocator takes and hands back memory, so one sample at each end
        # would measure that noise: growth compares the median of the first
        # WINDOW after warm-up with the median of the last.
        span = after[-1][0] - after[0][0]
        window = min(RSS_WINDOW, span / 4)
        first = [kib for at, kib in after if at <= after[0][0] + window]
        last = [kib for at, kib in after if at >= after[-1][0] - window]
        start, end = statistics.median(first), statistics.median(last)
        peak = max(kib for _, kib in after)
        growth = (end - start) / start
        print(f"\nRSS (median of {window:.0f} s): {start / 1024:.0f} MiB after the {warmup} s warm-up,"
              f" {end / 1024:.0f} MiB at the end ({samples[-1][0]} s); peak {peak / 1024:.0f} MiB;"
              f" single samples {after[0][1] / 1024:.0f} → {after[-1][1] / 1024:.0f} MiB;"
              f" growth {growth * 100:+.1f} % (target ≤ 10 %)")
        if growth > MAX_GROWTH:
            missed.append(f"memory grew {growth * 100:.1f} %")
    if a is not None:
        print(f"\nalerts received twice: {a['received_twice']}; submission batches behind schedule:"
              f" {a['batches_behind_schedule']}")
    if missed:
        print("\nmissed: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
