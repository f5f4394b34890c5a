"""Reports for the federation benchmarks, as JSON lines for `cordon import`.

  federation_data.py match NODE INDEX OUT   RED reports of one node: its own
      selectors, and the selectors it shares with each other node (planted
      overlaps, the hits to find). 333,334 selectors a node, 10 a report.
  federation_data.py sync N OUT            N GREEN reports (shareable with
      every peer) of 1 to 3 selectors each.
"""
import json
import sys

SELECTORS_PER_NODE = 333_334
PER_REPORT = 10
# Planted overlaps: SHARED selectors held by every pair of nodes.
SHARED = 1_000


def phone(node, n):
    # Distinct Thai-like mobile numbers per node: +66 8N xxxxxxx.
    return f"+668{node}{n:07d}"


def shared(pair, n):
    return f"+855129{pair}{n:05d}"


def match(node, index, out):
    # Pair p holds (a, b): 0=(0,1) 1=(0,2) 2=(1,2).
    pairs = [p for p, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]) if index in (a, b)]
    selectors = [shared(p, n) for p in pairs for n in range(SHARED)]
    own = SELECTORS_PER_NODE - len(selectors)
    selectors += [phone(index, n) for n in range(own)]
    with open(out, "w") as f:
        for r, start in enumerate(range(0, len(selectors), PER_REPORT)):
            f.write(json.dumps({
                "id": f"{node.lower()}-{r}", "kind": "compound_intel", "country": "TH",
                "marking": {"tlp": "RED", "recipients": [f"{node}-DSI/ana"]},
                "selectors": selectors[start:start + PER_REPORT],
            }) + "\n")
    print(len(selectors))


def sync(n, out):
    with open(out, "w") as f:
        for i in range(n):
            sel = [f"+6690{i:07d}"] + [f"+6691{(i * 7 + k) % 10_000_000:07d}" for k in range(i % 3)]
            f.write(json.dumps({
                "id": f"s-{i}", "kind": "compound_intel", "country": "TH",
                "marking": {"tlp": "GREEN"},
                "narrative": f"recruiter offered a job in a compound, report {i}",
                "selectors": sel,
            }) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "match":
        match(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sync(int(sys.argv[2]), sys.argv[3])
