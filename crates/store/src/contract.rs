//! The contract suite: what every [`Store`] backend must do, written once.
//!
//! Each case is an async function over a [`Fixture`], which opens a store on
//! a fresh, empty database that it owns (a temporary SQLite file, a
//! PostgreSQL schema) and can open again on the same data after the previous
//! store was dropped. [`store_contract_suite!`](crate::store_contract_suite)
//! turns every case into one `#[tokio::test]` of the backend's crate, as
//! quickwit's `metastore_test_suite!` does:
//!
//! ```ignore
//! // crates/store-sqlite/tests/contract.rs
//! cordon_store::store_contract_suite!(SqliteFixture::new());
//! ```
//!
//! where the expression evaluates to a future of `Option<impl Fixture>`;
//! `None` skips the test (a backend whose service is absent outside CI).
//!
//! Decisions the suite pins down, so that backends agree:
//! - a revoked token is still found by its digest, with `revoked` set, so
//!   that the server can answer "token revoked" rather than "unknown token";
//!   `revoke_token` on an already revoked or unknown id returns `false`;
//! - `postings_after(after, limit)` returns the postings of at most `limit`
//!   current reports that hold selectors, whole: a page never splits a
//!   report, so paging by the last posting's `seq` loses nothing, and only
//!   the last page is empty;
//! - times are kept to the microsecond (PostgreSQL's precision); an audit
//!   record's hash covers its time as stored;
//! - a report with an empty id is `Invalid` and rejects its whole batch;
//! - `users` of an unknown agency is an empty list;
//! - `list_reports` text is words only: runs of letters and digits, matched
//!   whole and case-insensitively; punctuation, quotes and operators of
//!   either backend's query syntax separate words and mean nothing more; a
//!   text without any word is ignored (see `crate::terms`);
//! - `report_by_stix` lists every (agency, id) that derives the UUID, in
//!   that order: reports of two agencies keeping one STIX id from another
//!   tool share it; `selector_by_stix` finds a selector while a current
//!   revision holds it, as `postings` does, and finds nothing rather than
//!   failing for text that is no STIX identifier;
//! - kept STIX objects: their JSON is compared as text, byte by byte
//!   (spacing is content); an identical put keeps the first row, its time
//!   and its marking; versions order as text byte by byte, whatever the
//!   database's locale; a look-up or delete naming text with a NUL is
//!   `Invalid`, as a put of it is;
//! - the decision log: a batch's decisions share one time, the store's
//!   clock's, to the microsecond, and take increasing sequence numbers in
//!   the batch's order, above every earlier one (gaps are allowed, which
//!   the suite never relies on); a body reads back equal as a
//!   `serde_json::Value`, floats to the last bit, extreme integers and an
//!   escaped NUL included; an invalid decision is `Invalid`, names its
//!   field and index (`decisions[1].kind`) and rejects its whole batch; an
//!   empty batch writes nothing; `decisions_about` a subject holding a NUL
//!   is `Invalid`, as an append of it is;
//! - leadership: a role is held by one guard at a time among every store
//!   open on the database (a second store on it stands for another
//!   replica), the holder's own store included; dropping the guard frees
//!   it (PostgreSQL frees it when the session ends, a moment later); roles
//!   are independent; a bad role name is `Invalid`.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::selector::{Hint, normalize_one};
use cordon_core::{Marking, Report, ReportKind, Selector, Tlp};

use crate::audit::{self, AuditEvent, AuditRecord, GENESIS};
use crate::{
    Decision, NewAgency, NewDecision, NewStixObject, NewToken, NewUser, PutOutcome, ReportFilter,
    StixFilter, Store, StoreError, StoredStixObject, SubmitOutcome, Token,
};

/// A database for one test case, and the way to open a store on it.
pub trait Fixture: Send + 'static {
    type Store: Store;

    /// Opens a store on this fixture's database: empty the first time, the
    /// same data again after the previous store was dropped.
    fn open(&mut self) -> impl Future<Output = Self::Store> + Send;
}

/// Instantiates every contract case as a `#[tokio::test]` for one backend.
/// `$fixture` is an expression giving a future of `Option<impl Fixture>`,
/// evaluated afresh in each test. The calling crate needs `tokio` (with the
/// `macros` and `rt-multi-thread` features) as a dev-dependency.
#[macro_export]
macro_rules! store_contract_suite {
    ($fixture:expr) => {
        $crate::store_contract_suite!(@cases ($fixture)
            agencies_are_created_listed_and_unique
            users_belong_to_known_agencies
            tokens_are_found_by_digest_and_revoked
            a_new_report_is_accepted_as_revision_one
            the_same_content_is_unchanged
            changed_content_is_a_new_revision_and_the_old_one_is_kept
            postings_follow_the_current_revision
            postings_carry_the_marking
            an_unknown_agency_writes_nothing
            a_bad_report_rejects_its_whole_batch
            duplicate_ids_in_one_batch_are_taken_in_order
            counts_add_up
            reports_after_pages_in_ingest_order
            postings_after_pages_without_splitting_a_report
            the_audit_chain_verifies_across_pages
            audit_for_owner_shows_only_that_owner
            text_no_backend_can_keep_is_invalid_everywhere
            concurrent_writes_are_all_durable_and_visible
            a_reopened_store_finds_everything
            a_user_is_found_by_agency_and_name
            tokens_of_an_agency_are_listed_by_id_revoked_included
            recent_audit_for_owner_is_newest_first
            list_reports_is_newest_first_and_pages_by_seq
            list_reports_filters_by_every_field
            list_reports_filters_by_received_time
            list_reports_shows_only_current_revisions
            text_search_matches_whole_words_and_never_parses_syntax
            a_stix_object_is_kept_and_putting_it_again_is_unchanged
            a_changed_stix_version_is_a_conflict_and_writes_nothing
            a_stix_batch_is_all_or_nothing_and_taken_in_order
            stix_objects_of_an_unknown_agency_write_nothing
            reports_and_kept_objects_are_written_together
            stix_objects_page_by_seq_and_filter_by_id_type_and_owner
            stix_versions_are_listed_by_version_then_seq_across_owners
            deleting_stix_objects_removes_only_that_owners_rows
            a_deleted_stix_objects_seq_is_never_given_again
            stix_json_is_kept_byte_for_byte
            stix_markings_round_trip
            stix_text_no_backend_can_keep_is_invalid_everywhere
            concurrent_puts_of_one_stix_object_keep_it_once
            a_reopened_store_finds_its_stix_objects
            a_report_is_found_by_its_derived_stix_uuid
            every_selector_kind_is_found_by_its_derived_stix_id
            a_rejected_batch_leaves_no_stix_id_to_find
            a_reopened_store_finds_reports_and_selectors_by_stix_id
            decisions_are_appended_in_order_and_page_by_seq
            decisions_about_a_subject_are_its_history_in_order
            decision_bodies_read_back_as_appended
            a_bad_decision_rejects_its_whole_batch
            an_empty_decision_batch_writes_nothing
            concurrent_decisions_are_all_kept_in_one_order
            a_reopened_store_keeps_its_decisions
            a_role_is_led_by_one_holder_at_a_time
            money_is_kept_once_and_revised_by_a_change
            a_money_batch_is_all_or_nothing
            money_survives_a_reopen
        );
    };
    (@cases ($fixture:expr) $($case:ident)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(mut fixture) = $fixture.await else {
                    return;
                };
                $crate::contract::$case(&mut fixture).await;
            }
        )*
    };
}

// ---- helpers ----

fn time(text: &str) -> DateTime<Utc> {
    text.parse().expect("test times are rfc 3339")
}

/// A canonical selector made by the core's normaliser.
fn selector(text: &str) -> Selector {
    normalize_one(text, &Hint::default())
        .unwrap_or_else(|e| panic!("test selector {text} does not normalise: {e}"))
}

fn phone(n: u32) -> Selector {
    selector(&format!("phone:+8551234{n:04}"))
}

fn email(name: &str) -> Selector {
    selector(&format!("email:{name}@example.com"))
}

/// A report as the core's validation would produce it.
fn report(id: &str, narrative: &str, selectors: &[&Selector]) -> Report {
    let mut selectors: Vec<Selector> = selectors.iter().map(|s| (*s).clone()).collect();
    selectors.sort();
    selectors.dedup();
    Report {
        id: id.to_owned(),
        kind: ReportKind::FraudComplaint,
        received: Some(time("2026-03-01T10:00:00Z")),
        country: "GB".into(),
        language: Some("en".into()),
        marking: Marking::new(Tlp::Amber),
        grading: "B2".parse().ok(),
        mo: vec!["investment".into()],
        narrative: Some(narrative.to_owned()),
        selectors,
        losses: Vec::new(),
        location: None,
    }
}

fn new_agency(code: &str) -> NewAgency {
    NewAgency {
        code: code.to_owned(),
        name: format!("{code} unit"),
        country: code[..2].to_owned(),
        kind: "police".into(),
        contact: format!("duty@{}.example", code.to_ascii_lowercase()),
    }
}

async fn with_agencies<S: Store>(store: &S, codes: &[&str]) {
    for code in codes {
        store
            .create_agency(&new_agency(code))
            .await
            .unwrap_or_else(|e| panic!("creating agency {code}: {e}"));
    }
}

fn accepted() -> DateTime<Utc> {
    time("2026-03-02T08:00:00Z")
}

fn texts(selectors: &[Selector]) -> Vec<&str> {
    selectors.iter().map(Selector::as_str).collect()
}

fn event(actor: &str, owner: Option<&str>, subject: &str) -> AuditEvent {
    AuditEvent {
        at: time("2026-03-02T09:00:00Z"),
        actor: actor.to_owned(),
        user: Some(7),
        action: "hit_query".into(),
        owner: owner.map(str::to_owned),
        subject: subject.to_owned(),
    }
}

async fn submit_one<S: Store>(store: &S, agency: &str, r: &Report) -> SubmitOutcome {
    let out = store
        .submit(agency, std::slice::from_ref(r), accepted())
        .await
        .unwrap_or_else(|e| panic!("submitting {}: {e}", r.id));
    assert_eq!(out.len(), 1);
    out[0]
}

// ---- cases ----

pub async fn agencies_are_created_listed_and_unique<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let kh = store.create_agency(&new_agency("KH-NCB")).await.unwrap();
    assert_eq!(kh.code, "KH-NCB");
    assert_eq!(kh.contact, "duty@kh-ncb.example");
    store.create_agency(&new_agency("GB-NCA")).await.unwrap();

    assert_eq!(store.agency("KH-NCB").await.unwrap(), Some(kh.clone()));
    assert_eq!(store.agency("XX-NONE").await.unwrap(), None);
    let codes: Vec<String> = store
        .agencies()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect();
    assert_eq!(codes, ["GB-NCA", "KH-NCB"], "agencies are listed by code");

    let again = store.create_agency(&new_agency("KH-NCB")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(
        store.agency("KH-NCB").await.unwrap(),
        Some(kh),
        "the first one stands"
    );

    let mut bad_kind = new_agency("TH-DSI");
    bad_kind.kind = "army".into();
    assert!(matches!(
        store.create_agency(&bad_kind).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad_code = new_agency("TH-DSI");
    bad_code.code = String::new();
    assert!(matches!(
        store.create_agency(&bad_code).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.agencies().await.unwrap().len(), 2);
}

pub async fn users_belong_to_known_agencies<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB", "GB-NCA"]).await;
    let new = |agency: &str, name: &str, role: &str| NewUser {
        agency: agency.into(),
        name: name.into(),
        role: role.into(),
    };
    let a = store
        .create_user(&new("KH-NCB", "sokha", "analyst"))
        .await
        .unwrap();
    let b = store
        .create_user(&new("KH-NCB", "dara", "admin"))
        .await
        .unwrap();
    store
        .create_user(&new("GB-NCA", "sokha", "contributor"))
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(
        (a.agency.as_str(), a.name.as_str(), a.role.as_str()),
        ("KH-NCB", "sokha", "analyst")
    );

    let listed = store.users("KH-NCB").await.unwrap();
    assert_eq!(listed, vec![a.clone(), b]);
    assert!(store.users("XX-NONE").await.unwrap().is_empty());

    let dup = store.create_user(&new("KH-NCB", "sokha", "admin")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let orphan = store.create_user(&new("XX-NONE", "x", "admin")).await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
    let role = store.create_user(&new("KH-NCB", "x", "public")).await;
    assert!(matches!(role, Err(StoreError::Invalid(_))), "{role:?}");
    assert_eq!(store.users("KH-NCB").await.unwrap().len(), 2);
}

pub async fn tokens_are_found_by_digest_and_revoked<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB"]).await;
    let user = store
        .create_user(&NewUser {
            agency: "KH-NCB".into(),
            name: "sokha".into(),
            role: "analyst".into(),
        })
        .await
        .unwrap();
    let new = |digest: &[u8]| NewToken {
        user_id: user.id,
        digest: digest.to_vec(),
        label: "laptop".into(),
        created: time("2026-03-01T10:00:00Z"),
    };
    let token = store.create_token(&new(&[1; 32])).await.unwrap();
    assert_eq!(
        (token.agency.as_str(), token.role.as_str()),
        ("KH-NCB", "analyst")
    );
    assert_eq!(token.revoked, None);
    store.create_token(&new(&[2; 32])).await.unwrap();

    assert_eq!(
        store.token_by_digest(&[1; 32]).await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(store.token_by_digest(&[9; 32]).await.unwrap(), None);

    let dup = store.create_token(&new(&[1; 32])).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let mut orphan = new(&[3; 32]);
    orphan.user_id = user.id + 1000;
    assert!(matches!(
        store.create_token(&orphan).await,
        Err(StoreError::NotFound(_))
    ));

    let at = time("2026-03-05T12:00:00Z");
    assert!(store.revoke_token(token.id, at).await.unwrap());
    assert!(
        !store
            .revoke_token(token.id, time("2026-03-06T12:00:00Z"))
            .await
            .unwrap(),
        "already revoked"
    );
    assert!(
        !store.revoke_token(token.id + 1000, at).await.unwrap(),
        "no such token"
    );

    let revoked = store
        .token_by_digest(&[1; 32])
        .await
        .unwrap()
        .expect("a revoked token is still found");
    assert_eq!(
        revoked.revoked,
        Some(at),
        "the first revocation time stands"
    );
    let other = store.token_by_digest(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(
        other.revoked, None,
        "revoking one token leaves the others live"
    );
}

pub async fn a_new_report_is_accepted_as_revision_one<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let r = report("gb-1", "call this number", &[&phone(1), &email("recruit")]);
    let SubmitOutcome::Accepted { revision, seq } = submit_one(&store, "GB-NCA", &r).await else {
        panic!("a new report is accepted");
    };
    assert_eq!(revision, 1);

    let stored = store
        .report("GB-NCA", "gb-1")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.seq, seq);
    assert_eq!(stored.agency, "GB-NCA");
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.accepted, accepted());
    assert_eq!(stored.digest, r.digest());
    assert_eq!(stored.report, r, "the report reads back exactly");
    assert_eq!(store.report("GB-NCA", "gb-2").await.unwrap(), None);
    assert_eq!(
        store.report("KH-NCB", "gb-1").await.unwrap(),
        None,
        "ids are per agency"
    );
}

pub async fn the_same_content_is_unchanged<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let r = report("gb-1", "call this number", &[&phone(1)]);
    let first = submit_one(&store, "GB-NCA", &r).await;
    let SubmitOutcome::Accepted { revision, seq } = first else {
        panic!("{first:?}");
    };
    let before = store.counts().await.unwrap();
    let again = submit_one(&store, "GB-NCA", &r).await;
    assert_eq!(again, SubmitOutcome::Unchanged { revision, seq });
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert_eq!(store.revisions("GB-NCA", "gb-1").await.unwrap().len(), 1);
}

