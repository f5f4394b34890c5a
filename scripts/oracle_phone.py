"""Oracle corpus for phone normalisation: messy phone inputs with region hints,
each with the answer of Google's libphonenumber (PyPI `phonenumbers`).

Prints TSV lines `region<TAB>input<TAB>expected`, where region is an ISO 3166-1
alpha-2 code or empty (no hint), and expected is the E.164 number or `ERROR`.

Inputs are built from `phonenumbers.example_number_for_type` (mobile and fixed
line) of many countries, Mekong ones first, with randomised last digits, in the
forms agencies send: national, international, E.164, dotted, bracketed, `00`
prefix, `tel:` URIs (with `;ext=` and `;phone-context=`), words around the
number, and typos (a digit missing or doubled, a wrong region hint).

The expected answer applies the input policy that `cordon-core`'s phone module
documents, with libphonenumber making every judgement:

1. a leading `tel:` or `phone:` is dropped (the selector dispatcher does that);
2. `phonenumbers.parse(input, region)` then `is_valid_number`; when it is valid
   that is the answer (this step alone is plain libphonenumber);
3. else the same on the span from the first `+` or digit to the last digit;
4. else, when that span starts with `00`, the same on `+` and the rest.

Usage: oracle_phone.py [--seed N] [--count N]
"""

import argparse
import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Mekong region first, then the countries trafficked workers and victims come
# from: South and East Asia, Africa, the Middle East, Europe, the Americas and
# the Pacific.
REGIONS = [
    "KH", "MM", "LA", "TH", "VN", "PH", "MY", "ID", "CN", "IN", "KE", "NG",
    "BD", "PK", "LK", "NP", "SG", "HK", "TW", "KR", "JP", "MN", "UG", "TZ",
    "ET", "GH", "CI", "SN", "CM", "MG", "ZA", "EG", "MA", "TN", "DZ", "AE",
    "SA", "QA", "TR", "IR", "IQ", "JO", "LB", "RU", "UA", "KZ", "UZ", "GE",
    "PL", "RO", "BG", "CZ", "DE", "FR", "GB", "IT", "ES", "NL", "US", "CA",
    "MX", "BR", "CO", "PE", "AR", "CL", "AU", "NZ", "FJ", "PG", "TL", "BN",
]
MEKONG = REGIONS[:12]

TEXT_AROUND = [
    "call {} now",
    "WhatsApp: {}",
    "Tel {} (mobile)",
    "contact HR at {}.",
    "โทร {} ครับ",
    "电话: {}",
    "Gọi {} ngay",
    "ph. {} / viber",
    "<{}>",
    "{} ask for Kelvin",
]

MAX_INPUT_CHARS = 250


def attempt(text, region):
    """E.164 of text when libphonenumber parses it as a valid number."""
    if len(text) > MAX_INPUT_CHARS:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def number_span(s):
    digits = [i for i, c in enumerate(s) if c in "0123456789"]
    if not digits:
        return ""
    end = digits[-1]
    start = next(i for i, c in enumerate(s) if c == "+" or c in "0123456789")
    return s[start:end + 1]


def expected(text, region):
    s = text.strip()
    head, sep, rest = s.partition(":")
    if sep and head.lower() in ("tel", "phone"):
        s = rest.strip()
    if not s or len(s) > MAX_INPUT_CHARS:
        return "ERROR"
    found = attempt(s, region)
    if found:
        return found
    span = number_span(s)
    if span and span != s:
        found = attempt(span, region)
        if found:
            return found
    if span.startswith("00"):
        found = attempt("+" + span[2:], None)
        if found:
            return found
    return "ERROR"


def base_number(rng, region):
    """An example number of the region with its last digits randomised."""
    kind = rng.choice([PhoneNumberType.MOBILE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    if example is None:
        return None
    nsn = phonenumbers.national_significant_number(example)
    k = rng.randint(1, min(4, max(1, len(nsn) - 3)))
    nsn = nsn[:-k] + "".join(rng.choice("0123456789") for _ in range(k))
    try:
        return phonenumbers.parse("+{}{}".format(example.country_code, nsn), None)
    except phonenumbers.NumberParseException:
        return None


def messy(rng, number, region):
    """One messy written form of number, and the region hint to send with it."""
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    rfc = phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)
    nsn = phonenumbers.national_significant_number(number)
    cc = str(number.country_code)
    other = rng.choice(REGIONS)
    style = rng.randrange(16)
    if style == 0:
        return national, region
    if style == 1:
        return intl, rng.choice([region, None, other])
    if style == 2:
        return e164, rng.choice([region, None])
    if style == 3:
        return national.replace(" ", ".").replace("-", "."), region
    if style == 4:
        return "(+{}) {}".format(cc, intl.split(" ", 1)[-1]), rng.choice([region, None])
    if style == 5:
        return "00{} {}".format(cc, intl.split(" ", 1)[-1]), rng.choice([region, None, other])
    if style == 6:
        ext = ";ext={}".format(rng.randint(1, 999)) if rng.random() < 0.3 else ""
        return rfc + ext, rng.choice([region, None])
    if style == 7:
        digits = "".join(c for c in national if c.isdigit())
        return "tel:{};phone-context=+{}".format(digits, cc), None
    if style == 8:
        inner = rng.choice([national, intl, e164])
        return rng.choice(TEXT_AROUND).format(inner), region
    if style == 9:
        return "".join(c for c in national if c.isdigit()), region
    if style == 10:
        return national, None
    if style == 11:
        return intl.replace(" ", "-"), other
    if style in (12, 13):
        text = rng.choice([national, intl, e164])
        positions = [i for i, c in enumerate(text) if c.isdigit()]
        i = rng.choice(positions)
        if style == 12:
            return text[:i] + text[i + 1:], region
        return text[:i] + text[i] + text[i:], region
    if style == 14:
        return national, other
    return "+{} ({}) {}".format(cc, nsn[:2], nsn[2:]), rng.choice([region, None])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--count", type=int, default=12000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    written = 0
    while written < args.count:
        # Half the corpus from the Mekong countries, where Cordon works most.
        region = rng.choice(MEKONG) if rng.random() < 0.5 else rng.choice(REGIONS)
        number = base_number(rng, region)
        if number is None:
            continue
        text, hint = messy(rng, number, region)
        text = text.replace("\t", " ").replace("\n", " ")
        out.write("{}\t{}\t{}\n".format(hint or "", text, expected(text, hint)))
        written += 1


if __name__ == "__main__":
    main()
