"""Bundles of other tools' STIX 2.1 objects, built with the OASIS `stix2`
library, for crates/cli/tests/stix.rs.

Usage: stix_bundles.py OUT_DIR

Writes into OUT_DIR:
- every-type.json: one bundle holding every STIX 2.1 SDO, both SROs, every
  SCO, a statement and a TLP marking-definition, a language-content, an
  extension-definition with objects using it, and two versions of one
  indicator; pretty-printed, as a tool would write it;
- every-type.visible.json: the ids another member agency may read once the
  bundle is imported, by the documented rules (interop/src/stix/import.rs):
  an object's own TLP marking decides; an unmarked object takes the
  strictest marking of the objects that list it in object_refs; an
  unmarked object nothing lists but others use (a marking- or
  extension-definition, an author's identity) takes the laxest marking of
  its users; otherwise the import's default (AMBER, readable by the
  importer only);
- oasis-*.json: the OASIS example bundles that stix2-validator ships as
  package data (schemas-2.1/examples), copied byte for byte; the one example
  that is a lone object is wrapped in a bundle with its text unchanged.

Prints a JSON summary: {"bundles": [file names], "types": [object types in
every-type.json]}.
"""

import json
import random
import sys
import uuid
from pathlib import Path

import stix2
import stix2validator

# TLP 2.0 marking-definitions by their published ids (Cordon writes these).
TLP2_CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP2_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"

T0 = "2026-02-01T09:30:00.000Z"
T1 = "2026-02-03T16:05:00.000Z"


