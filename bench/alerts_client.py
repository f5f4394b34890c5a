"""Alert latency under load, measured from a client.

Keeps WATCHES watches (one selector each) for one analyst, opens that
analyst's alert stream (GET /api/v1/alerts/stream), then submits reports at
RATE reports/s for SECONDS seconds in batches of 100 (POST /api/v1/reports),
one report in MATCH_EVERY naming a watched selector. For each alerted
report: the time from its batch's acknowledgement (the response, after the
reports are durable) to its event arriving on the stream; the server sends
both once the batch is durable, so a small run may show a negative p50: the
event was read before the submitting thread read its response. Prints one JSON
line: alerts expected and received (and any received twice), and the
latency percentiles in milliseconds; with --expect-file, also checks the
events against the alerts a second stream must receive.

With --stream-url, the watches are kept and the stream read on that other
replica while reports go to URL. With --restart-at S --restart-cmd CMD,
CMD (which restarts the stream's replica and returns once it is ready) runs
S seconds into the submissions while they go on; the stream reconnects with
Last-Event-ID, and the counts say whether any alert was lost or received
twice across the restart. Latencies are then given for the alerts
acknowledged outside the restart window as well as for all.

With --distinct N, report ids come round every N reports, each time with
a new narrative: every submission is a new revision (and alerts), while the
set of live reports stays N large (the soak, bench/soak.sh).

Usage: alerts_client.py URL TOKEN [--watches 10000] [--rate 2000]
       [--seconds 10] [--match-every 10] [--distinct N] [--stream-url URL2]
       [--restart-at S --restart-cmd CMD]
"""

import argparse
import concurrent.futures
import json
import subprocess
import sys
import threading
import time

import requests

BATCH = 100


