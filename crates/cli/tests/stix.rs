//! STIX 2.1 with real clients: `cordon export` and `cordon import` run as
//! processes on real SQLite files, their bundles checked with the OASIS
//! libraries (`stix2-validator`, `stix2`) of the test virtualenv, and the
//! bundles of other tools built with `stix2` (helpers in `tests/python/`).
//!
//! Under CI a missing virtualenv fails these tests; elsewhere the tests that
//! need it are skipped, loudly (`cordon_testkit::python`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

mod common;

use common::{cordon, ok};
use serde_json::Value;
use serde_json::value::RawValue;

const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const CORDON_EXTENSION: &str = "extension-definition--452e400b-f02a-47d2-805b-32a3ec36a55e";

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

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// `cordon export --format stix` of what `agency` (or one of its users)
/// may read, written to `file` in `dir`; returns the bundle text.
fn export(dir: &Path, db: &str, agency: &str, user: Option<&str>, file: &str) -> String {
    let mut args = vec![
        "export", "--db", db, "--format", "stix", "--agency", agency, "-o", file,
    ];
    if let Some(u) = user {
        args.extend(["--user", u]);
    }
    ok(&args, dir);
    std::fs::read_to_string(dir.join(file)).expect("the export was written")
}

fn objects(bundle: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(bundle).expect("a bundle is JSON");
    assert_eq!(v["type"], "bundle");
    v["objects"]
        .as_array()
        .expect("a bundle has objects")
        .clone()
}

