//! MISP with real clients: `cordon import` and `cordon export` run as
//! processes on real SQLite files, against events built with PyMISP's own
//! API and exports loaded back with PyMISP (helpers `misp_build.py` and
//! `misp_check.py` in `tests/python/`).
//!
//! Under CI a missing virtualenv fails these tests; elsewhere the tests that
//! need it are skipped, loudly (`cordon_testkit::python`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod common;

use common::{fails, ok};
use serde_json::{Value, json};

const CORDON_EXTENSION: &str = "extension-definition--452e400b-f02a-47d2-805b-32a3ec36a55e";

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

fn add_agency(dir: &Path, db: &str, code: &str, country: &str) {
    ok(
        &[
            "agency",
            "add",
            "--db",
            db,
            "--code",
            code,
            "--name",
            "duty desk",
            "--country",
            country,
            "--kind",
            "police",
            "--contact",
            "desk@example.org",
        ],
        dir,
    );
}

/// Runs a helper of `tests/python/` with the test virtualenv and parses
/// its stdout as JSON; `None` when the virtualenv is missing outside CI.
fn python(script: &str, args: &[&str]) -> Option<Value> {
    let py = cordon_testkit::python()?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let out = Command::new(py)
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start python for {script}: {e}"));
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the helper prints JSON"))
}

/// `cordon export --format misp` of what `agency` (or its `user`) may
/// read; returns the events.
fn export_misp(dir: &Path, db: &str, agency: &str, user: Option<&str>, file: &str) -> Vec<Value> {
    let mut args = vec![
        "export", "--db", db, "--format", "misp", "--agency", agency, "-o", file,
    ];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    ok(&args, dir);
    let text = std::fs::read_to_string(dir.join(file)).expect("the export was written");
    serde_json::from_str(&text).expect("a MISP export is a JSON list")
}

/// The value of an event's Cordon tag `predicate`.
fn tag(event: &Value, predicate: &str) -> Option<String> {
    let prefix = format!("cordon:{predicate}=\"");
    event["Event"]["Tag"]
        .as_array()?
        .iter()
        .filter_map(|t| t["name"].as_str())
        .find_map(|n| {
            n.strip_prefix(&prefix)?
                .strip_suffix('"')
                .map(str::to_owned)
        })
}

fn tlp(event: &Value) -> String {
    event["Event"]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .find(|n| n.starts_with("tlp:"))
        .unwrap_or_default()
        .to_owned()
}

/// Events by their report id.
fn by_report_id(events: &[Value]) -> BTreeMap<String, &Value> {
    events
        .iter()
        .map(|e| (tag(e, "report-id").expect("Cordon tags its events"), e))
        .collect()
}