def every_type():
    """Every object type, and which of them another agency may read."""
    objects = []
    visible = set()

    def add(obj, seen_by_others):
        objects.append(obj)
        if seen_by_others:
            visible.add(obj["id"])
        return obj

    common = {"created": T0, "modified": T0}

    # Who wrote it, and the markings: a statement, and TLP 1.0 RED as the
    # stix2 library predefines it. Unmarked and listed by no container,
    # each takes the laxest marking of the objects that use it: the author
    # and the statement are used by GREEN objects, TLP RED only by RED ones.
    acme = add(
        stix2.Identity(name="ACME CERT", identity_class="organization", **common),
        True,
    )
    statement = add(
        stix2.MarkingDefinition(
            definition_type="statement",
            definition=stix2.StatementMarking("Copyright 2026 ACME CERT"),
            created=T0,
            created_by_ref=acme.id,
        ),
        True,
    )
    tlp_red = add(stix2.TLP_RED, False)
    tlp1_green = stix2.TLP_GREEN.id
    by = {"created_by_ref": acme.id, **common}

    def marked(*refs):
        return {"object_marking_refs": [statement.id, *refs]}

    # SCOs (18). Those an observed-data lists inherit its marking.
    domain = add(stix2.DomainName(value="goodjob-hr.com"), True)
    url = add(stix2.URL(value="https://goodjob-hr.com/apply?ref=77"), True)
    email = add(stix2.EmailAddress(value="hr@goodjob-hr.com", display_name="HR"), True)
    ipv4 = add(stix2.IPv4Address(value="203.0.113.5"), True)
    ipv6 = add(stix2.IPv6Address(value="2001:db8::7"), True)
    mac = add(stix2.MACAddress(value="d2:fb:49:24:37:18"), True)
    asn = add(stix2.AutonomousSystem(number=64496, name="Example AS"), True)
    mutex = add(stix2.Mutex(name="__CLEANSWEEP__"), True)
    software = add(
        stix2.Software(name="Word", cpe="cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", vendor="Microsoft", version="2002"),
        True,
    )
    directory = add(stix2.Directory(path="C:\\Windows\\System32"), True)
    artifact = add(
        stix2.Artifact(mime_type="text/plain", payload_bin="VBORw0KGgoAAAANSUhEUgAAADI=="),
        True,
    )
    file = add(
        stix2.File(
            hashes={"SHA-256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
            name="invoice.pdf.exe",
            size=25536,
            parent_directory_ref=directory.id,
        ),
        True,
    )
    account = add(
        stix2.UserAccount(account_type="unix", user_id="1001", account_login="jdoe", display_name="J Doe"),
        True,
    )
    regkey = add(
        stix2.WindowsRegistryKey(
            key="HKEY_LOCAL_MACHINE\\System\\Foo\\Bar",
            values=[{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}],
        ),
        True,
    )
    x509 = add(
        stix2.X509Certificate(
            issuer="C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc",
            serial_number="36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06",
            subject="C=US, ST=Maryland, L=Pasadena, O=Brent Baccala",
            validity_not_before="2016-03-12T12:00:00Z",
            validity_not_after="2016-08-21T12:00:00Z",
        ),
        True,
    )
    traffic = add(
        stix2.NetworkTraffic(src_ref=ipv4.id, dst_ref=ipv6.id, protocols=["tcp"], dst_port=443),
        True,
    )
    message = add(
        stix2.EmailMessage(
            is_multipart=False,
            from_ref=email.id,
            subject="Your new job",
            date="2026-01-30T08:00:00Z",
            body="Apply now.",
        ),
        True,
    )
    process = add(stix2.Process(pid=1221, command_line="./gedit-bin --new-window", image_ref=file.id), True)
    observed_green = add(
        stix2.ObservedData(
            first_observed=T0,
            last_observed=T1,
            number_observed=3,
            object_refs=[
                domain.id, url.id, email.id, ipv4.id, ipv6.id, mac.id, asn.id, mutex.id,
                software.id, directory.id, artifact.id, file.id, account.id, regkey.id,
                x509.id, traffic.id, message.id, process.id,
            ],
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )
    # An observable only a RED container lists inherits RED.
    secret_account = add(
        stix2.UserAccount(account_type="telegram", account_login="@goodjob_boss"),
        False,
    )
    observed_red = add(
        stix2.ObservedData(
            first_observed=T0,
            last_observed=T0,
            number_observed=1,
            object_refs=[secret_account.id],
            **by,
            **marked(tlp_red.id),
        ),
        False,
    )

    # SDOs (19).
    attack = add(
        stix2.AttackPattern(
            name="Task scam recruitment",
            external_references=[{"source_name": "capec", "external_id": "CAPEC-163"}],
            **by,
            **marked(TLP2_CLEAR),
        ),
        True,
    )
    campaign = add(
        stix2.Campaign(name="Operation Golden Job", first_seen=T0, objective="Recruit workers", **by, **marked(tlp1_green)),
        True,
    )
    coa = add(stix2.CourseOfAction(name="Block goodjob-hr.com", **by, **marked(TLP2_CLEAR)), True)
    actor = add(
        stix2.ThreatActor(name="Golden Fortune group", threat_actor_types=["crime-syndicate"], **by, **marked(tlp_red.id)),
        False,
    )
    intrusion = add(stix2.IntrusionSet(name="GF recruiters", **by, **marked(tlp_red.id)), False)
    incident = add(stix2.Incident(name="Worker trafficked to compound", **by, **marked(TLP2_AMBER)), False)
    malware = add(
        stix2.Malware(name="FakeTrader", is_family=True, malware_types=["spyware"], **by, **marked(TLP2_AMBER)),
        False,
    )
    vulnerability = add(
        stix2.Vulnerability(
            name="CVE-2016-1234",
            external_references=[{"source_name": "cve", "external_id": "CVE-2016-1234"}],
            **by,
            **marked(TLP2_AMBER_STRICT),
        ),
        False,
    )
    tool = add(stix2.Tool(name="VNC", tool_types=["remote-access"], **by, **marked(TLP2_GREEN)), True)
    infrastructure = add(
        stix2.Infrastructure(name="Recruitment site", infrastructure_types=["phishing"], **by, **marked(TLP2_GREEN)),
        True,
    )
    location = add(
        stix2.Location(latitude=11.5564, longitude=104.9282, name="Phnom Penh", country="KH", **by, **marked(TLP2_GREEN)),
        True,
    )
    analysis = add(
        stix2.MalwareAnalysis(
            product="acme-sandbox",
            result="malicious",
            analysis_sco_refs=[file.id],
            sample_ref=file.id,
            **by,
            **marked(TLP2_AMBER),
        ),
        False,
    )
    indicator_v1 = add(
        stix2.Indicator(
            name="Recruitment domain",
            indicator_types=["malicious-activity"],
            pattern="[domain-name:value = 'goodjob-hr.com']",
            pattern_type="stix",
            valid_from=T0,
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )
    indicator_v2 = add(indicator_v1.new_version(name="Recruitment domain (confirmed)", modified=T1), True)
    # An indicator outside any report: Cordon makes a report of it as well.
    loose_indicator = add(
        stix2.Indicator(
            pattern="[ipv4-addr:value = '198.51.100.7'] OR [email-addr:value = 'boss@goodjob-hr.com']",
            pattern_type="stix",
            valid_from=T0,
            **by,
            **marked(TLP2_AMBER),
        ),
        False,
    )
    # Unmarked, listed only by the GREEN report below: inherits GREEN.
    grouping = add(
        stix2.Grouping(context="suspicious-activity", object_refs=[indicator_v1.id, campaign.id], **by),
        True,
    )
    note = add(
        stix2.Note(content="Seen again in March.", object_refs=[campaign.id], **by, **marked(TLP2_GREEN)),
        True,
    )
    opinion = add(
        stix2.Opinion(opinion="strongly-agree", object_refs=[indicator_v1.id], **by, **marked(TLP2_GREEN)),
        True,
    )

    # SROs.
    uses = add(
        stix2.Relationship(campaign, "uses", attack, **by, **marked(TLP2_GREEN)),
        True,
    )
    attributed = add(
        stix2.Relationship(campaign, "attributed-to", actor, **by, **marked(tlp_red.id)),
        False,
    )
    # Unmarked and in no container: the import's default (AMBER).
    indicates = add(stix2.Relationship(indicator_v1, "indicates", campaign, **by), False)
    sighting = add(
        stix2.Sighting(
            sighting_of_ref=indicator_v1.id,
            observed_data_refs=[observed_green.id],
            where_sighted_refs=[acme.id],
            count=2,
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )

    # language-content of the campaign.
    add(
        stix2.LanguageContent(
            object_ref=campaign.id,
            object_modified=campaign.modified,
            contents={"de": {"name": "Operation Goldener Job"}, "th": {"name": "ปฏิบัติการงานทอง"}},
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )

    # An extension-definition, a property extension on an SDO and a new SDO
    # type it defines.
    extension = add(
        stix2.ExtensionDefinition(
            name="ACME case fields",
            schema="https://acme.example/schemas/case-v1.json",
            version="1.0.0",
            extension_types=["property-extension", "new-sdo"],
            **by,
        ),
        True,  # used by a GREEN infrastructure
    )
    extended = add(
        stix2.Infrastructure(
            name="Call centre floor 3",
            infrastructure_types=["unknown"],
            extensions={extension.id: {"extension_type": "property-extension", "case_number": "ACME-2026-0042"}},
            allow_custom=True,
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )
    case = add(
        stix2.parse(
            {
                "type": "acme-case",
                "spec_version": "2.1",
                "id": "acme-case--0f3d9d6b-4b5e-4c43-9f3a-3c4d6f1e2a10",
                "created_by_ref": acme.id,
                "created": T0,
                "modified": T0,
                "name": "Golden Job case",
                "case_number": "ACME-2026-0042",
                "object_marking_refs": [TLP2_AMBER],
                "extensions": {extension.id: {"extension_type": "new-sdo"}},
            },
            allow_custom=True,
        ),
        False,
    )

    # The report: GREEN, listing SDOs (unmarked ones inherit GREEN) and a
    # RED one (which stays RED).
    add(
        stix2.Report(
            name="Golden Job recruitment network",
            description="Recruiters of the Golden Fortune group post fake jobs.",
            published=T1,
            report_types=["threat-actor", "campaign"],
            object_refs=[
                grouping.id, campaign.id, actor.id, observed_green.id, infrastructure.id,
                location.id, tool.id, uses.id, extended.id, case["id"],
            ],
            lang="en",
            allow_custom=True,
            **by,
            **marked(TLP2_GREEN),
        ),
        True,
    )
    bundle = stix2.Bundle(objects=objects, allow_custom=True)
    return bundle, visible


def main():
    # The same bundle on every run: stix2 draws its random ids from here.
    rng = random.Random(2026)
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    bundle, visible = every_type()
    text = bundle.serialize(pretty=True)
    # The input itself is valid STIX 2.1, so that what Cordon does with it
    # is the only question.
    checked = stix2validator.validate_string(text)
    if not checked.is_valid:
        checked.log()
        sys.exit("every-type.json is not valid STIX 2.1")
    (out / "every-type.json").write_text(text, encoding="utf-8")
    (out / "every-type.visible.json").write_text(json.dumps(sorted(visible)), encoding="utf-8")
    names = ["every-type.json"]

    examples = Path(stix2validator.__file__).parent / "schemas-2.1" / "examples"
    for path in sorted(examples.rglob("*.json")):
        raw = path.read_text(encoding="utf-8")
        name = "oasis-" + path.name
        value = json.loads(raw)
        if value.get("type") != "bundle":
            # A lone object: wrapped, its own text unchanged.
            raw = '{"type": "bundle", "id": "bundle--9d9d4b2a-6c1f-4f0e-8c43-0b1f6b8e5a31", "objects": [\n' + raw.strip() + "\n]}\n"
        (out / name).write_text(raw, encoding="utf-8")
        names.append(name)
    types = sorted({o["type"] for o in json.loads(text)["objects"]})
    print(json.dumps({"bundles": names, "types": types}))


if __name__ == "__main__":
    main()
