#!/usr/bin/env python3
"""Registrable-domain oracle: a deterministic corpus of hostnames with the
registrable domain that PyPI `tldextract` finds for each.

Hostnames are random labels (1-3 levels, some Unicode IDN labels, some
punycode, some uppercase, some with a trailing dot; a few bare suffixes) on
suffixes drawn from tldextract's own bundled public suffix list snapshot,
ICANN and PRIVATE sections both, with wildcard (`*.ck`) and exception
(`!www.ck`) rules. tldextract runs offline on that snapshot with
`include_psl_private_domains=True`; any network use fails the script.

Output, one line per hostname (after `#` comment lines naming the oracle):

    input <TAB> expected registrable domain <TAB> tldextract's public suffix

Both in IDNA ASCII, lowercase. The expected column is `ERROR` when
tldextract finds no registrable domain (bare or unknown suffix) or when the
hostname is not valid IDNA (Python `idna`, UTS-46). The suffix column lets
the Rust test tell public suffix list snapshot differences (the `psl` crate
compiles a newer list) from real disagreements.

With `--suffix-list FILE` (one rule per line, as the `psl` crate ships its
list in `data/rules.txt`) tldextract uses that list instead of its bundled
snapshot, and hostnames are drawn from its rules, so that both sides judge
by the same list and only the algorithms are compared. Rules are split into
ICANN and PRIVATE by the bundled snapshot's sections.

Usage: oracle_domain.py [--seed N] [--count N] [--suffix-list FILE]
"""

import argparse
import pkgutil
import random
import socket
import sys


def _no_network(*_args, **_kwargs):
    raise RuntimeError("oracle_domain.py must not use the network")


# tldextract fetches the live list unless told not to; make sure it cannot.
socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.create_connection = _no_network  # type: ignore[assignment]

import idna  # noqa: E402
import tldextract  # noqa: E402
from tldextract.suffix_list import extract_tlds_from_suffix_list  # noqa: E402

ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"
ASCII_LDH = ASCII_LETTERS + "0123456789"
# Letters that are PVALID in IDNA 2008 and map to themselves under UTS-46,
# by script; labels use one script each.
UNICODE_SCRIPTS = [
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýþÿāăąćčďđēęěğīłńňőœřśşšťūůűźżž",
    "абвгдежзийклмнопрстуфхцчшщыэюя",
    "αβγδεζηθικλμνξοπρστυφχψω",
    "中国公司网络香港台湾日本东京大阪首尔银行交易平台投资招聘工作",
    "가나다라마바사아자차카타파하한국은행투자",
    "あいうえおかきくけこさしすせそたちつてとなにぬねの",
    "กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮ",
]


def ascii_label(rng: random.Random) -> str:
    n = rng.randint(1, 15)
    chars = [rng.choice(ASCII_LETTERS)] + [rng.choice(ASCII_LDH) for _ in range(n - 1)]
    # An interior hyphen, never at positions 3-4 (reserved for `xn--`) nor
    # at either end.
    if n >= 6 and rng.random() < 0.3:
        chars[rng.randint(4, n - 2)] = "-"
    return "".join(chars)


def unicode_label(rng: random.Random) -> str:
    script = rng.choice(UNICODE_SCRIPTS)
    return "".join(rng.choice(script) for _ in range(rng.randint(1, 8)))


def label(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.80:
        return ascii_label(rng)
    if r < 0.95:
        return unicode_label(rng)
    return idna.encode(unicode_label(rng), uts46=True).decode("ascii")


def render_suffix(rng: random.Random, suffix: str) -> str:
    """A suffix as written: Unicode, or punycode half the time for IDN ones."""
    if suffix.isascii() or rng.random() < 0.5:
        return suffix
    return ".".join(idna.encode(part, uts46=True).decode("ascii") for part in suffix.split("."))


def shout(rng: random.Random, host: str) -> str:
    """Uppercases some letters, where upper and lower case round-trip."""
    out = []
    for c in host:
        u = c.upper()
        if rng.random() < 0.5 and len(u) == 1 and u.lower() == c:
            out.append(u)
        else:
            out.append(c)
    return "".join(out)


def hostname(rng: random.Random, rule: str) -> str:
    if rule.startswith("!"):
        tail = rule[1:]
    elif rule.startswith("*."):
        tail = ascii_label(rng) + "." + rule[2:]
    else:
        tail = rule
    tail = render_suffix(rng, tail)
    # A few bare suffixes, which have no registrable domain.
    levels = 0 if rng.random() < 0.03 else rng.randint(1, 3)
    host = ".".join([label(rng) for _ in range(levels)] + [tail])
    if rng.random() < 0.15:
        host = shout(rng, host)
    if rng.random() < 0.10:
        host += "."
    return host


def ascii_lower(name: str) -> str:
    return idna.encode(name, uts46=True).decode("ascii").lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--suffix-list", help="a public suffix list file to use instead of the bundled snapshot")
    args = parser.parse_args()

    snapshot = pkgutil.get_data("tldextract", ".tld_set_snapshot")
    assert snapshot is not None, "tldextract ships its suffix list snapshot"
    text = snapshot.decode("utf-8")
    icann, private = extract_tlds_from_suffix_list(text)
    version = next((line.split(":", 1)[1].strip() for line in text.splitlines() if "VERSION:" in line), "unknown")
    extract = tldextract.TLDExtract(
        cache_dir=None,
        suffix_list_urls=(),
        fallback_to_snapshot=True,
        include_psl_private_domains=True,
    )
    if args.suffix_list:
        with open(args.suffix_list, encoding="utf-8") as f:
            rules = [line.strip() for line in f if line.strip() and not line.startswith("//")]
        private_set = set(private)
        private = [r for r in rules if r in private_set]
        icann = [r for r in rules if r not in private_set]
        version = f"{args.suffix_list} ({len(rules)} rules)"
        extract = tldextract.TLDExtract(
            cache_dir=None,
            suffix_list_urls=("file://" + args.suffix_list,),
            fallback_to_snapshot=False,
            include_psl_private_domains=True,
        )

    rng = random.Random(args.seed)
    out = sys.stdout
    out.write(f"# oracle: tldextract {tldextract.__version__}, public suffix list {version}\n")
    out.write(f"# rules: {len(icann)} icann, {len(private)} private; seed {args.seed}, count {args.count}\n")
    for _ in range(args.count):
        rule = rng.choice(icann) if rng.random() < 0.6 else rng.choice(private)
        host = hostname(rng, rule)
        result = extract(host)
        try:
            ascii_lower(host.rstrip("."))
            valid = True
        except idna.IDNAError:
            valid = False
        top = result.top_domain_under_public_suffix
        expected = ascii_lower(top) if top and valid else "ERROR"
        suffix = ascii_lower(result.suffix) if result.suffix else ""
        out.write(f"{host}\t{expected}\t{suffix}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