/// Every attribute of an event (standalone and in objects) as type and
/// value.
fn attribute_pairs(event: &Value) -> Vec<(String, String)> {
    let e = &event["Event"];
    let standalone = e["Attribute"].as_array().into_iter().flatten();
    let in_objects = e["Object"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["Attribute"].as_array().into_iter().flatten());
    let mut out: Vec<(String, String)> = standalone
        .chain(in_objects)
        .map(|a| {
            (
                a["type"].as_str().unwrap().to_owned(),
                a["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The Cordon fields of every report of a STIX export, by report id: what
/// a report means, whoever owns it (owner and revision left out).
fn stix_reports(dir: &Path, db: &str, agency: &str) -> BTreeMap<String, Value> {
    let file = format!(
        "stix-{agency}-{}.json",
        db.len() + db.bytes().map(usize::from).sum::<usize>()
    );
    ok(
        &[
            "export", "--db", db, "--format", "stix", "--agency", agency, "-o", &file,
        ],
        dir,
    );
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(&file)).unwrap()).unwrap();
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "report")
        .map(|o| {
            let mut fields = o["extensions"][CORDON_EXTENSION].clone();
            let id = fields["report_id"].as_str().unwrap().to_owned();
            let f = fields.as_object_mut().unwrap();
            f.remove("agency");
            f.remove("revision");
            f.insert("description".into(), o["description"].clone());
            f.insert("marking".into(), o["object_marking_refs"].clone());
            (id, fields)
        })
        .collect()
}

/// Reports one agency files by hand so that exports hold every kind of
/// selector and every report field.
const EVERY_KIND: &str = concat!(
    r#"{"id":"every-kind-1","kind":"tip","country":"KH","received":"2026-01-10T08:00:00Z","marking":{"tlp":"GREEN"},"grading":"B2","mo":["task","channel:telegram"],"narrative":"Every selector kind, part one.","selectors":["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","md5:d41d8cd98f00b204e9800998ecf8427e","sha1:a9993e364706816aba3e25717850c26c9cd0d89d","sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e","203.0.113.5","2001:db8::1","passport:KE:AK1234567","bank:TH:002:1234567890","bank:KH:ABAAKHPP:000123456","DE89 3704 0044 0532 0130 00"]}"#,
    "\n",
    r#"{"id":"every-kind-2","kind":"recruitment_ad","country":"KH","received":"2026-01-11T08:00:00Z","marking":{"tlp":"AMBER","recipients":["GB-NCA"]},"narrative":"Every selector kind, part two.\nWith a second line.","selectors":["telegram: @GoodJob_HR","line: kelvin88","wechat: kelvin_88","x: dreamjobs","signal: kelvin.01","tiktok: @dream.jobs","instagram: dream.jobs","facebook: asia.dream.jobs","recruiter@goodjob-hr.com","https://goodjob-hr.com/apply?x=1","bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL","eth:0x52908400098527886e0f7030069857d2e4169ee7","+855 12 345 678","name: Nguyễn Văn An","company: Golden Fortune Co., Ltd"]}"#,
    "\n",
    r#"{"id":"every-kind-3","kind":"compound_intel","country":"KH","received":"2026-01-12T08:00:00Z","marking":{"tlp":"RED","recipients":["TH-DSI/liaison"],"hit_notification":false},"grading":"A1","mo":["crime:human_trafficking"],"narrative":"A compound, RED to one person.","selectors":["+855 96 123 4567"],"location":{"lat":10.6104,"lon":103.5235,"place":"Sihanoukville"},"losses":[{"amount":"1200.50","currency":"USD"}]}"#,
    "\n",
    r#"{"id":"every-kind-4","kind":"rescue_request","country":"TH","marking":{"tlp":"CLEAR"},"selectors":["+66 81 234 5678"]}"#,
    "\n",
);

/// A sample of a simulated world (seed 3, small), made once per test run:
/// from every filing agency its first three reports. Small enough for
/// PyMISP, which loads a few hundred events a second.
fn sample_world() -> &'static Path {
    static WORLD: OnceLock<tempfile::TempDir> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            ok(
                &["sim", "--seed", "3", "--scale", "small", "--out", "world"],
                dir.path(),
            );
            let world = dir.path().join("world");
            let sample = dir.path().join("sample");
            std::fs::create_dir_all(sample.join("reports")).unwrap();
            let mut index: Value = serde_json::from_str(
                &std::fs::read_to_string(world.join("agencies.json")).unwrap(),
            )
            .unwrap();
            for agency in index["agencies"].as_array_mut().unwrap() {
                let file = agency["file"].as_str().unwrap().to_owned();
                let Ok(text) = std::fs::read_to_string(world.join(&file)) else {
                    continue;
                };
                let picked: Vec<&str> = text.lines().take(3).collect();
                agency["reports"] = picked.len().into();
                std::fs::write(sample.join(&file), picked.join("\n") + "\n").unwrap();
            }
            std::fs::write(sample.join("agencies.json"), index.to_string()).unwrap();
            std::fs::remove_dir_all(&world).unwrap();
            dir
        })
        .path()
}

/// A database holding the sample world, [`EVERY_KIND`] filed by TH-DSI,
/// and a user `liaison` of TH-DSI.
fn world_db(dir: &Path) -> String {
    let db = sqlite(dir, "world.db");
    let sample = sample_world().join("sample");
    ok(&["import", "--db", &db, sample.to_str().unwrap()], dir);
    ok(
        &[
            "user", "add", "--db", &db, "--agency", "TH-DSI", "--name", "liaison", "--role",
            "analyst",
        ],
        dir,
    );
    std::fs::write(dir.join("every-kind.jsonl"), EVERY_KIND).unwrap();
    ok(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "every-kind.jsonl",
        ],
        dir,
    );
    db
}

