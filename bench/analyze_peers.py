"""Community detection by a peer library, for bench/analyze.sh.

Usage: analyze_peers.py EDGES.csv --tool igraph|networkx [--out COMMUNITIES.csv]

EDGES.csv has the header src,dst and optionally a third column weight.
Prints one JSON line: tool, nodes, edges, communities, modularity,
load_seconds (reading the file and building the graph) and detect_seconds
(the community detection alone). The modularity is each library's own
(igraph: Graph.modularity; networkx: nx.community.modularity), taken
outside both timings. With --out, writes node,community.

Both run seeded (7) so repeated runs find the same communities.
"""

import argparse
import csv
import json
import random
import sys
import time

SEED = 7


def fail(message):
    print(f"analyze_peers: {message}", file=sys.stderr)
    sys.exit(2)


def read_edges(path):
    """(labels, pairs of indices, weights or None) of an edge list."""
    try:
        f = open(path, newline="")
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror.lower()}")
    with f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows, [])]
        if header[:2] != ["src", "dst"] or header[2:] not in ([], ["weight"]):
            fail(f"{path} must start with the header src,dst or src,dst,weight")
        weighted = len(header) == 3
        ids = {}
        pairs = []
        weights = [] if weighted else None
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                if not row:
                    continue
                fail(f"{path}:{line}: expected {len(header)} columns, found {len(row)}")
            s, d = row[0], row[1]
            i = ids.get(s)
            if i is None:
                i = ids[s] = len(ids)
            j = ids.get(d)
            if j is None:
                j = ids[d] = len(ids)
            pairs.append((i, j))
            if weighted:
                try:
                    weights.append(float(row[2]))
                except ValueError:
                    fail(f"{path}:{line}: weight {row[2]!r} is not a number")
    return list(ids), pairs, weights


def run_igraph(path):
    import igraph

    # igraph draws from Python's random module unless told otherwise.
    random.seed(SEED)
    t0 = time.perf_counter()
    labels, pairs, weights = read_edges(path)
    g = igraph.Graph(n=len(labels), edges=pairs, directed=False)
    t1 = time.perf_counter()
    membership = g.community_multilevel(weights=weights).membership
    t2 = time.perf_counter()
    q = g.modularity(membership, weights=weights)
    return labels, membership, g.ecount(), q, t1 - t0, t2 - t1


def run_networkx(path):
    import networkx as nx

    t0 = time.perf_counter()
    labels, pairs, weights = read_edges(path)
    g = nx.Graph()
    g.add_nodes_from(range(len(labels)))
    if weights is None:
        g.add_edges_from(pairs)
    else:
        g.add_weighted_edges_from((i, j, w) for (i, j), w in zip(pairs, weights))
    t1 = time.perf_counter()
    communities = nx.community.louvain_communities(g, weight="weight", seed=SEED)
    t2 = time.perf_counter()
    q = nx.community.modularity(g, communities, weight="weight")
    membership = [0] * len(labels)
    for c, nodes in enumerate(communities):
        for v in nodes:
            membership[v] = c
    # Repeated pairs collapse into one edge here, unlike in igraph.
    return labels, membership, g.number_of_edges(), q, t1 - t0, t2 - t1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("edges", help="CSV edge list: src,dst[,weight]")
    p.add_argument("--tool", required=True, choices=["igraph", "networkx"])
    p.add_argument("--out", help="write node,community here")
    a = p.parse_args()
    try:
        run = run_igraph if a.tool == "igraph" else run_networkx
        labels, membership, m, q, load, detect = run(a.edges)
    except ImportError as e:
        fail(f"{e.name} is missing: .venv/bin/pip install -r requirements.txt")
    if a.out:
        with open(a.out, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["node", "community"])
            w.writerows(zip(labels, membership))
    print(json.dumps({
        "tool": a.tool,
        "nodes": len(labels),
        "edges": m,
        "communities": len(set(membership)),
        "modularity": round(q, 6),
        "load_seconds": round(load, 3),
        "detect_seconds": round(detect, 3),
    }))


if __name__ == "__main__":
    main()