pub async fn changed_content_is_a_new_revision_and_the_old_one_is_kept<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let v1 = report("gb-1", "first account", &[&phone(1)]);
    let v2 = report("gb-1", "corrected account", &[&phone(1), &phone(2)]);
    let SubmitOutcome::Accepted { seq: seq1, .. } = submit_one(&store, "GB-NCA", &v1).await else {
        panic!("v1 accepted");
    };
    let out = submit_one(&store, "GB-NCA", &v2).await;
    let SubmitOutcome::Accepted {
        revision: 2,
        seq: seq2,
    } = out
    else {
        panic!("a change is revision 2, got {out:?}");
    };
    assert!(seq2 > seq1, "a revision gets a later ingest sequence");

    let current = store.report("GB-NCA", "gb-1").await.unwrap().unwrap();
    assert_eq!((current.revision, current.seq), (2, seq2));
    assert_eq!(current.report, v2);

    let all = store.revisions("GB-NCA", "gb-1").await.unwrap();
    assert_eq!(all.len(), 2, "the old revision is kept");
    assert_eq!((all[0].revision, all[0].seq), (1, seq1));
    assert_eq!(all[0].report, v1);
    assert_eq!(all[1].report, v2);

    // Going back to the first content is a change too: revision 3.
    let out = submit_one(&store, "GB-NCA", &v1).await;
    assert!(
        matches!(out, SubmitOutcome::Accepted { revision: 3, .. }),
        "{out:?}"
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.reports, counts.revisions), (1, 3));
}

pub async fn postings_follow_the_current_revision<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let (kept, dropped, added) = (phone(1), phone(2), email("handler"));
    submit_one(&store, "GB-NCA", &report("gb-1", "v1", &[&kept, &dropped])).await;
    let SubmitOutcome::Accepted { seq: kh_seq, .. } =
        submit_one(&store, "KH-NCB", &report("kh-1", "same phone", &[&kept])).await
    else {
        panic!("accepted");
    };
    let seqs = |p: Vec<crate::Posting>| -> Vec<(String, String, i64)> {
        p.into_iter()
            .map(|p| (p.agency, p.report_id, p.seq))
            .collect()
    };
    assert_eq!(store.postings(dropped.as_str()).await.unwrap().len(), 1);

    let SubmitOutcome::Accepted { seq: v2_seq, .. } =
        submit_one(&store, "GB-NCA", &report("gb-1", "v2", &[&kept, &added])).await
    else {
        panic!("accepted");
    };
    assert!(
        store.postings(dropped.as_str()).await.unwrap().is_empty(),
        "a selector dropped by the new revision no longer posts"
    );
    assert_eq!(
        seqs(store.postings(kept.as_str()).await.unwrap()),
        vec![
            ("KH-NCB".to_owned(), "kh-1".to_owned(), kh_seq),
            ("GB-NCA".to_owned(), "gb-1".to_owned(), v2_seq)
        ],
        "postings of current revisions only, in ingest order"
    );
    assert_eq!(
        seqs(store.postings(added.as_str()).await.unwrap()),
        vec![("GB-NCA".to_owned(), "gb-1".to_owned(), v2_seq)]
    );
    assert!(
        store
            .postings("phone:+10000000000")
            .await
            .unwrap()
            .is_empty(),
        "unknown selector"
    );
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.selectors, 3, "the dropped selector is still known");
    assert_eq!(counts.links, 3, "links of current revisions only");
}

pub async fn postings_carry_the_marking<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let mut r = report("gb-red", "sensitive", &[&phone(7)]);
    r.marking = Marking {
        tlp: Tlp::Red,
        recipients: vec!["KH-NCB".into(), "TH-DSI".into()],
        hit_notification: false,
    };
    r.received = Some(time("2026-02-27T23:59:59.123456Z"));
    submit_one(&store, "GB-NCA", &r).await;
    let p = store.postings(phone(7).as_str()).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].tlp, Tlp::Red);
    assert_eq!(p[0].recipients, ["KH-NCB", "TH-DSI"]);
    assert!(!p[0].hit_notification);
    assert_eq!(Some(p[0].received), r.received);
    assert_eq!(p[0].report_id, "gb-red");
}

pub async fn an_unknown_agency_writes_nothing<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    submit_one(&store, "GB-NCA", &report("gb-1", "x", &[&phone(1)])).await;
    let before = store.counts().await.unwrap();
    let batch = [
        report("x-1", "x", &[&phone(2)]),
        report("x-2", "y", &[&phone(3)]),
    ];
    let e = store.submit("XX-NONE", &batch, accepted()).await;
    assert!(matches!(e, Err(StoreError::NotFound(_))), "{e:?}");
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert!(store.postings(phone(2).as_str()).await.unwrap().is_empty());
    let e = store.submit("XX-NONE", &[], accepted()).await;
    assert!(
        matches!(e, Err(StoreError::NotFound(_))),
        "an empty batch still names an agency: {e:?}"
    );
}

pub async fn a_bad_report_rejects_its_whole_batch<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    submit_one(&store, "GB-NCA", &report("gb-0", "x", &[&phone(1)])).await;
    let before = store.counts().await.unwrap();
    let batch = [
        report("gb-1", "good", &[&phone(2)]),
        report("gb-0", "a good revision", &[&phone(3)]),
        report("", "no id", &[&phone(4)]),
    ];
    let e = store.submit("GB-NCA", &batch, accepted()).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    assert_eq!(store.counts().await.unwrap(), before, "all or nothing");
    assert_eq!(store.report("GB-NCA", "gb-1").await.unwrap(), None);
    assert_eq!(
        store
            .report("GB-NCA", "gb-0")
            .await
            .unwrap()
            .unwrap()
            .revision,
        1
    );
    assert!(store.postings(phone(2).as_str()).await.unwrap().is_empty());

    let ok = store
        .submit("GB-NCA", &batch[..2], accepted())
        .await
        .unwrap();
    assert!(
        matches!(
            ok[..],
            [
                SubmitOutcome::Accepted { revision: 1, .. },
                SubmitOutcome::Accepted { revision: 2, .. }
            ]
        ),
        "{ok:?}"
    );
}

pub async fn duplicate_ids_in_one_batch_are_taken_in_order<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let a = report("gb-1", "first", &[&phone(1)]);
    let b = report("gb-1", "second", &[&phone(2)]);
    let out = store
        .submit(
            "GB-NCA",
            &[a.clone(), a.clone(), b.clone(), b.clone()],
            accepted(),
        )
        .await
        .unwrap();
    let SubmitOutcome::Accepted {
        revision: 1,
        seq: s1,
    } = out[0]
    else {
        panic!("{out:?}");
    };
    assert_eq!(
        out[1],
        SubmitOutcome::Unchanged {
            revision: 1,
            seq: s1
        }
    );
    let SubmitOutcome::Accepted {
        revision: 2,
        seq: s2,
    } = out[2]
    else {
        panic!("{out:?}");
    };
    assert_eq!(
        out[3],
        SubmitOutcome::Unchanged {
            revision: 2,
            seq: s2
        }
    );
    assert!(s2 > s1);
    assert_eq!(
        store
            .report("GB-NCA", "gb-1")
            .await
            .unwrap()
            .unwrap()
            .report,
        b
    );
    assert!(store.postings(phone(1).as_str()).await.unwrap().is_empty());
    assert_eq!(store.postings(phone(2).as_str()).await.unwrap().len(), 1);
}

pub async fn counts_add_up<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    assert_eq!(
        store.counts().await.unwrap(),
        crate::Counts::default(),
        "a new store is empty"
    );
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let shared = phone(1);
    store
        .submit(
            "GB-NCA",
            &[
                report("gb-1", "a", &[&shared, &phone(2)]),
                report("gb-2", "b", &[&shared]),
                report("gb-3", "narrative only", &[]),
            ],
            accepted(),
        )
        .await
        .unwrap();
    submit_one(
        &store,
        "KH-NCB",
        &report("kh-1", "c", &[&shared, &email("boss")]),
    )
    .await;
    submit_one(
        &store,
        "GB-NCA",
        &report("gb-2", "b corrected", &[&phone(3)]),
    )
    .await;
    store
        .append_audit(&[event("KH-NCB", Some("GB-NCA"), "gb-1")])
        .await
        .unwrap();
    let c = store.counts().await.unwrap();
    assert_eq!(c.agencies, 2);
    assert_eq!(c.reports, 4);
    assert_eq!(c.revisions, 5);
    assert_eq!(c.selectors, 4, "phone 1, 2, 3 and one email");
    assert_eq!(c.links, 5, "gb-1: 2, gb-2: 1, kh-1: 2");
    assert_eq!(c.audit, 1);
}

pub async fn reports_after_pages_in_ingest_order<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    for i in 0u32..5 {
        let agency = if i.is_multiple_of(2) {
            "GB-NCA"
        } else {
            "KH-NCB"
        };
        submit_one(
            &store,
            agency,
            &report(&format!("r-{i}"), "x", &[&phone(i)]),
        )
        .await;
    }
    // r-1 is corrected: it moves to the end of the ingest order.
    submit_one(&store, "KH-NCB", &report("r-1", "corrected", &[&phone(1)])).await;

    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.reports_after(after, 2).await.unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last.seq;
        seen.extend(page);
    }
    let ids: Vec<&str> = seen.iter().map(|r| r.report.id.as_str()).collect();
    assert_eq!(ids, ["r-0", "r-2", "r-3", "r-4", "r-1"]);
    assert!(seen.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(seen[4].revision, 2);
    assert_eq!(seen[4].report.narrative.as_deref(), Some("corrected"));
    assert!(store.reports_after(after, 10).await.unwrap().is_empty());
}

pub async fn postings_after_pages_without_splitting_a_report<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let many: Vec<Selector> = (10..15).map(phone).collect();
    let many_refs: Vec<&Selector> = many.iter().collect();
    let batch = [
        report("a", "x", &many_refs),
        report("b", "no selectors", &[]),
        report("c", "x", &[&phone(1), &email("c")]),
        report("d", "x", &[&phone(1)]),
        report("e", "x", &[&phone(2), &phone(3)]),
    ];
    store.submit("GB-NCA", &batch, accepted()).await.unwrap();
    submit_one(&store, "GB-NCA", &report("d", "corrected", &[&phone(4)])).await;

    let mut expected = BTreeSet::new();
    for id in ["a", "b", "c", "d", "e"] {
        let r = store.report("GB-NCA", id).await.unwrap().unwrap();
        for s in &r.report.selectors {
            expected.insert((r.seq, s.as_str().to_owned()));
        }
    }

    let mut got = Vec::new();
    let mut after = 0;
    let mut pages = 0;
    loop {
        let page = store.postings_after(after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        pages += 1;
        let reports: BTreeSet<i64> = page.iter().map(|p| p.posting.seq).collect();
        assert!(reports.len() <= 2, "at most `limit` reports per page");
        assert!(
            page.windows(2)
                .all(|w| w[0].posting.seq <= w[1].posting.seq),
            "ingest order"
        );
        after = last.posting.seq;
        got.extend(page.into_iter().map(|p| (p.posting.seq, p.selector)));
    }
    assert_eq!(pages, 2, "4 reports hold selectors: two full pages");
    let got_set: BTreeSet<(i64, String)> = got.iter().cloned().collect();
    assert_eq!(got_set.len(), got.len(), "no posting twice");
    assert_eq!(
        got_set, expected,
        "every posting of every current revision, none split off"
    );
}

pub async fn the_audit_chain_verifies_across_pages<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let mut appended = Vec::new();
    appended.extend(
        store
            .append_audit(&[event("GB-NCA", Some("KH-NCB"), "phone:+85512340001")])
            .await
            .unwrap(),
    );
    appended.extend(
        store
            .append_audit(&[
                event("KH-NCB", Some("GB-NCA"), "gb-1"),
                event("TH-DSI", None, "phone:+66812345678"),
            ])
            .await
            .unwrap(),
    );
    let mut precise = event("GB-NCA", Some("KH-NCB"), "kh-9");
    precise.at = time("2026-03-02T09:00:00.123456789Z");
    precise.user = None;
    appended.extend(
        store
            .append_audit(&[precise, event("GB-NCA", Some("KH-NCB"), "kh-10")])
            .await
            .unwrap(),
    );
    assert!(store.append_audit(&[]).await.unwrap().is_empty());

    assert_eq!(
        appended.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(appended[0].prev_hash, GENESIS);
    assert_eq!(
        appended[3].event.at,
        time("2026-03-02T09:00:00.123456Z"),
        "kept to the microsecond"
    );
    audit::verify(0, GENESIS.into(), &appended).expect("the appended records chain");

    let mut read = Vec::new();
    let (mut seq, mut hash) = (0, GENESIS.to_owned());
    loop {
        let page = store.audit_after(seq, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        (seq, hash) = audit::verify(seq, hash, &page).expect("each page continues the chain");
        read.extend(page);
    }
    assert_eq!(read, appended, "the log reads back as appended");
    assert_eq!(seq, 5);
    assert_eq!(hash, appended[4].hash);
}

pub async fn audit_for_owner_shows_only_that_owner<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let events = [
        event("GB-NCA", Some("KH-NCB"), "a"),
        event("KH-NCB", Some("GB-NCA"), "b"),
        event("TH-DSI", Some("KH-NCB"), "c"),
        event("TH-DSI", None, "d"),
        event("GB-NCA", Some("KH-NCB"), "e"),
    ];
    store.append_audit(&events).await.unwrap();
    let kh = store.audit_for_owner("KH-NCB", 0, 100).await.unwrap();
    assert_eq!(
        kh.iter()
            .map(|r| r.event.subject.as_str())
            .collect::<Vec<_>>(),
        ["a", "c", "e"]
    );
    assert!(
        kh.iter()
            .all(|r| r.event.owner.as_deref() == Some("KH-NCB"))
    );
    let page = store.audit_for_owner("KH-NCB", kh[0].seq, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].event.subject, "c");
    assert!(
        store
            .audit_for_owner("XX-NONE", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // The owner's records are the chain's own: they check against it.
    let all = store.audit_after(0, 100).await.unwrap();
    for r in &kh {
        assert_eq!(all.iter().find(|a| a.seq == r.seq), Some(r));
    }
}

pub async fn text_no_backend_can_keep_is_invalid_everywhere<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let before = store.counts().await.unwrap();

    let mut agency = new_agency("KH-NCB");
    agency.contact = "duty\0desk".into();
    let e = store.create_agency(&agency).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");

    let mut r = report("gb-1", "x", &[&phone(1)]);
    r.marking.recipients = vec!["KH\0NCB".into()];
    let e = store.submit("GB-NCA", &[r], accepted()).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");

    let e = store
        .append_audit(&[
            event("GB-NCA", None, "ok"),
            event("GB-NCA", None, "bad\0subject"),
        ])
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");

    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    // A NUL inside free text is fine: it is kept inside the JSON body.
    let r = report("gb-2", "before\0after", &[&phone(2)]);
    submit_one(&store, "GB-NCA", &r).await;
    assert_eq!(
        store
            .report("GB-NCA", "gb-2")
            .await
            .unwrap()
            .unwrap()
            .report,
        r
    );
}

