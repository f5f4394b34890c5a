"""Request bodies for bench/public.sh: the public check's questions.

selectors WORLD N OUT: N single selectors as the public would paste them,
  taken from the world's reports (as typed there), each with the filing
  agency's country; some held by CLEAR reports, most not.
adverts WORLD N OUT: N adverts of about 2 KB, each a run of the world's
  simulated adverts (OUT/prevent/adverts.jsonl) cut at 2,048 bytes on a
  character boundary, with the job seekers' country and language.
"""
import glob
import json
import os
import random
import sys


def selectors(world, n, out):
    rng = random.Random(7)
    found = []
    for path in sorted(glob.glob(os.path.join(world, "reports", "*.jsonl"))):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                for s in r.get("selectors", []):
                    if isinstance(s, str):
                        found.append((s, r["country"]))
    rng.shuffle(found)
    with open(out, "w") as f:
        for s, country in found[:n]:
            f.write(json.dumps({"text": s, "country": country}) + "\n")


def adverts(world, n, out):
    rng = random.Random(7)
    with open(os.path.join(world, "prevent", "adverts.jsonl")) as f:
        ads = [json.loads(line) for line in f]
    with open(out, "w") as f:
        for _ in range(n):
            first = rng.choice(ads)
            text = first["text"]
            while len(text.encode()) < 2048:
                text += "\n\n" + rng.choice(ads)["text"]
            cut = text.encode()[:2048].decode("utf-8", errors="ignore")
            body = {"text": cut, "country": first["origin"], "language": first["language"]}
            f.write(json.dumps(body, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    what, world, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    {"selectors": selectors, "adverts": adverts}[what](world, count, out)
