"""Builds MISP events with PyMISP's own API, for crates/cli/tests/misp.rs.

Usage: misp_build.py DIR

Writes into DIR, from the same four events:
- pymisp-event.json: the first event, `MISPEvent.to_json()` (a bare event);
- pymisp-events.json: the other three as a list of `{"Event": …}`;
- pymisp-response.json: all four as a search answer `{"response": [...]}`;
- feed/: all four as a MISP feed, written the way PyMISP's feed tools do
  (`to_feed()` per event, then `feed_meta_generator`).

Prints one JSON object: the file names and the UUID of each event.
"""

import json
import sys
from pathlib import Path

from pymisp import MISPEvent, MISPObject, MISPOrganisation, MISPSighting
from pymisp.tools import feed_meta_generator

UUIDS = {
    "recruiters": "1b2c3d4e-1111-4222-8333-944455556601",
    "wallets": "1b2c3d4e-1111-4222-8333-944455556602",
    "connected": "1b2c3d4e-1111-4222-8333-944455556603",
    "own": "1b2c3d4e-1111-4222-8333-944455556604",
}


def sighting(kind, source):
    s = MISPSighting()
    s.from_dict(type=kind, source=source)
    return s


def organisation():
    org = MISPOrganisation()
    org.name = "CIRCL"
    org.uuid = "55f6ea5e-2c60-40e5-964f-47a8950d210f"
    return org