pub async fn concurrent_writes_are_all_durable_and_visible<F: Fixture>(fx: &mut F) {
    let store = std::sync::Arc::new(fx.open().await);
    with_agencies(&*store, &["GB-NCA", "KH-NCB"]).await;
    const TASKS: u32 = 24;
    const PER_TASK: u32 = 5;
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let store = std::sync::Arc::clone(&store);
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..PER_TASK {
                let n = t * PER_TASK + i;
                let agency = if n.is_multiple_of(2) {
                    "GB-NCA"
                } else {
                    "KH-NCB"
                };
                let r = report(&format!("c-{n}"), "concurrent", &[&phone(n), &phone(9999)]);
                let out = store
                    .submit(agency, &[r], accepted())
                    .await
                    .expect("concurrent submit");
                outcomes.push((n, out[0]));
                // A failing writer among them must not disturb the others.
                let bad = store
                    .submit("XX-NONE", &[report("bad", "x", &[])], accepted())
                    .await;
                assert!(matches!(bad, Err(StoreError::NotFound(_))));
                store
                    .append_audit(&[event(agency, Some("GB-NCA"), &format!("c-{n}"))])
                    .await
                    .expect("concurrent audit");
            }
            outcomes
        });
    }
    let mut seqs = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        for (n, out) in done.expect("task finished") {
            let SubmitOutcome::Accepted { revision: 1, seq } = out else {
                panic!("c-{n}: {out:?}");
            };
            seqs.insert(seq, n);
        }
    }
    let total = TASKS * PER_TASK;
    assert_eq!(
        seqs.len(),
        total as usize,
        "every submit got its own sequence number"
    );
    let c = store.counts().await.unwrap();
    assert_eq!(
        (c.reports, c.revisions, c.audit),
        (u64::from(total), u64::from(total), u64::from(total))
    );
    assert_eq!(
        store.postings(phone(9999).as_str()).await.unwrap().len(),
        total as usize
    );
    for n in 0..total {
        let agency = if n.is_multiple_of(2) {
            "GB-NCA"
        } else {
            "KH-NCB"
        };
        assert!(
            store
                .report(agency, &format!("c-{n}"))
                .await
                .unwrap()
                .is_some(),
            "c-{n}"
        );
    }
    let log = store.audit_after(0, 10_000).await.unwrap();
    audit::verify(0, GENESIS.into(), &log).expect("concurrent appends form one chain");
}

pub async fn a_reopened_store_finds_everything<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let user = store
        .create_user(&NewUser {
            agency: "KH-NCB".into(),
            name: "dara".into(),
            role: "admin".into(),
        })
        .await
        .unwrap();
    let token = store
        .create_token(&NewToken {
            user_id: user.id,
            digest: vec![4; 32],
            label: "ci".into(),
            created: time("2026-03-01T10:00:00Z"),
        })
        .await
        .unwrap();
    let v1 = report("gb-1", "first", &[&phone(1), &email("x")]);
    let v2 = report("gb-1", "second", &[&phone(1)]);
    store
        .submit(
            "GB-NCA",
            &[v1.clone(), report("gb-2", "x", &[&phone(2)])],
            accepted(),
        )
        .await
        .unwrap();
    submit_one(&store, "GB-NCA", &v2).await;
    submit_one(&store, "KH-NCB", &report("kh-1", "x", &[&phone(1)])).await;
    let log = store
        .append_audit(&[
            event("KH-NCB", Some("GB-NCA"), "gb-1"),
            event("GB-NCA", None, "q"),
        ])
        .await
        .unwrap();
    let counts = store.counts().await.unwrap();
    let postings = store.postings(phone(1).as_str()).await.unwrap();
    let agencies = store.agencies().await.unwrap();
    drop(store);

    let store = fx.open().await;
    assert_eq!(store.counts().await.unwrap(), counts);
    assert_eq!(store.agencies().await.unwrap(), agencies);
    assert_eq!(store.users("KH-NCB").await.unwrap(), vec![user]);
    assert_eq!(store.token_by_digest(&[4; 32]).await.unwrap(), Some(token));
    let revisions = store.revisions("GB-NCA", "gb-1").await.unwrap();
    assert_eq!(
        revisions.iter().map(|r| &r.report).collect::<Vec<_>>(),
        [&v1, &v2]
    );
    assert_eq!(store.postings(phone(1).as_str()).await.unwrap(), postings);
    assert_eq!(store.audit_after(0, 100).await.unwrap(), log);
    assert_eq!(
        texts(
            &store
                .report("GB-NCA", "gb-2")
                .await
                .unwrap()
                .unwrap()
                .report
                .selectors
        ),
        [phone(2).as_str()]
    );

    // The reopened store carries on where the old one stopped.
    assert_eq!(
        submit_one(&store, "GB-NCA", &v2).await,
        SubmitOutcome::Unchanged {
            revision: 2,
            seq: revisions[1].seq
        }
    );
    let more = store
        .append_audit(&[event("GB-NCA", None, "after reopen")])
        .await
        .unwrap();
    assert_eq!(more[0].seq, 3);
    assert_eq!(more[0].prev_hash, log[1].hash);
    let out = submit_one(&store, "KH-NCB", &report("kh-2", "x", &[&phone(1)])).await;
    let SubmitOutcome::Accepted { seq, .. } = out else {
        panic!("{out:?}")
    };
    assert!(
        postings.iter().all(|p| p.seq < seq),
        "sequence numbers keep growing"
    );
}

// ---- look-ups and listings ----

pub async fn a_user_is_found_by_agency_and_name<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB", "GB-NCA"]).await;
    let new = |agency: &str, name: &str, role: &str| NewUser {
        agency: agency.into(),
        name: name.into(),
        role: role.into(),
    };
    let kh = store
        .create_user(&new("KH-NCB", "sokha", "analyst"))
        .await
        .unwrap();
    let gb = store
        .create_user(&new("GB-NCA", "sokha", "admin"))
        .await
        .unwrap();
    store
        .create_user(&new("KH-NCB", "dara", "contributor"))
        .await
        .unwrap();

    assert_eq!(store.user("KH-NCB", "sokha").await.unwrap(), Some(kh));
    assert_eq!(
        store.user("GB-NCA", "sokha").await.unwrap(),
        Some(gb),
        "names are per agency"
    );
    assert_eq!(store.user("KH-NCB", "nobody").await.unwrap(), None);
    assert_eq!(
        store.user("KH-NCB", "Sokha").await.unwrap(),
        None,
        "names are exact"
    );
    assert_eq!(store.user("XX-NONE", "sokha").await.unwrap(), None);
}

pub async fn tokens_of_an_agency_are_listed_by_id_revoked_included<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB", "GB-NCA"]).await;
    let mut users = Vec::new();
    for (agency, name, role) in [
        ("KH-NCB", "sokha", "analyst"),
        ("GB-NCA", "amy", "admin"),
        ("KH-NCB", "dara", "admin"),
    ] {
        users.push(
            store
                .create_user(&NewUser {
                    agency: agency.into(),
                    name: name.into(),
                    role: role.into(),
                })
                .await
                .unwrap(),
        );
    }
    // Interleaved across users and agencies, so that listing by id is not
    // listing by user.
    let mut made = Vec::new();
    for (i, user) in [0usize, 1, 2, 0, 1].into_iter().enumerate() {
        made.push(
            store
                .create_token(&NewToken {
                    user_id: users[user].id,
                    digest: vec![i as u8 + 1; 32],
                    label: format!("token {i}"),
                    created: time("2026-03-01T10:00:00Z"),
                })
                .await
                .unwrap(),
        );
    }
    let at = time("2026-03-04T10:00:00Z");
    assert!(store.revoke_token(made[0].id, at).await.unwrap());

    let kh = store.tokens("KH-NCB").await.unwrap();
    let mut expected: Vec<Token> = [0, 2, 3].iter().map(|&i| made[i].clone()).collect();
    expected[0].revoked = Some(at);
    assert_eq!(
        kh, expected,
        "the agency's tokens by id, the revoked one too"
    );
    assert_eq!(
        kh.iter().map(|t| t.role.as_str()).collect::<Vec<_>>(),
        ["analyst", "admin", "analyst"],
        "each token carries its user's role"
    );
    for t in &kh {
        let digest = vec![made.iter().position(|m| m.id == t.id).unwrap() as u8 + 1; 32];
        assert_eq!(
            store.token_by_digest(&digest).await.unwrap().as_ref(),
            Some(t)
        );
    }
    let gb = store.tokens("GB-NCA").await.unwrap();
    assert_eq!(gb, vec![made[1].clone(), made[4].clone()]);
    assert!(store.tokens("XX-NONE").await.unwrap().is_empty());
}