/// An object's identity in a bundle: its id and version (`modified`, else
/// `created`, else none for unversioned SCOs).
fn key(o: &Value) -> (String, String) {
    let version = o
        .get("modified")
        .or_else(|| o.get("created"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    (
        o["id"].as_str().unwrap_or_default().to_owned(),
        version.to_owned(),
    )
}

/// Every object of a bundle by id and version, with its exact text.
fn raw_objects(bundle: &str) -> BTreeMap<(String, String), (Value, String)> {
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        objects: Vec<&'a RawValue>,
    }
    let raw: Raw<'_> = serde_json::from_str(bundle).expect("a bundle is JSON");
    let mut out = BTreeMap::new();
    for r in raw.objects {
        let value: Value = serde_json::from_str(r.get()).unwrap();
        let k = key(&value);
        let before = out.insert(k.clone(), (value, r.get().to_owned()));
        assert!(before.is_none(), "{k:?} appears twice in one bundle");
    }
    out
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

/// Reports one agency files by hand so that an export holds every kind of
/// selector: each STIX type Cordon writes, and every hash algorithm.
const EVERY_KIND: &str = concat!(
    r#"{"id":"every-kind-1","kind":"tip","country":"KH","received":"2026-01-10T08:00:00Z","marking":{"tlp":"GREEN"},"grading":"B2","mo":["task","channel:telegram"],"narrative":"Every selector kind, part one.","selectors":["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","md5:d41d8cd98f00b204e9800998ecf8427e","sha1:a9993e364706816aba3e25717850c26c9cd0d89d","sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e","203.0.113.5","2001:db8::1","passport:KE:AK1234567","bank:TH:002:1234567890","DE89 3704 0044 0532 0130 00"]}"#,
    "\n",
    r#"{"id":"every-kind-2","kind":"recruitment_ad","country":"KH","received":"2026-01-11T08:00:00Z","marking":{"tlp":"AMBER","recipients":["TH-DSI"]},"narrative":"Every selector kind, part two.","selectors":["telegram: @GoodJob_HR","line: kelvin88","wechat: kelvin_88","x: dreamjobs","signal: kelvin.01","tiktok: @dream.jobs","instagram: dream.jobs","facebook: asia.dream.jobs","recruiter@goodjob-hr.com","https://goodjob-hr.com/apply?x=1","bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL","+855 12 345 678","name: Nguyễn Văn An","company: Golden Fortune Co., Ltd"]}"#,
    "\n",
    r#"{"id":"every-kind-3","kind":"compound_intel","country":"KH","received":"2026-01-12T08:00:00Z","marking":{"tlp":"RED","recipients":["KH-NCB/liaison"],"hit_notification":false},"grading":"A1","mo":["crime:human_trafficking"],"narrative":"A compound, RED to one person.","selectors":["+855 96 123 4567"],"location":{"lat":10.6104,"lon":103.5235,"place":"Sihanoukville"},"losses":[{"amount":"1200.50","currency":"USD"}]}"#,
    "\n",
);

/// A database holding a sample of a simulated world (seed 3, small): from
/// every filing agency its first `per_file` reports and its first compound
/// report and first report naming `viewer` in its recipients, plus
/// [`EVERY_KIND`] filed by `viewer`, which also gets a user `liaison`.
/// Keeps exports small enough for the validator (~250 objects/s).
fn sampled_world(dir: &Path, per_file: usize, viewer: &str) -> String {
    ok(
        &["sim", "--seed", "3", "--scale", "small", "--out", "world"],
        dir,
    );
    let world = dir.join("world");
    let sample = dir.join("sample");
    std::fs::create_dir_all(sample.join("reports")).unwrap();
    let mut index: Value =
        serde_json::from_str(&std::fs::read_to_string(world.join("agencies.json")).unwrap())
            .unwrap();
    for agency in index["agencies"].as_array_mut().unwrap() {
        let file = agency["file"].as_str().unwrap().to_owned();
        let Ok(text) = std::fs::read_to_string(world.join(&file)) else {
            continue;
        };
        let mut picked: Vec<&str> = text.lines().take(per_file).collect();
        let rest: Vec<(&str, Value)> = text
            .lines()
            .skip(per_file)
            .map(|l| (l, serde_json::from_str(l).unwrap()))
            .collect();
        let names_viewer = |r: &Value| {
            r["marking"]["recipients"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str().unwrap().starts_with(viewer)))
        };
        for wanted in [
            &(|r: &Value| r["kind"] == "compound_intel") as &dyn Fn(&Value) -> bool,
            &names_viewer,
        ] {
            if let Some((line, _)) = rest.iter().find(|(_, r)| wanted(r)) {
                picked.push(line);
            }
        }
        picked.sort_unstable();
        picked.dedup();
        agency["reports"] = picked.len().into();
        std::fs::write(sample.join(&file), picked.join("\n") + "\n").unwrap();
    }
    std::fs::write(sample.join("agencies.json"), index.to_string()).unwrap();
    std::fs::remove_dir_all(&world).unwrap();

    let db = sqlite(dir, "world.db");
    ok(&["import", "--db", &db, "sample"], dir);
    ok(
        &[
            "user", "add", "--db", &db, "--agency", viewer, "--name", "liaison", "--role",
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
            viewer,
            "every-kind.jsonl",
        ],
        dir,
    );
    db
}

/// Warning codes of stix2-validator that Cordon's exports raise on purpose:
/// 103, UUIDv5 ids (deterministic, so that a re-export updates instead of
/// duplicating); 244, `account_type` values outside account-type-ov
/// (telegram, line, … : an open vocabulary).
const JUSTIFIED_WARNINGS: [&str; 2] = ["103", "244"];

#[test]
fn exports_validate_and_load_in_the_oasis_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sampled_world(d, 2, "KH-NCB");
    let bundle = export(d, &db, "KH-NCB", Some("liaison"), "export.json");
    let objects = objects(&bundle);
    let types: BTreeSet<&str> = objects.iter().filter_map(|o| o["type"].as_str()).collect();
    eprintln!("exported {} objects: {types:?}", objects.len());
    assert!(
        objects.len() <= 1_500,
        "keep the export small: {}",
        objects.len()
    );
    // Everything Cordon writes is in this export.
    for t in [
        "report",
        "observed-data",
        "indicator",
        "relationship",
        "location",
        "infrastructure",
        "attack-pattern",
        "identity",
        "marking-definition",
        "extension-definition",
        "domain-name",
        "url",
        "email-addr",
        "ipv4-addr",
        "ipv6-addr",
        "file",
        "user-account",
        "phone-number",
        "cryptocurrency-wallet",
        "bank-account",
        "travel-document",
    ] {
        assert!(types.contains(t), "the export has no {t}");
    }
    // The RED report naming KH-NCB/liaison is there, the AMBER one for
    // TH-DSI too (KH-NCB filed both).
    let report_ids: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["type"] == "report")
        .filter_map(|o| o["extensions"][CORDON_EXTENSION]["report_id"].as_str())
        .collect();
    for id in ["every-kind-1", "every-kind-2", "every-kind-3"] {
        assert!(report_ids.contains(id), "{id} is missing from the export");
    }

    let Some(check) = python("stix_check.py", &[d.join("export.json").to_str().unwrap()]) else {
        return;
    };
    eprintln!(
        "stix2-validator warnings by code: {}; samples: {}",
        check["warnings"],
        serde_json::to_string_pretty(&check["warning_samples"]).unwrap()
    );
    assert_eq!(check["objects"], objects.len());
    assert_eq!(
        check["errors"],
        Value::Array(vec![]),
        "stix2-validator errors"
    );
    assert_eq!(check["valid"], true, "stix2-validator: not valid");
    let unjustified: Vec<&String> = check["warnings"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|code| !JUSTIFIED_WARNINGS.contains(&code.as_str()))
        .collect();
    assert!(
        unjustified.is_empty(),
        "warnings with codes {unjustified:?}: {}",
        check["warning_samples"]
    );

    assert_eq!(check["bundle_loads"], true, "{}", check["unloadable"]);
    assert_eq!(
        check["unloadable"],
        Value::Array(vec![]),
        "objects stix2 cannot load"
    );
    for t in [
        "domain-name",
        "url",
        "email-addr",
        "ipv4-addr",
        "ipv6-addr",
        "file",
        "user-account",
    ] {
        assert!(
            check["id_checks"][t].as_u64().unwrap_or(0) > 0,
            "no {t} had its id checked: {}",
            check["id_checks"]
        );
    }
    let mismatches = |key: &str| -> String {
        let found: Vec<String> = check[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "  Cordon wrote {}, stix2 computes {} for {}",
                    m["object"]["id"], m["stix2"], m["object"]
                )
            })
            .collect();
        found.join("\n")
    };
    // stix2 computes the id of each standard SCO from its value as Cordon
    // did…
    let by_value = mismatches("id_mismatches_value");
    assert!(
        by_value.is_empty(),
        "SCO ids stix2 computes differently from the observable's value:\n{by_value}"
    );
    // …and from the whole object as written: STIX 2.1 §2.9 makes some
    // SCOs' `extensions` id-contributing (file's: hashes, name, extensions,
    // parent_directory_ref), so an object's id must follow from what the
    // object carries.
    let by_object = mismatches("id_mismatches_whole_object");
    assert!(
        by_object.is_empty(),
        "SCO ids stix2 computes differently from the object's own properties:\n{by_object}"
    );
}