fn selectors_of(report: &Value) -> BTreeSet<String> {
    report["selectors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn events_built_with_pymisp_import_with_their_selectors_markings_and_sightings() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let Some(built) = python("misp_build.py", &[dir.to_str().unwrap()]) else {
        return;
    };
    let uuid = |name: &str| built["uuids"][name].as_str().unwrap().to_owned();
    let id = |name: &str| format!("misp-event--{}", uuid(name));
    let db = sqlite(dir, "pymisp.db");
    add_agency(dir, &db, "TH-DSI", "TH");

    // The bare event of `MISPEvent.to_json()`.
    let file = built["event"].as_str().unwrap();
    let err = ok(&["import", "--db", &db, "--agency", "TH-DSI", file], dir);
    assert!(
        err.contains("1 MISP events: 1 reports, 39 attributes, 3 sightings of 2 attributes"),
        "{err}"
    );
    assert!(
        err.contains("1 attribute values are not selectors Cordon can match"),
        "the Monero address: {err}"
    );
    assert!(
        err.contains("imported 1 reports (1 new or revised"),
        "{err}"
    );
    // The other three as a list of {"Event": …}.
    let file = built["events"].as_str().unwrap();
    let err = ok(&["import", "--db", &db, "--agency", "TH-DSI", file], dir);
    assert!(
        err.contains("imported 3 reports (3 new or revised"),
        "{err}"
    );
    // All four as a search answer: the same events, nothing new.
    let file = built["response"].as_str().unwrap();
    let err = ok(&["import", "--db", &db, "--agency", "TH-DSI", file], dir);
    assert!(
        err.contains("imported 4 reports (0 new or revised, 4 unchanged)"),
        "{err}"
    );

    let reports = stix_reports(dir, &db, "TH-DSI");
    assert_eq!(reports.len(), 4);
    let recruiters = &reports[&id("recruiters")];
    assert_eq!(recruiters["kind"], "recruitment_ad");
    assert_eq!(recruiters["country"], "TH");
    assert_eq!(recruiters["modus_operandi"], json!(["channel:telegram"]));
    assert_eq!(recruiters["received"], "2026-03-01T00:00:00.000000Z");
    let want: BTreeSet<String> = [
        // attributes
        "ip:203.0.113.5",
        "ip:198.51.100.7",
        "domain:golden-dream.vip",
        "url:https://golden-dream.vip/apply?job=cs",
        "url:https://t.me/goodjob_hr",
        "domain:t.me",
        "email:hr@golden-dream.vip",
        "email:recruit+jobs@example.com",
        "email:victim@example.org",
        "phone:+85512345678",
        "iban:DE89370400440532013000",
        "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha1:a9993e364706816aba3e25717850c26c9cd0d89d",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        // a passport number without its country: the report's
        "passport:TH:AK1234567",
        "name:nguyen van an",
        // objects
        "phone:+66812345678",
        "bank:KH:ABAAKHPP:000123456",
        "telegram:@goodjob_hr",
        "name:somchai jaidee",
        "passport:KE:AA1234567",
        "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
        "url:https://pay.golden-dream.vip/deposit",
        "ip:203.0.113.9",
        "email:boss@golden-dream.vip",
        "email:agent@example.net",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(selectors_of(recruiters), want);
    let narrative = recruiters["description"].as_str().unwrap();
    assert!(
        narrative.starts_with(
            "Recruiters of the Golden Dream compound\n\nVictims were promised customer-service jobs in Bangkok."
        ),
        "{narrative}"
    );
    assert!(
        narrative.ends_with("MISP: 3 sightings of 2 attributes, 1 false positive"),
        "{narrative}"
    );

    // Markings, as exported again to MISP.
    let events = export_misp(dir, &db, "TH-DSI", None, "out.json");
    let events = by_report_id(&events);
    // tlp:amber wins over "this community".
    assert_eq!(tlp(events[&id("recruiters")]), "tlp:amber");
    // tlp:clear, but one attribute for the organisation only.
    assert_eq!(tlp(events[&id("wallets")]), "tlp:amber+strict");
    // No tag, connected communities: downgraded on the pull.
    assert_eq!(tlp(events[&id("connected")]), "tlp:amber");
    // Your organisation only, with a country tag reading the number.
    assert_eq!(tlp(events[&id("own")]), "tlp:amber+strict");
    assert_eq!(tag(events[&id("own")], "country").as_deref(), Some("KH"));
    assert_eq!(
        selectors_of(&reports[&id("own")]),
        BTreeSet::from(["phone:+85512345679".to_owned()])
    );
    // A report from MISP goes back under its event's UUID.
    assert_eq!(
        events[&id("recruiters")]["Event"]["uuid"],
        uuid("recruiters")
    );

    // The same four as a feed written by PyMISP's feed tools: feeds carry
    // neither distributions nor sightings, so the reports are revised
    // accordingly (unmarked is AMBER; the wallets' tlp:clear now stands).
    let feed = built["feed"].as_str().unwrap();
    let err = ok(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            feed,
        ],
        dir,
    );
    assert!(
        err.contains("4 MISP events: 4 reports, 43 attributes, 0 sightings"),
        "{err}"
    );
    let events = export_misp(dir, &db, "TH-DSI", None, "out2.json");
    let events = by_report_id(&events);
    assert_eq!(tlp(events[&id("wallets")]), "tlp:clear");
    assert_eq!(tlp(events[&id("connected")]), "tlp:amber");
    assert_eq!(tlp(events[&id("recruiters")]), "tlp:amber");
}