pub async fn recent_audit_for_owner_is_newest_first<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let events = [
        event("GB-NCA", Some("KH-NCB"), "a"),
        event("KH-NCB", Some("GB-NCA"), "b"),
        event("TH-DSI", Some("KH-NCB"), "c"),
        event("TH-DSI", None, "d"),
        event("GB-NCA", Some("KH-NCB"), "e"),
        event("GB-NCA", Some("KH-NCB"), "f"),
    ];
    let records = store.append_audit(&events).await.unwrap();
    let subjects = |page: &[AuditRecord]| -> Vec<String> {
        page.iter().map(|r| r.event.subject.clone()).collect()
    };

    let all = store
        .recent_audit_for_owner("KH-NCB", None, 100)
        .await
        .unwrap();
    assert_eq!(subjects(&all), ["f", "e", "c", "a"]);
    for r in &all {
        assert_eq!(
            records.iter().find(|a| a.seq == r.seq),
            Some(r),
            "the chain's own records"
        );
    }

    // Paging back with the last seq seen loses and repeats nothing.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .recent_audit_for_owner("KH-NCB", before, 3)
            .await
            .unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        seen.extend(subjects(&page));
    }
    assert_eq!(seen, ["f", "e", "c", "a"]);

    let older = store
        .recent_audit_for_owner("KH-NCB", Some(all[1].seq), 1)
        .await
        .unwrap();
    assert_eq!(subjects(&older), ["c"], "strictly before the cursor");
    assert_eq!(
        subjects(
            &store
                .recent_audit_for_owner("GB-NCA", None, 100)
                .await
                .unwrap()
        ),
        ["b"]
    );
    assert!(
        store
            .recent_audit_for_owner("XX-NONE", None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .recent_audit_for_owner("KH-NCB", None, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The ids `list_reports` gives for a filter, in its order.
async fn listed<S: Store>(store: &S, filter: &ReportFilter) -> Vec<String> {
    store
        .list_reports(filter, None, 1000)
        .await
        .unwrap_or_else(|e| panic!("listing {filter:?}: {e}"))
        .into_iter()
        .map(|r| r.report.id)
        .collect()
}

pub async fn list_reports_is_newest_first_and_pages_by_seq<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    for i in 0u32..7 {
        let agency = if i.is_multiple_of(3) {
            "KH-NCB"
        } else {
            "GB-NCA"
        };
        submit_one(
            &store,
            agency,
            &report(&format!("r-{i}"), "x", &[&phone(i)]),
        )
        .await;
    }
    let all = store
        .list_reports(&ReportFilter::default(), None, 100)
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.report.id.as_str()).collect();
    assert_eq!(ids, ["r-6", "r-5", "r-4", "r-3", "r-2", "r-1", "r-0"]);
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    for r in &all {
        assert_eq!(
            Some(r),
            store
                .report(&r.agency, &r.report.id)
                .await
                .unwrap()
                .as_ref(),
            "a listed report is the stored one"
        );
    }

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_reports(&ReportFilter::default(), before, 3)
            .await
            .unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        seen.extend(page);
    }
    assert_eq!(seen, all, "pages by the last seq seen give everything once");

    let older = store
        .list_reports(&ReportFilter::default(), Some(all[2].seq), 2)
        .await
        .unwrap();
    assert_eq!(
        older
            .iter()
            .map(|r| r.report.id.as_str())
            .collect::<Vec<_>>(),
        ["r-3", "r-2"],
        "strictly before the cursor"
    );
    let kh = ReportFilter {
        agency: Some("KH-NCB".into()),
        ..ReportFilter::default()
    };
    let page = store.list_reports(&kh, Some(all[1].seq), 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].report.id, "r-3", "the cursor works with a filter");
    assert!(
        store
            .list_reports(&ReportFilter::default(), Some(all[6].seq), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_reports(&ReportFilter::default(), None, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn list_reports_filters_by_every_field<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB", "TH-DSI"]).await;
    let telegram = selector("telegram:@goodjob_hr");
    let iban = selector("DE89370400440532013000");

    let mut a = report("a", "investment scam", &[&phone(1)]);
    a.mo = vec!["investment".into()];

    let mut b = report("b", "fake job", &[&email("b"), &telegram]);
    b.country = "TH".into();
    b.kind = ReportKind::RecruitmentAd;
    b.marking = Marking::new(Tlp::Green);
    b.mo = vec![
        "recruitment:fake_job_offer".into(),
        "channel:telegram".into(),
    ];

    let mut c = report("c", "tip", &[&iban]);
    c.country = "KH".into();
    c.kind = ReportKind::Tip;
    c.marking = Marking::new(Tlp::Red);
    c.mo = vec!["investment".into(), "channel:telegram".into()];

    let mut d = report("d", "compound", &[]);
    d.kind = ReportKind::CompoundIntel;
    d.marking = Marking::new(Tlp::Clear);
    d.mo = Vec::new();

    let mut e = report("e", "rescue", &[&phone(2), &telegram]);
    e.country = "KH".into();
    e.kind = ReportKind::RescueRequest;
    e.marking = Marking::new(Tlp::AmberStrict);
    e.mo = vec!["crime:human_trafficking".into()];

    store.submit("GB-NCA", &[a, b], accepted()).await.unwrap();
    store.submit("KH-NCB", &[c, d], accepted()).await.unwrap();
    submit_one(&store, "TH-DSI", &e).await;

    let all = listed(&store, &ReportFilter::default()).await;
    assert_eq!(all, ["e", "d", "c", "b", "a"]);

    let cases: Vec<(ReportFilter, &[&str])> = vec![
        (
            ReportFilter {
                agency: Some("KH-NCB".into()),
                ..ReportFilter::default()
            },
            &["d", "c"],
        ),
        (
            ReportFilter {
                agency: Some("kh-ncb".into()),
                ..ReportFilter::default()
            },
            &[],
        ),
        (
            ReportFilter {
                agency: Some("XX-NONE".into()),
                ..ReportFilter::default()
            },
            &[],
        ),
        (
            ReportFilter {
                country: Some("KH".into()),
                ..ReportFilter::default()
            },
            &["e", "c"],
        ),
        (
            ReportFilter {
                country: Some("GB".into()),
                ..ReportFilter::default()
            },
            &["d", "a"],
        ),
        (
            ReportFilter {
                kind: Some(ReportKind::RecruitmentAd),
                ..ReportFilter::default()
            },
            &["b"],
        ),
        (
            ReportFilter {
                kind: Some(ReportKind::FraudComplaint),
                ..ReportFilter::default()
            },
            &["a"],
        ),
        (
            ReportFilter {
                tlp: Some(Tlp::AmberStrict),
                ..ReportFilter::default()
            },
            &["e"],
        ),
        (
            ReportFilter {
                tlp: Some(Tlp::Amber),
                ..ReportFilter::default()
            },
            &["a"],
        ),
        (
            ReportFilter {
                tlp: Some(Tlp::Clear),
                ..ReportFilter::default()
            },
            &["d"],
        ),
        (
            ReportFilter {
                mo: Some("investment".into()),
                ..ReportFilter::default()
            },
            &["c", "a"],
        ),
        (
            ReportFilter {
                mo: Some("channel:telegram".into()),
                ..ReportFilter::default()
            },
            &["c", "b"],
        ),
        (
            ReportFilter {
                mo: Some("channel".into()),
                ..ReportFilter::default()
            },
            &[],
        ),
        (
            ReportFilter {
                selector_kind: Some("phone".into()),
                ..ReportFilter::default()
            },
            &["e", "a"],
        ),
        (
            ReportFilter {
                selector_kind: Some("telegram".into()),
                ..ReportFilter::default()
            },
            &["e", "b"],
        ),
        (
            ReportFilter {
                selector_kind: Some("iban".into()),
                ..ReportFilter::default()
            },
            &["c"],
        ),
        (
            ReportFilter {
                selector_kind: Some("email".into()),
                ..ReportFilter::default()
            },
            &["b"],
        ),
        (
            ReportFilter {
                selector_kind: Some("passport".into()),
                ..ReportFilter::default()
            },
            &[],
        ),
        // Every field set narrows further.
        (
            ReportFilter {
                country: Some("KH".into()),
                selector_kind: Some("telegram".into()),
                ..ReportFilter::default()
            },
            &["e"],
        ),
        (
            ReportFilter {
                agency: Some("GB-NCA".into()),
                mo: Some("channel:telegram".into()),
                tlp: Some(Tlp::Green),
                kind: Some(ReportKind::RecruitmentAd),
                country: Some("TH".into()),
                selector_kind: Some("email".into()),
                text: Some("job".into()),
                ..ReportFilter::default()
            },
            &["b"],
        ),
        (
            ReportFilter {
                agency: Some("GB-NCA".into()),
                tlp: Some(Tlp::Red),
                ..ReportFilter::default()
            },
            &[],
        ),
        (
            ReportFilter {
                mo: Some("investment".into()),
                text: Some("scam".into()),
                ..ReportFilter::default()
            },
            &["a"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(listed(&store, &filter).await, expected, "{filter:?}");
    }
}

pub async fn list_reports_filters_by_received_time<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let at = |id: &str, received: Option<&str>| {
        let mut r = report(id, "x", &[]);
        r.received = received.map(time);
        r
    };
    // `none` has no receipt time: it counts as received when accepted,
    // 2026-03-02T08:00:00Z.
    store
        .submit(
            "GB-NCA",
            &[
                at("dec", Some("2025-12-31T23:59:59.999999Z")),
                at("jan", Some("2026-01-01T00:00:00Z")),
                at("feb", Some("2026-02-15T12:00:00Z")),
                at("none", None),
                at("old", Some("2019-06-01T00:00:00Z")),
            ],
            accepted(),
        )
        .await
        .unwrap();
    let range = |from: Option<&str>, until: Option<&str>| ReportFilter {
        received_from: from.map(time),
        received_until: until.map(time),
        ..ReportFilter::default()
    };
    let cases: Vec<(ReportFilter, &[&str])> = vec![
        (
            range(Some("2026-01-01T00:00:00Z"), None),
            &["none", "feb", "jan"],
        ),
        (range(None, Some("2026-01-01T00:00:00Z")), &["old", "dec"]),
        (
            range(Some("2026-01-01T00:00:00Z"), Some("2026-03-01T00:00:00Z")),
            &["feb", "jan"],
        ),
        (
            range(
                Some("2025-12-31T23:59:59.999999Z"),
                Some("2026-01-01T00:00:00.000001Z"),
            ),
            &["jan", "dec"],
        ),
        (
            range(Some("2026-03-02T08:00:00Z"), Some("2026-03-02T08:00:01Z")),
            &["none"],
        ),
        (range(Some("2026-03-02T08:00:01Z"), None), &[]),
        (
            range(
                Some("2026-02-15T12:00:00.000001Z"),
                Some("2026-03-02T08:00:00Z"),
            ),
            &[],
        ),
        (
            range(Some("2019-01-01T00:00:00Z"), Some("2020-01-01T00:00:00Z")),
            &["old"],
        ),
        (
            range(Some("2020-01-01T00:00:00Z"), Some("2025-12-01T00:00:00Z")),
            &[],
        ),
        (
            range(Some("2026-02-01T00:00:00Z"), Some("2026-01-01T00:00:00Z")),
            &[],
        ),
        (
            range(Some("2026-01-01T00:00:00Z"), Some("2026-01-01T00:00:00Z")),
            &[],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            listed(&store, &filter).await,
            expected,
            "{:?} .. {:?}",
            filter.received_from,
            filter.received_until
        );
    }
    let mut with_text = range(None, Some("2026-01-01T00:00:00Z"));
    with_text.text = Some("x".into());
    assert_eq!(listed(&store, &with_text).await, ["old", "dec"]);
}

pub async fn list_reports_shows_only_current_revisions<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    submit_one(
        &store,
        "GB-NCA",
        &report("gb-1", "the recruiter promised a visa", &[&phone(1)]),
    )
    .await;
    submit_one(&store, "GB-NCA", &report("gb-2", "other", &[&phone(2)])).await;
    let visa = ReportFilter {
        text: Some("visa".into()),
        ..ReportFilter::default()
    };
    let passport = ReportFilter {
        text: Some("passport".into()),
        ..ReportFilter::default()
    };
    assert_eq!(listed(&store, &visa).await, ["gb-1"]);
    assert!(listed(&store, &passport).await.is_empty());

    // The correction changes the narrative, the country and the selectors.
    let mut v2 = report(
        "gb-1",
        "the recruiter kept his passport",
        &[&email("recruiter")],
    );
    v2.country = "TH".into();
    submit_one(&store, "GB-NCA", &v2).await;
    assert!(
        listed(&store, &visa).await.is_empty(),
        "the old narrative is no longer found"
    );
    let found = store.list_reports(&passport, None, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].revision, &found[0].report), (2, &v2));
    assert_eq!(
        listed(&store, &ReportFilter::default()).await,
        ["gb-1", "gb-2"],
        "listed once, at the seq of its current revision"
    );
    let country = |c: &str| ReportFilter {
        country: Some(c.into()),
        ..ReportFilter::default()
    };
    assert_eq!(listed(&store, &country("TH")).await, ["gb-1"]);
    assert_eq!(listed(&store, &country("GB")).await, ["gb-2"]);
    let kind = |k: &str| ReportFilter {
        selector_kind: Some(k.into()),
        ..ReportFilter::default()
    };
    assert_eq!(listed(&store, &kind("phone")).await, ["gb-2"]);
    assert_eq!(listed(&store, &kind("email")).await, ["gb-1"]);
    let recruiter = ReportFilter {
        text: Some("recruiter".into()),
        ..ReportFilter::default()
    };
    assert_eq!(listed(&store, &recruiter).await, ["gb-1"]);

    // Re-sending the same content changes nothing; revisions within one
    // batch leave only the last one found.
    submit_one(&store, "GB-NCA", &v2).await;
    assert_eq!(listed(&store, &passport).await, ["gb-1"]);
    store
        .submit(
            "GB-NCA",
            &[
                report("gb-3", "first draft mentions a casino", &[]),
                report("gb-3", "second draft mentions a hotel", &[]),
            ],
            accepted(),
        )
        .await
        .unwrap();
    let casino = ReportFilter {
        text: Some("casino".into()),
        ..ReportFilter::default()
    };
    let hotel = ReportFilter {
        text: Some("hotel".into()),
        ..ReportFilter::default()
    };
    assert!(listed(&store, &casino).await.is_empty());
    assert_eq!(listed(&store, &hotel).await, ["gb-3"]);
    // Going back to the first content: found by its words again.
    submit_one(
        &store,
        "GB-NCA",
        &report("gb-1", "the recruiter promised a visa", &[&phone(1)]),
    )
    .await;
    assert_eq!(listed(&store, &visa).await, ["gb-1"]);
    assert!(listed(&store, &passport).await.is_empty());
    assert_eq!(
        listed(&store, &ReportFilter::default()).await,
        ["gb-1", "gb-3", "gb-2"]
    );
}

pub async fn text_search_matches_whole_words_and_never_parses_syntax<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let reports = [
        report("fee", "Victim paid a customs FEE via USDT.", &[]),
        report("fees", "several fees were demanded", &[]),
        report("foo", "foo or bar, maybe baz", &[]),
        report("foobar", "foo bar", &[]),
        report(
            "email",
            "contact sokha@example.com or call +855 12 345 678",
            &[],
        ),
        report("accent", "Élodie met them in a café in Mỹ Tho", &[]),
        report("quote", "he said \"come\" -- and NEAR(the border) a:b", &[]),
        report("blank", "", &[]),
    ];
    store.submit("GB-NCA", &reports, accepted()).await.unwrap();
    let mut none = report("none", "x", &[]);
    none.narrative = None;
    submit_one(&store, "GB-NCA", &none).await;

    let text = |q: &str| ReportFilter {
        text: Some(q.into()),
        ..ReportFilter::default()
    };
    let everything = listed(&store, &ReportFilter::default()).await;
    assert_eq!(everything.len(), 9);
    let cases: &[(&str, &[&str])] = &[
        ("fee", &["fee"]),
        ("FEE", &["fee"]),
        ("Fee usdt", &["fee"]),
        ("fe", &[]),
        ("fees", &["fees"]),
        ("customs fees", &[]),
        ("fee,   paid.", &["fee"]),
        ("foo bar", &["foobar", "foo"]),
        ("bar foo", &["foobar", "foo"]),
        // Query syntax of either backend is only words here.
        ("\"foo OR bar*", &["foo"]),
        ("foo OR baz", &["foo"]),
        ("foo | baz", &["foo"]),
        ("foo & !bar", &["foobar", "foo"]),
        ("NOT bar", &[]),
        ("bar*", &["foobar", "foo"]),
        ("ba*", &[]),
        ("a:b", &["quote"]),
        ("NEAR(the border)", &["quote"]),
        ("\"come\" --", &["quote"]),
        ("'; DROP TABLE reports; --", &[]),
        ("foo) OR (bar", &["foo"]),
        ("^foo", &["foobar", "foo"]),
        ("{foo} : +bar -baz", &["foo"]),
        ("sokha", &["email"]),
        ("example com", &["email"]),
        ("sokha@example.com", &["email"]),
        ("855", &["email"]),
        ("+855-12", &["email"]),
        ("élodie", &["accent"]),
        ("ÉLODIE CAFÉ", &["accent"]),
        ("cafe", &[]),
        ("mỹ", &["accent"]),
        ("tho", &["accent"]),
    ];
    for (q, expected) in cases {
        assert_eq!(listed(&store, &text(q)).await, *expected, "text {q:?}");
    }
    // A text without any word is ignored, as if no text were given.
    for q in ["", "   ", "*", "\"", "-- ; :", "()"] {
        assert_eq!(listed(&store, &text(q)).await, everything, "text {q:?}");
    }
    // A word longer than any indexed one matches nothing.
    assert!(
        listed(&store, &text(&format!("foo {}", "o".repeat(500))))
            .await
            .is_empty()
    );
}

// ---- STIX objects kept verbatim ----

/// A STIX id of `kind` whose uuid ends in `n`.
fn stix_id(kind: &str, n: u32) -> String {
    format!("{kind}--6ba7b810-9dad-41d1-80b4-{n:012x}")
}

/// A STIX object as an importer would hand it over: AMBER, with its
/// version as the `modified` in its JSON.
fn stix(kind: &str, n: u32, version: &str) -> NewStixObject {
    let id = stix_id(kind, n);
    NewStixObject {
        json: format!(
            r#"{{"type":"{kind}","spec_version":"2.1","id":"{id}","created":"2026-01-01T00:00:00.000Z","modified":"{version}"}}"#
        ),
        id,
        version: version.to_owned(),
        spec_version: "2.1".into(),
        marking: Marking::new(Tlp::Amber),
    }
}

fn added() -> DateTime<Utc> {
    time("2026-03-05T12:30:00.123456Z")
}

const V1: &str = "2026-01-01T00:00:00.000Z";
const V2: &str = "2026-02-01T00:00:00.000Z";
const V3: &str = "2026-03-01T00:00:00.000Z";

async fn put_stix<S: Store>(store: &S, agency: &str, objects: &[NewStixObject]) -> Vec<PutOutcome> {
    store
        .put_stix_objects(agency, objects, added())
        .await
        .unwrap_or_else(|e| panic!("putting stix objects of {agency}: {e}"))
}

/// The seq of an outcome, whichever it is.
fn put_seq(outcome: PutOutcome) -> i64 {
    match outcome {
        PutOutcome::Added { seq } | PutOutcome::Unchanged { seq } => seq,
    }
}

/// Every kept object matching `filter`, read in pages of `page`.
async fn all_stix<S: Store>(store: &S, filter: &StixFilter, page: u32) -> Vec<StoredStixObject> {
    let mut seen: Vec<StoredStixObject> = Vec::new();
    let mut after = 0;
    loop {
        let got = store
            .stix_objects_after(after, page, filter)
            .await
            .unwrap_or_else(|e| panic!("paging stix objects {filter:?}: {e}"));
        assert!(got.len() <= page as usize, "at most `limit` a page");
        let Some(last) = got.last() else { break };
        after = last.seq;
        seen.extend(got);
    }
    assert!(
        seen.windows(2).all(|w| w[0].seq < w[1].seq),
        "ascending seq"
    );
    seen
}

/// (id, version) of each object, in order.
fn keys(objects: &[StoredStixObject]) -> Vec<(String, String)> {
    objects
        .iter()
        .map(|o| (o.id.clone(), o.version.clone()))
        .collect()
}