def stream_events(url, token, events, stop, ready, reconnects):
    """Reads the alert stream: (seq, arrival time) into `events`; when the
    stream ends or breaks (a replica restarting), reconnects with the last
    event id, as a browser's EventSource does."""
    last = None
    while not stop.is_set():
        headers = {"Authorization": f"Bearer {token}"}
        if last is not None:
            headers["Last-Event-ID"] = str(last)
        try:
            r = requests.get(url + "/api/v1/alerts/stream", headers=headers, stream=True, timeout=(5, 60))
            r.raise_for_status()
            ready.set()
            seq = None
            for line in r.iter_lines(chunk_size=1, decode_unicode=True):
                if stop.is_set() and line == "":
                    return
                if line.startswith("id:"):
                    seq = int(line[3:].strip())
                elif line == "" and seq is not None:
                    events.append((seq, time.perf_counter()))
                    last = seq
                    seq = None
        except (requests.RequestException, ValueError):
            pass
        if not stop.is_set():
            reconnects.append(time.perf_counter())
            time.sleep(0.05)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("token")
    p.add_argument("--watches", type=int, default=10_000)
    p.add_argument("--rate", type=int, default=2_000)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--match-every", type=int, default=10)
    p.add_argument("--distinct", type=int, default=0)
    p.add_argument("--stream-url")
    p.add_argument("--restart-at", type=float)
    p.add_argument("--restart-cmd")
    args = p.parse_args()
    base = args.url.rstrip("/")
    watch_base = (args.stream_url or args.url).rstrip("/")
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {args.token}"
    run = int(time.time())

    def watched(i):
        return f"watch-{run}-{i}@example.com"

    def keep(i):
        r = requests.post(watch_base + "/api/v1/watches", json={"name": f"case {i}", "selectors": [watched(i)]},
                          headers={"Authorization": f"Bearer {args.token}"})
        if r.status_code != 201:
            sys.exit(f"alerts_client: watch {i}: {r.status_code} {r.text[:200]}")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(keep, range(args.watches)))
    watch_seconds = time.perf_counter() - started

    events, stop, ready, reconnects = [], threading.Event(), threading.Event(), []
    reader = threading.Thread(target=stream_events, args=(watch_base, args.token, events, stop, ready, reconnects),
                              daemon=True)
    reader.start()
    ready.wait(10)
    time.sleep(0.5)

    acked = {}  # seq of an alerting report -> ack time
    submit_started = time.perf_counter()
    total = args.rate * args.seconds
    interval = BATCH / args.rate
    next_at = time.perf_counter()
    n = 0
    late = 0
    submits = []  # each batch's time to acknowledgement, ms
    restart = {}
    restarter = None
    if args.restart_at is not None:
        def run_restart():
            restart["from"] = time.perf_counter()
            subprocess.run(args.restart_cmd, shell=True, check=True)
            restart["to"] = time.perf_counter()
        timer = threading.Timer(args.restart_at, run_restart)
        timer.start()
        restarter = timer
    while n < total:
        batch = []
        for k in range(BATCH):
            i = n + k
            # With --distinct, ids come round again: each report is revised
            # (a new narrative), and the store's live set stays the same size.
            rid = i % args.distinct if args.distinct else i
            selectors = [f"load-{run}-{rid}@example.com"]
            if rid % args.match_every == 0:
                selectors.append(watched(rid % args.watches))
            batch.append({"id": f"load-{run}-{rid}", "kind": "fraud_complaint", "country": "KH",
                          "marking": {"tlp": "GREEN"}, "selectors": selectors,
                          "narrative": f"load report, round {i // args.distinct if args.distinct else 0}"})
        sent = time.perf_counter()
        r = s.post(base + "/api/v1/reports", json=batch)
        ack = time.perf_counter()
        submits.append((ack - sent) * 1000)
        if r.status_code != 200:
            sys.exit(f"alerts_client: submit: {r.status_code} {r.text[:300]}")
        for res in r.json()["results"]:
            i = int(res["id"].rsplit("-", 1)[1])
            if i % args.match_every == 0:
                acked[res["seq"]] = ack
        n += BATCH
        next_at += interval
        pause = next_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        else:
            late += 1
    submit_seconds = time.perf_counter() - submit_started
    if restarter is not None:
        restarter.join()
    # Every alert acknowledged must arrive; wait for the stream to catch up.
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and len({q for q, _ in events} & set(acked)) < len(acked):
        time.sleep(0.1)
    time.sleep(1)
    stop.set()
    received = {}
    twice = 0
    for seq, at in events:
        if seq in received:
            twice += 1
        else:
            received[seq] = at
    lat = sorted((received[q] - acked[q]) * 1000 for q in acked if q in received)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
    submits.sort()
    spent = lambda q: round(submits[min(len(submits) - 1, int(q * len(submits)))], 2) if submits else None
    extra = {}
    if restart:
        # Outside the restart window: acknowledged before the restart began
        # or after the replica was ready again.
        steady = sorted((received[q] - acked[q]) * 1000 for q in acked if q in received
                        and (acked[q] < restart["from"] or acked[q] > restart["to"]))
        spick = lambda q: steady[min(len(steady) - 1, int(q * len(steady)))] if steady else None
        extra = {
            "restart_seconds": round(restart["to"] - restart["from"], 2),
            "reconnects": len(reconnects),
            "steady_alerts": len(steady),
            "steady_p50_ms": spick(0.5) and round(spick(0.5), 2),
            "steady_p99_ms": spick(0.99) and round(spick(0.99), 2),
        }
    print(json.dumps({
        "watches": args.watches,
        "reports": total,
        "offered_rate": args.rate,
        "achieved_rate": round(total / submit_seconds, 1),
        "batches_behind_schedule": late,
        "alerts_expected": len(acked),
        "alerts_received": sum(1 for q in acked if q in received),
        "received_twice": twice,
        "p50_ms": pick(0.5) and round(pick(0.5), 2),
        "p99_ms": pick(0.99) and round(pick(0.99), 2),
        "max_ms": lat and round(lat[-1], 2),
        "keeping_watches_seconds": round(watch_seconds, 1),
        "batch_p50_ms": spent(0.5),
        "batch_p99_ms": spent(0.99),
        **extra,
    }))


if __name__ == "__main__":
    main()