#[test]
fn a_world_exported_as_misp_loads_in_pymisp_with_the_same_attributes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let db = world_db(dir);
    let err = ok(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp",
            "--agency",
            "TH-DSI",
            "--user",
            "liaison",
            "-o",
            "events.json",
        ],
        dir,
    );
    let events: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("events.json")).unwrap()).unwrap();
    assert!(
        err.contains(&format!(
            "exported {} reports as {} MISP events",
            events.len(),
            events.len()
        )),
        "{err}"
    );
    ok(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp-feed",
            "--agency",
            "TH-DSI",
            "--user",
            "liaison",
            "-o",
            "feed",
        ],
        dir,
    );

    // Every report the liaison reads is one event, as in the STIX export
    // of the same view.
    let stix = stix_reports_as(dir, &db, "TH-DSI", "liaison");
    assert!(events.len() > 50, "{} events", events.len());
    let mine = by_report_id(&events);
    assert_eq!(
        mine.keys().collect::<BTreeSet<_>>(),
        stix.keys().collect::<BTreeSet<_>>()
    );
    let types: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e["Event"]["Attribute"].as_array().unwrap())
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    for t in [
        "phone-number",
        "email",
        "domain",
        "url",
        "ip-dst",
        "btc",
        "iban",
        "md5",
        "sha1",
        "sha256",
        "sha512",
        "passport-number",
        "full-name",
    ] {
        assert!(types.contains(t), "no {t} attribute in {types:?}");
    }
    let objects: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e["Event"]["Object"].as_array().unwrap())
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for o in [
        "bank-account",
        "coin-address",
        "telegram-account",
        "facebook-account",
        "instagram-account",
        "twitter-account",
        "user-account",
        "legal-entity",
        "geolocation",
    ] {
        assert!(objects.contains(o), "no {o} object in {objects:?}");
    }

    for export in ["events.json", "feed"] {
        let Some(check) = python("misp_check.py", &[dir.join(export).to_str().unwrap()]) else {
            return;
        };
        assert_eq!(check["problems"], json!([]), "{export}");
        assert_eq!(check["events"], events.len(), "{export}");
        for e in &events {
            let uuid = e["Event"]["uuid"].as_str().unwrap();
            let read: Vec<(String, String)> = check["by_uuid"][uuid]["attributes"]
                .as_array()
                .unwrap_or_else(|| panic!("{export}: PyMISP did not read {uuid}"))
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap().to_owned(),
                        p[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(read, attribute_pairs(e), "{export}: {uuid}");
            let tags: BTreeSet<&str> = check["by_uuid"][uuid]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(tags.contains(tlp(e).as_str()), "{export}: {uuid}");
        }
    }
}