pub async fn a_stix_object_is_kept_and_putting_it_again_is_unchanged<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let indicator = stix("indicator", 1, V1);
    let out = put_stix(&store, "GB-NCA", std::slice::from_ref(&indicator)).await;
    let [PutOutcome::Added { seq }] = out[..] else {
        panic!("a new object is added: {out:?}");
    };

    let kept = all_stix(&store, &StixFilter::default(), 10).await;
    assert_eq!(
        kept,
        [StoredStixObject {
            seq,
            agency: "GB-NCA".into(),
            added: added(),
            id: indicator.id.clone(),
            kind: "indicator".into(),
            version: V1.into(),
            spec_version: "2.1".into(),
            marking: indicator.marking.clone(),
            json: indicator.json.clone(),
        }]
    );
    let before = store.counts().await.unwrap();
    assert_eq!(before.stix_objects, 1);

    // The same object again, even stamped later: nothing written.
    let again = store
        .put_stix_objects(
            "GB-NCA",
            std::slice::from_ref(&indicator),
            time("2026-04-01T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(again, [PutOutcome::Unchanged { seq }]);
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert_eq!(
        all_stix(&store, &StixFilter::default(), 10).await,
        kept,
        "the first row stands, with its time"
    );

    // A new version of the same id, and an unversioned object (an SCO).
    let mut sco = stix("ipv4-addr", 2, "");
    sco.json = format!(
        r#"{{"type":"ipv4-addr","id":"{}","value":"203.0.113.7"}}"#,
        sco.id
    );
    let out = put_stix(&store, "GB-NCA", &[stix("indicator", 1, V2), sco.clone()]).await;
    let [PutOutcome::Added { seq: s2 }, PutOutcome::Added { seq: s3 }] = out[..] else {
        panic!("{out:?}");
    };
    assert!(seq < s2 && s2 < s3, "seqs ascend in batch order");
    assert_eq!(
        put_stix(&store, "GB-NCA", std::slice::from_ref(&sco)).await,
        [PutOutcome::Unchanged { seq: s3 }],
        "an unversioned object is idempotent too"
    );
    let versions = store.stix_object_versions(&indicator.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|o| (o.seq, o.version.as_str()))
            .collect::<Vec<_>>(),
        [(seq, V1), (s2, V2)]
    );
    assert_eq!(store.counts().await.unwrap().stix_objects, 3);
    assert_eq!(
        store.counts().await.unwrap().revisions,
        0,
        "kept objects are not reports"
    );
    assert!(store.reports_after(0, 10).await.unwrap().is_empty());
}

pub async fn a_changed_stix_version_is_a_conflict_and_writes_nothing<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let original = stix("malware", 1, V1);
    put_stix(&store, "GB-NCA", std::slice::from_ref(&original)).await;
    let before = store.counts().await.unwrap();
    let kept = all_stix(&store, &StixFilter::default(), 10).await;

    let mut changed = original.clone();
    changed.json = changed.json.replace('}', r#","name":"changed"}"#);
    let batch = [stix("malware", 2, V1), stix("tool", 3, V1), changed.clone()];
    let e = store.put_stix_objects("GB-NCA", &batch, added()).await;
    let Err(StoreError::Conflict(message)) = e else {
        panic!("a changed version is a conflict: {e:?}");
    };
    assert!(
        message.contains(&original.id) && message.contains(V1),
        "the message names the id and the version: {message}"
    );
    assert_eq!(
        store.counts().await.unwrap(),
        before,
        "nothing of the batch"
    );
    assert_eq!(all_stix(&store, &StixFilter::default(), 10).await, kept);

    // An unversioned object changed is a conflict too.
    let mut sco = stix("domain-name", 4, "");
    sco.json = r#"{"type":"domain-name","value":"a.example"}"#.into();
    put_stix(&store, "GB-NCA", std::slice::from_ref(&sco)).await;
    let mut sco2 = sco.clone();
    sco2.json = r#"{"type":"domain-name","value":"b.example"}"#.into();
    let e = store
        .put_stix_objects("GB-NCA", &[sco2.clone()], added())
        .await;
    assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");

    // Whitespace is content: the store compares the text, not its meaning.
    let mut spaced = original.clone();
    spaced.json = spaced.json.replace(',', ", ");
    let e = store.put_stix_objects("GB-NCA", &[spaced], added()).await;
    assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");

    // Another owner keeps its own text of the same version.
    let out = put_stix(&store, "KH-NCB", &[changed.clone(), sco2]).await;
    assert!(
        matches!(
            out[..],
            [PutOutcome::Added { .. }, PutOutcome::Added { .. }]
        ),
        "{out:?}"
    );
    let versions = store.stix_object_versions(&original.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|o| (o.agency.as_str(), o.json.as_str()))
            .collect::<Vec<_>>(),
        [
            ("GB-NCA", original.json.as_str()),
            ("KH-NCB", changed.json.as_str())
        ]
    );
}

pub async fn a_stix_batch_is_all_or_nothing_and_taken_in_order<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let before = store.counts().await.unwrap();
    let good = stix("campaign", 1, V1);
    for bad_id in [
        "campaign",
        "campaign--",
        "--6ba7b810-9dad-41d1-80b4-000000000001",
        "Campaign--6ba7b810-9dad-41d1-80b4-000000000001",
        "camp aign--6ba7b810-9dad-41d1-80b4-000000000001",
        "campaign--6ba7b810-9dad-41d1-80b4-00000000000g",
        "campaign--6ba7b810-9dad-41d1-80b4-0000000000001",
        "campaign--6ba7b8109dad41d180b4000000000001",
        "campaign_6ba7b810-9dad-41d1-80b4-000000000001",
    ] {
        let mut bad = stix("campaign", 2, V1);
        bad.id = bad_id.to_owned();
        let e = store
            .put_stix_objects("GB-NCA", &[good.clone(), bad], added())
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "{bad_id}: {e:?}");
    }
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");

    // Ids of custom types, and uuids in capitals (RFC 4122 reads either),
    // are kept as given.
    let mut custom = stix("x-acme-widget2", 3, V1);
    custom.id = custom
        .id
        .to_uppercase()
        .replace("X-ACME-WIDGET2", "x-acme-widget2");
    let out = put_stix(&store, "GB-NCA", &[custom.clone()]).await;
    assert!(matches!(out[..], [PutOutcome::Added { .. }]), "{out:?}");
    let kept = store.stix_object_versions(&custom.id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].id.as_str(), kept[0].kind.as_str()),
        (custom.id.as_str(), "x-acme-widget2")
    );

    // Repeats within one batch are taken in order.
    let a = stix("campaign", 4, V1);
    let a2 = stix("campaign", 4, V2);
    let out = put_stix(&store, "GB-NCA", &[a.clone(), a2.clone(), a.clone(), a2]).await;
    let [
        PutOutcome::Added { seq: s1 },
        PutOutcome::Added { seq: s2 },
        PutOutcome::Unchanged { seq: u1 },
        PutOutcome::Unchanged { seq: u2 },
    ] = out[..]
    else {
        panic!("{out:?}");
    };
    assert_eq!((u1, u2), (s1, s2));
    assert!(s1 < s2);

    // A repeat with other text within one batch rejects all of it.
    let before = store.counts().await.unwrap();
    let b = stix("campaign", 5, V1);
    let mut b_changed = b.clone();
    b_changed.json.push(' ');
    let e = store
        .put_stix_objects("GB-NCA", &[b, stix("campaign", 6, V1), b_changed], added())
        .await;
    assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert!(
        store
            .stix_object_versions(&stix_id("campaign", 5))
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        put_stix(&store, "GB-NCA", &[]).await.is_empty(),
        "an empty batch writes nothing"
    );
}

/// An import's reports and kept objects share one transaction: a kept
/// version that would change refuses the reports too, and a clean batch
/// stamps its kept objects with the reports' acceptance time.
pub async fn reports_and_kept_objects_are_written_together<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let kept = stix("indicator", 1, V1);
    put_stix(&store, "GB-NCA", std::slice::from_ref(&kept)).await;
    let before = store.counts().await.unwrap();
    let mut changed = kept.clone();
    changed.json.push(' ');
    let handle = selector("telegram:@goodjob_hr");
    let e = store
        .submit_with_kept(
            "GB-NCA",
            &[report("r-1", "paid the handler", &[&handle])],
            &[stix("campaign", 2, V1), changed],
            added(),
        )
        .await;
    assert!(matches!(e, Err(StoreError::Conflict(_))), "{e:?}");
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert!(store.report("GB-NCA", "r-1").await.unwrap().is_none());

    let at = time("2026-04-01T08:00:00Z");
    let written = store
        .submit_with_kept(
            "GB-NCA",
            &[report("r-1", "paid the handler", &[&handle])],
            &[kept, stix("campaign", 2, V1)],
            at,
        )
        .await
        .unwrap();
    assert!(
        matches!(
            written.reports[..],
            [SubmitOutcome::Accepted { revision: 1, .. }]
        ),
        "{written:?}"
    );
    assert!(
        matches!(
            written.kept[..],
            [PutOutcome::Unchanged { .. }, PutOutcome::Added { .. }]
        ),
        "{written:?}"
    );
    let stored = store.report("GB-NCA", "r-1").await.unwrap().unwrap();
    let campaign = store
        .stix_object_versions(&stix_id("campaign", 2))
        .await
        .unwrap();
    assert_eq!(campaign.len(), 1);
    assert_eq!((stored.accepted, campaign[0].added), (at, at));
}

pub async fn stix_objects_of_an_unknown_agency_write_nothing<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    put_stix(&store, "GB-NCA", &[stix("indicator", 1, V1)]).await;
    let before = store.counts().await.unwrap();
    let e = store
        .put_stix_objects("XX-NONE", &[stix("indicator", 2, V1)], added())
        .await;
    assert!(matches!(e, Err(StoreError::NotFound(_))), "{e:?}");
    let e = store.put_stix_objects("XX-NONE", &[], added()).await;
    assert!(
        matches!(e, Err(StoreError::NotFound(_))),
        "an empty batch still names an agency: {e:?}"
    );
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");
    assert!(
        store
            .stix_object_versions(&stix_id("indicator", 2))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .delete_stix_objects("XX-NONE", &stix_id("indicator", 1), None)
            .await
            .unwrap(),
        0,
        "deleting what an unknown agency holds deletes nothing"
    );
}

pub async fn stix_objects_page_by_seq_and_filter_by_id_type_and_owner<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB", "TH-DSI"]).await;
    // Interleaved owners and types, over several batches.
    let plan: [(&str, &str, u32, &str); 9] = [
        ("GB-NCA", "indicator", 1, V1),
        ("KH-NCB", "malware", 2, V1),
        ("GB-NCA", "indicator", 1, V2),
        ("GB-NCA", "threat-actor", 3, V1),
        ("KH-NCB", "indicator", 1, V1),
        ("KH-NCB", "indicator", 4, V1),
        ("GB-NCA", "malware", 2, V2),
        ("KH-NCB", "x-acme-widget", 5, V1),
        ("GB-NCA", "indicator", 6, V1),
    ];
    for chunk in plan.chunks(2) {
        for (agency, kind, n, version) in chunk {
            put_stix(&store, agency, &[stix(kind, *n, version)]).await;
        }
    }
    let key = |i: usize| (stix_id(plan[i].1, plan[i].2), plan[i].3.to_owned());
    let expect =
        |which: &[usize]| -> Vec<(String, String)> { which.iter().map(|&i| key(i)).collect() };

    let everything = all_stix(&store, &StixFilter::default(), 2).await;
    assert_eq!(keys(&everything), expect(&[0, 1, 2, 3, 4, 5, 6, 7, 8]));
    assert_eq!(
        everything
            .iter()
            .map(|o| o.agency.as_str())
            .collect::<Vec<_>>(),
        plan.iter().map(|p| p.0).collect::<Vec<_>>()
    );
    for page in [1, 3, 100] {
        assert_eq!(
            all_stix(&store, &StixFilter::default(), page).await,
            everything
        );
    }
    assert!(
        store
            .stix_objects_after(0, 0, &StixFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "a limit of 0 is an empty page"
    );
    let last = everything.last().unwrap().seq;
    assert!(
        store
            .stix_objects_after(last, 10, &StixFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let middle = everything[3].seq;
    assert_eq!(
        keys(
            &store
                .stix_objects_after(middle, 2, &StixFilter::default())
                .await
                .unwrap()
        ),
        expect(&[4, 5]),
        "strictly after the cursor"
    );

    let filter = |ids: &[String], types: &[&str], agency: Option<&str>| StixFilter {
        ids: ids.to_vec(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        agency: agency.map(str::to_owned),
    };
    let cases: Vec<(StixFilter, Vec<usize>)> = vec![
        (filter(&[stix_id("indicator", 1)], &[], None), vec![0, 2, 4]),
        (
            filter(&[stix_id("indicator", 1), stix_id("malware", 2)], &[], None),
            vec![0, 1, 2, 4, 6],
        ),
        (filter(&[stix_id("indicator", 99)], &[], None), vec![]),
        (filter(&[], &["indicator"], None), vec![0, 2, 4, 5, 8]),
        (
            filter(&[], &["malware", "x-acme-widget"], None),
            vec![1, 6, 7],
        ),
        (filter(&[], &["indicato"], None), vec![]),
        (filter(&[], &[], Some("KH-NCB")), vec![1, 4, 5, 7]),
        (filter(&[], &[], Some("TH-DSI")), vec![]),
        (filter(&[], &[], Some("XX-NONE")), vec![]),
        (filter(&[], &["indicator"], Some("GB-NCA")), vec![0, 2, 8]),
        (
            filter(&[stix_id("indicator", 1)], &["indicator"], Some("KH-NCB")),
            vec![4],
        ),
        (
            filter(&[stix_id("indicator", 1)], &["malware"], None),
            vec![],
        ),
        (
            filter(
                &[stix_id("malware", 2), stix_id("threat-actor", 3)],
                &["malware", "threat-actor"],
                Some("GB-NCA"),
            ),
            vec![3, 6],
        ),
    ];
    for (f, which) in cases {
        for page in [1, 2, 50] {
            assert_eq!(
                keys(&all_stix(&store, &f, page).await),
                expect(&which),
                "{f:?} in pages of {page}"
            );
        }
    }
}

pub async fn stix_versions_are_listed_by_version_then_seq_across_owners<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let id = stix_id("indicator", 1);
    // Put out of version order, by two owners, one version held by both.
    put_stix(&store, "KH-NCB", &[stix("indicator", 1, V3)]).await;
    put_stix(
        &store,
        "GB-NCA",
        &[stix("indicator", 1, V2), stix("indicator", 1, V3)],
    )
    .await;
    put_stix(&store, "KH-NCB", &[stix("indicator", 1, V1)]).await;
    let mut unversioned = stix("indicator", 1, "");
    unversioned.json = format!(r#"{{"type":"indicator","id":"{id}"}}"#);
    put_stix(&store, "GB-NCA", &[unversioned]).await;
    // Text order, byte by byte, whatever the database's locale: a finer
    // fraction before the coarser time ('.' < 'Z'), capitals before small
    // letters (RFC 3339 allows both 'T' and 't'; a locale-aware order puts
    // small letters first).
    put_stix(
        &store,
        "GB-NCA",
        &[stix("indicator", 1, "2026-03-01t00:00:00z")],
    )
    .await;
    put_stix(
        &store,
        "GB-NCA",
        &[stix("indicator", 1, "2026-03-01T00:00:00Z")],
    )
    .await;
    put_stix(&store, "GB-NCA", &[stix("indicator", 2, V1)]).await;

    let versions = store.stix_object_versions(&id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|o| (o.version.as_str(), o.agency.as_str()))
            .collect::<Vec<_>>(),
        [
            ("", "GB-NCA"),
            (V1, "KH-NCB"),
            (V2, "GB-NCA"),
            (V3, "KH-NCB"),
            (V3, "GB-NCA"),
            ("2026-03-01T00:00:00Z", "GB-NCA"),
            ("2026-03-01t00:00:00z", "GB-NCA"),
        ]
    );
    assert!(versions[3].seq < versions[4].seq, "a tie goes by seq");
    assert!(versions.iter().all(|o| o.id == id && o.kind == "indicator"));
    assert!(
        store
            .stix_object_versions(&stix_id("indicator", 3))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .stix_object_versions(&id.to_uppercase())
            .await
            .unwrap()
            .is_empty(),
        "ids are exact"
    );
}

pub async fn deleting_stix_objects_removes_only_that_owners_rows<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let id = stix_id("indicator", 1);
    put_stix(
        &store,
        "GB-NCA",
        &[
            stix("indicator", 1, V1),
            stix("indicator", 1, V2),
            stix("indicator", 1, V3),
            stix("malware", 2, V1),
        ],
    )
    .await;
    put_stix(
        &store,
        "KH-NCB",
        &[stix("indicator", 1, V1), stix("indicator", 1, V2)],
    )
    .await;
    let owners_versions = |objects: Vec<StoredStixObject>| -> Vec<(String, String)> {
        objects.into_iter().map(|o| (o.agency, o.version)).collect()
    };
    let pair = |a: &str, v: &str| (a.to_owned(), v.to_owned());
    assert_eq!(store.counts().await.unwrap().stix_objects, 6);

    // One version.
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &id, Some(V2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        owners_versions(store.stix_object_versions(&id).await.unwrap()),
        [
            pair("GB-NCA", V1),
            pair("KH-NCB", V1),
            pair("KH-NCB", V2),
            pair("GB-NCA", V3)
        ]
    );
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &id, Some(V2))
            .await
            .unwrap(),
        0,
        "already gone"
    );
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &id, Some(""))
            .await
            .unwrap(),
        0,
        "the empty version is a version, not 'every version'"
    );
    assert_eq!(store.counts().await.unwrap().stix_objects, 5);

    // Every version of one owner; the other's rows and other ids stay.
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &id, None)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        owners_versions(store.stix_object_versions(&id).await.unwrap()),
        [pair("KH-NCB", V1), pair("KH-NCB", V2)]
    );
    assert_eq!(
        store
            .stix_object_versions(&stix_id("malware", 2))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &id, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_stix_objects("KH-NCB", &stix_id("malware", 2), None)
            .await
            .unwrap(),
        0,
        "another owner's object is not this one's to delete"
    );
    let left = all_stix(&store, &StixFilter::default(), 10).await;
    assert_eq!(
        keys(&left),
        [
            (stix_id("malware", 2), V1.to_owned()),
            (id.clone(), V1.to_owned()),
            (id.clone(), V2.to_owned()),
        ]
    );
    assert_eq!(store.counts().await.unwrap().stix_objects, 3);

    // A deleted version can be put again, as a new row.
    let out = put_stix(&store, "GB-NCA", &[stix("indicator", 1, V2)]).await;
    let [PutOutcome::Added { seq }] = out[..] else {
        panic!("{out:?}");
    };
    assert!(left.iter().all(|o| o.seq < seq));
}

