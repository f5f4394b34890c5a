"""Inputs and figures of bench/serve.sh; python3 standard library only.

  selectors DB COUNT DIR   sample COUNT exact-hit selectors (every kind but the
                           fuzzy names and company names) from a SQLite store,
                           shuffled: DIR/selectors.txt (canonical text) and
                           DIR/selectors.url (URL-encoded, for bench/hits.lua)
  reports WORLD COUNT OUT  sample COUNT reports of a simulated world as JSON
                           lines whose id is the placeholder @@ID@@ (for
                           bench/submit.lua, which puts a fresh id in each)
  redis-sadd KEY COUNT     RESP commands on stdout adding k:000000000000 …
                           to a Redis set, the members redis-benchmark's -r
                           COUNT draws for k:__rand_int__ (for redis-cli --pipe)
  metric NAME              the value of a Prometheus gauge read on stdin
  wrk FILE                 the RESULT line bench/wrk_result.lua printed, as
                           shell assignments (wrk_requests=… wrk_rps=…)
  redis FILE               redis-benchmark --csv output, as shell assignments
  oha FILE                 oha --output-format json output, as shell assignments
  stored DB AGENCY PREFIX  how many reports of AGENCY have an id starting PREFIX
  table FILE               the summary table from the key=value results file
"""

import csv
import glob
import json
import os
import random
import sqlite3
import sys
import urllib.parse

SEED = 7
PLACEHOLDER = "@@ID@@"


def selectors(db, count, out):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    texts = [
        t
        for (t,) in con.execute(
            "SELECT text FROM selectors WHERE kind NOT IN ('name', 'company')"
        )
    ]
    rng = random.Random(SEED)
    picked = rng.sample(texts, min(int(count), len(texts)))
    with open(os.path.join(out, "selectors.txt"), "w") as f:
        f.writelines(t + "\n" for t in picked)
    with open(os.path.join(out, "selectors.url"), "w") as f:
        f.writelines(urllib.parse.quote(t, safe="") + "\n" for t in picked)
    print(f"{len(picked)} of {len(texts)} exact-hit selectors sampled")


def reports(world, count, out):
    lines = []
    for path in sorted(glob.glob(os.path.join(world, "reports", "*.jsonl"))):
        with open(path) as f:
            lines.extend(f.readlines()[:2000])
    rng = random.Random(SEED)
    picked = rng.sample(lines, min(int(count), len(lines)))
    with open(out, "w") as f:
        for line in picked:
            report = json.loads(line)
            report["id"] = PLACEHOLDER
            f.write(json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(picked)} report bodies sampled")


def resp(*args):
    parts = [f"*{len(args)}\r\n"]
    for a in args:
        parts.append(f"${len(a.encode())}\r\n{a}\r\n")
    return "".join(parts)


def redis_sadd(key, count):
    count = int(count)
    out = sys.stdout
    chunk = 1000
    for start in range(0, count, chunk):
        members = [f"k:{n:012d}" for n in range(start, min(start + chunk, count))]
        out.write(resp("SADD", key, *members))


def metric(name):
    for line in sys.stdin:
        fields = line.split()
        if len(fields) == 2 and fields[0] == name:
            print(int(float(fields[1])))
            return
    sys.exit(f"metric {name} not found")


def wrk(path):
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                pairs = dict(p.split("=", 1) for p in line.split()[1:])
                for k, v in pairs.items():
                    print(f"wrk_{k}={v}")
                return
    sys.exit(f"no RESULT line in {path}: did wrk fail?")


def redis(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"no result in {path}: did redis-benchmark fail?")
    row = rows[-1]
    print(f"redis_rps={float(row['rps']):.0f}")
    print(f"redis_p50_ms={row['p50_latency_ms']}")
    print(f"redis_p99_ms={row['p99_latency_ms']}")


def oha(path):
    with open(path) as f:
        d = json.load(f)
    summary, pct = d["summary"], d["latencyPercentiles"]
    print(f"oha_rps={summary['requestsPerSec']:.0f}")
    print(f"oha_success={summary['successRate']:.4f}")
    print(f"oha_p50_ms={pct['p50'] * 1000:.3f}")
    print(f"oha_p99_ms={pct['p99'] * 1000:.3f}")


def stored(db, agency, prefix):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    # The unique (agency, id, revision) index answers this range.
    (n,) = con.execute(
        "SELECT count(*) FROM reports WHERE agency = ? AND id >= ? AND id < ?",
        (agency, prefix, prefix + "\U0010ffff"),
    ).fetchone()
    print(n)