/// Imports `bundle` (a file in `dir`) as GB-NCA into a fresh database with
/// a second agency, KH-NCB, and exports it for both: the two exports' texts,
/// or what `cordon import` said when it refused the bundle.
fn round_trip(dir: &Path, bundle: &str) -> Result<(String, String), String> {
    let db = sqlite(dir, &format!("{bundle}.db"));
    add_agency(dir, &db, "GB-NCA", "GB");
    add_agency(dir, &db, "KH-NCB", "KH");
    let out = cordon(&["import", "--db", &db, "--agency", "GB-NCA", bundle], dir);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let own = export(dir, &db, "GB-NCA", None, &format!("{bundle}.gb.json"));
    let other = export(dir, &db, "KH-NCB", None, &format!("{bundle}.kh.json"));
    Ok((own, other))
}

/// What differs between the objects of an input bundle and an export that
/// should hold exactly `expected` of them, unchanged: missing objects,
/// changed ones (JSON), ones whose text changed, and extra ones.
fn differences(
    input: &str,
    export: &str,
    expected: &dyn Fn(&(String, String)) -> bool,
) -> Vec<String> {
    let input = raw_objects(input);
    let export = raw_objects(export);
    let mut problems = Vec::new();
    for (k, (value, text)) in input.iter().filter(|(k, _)| expected(k)) {
        match export.get(k) {
            None => problems.push(format!("missing: {k:?}")),
            Some((v, _)) if v != value => {
                problems.push(format!("changed: {k:?}\n  in:  {value}\n  out: {v}"))
            }
            Some((_, t)) if t != text => problems.push(format!("text changed: {k:?}")),
            Some(_) => {}
        }
    }
    for k in export.keys() {
        if !input.contains_key(k) || !expected(k) {
            problems.push(format!("extra: {k:?}"));
        }
    }
    problems
}

