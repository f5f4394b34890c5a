//! Three national nodes and a matching service, each its own process on
//! its own port and database (one on PostgreSQL): what syncs, what only
//! matches, what never leaves, and that a crash, a restart or a key
//! rotation loses and duplicates nothing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Served, client, free_port, run_with as run, wait_ready};

struct Node {
    name: &'static str,
    dir: PathBuf,
    db: String,
    port: u16,
    env: Vec<(&'static str, String)>,
    served: Option<Served>,
}

impl Node {
    fn env(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    fn cordon(&self, args: &[&str]) -> String {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--db", &self.db]);
        run(&all, &self.dir, &self.env())
    }

    fn agency(&self, code: &str, kind: &str) {
        let country = &code[..2];
        self.cordon(&[
            "agency",
            "add",
            "--code",
            code,
            "--name",
            code,
            "--country",
            country,
            "--kind",
            kind,
            "--contact",
            &format!("desk@{}.example", code.to_lowercase()),
        ]);
    }

    /// A user with a token.
    fn user(&self, agency: &str, name: &str, role: &str) -> String {
        self.cordon(&[
            "user", "add", "--agency", agency, "--name", name, "--role", role,
        ]);
        self.cordon(&["token", "create", "--agency", agency, "--user", name])
            .lines()
            .find(|l| l.starts_with("cordon_"))
            .unwrap()
            .to_owned()
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let bind = format!("127.0.0.1:{}", self.port);
        let federation = self.dir.join("federation.json");
        let args = [
            "serve",
            "--db",
            &self.db,
            "--bind",
            &bind,
            "--federation",
            federation.to_str().unwrap(),
            "--rate",
            "0",
        ];
        let env = self.env();
        self.served = Some(Served::start_with(&args, &self.dir, "serving", &env));
        wait_ready(&self.base());
    }

    /// Ends the process at once, as a crash would (no graceful stop).
    fn crash(&mut self) {
        drop(self.served.take());
    }

    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = client()
            .get(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    fn submit(&self, token: &str, reports: Value) {
        let r = client()
            .post(format!("{}/api/v1/reports", self.base()))
            .bearer_auth(token)
            .json(&reports)
            .send()
            .unwrap();
        let status = r.status();
        assert_eq!(status, 200, "{}: {}", self.name, r.text().unwrap());
    }
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn report(id: &str, tlp: &str, recipients: &[&str], selectors: &[&str]) -> Value {
    json!({
        "id": id, "kind": "compound_intel", "country": "TH",
        "marking": {"tlp": tlp, "recipients": recipients},
        "narrative": format!("report {id}"), "selectors": selectors
    })
}

/// Hits of an agency on a node, as (selector, peer node, peer agency).
fn hits(node: &Node, token: &str) -> (u64, Vec<(String, String, String)>) {
    let (status, body) = node.get(token, "/api/v1/federation/hits");
    assert_eq!(status, 200, "{body}");
    let mut all: Vec<(String, String, String)> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["selector"].as_str().unwrap().to_owned(),
                h["node"].as_str().unwrap().to_owned(),
                h["peer_agency"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    all.sort();
    all.dedup();
    (body["epoch"].as_u64().unwrap(), all)
}

fn owned(s: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    s.iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

#[test]
fn three_nodes_sync_what_may_leave_match_what_may_not_and_lose_nothing() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();

    // PH's node runs on PostgreSQL, in a schema of its own.
    let Some(schema) = common::PgSchema::create("fed") else {
        return;
    };
    let mut nodes: Vec<Node> = [("TH", false), ("KE", false), ("PH", true)]
        .into_iter()
        .map(|(name, postgres)| {
            let dir = r.join(name.to_lowercase());
            std::fs::create_dir_all(&dir).unwrap();
            let (db, env) = if postgres {
                (
                    schema.db.clone(),
                    vec![("CORDON_TOKEN_KEY", "ab".repeat(32))],
                )
            } else {
                (
                    format!("sqlite://{}", dir.join("cordon.db").display()),
                    Vec::new(),
                )
            };
            Node {
                name,
                dir,
                db,
                port: free_port(),
                env,
                served: None,
            }
        })
        .collect();

    // The matching service and a token for each node.
    let (keys, nodes_file) = (r.join("keys.json"), r.join("nodes.json"));
    let mut match_tokens = Vec::new();
    for n in &nodes {
        match_tokens.push(run(
            &[
                "match-service",
                "add-node",
                "--nodes",
                nodes_file.to_str().unwrap(),
                "--node",
                n.name,
            ],
            r,
            &[],
        ));
    }
    let match_bind = format!("127.0.0.1:{}", free_port());
    let matching = Served::start(
        &[
            "match-service",
            "serve",
            "--keys",
            keys.to_str().unwrap(),
            "--nodes",
            nodes_file.to_str().unwrap(),
            "--bind",
            &match_bind,
            "--rotate-every",
            "90d",
        ],
        r,
        "match-service",
    );

    // Each node: its own agency, an analyst, and a node agency with a
    // peer account for each of the others.
    let own = ["TH-DSI", "KE-DCI", "PH-NBI"];
    let mut analysts = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        n.agency(own[i], "police");
        analysts.push(n.user(own[i], "ana", "admin"));
    }
    nodes[0].agency("TH-AMLO", "fiu");
    // peer_tokens[i][j]: the token node i issued to node j.
    let mut peer_tokens = vec![vec![String::new(); 3]; 3];
    for (i, n) in nodes.iter().enumerate() {
        for (j, other) in ["TH", "KE", "PH"].iter().enumerate() {
            if i != j {
                let code = format!("{other}-NODE");
                n.agency(&code, "node");
                peer_tokens[i][j] = n.user(&code, "sync", "peer");
            }
        }
    }
    // A node's user of a node agency must be a peer, and a member's not.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args([
            "user",
            "add",
            "--agency",
            "KE-NODE",
            "--name",
            "x",
            "--role",
            "analyst",
            "--db",
            &nodes[0].db,
        ])
        .current_dir(&nodes[0].dir)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("peer accounts"));

