#!/usr/bin/env python3
"""IBAN oracle: generated IBANs and schwifty's verdict on each, as TSV.

For every country schwifty knows, builds IBANs from that country's registry
structure (random BBAN per its spec, correct check digits, plus some from
schwifty's own `IBAN.random`), then variants: spaced and lowercase
formatting, one character substituted, two neighbours swapped, wrong check
digits (including the never-issued aliases 00, 01 and 99), one character
dropped or added with the check digits recomputed (a pure length error), a
character of the wrong class with the check digits recomputed (a pure
structure error), and an unknown country.

Prints `input<TAB>verdict`, where verdict is schwifty's compact IBAN when
`IBAN(input)` validates and `ERROR` otherwise. schwifty's default
validation checks characters, length, BBAN structure and the ISO 7064
check digits, not national check digits inside the BBAN
(`validate_bban=False`), which is exactly what Cordon checks; so random
BBANs are fair test data for every country.

Usage: oracle_iban.py [--seed N] [--count N]   (count: base IBANs per country)
"""

import argparse
import random
import re
import string
import sys

from schwifty import IBAN, registry
from schwifty.exceptions import SchwiftyException

DIGITS = string.digits
LETTERS = string.ascii_uppercase
ALNUM = DIGITS + LETTERS
CLASS = {"n": DIGITS, "a": LETTERS, "c": ALNUM}


def positions(spec):
    """One character class per BBAN position, from e.g. '4!a6!n8!n'."""
    out = []
    for count, cls in re.findall(r"(\d+)!([nac])", spec):
        out.extend(cls * int(count))
    return out


def check_digits(country, bban):
    numeric = "".join(str(ALNUM.index(c)) for c in bban + country + "00")
    return "%02d" % (98 - int(numeric) % 97)


def with_check(country, bban):
    return country + check_digits(country, bban) + bban


def random_bban(rng, classes):
    return "".join(rng.choice(CLASS[c]) for c in classes)


def spaced(iban):
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def substitute(rng, iban):
    i = rng.randrange(len(iban))
    pool = DIGITS if iban[i].isdigit() else LETTERS
    if rng.random() < 0.2:
        pool = ALNUM
    c = rng.choice([p for p in pool if p != iban[i]])
    return iban[:i] + c + iban[i + 1 :]


def transpose(rng, iban):
    candidates = [i for i in range(2, len(iban) - 1) if iban[i] != iban[i + 1]]
    if not candidates:
        return None
    i = rng.choice(candidates)
    return iban[:i] + iban[i + 1] + iban[i] + iban[i + 2 :]


def wrong_check(rng, iban):
    good = int(iban[2:4])
    aliases = {97: "00", 98: "01", 2: "99"}
    if good in aliases and rng.random() < 0.7:
        digits = aliases[good]
    else:
        digits = "%02d" % rng.choice([d for d in range(100) if d != good])
    return iban[:2] + digits + iban[4:]


def wrong_length(rng, country, bban):
    if rng.random() < 0.5 and len(bban) > 1:
        i = rng.randrange(len(bban))
        bban = bban[:i] + bban[i + 1 :]
    else:
        i = rng.randrange(len(bban) + 1)
        bban = bban[:i] + rng.choice(DIGITS) + bban[i:]
    return with_check(country, bban)


def wrong_class(rng, country, bban, classes):
    """A character outside its position's class, check digits recomputed."""
    slots = [i for i, c in enumerate(classes) if c in "na"]
    if not slots:
        return None
    i = rng.choice(slots)
    c = rng.choice(LETTERS if classes[i] == "n" else DIGITS)
    return with_check(country, bban[:i] + c + bban[i + 1 :])


def verdict(text):
    try:
        return str(IBAN(text))
    except SchwiftyException:
        return "ERROR"
    except Exception:  # noqa: BLE001 - any failure to validate is a rejection
        return "ERROR"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=20, help="base IBANs per country")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    # schwifty has no public list of IBAN countries; its registry loader is
    # the source of truth for what it validates.
    countries = sorted(registry._default_registry._get("iban"))
    unknown = ["XX", "US", "ZZ", "KH", "CN", "AA"]
    out = sys.stdout
    rows = 0
    for country in countries:
        classes = positions(registry.get_iban_spec(country).bban_spec)
        for n in range(args.count):
            if n % 4 == 3:
                # schwifty's own generator: real bank codes where it has them.
                try:
                    base = str(IBAN.random(country_code=country, random=rng))
                except Exception:  # noqa: BLE001 - fall back to our generator
                    base = with_check(country, random_bban(rng, classes))
            else:
                base = with_check(country, random_bban(rng, classes))
            bban = base[4:]
            variants = [
                base,
                spaced(base),
                base.lower() if n % 2 else spaced(base).lower(),
                substitute(rng, base),
                substitute(rng, base),
                transpose(rng, base),
                wrong_check(rng, base),
                wrong_length(rng, country, bban),
                wrong_class(rng, country, bban, classes),
                with_check(rng.choice(unknown), bban),
            ]
            for v in variants:
                if v is None:
                    continue
                out.write(f"{v}\t{verdict(v)}\n")
                rows += 1
    print(f"oracle_iban: {rows} rows, {len(countries)} countries", file=sys.stderr)


if __name__ == "__main__":
    main()
