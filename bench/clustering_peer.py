"""GraphSense's clustering (graphsense-clustering: a parallel union-find in
Rust, the multi-input heuristic GraphSense runs over UTXO chains) over the
inputs the money bench wrote (one transaction a line, its input address
numbers). Reading the file is not timed; feeding the transactions and
materialising the address-to-cluster mapping is, as the money bench times
Cordon's co-spend clustering over its in-memory graph. Prints one JSON line.
"""
import json
import sys
import time

from gs_clustering import Clustering


def main(path):
    txs = []
    top = 0
    with open(path) as f:
        for line in f:
            ids = [int(x) for x in line.split()]
            if ids:
                txs.append(ids)
                top = max(top, max(ids))
    inputs = sum(len(t) for t in txs)
    started = time.perf_counter()
    c = Clustering(max_address_id=top)
    c.process_transactions(txs)
    mapping = c.get_mapping()
    seconds = time.perf_counter() - started
    clusters = len(set(mapping.column(1).to_pylist()))
    print(json.dumps({"tool": "graphsense-clustering", "transactions": len(txs),
                      "inputs": inputs, "seconds": seconds, "clusters": clusters}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: clustering_peer.py INPUTS_FILE")
    main(sys.argv[1])