#[test]
fn objects_of_other_tools_of_every_type_come_back_unchanged_and_only_to_their_readers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some(built) = python("stix_bundles.py", &[d.to_str().unwrap()]) else {
        return;
    };
    let types: BTreeSet<&str> = built["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in [
        // SDOs
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
        // SROs
        "relationship",
        "sighting",
        // SCOs
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
        // the rest
        "marking-definition",
        "language-content",
        "extension-definition",
        "acme-case",
    ] {
        assert!(types.contains(t), "the bundle has no {t}");
    }

    let input = std::fs::read_to_string(d.join("every-type.json")).unwrap();
    let visible: BTreeSet<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("every-type.visible.json")).unwrap())
            .unwrap();
    let (own, other) = round_trip(d, "every-type.json")
        .unwrap_or_else(|e| panic!("cordon import every-type.json failed: {e}"));

    // The importer gets back every object exactly, and nothing else: the
    // reports Cordon made of the bundle's report, of the observed-data and
    // of the indicator that no report lists are represented by those
    // objects themselves, so Cordon derives nothing for them.
    let problems = differences(&input, &own, &|_| true);
    // Another agency gets exactly the objects it may read: those marked
    // (or, unmarked, listed by an object marked) GREEN or CLEAR. RED and
    // AMBER objects, the unmarked ones that only RED objects list, and the
    // unmarked ones no marked object lists (the import's default, AMBER)
    // stay with the importer.
    let hidden = differences(&input, &other, &|(id, _)| visible.contains(id));
    assert!(
        problems.is_empty() && hidden.is_empty(),
        "the importer's export differs from the input:\n{}\n\nanother agency's export differs from what it may read:\n{}",
        problems.join("\n"),
        hidden.join("\n")
    );
    // Both versions of the indicator that has two came back.
    let mut versions: BTreeMap<String, usize> = BTreeMap::new();
    for o in objects(&own) {
        *versions
            .entry(o["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(
        versions.values().filter(|&&n| n == 2).count(),
        1,
        "{versions:?}"
    );
}

#[test]
fn the_oasis_example_bundles_come_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some(built) = python("stix_bundles.py", &[d.to_str().unwrap()]) else {
        return;
    };
    let examples: Vec<&str> = built["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| n.starts_with("oasis-"))
        .collect();
    // stix2-validator ships the OASIS examples as package data (stix2 ships
    // none); a new version that drops them should be noticed.
    assert!(examples.len() >= 8, "{examples:?}");
    let mut problems = Vec::new();
    for name in &examples {
        let input = std::fs::read_to_string(d.join(name)).unwrap();
        let (own, other) = match round_trip(d, name) {
            Ok(exports) => exports,
            Err(e) => {
                problems.push(format!("{name}: cordon import failed: {e}"));
                continue;
            }
        };
        problems.extend(
            differences(&input, &own, &|_| true)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
        // The examples are unmarked (the import's default, AMBER: the
        // importer's only) but for one RED campaign.
        let leaked = objects(&other);
        if !leaked.is_empty() {
            problems.push(format!(
                "{name}: another agency reads {} objects",
                leaked.len()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the OASIS examples do not come back unchanged:\n{}",
        problems.join("\n")
    );
}

/// Whether an object Cordon wrote has an id that does not depend on the
/// agency owning the report it came from: observables, named people and
/// companies, attack-patterns, markings and the extension do not; a
/// report's own objects and its owner's identity do.
fn owner_free(o: &Value) -> bool {
    let derived = matches!(
        o["type"].as_str().unwrap(),
        "report" | "observed-data" | "indicator" | "relationship" | "location" | "infrastructure"
    );
    let agency = o["type"] == "identity" && o.get("sectors").is_some();
    !derived && !agency
}

/// A report object's Cordon meaning, with what depends on who owns it (the
/// ids of the objects derived from it, its name, owner, revision and
/// acceptance time) left out; the observables it lists stay, by their
/// deterministic ids.
fn report_meaning(report: &Value, owner_free: &BTreeSet<&str>) -> Value {
    let mut r = report.clone();
    let o = r.as_object_mut().unwrap();
    for k in ["id", "name", "created_by_ref", "created", "modified"] {
        o.remove(k);
    }
    let refs: Vec<Value> = report["object_refs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|id| owner_free.contains(id.as_str().unwrap()))
        .cloned()
        .collect();
    o.insert("object_refs".into(), refs.into());
    let fields = o["extensions"][CORDON_EXTENSION].as_object_mut().unwrap();
    fields.remove("agency");
    fields.remove("revision");
    r
}

/// The reports of an export by their Cordon id, as [`report_meaning`]s.
fn reports_by_id(objects: &[Value]) -> BTreeMap<String, Value> {
    let owner_free: BTreeSet<&str> = objects
        .iter()
        .filter(|o| owner_free(o))
        .filter_map(|o| o["id"].as_str())
        .collect();
    objects
        .iter()
        .filter(|o| o["type"] == "report")
        .map(|o| {
            let id = o["extensions"][CORDON_EXTENSION]["report_id"]
                .as_str()
                .expect("every report Cordon writes has its report_id")
                .to_owned();
            (id, report_meaning(o, &owner_free))
        })
        .collect()
}

#[test]
fn a_cordon_export_imported_into_another_cordon_exports_the_same_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sampled_world(d, 2, "KH-NCB");
    let first = objects(&export(d, &db, "KH-NCB", Some("liaison"), "first.json"));
    let before = reports_by_id(&first);
    assert!(before.len() > 50, "{} reports", before.len());
    let red = before
        .values()
        .filter(|r| r["object_marking_refs"][0] == TLP2_RED)
        .count();
    assert!(red > 0, "the export holds no RED report");

    // Into a fresh Cordon, as the same agency.
    let fresh = sqlite(d, "fresh.db");
    add_agency(d, &fresh, "KH-NCB", "KH");
    let log = ok(
        &["import", "--db", &fresh, "--agency", "KH-NCB", "first.json"],
        d,
    );
    assert!(
        log.contains(&format!(
            "imported {} reports ({} new or revised, 0 unchanged)",
            before.len(),
            before.len()
        )),
        "{log}"
    );
    let second_text = export(d, &fresh, "KH-NCB", None, "second.json");
    // Each object once (an object Cordon kept and the same one rebuilt
    // would be twice).
    raw_objects(&second_text);
    let second = objects(&second_text);
    let after = reports_by_id(&second);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let changed: Vec<String> = before
        .iter()
        .filter(|(id, r)| after[*id] != **r)
        .map(|(id, r)| format!("{id}\n  first:  {r}\n  second: {}", after[id]))
        .collect();
    assert!(
        changed.is_empty(),
        "{} reports changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
    // The same observables, named identities, attack-patterns and
    // markings, under the same ids.
    let ids = |objects: &[Value]| -> BTreeSet<String> {
        objects
            .iter()
            .filter(|o| owner_free(o))
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&first), ids(&second));

    // Importing the second export again changes nothing.
    let log = ok(
        &[
            "import",
            "--db",
            &fresh,
            "--agency",
            "KH-NCB",
            "second.json",
        ],
        d,
    );
    assert!(
        log.contains(&format!(
            "imported {} reports (0 new or revised, {} unchanged)",
            after.len(),
            after.len()
        )),
        "{log}"
    );
}

/// A bundle with one object per line: object `i` is on line `i + 2`.
fn bundle_text(objects: &[Value]) -> String {
    let lines: Vec<String> = objects.iter().map(Value::to_string).collect();
    format!(
        "{{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n{}\n]}}\n",
        lines.join(",\n")
    )
}

#[test]
fn a_bad_bundle_imports_nothing_and_names_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Real Cordon objects to corrupt: three reports exported from a
    // scratch database.
    let scratch = sqlite(d, "scratch.db");
    add_agency(d, &scratch, "KH-NCB", "KH");
    std::fs::write(d.join("every-kind.jsonl"), EVERY_KIND).unwrap();
    ok(
        &[
            "import",
            "--db",
            &scratch,
            "--agency",
            "KH-NCB",
            "every-kind.jsonl",
        ],
        d,
    );
    let good = objects(&export(d, &scratch, "KH-NCB", None, "good.json"));
    let reports: Vec<usize> = (0..good.len())
        .filter(|&i| good[i]["type"] == "report")
        .collect();
    assert_eq!(reports.len(), 3);
    // Every bundle below starts with an indicator of another tool, then
    // the three reports' objects; the second report is the one corrupted,
    // so that a partial write would show.
    let foreign = serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'goodjob-hr.com']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "object_marking_refs": [TLP2_GREEN]
    });
    let at = reports[1] + 1;
    let line = at + 2;
    let corrupt = |f: &dyn Fn(&mut Value)| {
        let mut objects = vec![foreign.clone()];
        objects.extend(good.iter().cloned());
        f(&mut objects[at]);
        bundle_text(&objects)
    };
    fn fields(o: &mut Value) -> &mut Value {
        &mut o["extensions"][CORDON_EXTENSION]
    }
    let cases: Vec<(&str, String, String)> = vec![
        (
            "bad-id.json",
            corrupt(&|o| o["id"] = "report--84E4D88F-not-a-uuid".into()),
            format!("bad-id.json:{line}: objects[{at}].id:"),
        ),
        (
            "object-spec-version.json",
            corrupt(&|o| o["spec_version"] = "2.0".into()),
            format!(
                "object-spec-version.json:{}: objects[{}].spec_version:",
                line, at
            ),
        ),
        (
            "bundle-spec-version.json",
            bundle_text(&good).replacen("\"objects\"", "\"spec_version\": \"2.0\", \"objects\"", 1),
            "bundle-spec-version.json:1: spec_version:".to_owned(),
        ),
        (
            "malformed-fields.json",
            corrupt(&|o| fields(o)["revision"] = "two".into()),
            format!(
                "malformed-fields.json:{}: objects[{}].extensions.{CORDON_EXTENSION}:",
                line, at
            ),
        ),
        (
            "missing-report-id.json",
            corrupt(&|o| {
                fields(o).as_object_mut().unwrap().remove("report_id");
            }),
            format!(
                "missing-report-id.json:{}: objects[{}].extensions.{CORDON_EXTENSION}:",
                line, at
            ),
        ),
        (
            "bad-country.json",
            corrupt(&|o| fields(o)["country"] = "XX".into()),
            format!(
                "bad-country.json:{}: objects[{}] (every-kind-2): country:",
                line, at
            ),
        ),
        (
            "bad-selector.json",
            corrupt(&|o| fields(o)["selectors"] = serde_json::json!(["phone:12"])),
            format!(
                "bad-selector.json:{}: objects[{}] (every-kind-2): selectors[0]:",
                line, at
            ),
        ),
        (
            // A missing comma between two objects.
            "invalid-json.json",
            {
                let text = corrupt(&|_| {});
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                // The line before the corrupted report's (lines count from 1).
                let before = line - 2;
                lines[before] = lines[before].trim_end_matches(',').to_owned();
                lines.join("\n") + "\n"
            },
            format!("invalid-json.json:{line}:"),
        ),
    ];

    let db = sqlite(d, "target.db");
    add_agency(d, &db, "KH-NCB", "KH");
    let mut problems = Vec::new();
    for (name, text, expected) in &cases {
        std::fs::write(d.join(name), text).unwrap();
        let out = cordon(&["import", "--db", &db, "--agency", "KH-NCB", name], d);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            problems.push(format!("{name}: imported: {err}"));
        } else if !err.contains(expected.as_str()) || err.contains("not a report") {
            let shown: Vec<&str> = err.lines().take(4).collect();
            problems.push(format!(
                "{name}: expected '{expected} <field>: …', got ({} lines):\n{}",
                err.lines().count(),
                shown.join("\n")
            ));
        } else {
            eprintln!(
                "{name}: {}",
                err.lines().find(|l| l.contains(expected.as_str())).unwrap()
            );
        }
        let after = objects(&export(d, &db, "KH-NCB", None, "after.json"));
        if !after.is_empty() {
            problems.push(format!(
                "{name}: the failed import wrote {} objects",
                after.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));

    // The uncorrupted bundle imports, so the failures were the corruption.
    std::fs::write(d.join("fine.json"), corrupt(&|_| {})).unwrap();
    let log = ok(
        &["import", "--db", &db, "--agency", "KH-NCB", "fine.json"],
        d,
    );
    assert!(
        log.contains("imported 4 reports (4 new or revised"),
        "{log}"
    );
}
