//! The leak suite: every read path of the server, for every marking with
//! and without hit notification, for every kind of viewer, checked against
//! the rules of `access.rs` (written out again here as a table, so that the
//! server's own `sight` is not what it is checked against). A viewer who may
//! not read a report must find in no answer its narrative word or its id,
//! and, where its owner turned hit notification off, not even its owner.
//!
//! Runs through the real server over HTTP, on SQLite and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use common::{
    A, Backend, O, R, World, console_login, contact_of, encode, eventually, listed_ids,
    test_config, who,
};

on_both_backends!(
    every_path_shows_each_viewer_exactly_what_it_may_read,
    a_tightened_revision_takes_back_what_the_old_one_showed,
);

/// What a viewer may learn of one report (the rules of `access.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sight {
    Hidden,
    Contact,
    Read,
}

/// The viewers of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Viewer {
    Public,
    /// The owner's contributor: reads all of its own agency's reports.
    OwnerContributor,
    /// The recipient agency's analyst named in the RED marking.
    RecipientNamed,
    /// Another analyst of the recipient agency.
    RecipientOther,
    RecipientContributor,
    OutsiderAdmin,
    OutsiderAnalyst,
}

const VIEWERS: [Viewer; 7] = [
    Viewer::Public,
    Viewer::OwnerContributor,
    Viewer::RecipientNamed,
    Viewer::RecipientOther,
    Viewer::RecipientContributor,
    Viewer::OutsiderAdmin,
    Viewer::OutsiderAnalyst,
];

impl Viewer {
    /// `AGENCY/user`, or `None` for the public.
    fn who(self) -> Option<String> {
        let (agency, user) = match self {
            Viewer::Public => return None,
            Viewer::OwnerContributor => (A, "contributor"),
            Viewer::RecipientNamed => (R, "analyst"),
            Viewer::RecipientOther => (R, "analyst2"),
            Viewer::RecipientContributor => (R, "contributor"),
            Viewer::OutsiderAdmin => (O, "admin"),
            Viewer::OutsiderAnalyst => (O, "analyst"),
        };
        Some(who(agency, user))
    }

    fn agency(self) -> Option<&'static str> {
        match self {
            Viewer::Public => None,
            Viewer::OwnerContributor => Some(A),
            Viewer::RecipientNamed | Viewer::RecipientOther | Viewer::RecipientContributor => {
                Some(R)
            }
            Viewer::OutsiderAdmin | Viewer::OutsiderAnalyst => Some(O),
        }
    }

    fn is_contributor(self) -> bool {
        matches!(
            self,
            Viewer::OwnerContributor | Viewer::RecipientContributor
        )
    }

    /// Whether it reads an operation the owner's analyst leads with the
    /// recipient agency taking part, RED naming the recipient's analyst
    /// (the rules of `access::reads_operation`).
    fn reads_operation(self, tlp: &str) -> bool {
        match self {
            Viewer::RecipientNamed => true,
            Viewer::RecipientOther => tlp != "RED",
            _ => false,
        }
    }

    /// How many overlaps of those operations it is told of: their readers
    /// as a party; the outsider's analysts as the agency whose hit query
    /// met them, and each as the keeper of its own watch on the shared
    /// selector (kept earlier in its round; the outsiders come last).
    fn told_of_overlaps(self) -> usize {
        match self {
            Viewer::OutsiderAdmin | Viewer::OutsiderAnalyst => 2 * TLPS.len(),
            v => TLPS
                .iter()
                .filter(|(tlp, _)| v.reads_operation(tlp))
                .count(),
        }
    }
}

/// One of the owner's reports.
#[derive(Debug, Clone)]
struct Case {
    tlp: &'static str,
    hit_notification: bool,
    id: String,
    /// A word found only in this report's narrative.
    word: String,
    /// A selector held only by this report, as typed and canonical.
    unique: String,
    unique_canonical: String,
}

const TLPS: [(&str, &str); 5] = [
    ("CLEAR", "cl"),
    ("GREEN", "gr"),
    ("AMBER", "am"),
    ("AMBER+STRICT", "as"),
    ("RED", "rd"),
];

/// The selectors every case holds, as typed and canonical.
const SHARED: [(&str, &str); 4] = [
    ("+855 12 876 543", "phone:+85512876543"),
    ("leak.shared@example.com", "email:leak.shared@example.com"),
    (
        "hxxps://leak-shared[.]vip/login",
        "url:https://leak-shared.vip/login",
    ),
    ("leak-shared[.]vip", "domain:leak-shared.vip"),
];
/// A word in every case's narrative.
const COMMON_WORD: &str = "zetacompound";
/// Held by no report: what "nothing" looks like.
const NEVER_HELD: &str = "leak-zz9@example.com";
const NEVER_HELD_CANONICAL: &str = "email:leak-zz9@example.com";
/// A word in no narrative, as long as the case words.
const NEVER_WORD: &str = "leakwordzz9q";
const RECEIVED: &str = "2026-01-15T10:00:00Z";

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (tlp, code) in TLPS {
        for hit_notification in [true, false] {
            let tag = format!("{code}{}", u8::from(hit_notification));
            out.push(Case {
                tlp,
                hit_notification,
                id: format!("leakid-{tag}q"),
                word: format!("leakword{tag}q"),
                unique: format!("leak-{tag}[@]example.com"),
                unique_canonical: format!("email:leak-{tag}@example.com"),
            });
        }
    }
    out
}

impl Case {
    fn report(&self) -> Value {
        let recipients: Vec<String> = match self.tlp {
            "AMBER" | "AMBER+STRICT" => vec![R.to_owned()],
            "RED" => vec![who(R, "analyst")],
            _ => vec![],
        };
        let mut selectors: Vec<&str> = SHARED.iter().map(|(typed, _)| *typed).collect();
        selectors.push(&self.unique);
        json!({
            "id": self.id,
            "kind": "compound_intel",
            "country": "KH",
            "received": RECEIVED,
            "marking": {"tlp": self.tlp, "recipients": recipients, "hit_notification": self.hit_notification},
            "grading": "B2",
            "mo": ["investment", "channel:telegram"],
            "narrative": format!("the {COMMON_WORD} by the river, guards say {}", self.word),
            "selectors": selectors,
            "location": {"lat": 16.6087, "lon": 98.5212, "place": "leakplace"},
        })
    }

    /// The rules of `access.rs`, as a table.
    fn sight(&self, viewer: Viewer) -> Sight {
        use Viewer::*;
        let read = match self.tlp {
            "CLEAR" => true,
            "GREEN" => !matches!(viewer, Public | RecipientContributor),
            "AMBER" | "AMBER+STRICT" => {
                matches!(viewer, OwnerContributor | RecipientNamed | RecipientOther)
            }
            "RED" => matches!(viewer, OwnerContributor | RecipientNamed),
            other => unreachable!("{other}"),
        };
        if read {
            Sight::Read
        } else if viewer != Public && self.hit_notification {
            Sight::Contact
        } else {
            Sight::Hidden
        }
    }

    fn label(&self) -> String {
        format!("{} hit_notification={}", self.tlp, self.hit_notification)
    }

    /// The case's money: a victim's payment into a deposit and on to a
    /// mule (which still holds it: Tether can freeze it), under the
    /// case's marking; a CLEAR flow feeds the victim's wallet, so that a
    /// trace from it reaches the case's flows or stops where they begin.
    fn money(&self, n: usize) -> CaseMoney {
        let tag = self.id.trim_start_matches("leakid-").trim_end_matches('q');
        let address = |base: u64| format!("eth:0x{:040x}", base + n as u64);
        CaseMoney {
            feed: format!("leakfeed-{tag}q"),
            pay: format!("leakpay-{tag}q"),
            moved: format!("leakmove-{tag}q"),
            source: address(0xf000),
            victim: address(0xa000),
            deposit: address(0xd000),
            mule: address(0xe000),
        }
    }

    /// The marking of an import, as query parameters.
    fn marking_query(&self) -> String {
        let recipients = match self.tlp {
            "AMBER" | "AMBER+STRICT" => R.to_owned(),
            "RED" => who(R, "analyst"),
            _ => String::new(),
        };
        format!(
            "tlp={}&recipients={}&hit_notification={}",
            encode(self.tlp),
            encode(&recipients),
            self.hit_notification
        )
    }
}

/// One case's flows and addresses.
#[derive(Debug, Clone)]
struct CaseMoney {
    /// CLEAR: source → victim.
    feed: String,
    /// The case's marking: victim → deposit.
    pay: String,
    /// The case's marking: deposit → mule.
    moved: String,
    source: String,
    victim: String,
    deposit: String,
    mule: String,
}

fn flow_line(id: &str, time: &str, from: &str, to: &str) -> String {
    json!({"id": id, "asset": "USDT@ethereum", "time": time,
           "inputs": [{"address": from, "amount": "5"}],
           "outputs": [{"address": to, "amount": "5"}]})
    .to_string()
}