pub async fn a_deleted_stix_objects_seq_is_never_given_again<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let out = put_stix(
        &store,
        "GB-NCA",
        &[stix("indicator", 1, V1), stix("indicator", 2, V1)],
    )
    .await;
    let newest = put_seq(out[1]);
    // The newest row goes: its seq is the highest ever given.
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &stix_id("indicator", 2), None)
            .await
            .unwrap(),
        1
    );
    let out = put_stix(&store, "GB-NCA", &[stix("indicator", 3, V1)]).await;
    let next = put_seq(out[0]);
    assert!(next > newest, "{next} after {newest}");

    // Not after a restart either.
    assert_eq!(
        store
            .delete_stix_objects("GB-NCA", &stix_id("indicator", 3), None)
            .await
            .unwrap(),
        1
    );
    drop(store);
    let store = fx.open().await;
    let out = put_stix(&store, "GB-NCA", &[stix("indicator", 4, V1)]).await;
    assert!(put_seq(out[0]) > next, "{out:?} after {next}");
    assert_eq!(
        keys(&all_stix(&store, &StixFilter::default(), 10).await),
        [
            (stix_id("indicator", 1), V1.to_owned()),
            (stix_id("indicator", 4), V1.to_owned())
        ]
    );
}

pub async fn stix_json_is_kept_byte_for_byte<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let id = stix_id("note", 1);
    let texts = [
        // Keys out of the usual order, odd spacing, tabs and newlines.
        format!(
            "{{ \"modified\" :\"{V1}\",\n\t\"id\":\"{id}\" ,\"type\":  \"note\",\r\n  \"spec_version\":\"2.1\"   }}\n"
        ),
        // Unicode as itself and as escapes, an escaped NUL, escaped
        // slashes, numbers spelled unusually, a repeated key.
        format!(
            r#"{{"type":"note","id":"{id}","content":"Mỹ Tho — 詐欺 😀 \u00e9\u0000\/ \"q\"","n":1.50E+3,"big":123456789012345678901234567890,"neg":-0,"content":"again"}}"#
        ),
        // A long text.
        format!(
            r#"{{"type":"note","id":"{id}","content":"{}"}}"#,
            "x y ".repeat(50_000)
        ),
    ];
    let versions = [V1, V2, V3];
    let objects: Vec<NewStixObject> = texts
        .iter()
        .zip(versions)
        .map(|(json, version)| NewStixObject {
            id: id.clone(),
            version: version.to_owned(),
            spec_version: "2.1".into(),
            marking: Marking::new(Tlp::Green),
            json: json.clone(),
        })
        .collect();
    put_stix(&store, "GB-NCA", &objects).await;
    let read: Vec<String> = store
        .stix_object_versions(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.json)
        .collect();
    assert_eq!(read, texts, "byte for byte through versions");
    let paged: Vec<String> = all_stix(&store, &StixFilter::default(), 1)
        .await
        .into_iter()
        .map(|o| o.json)
        .collect();
    assert_eq!(paged, texts, "byte for byte through pages");
    // The same bytes again are the same object.
    assert!(
        put_stix(&store, "GB-NCA", &objects)
            .await
            .iter()
            .all(|o| matches!(o, PutOutcome::Unchanged { .. }))
    );
}

pub async fn stix_markings_round_trip<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let markings = [
        Marking {
            tlp: Tlp::Red,
            recipients: vec!["KH-NCB/sokha".into(), "TH-DSI/somchai".into()],
            hit_notification: false,
        },
        Marking {
            tlp: Tlp::AmberStrict,
            recipients: vec!["KH-NCB".into()],
            hit_notification: true,
        },
        Marking::new(Tlp::Amber),
        Marking::new(Tlp::Green),
        Marking::new(Tlp::Clear),
    ];
    let objects: Vec<NewStixObject> = markings
        .iter()
        .enumerate()
        .map(|(n, marking)| NewStixObject {
            marking: marking.clone(),
            spec_version: if n == 4 { "2.0" } else { "2.1" }.into(),
            ..stix("report", n as u32, V1)
        })
        .collect();
    put_stix(&store, "GB-NCA", &objects).await;
    let kept = all_stix(&store, &StixFilter::default(), 10).await;
    assert_eq!(
        kept.iter().map(|o| o.marking.clone()).collect::<Vec<_>>(),
        markings
    );
    assert_eq!(
        kept.iter()
            .map(|o| o.spec_version.as_str())
            .collect::<Vec<_>>(),
        ["2.1", "2.1", "2.1", "2.1", "2.0"]
    );
    let red = store.stix_object_versions(&objects[0].id).await.unwrap();
    assert_eq!(red[0].marking, markings[0]);
}

pub async fn stix_text_no_backend_can_keep_is_invalid_everywhere<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let before = store.counts().await.unwrap();
    let spoil: [fn(&mut NewStixObject); 5] = [
        |o| o.json = o.json.replace("2.1", "2.1\0"),
        |o| o.version.push('\0'),
        |o| o.spec_version = "2.1\0".into(),
        |o| {
            o.marking = Marking {
                tlp: Tlp::Red,
                recipients: vec!["KH-NCB/so\0kha".into()],
                hit_notification: true,
            }
        },
        |o| o.id.push('\0'),
    ];
    for (i, spoil) in spoil.iter().enumerate() {
        let mut bad = stix("indicator", 2, V1);
        spoil(&mut bad);
        let e = store
            .put_stix_objects("GB-NCA", &[stix("indicator", 1, V1), bad], added())
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(_))), "case {i}: {e:?}");
    }
    assert_eq!(store.counts().await.unwrap(), before, "nothing written");

    // Look-ups naming such text are refused alike, on either backend.
    let nul = format!("{}\0", stix_id("indicator", 1));
    let e = store.stix_object_versions(&nul).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    let e = store.delete_stix_objects("GB-NCA", &nul, None).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    let e = store
        .delete_stix_objects("GB-NCA", &stix_id("indicator", 1), Some("v\0"))
        .await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    for filter in [
        StixFilter {
            ids: vec![nul.clone()],
            ..StixFilter::default()
        },
        StixFilter {
            types: vec!["indi\0cator".into()],
            ..StixFilter::default()
        },
        StixFilter {
            agency: Some("GB\0NCA".into()),
            ..StixFilter::default()
        },
    ] {
        let e = store.stix_objects_after(0, 10, &filter).await;
        assert!(
            matches!(e, Err(StoreError::Invalid(_))),
            "{filter:?}: {e:?}"
        );
    }

    // An escaped NUL inside the JSON text is only six characters.
    let mut escaped = stix("indicator", 3, V1);
    escaped.json = escaped.json.replace("2.1", "2\\u00001");
    put_stix(&store, "GB-NCA", &[escaped.clone()]).await;
    assert_eq!(
        store.stix_object_versions(&escaped.id).await.unwrap()[0].json,
        escaped.json
    );
}

pub async fn concurrent_puts_of_one_stix_object_keep_it_once<F: Fixture>(fx: &mut F) {
    let store = std::sync::Arc::new(fx.open().await);
    with_agencies(&*store, &["GB-NCA"]).await;
    const TASKS: u32 = 16;
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let store = std::sync::Arc::clone(&store);
        tasks.spawn(async move {
            // Everyone puts the shared object; each also one of its own.
            let batch = [stix("indicator", 1, V1), stix("indicator", 100 + t, V1)];
            store
                .put_stix_objects("GB-NCA", &batch, added())
                .await
                .expect("concurrent put")
        });
    }
    let mut shared = Vec::new();
    let mut own = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let out = done.expect("task finished");
        shared.push(out[0]);
        let PutOutcome::Added { seq } = out[1] else {
            panic!("{out:?}");
        };
        own.insert(seq);
    }
    let added_once: Vec<_> = shared
        .iter()
        .filter(|o| matches!(o, PutOutcome::Added { .. }))
        .collect();
    assert_eq!(added_once.len(), 1, "{shared:?}");
    let seq = put_seq(shared[0]);
    assert!(shared.iter().all(|o| put_seq(*o) == seq), "{shared:?}");
    assert_eq!(own.len(), TASKS as usize);
    assert_eq!(
        store.counts().await.unwrap().stix_objects,
        u64::from(TASKS) + 1
    );
}

pub async fn a_reopened_store_finds_its_stix_objects<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let mut red = stix("indicator", 1, V1);
    red.marking = Marking {
        tlp: Tlp::Red,
        recipients: vec!["KH-NCB/sokha".into()],
        hit_notification: false,
    };
    red.json = red.json.replace('}', ", \"name\": \"Mỹ Tho\" }");
    put_stix(&store, "GB-NCA", &[red.clone(), stix("indicator", 1, V2)]).await;
    put_stix(&store, "KH-NCB", &[stix("malware", 2, "")]).await;
    let kept = all_stix(&store, &StixFilter::default(), 10).await;
    let counts = store.counts().await.unwrap();
    drop(store);

    let store = fx.open().await;
    assert_eq!(store.counts().await.unwrap(), counts);
    assert_eq!(all_stix(&store, &StixFilter::default(), 10).await, kept);
    assert_eq!(
        put_stix(&store, "GB-NCA", std::slice::from_ref(&red)).await,
        [PutOutcome::Unchanged { seq: kept[0].seq }]
    );
    let out = put_stix(&store, "KH-NCB", &[stix("malware", 2, V1)]).await;
    assert!(
        kept.iter().all(|o| o.seq < put_seq(out[0])),
        "sequence numbers keep growing"
    );
}

// ---- reports and selectors by their derived STIX ids ----

fn report_uuid(agency: &str, id: &str) -> uuid::Uuid {
    cordon_interop::stix::ids::report_uuid(agency, id)
}

async fn found_by_uuid<S: Store>(store: &S, uuid: uuid::Uuid) -> Vec<(String, String)> {
    store
        .report_by_stix(uuid)
        .await
        .unwrap_or_else(|e| panic!("report_by_stix {uuid}: {e}"))
}

fn pair(agency: &str, id: &str) -> (String, String) {
    (agency.to_owned(), id.to_owned())
}

/// Another UUID whose first 47 bits are `uuid`'s, which the stores' key of
/// a derived UUID cannot tell from it.
fn same_key(uuid: uuid::Uuid) -> uuid::Uuid {
    uuid::Uuid::from_u128(uuid.as_u128() ^ 1)
}

/// A selector of every kind, with its derived STIX id.
fn selectors_of_every_kind() -> Vec<(Selector, String)> {
    let all: Vec<Selector> = [
        "phone:+85512345678",
        "email:recruit+hr@example.com",
        "domain:example.vip",
        "url:https://trade.example.vip/login?ref=7",
        "ip:203.0.113.5",
        "ip:2001:db8::1",
        "eth:0x52908400098527886e0f7030069857d2e4169ee7",
        "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
        "iban:DE89370400440532013000",
        "bank:KH:ABAAKHPP:000123456",
        "telegram:@goodjob_hr",
        "passport:KE:AK1234567",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "name:nguyen van an",
        "company:asia dream jobs co ltd",
    ]
    .into_iter()
    .map(selector)
    .collect();
    let kinds: BTreeSet<_> = all.iter().map(Selector::kind).collect();
    assert_eq!(
        kinds.len(),
        cordon_core::SelectorKind::ALL.len(),
        "every kind"
    );
    all.into_iter()
        .map(|s| {
            let id = cordon_interop::stix::sco::id(&s);
            (s, id)
        })
        .collect()
}