#[test]
fn a_feed_exported_and_imported_into_a_fresh_database_gives_the_same_reports() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let db = world_db(dir);
    ok(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp-feed",
            "--agency",
            "TH-DSI",
            "--user",
            "liaison",
            "-o",
            "feed",
        ],
        dir,
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("feed/manifest.json")).unwrap())
            .unwrap();
    let files = std::fs::read_dir(dir.join("feed")).unwrap().count();
    assert_eq!(
        files,
        manifest.as_object().unwrap().len() + 2,
        "events, manifest, hashes.csv"
    );

    let fresh = sqlite(dir, "fresh.db");
    add_agency(dir, &fresh, "TH-DSI", "TH");
    let n = manifest.as_object().unwrap().len();
    let err = ok(
        &[
            "import",
            "--db",
            &fresh,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            "feed",
        ],
        dir,
    );
    assert!(
        err.contains(&format!(
            "imported {n} reports ({n} new or revised, 0 unchanged)"
        )),
        "{err}"
    );
    // Importing it again changes nothing; so does naming the manifest.
    let err = ok(
        &[
            "import",
            "--db",
            &fresh,
            "--agency",
            "TH-DSI",
            "feed/manifest.json",
        ],
        dir,
    );
    assert!(
        err.contains(&format!("(0 new or revised, {n} unchanged)")),
        "{err}"
    );

    // What TH-DSI's liaison read, TH-DSI now owns, every field the same.
    let before = stix_reports_as(dir, &db, "TH-DSI", "liaison");
    let after = stix_reports(dir, &fresh, "TH-DSI");
    assert_eq!(after.len(), n);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (id, report) in &after {
        assert_eq!(report, &before[id], "{id}");
    }

    // An export into the same directory replaces the feed: events the new
    // viewer may not read leave it.
    ok(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp-feed",
            "--agency",
            "GB-NCA",
            "-o",
            "feed",
        ],
        dir,
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("feed/manifest.json")).unwrap())
            .unwrap();
    let now: BTreeSet<String> = manifest.as_object().unwrap().keys().cloned().collect();
    assert!(
        now.len() < n,
        "GB-NCA reads less than TH-DSI's liaison here"
    );
    let files: BTreeSet<String> = std::fs::read_dir(dir.join("feed"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut want: BTreeSet<String> = now.iter().map(|u| format!("{u}.json")).collect();
    want.extend(["manifest.json".to_owned(), "hashes.csv".to_owned()]);
    assert_eq!(files, want);
    // A directory that is not a feed is not written into.
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/todo.txt"), "keep").unwrap();
    let err = fails(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp-feed",
            "--agency",
            "TH-DSI",
            "-o",
            "notes",
        ],
        dir,
    );
    assert!(err.contains("is not empty and holds no MISP feed"), "{err}");
}

/// [`stix_reports`] as one user of the agency.
fn stix_reports_as(dir: &Path, db: &str, agency: &str, user: &str) -> BTreeMap<String, Value> {
    let file = format!("stix-{agency}-{user}.json");
    ok(
        &[
            "export", "--db", db, "--format", "stix", "--agency", agency, "--user", user, "-o",
            &file,
        ],
        dir,
    );
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(&file)).unwrap()).unwrap();
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "report")
        .map(|o| {
            let mut fields = o["extensions"][CORDON_EXTENSION].clone();
            let id = fields["report_id"].as_str().unwrap().to_owned();
            let f = fields.as_object_mut().unwrap();
            f.remove("agency");
            f.remove("revision");
            f.insert("description".into(), o["description"].clone());
            f.insert("marking".into(), o["object_marking_refs"].clone());
            (id, fields)
        })
        .collect()
}

/// The number of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {text}"))
        + 1
}

/// The line where the list element holding `needle` starts (a pretty
/// printed list: elements open with `  {`).
fn element_line(text: &str, needle: &str) -> usize {
    let at = line_of(text, needle);
    text.lines()
        .take(at)
        .enumerate()
        .filter(|(_, l)| *l == "  {")
        .map(|(i, _)| i + 1)
        .last()
        .unwrap()
}

/// How many reports an agency's MISP export holds.
fn held(dir: &Path, db: &str) -> usize {
    export_misp(dir, db, "TH-DSI", None, "held.json").len()
}

