#!/usr/bin/env bash
# Address clustering against GraphSense's (graphsense-clustering, the
# multi-input union-find GraphSense runs over UTXO chains), in one run on
# this machine, over the same transaction inputs: the money bench's
# synthetic world of MONEY_FLOWS flows (default 10,000,000; half of them
# bitcoin transactions, ~10M inputs). Both are timed in process over data
# already in memory: Cordon's co-spend heuristic over its flow graph,
# GraphSense's over the input lists (reading them is not timed).
#
# Usage: bench/clustering.sh          Environment: MONEY_FLOWS=N
# Outputs stay in bench/out/clustering/.
source "$(dirname "$0")/lib.sh"
work="$OUT/clustering"
mkdir -p "$work"
peers="$OUT/peers-venv"
if [ ! -x "$peers/bin/python" ] || ! cmp -s bench/requirements-peers.txt "$peers/requirements.txt"; then
  rm -rf "$peers"
  "$PY" -m venv "$peers"
  "$peers/bin/pip" install -q -r bench/requirements-peers.txt
  cp bench/requirements-peers.txt "$peers/requirements.txt"
fi
# Absolute: cargo runs the bench in the crate's folder.
inputs="$PWD/$work/inputs.txt"
MONEY_INPUTS_OUT="$inputs" cargo bench -q -p cordon-finance --bench money -- --noplot \
  2>&1 | tee "$work/cordon.txt"
"$peers/bin/python" bench/clustering_peer.py "$inputs" | tee "$work/graphsense.json"
"$PY" - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
text = open(f"{work}/cordon.txt").read()
m = re.search(r"co-spend clustering of (\d+) inputs: ([0-9.]+) s; (\d+) merges, (\d+) clusters", text)
full = re.search(r"^clustering of (\d+) inputs: ([0-9.]+) s", text, re.M)
g = json.load(open(f"{work}/graphsense.json"))
inputs, cordon, clusters = int(m[1]), float(m[2]), int(m[4])
print(f"co-spend clustering of {inputs} inputs:")
print(f"  cordon (co-spend)        {cordon:7.3f} s  {clusters} clusters of addresses that spend")
print(f"  cordon (all heuristics)  {float(full[2]):7.3f} s")
print(f"  graphsense-clustering    {g['seconds']:7.3f} s  {g['clusters']} clusters over ids 0..max")
print(f"  cordon is {g['seconds'] / cordon:.2f}x GraphSense's speed (co-spend alone)")
PY