pub async fn a_report_is_found_by_its_derived_stix_uuid<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let gb = report_uuid("GB-NCA", "case-1");
    submit_one(&store, "GB-NCA", &report("case-1", "first", &[&phone(1)])).await;
    assert_eq!(found_by_uuid(&store, gb).await, [pair("GB-NCA", "case-1")]);

    // A revision keeps the UUID, and the report is still listed once.
    let revised = submit_one(&store, "GB-NCA", &report("case-1", "second", &[&phone(2)])).await;
    assert!(matches!(
        revised,
        SubmitOutcome::Accepted { revision: 2, .. }
    ));
    assert_eq!(found_by_uuid(&store, gb).await, [pair("GB-NCA", "case-1")]);
    // So does a report revised within the batch that first stores it.
    store
        .submit(
            "GB-NCA",
            &[report("case-2", "a", &[]), report("case-2", "b", &[])],
            accepted(),
        )
        .await
        .unwrap();
    assert_eq!(
        found_by_uuid(&store, report_uuid("GB-NCA", "case-2")).await,
        [pair("GB-NCA", "case-2")]
    );

    // Two agencies with the same report id are two reports.
    submit_one(&store, "KH-NCB", &report("case-1", "theirs", &[&phone(1)])).await;
    let kh = report_uuid("KH-NCB", "case-1");
    assert_ne!(kh, gb);
    assert_eq!(found_by_uuid(&store, kh).await, [pair("KH-NCB", "case-1")]);
    assert_eq!(found_by_uuid(&store, gb).await, [pair("GB-NCA", "case-1")]);

    // A report from another tool is found by the UUID of its own STIX id,
    // under every agency that keeps it.
    let uuid = uuid::Uuid::try_parse("84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3").unwrap();
    let stix_id = format!("report--{uuid}");
    assert_eq!(report_uuid("KH-NCB", &stix_id), uuid);
    submit_one(&store, "KH-NCB", &report(&stix_id, "imported", &[])).await;
    assert_eq!(
        found_by_uuid(&store, uuid).await,
        [pair("KH-NCB", &stix_id)]
    );
    submit_one(&store, "GB-NCA", &report(&stix_id, "imported too", &[])).await;
    assert_eq!(
        found_by_uuid(&store, uuid).await,
        [pair("GB-NCA", &stix_id), pair("KH-NCB", &stix_id)]
    );

    // Nothing else is found: not an unknown UUID, not one that the stores'
    // key of a UUID cannot tell from a stored one.
    assert!(found_by_uuid(&store, uuid::Uuid::nil()).await.is_empty());
    assert!(
        found_by_uuid(&store, report_uuid("GB-NCA", "case-9"))
            .await
            .is_empty()
    );
    for stored in [gb, kh, uuid] {
        assert!(found_by_uuid(&store, same_key(stored)).await.is_empty());
    }
    // Nor does a selector's id name a report.
    let object = cordon_interop::stix::sco::id(&phone(1));
    let (_, phone_uuid) = crate::derived::parse(&object).unwrap();
    assert!(found_by_uuid(&store, phone_uuid).await.is_empty());
}

pub async fn every_selector_kind_is_found_by_its_derived_stix_id<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let every = selectors_of_every_kind();
    let refs: Vec<&Selector> = every.iter().map(|(s, _)| s).collect();
    // Half in one report, half in another, the second revised to name them
    // all: a selector seen again is still found once.
    let (first, second) = refs.split_at(refs.len() / 2);
    store
        .submit(
            "GB-NCA",
            &[
                report("r1", "first half", first),
                report("r2", "second half", second),
            ],
            accepted(),
        )
        .await
        .unwrap();
    submit_one(&store, "GB-NCA", &report("r2", "all of them", &refs)).await;
    for (selector, id) in &every {
        assert_eq!(
            store.selector_by_stix(id).await.unwrap().as_deref(),
            Some(selector.as_str()),
            "{id}"
        );
    }
    // The UUID's hex digits may come in upper case (RFC 4122).
    let (any, any_id) = &every[0];
    let (kind, uuid) = any_id.split_once("--").unwrap();
    assert_eq!(
        store
            .selector_by_stix(&format!("{kind}--{}", uuid.to_uppercase()))
            .await
            .unwrap()
            .as_deref(),
        Some(any.as_str())
    );

    // The type is part of the id: a domain's UUID under another type finds
    // nothing; nor does an unknown UUID, nor text that is no STIX id.
    let (domain, domain_id) = every
        .iter()
        .find(|(s, _)| s.kind() == cordon_core::SelectorKind::Domain)
        .unwrap();
    let (_, uuid) = crate::derived::parse(domain_id).unwrap();
    let missing = [
        format!("url--{uuid}"),
        format!("identity--{uuid}"),
        format!("domain-name--{}", same_key(uuid)),
        format!("domain-name--{}", uuid::Uuid::nil()),
        cordon_interop::stix::sco::id(&selector("domain:elsewhere.vip")),
        domain_id.to_uppercase(),
        domain_id.replace('-', ""),
        domain.as_str().to_owned(),
        String::new(),
        format!("{domain_id}\0"),
    ];
    for id in &missing {
        assert_eq!(store.selector_by_stix(id).await.unwrap(), None, "{id:?}");
    }
    // A selector is found while a current revision holds it, as its
    // postings are.
    let passing = email("passing");
    let passing_id = cordon_interop::stix::sco::id(&passing);
    submit_one(&store, "GB-NCA", &report("r3", "named", &[&passing])).await;
    assert!(store.selector_by_stix(&passing_id).await.unwrap().is_some());
    submit_one(&store, "GB-NCA", &report("r3", "no longer", &[])).await;
    assert_eq!(store.selector_by_stix(&passing_id).await.unwrap(), None);
    assert!(store.postings(passing.as_str()).await.unwrap().is_empty());
    submit_one(&store, "GB-NCA", &report("r4", "again", &[&passing])).await;
    assert_eq!(
        store
            .selector_by_stix(&passing_id)
            .await
            .unwrap()
            .as_deref(),
        Some(passing.as_str())
    );

    // Nor does a report's UUID name a selector.
    let r1 = report_uuid("GB-NCA", "r1");
    assert_eq!(
        store
            .selector_by_stix(&format!("domain-name--{r1}"))
            .await
            .unwrap(),
        None
    );
}

pub async fn a_rejected_batch_leaves_no_stix_id_to_find<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA"]).await;
    let fresh = email("only-in-the-rejected-batch");
    let batch = [
        report("gb-1", "good", &[&fresh]),
        report("", "no id", &[&phone(4)]),
    ];
    let e = store.submit("GB-NCA", &batch, accepted()).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
    let e = store.submit("XX-NONE", &batch[..1], accepted()).await;
    assert!(matches!(e, Err(StoreError::NotFound(_))), "{e:?}");
    assert!(
        found_by_uuid(&store, report_uuid("GB-NCA", "gb-1"))
            .await
            .is_empty()
    );
    assert!(
        found_by_uuid(&store, report_uuid("XX-NONE", "gb-1"))
            .await
            .is_empty()
    );
    let id = cordon_interop::stix::sco::id(&fresh);
    assert_eq!(store.selector_by_stix(&id).await.unwrap(), None);

    // The same report alone is stored and found.
    submit_one(&store, "GB-NCA", &batch[0]).await;
    assert_eq!(
        found_by_uuid(&store, report_uuid("GB-NCA", "gb-1")).await,
        [pair("GB-NCA", "gb-1")]
    );
    assert_eq!(
        store.selector_by_stix(&id).await.unwrap().as_deref(),
        Some(fresh.as_str())
    );
}

pub async fn a_reopened_store_finds_reports_and_selectors_by_stix_id<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    with_agencies(&store, &["GB-NCA", "KH-NCB"]).await;
    let every = selectors_of_every_kind();
    let refs: Vec<&Selector> = every.iter().map(|(s, _)| s).collect();
    submit_one(&store, "GB-NCA", &report("gb-1", "all", &refs)).await;
    submit_one(&store, "KH-NCB", &report("gb-1", "same id", &[&phone(1)])).await;
    drop(store);

    let store = fx.open().await;
    for agency in ["GB-NCA", "KH-NCB"] {
        assert_eq!(
            found_by_uuid(&store, report_uuid(agency, "gb-1")).await,
            [pair(agency, "gb-1")]
        );
    }
    for (selector, id) in &every {
        assert_eq!(
            store.selector_by_stix(id).await.unwrap().as_deref(),
            Some(selector.as_str()),
            "{id}"
        );
    }
    // The reopened store keys what it writes next.
    submit_one(&store, "KH-NCB", &report("kh-2", "after", &[&phone(2)])).await;
    assert_eq!(
        found_by_uuid(&store, report_uuid("KH-NCB", "kh-2")).await,
        [pair("KH-NCB", "kh-2")]
    );
    assert_eq!(
        store
            .selector_by_stix(&cordon_interop::stix::sco::id(&phone(2)))
            .await
            .unwrap()
            .as_deref(),
        Some(phone(2).as_str())
    );
}

// ---- the decision log ----

fn decision(kind: &str, subject: &str, body: serde_json::Value) -> NewDecision {
    NewDecision {
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        agency: "KH-NCB".into(),
        user: "dara".into(),
        reason: format!("{kind} of {subject}, as the evidence shows"),
        body,
    }
}

/// The analysis's own decision: it gives no reason.
fn analysis_decision(kind: &str, subject: &str, body: serde_json::Value) -> NewDecision {
    NewDecision {
        agency: "cordon".into(),
        user: "analysis".into(),
        reason: String::new(),
        ..decision(kind, subject, body)
    }
}

/// Every decision, read page by page.
async fn all_decisions<S: Store>(store: &S, page: u32) -> Vec<Decision> {
    let (mut out, mut after) = (Vec::new(), 0);
    loop {
        let got = store.decisions_after(after, page).await.unwrap();
        assert!(got.len() <= page as usize, "a page holds at most `limit`");
        let Some(last) = got.last() else {
            return out;
        };
        after = last.seq;
        out.extend(got);
    }
}

/// Whether `kept` is `new` as appended, whatever its number and time.
fn is_kept_as(kept: &Decision, new: &NewDecision) -> bool {
    Decision::kept(kept.seq, kept.at, new.clone()) == *kept
}

pub async fn decisions_are_appended_in_order_and_page_by_seq<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let first = [
        analysis_decision(
            "network.anchor",
            "network-1",
            serde_json::json!({"selector": "phone:+85512340001"}),
        ),
        decision(
            "network.merge",
            "network-2",
            serde_json::json!({"into": "network-1"}),
        ),
        decision(
            "compound.status",
            "geo:11.5564,104.9282",
            serde_json::json!({"status": "raided"}),
        ),
    ];
    let before = Utc::now();
    let one = store.append_decisions(&first).await.unwrap();
    let between = Utc::now();
    assert_eq!(one.len(), 3);
    for (kept, new) in one.iter().zip(&first) {
        assert!(is_kept_as(kept, new), "{kept:?} is not {new:?}");
    }
    assert!(
        one.windows(2).all(|w| w[0].seq < w[1].seq),
        "in the batch's order"
    );
    assert!(one.iter().all(|d| d.at == one[0].at), "one time per batch");
    assert_eq!(one[0].at.timestamp_subsec_nanos() % 1000, 0, "microseconds");
    assert!(
        before.trunc_subsecs(6) <= one[0].at && one[0].at <= between,
        "the store's clock at the append: {before} <= {} <= {between}",
        one[0].at
    );

    let second = [
        decision(
            "notice.draft",
            "notice-1",
            serde_json::json!({"networks": ["network-1"]}),
        ),
        decision("notice.publish", "notice-1", serde_json::json!(null)),
    ];
    let two = store.append_decisions(&second).await.unwrap();
    assert!(two[0].seq > one[2].seq, "after every earlier decision");
    assert!(two[0].seq < two[1].seq);
    assert!(two[0].at >= one[0].at);

    let appended: Vec<Decision> = one.iter().chain(&two).cloned().collect();
    for page in [1, 2, 3, 100] {
        assert_eq!(
            all_decisions(&store, page).await,
            appended,
            "read back in pages of {page}"
        );
    }
    let after_first = store.decisions_after(one[2].seq, 100).await.unwrap();
    assert_eq!(after_first, two, "a poll after the last seen finds the new");
    assert!(
        store
            .decisions_after(two[1].seq, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.decisions_after(0, 0).await.unwrap().is_empty());
    assert_eq!(
        store.decisions_after(-1, 2).await.unwrap(),
        appended[..2].to_vec()
    );
}

pub async fn decisions_about_a_subject_are_its_history_in_order<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let batch = [
        analysis_decision("network.anchor", "network-1", serde_json::json!({"n": 1})),
        decision("network.anchor", "network-2", serde_json::json!({"n": 2})),
        decision("network.split", "network-1", serde_json::json!({"n": 3})),
    ];
    let kept = store.append_decisions(&batch).await.unwrap();
    let later = store
        .append_decisions(&[
            decision("network.merge", "network-1", serde_json::json!({"n": 4})),
            decision("network.merge", "network-10", serde_json::json!({"n": 5})),
            decision("network.merge", "Network-1", serde_json::json!({"n": 6})),
        ])
        .await
        .unwrap();

    let history = store.decisions_about("network-1").await.unwrap();
    assert_eq!(
        history,
        [kept[0].clone(), kept[2].clone(), later[0].clone()],
        "only that subject's, exactly and case-sensitively, in order"
    );
    assert_eq!(
        store.decisions_about("network-2").await.unwrap(),
        [kept[1].clone()]
    );
    assert!(store.decisions_about("network").await.unwrap().is_empty());
    assert!(store.decisions_about("").await.unwrap().is_empty());
    let e = store.decisions_about("network-1\0").await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");
}

pub async fn decision_bodies_read_back_as_appended<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let bodies = [
        serde_json::json!({
            "score": 0.0012857142857142859,
            "tiny": 1.0715660391465826e-75,
            "huge": -1.603964615428183e143,
            "third": 1.0 / 3.0,
            "whole_float": 2.0,
            "negative_zero": -0.0,
        }),
        serde_json::json!({"max": u64::MAX, "min": i64::MIN, "zero": 0}),
        serde_json::json!({
            "text": "ស្រុក — \"quoted\"\n\tline\u{0}after \\ 😀",
            "nested": {"b": [1, [2, {"c": null}]], "a": true, "": false},
            "empty": {"list": [], "object": {}},
        }),
        serde_json::json!("just a string"),
        serde_json::json!([3, 1, 2]),
        serde_json::json!(null),
        serde_json::json!(false),
        serde_json::json!(12.5),
    ];
    let batch: Vec<NewDecision> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| decision("compound.status", &format!("site-{i}"), b.clone()))
        .collect();
    let kept = store.append_decisions(&batch).await.unwrap();
    let read = store.decisions_after(0, 100).await.unwrap();
    assert_eq!(read, kept);
    for (d, body) in read.iter().zip(&bodies) {
        assert_eq!(&d.body, body, "{}", d.subject);
        assert_eq!(d.body.to_string(), body.to_string(), "{}", d.subject);
    }
    let score = read[0].body["score"].as_f64().unwrap();
    assert_eq!(score.to_bits(), 0.0012857142857142859f64.to_bits());
    assert_eq!(read[1].body["max"].as_u64(), Some(u64::MAX));
    assert_eq!(read[1].body["min"].as_i64(), Some(i64::MIN));

    // Free text with anything but a NUL is kept as given.
    let mut worded = decision("notice.draft", "notice-ស", serde_json::json!({}));
    worded.reason = "'; DROP TABLE decisions; -- ស\n\"why\"".into();
    worded.user = "Dara Sok".into();
    let kept = store
        .append_decisions(std::slice::from_ref(&worded))
        .await
        .unwrap();
    assert_eq!(store.decisions_about("notice-ស").await.unwrap(), kept);
    assert!(is_kept_as(&kept[0], &worded));
}