#[test]
fn bad_misp_input_names_the_file_line_and_field_and_imports_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let db = sqlite(dir, "bad.db");
    add_agency(dir, &db, "TH-DSI", "TH");
    let good = |uuid: &str| {
        json!({"Event": {"uuid": uuid, "info": "fine", "distribution": "3",
            "Attribute": [{"type": "domain", "value": "example.vip"}]}})
    };
    let u1 = "2b2c3d4e-1111-4222-8333-944455556601";
    let u2 = "2b2c3d4e-1111-4222-8333-944455556602";

    // Not JSON.
    let text = format!(
        "[\n{},\n{{\"Event\": {{\"uuid\": \"{u2}\",\n\"info\": \"x\",\n\"Attribute\": [}}}}\n]\n",
        good(u1)
    );
    std::fs::write(dir.join("broken.json"), &text).unwrap();
    let err = fails(
        &["import", "--db", &db, "--agency", "TH-DSI", "broken.json"],
        dir,
    );
    assert!(err.contains("broken.json:5: events: not JSON"), "{err}");
    assert!(err.contains("nothing of this file was imported"), "{err}");

    // An unknown distribution on an attribute of the second event.
    let events = json!([good(u1), {"Event": {"uuid": u2, "info": "bad", "Attribute": [
        {"type": "domain", "value": "a.example"},
        {"type": "domain", "value": "b.example", "distribution": "7"}]}}]);
    let text = serde_json::to_string_pretty(&events).unwrap();
    std::fs::write(dir.join("distribution.json"), &text).unwrap();
    let err = fails(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "distribution.json",
        ],
        dir,
    );
    let line = line_of(&text, "\"distribution\": \"7\"");
    assert!(
        err.contains(&format!(
            "distribution.json:{line}: events[1] ({u2}).Attribute[1].distribution: distribution \"7\" is not a MISP distribution level"
        )),
        "{err}"
    );

    // A report that does not validate (an unknown kind).
    let events = json!([good(u1), {"Event": {"uuid": u2, "info": "x",
        "Tag": [{"name": "cordon:kind=\"rumour\""}]}}]);
    let text = serde_json::to_string_pretty(&events).unwrap();
    std::fs::write(dir.join("kind.json"), &text).unwrap();
    let err = fails(
        &["import", "--db", &db, "--agency", "TH-DSI", "kind.json"],
        dir,
    );
    let line = element_line(&text, u2);
    assert!(
        err.contains(&format!(
            "kind.json:{line}: events[1] ({u2}): kind: unknown report kind 'rumour'"
        )),
        "{err}"
    );
    assert_eq!(held(dir, &db), 0);

    // A feed with a malformed attribute in one event file, and an event
    // the manifest lists but the directory lacks: both named, nothing of
    // the feed imported.
    let feed = dir.join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::write(
        feed.join(format!("{u1}.json")),
        serde_json::to_string_pretty(&good(u1)).unwrap(),
    )
    .unwrap();
    let malformed = json!({"Event": {"uuid": u2, "info": "x", "Attribute": [
        {"type": "domain", "value": "a.example"},
        {"type": "phone-number", "comment": "no value"}]}});
    let text = serde_json::to_string_pretty(&malformed).unwrap();
    std::fs::write(feed.join(format!("{u2}.json")), &text).unwrap();
    let u3 = "2b2c3d4e-1111-4222-8333-944455556603";
    std::fs::write(
        feed.join("manifest.json"),
        json!({u1: {"info": "fine"}, u2: {"info": "x"}, u3: {"info": "gone"}}).to_string(),
    )
    .unwrap();
    let err = fails(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            "feed",
        ],
        dir,
    );
    let line = line_of(&text, "\"comment\": \"no value\"") - 1;
    assert!(
        err.contains(&format!(
            "feed/{u2}.json:{line}: events[0] ({u2}).Attribute[1].value: an attribute has a value"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "feed/{u3}.json:1: listed in manifest.json but cannot be read"
        )),
        "{err}"
    );
    assert!(err.contains("nothing of this feed was imported"), "{err}");
    // An event file holding another event than the manifest says.
    std::fs::write(
        feed.join(format!("{u2}.json")),
        serde_json::to_string_pretty(&good(u3)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        feed.join("manifest.json"),
        json!({u1: {}, u2: {}}).to_string(),
    )
    .unwrap();
    let err = fails(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            "feed",
        ],
        dir,
    );
    assert!(
        err.contains(&format!("feed/{u2}.json:1: Event.uuid: the manifest lists event {u2} in this file, but it holds {u3}")),
        "{err}"
    );
    // A manifest that is not one, and a directory that is no feed.
    std::fs::write(feed.join("manifest.json"), "{\n\"not-a-uuid\": {}\n}").unwrap();
    let err = fails(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            "feed",
        ],
        dir,
    );
    assert!(
        err.contains("feed/manifest.json:2: 'not-a-uuid' is not an event uuid"),
        "{err}"
    );
    let err = fails(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            ".",
        ],
        dir,
    );
    assert!(err.contains("manifest.json"), "{err}");
    assert_eq!(held(dir, &db), 0, "nothing of any bad input was stored");

    // Fixed, the feed imports.
    std::fs::write(
        feed.join(format!("{u2}.json")),
        serde_json::to_string_pretty(&good(u2)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        feed.join("manifest.json"),
        json!({u1: {}, u2: {}}).to_string(),
    )
    .unwrap();
    ok(
        &[
            "import",
            "--db",
            &db,
            "--agency",
            "TH-DSI",
            "--misp-feed",
            "feed",
        ],
        dir,
    );
    assert_eq!(held(dir, &db), 2);
}

