//! Integration tests of the simulated world: determinism, validity of every
//! report against cordon-core, agreement of the truth with normalisation,
//! and the shape the domain asks for.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use cordon_core::report::{ReportSubmission, SelectorInput};
use cordon_core::selector::{self, Hint, Region, SelectorKind};
use cordon_sim::{Scale, SimConfig, Summary, generate};
use serde_json::Value;
use sha2::{Digest, Sha256};

struct Run {
    dir: tempfile::TempDir,
    summary: Summary,
}

fn run(seed: u64) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(
        &SimConfig {
            seed,
            scale: Scale::Small,
        },
        dir.path(),
        &|_, _| {},
    )
    .unwrap();
    Run { dir, summary }
}

/// The small world of seed 7, generated once for all tests here.
fn small() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run(7))
}

/// SHA-256 over every output file, by relative path.
fn digest(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
        h.update(fs::read(&f).unwrap());
    }
    hex::encode(h.finalize())
}

fn truth(run: &Run) -> Value {
    serde_json::from_slice(&fs::read(run.dir.path().join("truth.json")).unwrap()).unwrap()
}

/// Every report of the run with its agency code.
fn reports(run: &Run) -> Vec<(String, ReportSubmission)> {
    let agencies: Value =
        serde_json::from_slice(&fs::read(run.dir.path().join("agencies.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    for a in agencies["agencies"].as_array().unwrap() {
        let code = a["code"].as_str().unwrap();
        let text = fs::read_to_string(run.dir.path().join(a["file"].as_str().unwrap())).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() as u64, a["reports"].as_u64().unwrap(), "{code}");
        for (n, line) in lines.into_iter().enumerate() {
            let r: ReportSubmission = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{code} line {}: {e}: {line}", n + 1));
            out.push((code.to_owned(), r));
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_bytes_and_different_seeds_differ() {
    let a = small();
    let b = run(7);
    assert_eq!(a.summary, b.summary);
    assert_eq!(digest(a.dir.path()), digest(b.dir.path()));
    let c = run(8);
    assert_ne!(digest(a.dir.path()), digest(c.dir.path()));
}

#[test]
fn summary_and_files_agree_with_the_scale() {
    let s = &small().summary;
    assert_eq!(s.reports, Scale::Small.reports());
    assert_eq!(reports(small()).len() as u64, s.reports);
    let t = truth(small());
    assert_eq!(t["reports"].as_array().unwrap().len() as u64, s.reports);
    assert_eq!(t["summary"]["reports"].as_u64(), Some(s.reports));
    // About four selectors per report, and mostly distinct ones.
    let per_report = s.selectors_listed as f64 / s.reports as f64;
    assert!(
        (3.0..6.0).contains(&per_report),
        "{per_report} selectors per report"
    );
    assert!(s.distinct_selectors * 10 >= s.reports * 25, "{s:?}");
    assert!(!Path::new(&small().dir.path().join(".truth-selectors.part")).exists());
}

#[test]
fn report_ids_are_unique_and_files_are_in_time_order() {
    let mut ids = BTreeSet::new();
    let mut last: HashMap<String, String> = HashMap::new();
    for (agency, r) in reports(small()) {
        let id = r.id.clone().unwrap();
        assert!(id.starts_with(&format!("{agency}-")), "{id}");
        assert!(ids.insert(id.clone()), "duplicate id {id}");
        let received = r.received.clone().unwrap();
        if let Some(prev) = last.insert(agency.clone(), received.clone()) {
            assert!(prev <= received, "{agency}: {prev} after {received}");
        }
    }
}

#[test]
fn the_world_has_the_shape_the_domain_describes() {
    let t = truth(small());
    let workers = t["workers"].as_array().unwrap();
    let nationalities: BTreeSet<&str> = workers
        .iter()
        .map(|w| w["nationality"].as_str().unwrap())
        .collect();
    assert!(
        nationalities.len() >= 60,
        "{} nationalities",
        nationalities.len()
    );
    let statuses: BTreeMap<&str, usize> = workers.iter().fold(BTreeMap::new(), |mut m, w| {
        *m.entry(w["status"].as_str().unwrap()).or_default() += 1;
        m
    });
    assert!(
        statuses["victim"] > statuses["not_a_victim"] && statuses["not_a_victim"] > 0,
        "{statuses:?}"
    );

    let compounds = t["compounds"].as_array().unwrap();
    let regions: BTreeSet<&str> = compounds
        .iter()
        .map(|c| c["region"].as_str().unwrap())
        .collect();
    assert!(
        regions.contains("mekong") && regions.len() >= 3,
        "{regions:?}"
    );
    let statuses: BTreeSet<&str> = compounds
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("active") && statuses.contains("raided"),
        "{statuses:?}"
    );
    let mekong = compounds.iter().filter(|c| c["region"] == "mekong").count();
    assert!(
        mekong * 2 > compounds.len(),
        "the Mekong region comes first"
    );

    let networks = t["networks"].as_array().unwrap();
    assert_eq!(networks.len() as u64, small().summary.networks);
    assert!(networks.len() >= 24, "dozens of networks at small scale");

    // Shared infrastructure touches several networks, and reports show it.
    let selectors = t["selectors"].as_array().unwrap();
    let shared: Vec<&Value> = selectors
        .iter()
        .filter(|s| {
            s["networks"].as_array().unwrap().len() >= 3 && s["reports"].as_u64().unwrap() > 0
        })
        .collect();
    let roles: BTreeSet<&str> = shared.iter().map(|s| s["role"].as_str().unwrap()).collect();
    for role in ["exchange_deposit", "bulletproof_hosting", "job_board"] {
        assert!(roles.contains(role), "no shared {role} in {roles:?}");
    }
    let canonical: Vec<&str> = selectors
        .iter()
        .map(|s| s["selector"].as_str().unwrap())
        .collect();
    let distinct: BTreeSet<&str> = canonical.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        canonical.len(),
        "a selector is listed twice in the truth"
    );
}

#[test]
fn the_truth_is_consistent_with_itself() {
    let t = truth(small());
    let owners: HashMap<&str, BTreeSet<&str>> = t["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let networks = s["networks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            (s["selector"].as_str().unwrap(), networks)
        })
        .collect();
    let workers: HashMap<&str, &Value> = t["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["id"].as_str().unwrap(), w))
        .collect();
    let networks: BTreeSet<&str> = t["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut carried: HashMap<&str, u64> = HashMap::new();
    for r in t["reports"].as_array().unwrap() {
        let network = r["network"].as_str();
        if let Some(n) = network {
            assert!(networks.contains(n), "unknown network {n}");
        }
        if let Some(w) = r["worker"].as_str() {
            assert_eq!(
                workers[w]["network"].as_str(),
                network,
                "worker {w} of another network"
            );
            assert_eq!(r["kind"], "rescue_request");
        }
        for s in r["selectors"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            let owned_by = owners
                .get(s)
                .unwrap_or_else(|| panic!("{s} missing from the selector truth"));
            if let Some(n) = network {
                assert!(
                    owned_by.contains(n),
                    "{s} in a report of {n} but owned by {owned_by:?}"
                );
            }
            *carried.entry(s).or_default() += 1;
        }
    }
    // Each selector's report count is what the reports carry.
    for s in t["selectors"].as_array().unwrap() {
        let text = s["selector"].as_str().unwrap();
        assert_eq!(
            s["reports"].as_u64().unwrap(),
            carried.get(text).copied().unwrap_or(0),
            "{text}"
        );
    }
}

#[test]
fn markings_gradings_and_mo_tags_are_a_realistic_mix() {
    let s = &small().summary;
    for tlp in ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] {
        assert!(
            s.tlp.get(tlp).copied().unwrap_or(0) > 0,
            "no {tlp} in {:?}",
            s.tlp
        );
    }
    let amber_green = s.tlp["AMBER"] + s.tlp["GREEN"];
    assert!(
        amber_green * 2 > s.reports,
        "mostly AMBER and GREEN: {:?}",
        s.tlp
    );
    assert!(s.tlp["RED"] * 10 < s.reports);
    for kind in [
        "fraud_complaint",
        "recruitment_ad",
        "compound_intel",
        "rescue_request",
        "tip",
    ] {
        assert!(s.kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind}");
    }
    assert!(s.kinds["fraud_complaint"] * 2 > s.reports);
    let taxonomy = cordon_core::mo::Taxonomy::get();
    let mut gradings = BTreeSet::new();
    for (_, r) in reports(small()).iter().take(3000) {
        for tag in &r.mo {
            assert_eq!(
                taxonomy.canonical(tag).as_deref(),
                Ok(tag.as_str()),
                "{tag}"
            );
        }
        if let Some(g) = &r.grading {
            assert!(g.parse::<cordon_core::Grading>().is_ok(), "{g}");
            gradings.insert(g.clone());
        }
    }
    assert!(gradings.len() >= 8, "{gradings:?}");
}

#[test]
fn every_report_validates_and_the_truth_matches_normalisation() {
    let now = "2026-03-01T10:00:00Z".parse().unwrap();
    let t = truth(small());
    let by_id: HashMap<&str, &Value> = t["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    let mut mismatches = Vec::new();
    for (agency, r) in reports(small()) {
        let id = r.id.clone().unwrap();
        let report = r
            .validate(now)
            .unwrap_or_else(|e| panic!("{agency} {id} does not validate: {e}: {r:?}"));
        let expected: BTreeSet<&str> = by_id[id.as_str()]["selectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let got: BTreeSet<&str> = report.selectors.iter().map(|s| s.as_str()).collect();
        if expected != got && mismatches.len() < 20 {
            mismatches.push(format!(
                "{id}: truth {expected:?} core {got:?} narrative {:?} selectors {:?}",
                r.narrative, r.selectors
            ));
        }
        // Each listed selector on its own normalises to a truth selector.
        let region: Option<Region> = r.country.as_deref().and_then(|c| c.parse().ok());
        for input in &r.selectors {
            let (value, hint) = match input {
                SelectorInput::Text(v) => (v.as_str(), Hint { kind: None, region }),
                SelectorInput::Typed {
                    kind,
                    value,
                    region: rg,
                } => (
                    value.as_str(),
                    Hint {
                        kind: Some(kind.parse::<SelectorKind>().unwrap()),
                        region: rg.as_deref().map(|x| x.parse().unwrap()).or(region),
                    },
                ),
            };
            for s in selector::normalize(value, &hint).unwrap() {
                assert!(
                    expected.contains(s.as_str()),
                    "{id}: {value} -> {s} not in truth {expected:?}"
                );
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} reports disagree:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn canonical_selectors_in_the_truth_are_canonical_for_core() {
    let t = truth(small());
    for s in t["selectors"].as_array().unwrap() {
        let text = s["selector"].as_str().unwrap();
        let parsed = cordon_core::Selector::parse_canonical(text);
        assert!(parsed.is_ok(), "{text}: {:?}", parsed.err());
    }
}

#[test]
fn the_money_files_hold_together_and_join_the_reports() {
    use cordon_finance::flow::{Conversion, Flow};
    let dir = small().dir.path();
    let s = &small().summary.money;
    let text = fs::read_to_string(dir.join("flows.jsonl")).unwrap();
    let mut ids = HashSet::new();
    let mut last = String::new();
    for (n, line) in text.lines().enumerate() {
        let flow: Flow =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("flows.jsonl:{}: {e}", n + 1));
        assert_eq!(flow.check(), Ok(()), "flows.jsonl:{}", n + 1);
        let time = flow.time.to_rfc3339();
        assert!(last <= time, "flows.jsonl:{} is out of time order", n + 1);
        last = time;
        ids.insert(flow.id);
    }
    assert_eq!(ids.len() as u64, s.flows, "flow ids are unique");
    assert!((10_000..100_000).contains(&s.flows), "{} flows", s.flows);
    let text = fs::read_to_string(dir.join("conversions.jsonl")).unwrap();
    for line in text.lines() {
        let c: Conversion = serde_json::from_str(line).unwrap();
        assert!(ids.contains(&c.from.flow) && ids.contains(&c.to.flow));
    }
    assert_eq!(text.lines().count() as u64, s.conversions);
    let tags = fs::read_to_string(dir.join("tags.jsonl")).unwrap();
    assert_eq!(tags.lines().count() as u64, s.tags);

    let money: Value =
        serde_json::from_slice(&fs::read(dir.join("money_truth.json")).unwrap()).unwrap();
    assert_eq!(money["summary"]["flows"].as_u64(), Some(s.flows));
    assert_eq!(
        truth(small())["summary"]["money"]["flows"].as_u64(),
        Some(s.flows)
    );
    // Reported payments went to what the report lists.
    let t = truth(small());
    let report_selectors: HashMap<&str, BTreeSet<&str>> = t["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let sels = r["selectors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            (r["id"].as_str().unwrap(), sels)
        })
        .collect();
    let payments = money["payments"].as_array().unwrap();
    assert_eq!(payments.len() as u64, s.payments);
    let (mut reported, mut joined) = (0, 0);
    for p in payments {
        assert!(ids.contains(p["flow"].as_str().unwrap()));
        if let Some(r) = p["report"].as_str() {
            reported += 1;
            let sels = &report_selectors[r];
            joined += usize::from(sels.contains(p["to"].as_str().unwrap()));
        }
    }
    assert!(reported > 1_000, "{reported}");
    // And they add up to the loss it states, in its currency.
    let mut sums: HashMap<&str, (rust_decimal::Decimal, String)> = HashMap::new();
    for p in payments {
        if let Some(r) = p["report"].as_str() {
            let asset = p["asset"].as_str().unwrap();
            let symbol = asset.split('@').next().unwrap().to_owned();
            let amount: rust_decimal::Decimal = p["amount"].as_str().unwrap().parse().unwrap();
            let e = sums
                .entry(r)
                .or_insert((rust_decimal::Decimal::ZERO, symbol));
            e.0 += amount;
        }
    }
    let mut matched = 0;
    for (_, r) in reports(small()) {
        let id = r.id.clone().unwrap();
        if let Some((sum, symbol)) = sums.get(id.as_str())
            && r.losses[0].currency == *symbol
        {
            let loss: rust_decimal::Decimal = r.losses[0].amount.parse().unwrap();
            assert_eq!(*sum, loss, "{id}");
            matched += 1;
        }
    }
    assert!(matched * 10 > sums.len() * 8, "{matched} of {}", sums.len());
    assert!(
        joined * 100 >= reported * 95,
        "{joined} of {reported} join their report"
    );
    // Mules and decoys: the truth of mule detection.
    let mules = money["mules"].as_array().unwrap();
    let decoys = money["decoys"].as_array().unwrap();
    assert!(
        mules.len() > 100 && decoys.len() > 20,
        "{} {}",
        mules.len(),
        decoys.len()
    );
    let tags: Vec<cordon_finance::tags::Tag> = tags
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let tagged: HashSet<&str> = tags
        .iter()
        .map(|t| {
            assert_eq!(t.source, "sim");
            t.address.as_str()
        })
        .collect();
    for m in mules {
        assert!(
            !tagged.contains(m["account"].as_str().unwrap()),
            "a mule is tagged"
        );
    }
}

#[test]
fn recruitment_adverts_are_composed_in_the_job_seekers_languages() {
    let t = truth(small());
    let network: HashMap<&str, bool> = t["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), !r["network"].is_null()))
        .collect();
    let mut languages = BTreeSet::new();
    let (mut lures, mut ordinary) = (0, 0);
    for (_, r) in reports(small()) {
        if r.kind.as_deref() != Some("recruitment_ad") {
            continue;
        }
        languages.extend(r.language.clone());
        let id = r.id.clone().unwrap();
        let lower = r.narrative.clone().unwrap_or_default().to_lowercase();
        assert!(!lower.contains(['{', '}']), "{id}: {lower}");
        if network[id.as_str()] {
            lures += 1;
            assert!(
                r.mo.iter().any(|m| m == "recruitment:fake_job_offer"),
                "{id}"
            );
        } else {
            ordinary += 1;
            assert_eq!(r.mo, ["channel:job_board"], "{id}");
            for marker in [
                "tourist visa",
                "visa turis",
                "viza ya utalii",
                "visa du lịch",
            ] {
                assert!(!lower.contains(marker), "{id}: {lower}");
            }
        }
    }
    // Vietnamese adverts are in the training set only: no agency of the
    // world's tables in Vietnam files recruitment adverts.
    for language in ["en", "id", "sw", "th", "tl"] {
        assert!(
            languages.contains(language),
            "no {language} in {languages:?}"
        );
    }
    assert!(ordinary > 30 && lures > ordinary * 5, "{lures} {ordinary}");
}

#[test]
fn the_training_set_of_adverts_is_written_and_counted() {
    let s = &small().summary.adverts;
    let text = fs::read_to_string(small().dir.path().join("prevent/adverts.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, s.adverts);
    assert_eq!(s.adverts, 2_000);
    let trafficking = lines.iter().filter(|l| l["label"] == "trafficking").count() as u64;
    assert_eq!(s.labels["trafficking"], trafficking);
    assert_eq!(s.labels["legitimate"], s.adverts - trafficking);
    assert_eq!(s.languages.len(), 6, "{:?}", s.languages);
}