pub async fn a_bad_decision_rejects_its_whole_batch<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let good = store
        .append_decisions(&[decision(
            "network.anchor",
            "network-1",
            serde_json::json!({}),
        )])
        .await
        .unwrap();

    let mut batch = vec![
        decision("network.merge", "network-2", serde_json::json!({})),
        decision("network.merge", "network-3", serde_json::json!({})),
        decision("network.merge", "network-4", serde_json::json!({})),
    ];
    batch[1].kind = "Network Merge".into();
    let e = store.append_decisions(&batch).await;
    let Err(StoreError::Invalid(message)) = e else {
        panic!("{e:?}");
    };
    assert!(message.contains("decisions[1].kind"), "{message}");
    assert!(message.contains("Network Merge"), "{message}");

    type Spoil = fn(&mut NewDecision);
    let spoilt: [(&str, Spoil); 7] = [
        ("kind", |d| d.kind = String::new()),
        ("kind", |d| d.kind = "n".repeat(65)),
        ("subject", |d| d.subject = String::new()),
        ("subject", |d| d.subject = "s".repeat(257)),
        ("agency", |d| d.agency = String::new()),
        ("user", |d| d.user = String::new()),
        ("reason", |d| d.reason = "r".repeat(4001)),
    ];
    for (field, spoil) in spoilt {
        let mut batch = batch.clone();
        batch[1].kind = "network.merge".into();
        spoil(&mut batch[2]);
        let e = store.append_decisions(&batch).await;
        let Err(StoreError::Invalid(message)) = e else {
            panic!("{field}: {e:?}");
        };
        assert!(
            message.contains(&format!("decisions[2].{field}")),
            "{message}"
        );
    }
    // What no backend can keep is refused alike.
    let mut nul = batch.clone();
    nul[1].kind = "network.merge".into();
    nul[0].subject = "network\0".into();
    let e = store.append_decisions(&nul).await;
    assert!(matches!(e, Err(StoreError::Invalid(_))), "{e:?}");

    // At the limits is fine.
    let mut edge = decision("network.merge", &"s".repeat(256), serde_json::json!({}));
    edge.kind = "n".repeat(64);
    edge.reason = "r".repeat(4000);

    assert_eq!(
        store.decisions_after(0, 100).await.unwrap(),
        good,
        "nothing of a rejected batch was written"
    );
    let more = store.append_decisions(&[edge.clone()]).await.unwrap();
    assert!(is_kept_as(&more[0], &edge));
    assert!(more[0].seq > good[0].seq);
    assert_eq!(store.decisions_after(0, 100).await.unwrap().len(), 2);
}

pub async fn an_empty_decision_batch_writes_nothing<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    assert!(store.append_decisions(&[]).await.unwrap().is_empty());
    assert!(store.decisions_after(0, 100).await.unwrap().is_empty());
    let kept = store
        .append_decisions(&[decision("notice.draft", "notice-1", serde_json::json!({}))])
        .await
        .unwrap();
    assert!(store.append_decisions(&[]).await.unwrap().is_empty());
    assert_eq!(store.decisions_after(0, 100).await.unwrap(), kept);
    assert_eq!(store.decisions_about("notice-1").await.unwrap(), kept);
}

pub async fn concurrent_decisions_are_all_kept_in_one_order<F: Fixture>(fx: &mut F) {
    let store = std::sync::Arc::new(fx.open().await);
    const TASKS: u32 = 16;
    const PER_TASK: u32 = 4;
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let store = std::sync::Arc::clone(&store);
        tasks.spawn(async move {
            let mut kept = Vec::new();
            for i in 0..PER_TASK {
                let batch = [
                    decision(
                        "network.merge",
                        &format!("network-{t}"),
                        serde_json::json!(i),
                    ),
                    decision(
                        "network.split",
                        &format!("network-{t}"),
                        serde_json::json!(i),
                    ),
                ];
                kept.extend(
                    store
                        .append_decisions(&batch)
                        .await
                        .expect("concurrent append"),
                );
                // A rejected batch among them must not disturb the others.
                let bad = store
                    .append_decisions(&[decision("Bad Kind", "x", serde_json::json!(i))])
                    .await;
                assert!(matches!(bad, Err(StoreError::Invalid(_))));
            }
            kept
        });
    }
    let mut kept = Vec::new();
    while let Some(done) = tasks.join_next().await {
        kept.extend(done.expect("task finished"));
    }
    kept.sort_by_key(|d| d.seq);
    let total = (TASKS * PER_TASK * 2) as usize;
    assert_eq!(kept.len(), total);
    assert!(
        kept.windows(2).all(|w| w[0].seq < w[1].seq),
        "every decision its own seq"
    );
    assert_eq!(
        all_decisions(&*store, 7).await,
        kept,
        "the log is every append, in seq order"
    );
    for t in 0..TASKS {
        let history = store
            .decisions_about(&format!("network-{t}"))
            .await
            .unwrap();
        let kinds: Vec<(&str, u64)> = history
            .iter()
            .map(|d| (d.kind.as_str(), d.body.as_u64().unwrap()))
            .collect();
        let expected: Vec<(&str, u64)> = (0..u64::from(PER_TASK))
            .flat_map(|i| [("network.merge", i), ("network.split", i)])
            .collect();
        assert_eq!(kinds, expected, "network-{t}: each task's in its order");
    }
}

pub async fn a_reopened_store_keeps_its_decisions<F: Fixture>(fx: &mut F) {
    let store = fx.open().await;
    let mut precise = decision(
        "compound.status",
        "geo:11.5564,104.9282",
        serde_json::json!({"confidence": 0.8571428571428571}),
    );
    precise.reason = "seen on the raid's footage".into();
    let kept = store
        .append_decisions(&[
            analysis_decision("network.anchor", "network-1", serde_json::json!({"a": 1})),
            precise,
        ])
        .await
        .unwrap();
    drop(store);

    let store = fx.open().await;
    assert_eq!(store.decisions_after(0, 100).await.unwrap(), kept);
    assert_eq!(
        store.decisions_about("geo:11.5564,104.9282").await.unwrap(),
        [kept[1].clone()]
    );
    // The reopened store carries on where the old one stopped.
    let more = store
        .append_decisions(&[decision(
            "network.merge",
            "network-1",
            serde_json::json!({"into": "network-0"}),
        )])
        .await
        .unwrap();
    assert!(more[0].seq > kept[1].seq, "sequence numbers keep growing");
    assert!(more[0].at >= kept[1].at);
    assert_eq!(
        store.decisions_about("network-1").await.unwrap(),
        [kept[0].clone(), more[0].clone()]
    );
    drop(store);
    let store = fx.open().await;
    assert_eq!(store.decisions_after(0, 100).await.unwrap().len(), 3);
}

// ---- leadership ----

/// `store.try_lead(role)` until it is granted, for at most 10 s: a freed
/// PostgreSQL lock goes when the server has ended its session.
async fn lead_within<S: Store>(store: &S, role: &str) -> Box<dyn crate::Lead> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(lead) = store.try_lead(role).await.unwrap() {
            return lead;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the role {role} was not freed within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

pub async fn a_role_is_led_by_one_holder_at_a_time<F: Fixture>(fx: &mut F) {
    // Two stores open at once on one database: two replicas.
    let first = fx.open().await;
    let second = fx.open().await;
    let lead = first
        .try_lead("webhooks")
        .await
        .unwrap()
        .expect("nobody leads yet");
    assert!(lead.holds().await);
    assert!(second.try_lead("webhooks").await.unwrap().is_none());
    assert!(
        first.try_lead("webhooks").await.unwrap().is_none(),
        "a held role is not granted twice, even to its holder's store"
    );
    // Roles are independent.
    let other = second
        .try_lead("tasks.nightly")
        .await
        .unwrap()
        .expect("another role is free");
    assert!(first.try_lead("tasks.nightly").await.unwrap().is_none());
    assert!(lead.holds().await, "another role leaves this one held");

    drop(lead);
    let taken = lead_within(&second, "webhooks").await;
    assert!(taken.holds().await);
    assert!(first.try_lead("webhooks").await.unwrap().is_none());
    drop(other);
    drop(taken);
    let again = lead_within(&first, "webhooks").await;
    assert!(again.holds().await);

    for bad in [
        "",
        "Webhooks",
        "web hooks",
        "a/b",
        "x\0y",
        "r".repeat(65).as_str(),
    ] {
        assert!(
            matches!(first.try_lead(bad).await, Err(StoreError::Invalid(_))),
            "role {bad:?} is refused"
        );
    }
}

// ---- money ----

fn money(kind: crate::MoneyKind, key: &str, body: serde_json::Value) -> crate::NewMoney {
    crate::NewMoney {
        kind,
        key: key.to_owned(),
        body: body.to_string(),
    }
}

async fn all_money<S: Store>(store: &S, page: u32) -> Vec<crate::StoredMoney> {
    let (mut out, mut after) = (Vec::new(), 0);
    loop {
        let got = store.money_after(after, page).await.unwrap();
        assert!(got.len() <= page as usize, "a page holds at most `limit`");
        let Some(last) = got.last() else {
            return out;
        };
        after = last.seq;
        out.extend(got);
    }
}

pub async fn money_is_kept_once_and_revised_by_a_change<F: Fixture>(fx: &mut F) {
    use crate::MoneyKind::{Conversion, Flow, Tag};
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB", "GB-NCA"]).await;
    let amber = Marking {
        tlp: Tlp::Amber,
        recipients: vec!["GB-NCA".into()],
        hit_notification: true,
    };
    let at = Utc::now();
    let batch = [
        money(
            Flow,
            "0xab:1",
            serde_json::json!({"id": "0xab:1", "asset": "USDT@tron"}),
        ),
        money(
            Tag,
            "trx:TX|exchange",
            serde_json::json!({"category": "exchange"}),
        ),
        money(
            Conversion,
            "0xab:1>0xcd:0",
            serde_json::json!({"kind": "swap"}),
        ),
    ];
    let first = store.put_money("KH-NCB", &amber, &batch, at).await.unwrap();
    let seqs: Vec<i64> = first
        .iter()
        .map(|o| match o {
            PutOutcome::Added { seq } => *seq,
            other => panic!("new records are added: {other:?}"),
        })
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in the batch's order");
    // The same again: unchanged, nothing written.
    let again = store.put_money("KH-NCB", &amber, &batch, at).await.unwrap();
    assert_eq!(
        again,
        seqs.iter()
            .map(|&seq| PutOutcome::Unchanged { seq })
            .collect::<Vec<_>>()
    );
    // Another agency's record under the same key is its own.
    let theirs = store
        .put_money("GB-NCA", &Marking::default(), &batch[..1], at)
        .await
        .unwrap();
    assert!(matches!(theirs[0], PutOutcome::Added { .. }));
    // A changed body, or the same body under another marking, is a new
    // revision; within one batch the second of a key compares with the first.
    let changed = [
        money(
            Flow,
            "0xab:1",
            serde_json::json!({"id": "0xab:1", "asset": "USDT@ethereum"}),
        ),
        money(
            Flow,
            "0xab:1",
            serde_json::json!({"id": "0xab:1", "asset": "USDT@ethereum"}),
        ),
    ];
    let revised = store
        .put_money("KH-NCB", &amber, &changed, at)
        .await
        .unwrap();
    let PutOutcome::Added { seq: revision } = revised[0] else {
        panic!("a change is a new revision: {revised:?}")
    };
    assert_eq!(revised[1], PutOutcome::Unchanged { seq: revision });
    let green = Marking {
        tlp: Tlp::Green,
        recipients: vec![],
        hit_notification: true,
    };
    let remarked = store
        .put_money("KH-NCB", &green, &changed[..1], at)
        .await
        .unwrap();
    assert!(matches!(remarked[0], PutOutcome::Added { .. }));

    let kept = all_money(&store, 2).await;
    assert_eq!(
        kept.len(),
        6,
        "three, theirs, a revision, a re-marking: {kept:?}"
    );
    assert!(kept.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(kept[0].agency, "KH-NCB");
    assert_eq!(kept[0].kind, Flow);
    assert_eq!(kept[0].key, "0xab:1");
    assert_eq!(kept[0].marking, amber);
    assert_eq!(kept[0].accepted, at.trunc_subsecs(6));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&kept[1].body).unwrap(),
        serde_json::json!({"category": "exchange"})
    );
    assert_eq!(kept[3].agency, "GB-NCA");
    assert_eq!(kept[5].marking, green);
    assert_eq!(
        store.money_after(kept[4].seq, 10).await.unwrap(),
        kept[5..].to_vec(),
        "a poll after the last seen finds the new"
    );
}

pub async fn a_money_batch_is_all_or_nothing<F: Fixture>(fx: &mut F) {
    use crate::MoneyKind::Flow;
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB"]).await;
    let at = Utc::now();
    let good = money(Flow, "tx-1", serde_json::json!({"id": "tx-1"}));
    for (bad, says) in [
        (money(Flow, "", serde_json::json!({})), "money[1].key"),
        (money(Flow, "a\0b", serde_json::json!({})), "money[1].key"),
        (
            crate::NewMoney {
                kind: Flow,
                key: "tx-2".into(),
                body: "[1]".into(),
            },
            "money[1].body",
        ),
    ] {
        let err = store
            .put_money("KH-NCB", &Marking::default(), &[good.clone(), bad], at)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains(says)),
            "{err:?} names {says}"
        );
    }
    let err = store
        .put_money(
            "XX-NONE",
            &Marking::default(),
            std::slice::from_ref(&good),
            at,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert!(
        store.money_after(0, 10).await.unwrap().is_empty(),
        "nothing was kept"
    );
    assert!(
        store
            .put_money("KH-NCB", &Marking::default(), &[], at)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn money_survives_a_reopen<F: Fixture>(fx: &mut F) {
    use crate::MoneyKind::Tag;
    let store = fx.open().await;
    with_agencies(&store, &["KH-NCB"]).await;
    let at = Utc::now();
    store
        .put_money(
            "KH-NCB",
            &Marking::default(),
            &[money(
                Tag,
                "btc:1x|mule",
                serde_json::json!({"category": "mule"}),
            )],
            at,
        )
        .await
        .unwrap();
    let before = all_money(&store, 10).await;
    drop(store);
    let store = fx.open().await;
    assert_eq!(all_money(&store, 10).await, before);
}