    // What each node takes from each peer: PH takes only GREEN from TH.
    for (i, n) in nodes.iter().enumerate() {
        let peers: Vec<Value> = (0..3)
            .filter(|&j| j != i)
            .map(|j| {
                let accept = if i == 2 && j == 0 { "GREEN" } else { "AMBER" };
                json!({
                    "node": nodes[j].name, "url": nodes[j].base(),
                    "token": peer_tokens[j][i], "accept": accept, "amber_to": [own[i]],
                    // Small pages, so that pages end inside reports.
                    "page": 7
                })
            })
            .collect();
        let file = json!({
            "node": n.name, "every_seconds": 1,
            "matching": {"url": format!("http://{match_bind}"), "token": match_tokens[i]},
            "peers": peers
        });
        std::fs::write(n.dir.join("federation.json"), file.to_string()).unwrap();
    }
    let (th, ke, ph) = (&analysts[0], &analysts[1], &analysts[2]);

    // Planted before the nodes start: what must never leave TH comes
    // first in its stream, so that the arrival of what follows proves it
    // was passed over, not merely late.
    let (a, b, c, d, e, f, g, h) = (
        "+66811111111",
        "+66822222222",
        "+66833333333",
        "+66844444444",
        "+66855555555",
        "+66866666666",
        "+66877777777",
        "+66888888888",
    );
    for n in nodes.iter_mut() {
        n.start();
    }
    let [t, k, p] = [0, 1, 2];
    nodes[t].submit(
        th,
        json!([
            report("th-amber-amlo", "AMBER", &["TH-AMLO"], &[d]),
            report("th-strict", "AMBER+STRICT", &["KE-NODE"], &[e]),
            report("th-red", "RED", &["TH-DSI/ana"], &[f]),
            report("th-amber-ph", "AMBER", &["PH-NODE"], &[h]),
            report("th-clear", "CLEAR", &[], &[a]),
            report("th-green", "GREEN", &[], &[b]),
            report("th-amber-ke", "AMBER", &["KE-NODE"], &[c]),
        ]),
    );
    nodes[k].submit(
        ke,
        json!([report("ke-red", "RED", &["KE-DCI/ana"], &[d, e, f, g])]),
    );
    nodes[p].submit(ph, json!([report("ph-amber", "AMBER", &["PH-NBI"], &[f])]));

    // A peer's token pulls and nothing else: no API, no TAXII writes, and
    // only this node's own agencies' collections.
    let ke_at_th = &peer_tokens[t][k];
    assert_eq!(nodes[t].get(ke_at_th, "/api/v1/me").0, 403);
    let posted = client()
        .post(format!(
            "{}/taxii2/cordon/collections/all/objects/",
            nodes[t].base()
        ))
        .bearer_auth(ke_at_th)
        .header("Content-Type", "application/taxii+json;version=2.1")
        .header("Accept", "application/taxii+json;version=2.1")
        .body(r#"{"objects": []}"#)
        .send()
        .unwrap();
    assert_eq!(posted.status(), 403);
    let listed = client()
        .get(format!("{}/taxii2/cordon/collections/", nodes[t].base()))
        .bearer_auth(ke_at_th)
        .header("Accept", "application/taxii+json;version=2.1")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        listed.contains("TH-DSI") && !listed.contains("-NODE"),
        "{listed}"
    );

