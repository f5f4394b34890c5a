"""Checks a STIX 2.1 bundle with the OASIS libraries, for
crates/cli/tests/stix.rs.

Usage: stix_check.py BUNDLE

- stix2-validator, default options: validity, every error, and every
  warning with its code;
- stix2 (`parse`, allow_custom=True): whether the bundle and each object
  load;
- for each standard SCO with a deterministic id, the id stix2 computes
  from the object's own properties (all of them but `id`) and the one it
  computes from its value alone (the id-contributing properties other than
  `extensions`), both compared with the id in the bundle.

Prints one JSON object (see `report` below).
"""

import json
import re
import sys
from collections import Counter

import stix2
import stix2validator

# The standard SCOs Cordon writes, with the properties that name the
# observable itself (STIX 2.1's id-contributing properties, less
# `extensions`).
SCOS = {
    "domain-name": (stix2.DomainName, ["value"]),
    "url": (stix2.URL, ["value"]),
    "email-addr": (stix2.EmailAddress, ["value"]),
    "ipv4-addr": (stix2.IPv4Address, ["value"]),
    "ipv6-addr": (stix2.IPv6Address, ["value"]),
    "file": (stix2.File, ["hashes", "name", "parent_directory_ref"]),
    "user-account": (stix2.UserAccount, ["account_type", "user_id", "account_login"]),
}


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()

    result = stix2validator.validate_file(path)
    errors = []
    warnings = Counter()
    samples = {}
    for o in result.object_results:
        for e in o.errors:
            errors.append(f"{o.object_id}: {e}")
        for w in o.warnings:
            m = re.search(r"\{(\d+)\}", w)
            code = m.group(1) if m else "?"
            warnings[code] += 1
            samples.setdefault(code, w)

    objects = json.loads(text)["objects"]
    unloadable = []
    try:
        stix2.parse(text, allow_custom=True)
        bundle_loads = True
    except Exception as e:  # noqa: BLE001 (any failure is the finding)
        bundle_loads = False
        unloadable.append(f"bundle: {type(e).__name__}: {e}")
    for o in objects:
        try:
            stix2.parse(o, allow_custom=True)
        except Exception as e:  # noqa: BLE001
            unloadable.append(f"{o.get('id')}: {type(e).__name__}: {e}")

    id_checks = Counter()
    whole_mismatches = []
    value_mismatches = []
    for o in objects:
        if o["type"] not in SCOS:
            continue
        cls, contributing = SCOS[o["type"]]
        id_checks[o["type"]] += 1
        props = {k: v for k, v in o.items() if k not in ("id", "type")}
        try:
            whole = cls(allow_custom=True, **props).id
        except Exception as e:  # noqa: BLE001
            whole = f"{type(e).__name__}: {e}"
        if whole != o["id"]:
            whole_mismatches.append({"object": o, "stix2": whole})
        value = cls(**{k: o[k] for k in contributing if k in o}).id
        if value != o["id"]:
            value_mismatches.append({"object": o, "stix2": value})

    report = {
        "objects": len(objects),
        "types": dict(Counter(o["type"] for o in objects)),
        "valid": result.is_valid,
        "errors": errors,
        "warnings": dict(warnings),
        "warning_samples": samples,
        "bundle_loads": bundle_loads,
        "unloadable": unloadable,
        "id_checks": dict(id_checks),
        "id_mismatches_whole_object": whole_mismatches,
        "id_mismatches_value": value_mismatches,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
