//! `cordon flows import` and `cordon trace` on an SQLite store: flows,
//! conversions and a TagPack imported under a marking; a file with a bad
//! line writes nothing and names it; a trace reads only what the agency may
//! read.

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
    for (code, country) in [("GB-NCA", "GB"), ("KH-NCB", "KH"), ("PH-NBI", "PH")] {
        ok(
            &[
                "agency",
                "add",
                "--db",
                &db,
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