    // What syncs: CLEAR, GREEN, and AMBER addressed to the node.
    let read =
        |n: &Node, token: &str, id: &str| n.get(token, &format!("/api/v1/reports/TH-DSI/{id}"));
    until("KE receives TH's shareable reports", || {
        ["th-clear", "th-green", "th-amber-ke"]
            .iter()
            .all(|id| read(&nodes[k], ke, id).0 == 200)
    });
    until("PH receives TH's CLEAR and GREEN", || {
        ["th-clear", "th-green"]
            .iter()
            .all(|id| read(&nodes[p], ph, id).0 == 200)
    });
    // Every TAXII read path, as KE's peer account at TH: nothing of what
    // may not leave KE's way, not even its observables.
    let taxii = |path: &str| {
        let r = client()
            .get(format!("{}/taxii2/cordon/{path}", nodes[t].base()))
            .bearer_auth(ke_at_th)
            .header("Accept", "application/taxii+json;version=2.1")
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let withheld = ["th-amber-amlo", "th-strict", "th-red", "th-amber-ph"];
    for path in [
        "collections/all/objects/?limit=10000",
        "collections/TH-DSI/objects/?limit=10000",
        "collections/all/manifest/?limit=10000",
    ] {
        let (status, body) = taxii(path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            body.contains("report th-amber-ke") || path.contains("manifest"),
            "{path}"
        );
        for id in withheld {
            let uuid = cordon_interop::stix::ids::report_uuid("TH-DSI", id);
            assert!(
                !body.contains(&format!("report {id}\"")),
                "{path} shows {id}"
            );
            assert!(!body.contains(&uuid.to_string()), "{path} shows {id}'s id");
        }
        for selector in [d, e, f, h] {
            assert!(!body.contains(selector), "{path} shows {selector}");
        }
    }
    for id in withheld {
        let uuid = cordon_interop::stix::ids::report_uuid("TH-DSI", id);
        for path in [
            format!("collections/all/objects/report--{uuid}/"),
            format!("collections/all/objects/report--{uuid}/versions/"),
        ] {
            let (status, body) = taxii(&path);
            assert_eq!(status, 404, "{path}: {body}");
        }
    }

    // What never leaves, or is refused: 404 as for what does not exist.
    for id in ["th-amber-amlo", "th-strict", "th-red", "th-amber-ph"] {
        assert_eq!(read(&nodes[k], ke, id).0, 404, "{id} reached KE");
    }
    for id in [
        "th-amber-ke",
        "th-amber-amlo",
        "th-strict",
        "th-red",
        "th-amber-ph",
    ] {
        assert_eq!(read(&nodes[p], ph, id).0, 404, "{id} reached PH");
    }
    // A marking only narrows: TH's AMBER for KE is read at KE by its
    // amber_to agency only; GREEN stays GREEN; the owner stays TH-DSI.
    let (_, amber) = read(&nodes[k], ke, "th-amber-ke");
    assert_eq!(amber["report"]["marking"]["tlp"], "AMBER", "{amber}");
    assert_eq!(amber["report"]["marking"]["recipients"], json!(["KE-DCI"]));
    assert_eq!(amber["agency"], "TH-DSI");
    let (_, green) = read(&nodes[p], ph, "th-green");
    assert_eq!(green["report"]["marking"]["tlp"], "GREEN");
    // Nothing of TH's RED report is at KE, not even as a holder of F.
    let (_, held) = nodes[k].get(
        ke,
        &format!("/api/v1/hits?selector={}", f.replace('+', "%2B")),
    );
    assert!(!held.to_string().contains("TH-DSI"), "{held}");
    // Provenance: KE knows TH-DSI came from node TH, and PH counted the
    // AMBER it refused.
    let (_, status) = nodes[k].get(ke, "/api/v1/federation/status");
    assert_eq!(status["origins"]["TH-DSI"], "TH", "{status}");
    until("PH counts the refused AMBER", || {
        let (_, s) = nodes[p].get(ph, "/api/v1/federation/status");
        s["peers"].as_array().is_some_and(|peers| {
            peers
                .iter()
                .any(|x| x["node"] == "TH" && x["refused"].as_u64() >= Some(1))
        })
    });
    // The sender audited the peer's reads of its agency's data.
    let (_, audit) = nodes[t].get(th, "/api/v1/audit");
    assert!(audit.to_string().contains("KE-NODE"), "{audit}");

    // What only matches: D, E and F are withheld by TH and held by KE's
    // RED report; F by PH too. G is KE's alone; A, B and C are shareable.
    let want_th = owned(&[
        (d, "KE", "KE-DCI"),
        (e, "KE", "KE-DCI"),
        (f, "KE", "KE-DCI"),
        (f, "PH", "PH-NBI"),
    ]);
    let want_ke = owned(&[
        (d, "TH", "TH-DSI"),
        (e, "TH", "TH-DSI"),
        (f, "PH", "PH-NBI"),
        (f, "TH", "TH-DSI"),
    ]);
    let phone = |s: &str| format!("phone:{s}");
    let canon = |v: Vec<(String, String, String)>| -> Vec<(String, String, String)> {
        let mut v: Vec<_> = v.into_iter().map(|(s, n, a)| (phone(&s), n, a)).collect();
        v.sort();
        v
    };
    until("both owners see their hits", || {
        let (a, b) = (hits(&nodes[t], th).1, hits(&nodes[k], ke).1);
        a == canon(want_th.clone()) && b == canon(want_ke.clone())
    });
    until("PH sees its hits", || {
        hits(&nodes[p], ph).1 == canon(owned(&[(f, "KE", "KE-DCI"), (f, "TH", "TH-DSI")]))
    });

    // A crash and a restart lose and duplicate nothing: KE dies, TH takes
    // thirty more reports, KE comes back and resumes from its checkpoint.
    nodes[k].crash();
    let bulk: Vec<Value> = (0..30)
        .map(|i| {
            report(
                &format!("th-bulk-{i}"),
                "GREEN",
                &[],
                &[&format!("+6690000{i:04}")],
            )
        })
        .collect();
    nodes[t].submit(th, Value::Array(bulk));
    nodes[k].start();
    until("KE resumes and takes the thirty", || {
        (0..30).all(|i| read(&nodes[k], ke, &format!("th-bulk-{i}")).0 == 200)
    });
    // The sender drops too; a revision made after it is back arrives as
    // a new revision, and everything else is still revision 1.
    nodes[t].crash();
    nodes[t].start();
    let mut revised = report("th-green", "GREEN", &[], &[b]);
    revised["narrative"] = json!("report th-green, revised");
    nodes[t].submit(th, json!([revised]));
    until("the revision reaches KE and PH", || {
        [k, p].iter().all(|&n| {
            let token = &analysts[n];
            read(&nodes[n], token, "th-green").1["revision"] == 2
        })
    });
    for id in ["th-clear", "th-amber-ke", "th-bulk-0", "th-bulk-29"] {
        assert_eq!(read(&nodes[k], ke, id).1["revision"], 1, "{id}");
    }
    let (_, listed) = nodes[k].get(ke, "/api/v1/reports?agency=TH-DSI&limit=200");
    let ids: Vec<&str> = listed["reports"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|r| r["report"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 33, "each report once: {ids:?}");

    // Revocation: TH re-marks a report RED; the peers that had it
    // withdraw their copies (no one there reads or learns of it any more).
    let mut tightened = report("th-green", "RED", &["TH-DSI/ana"], &[b]);
    tightened["narrative"] = json!("report th-green, revised");
    nodes[t].submit(th, json!([tightened]));
    until("KE and PH withdraw TH's re-marked report", || {
        [k, p]
            .iter()
            .all(|&n| read(&nodes[n], &analysts[n], "th-green").0 == 404)
    });
    for (n, token) in [(k, ke), (p, ph)] {
        let (_, s) = nodes[n].get(token, "/api/v1/federation/status");
        let th_status = s["peers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["node"] == "TH")
            .unwrap()
            .clone();
        assert_eq!(th_status["withdrawn"], 1, "{s}");
        let (_, held) = nodes[n].get(
            token,
            &format!("/api/v1/hits?selector={}", b.replace('+', "%2B")),
        );
        assert!(!held.to_string().contains("TH-DSI"), "{held}");
    }

    // Key rotation: a new epoch, every node pseudonymises again, and the
    // same hits come back under it.
    let before = hits(&nodes[t], th).0;
    run(
        &["match-service", "rotate", "--keys", keys.to_str().unwrap()],
        r,
        &[],
    );
    until("the hits return under the new epoch", || {
        let (epoch, got) = hits(&nodes[t], th);
        epoch == before + 1 && got == canon(want_th.clone())
    });
    until("KE follows the new epoch", || {
        let (epoch, got) = hits(&nodes[k], ke);
        epoch == before + 1 && got == canon(want_ke.clone())
    });
    drop(matching);
}
