"""A planted-partition graph for the community detection benchmark.

Usage: make_graph.py OUT.csv --nodes N --edges M [--communities K]
                     [--mixing MU] [--seed S]

Writes OUT.csv (header src,dst, one undirected edge a line, labels n0..)
and OUT.truth.csv (node,community), the planted partition to score
results against. The same arguments always give the same files.

Community sizes follow a power law (exponent 1, as in the LFR benchmark)
so that detection meets both many small and a few large communities. Each
node starts about M/N edges; a share 1-MU of them stay in its community,
the rest go anywhere else, so a node's own edges and the ones it receives
are both about 1-MU internal.
"""

import argparse
import math
import os
import random
import sys

SIZE_MIN, SIZE_MAX = 10, 1000
# Tries for a fresh neighbour before an edge falls back to the other kind
# (a small community can run out of internal pairs).
TRIES = 32


def fail(message):
    print(f"make_graph: {message}", file=sys.stderr)
    sys.exit(2)


def power_law_size(rng, lo, hi):
    # Exponent 1: log-uniform between lo and hi.
    return lo * (hi / lo) ** rng.random()


def community_sizes(rng, nodes, communities, mean_degree, mixing):
    # A community smaller than about twice a node's internal degree cannot
    # hold its internal edges without being nearly complete.
    lo = min(max(SIZE_MIN, math.ceil(2 * (1 - mixing) * mean_degree) + 1), nodes)
    hi = max(SIZE_MAX, 10 * lo)
    if communities is None:
        sizes = []
        left = nodes
        while left > 0:
            size = min(left, round(power_law_size(rng, lo, hi)))
            sizes.append(size)
            left -= size
        # A remainder too small to be a community joins the previous one.
        if len(sizes) > 1 and sizes[-1] < lo:
            sizes[-2] += sizes.pop()
        return sizes
    draws = [power_law_size(rng, lo, hi) for _ in range(communities)]
    scale = nodes / sum(draws)
    sizes = [max(1, int(d * scale)) for d in draws]
    # Hand the rounding remainder to the largest communities, one node each.
    order = sorted(range(communities), key=lambda c: -draws[c])
    i = 0
    while sum(sizes) < nodes:
        sizes[order[i % communities]] += 1
        i += 1
    while sum(sizes) > nodes:
        c = order[i % communities]
        if sizes[c] > 1:
            sizes[c] -= 1
        i += 1
    return sizes


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="edge list to write (CSV); the truth goes next to it")
    p.add_argument("--nodes", type=int, required=True)
    p.add_argument("--edges", type=int, required=True)
    p.add_argument("--communities", type=int,
                   help="number of communities (default: as many as power-law sizes fill N)")
    p.add_argument("--mixing", type=float, default=0.3,
                   help="share of a node's edges leaving its community (default 0.3)")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    n, m = a.nodes, a.edges
    if n < 2:
        fail("--nodes must be at least 2")
    if m < 1 or m > n * (n - 1) // 2:
        fail(f"--edges must be between 1 and {n * (n - 1) // 2} for {n} nodes")
    if a.communities is not None and not 1 <= a.communities <= n:
        fail(f"--communities must be between 1 and --nodes ({n})")
    if not 0 <= a.mixing <= 1:
        fail("--mixing must be between 0 and 1")

    rng = random.Random(a.seed)
    sizes = community_sizes(rng, n, a.communities, 2 * m / n, a.mixing)
    k = len(sizes)
    # Communities are scattered over the labels so that label order says
    # nothing about the partition.
    perm = list(range(n))
    rng.shuffle(perm)
    community = [0] * n
    members = []
    start = 0
    for c, size in enumerate(sizes):
        block = perm[start:start + size]
        for v in block:
            community[v] = c
        members.append(block)
        start += size

    seen = set()
    edges = []
    rand = rng.random
    inside = 1 - a.mixing
    for i in range(m):
        # Every node starts its share of edges, so none is left isolated.
        u = i % n
        cu = community[u]
        own = members[cu]
        want_inside = rand() < inside
        for attempt in range(2 * TRIES):
            if attempt == TRIES:
                want_inside = not want_inside
            if want_inside or k == 1:
                v = own[int(rand() * len(own))]
            else:
                v = int(rand() * n)
                if community[v] == cu:
                    continue
            if v == u:
                continue
            key = u * n + v if u < v else v * n + u
            if key in seen:
                continue
            seen.add(key)
            edges.append((u, v))
            break
        else:
            # Both kinds are exhausted around u (a near-complete graph):
            # any free pair will do.
            while True:
                u, v = int(rand() * n), int(rand() * n)
                key = u * n + v if u < v else v * n + u
                if u != v and key not in seen:
                    seen.add(key)
                    edges.append((u, v))
                    break
    del seen
    # File order carries no hint of who started an edge.
    rng.shuffle(edges)

    base = a.out[:-4] if a.out.endswith(".csv") else a.out
    truth = base + ".truth.csv"
    # Written under temporary names first so an interrupted run leaves no
    # file a later run would take as complete.
    with open(a.out + ".tmp", "w") as f:
        f.write("src,dst\n")
        f.writelines(f"n{u},n{v}\n" for u, v in edges)
    with open(truth + ".tmp", "w") as f:
        f.write("node,community\n")
        f.writelines(f"n{v},{community[v]}\n" for v in range(n))
    os.replace(truth + ".tmp", truth)
    os.replace(a.out + ".tmp", a.out)
    print(f"make_graph: {n} nodes, {m} edges, {k} communities "
          f"(sizes {min(sizes)}..{max(sizes)}), mixing {a.mixing}, seed {a.seed}: {a.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