def table(path):
    r = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                r[k] = v
    f = lambda k: float(r[k])  # noqa: E731

    def verdict(ok):
        return "met" if ok else "**missed**"

    rows = []
    ok = f("hits_ok_rps") >= 20000 and f("hits_p99_ms") <= 5
    rows.append((
        f"single hit queries, GET, {r['connections']} connections, {r['seconds']} s",
        f"{f('hits_ok_rps'):,.0f} req/s, p50 {f('hits_p50_ms'):.2f} ms, p99 {f('hits_p99_ms'):.2f} ms"
        f" ({r['hits_non2xx']} non-2xx; server CPU {f('hits_server_cpu_us'):.0f} µs a request)",
        "≥ 20,000 req/s, p99 ≤ 5 ms", verdict(ok)))
    if "hits_fixed_p99_ms" in r:
        ok = f("hits_fixed_rps") >= 0.99 * f("hits_fixed_rate") and f("hits_fixed_p99_ms") <= 5
        rows.append((
            f"single hit queries at a fixed {f('hits_fixed_rate'):,.0f} req/s (oha, latency corrected), {r['connections']} connections",
            f"{f('hits_fixed_rps'):,.0f} req/s, p50 {f('hits_fixed_p50_ms'):.2f} ms, p99 {f('hits_fixed_p99_ms'):.2f} ms"
            f" ({f('hits_fixed_success') * 100:.2f} % success)",
            "≥ 20,000 req/s, p99 ≤ 5 ms", verdict(ok)))
    rows.append((
        "Redis SISMEMBER, same connections, not pipelined",
        f"{f('redis1_rps'):,.0f} req/s, p50 {r['redis1_p50_ms']} ms, p99 {r['redis1_p99_ms']} ms",
        "peer", f"Cordon/Redis = {f('hits_ok_rps') / f('redis1_rps'):.2f}"))
    rows.append((
        "Redis SISMEMBER, pipelined -P 16 (reference)",
        f"{f('redis16_rps'):,.0f} req/s, p50 {r['redis16_p50_ms']} ms, p99 {r['redis16_p99_ms']} ms",
        "peer", f"Cordon/Redis = {f('hits_ok_rps') / f('redis16_rps'):.3f}"))
    med, p95 = f("batch_median_ms") <= 50, f("batch_p95_ms") <= 50
    rows.append((
        f"batch of {r['batch_size']} selectors, POST, {r['batch_requests']} requests",
        f"median {f('batch_median_ms'):.1f} ms, p95 {f('batch_p95_ms'):.1f} ms"
        f" ({f('batch_hit_share') * 100:.1f} % hits, {f('batch_answer_bytes') / 2**20:.1f} MiB answers)",
        "≤ 50 ms", verdict(med and p95) if med == p95 else f"median {verdict(med)}, p95 {verdict(p95)}"))
    ok = f("submit_ok_rps") >= 5000
    rows.append((
        f"report submissions, one per POST, durable, {r['connections']} connections, {r['seconds']} s",
        f"{f('submit_ok_rps'):,.0f} req/s, p50 {f('submit_p50_ms'):.2f} ms, p99 {f('submit_p99_ms'):.2f} ms"
        f" ({r['submit_non2xx']} non-2xx; {r['submit_stored']} stored; server CPU {f('submit_server_cpu_us'):.0f} µs a request)",
        "≥ 5,000 req/s", verdict(ok)))
    sel, post, heap = f("index_selectors"), f("index_postings"), f("index_heap_bytes")
    per = heap / sel
    over = max(0.0, heap - 100 * sel) / post
    rows.append((
        f"hit index heap, {sel:,.0f} selectors, {post:,.0f} postings",
        f"{heap / 2**20:,.0f} MiB: {per:.1f} B per selector, everything included"
        + (f" ({over:.1f} B per posting above 100 B a selector)" if per > 100 else ""),
        "≤ 100 B per selector + postings",
        "met" if per <= 100 else "over 100 B with postings counted in; see the split"))
    rows.append((
        "server RSS: port first answering / index ready / after the runs",
        f"{f('rss_start_kib') / 1024:,.0f} / {f('rss_ready_kib') / 1024:,.0f} / {f('rss_end_kib') / 1024:,.0f} MiB"
        f" (peak {f('rss_peak_kib') / 1024:,.0f} MiB)",
        "recorded", ""))
    ok = f("startup_s") <= 30
    rows.append((
        "start-up: process start to /readyz 200",
        f"{f('startup_s'):.2f} s", "≤ 30 s", verdict(ok)))
    print(f"scale {r['scale']}, {r['date']}, load average at start {r['load_start']}, at end {r['load_end']}")
    print()
    print("| figure | measured | target | |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


COMMANDS = {
    "selectors": selectors,
    "reports": reports,
    "redis-sadd": redis_sadd,
    "metric": metric,
    "wrk": wrk,
    "redis": redis,
    "oha": oha,
    "stored": stored,
    "table": table,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
