//! `cordon flows import`, `cordon trace`, `cordon flows mules` and
//! `cordon flows cluster` on an SQLite store: flows, conversions and a
//! TagPack imported under a marking; a file with a bad line writes nothing
//! and names it; traces, mule accounts and clusters read only what the
//! agency may read.

mod common;

use common::{cordon, fails, ok};

fn data(name: &str) -> String {
    cordon_testkit::workspace_root()
        .join("crates/finance/tests/data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn money_is_imported_then_traced_as_an_agency_may_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("cordon.db").display());
    three_agencies(&db, d);
    let victim = "TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b";
    let deposit = "TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS";
    let exchange = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
    let flows = d.join("case.jsonl");
    std::fs::write(
        &flows,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "pay-1", "asset": "USDT@tron", "time": "2026-02-01T10:00:00Z",
                "inputs": [{"address": victim, "amount": "1000"}],
                "outputs": [{"address": deposit, "amount": "1000"}]}),
            serde_json::json!({"id": "cash-1", "asset": "USDT@tron", "time": "2026-02-01T11:00:00Z",
                "inputs": [{"address": deposit, "amount": "600"}],
                "outputs": [{"address": exchange, "amount": "600"}]}),
        ),
    )
    .unwrap();
    let tags = d.join("tags.jsonl");
    std::fs::write(
        &tags,
        serde_json::json!({"address": exchange, "label": "Big Exchange", "category": "exchange",
                           "source": "test", "confidence": 90})
        .to_string(),
    )
    .unwrap();
    let flows_arg = flows.display().to_string();
    let tags_arg = tags.display().to_string();
    let imported = String::from_utf8_lossy(
        &cordon(
            &[
                "flows",
                "import",
                "--db",
                &db,
                "--agency",
                "GB-NCA",
                "--tlp",
                "AMBER",
                "--recipients",
                "KH-NCB",
                &flows_arg,
                &tags_arg,
            ],
            d,
        )
        .stdout,
    )
    .into_owned();
    assert!(imported.contains("2 added, 0 unchanged"), "{imported}");
    assert!(imported.contains("1 added, 0 unchanged"), "{imported}");
    // Again: nothing new.
    let again = String::from_utf8_lossy(
        &cordon(
            &[
                "flows",
                "import",
                "--db",
                &db,
                "--agency",
                "GB-NCA",
                "--tlp",
                "AMBER",
                "--recipients",
                "KH-NCB",
                &flows_arg,
            ],
            d,
        )
        .stdout,
    )
    .into_owned();
    assert!(again.contains("0 added, 2 unchanged"), "{again}");
    // A bank export and explorer files from the finance fixtures.
    ok(
        &[
            "flows",
            "import",
            "--db",
            &db,
            "--agency",
            "GB-NCA",
            &data("bank_transfers.csv"),
            &data("public_style.tagpack.yaml"),
        ],
        d,
    );

    // A bad line: named with its field, and nothing of the file written.
    let bad = d.join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{}\n{{\"id\": \"x\"}}\n",
            serde_json::json!({"id": "pay-2", "asset": "USDT@tron", "time": "2026-02-01T10:00:00Z",
                "inputs": [{"address": victim, "amount": "5"}],
                "outputs": [{"address": deposit, "amount": "5"}]}),
        ),
    )
    .unwrap();
    let said = fails(
        &[
            "flows",
            "import",
            "--db",
            &db,
            "--agency",
            "GB-NCA",
            &bad.display().to_string(),
        ],
        d,
    );
    assert!(
        said.contains("1 bad line(s), nothing imported") && said.contains("line 2"),
        "{said}"
    );
    let said = fails(
        &[
            "flows",
            "import",
            "--db",
            &db,
            "--agency",
            "GB-NCA",
            "--tlp",
            "RED",
            "--recipients",
            "KH-NCB",
            &flows_arg,
        ],
        d,
    );
    assert!(said.contains("--recipients"), "{said}");
    let said = fails(
        &[
            "flows", "import", "--db", &db, "--agency", "XX-NONE", &flows_arg,
        ],
        d,
    );
    assert!(said.contains("XX-NONE"), "{said}");

    // The recipient traces the payment: 600 of it reaches the exchange.
    let out = cordon(
        &[
            "trace",
            "--db",
            &db,
            "--agency",
            "KH-NCB",
            "--flow",
            "pay-1",
            "--address",
            deposit,
            "--models",
            "haircut,fifo",
        ],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let traced: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let services = traced["trace"]["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{traced}");
    assert_eq!(services[0]["service"], "Big Exchange");
    assert_eq!(services[0]["amounts"]["haircut"], "600");
    // An outsider may read none of it: the seed is no flow to it.
    let said = fails(
        &[
            "trace",
            "--db",
            &db,
            "--agency",
            "PH-NBI",
            "--flow",
            "pay-1",
            "--address",
            deposit,
        ],
        d,
    );
    assert!(
        said.contains("seeds[0]") && said.contains("among the flows you may read"),
        "{said}"
    );
}

