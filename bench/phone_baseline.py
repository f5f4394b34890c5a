"""The peer side of bench/phone.sh: Google's libphonenumber (Python port)
doing what `cordon normalize --kind phone --region-column` does."""
import json
import sys

import phonenumbers

E164 = phonenumbers.PhoneNumberFormat.E164
out = sys.stdout
for line in sys.stdin:
    region, _, text = line.rstrip("\n").partition("\t")
    try:
        n = phonenumbers.parse(text, region or None)
        if not phonenumbers.is_valid_number(n):
            raise ValueError("not a valid number")
        rec = {"input": text, "selectors": [{"selector": "phone:" + phonenumbers.format_number(n, E164)}]}
    except Exception as e:  # noqa: BLE001 - every failure is reported, as cordon does
        rec = {"input": text, "error": {"code": "invalid_phone", "message": str(e)}}
    out.write(json.dumps(rec))
    out.write("\n")