def recruiters():
    """Every attribute type and object Cordon reads, TLP:AMBER over
    "this community", with sightings."""
    e = MISPEvent()
    e.uuid = UUIDS["recruiters"]
    e.info = "Recruiters of the Golden Dream compound"
    e.distribution = 1
    e.set_date("2026-03-01")
    e.add_tag("tlp:amber")
    e.add_tag('cordon:kind="recruitment_ad"')
    e.add_tag('cordon:mo="channel:telegram"')
    e.add_attribute("ip-src", "203.0.113.5")
    e.add_attribute("ip-dst|port", "198.51.100.7|8443")
    e.add_attribute("domain", "golden-dream.vip")
    e.add_attribute("hostname", "login.golden-dream.vip")
    e.add_attribute("url", "hxxps://golden-dream[.]vip/apply?job=cs")
    e.add_attribute("link", "https://t.me/goodjob_hr")
    e.add_attribute("email", "HR@Golden-Dream.vip")
    e.add_attribute("email-src", "recruit+jobs@example.com")
    e.add_attribute("email-dst", "victim@example.org")
    phone = e.add_attribute("phone-number", "+855 12 345 678", comment="the recruiter's WhatsApp")
    phone.add_sighting(sighting("0", "hotline"))
    phone.add_sighting(sighting("0", "bank"))
    phone.add_sighting(sighting("1", "telco"))
    iban = e.add_attribute("iban", "DE89 3704 0044 0532 0130 00")
    iban.add_sighting(sighting("0", "bank"))
    e.add_attribute("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
    e.add_attribute("xmr", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx")
    e.add_attribute("md5", "d41d8cd98f00b204e9800998ecf8427e")
    e.add_attribute("sha1", "a9993e364706816aba3e25717850c26c9cd0d89d")
    e.add_attribute("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    e.add_attribute(
        "sha512",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    )
    e.add_attribute(
        "filename|sha256",
        "contract.apk|2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    )
    e.add_attribute("passport-number", "AK1234567")
    e.add_attribute("full-name", "Nguyễn Văn An")
    e.add_attribute("text", "Victims were promised customer-service jobs in Bangkok.")

    o = MISPObject("phone-number")
    o.add_attribute("phone-number", value="+66 81 234 5678")
    e.add_object(o)
    o = MISPObject("bank-account")
    o.add_attribute("account", value="000123456")
    o.add_attribute("swift", value="ABAAKHPP")
    e.add_object(o)
    # MISP has no social-media template: PyMISP makes a template-less
    # object, whose attributes carry their types. A feed needs a template
    # id and version, as a local custom template would give.
    o = MISPObject("social-media")
    o.add_attribute("platform", value="Telegram", type="text")
    o.add_attribute("username", value="@GoodJob_HR", type="text")
    o.template_uuid = "1b2c3d4e-0000-4000-8000-0000000000aa"
    o.template_version = 1
    o.description = "A social-media account (local template)"
    o["meta-category"] = "misc"
    e.add_object(o)
    o = MISPObject("person")
    o.add_attribute("full-name", value="Somchai Jaidee")
    o.add_attribute("passport-number", value="AA1234567")
    o.add_attribute("passport-country", value="KE")
    e.add_object(o)
    o = MISPObject("cryptocurrency-transaction")
    o.add_attribute("address", value="TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7")
    o.add_attribute("symbol", value="USDT")
    o.add_attribute("value", value=1500.0)
    o.add_attribute("transaction-number", value="9a0b1c2d")
    e.add_object(o)
    o = MISPObject("url")
    o.add_attribute("url", value="https://pay.golden-dream.vip/deposit")
    e.add_object(o)
    o = MISPObject("domain-ip")
    o.add_attribute("domain", value="golden-dream.vip")
    o.add_attribute("ip", value="203.0.113.9")
    e.add_object(o)
    o = MISPObject("email")
    o.add_attribute("from", value="boss@golden-dream.vip")
    o.add_attribute("to", value="agent@example.net")
    o.add_attribute("subject", value="Your contract")
    e.add_object(o)
    return e


def wallets():
    """TLP:CLEAR to all communities, but one attribute is for the
    organisation only: the whole report is that strict."""
    e = MISPEvent()
    e.uuid = UUIDS["wallets"]
    e.info = "Pay-out wallets"
    e.distribution = 3
    e.set_date("2026-03-02")
    e.add_tag("tlp:clear")
    e.add_attribute("domain", "usdt-payout.vip", distribution=3)
    e.add_attribute("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", distribution=0)
    return e


def connected():
    """No TLP tag, connected communities: AMBER once pulled."""
    e = MISPEvent()
    e.uuid = UUIDS["connected"]
    e.info = "Call-centre numbers"
    e.distribution = 2
    e.set_date("2026-03-03")
    e.add_attribute("phone-number", "+66 2 123 4567")
    return e


def own():
    """Your organisation only, with a Cordon country tag: national numbers
    read in that country."""
    e = MISPEvent()
    e.uuid = UUIDS["own"]
    e.info = "Local mule numbers"
    e.distribution = 0
    e.set_date("2026-03-04")
    e.add_tag('cordon:country="KH"')
    e.add_attribute("phone-number", "012 345 679")
    return e


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    events = [recruiters(), wallets(), connected(), own()]
    (out / "pymisp-event.json").write_text(events[0].to_json(indent=2))
    (out / "pymisp-events.json").write_text(
        "[\n" + ",\n".join(json.dumps({"Event": json.loads(e.to_json())}) for e in events[1:]) + "\n]\n"
    )
    (out / "pymisp-response.json").write_text(
        json.dumps({"response": [{"Event": json.loads(e.to_json())} for e in events]}, indent=1)
    )
    feed = out / "feed"
    feed.mkdir(exist_ok=True)
    for e in events:
        e.Orgc = organisation()
        # A feed carries no distribution levels (the fetching MISP sets
        # its own); TLP tags travel.
        (feed / f"{e.uuid}.json").write_text(json.dumps(e.to_feed(), indent=1))
    feed_meta_generator(feed)
    print(
        json.dumps(
            {
                "event": "pymisp-event.json",
                "events": "pymisp-events.json",
                "response": "pymisp-response.json",
                "feed": "feed",
                "uuids": UUIDS,
            }
        )
    )


if __name__ == "__main__":
    main()