/// Agencies GB-NCA (owner), KH-NCB (a recipient) and PH-NBI (neither).
fn three_agencies(db: &str, d: &std::path::Path) {
    for (code, country) in [("GB-NCA", "GB"), ("KH-NCB", "KH"), ("PH-NBI", "PH")] {
        ok(
            &[
                "agency",
                "add",
                "--db",
                db,
                "--code",
                code,
                "--name",
                code,
                "--country",
                country,
                "--kind",
                "ncb",
                "--contact",
                "desk@example.org",
            ],
            d,
        );
    }
}

#[test]
fn mule_accounts_and_clusters_are_found_in_what_an_agency_may_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("cordon.db").display());
    three_agencies(&db, d);
    // Six victims pay the mule within two days; it passes each on within
    // hours to its handler.
    let victims = [
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "BE68539007547034",
    ];
    let (mule, handler) = ("DE89370400440532013000", "CH9300762011623852957");
    let mut lines = Vec::new();
    for (i, v) in victims.iter().enumerate() {
        let paid = format!("2026-02-0{}T{:02}:00:00Z", 1 + i / 3, (i % 3) * 8);
        let sent = format!("2026-02-0{}T{:02}:30:00Z", 1 + i / 3, (i % 3) * 8 + 3);
        lines.push(
            serde_json::json!({"id": format!("in-{i}"), "asset": "EUR@bank", "time": paid,
            "inputs": [{"address": format!("iban:{v}"), "amount": "1000"}],
            "outputs": [{"address": format!("iban:{mule}"), "amount": "1000"}]}),
        );
        lines.push(
            serde_json::json!({"id": format!("out-{i}"), "asset": "EUR@bank", "time": sent,
            "inputs": [{"address": format!("iban:{mule}"), "amount": "990"}],
            "outputs": [{"address": format!("iban:{handler}"), "amount": "990"}]}),
        );
    }
    // Two wallets spent together: one owner's.
    let (a, b) = (
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    );
    lines.push(
        serde_json::json!({"id": "cospend", "asset": "BTC", "time": "2026-02-03T10:00:00Z",
        "inputs": [{"address": a, "amount": "0.5"}, {"address": b, "amount": "0.3"}],
        "outputs": [{"address": "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "amount": "0.79"}],
        "fee": "0.01"}),
    );
    let file = d.join("mules.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    ok(
        &[
            "flows",
            "import",
            "--db",
            &db,
            "--agency",
            "GB-NCA",
            "--tlp",
            "AMBER",
            "--recipients",
            "KH-NCB",
            &file.display().to_string(),
        ],
        d,
    );

    let json = |args: &[&str]| -> serde_json::Value {
        let out = cordon(args, d);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let found = json(&["flows", "mules", "--db", &db, "--agency", "KH-NCB"]);
    let accounts = found["accounts"].as_array().unwrap();
    let m = accounts
        .iter()
        .find(|x| x["address"] == format!("iban:{mule}"))
        .unwrap_or_else(|| panic!("{found}"));
    let patterns: Vec<&str> = m["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pattern"].as_str().unwrap())
        .collect();
    assert!(patterns.contains(&"fan_in"), "{m}");
    assert!(patterns.contains(&"rapid_pass_through"), "{m}");
    assert!(m["score"].as_f64().unwrap() >= 0.4, "{m}");
    // No victim is a suspect.
    assert!(
        accounts
            .iter()
            .all(|x| x["address"] != format!("iban:{}", victims[0]))
    );
    // An agency that may read none of it finds nothing.
    let outsider = json(&["flows", "mules", "--db", &db, "--agency", "PH-NBI"]);
    assert_eq!(outsider["accounts"], serde_json::json!([]), "{outsider}");
    let said = fails(
        &[
            "flows",
            "mules",
            "--db",
            &db,
            "--agency",
            "KH-NCB",
            "--min-score",
            "2",
        ],
        d,
    );
    assert!(said.contains("--min-score is between 0 and 1"), "{said}");

    let cluster = json(&[
        "flows",
        "cluster",
        "--db",
        &db,
        "--agency",
        "KH-NCB",
        "--address",
        a,
    ]);
    let members: Vec<&str> = cluster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(members.contains(&format!("btc:{b}").as_str()), "{cluster}");
    let joined = &cluster["evidence"][0][0];
    assert_eq!(joined["heuristic"], "co_spend", "{cluster}");
    assert_eq!(joined["flow"], "cospend", "{cluster}");
    // To the outsider the wallet is in no flow at all.
    let said = fails(
        &[
            "flows",
            "cluster",
            "--db",
            &db,
            "--agency",
            "PH-NBI",
            "--address",
            a,
        ],
        d,
    );
    assert!(
        said.contains("address") && said.contains("in no flow you may read"),
        "{said}"
    );
}
