//! The peer check of TagPack export: GraphSense's own `tagpack-tool`
//! (pinned in requirements.txt) validates a pack Cordon writes, offline,
//! against its schema and its concept and confidence taxonomies, and
//! refuses a pack with a concept outside them (the control).
//!
//! The tool comes from the test virtualenv; without it the test is
//! skipped loudly, and under CI (`CORDON_REQUIRE_SERVICES=1`) it fails.

use std::path::Path;
use std::process::Command;

use cordon_finance::tags::tagpack::{TagPackHeader, read_tagpack, write_tagpack};
use cordon_finance::tags::{Category, Tag};

/// Runs `tagpack-tool tagpack validate <pack>`; `None` when the tool is
/// missing outside CI.
fn validate(pack: &Path) -> Option<(bool, String)> {
    let python = cordon_testkit::python()?;
    let probe = Command::new(&python)
        .args(["-c", "import tagpack.cli"])
        .output()
        .expect("python runs");
    if !probe.status.success() {
        let how = "install requirements.txt (tagpack-tool) into the test virtualenv";
        if cordon_testkit::services_required() {
            panic!("tagpack-tool is required under CI but missing: {how}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: tagpack-tool is missing ({how}) !!!!!!!!\n");
        return None;
    }
    let dir = pack.parent().expect("the pack is in a directory");
    let out = Command::new(&python)
        .current_dir(dir)
        .args([
            "-c",
            "import sys; from tagpack.cli import main; sys.argv = ['tagpack-tool'] + sys.argv[1:]; sys.exit(main())",
            "tagpack",
            "validate",
        ])
        .arg(pack)
        .output()
        .expect("tagpack-tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((
        out.status.success() && text.contains("1/1 TagPacks passed"),
        text,
    ))
}

fn tags() -> Vec<Tag> {
    let mut tags = vec![
        Tag::new(
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "Exchange hot wallet",
            Category::Exchange,
            "https://example.org/exchange-disclosure",
            100,
        )
        .unwrap(),
        Tag::new(
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            "Mixer deposit",
            Category::Mixer,
            "web crawl 2026-01",
            20,
        )
        .unwrap(),
        Tag::new(
            "0x52908400098527886e0f7030069857d2e4169ee7",
            "Bridge contract",
            Category::Bridge,
            "bridge documentation",
            90,
        )
        .unwrap(),
        Tag::new(
            "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "Huione-style payment processor",
            Category::PaymentProcessor,
            "agency KH-NCB",
            60,
        )
        .unwrap(),
        Tag::new(
            "TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b",
            "OTC desk \"Golden\": cash for USDT",
            Category::OtcDesk,
            "agency TH-CCIB",
            75,
        )
        .unwrap(),
        Tag::new(
            "TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS",
            "mule wallet, network 7",
            Category::Mule,
            "report 2026/17",
            50,
        )
        .unwrap(),
        Tag::new(
            "bsc:0x8617e340b3d01fa5f11f306f4090fd50e238070d",
            "fake trading platform deposit",
            Category::ScamDeposit,
            "victim complaint",
            40,
        )
        .unwrap(),
        Tag::new(
            "TVoXvVBo8kZqo1PfPYbjZ3Sv8Wc9BexQUr",
            "unknown service",
            Category::Other,
            "heuristic",
            3,
        )
        .unwrap(),
    ];
    tags[5].context = Some("first seen in a recruitment ad: 'easy job'".into());
    tags
}

fn header() -> TagPackHeader {
    TagPackHeader {
        title: "Cordon export: scam compound money flows".into(),
        creator: "Cordon".into(),
        description: Some(
            "attribution tags exported from Cordon for a GraphSense peer check".into(),
        ),
        is_public: None,
    }
}

#[test]
fn tagpack_tool_validates_an_exported_pack() {
    let tags = tags();
    let yaml = write_tagpack(&header(), &tags).unwrap();
    assert_eq!(read_tagpack(&yaml).unwrap().tags, tags, "{yaml}");
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("cordon.yaml");
    std::fs::write(&pack, &yaml).unwrap();
    let Some((passed, output)) = validate(&pack) else {
        return;
    };
    assert!(passed, "tagpack-tool refused:\n{yaml}\n{output}");
    assert!(!output.contains("FAILED"), "{output}");
    assert!(!output.contains("Possible invalid"), "{output}");

    // The control: a concept outside GraphSense's taxonomy is refused, so
    // the pass above means something.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        yaml.replacen("category: mixing_service", "category: mule", 1),
    )
    .unwrap();
    let (passed, output) = validate(&bad).expect("validated once already");
    assert!(
        !passed,
        "tagpack-tool accepted an unknown concept:\n{output}"
    );
    assert!(output.contains("Undefined concept mule"), "{output}");
}

/// A pack shaped like those in GraphSense's public repository loads:
/// header defaults, capitalised old categories, numeric confidences,
/// mapping contexts, and chains without a Cordon selector skipped.
#[test]
fn a_public_style_pack_loads() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/public_style.tagpack.yaml");
    let pack = read_tagpack(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(pack.header.title, "Public-style demo pack");
    let got: Vec<(&str, &str, Category, u8)> = pack
        .tags
        .iter()
        .map(|t| {
            (
                t.address.as_str(),
                t.label.as_str(),
                t.category,
                t.confidence.get(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
                "Demo Exchange",
                Category::Exchange,
                50
            ),
            (
                "eth:0x52908400098527886e0f7030069857d2e4169ee7",
                "Demo Exchange",
                Category::Exchange,
                50
            ),
            (
                "xrp:rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
                "Demo Exchange",
                Category::Exchange,
                50
            ),
            (
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                "Pig-butchering platform deposit",
                Category::ScamDeposit,
                60
            ),
        ]
    );
    assert!(
        pack.tags[3]
            .context
            .as_deref()
            .unwrap()
            .contains("advisory")
    );
    let skipped: Vec<(u64, bool)> = pack
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.contains("no selector")))
        .collect();
    assert_eq!(skipped, [(18, true), (25, true)]);
}