/// Asserts that `body` holds nothing of a case's money the viewer may
/// not read: not its flows past the CLEAR feed, not the mule, and, where
/// the viewer may not even learn of it, not its owner.
#[track_caller]
fn assert_no_money_leak(body: &str, viewer: Viewer, case: &Case, money: &CaseMoney, path: &str) {
    let sight = case.sight(viewer);
    if sight == Sight::Read {
        return;
    }
    let ctx = || format!("{path}, {viewer:?}, {}", case.label());
    for secret in [&money.moved, &money.mule] {
        assert!(
            !body.contains(secret.as_str()),
            "{secret} leaked: {}\n{body}",
            ctx()
        );
    }
    if sight == Sight::Hidden && viewer.agency() != Some(A) {
        assert!(!body.contains(A), "owner leaked: {}\n{body}", ctx());
    }
}

/// The (marking, hit notification, viewer, path) combinations checked.
#[derive(Debug, Default)]
struct Checked(BTreeSet<(String, bool, Viewer, &'static str)>);

impl Checked {
    fn mark(&mut self, case: &Case, viewer: Viewer, path: &'static str) {
        self.0
            .insert((case.tlp.to_owned(), case.hit_notification, viewer, path));
    }

    fn paths(&self) -> BTreeSet<&'static str> {
        self.0.iter().map(|c| c.3).collect()
    }
}

/// Asserts that `body` holds nothing of the reports `viewer` may not read:
/// not their narrative words, not their ids, and, when `alone` (the answer
/// is about this report only) and the report is hidden, not its owner.
#[track_caller]
fn assert_no_leak(body: &str, viewer: Viewer, case: &Case, alone: bool, path: &str) {
    let sight = case.sight(viewer);
    if sight == Sight::Read {
        return;
    }
    let ctx = || format!("{path}, {viewer:?}, {}", case.label());
    assert!(
        !body.contains(&case.word),
        "narrative word leaked: {}\n{body}",
        ctx()
    );
    assert!(
        !body.contains(&case.id),
        "report id leaked: {}\n{body}",
        ctx()
    );
    if alone && sight == Sight::Hidden && viewer.agency() != Some(A) {
        assert!(!body.contains(A), "owner leaked: {}\n{body}", ctx());
        assert!(
            !body.contains(&contact_of(A)),
            "owner contact leaked: {}\n{body}",
            ctx()
        );
    }
}

/// `body` with every spelling of `text` (raw, percent-encoded) replaced.
fn blank(body: &str, texts: &[&str]) -> String {
    let mut out = body.to_owned();
    for t in texts {
        out = out.replace(&encode(t), "<BLANK>").replace(*t, "<BLANK>");
    }
    out
}

fn readable_ids(hits: &Value) -> BTreeSet<String> {
    hits["readable"]
        .as_array()
        .expect("readable")
        .iter()
        .map(|h| {
            assert_eq!(h["agency"], A, "{h}");
            h["report_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// `held_elsewhere` as (agency, marking) → count, checking each entry's
/// contact details.
fn held_counts(hits: &Value) -> BTreeMap<String, u64> {
    hits["held_elsewhere"]
        .as_array()
        .expect("held_elsewhere")
        .iter()
        .map(|h| {
            assert_eq!(h["agency"], A, "{h}");
            assert_eq!(h["country"], "GB", "{h}");
            assert_eq!(h["contact"], contact_of(A), "{h}");
            assert_eq!(h["first_seen"], RECEIVED, "{h}");
            assert_eq!(h["last_seen"], RECEIVED, "{h}");
            (
                h["marking"].as_str().unwrap().to_owned(),
                h["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// What a hit answer on a selector held by `cases` must show `viewer`.
fn expected_hits(cases: &[&Case], viewer: Viewer) -> (BTreeSet<String>, BTreeMap<String, u64>) {
    let mut readable = BTreeSet::new();
    let mut held: BTreeMap<String, u64> = BTreeMap::new();
    for c in cases {
        match c.sight(viewer) {
            Sight::Read => {
                readable.insert(c.id.clone());
            }
            Sight::Contact => *held.entry(c.tlp.to_owned()).or_default() += 1,
            Sight::Hidden => {}
        }
    }
    (readable, held)
}

/// The ids of the owner's reports in a listing, and a check that the
/// listing holds nothing else of the owner's.
fn owner_ids(page: &Value) -> BTreeSet<String> {
    listed_ids(page)
        .into_iter()
        .filter_map(|id| id.strip_prefix(&format!("{A}/")).map(str::to_owned))
        .collect()
}

async fn every_path_shows_each_viewer_exactly_what_it_may_read(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let cases = cases();
    let all: Vec<&Case> = cases.iter().collect();
    let reports: Vec<Value> = cases.iter().map(Case::report).collect();
    world
        .submit(&who(A, "contributor"), &Value::Array(reports))
        .await;
    // The recipient and the outsider hold one GREEN report each, so that
    // their audit logs have records of their own.
    world
        .submit(
            &who(R, "analyst"),
            &json!({"id": "r-own", "kind": "tip", "country": "KH", "marking": {"tlp": "GREEN"},
                    "narrative": "the recipient's own report", "selectors": ["r-own@example.com"]}),
        )
        .await;
    world
        .submit(
            &who(O, "analyst"),
            &json!({"id": "o-own", "kind": "tip", "country": "PH", "marking": {"tlp": "GREEN"},
                    "narrative": "the outsider's own report", "selectors": ["o-own@example.com"]}),
        )
        .await;
    world
        .get(Some(&who(O, "analyst")), "/api/v1/reports/KH-NCB/r-own")
        .await
        .expect(200);
    world
        .get(Some(&who(R, "analyst")), "/api/v1/reports/PH-NBI/o-own")
        .await
        .expect(200);
    // The owner sees what it stored: the shared selectors are canonical as
    // the suite expects.
    let own = world
        .get(
            Some(&who(A, "contributor")),
            &format!("/api/v1/reports/{A}/{}", cases[0].id),
        )
        .await
        .expect(200);
    let mut want: Vec<&str> = SHARED.iter().map(|(_, c)| *c).collect();
    want.push(&cases[0].unique_canonical);
    want.sort_unstable();
    let mut got: Vec<&str> = own["report"]["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, want);

    let console = world.get(None, "/login").await.status == 200;
    if !console {
        eprintln!("\n!!!!!!!! the console is not there: its pages are not checked !!!!!!!!\n");
    }
    let browser = common::browser();

    // Every case shares the shared selectors: one network. An analyst of
    // the owner drafts a GREEN purple notice from it, a second publishes.
    let networks = world
        .get(Some(&who(A, "contributor")), "/api/v1/networks")
        .await
        .expect(200);
    assert_eq!(networks["total"], 1, "{networks}");
    let network = networks["networks"][0]["id"].as_str().unwrap().to_owned();
    let notice = world
        .post_json(
            Some(&who(A, "analyst")),
            "/api/v1/notices",
            &json!({"network": network, "title": "leak notice", "summary": "what all may read", "tlp": "GREEN"}),
        )
        .await
        .expect(201);
    let notice = notice["id"].as_str().unwrap().to_owned();
    world
        .post_json(
            Some(&who(A, "analyst2")),
            &format!("/api/v1/notices/{notice}/publish"),
            &json!({}),
        )
        .await
        .expect(200);
    let no_network = world
        .get(Some(&who(O, "analyst")), "/api/v1/networks/N-000000000000")
        .await;
    // The compound all cases locate, with a status the owner recorded.
    let compounds = world
        .get(Some(&who(A, "contributor")), "/api/v1/compounds")
        .await
        .expect(200);
    let site = compounds["compounds"][0]["site"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .post_json(
            Some(&who(A, "analyst")),
            &format!("/api/v1/compounds/{site}/status"),
            &json!({"status": "raided", "reason": "leakreason raid"}),
        )
        .await
        .expect(200);
    let no_compound = world
        .get(
            Some(&who(O, "analyst")),
            "/api/v1/compounds/899999999999999",
        )
        .await;

    // Operations the owner's analyst leads with the recipient agency, one
    // per marking, on a shared selector the outsider asked about lately:
    // the outsider is told of each overlap with the owner's contact, and of
    // nothing else.
    world
        .get_query(
            Some(&who(O, "analyst")),
            "/api/v1/hits",
            &[("selector", SHARED[0].0)],
        )
        .await
        .expect(200);
    let mut operations: Vec<(&'static str, String, String)> = Vec::new();
    for (tlp, code) in TLPS {
        let name = format!("leakop{code}q");
        let recipients = if tlp == "RED" {
            vec![who(R, "analyst")]
        } else {
            vec![]
        };
        let op = world
            .post_json(
                Some(&who(A, "analyst")),
                "/api/v1/operations",
                &json!({"name": name, "participants": [R], "targets": [SHARED[0].0],
                        "marking": {"tlp": tlp, "recipients": recipients}}),
            )
            .await
            .expect(201);
        operations.push((tlp, op["id"].as_str().unwrap().to_owned(), name));
    }

    // Each case's money, imported by the owner under the case's marking,
    // fed by CLEAR flows.
    let money: Vec<CaseMoney> = cases.iter().enumerate().map(|(n, c)| c.money(n)).collect();
    for (case, m) in cases.iter().zip(&money) {
        let lines = [
            flow_line(&m.pay, "2026-01-10T01:00:00Z", &m.victim, &m.deposit),
            flow_line(&m.moved, "2026-01-10T02:00:00Z", &m.deposit, &m.mule),
        ]
        .join("\n");
        world
            .post_raw(
                Some(&who(A, "contributor")),
                &format!("/api/v1/money/flows?{}", case.marking_query()),
                "application/x-ndjson",
                lines,
            )
            .await
            .expect(200);
    }
    let feeds = money
        .iter()
        .map(|m| flow_line(&m.feed, "2026-01-10T00:00:00Z", &m.source, &m.victim))
        .collect::<Vec<_>>()
        .join("\n");
    world
        .post_raw(
            Some(&who(A, "contributor")),
            "/api/v1/money/flows?tlp=CLEAR",
            "application/x-ndjson",
            feeds,
        )
        .await
        .expect(200);

    let mut checked = Checked::default();
    for viewer in VIEWERS {
        let me = viewer.who();
        let me = me.as_deref();

        // ---- read one report: 200 or the very 404 of a missing report ----
        let missing = world
            .get(me, &format!("/api/v1/reports/{A}/leakid-nothingq"))
            .await;
        missing.expect_error(404, "not_found");
        for case in &cases {
            let answer = world
                .get(me, &format!("/api/v1/reports/{A}/{}", case.id))
                .await;
            if case.sight(viewer) == Sight::Read {
                let body = answer.expect(200);
                assert_eq!(body["report"]["id"], case.id.as_str());
                assert!(answer.body.contains(&case.word));
            } else {
                assert_eq!(answer.status, 404, "{viewer:?} {}", case.label());
                assert_eq!(
                    answer.body, missing.body,
                    "the 404 of an unreadable report must be the 404 of a missing one"
                );
            }
            assert_no_leak(&answer.body, viewer, case, true, "api_read");
            checked.mark(case, viewer, "api_read");
        }

        // ---- listings: no filter, each filter, full text, paging ----
        let readable: BTreeSet<String> = cases
            .iter()
            .filter(|c| c.sight(viewer) == Sight::Read)
            .map(|c| c.id.clone())
            .collect();
        let filters: &[(&'static str, common::Params)] = &[
            ("api_list", &[("limit", "200")]),
            ("api_list_agency", &[("agency", A)]),
            ("api_list_country", &[("country", "KH")]),
            ("api_list_kind", &[("kind", "compound_intel")]),
            ("api_list_mo", &[("mo", "investment")]),
            ("api_list_mo_channel", &[("mo", "channel:telegram")]),
            ("api_list_selector_kind", &[("selector_kind", "email")]),
            (
                "api_list_from_until",
                &[
                    ("from", "2026-01-15T00:00:00Z"),
                    ("until", "2026-01-16T00:00:00Z"),
                ],
            ),
            ("api_list_q_common", &[("q", COMMON_WORD)]),
            (
                "api_list_combined",
                &[
                    ("agency", A),
                    ("kind", "compound_intel"),
                    ("q", "river guards"),
                ],
            ),
        ];
        for (path, query) in filters {
            let answer = world.get_query(me, "/api/v1/reports", query).await;
            let page = answer.expect(200);
            assert_eq!(owner_ids(&page), readable, "{path} {viewer:?}");
            for case in &cases {
                assert_no_leak(&answer.body, viewer, case, false, path);
                checked.mark(case, viewer, path);
            }
        }
        // A window that holds none of them.
        let answer = world
            .get_query(me, "/api/v1/reports", &[("until", "2026-01-15T10:00:00Z")])
            .await;
        assert_eq!(owner_ids(&answer.expect(200)), BTreeSet::new());
        for case in &cases {
            assert_no_leak(&answer.body, viewer, case, false, "api_list_until_before");
            checked.mark(case, viewer, "api_list_until_before");
        }
        // Per marking.
        for (tlp, _) in TLPS {
            let answer = world
                .get_query(me, "/api/v1/reports", &[("tlp", tlp)])
                .await;
            let page = answer.expect(200);
            let want: BTreeSet<String> = cases
                .iter()
                .filter(|c| c.tlp == tlp && c.sight(viewer) == Sight::Read)
                .map(|c| c.id.clone())
                .collect();
            assert_eq!(owner_ids(&page), want, "tlp={tlp} {viewer:?}");
            for case in cases.iter().filter(|c| c.tlp == tlp) {
                assert_no_leak(&answer.body, viewer, case, false, "api_list_tlp");
                checked.mark(case, viewer, "api_list_tlp");
            }
        }
        // Full text with each report's own word: only it, if readable.
        let nothing = world
            .get_query(me, "/api/v1/reports", &[("q", NEVER_WORD)])
            .await;
        assert_eq!(listed_ids(&nothing.expect(200)), Vec::<String>::new());
        for case in &cases {
            let answer = world
                .get_query(me, "/api/v1/reports", &[("q", &case.word), ("agency", A)])
                .await;
            let page = answer.expect(200);
            let want: BTreeSet<String> = readable
                .iter()
                .filter(|id| **id == case.id)
                .cloned()
                .collect();
            assert_eq!(owner_ids(&page), want, "q={} {viewer:?}", case.word);
            if case.sight(viewer) != Sight::Read {
                assert_eq!(answer.body, nothing.body, "q={} {viewer:?}", case.word);
            }
            assert_no_leak(&answer.body, viewer, case, true, "api_list_q_word");
            checked.mark(case, viewer, "api_list_q_word");
        }
        // Paging one by one gives the same set, each once.
        let mut seen = Vec::new();
        let mut bodies = String::new();
        let mut before: Option<String> = None;
        for _ in 0..40 {
            let mut query = vec![("limit", "1".to_owned()), ("agency", A.to_owned())];
            if let Some(b) = &before {
                query.push(("before", b.clone()));
            }
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let answer = world.get_query(me, "/api/v1/reports", &query).await;
            let page = answer.expect(200);
            bodies.push_str(&answer.body);
            seen.extend(owner_ids(&page));
            match page["next_before"].as_i64() {
                Some(n) => before = Some(n.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), readable.len(), "{viewer:?}: {seen:?}");
        assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), readable);
        for case in &cases {
            assert_no_leak(&bodies, viewer, case, false, "api_list_paged");
            checked.mark(case, viewer, "api_list_paged");
        }

        // ---- hit queries: shared selectors, each report's own, batch ----
        let shared_paths = [
            "api_hit_phone",
            "api_hit_email",
            "api_hit_url",
            "api_hit_domain",
        ];
        let (want_readable, want_held) = expected_hits(&all, viewer);
        for ((typed, canonical), path) in SHARED.iter().zip(shared_paths) {
            let answer = world
                .get_query(me, "/api/v1/hits", &[("selector", typed)])
                .await;
            if viewer == Viewer::Public {
                answer.expect_error(401, "unauthenticated");
            } else {
                let hits = answer.expect(200);
                assert_eq!(hits["selector"], *canonical);
                assert_eq!(readable_ids(&hits), want_readable, "{path} {viewer:?}");
                // Counts leave out what the owner does not notify.
                assert_eq!(held_counts(&hits), want_held, "{path} {viewer:?}");
            }
            for case in &cases {
                assert_no_leak(&answer.body, viewer, case, false, path);
                checked.mark(case, viewer, path);
            }
        }
        // ---- the graph around a shared selector, three steps deep ----
        let path = "api_graph_neighbourhood";
        let answer = world
            .get_query(
                me,
                "/api/v1/graph/neighbourhood",
                &[("selector", SHARED[0].0), ("depth", "3")],
            )
            .await;
        if viewer == Viewer::Public {
            answer.expect_error(401, "unauthenticated");
        } else {
            let walk = answer.expect(200);
            let nodes: BTreeSet<String> = walk["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    assert_eq!(r["agency"], A, "{r}");
                    r["report_id"].as_str().unwrap().to_owned()
                })
                .collect();
            assert_eq!(nodes, want_readable, "{path} {viewer:?}");
            assert_eq!(walk["selectors"][0]["selector"], SHARED[0].1);
            assert_eq!(
                held_counts(&walk["selectors"][0]),
                want_held,
                "{path} {viewer:?}"
            );
            // A report's own selector is reached only through it.
            for case in &cases {
                assert_eq!(
                    answer.body.contains(&case.unique_canonical),
                    case.sight(viewer) == Sight::Read,
                    "{path} {viewer:?} {}",
                    case.label()
                );
            }
        }
        for case in &cases {
            assert_no_leak(&answer.body, viewer, case, false, path);
            checked.mark(case, viewer, path);
        }

        // ---- paths from a shared selector to each report's own one ----
        let path = "api_graph_path";
        for case in &cases {
            let answer = world
                .get_query(
                    me,
                    "/api/v1/graph/path",
                    &[("from", SHARED[0].0), ("to", &case.unique)],
                )
                .await;
            if viewer == Viewer::Public {
                answer.expect_error(401, "unauthenticated");
            } else {
                let found = answer.expect(200);
                let steps = found["steps"].as_array().unwrap();
                // Through the report itself, or through nothing.
                if case.sight(viewer) == Sight::Read {
                    assert_eq!(
                        steps.len(),
                        3,
                        "{path} {viewer:?} {}: {found}",
                        case.label()
                    );
                    assert_eq!(steps[1]["report_id"], case.id.as_str());
                } else {
                    assert!(
                        steps.is_empty(),
                        "{path} {viewer:?} {}: {found}",
                        case.label()
                    );
                }
            }
            assert_no_leak(&answer.body, viewer, case, false, path);
            checked.mark(case, viewer, path);
        }

        // ---- networks, the network graph, compounds, the notice ----
        let readable_cases: BTreeSet<String> = cases
            .iter()
            .filter(|c| c.sight(viewer) == Sight::Read)
            .map(|c| c.id.clone())
            .collect();
        let contact = cases.iter().any(|c| c.sight(viewer) == Sight::Contact);
        let report_ids = |v: &Value| -> BTreeSet<String> {
            v.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["agency"] == A)
                .map(|r| r["report_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let list = world.get(me, "/api/v1/networks").await;
        let one = world.get(me, &format!("/api/v1/networks/{network}")).await;
        let graph = world
            .get_query(me, "/api/v1/graph/network", &[("id", &network)])
            .await;
        let compounds = world.get(me, "/api/v1/compounds").await;
        let compound = world.get(me, &format!("/api/v1/compounds/{site}")).await;
        let notice_read = world.get(me, &format!("/api/v1/notices/{notice}")).await;
        let notice_stix = world
            .get(me, &format!("/api/v1/notices/{notice}/stix"))
            .await;
        if viewer == Viewer::Public {
            for answer in [&list, &one, &graph, &compounds] {
                answer.expect_error(401, "unauthenticated");
            }
            notice_read.expect_error(404, "not_found");
            notice_stix.expect_error(404, "not_found");
            compound.expect_error(401, "unauthenticated");
        } else {
            let list = list.expect(200);
            let seen = one.json();
            if readable_cases.is_empty() {
                assert_eq!(list["total"], 0, "{viewer:?} {list}");
                if contact {
                    assert_eq!(seen["restricted"], true, "{viewer:?} {seen}");
                    assert_eq!(seen["linked"]["holders"][0]["agency"], A);
                } else {
                    assert_eq!(one.status, 404, "{viewer:?} {seen}");
                    assert_eq!(
                        one.body, no_network.body,
                        "a hidden network is a missing one"
                    );
                }
                assert_eq!(graph.status, 404, "{viewer:?}");
            } else {
                assert_eq!(list["total"], 1, "{viewer:?} {list}");
                assert_eq!(list["networks"][0]["readable"], readable_cases.len());
                assert_eq!(report_ids(&seen["reports"]), readable_cases, "{viewer:?}");
                assert_eq!(seen["readable"], readable_cases.len());
                assert_eq!(seen["linked"].is_object(), contact, "{viewer:?} {seen}");
                let graph = graph.expect(200);
                assert_eq!(report_ids(&graph["reports"]), readable_cases);
            }
            let compounds = compounds.expect(200);
            let listed = compounds["compounds"].as_array().unwrap();
            if readable_cases.len() >= 2 {
                assert_eq!(listed.len(), 1, "{viewer:?} {compounds}");
                assert_eq!(listed[0]["readable"], readable_cases.len());
            } else {
                assert!(listed.is_empty(), "{viewer:?} {compounds}");
            }
            // The compound: its readable reports; the owner's status
            // reason for all but another agency's contributors.
            if readable_cases.len() >= 2 {
                let c = compound.expect(200);
                assert_eq!(report_ids(&c["reports"]), readable_cases, "{viewer:?}");
                assert_eq!(
                    c["history"].as_array().unwrap().len(),
                    usize::from(!viewer.is_contributor() || viewer.agency() == Some(A)),
                    "{viewer:?} {c}"
                );
            } else {
                assert_eq!(compound.status, 404, "{viewer:?}");
                assert_eq!(compound.body, no_compound.body);
            }
            // The GREEN notice carries the CLEAR and GREEN cases only; a
            // contributor reads it only as the author's.
            if viewer.is_contributor() && viewer.agency() != Some(A) {
                notice_read.expect_error(404, "not_found");
                notice_stix.expect_error(404, "not_found");
            } else {
                let n = notice_read.expect(200);
                assert_eq!(n["content"]["reports"], 4, "{n}");
                notice_stix.expect(200);
            }
        }
        let no_report = world
            .get(me, &format!("/api/v1/reports/{A}/leakid-nothingq/network"))
            .await;
        for case in &cases {
            let answer = world
                .get(me, &format!("/api/v1/reports/{A}/{}/network", case.id))
                .await;
            if viewer == Viewer::Public {
                answer.expect_error(401, "unauthenticated");
            } else if case.sight(viewer) == Sight::Read {
                assert_eq!(
                    answer.expect(200)["network"].as_str(),
                    Some(network.as_str())
                );
            } else {
                assert_eq!(answer.status, 404, "{viewer:?} {}", case.label());
                assert_eq!(answer.body, no_report.body, "{viewer:?} {}", case.label());
            }
            assert_no_leak(&answer.body, viewer, case, true, "api_report_network");
            checked.mark(case, viewer, "api_report_network");
        }
        for case in &cases {
            for (answer, path) in [
                (&list, "api_networks"),
                (&one, "api_network"),
                (&graph, "api_graph_network"),
                (&compounds, "api_compounds"),
            ] {
                assert_no_leak(&answer.body, viewer, case, false, path);
                checked.mark(case, viewer, path);
            }
            for (answer, path) in [
                (&notice_read, "api_notice"),
                (&notice_stix, "api_notice_stix"),
                (&compound, "api_compound"),
            ] {
                assert_no_leak(&answer.body, viewer, case, false, path);
                assert!(
                    case.sight(viewer) == Sight::Read
                        || !answer.body.contains(&case.unique_canonical),
                    "{path} {viewer:?} {}",
                    case.label()
                );
                checked.mark(case, viewer, path);
            }
        }

        // ---- alerts: a watch on a shared selector, replayed from the store ----
        let path = "api_alerts";
        let mut events: Vec<String> = Vec::new();
        match viewer {
            Viewer::Public => {
                world
                    .get(None, "/api/v1/alerts/stream")
                    .await
                    .expect_error(401, "unauthenticated");
            }
            v if v.is_contributor() => {
                world
                    .post_json(
                        me,
                        "/api/v1/watches",
                        &json!({"name": "leak watch", "selectors": [SHARED[0].0]}),
                    )
                    .await
                    .expect_error(403, "forbidden");
            }
            _ => {
                world
                    .post_json(
                        me,
                        "/api/v1/watches",
                        &json!({"name": "leak watch", "selectors": [SHARED[0].0]}),
                    )
                    .await
                    .expect(201);
                let mut stream = common::Stream::open(&world, me.unwrap(), Some("0")).await;
                while let Some((_, data)) = stream.next(Duration::from_millis(700)).await {
                    events.push(data.to_string());
                }
                let named: BTreeSet<String> = events
                    .iter()
                    .filter_map(|e| {
                        let v: Value = serde_json::from_str(e).unwrap();
                        v["report"]["report_id"].as_str().map(str::to_owned)
                    })
                    .collect();
                let held = events.iter().filter(|e| e.contains("\"held_by\"")).count();
                assert_eq!(named, readable_cases, "{path} {viewer:?}");
                assert_eq!(
                    held,
                    cases
                        .iter()
                        .filter(|c| c.sight(viewer) == Sight::Contact)
                        .count(),
                    "{path} {viewer:?}"
                );
            }
        }
        let body = events.join("\n");
        for case in &cases {
            assert_no_leak(&body, viewer, case, false, path);
            checked.mark(case, viewer, path);
        }

        // ---- alerts of a text watch: readable reports only, never a contact ----
        let path = "api_alerts_text";
        let mut events: Vec<String> = Vec::new();
        if viewer != Viewer::Public && !viewer.is_contributor() {
            world
                .post_json(
                    me,
                    "/api/v1/watches",
                    &json!({"name": "leak text", "target": {"kind": "text", "pattern": COMMON_WORD}}),
                )
                .await
                .expect(201);
            let mut stream = common::Stream::open(&world, me.unwrap(), Some("0")).await;
            while let Some((_, data)) = stream.next(Duration::from_millis(700)).await {
                events.push(data.to_string());
            }
            let named: BTreeSet<String> = events
                .iter()
                .filter_map(|e| {
                    let v: Value = serde_json::from_str(e).unwrap();
                    let text = v["watches"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|w| w["target"] == format!("text /{COMMON_WORD}/"));
                    text.then(|| v["report"]["report_id"].as_str().map(str::to_owned))
                        .flatten()
                })
                .collect();
            assert_eq!(named, readable_cases, "{path} {viewer:?}");
            for e in &events {
                let v: Value = serde_json::from_str(e).unwrap();
                let text_only = v["watches"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|w| w["target"] == format!("text /{COMMON_WORD}/"));
                assert!(
                    !(text_only && v.get("held_by").is_some()),
                    "{path} {viewer:?}: {e}"
                );
            }
        }
        let body = events.join("\n");
        for case in &cases {
            assert_no_leak(&body, viewer, case, false, path);
            checked.mark(case, viewer, path);
        }

        // ---- webhooks: the same alerts, POSTed to the viewer's endpoint ----
        let path = "api_webhooks";
        let mut posted: Vec<String> = Vec::new();
        let hook = json!({"url": "https://soc.example/cordon", "after": 0});
        match viewer {
            Viewer::Public => {
                world
                    .post_json(None, "/api/v1/webhooks", &hook)
                    .await
                    .expect_error(401, "unauthenticated");
            }
            v if v.is_contributor() => {
                world
                    .post_json(me, "/api/v1/webhooks", &hook)
                    .await
                    .expect_error(403, "forbidden");
            }
            _ => {
                let receiver = common::Receiver::start().await;
                world
                    .post_json(
                        me,
                        "/api/v1/webhooks",
                        &json!({"url": receiver.url, "after": 0}),
                    )
                    .await
                    .expect(201);
                receiver
                    .wait_delivered(events.len(), Duration::from_secs(20))
                    .await;
                tokio::time::sleep(Duration::from_millis(300)).await;
                posted = receiver.delivered().into_iter().map(|r| r.body).collect();
                let values = |texts: &[String]| -> Vec<Value> {
                    texts
                        .iter()
                        .map(|t| serde_json::from_str(t).unwrap())
                        .collect()
                };
                assert_eq!(
                    values(&posted),
                    values(&events),
                    "{path} {viewer:?}: the stream's events, once each"
                );
            }
        }
        let body = posted.join("\n");
        for case in &cases {
            assert_no_leak(&body, viewer, case, false, path);
            checked.mark(case, viewer, path);
        }

        let never = world
            .get_query(me, "/api/v1/hits", &[("selector", NEVER_HELD)])
            .await;
        for case in &cases {
            let answer = world
                .get_query(me, "/api/v1/hits", &[("selector", &case.unique)])
                .await;
            if viewer == Viewer::Public {
                answer.expect_error(401, "unauthenticated");
                assert_eq!(answer.body, never.body);
            } else {
                let hits = answer.expect(200);
                assert_eq!(hits["selector"], case.unique_canonical.as_str());
                let (r, h) = expected_hits(&[case], viewer);
                assert_eq!(readable_ids(&hits), r, "{viewer:?} {}", case.label());
                assert_eq!(held_counts(&hits), h, "{viewer:?} {}", case.label());
                if case.sight(viewer) == Sight::Hidden {
                    assert_eq!(
                        blank(&answer.body, &[&case.unique_canonical]),
                        blank(&never.body, &[NEVER_HELD_CANONICAL]),
                        "a hidden report's selector must answer like one nobody holds"
                    );
                }
            }
            assert_no_leak(&answer.body, viewer, case, true, "api_hit_unique");
            checked.mark(case, viewer, "api_hit_unique");
        }

        // ---- the public check: whoever asks, the public's view; a
        // report counts only when CLEAR, and nothing says whose it is ----
        for case in &cases {
            let advert = format!("is this contact safe? {}", case.unique);
            let answer = world
                .post_json(
                    me,
                    "/api/v1/public/check",
                    &json!({"text": advert, "country": "KH"}),
                )
                .await;
            let body = answer.expect(200);
            let counted: u64 = body["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| {
                    r["kind"] == "reported_selector"
                        && r["subject"] == case.unique_canonical.as_str()
                })
                .map(|r| {
                    let text = r["text"].as_str().unwrap();
                    text.split_whitespace()
                        .filter_map(|w| w.parse::<u64>().ok())
                        .next()
                        .unwrap()
                })
                .sum();
            let want = u64::from(case.tlp == "CLEAR");
            assert_eq!(
                counted,
                want,
                "public check of {} by {viewer:?}: {body}",
                case.label()
            );
            if case.tlp != "CLEAR" {
                assert_ne!(
                    body["verdict"], "high",
                    "a marked report must not raise the verdict: {body}"
                );
            }
            // Whatever the marking, the answer names no agency.
            for agency in [A, R, O] {
                assert!(!answer.body.contains(agency), "agency named: {body}");
            }
            let word_blind = Case {
                tlp: "RED",
                ..case.clone()
            };
            assert_no_leak(
                &answer.body,
                Viewer::Public,
                &word_blind,
                true,
                "api_public_check",
            );
            checked.mark(case, viewer, "api_public_check");
        }
        let mut batch: Vec<String> = SHARED.iter().map(|(t, _)| (*t).to_owned()).collect();
        batch.extend(cases.iter().map(|c| c.unique.clone()));
        batch.push(NEVER_HELD.to_owned());
        let answer = world
            .post_json(me, "/api/v1/hits", &json!({"selectors": batch}))
            .await;
        if viewer == Viewer::Public {
            answer.expect_error(401, "unauthenticated");
        } else {
            let body = answer.expect(200);
            let results = body["results"].as_array().unwrap();
            assert_eq!(results.len(), batch.len());
            let mut hits = 0;
            for (i, (_, canonical)) in SHARED.iter().enumerate() {
                assert_eq!(results[i]["selector"], *canonical);
                assert_eq!(readable_ids(&results[i]), want_readable);
                assert_eq!(held_counts(&results[i]), want_held);
                hits += u64::from(!want_readable.is_empty() || !want_held.is_empty());
            }
            let never_item = &results[batch.len() - 1];
            for (i, case) in cases.iter().enumerate() {
                let item = &results[SHARED.len() + i];
                assert_eq!(item["selector"], case.unique_canonical.as_str());
                let (r, h) = expected_hits(&[case], viewer);
                assert_eq!(readable_ids(item), r, "batch {viewer:?} {}", case.label());
                assert_eq!(held_counts(item), h, "batch {viewer:?} {}", case.label());
                hits += u64::from(case.sight(viewer) != Sight::Hidden);
                let item_text = item.to_string();
                if case.sight(viewer) == Sight::Hidden {
                    assert_eq!(
                        blank(&item_text, &[&case.unique_canonical, &case.unique]),
                        blank(&never_item.to_string(), &[NEVER_HELD_CANONICAL, NEVER_HELD]),
                    );
                }
                assert_no_leak(&item_text, viewer, case, true, "api_batch_unique");
            }
            assert_eq!(body["hits"], hits, "{viewer:?}: the count of hits");
        }
        for case in &cases {
            assert_no_leak(&answer.body, viewer, case, false, "api_batch");
            checked.mark(case, viewer, "api_batch");
            checked.mark(case, viewer, "api_batch_unique");
        }

        // ---- operations: their parties read them; deconfliction tells ----
        // ---- the outsider whom to call, and nothing of the operation  ----
        let no_operation = world.get(me, "/api/v1/operations/OP-000000000000").await;
        let list = world.get(me, "/api/v1/operations").await;
        let overlaps = world.get(me, "/api/v1/deconflictions").await;
        if viewer == Viewer::Public {
            list.expect_error(401, "unauthenticated");
            overlaps.expect_error(401, "unauthenticated");
        } else {
            let listed: BTreeSet<String> = list.expect(200)["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect();
            let want: BTreeSet<String> = operations
                .iter()
                .filter(|(tlp, _, _)| viewer.reads_operation(tlp))
                .map(|(_, id, _)| id.clone())
                .collect();
            assert_eq!(listed, want, "api_operations {viewer:?}");
            assert_eq!(list.json()["total"], want.len(), "{viewer:?}");
            let told = overlaps.expect(200)["deconflictions"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(told.len(), viewer.told_of_overlaps(), "{viewer:?} {told:?}");
            for d in &told {
                assert_eq!(d["target"]["value"], SHARED[0].1, "{d}");
                if viewer.agency() == Some(O) {
                    let kind = d["yours"]["kind"].as_str().unwrap();
                    assert!(["query", "watch"].contains(&kind), "{d}");
                    assert_eq!(d["other"]["agency"], A, "{d}");
                    assert_eq!(d["other"]["contact"], contact_of(A).as_str(), "{d}");
                } else {
                    let op = d["yours"]["operation"].as_str().unwrap();
                    assert!(want.contains(op), "{viewer:?} {d}");
                    assert_eq!(d["other"]["agency"], O, "{d}");
                    assert_eq!(d["other"]["contact"], contact_of(O).as_str(), "{d}");
                }
            }
        }
        for (tlp, id, name) in &operations {
            let reads = viewer.reads_operation(tlp);
            for (suffix, path) in [("", "api_operation"), ("/stix", "api_operation_stix")] {
                let answer = world
                    .get(me, &format!("/api/v1/operations/{id}{suffix}"))
                    .await;
                if viewer == Viewer::Public {
                    answer.expect_error(401, "unauthenticated");
                } else if reads {
                    assert_eq!(answer.status, 200, "{path} {viewer:?} {tlp}");
                    assert!(answer.body.contains(name.as_str()));
                } else {
                    assert_eq!(answer.status, 404, "{path} {viewer:?} {tlp}");
                    assert_eq!(
                        answer.body, no_operation.body,
                        "a hidden operation answers like a missing one"
                    );
                }
                if !reads {
                    assert!(!answer.body.contains(name.as_str()), "{path} {viewer:?}");
                }
                for case in &cases {
                    assert_no_leak(&answer.body, viewer, case, false, path);
                    checked.mark(case, viewer, path);
                }
            }
            if !reads {
                for (answer, path) in [(&list, "api_operations"), (&overlaps, "api_deconflictions")]
                {
                    assert!(
                        !answer.body.contains(name.as_str()) && !answer.body.contains(id.as_str()),
                        "{path} {viewer:?} shows {tlp} operation {id} it may not read:\n{}",
                        answer.body
                    );
                }
            }
        }
        for case in &cases {
            for (answer, path) in [(&list, "api_operations"), (&overlaps, "api_deconflictions")] {
                assert_no_leak(&answer.body, viewer, case, false, path);
                checked.mark(case, viewer, path);
            }
        }
        if console {
            let session = match me {
                Some(w) => Some(console_login(&world, &browser, w).await),
                None => None,
            };
            let session = session.as_deref();
            let missing_page = world
                .page(&browser, session, "/operations/OP-000000000000")
                .await;
            let list_page = world.page(&browser, session, "/operations").await;
            let told_page = world.page(&browser, session, "/deconflictions").await;
            if session.is_none() {
                for page in [&list_page, &told_page, &missing_page] {
                    assert!((300..400).contains(&page.status), "{}", page.status);
                }
            } else {
                assert_eq!(list_page.status, 200);
                assert_eq!(told_page.status, 200);
                assert_eq!(
                    told_page.body.contains(&contact_of(A)),
                    viewer.agency() == Some(O),
                    "console_deconflictions {viewer:?}"
                );
            }
            for (tlp, id, name) in &operations {
                let reads = viewer.reads_operation(tlp);
                let page = world
                    .page(&browser, session, &format!("/operations/{id}"))
                    .await;
                match session {
                    None => assert!((300..400).contains(&page.status)),
                    Some(_) if reads => {
                        assert_eq!(page.status, 200, "{viewer:?} {tlp}");
                        assert!(page.body.contains(&contact_of(O)), "the overlap's contact");
                    }
                    Some(_) => {
                        assert_eq!(page.status, 404, "{viewer:?} {tlp}");
                        assert_eq!(page.body, missing_page.body);
                    }
                }
                if !reads {
                    for body in [&page.body, &list_page.body, &told_page.body] {
                        assert!(
                            !body.contains(name.as_str()) && !body.contains(id.as_str()),
                            "console {viewer:?} shows {tlp} operation {id}"
                        );
                    }
                }
                for case in &cases {
                    assert_no_leak(&page.body, viewer, case, false, "console_operation");
                    checked.mark(case, viewer, "console_operation");
                }
            }
            for case in &cases {
                for (page, path) in [
                    (&list_page, "console_operations"),
                    (&told_page, "console_deconflictions"),
                ] {
                    assert_no_leak(&page.body, viewer, case, false, path);
                    checked.mark(case, viewer, path);
                }
            }
        }

        // ---- money: a trace from the CLEAR feed reaches the case's flows,
        // ---- or names their holder, or stops; a trace or a freeze package
        // ---- from the case's payment, or the very 422 of a missing flow
        let leg =
            |flow: &str, address: &str| json!({"kind": "leg", "flow": flow, "address": address});
        let missing_trace = world
            .post_json(
                me,
                "/api/v1/money/trace",
                &json!({"seeds": [leg("leakflow-nothingq", &money[0].deposit)]}),
            )
            .await;
        let missing_freeze = world
            .post_json(
                me,
                "/api/v1/money/freeze",
                &json!({"seeds": [leg("leakflow-nothingq", &money[0].deposit)], "targets": [money[0].mule]}),
            )
            .await;
        for (case, m) in cases.iter().zip(&money) {
            let sight = case.sight(viewer);
            let fed = world
                .post_json(
                    me,
                    "/api/v1/money/trace",
                    &json!({"seeds": [leg(&m.feed, &m.victim)], "models": ["haircut"]}),
                )
                .await;
            if viewer == Viewer::Public {
                fed.expect_error(401, "unauthenticated");
            } else {
                let body = fed.expect(200);
                let held = &body["held_elsewhere"];
                match sight {
                    Sight::Read => {
                        assert!(
                            fed.body.contains(&m.moved),
                            "{viewer:?} {}: {}",
                            case.label(),
                            fed.body
                        );
                        assert_eq!(held, &json!([]), "{viewer:?} {}", case.label());
                    }
                    Sight::Contact => {
                        assert_eq!(
                            held.as_array().unwrap().len(),
                            1,
                            "{viewer:?} {}: {held}",
                            case.label()
                        );
                        assert_eq!(held[0]["agency"], A);
                        assert_eq!(held[0]["contact"], contact_of(A));
                        assert_eq!(held[0]["addresses"], json!([m.victim]));
                    }
                    Sight::Hidden => assert_eq!(held, &json!([]), "{viewer:?} {}", case.label()),
                }
            }
            assert_no_money_leak(&fed.body, viewer, case, m, "api_money_trace_fed");
            checked.mark(case, viewer, "api_money_trace_fed");

            let traced = world
                .post_json(
                    me,
                    "/api/v1/money/trace",
                    &json!({"seeds": [leg(&m.pay, &m.deposit)]}),
                )
                .await;
            let freeze = world
                .post_json(
                    me,
                    "/api/v1/money/freeze",
                    &json!({"seeds": [leg(&m.pay, &m.deposit)], "targets": [m.mule]}),
                )
                .await;
            match (viewer, sight) {
                (Viewer::Public, _) => {
                    traced.expect_error(401, "unauthenticated");
                    freeze.expect_error(401, "unauthenticated");
                }
                (_, Sight::Read) => {
                    traced.expect(200);
                    assert!(traced.body.contains(&m.moved), "{}", traced.body);
                    if viewer.is_contributor() {
                        freeze.expect_error(403, "forbidden");
                    } else {
                        let package = freeze.expect(200);
                        assert_eq!(
                            package["evidence"]["targets"][0]["address"],
                            m.mule.as_str()
                        );
                        assert!(freeze.body.contains(&m.moved), "{}", freeze.body);
                    }
                }
                (_, _) => {
                    for (answer, missing) in [(&traced, &missing_trace), (&freeze, &missing_freeze)]
                    {
                        if viewer.is_contributor() && std::ptr::eq(answer, &freeze) {
                            answer.expect_error(403, "forbidden");
                            continue;
                        }
                        assert_eq!(
                            answer.status,
                            422,
                            "{viewer:?} {}: {}",
                            case.label(),
                            answer.body
                        );
                        assert_eq!(
                            blank(&answer.body, &[&m.pay, &m.deposit]),
                            blank(&missing.body, &["leakflow-nothingq", &money[0].deposit]),
                            "an unreadable flow answers as a missing one"
                        );
                    }
                }
            }
            assert_no_money_leak(&traced.body, viewer, case, m, "api_money_trace");
            assert_no_money_leak(&freeze.body, viewer, case, m, "api_money_freeze");
            checked.mark(case, viewer, "api_money_trace");
            checked.mark(case, viewer, "api_money_freeze");

            // Mule accounts at any score and the deposit's cluster: none
            // of an unreadable case's flows or addresses, and the cluster
            // of an unreadable deposit answers as an unknown address's.
            let mules = world
                .get(me, "/api/v1/money/mules?min_score=0&crypto=true")
                .await;
            let cluster = world
                .get(
                    me,
                    &format!("/api/v1/money/cluster?address={}", encode(&m.deposit)),
                )
                .await;
            match (viewer, sight) {
                (Viewer::Public, _) => {
                    mules.expect_error(401, "unauthenticated");
                    cluster.expect_error(401, "unauthenticated");
                }
                (_, Sight::Read) => {
                    mules.expect(200);
                    let found = cluster.expect(200);
                    assert_eq!(found["address"], m.deposit.as_str(), "{}", cluster.body);
                }
                (_, _) => {
                    mules.expect(200);
                    cluster.expect_error(422, "invalid_field");
                    assert!(
                        cluster.body.contains("in no flow you may read"),
                        "{}",
                        cluster.body
                    );
                }
            }
            assert_no_money_leak(&mules.body, viewer, case, m, "api_money_mules");
            assert_no_money_leak(&cluster.body, viewer, case, m, "api_money_cluster");
            checked.mark(case, viewer, "api_money_mules");
            checked.mark(case, viewer, "api_money_cluster");
        }

        // ---- console pages ----
        if console {
            let session = match me {
                Some(w) => Some(console_login(&world, &browser, w).await),
                None => None,
            };
            let session = session.as_deref();
            let missing = world
                .page(&browser, session, &format!("/reports/{A}/leakid-nothingq"))
                .await;
            for case in &cases {
                let path = format!("/reports/{A}/{}", encode(&case.id));
                let answer = world.page(&browser, session, &path).await;
                match (session, case.sight(viewer)) {
                    (None, _) => {
                        assert!(
                            (300..400).contains(&answer.status),
                            "the public is sent to log in: {}",
                            answer.status
                        );
                        assert!(answer.header("location").unwrap().starts_with("/login"));
                    }
                    (Some(_), Sight::Read) => {
                        assert_eq!(answer.status, 200, "{viewer:?} {}", case.label());
                        assert!(answer.body.contains(&case.word));
                    }
                    (Some(_), _) => {
                        assert_eq!(answer.status, 404, "{viewer:?} {}", case.label());
                        assert_eq!(
                            answer.body, missing.body,
                            "the console's 404 of an unreadable report must be that of a missing one"
                        );
                    }
                }
                assert_no_leak(&answer.body, viewer, case, true, "console_report");
                checked.mark(case, viewer, "console_report");
            }
            let never = world
                .page(
                    &browser,
                    session,
                    &format!("/selectors/{}", encode(NEVER_HELD_CANONICAL)),
                )
                .await;
            for case in &cases {
                let path = format!("/selectors/{}", encode(&case.unique_canonical));
                let answer = world.page(&browser, session, &path).await;
                if session.is_none() {
                    assert!((300..400).contains(&answer.status), "{}", answer.status);
                } else {
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    match case.sight(viewer) {
                        Sight::Read => assert!(
                            answer
                                .body
                                .contains(&format!("/reports/{A}/{}", encode(&case.id))),
                            "{viewer:?} {}",
                            case.label()
                        ),
                        Sight::Contact => {
                            assert!(answer.body.contains(A));
                            assert!(answer.body.contains(&contact_of(A)));
                        }
                        Sight::Hidden => assert_eq!(
                            blank(&answer.body, &[&case.unique_canonical]),
                            blank(&never.body, &[NEVER_HELD_CANONICAL]),
                            "a hidden report's selector page must be that of a selector nobody holds"
                        ),
                    }
                }
                assert_no_leak(&answer.body, viewer, case, true, "console_selector");
                checked.mark(case, viewer, "console_selector");
            }
            for (_, canonical) in SHARED {
                let answer = world
                    .page(
                        &browser,
                        session,
                        &format!("/selectors/{}", encode(canonical)),
                    )
                    .await;
                if session.is_some() {
                    assert_eq!(answer.status, 200);
                    for case in &cases {
                        let href = format!("/reports/{A}/{}", encode(&case.id));
                        assert_eq!(
                            answer.body.contains(&href),
                            case.sight(viewer) == Sight::Read,
                            "{canonical} {viewer:?} {}",
                            case.label()
                        );
                    }
                }
                for case in &cases {
                    assert_no_leak(&answer.body, viewer, case, false, "console_selector_shared");
                    checked.mark(case, viewer, "console_selector_shared");
                }
            }
            let nothing = world
                .page(&browser, session, &format!("/search?q={NEVER_WORD}"))
                .await;
            for case in &cases {
                let answer = world
                    .page(&browser, session, &format!("/search?q={}", case.word))
                    .await;
                if session.is_none() {
                    assert!((300..400).contains(&answer.status), "{}", answer.status);
                } else {
                    assert_eq!(answer.status, 200);
                    if case.sight(viewer) == Sight::Read {
                        assert!(
                            answer
                                .body
                                .contains(&format!("/reports/{A}/{}", encode(&case.id)))
                        );
                    } else {
                        // The page repeats the words searched for; apart
                        // from them it is the page of a search that finds
                        // nothing.
                        assert_eq!(
                            blank(&answer.body, &[&case.word]),
                            blank(&nothing.body, &[NEVER_WORD]),
                            "{viewer:?} {}",
                            case.label()
                        );
                    }
                }
                // Only the echo of the query may hold the word.
                let echoes = answer.body.matches(&case.word).count();
                let nothing_echoes = nothing.body.matches(NEVER_WORD).count();
                if case.sight(viewer) != Sight::Read {
                    assert_eq!(echoes, nothing_echoes, "{viewer:?} {}", case.label());
                    assert!(!answer.body.contains(&case.id));
                }
                checked.mark(case, viewer, "console_search");
            }
            let common = world
                .page(&browser, session, &format!("/search?q={COMMON_WORD}"))
                .await;
            for case in &cases {
                if session.is_some() {
                    let href = format!("/reports/{A}/{}", encode(&case.id));
                    assert_eq!(
                        common.body.contains(&href),
                        case.sight(viewer) == Sight::Read
                    );
                }
                assert_no_leak(&common.body, viewer, case, false, "console_search_common");
                checked.mark(case, viewer, "console_search_common");
            }
            // The dashboard counts only what the viewer may read (a
            // contributor: its own agency's).
            let dashboard = world.page(&browser, session, "/").await;
            if session.is_some() {
                assert_eq!(dashboard.status, 200);
                let own_agency = 1;
                let others_green = 1;
                let count = if viewer.is_contributor() {
                    if viewer.agency() == Some(A) {
                        readable.len()
                    } else {
                        own_agency
                    }
                } else {
                    readable.len() + own_agency + others_green
                };
                assert!(
                    dashboard
                        .body
                        .contains(&format!("Computed over the <strong>{count}</strong>")),
                    "{viewer:?} should count {count}:\n{}",
                    dashboard.body
                );
            } else {
                assert!((300..400).contains(&dashboard.status));
            }
            for case in &cases {
                assert_no_leak(&dashboard.body, viewer, case, false, "console_dashboard");
                checked.mark(case, viewer, "console_dashboard");
            }
            // The network page and the compound map, as the API shows them.
            let network_page = world
                .page(&browser, session, &format!("/networks/{network}"))
                .await;
            let map = world.page(&browser, session, "/compounds").await;
            if session.is_some() {
                let readable = cases
                    .iter()
                    .filter(|c| c.sight(viewer) == Sight::Read)
                    .count();
                let contact = cases.iter().any(|c| c.sight(viewer) == Sight::Contact);
                assert_eq!(
                    network_page.status,
                    if readable > 0 || contact { 200 } else { 404 },
                    "{viewer:?}"
                );
                assert_eq!(map.status, 200);
                assert_eq!(
                    map.body.contains("circle class=\"compound"),
                    readable >= 2,
                    "{viewer:?}"
                );
            }
            for case in &cases {
                assert_no_leak(&network_page.body, viewer, case, false, "console_network");
                checked.mark(case, viewer, "console_network");
                assert_no_leak(&map.body, viewer, case, false, "console_compounds");
                checked.mark(case, viewer, "console_compounds");
            }
            // The console's audit page shows the own agency's data only.
            let audit = world.page(&browser, session, "/audit").await;
            match viewer {
                Viewer::Public => assert!((300..400).contains(&audit.status)),
                v if v.is_contributor() => assert_eq!(audit.status, 403),
                _ => {
                    assert_eq!(audit.status, 200);
                    assert!(!audit.body.contains(&format!("{A}/")), "{}", audit.body);
                    for (_, canonical) in SHARED {
                        assert!(!audit.body.contains(canonical), "{}", audit.body);
                    }
                }
            }
            for case in &cases {
                assert_no_leak(&audit.body, viewer, case, true, "console_audit");
                assert!(!audit.body.contains(&case.unique_canonical));
                checked.mark(case, viewer, "console_audit");
            }
            // The money page: the trace from the CLEAR feed as the API
            // gave it, and from the case's payment the page of a missing
            // flow.
            let money_page = |flow: &str, address: &str| {
                format!("/money?flow={}&address={}", encode(flow), encode(address))
            };
            let missing = world
                .page(
                    &browser,
                    session,
                    &money_page("leakflow-nothingq", &money[0].deposit),
                )
                .await;
            for (case, m) in cases.iter().zip(&money) {
                let fed = world
                    .page(&browser, session, &money_page(&m.feed, &m.victim))
                    .await;
                let paid = world
                    .page(&browser, session, &money_page(&m.pay, &m.deposit))
                    .await;
                match (session, case.sight(viewer)) {
                    (None, _) => {
                        for page in [&fed, &paid] {
                            assert!((300..400).contains(&page.status), "{}", page.status);
                        }
                    }
                    (Some(_), sight) => {
                        assert_eq!(fed.status, 200, "{}", fed.body);
                        assert_eq!(
                            fed.body.contains(r#"id="held-elsewhere""#),
                            sight == Sight::Contact,
                            "{viewer:?} {}",
                            case.label()
                        );
                        if sight == Sight::Read {
                            assert_eq!(paid.status, 200, "{}", paid.body);
                            assert!(paid.body.contains(&m.moved));
                        } else {
                            assert_eq!(paid.status, 422, "{}", paid.body);
                            assert_eq!(
                                blank(&paid.body, &[&m.pay, &m.deposit]),
                                blank(&missing.body, &["leakflow-nothingq", &money[0].deposit]),
                                "the console's page of an unreadable flow is that of a missing one"
                            );
                        }
                    }
                }
                assert_no_money_leak(&fed.body, viewer, case, m, "console_money");
                assert_no_money_leak(&paid.body, viewer, case, m, "console_money");
                checked.mark(case, viewer, "console_money");

                let mules = world
                    .page(&browser, session, "/money/mules?min_score=0&crypto=on")
                    .await;
                let cluster = world
                    .page(
                        &browser,
                        session,
                        &format!("/money/cluster?address={}", encode(&m.deposit)),
                    )
                    .await;
                match (session, case.sight(viewer)) {
                    (None, _) => {
                        for page in [&mules, &cluster] {
                            assert!((300..400).contains(&page.status), "{}", page.status);
                        }
                    }
                    (Some(_), Sight::Read) => {
                        assert_eq!(mules.status, 200, "{}", mules.body);
                        assert_eq!(cluster.status, 200, "{}", cluster.body);
                    }
                    (Some(_), _) => {
                        assert_eq!(mules.status, 200, "{}", mules.body);
                        assert_eq!(cluster.status, 422, "{}", cluster.body);
                    }
                }
                assert_no_money_leak(&mules.body, viewer, case, m, "console_money_mules");
                assert_no_money_leak(&cluster.body, viewer, case, m, "console_money_cluster");
                checked.mark(case, viewer, "console_money_mules");
                checked.mark(case, viewer, "console_money_cluster");
            }
        }
    }

    // ---- the audit log: each agency sees records about its own data ----
    // Wait until the reads of the recipient's and the outsider's own
    // reports are written, so that their logs are not trivially empty.
    for reader in [who(R, "analyst"), who(O, "analyst")] {
        eventually(
            Duration::from_secs(10),
            "the audit records",
            &mut || async {
                let page = world.get(Some(&reader), "/api/v1/audit").await.expect(200);
                (!page["records"].as_array().unwrap().is_empty()).then_some(())
            },
        )
        .await;
    }
    for viewer in VIEWERS {
        let me = viewer.who();
        let answer = world
            .get_query(me.as_deref(), "/api/v1/audit", &[("limit", "500")])
            .await;
        // The owner of every record, read from the store after the page
        // (reads queued earlier may have been written meanwhile).
        let mut owner_of: BTreeMap<i64, Option<String>> = BTreeMap::new();
        loop {
            let after = owner_of.keys().next_back().copied().unwrap_or(0);
            let page = world.store.audit_after(after, 1000).await.unwrap();
            if page.is_empty() {
                break;
            }
            owner_of.extend(page.into_iter().map(|r| (r.seq, r.event.owner)));
        }
        match viewer {
            Viewer::Public => {
                answer.expect_error(401, "unauthenticated");
            }
            v if v.is_contributor() => {
                answer.expect_error(403, "forbidden");
            }
            _ => {
                let page = answer.expect(200);
                let records = page["records"].as_array().unwrap();
                assert!(!records.is_empty(), "{viewer:?}");
                for r in records {
                    let seq = r["seq"].as_i64().unwrap();
                    let owner = owner_of.get(&seq).expect("a record of the store");
                    assert_eq!(
                        owner.as_deref(),
                        viewer.agency(),
                        "{viewer:?} sees a record about another agency's data: {r}"
                    );
                    assert_ne!(r["actor"], A, "{r}");
                }
                assert!(!answer.body.contains(&format!("{A}/")));
                for (_, canonical) in SHARED {
                    assert!(!answer.body.contains(canonical));
                }
            }
        }
        for case in &cases {
            assert_no_leak(&answer.body, viewer, case, true, "api_audit");
            assert!(!answer.body.contains(&case.unique_canonical), "{viewer:?}");
            checked.mark(case, viewer, "api_audit");
        }
    }
    // The owner's own log holds the others' reads and hit queries.
    let owner_log = world
        .get_query(Some(&who(A, "admin")), "/api/v1/audit", &[("limit", "500")])
        .await
        .expect(200);
    let owner_records = owner_log["records"].as_array().unwrap();
    assert!(
        owner_records
            .iter()
            .any(|r| r["actor"] == R && r["action"] == "read_report")
    );
    assert!(
        owner_records
            .iter()
            .any(|r| r["actor"] == O && r["action"] == "hit_query")
    );

    let paths = checked.paths();
    let want = cases.len() * VIEWERS.len() * paths.len();
    assert_eq!(
        checked.0.len(),
        want,
        "every (marking, viewer, path) is checked"
    );
    eprintln!(
        "access suite on {backend:?}: {} combinations checked ({} markings x 2 hit notification x {} viewers x {} paths)",
        checked.0.len(),
        TLPS.len(),
        VIEWERS.len(),
        paths.len()
    );
}

async fn a_tightened_revision_takes_back_what_the_old_one_showed(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let owner = who(A, "analyst");
    let open = json!({
        "id": "leakid-revq", "kind": "tip", "country": "KH", "received": RECEIVED,
        "marking": {"tlp": "CLEAR"},
        "narrative": "first said leakwordrev1q", "selectors": ["leak-rev@example.com"],
    });
    world.submit(&owner, &open).await;
    world
        .get(None, &format!("/api/v1/reports/{A}/leakid-revq"))
        .await
        .expect(200);
    let tight = json!({
        "id": "leakid-revq", "kind": "tip", "country": "KH", "received": RECEIVED,
        "marking": {"tlp": "RED", "recipients": [who(R, "analyst")], "hit_notification": false},
        "narrative": "then said leakwordrev2q", "selectors": ["leak-rev@example.com"],
    });
    let answer = world.submit(&owner, &tight).await;
    assert_eq!(answer["results"][0]["revision"], 2);

    // On the server that took the revision, on a fresh replica that loads
    // its index from the store, and after a third revision written behind
    // the servers' backs.
    check_tightened(&world).await;
    let replica = world.replica(test_config()).await;
    check_tightened(&replica).await;
    let submission: cordon_core::ReportSubmission = serde_json::from_value(json!({
        "id": "leakid-revq", "kind": "tip", "country": "KH", "received": RECEIVED,
        "marking": {"tlp": "AMBER", "recipients": [R], "hit_notification": false},
        "narrative": "at last said leakwordrev3q", "selectors": ["leak-rev@example.com"],
    }))
    .unwrap();
    let third = submission.validate(chrono::Utc::now()).unwrap();
    world
        .store
        .submit(A, &[third], chrono::Utc::now())
        .await
        .unwrap();
    let outsider = who(O, "analyst");
    // The recipient agency's other analyst may now read it, through both
    // servers' indexes once they follow the store; the outsider still
    // learns nothing.
    for server in [&world, &replica] {
        eventually(
            Duration::from_secs(10),
            "the third revision",
            &mut || async {
                let hits = server
                    .get_query(
                        Some(&who(R, "analyst2")),
                        "/api/v1/hits",
                        &[("selector", "leak-rev@example.com")],
                    )
                    .await
                    .expect(200);
                (hits["readable"].as_array().unwrap().len() == 1).then_some(())
            },
        )
        .await;
        let hits = server
            .get_query(
                Some(&outsider),
                "/api/v1/hits",
                &[("selector", "leak-rev@example.com")],
            )
            .await;
        assert_eq!(hits.expect(200)["held_elsewhere"], json!([]));
        assert!(!hits.body.contains(A));
        let read = server
            .get(Some(&outsider), &format!("/api/v1/reports/{A}/leakid-revq"))
            .await;
        read.expect_error(404, "not_found");
    }
}

/// Nobody but the owner and the named individual learns anything of the
/// tightened report, not even through its first, open revision.
async fn check_tightened(world: &World) {
    let (outsider, colleague) = (who(O, "analyst"), who(R, "analyst2"));
    for me in [None, Some(outsider.as_str()), Some(colleague.as_str())] {
        let read = world
            .get(me, &format!("/api/v1/reports/{A}/leakid-revq"))
            .await;
        read.expect_error(404, "not_found");
        let list = world
            .get_query(me, "/api/v1/reports", &[("q", "said")])
            .await;
        assert_eq!(
            listed_ids(&list.expect(200)),
            Vec::<String>::new(),
            "{me:?}"
        );
        let mut bodies = vec![read.body, list.body];
        if me.is_some() {
            let hits = world
                .get_query(me, "/api/v1/hits", &[("selector", "leak-rev@example.com")])
                .await
                .expect(200);
            assert_eq!(hits["readable"], json!([]), "{me:?}");
            assert_eq!(hits["held_elsewhere"], json!([]), "{me:?}");
            bodies.push(hits.to_string());
        }
        for body in bodies {
            for secret in ["leakwordrev1q", "leakwordrev2q", "leakid-revq", A] {
                assert!(!body.contains(secret), "{secret} leaked to {me:?}: {body}");
            }
        }
    }
    // The named individual reads the new revision only.
    let named = world
        .get(
            Some(&who(R, "analyst")),
            &format!("/api/v1/reports/{A}/leakid-revq"),
        )
        .await
        .expect(200);
    assert_eq!(named["revision"], 2);
    assert!(!named.to_string().contains("leakwordrev1q"));
}