#[test]
fn a_report_is_in_another_agencys_misp_export_only_if_it_may_read_it() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let db = sqlite(dir, "access.db");
    for (code, country) in [("GB-NCA", "GB"), ("KH-NCB", "KH"), ("TH-DSI", "TH")] {
        add_agency(dir, &db, code, country);
    }
    ok(
        &[
            "user", "add", "--db", &db, "--agency", "KH-NCB", "--name", "liaison", "--role",
            "analyst",
        ],
        dir,
    );
    std::fs::write(
        dir.join("gb.jsonl"),
        concat!(
            r#"{"id":"gb-amber","kind":"tip","country":"GB","marking":{"tlp":"AMBER"},"selectors":["+44 7911 123456"]}"#, "\n",
            r#"{"id":"gb-amber-kh","kind":"tip","country":"GB","marking":{"tlp":"AMBER","recipients":["KH-NCB"]},"selectors":["+44 7911 123457"]}"#, "\n",
            r#"{"id":"gb-green","kind":"tip","country":"GB","marking":{"tlp":"GREEN"},"selectors":["+44 7911 123458"]}"#, "\n",
            r#"{"id":"gb-red","kind":"tip","country":"GB","marking":{"tlp":"RED","recipients":["KH-NCB/liaison"]},"selectors":["+44 7911 123459"]}"#, "\n",
        ),
    )
    .unwrap();
    ok(
        &["import", "--db", &db, "--agency", "GB-NCA", "gb.jsonl"],
        dir,
    );

    let ids = |agency: &str, user: Option<&str>| -> BTreeSet<String> {
        by_report_id(&export_misp(dir, &db, agency, user, "x.json"))
            .keys()
            .cloned()
            .collect()
    };
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        ids("GB-NCA", None),
        set(&["gb-amber", "gb-amber-kh", "gb-green", "gb-red"])
    );
    assert_eq!(ids("KH-NCB", None), set(&["gb-amber-kh", "gb-green"]));
    assert_eq!(
        ids("KH-NCB", Some("liaison")),
        set(&["gb-amber-kh", "gb-green", "gb-red"])
    );
    assert_eq!(ids("TH-DSI", None), set(&["gb-green"]));
    ok(
        &[
            "export",
            "--db",
            &db,
            "--format",
            "misp-feed",
            "--agency",
            "TH-DSI",
            "-o",
            "th-feed",
        ],
        dir,
    );
    let files: BTreeSet<PathBuf> = std::fs::read_dir(dir.join("th-feed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 3, "one event, the manifest and hashes.csv");

    // GB-NCA's audit log names every export that held its reports.
    let conn = rusqlite::Connection::open(dir.join("access.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT actor, subject FROM audit WHERE owner = 'GB-NCA' AND action = 'export' ORDER BY seq")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let subjects: Vec<&str> = rows.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "misp: 2 reports, 0 objects of other tools",
            "misp: 3 reports, 0 objects of other tools",
            "misp: 1 reports, 0 objects of other tools",
            "misp-feed: 1 reports, 0 objects of other tools",
        ],
        "{rows:?}"
    );
    ok(&["audit", "verify", "--db", &db], dir);
}
