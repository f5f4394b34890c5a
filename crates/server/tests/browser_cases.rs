//! The protection desk in a real headless Chromium (through chromedriver):
//! a desk officer of the origin country's police walks one case from the
//! signal to repatriation through the console alone: opens it with the
//! form, moves it through the protocol, screens the person, records the
//! outcome, assigns the consulate, agrees return with informed consent
//! (refused first without it, the error next to the box), repatriates,
//! and finds it all in the timeline and the queue; when the case then
//! falls overdue, the escalation appears on the open page at once. Screenshots of every
//! step go to `target/browser-screenshots/cases-*.png` for review.
//!
//! Skipped (loudly) without chromedriver and Chromium outside CI; under CI
//! they must be there (`cordon_testkit::chromedriver`).

#[path = "common/browser.rs"]
mod shared;

use shared::{Screenshots, WAIT, add_token, fits_the_window, log_in, session};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cordon_server::{Config, TokenKey};
use cordon_store::{NewAgency, Store};
use cordon_store_sqlite::SqliteStore;
use fantoccini::{Client, Locator};

/// The origin country's police: the desk officer's agency.
const ORIGIN: &str = "TH-DSI";
/// The police of the compound's country.
const DESTINATION: &str = "KH-NCB";
/// The consulate responsible for the person.
const CONSULATE: &str = "TH-MFA";

const NAME: &str = "Kanyarat";
const PASSPORT: &str = "passport:TH:AA9876543";

/// This test's screenshots.
const SHOTS: Screenshots = Screenshots("cases-");

/// Whether the page fits a 1280-pixel-wide window without scrolling
/// sideways, and the stylesheet applied under the Content-Security-Policy.
async fn check_layout(client: &Client, what: &str) {
    fits_the_window(client, what).await;
    let header = client
        .execute(
            "return getComputedStyle(document.querySelector('header.top')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        header, "rgba(0, 0, 0, 0)",
        "{what}: the stylesheet did not apply"
    );
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click #{id}: {e}"));
}

async fn type_into(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into #{id}: {e}"));
}

async fn choose(client: &Client, id: &str, value: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {value} in #{id}: {e}"));
}

/// The text of `css` once it holds `wanted`: the page after a form's
/// redirect may take a moment, and the old page's element goes stale.
async fn wait_text(client: &Client, css: &str, wanted: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(e) = client.find(Locator::Css(css)).await
            && let Ok(text) = e.text().await
        {
            if text.contains(wanted) {
                return text;
            }
            last = text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never showed {wanted:?}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Moves the case with the stage form, and waits for the page to show it.
async fn move_to(client: &Client, to: &str, label: &str, why: &str) {
    choose(client, "f-to", to).await;
    type_into(client, "f-why", why).await;
    click(client, "stage-submit").await;
    wait_text(client, "#case-stage strong", label).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_officer_walks_a_case_from_signal_to_repatriation() {
    let Some(driver) = cordon_testkit::chromedriver() else {
        return;
    };
    let Some(chromium) = cordon_testkit::chromium_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
    let store: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(&url))
            .await
            .unwrap()
            .expect("the store opens"),
    );
    let key = TokenKey::from_bytes([5; 32]);
    for (code, country, kind) in [
        (ORIGIN, "TH", "police"),
        (DESTINATION, "KH", "police"),
        (CONSULATE, "TH", "police"),
    ] {
        store
            .create_agency(&NewAgency {
                code: code.into(),
                name: format!("agency {code}"),
                country: country.into(),
                kind: kind.into(),
                contact: format!("duty desk of {code}"),
            })
            .await
            .unwrap();
    }
    let token = add_token(store.as_ref(), &key, ORIGIN, "malee").await;
    // The case clocks run on a clock the test moves.
    let clock = cordon_server::cases::Clock::manual(chrono::Utc::now());
    let mut config = Config {
        rate_per_second: 0,
        ..Config::default()
    };
    config.cases.clock = clock.clone();
    config.cases.escalate_every = Duration::from_millis(100);
    let server = cordon_server::start(store.clone(), key, config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), server.ready())
        .await
        .expect("the hit index loads");
    let base = format!("http://{}", server.addr);

    let client = session(&chromium, &driver.url()).await;
    SHOTS.clear();

    log_in(&client, &base, &token, false).await;

    // The desk, empty; open a case with the form.
    client
        .find(Locator::Css("nav a[href='/cases']"))
        .await
        .expect("the Protection link")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("open-case-link"))
        .await
        .expect("the protection desk")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("open-case"))
        .await
        .expect("the opening form");
    check_layout(&client, "the opening form").await;
    SHOTS.snap(&client, "01-open-form").await;
    choose(&client, "f-source", "distress_signal").await;
    type_into(&client, "f-nationality", "TH").await;
    type_into(&client, "f-compound_country", "KH").await;
    type_into(&client, "f-held_description", "blue building by the casino").await;
    type_into(&client, "f-held_lat", "10.6093").await;
    type_into(&client, "f-held_lon", "103.5296").await;
    type_into(&client, "f-p0-given_name", NAME).await;
    type_into(&client, "f-p0-family_name", "Srisuk").await;
    choose(&client, "f-p0-gender", "feminine").await;
    type_into(&client, "f-p0-identifiers", PASSPORT).await;
    choose(&client, "f-a0-role", "origin").await;
    type_into(&client, "f-a1-agency", DESTINATION).await;
    choose(&client, "f-a1-role", "destination").await;
    type_into(&client, "f-channel", "telegram").await;
    type_into(
        &client,
        "f-recruitment_selectors",
        "telegram:@jobs_bkk_recruit",
    )
    .await;
    type_into(
        &client,
        "f-account",
        "She messaged her sister: they took her passport and she cannot leave.",
    )
    .await;
    click(&client, "open-submit").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("stage-form"))
        .await
        .expect("the case page");
    let url = client.current_url().await.unwrap();
    let id = url
        .path()
        .trim_start_matches("/cases/")
        .trim_end_matches('/')
        .to_owned();
    assert!(id.starts_with("PC-"), "{url}");
    let page = client.source().await.unwrap();
    assert!(page.contains(NAME) && page.contains(PASSPORT));
    assert!(
        page.contains(r#"id="held-map""#),
        "where she is held, drawn"
    );
    wait_text(&client, "#case-stage strong", "Signal received").await;
    check_layout(&client, "the case page").await;
    SHOTS.snap(&client, "02-case-opened").await;
    client
        .execute("document.getElementById('held').scrollIntoView();", vec![])
        .await
        .unwrap();
    let pins = client
        .find_all(Locator::Css("#held-map circle.held"))
        .await
        .unwrap();
    assert_eq!(pins.len(), 1, "where she is held, on the map");
    SHOTS.snap(&client, "03-held").await;

    // Verified → located → rescue planned → extracted → screened.
    for (to, label) in [
        ("verified", "Verified"),
        ("located", "Located"),
        ("rescue_planned", "Rescue planned"),
        ("extracted", "Extracted / handed over"),
        ("screened", "Identified and screened"),
    ] {
        move_to(&client, to, label, &format!("reached {to}")).await;
    }
    SHOTS.snap(&client, "04-screened").await;

    // The screening form: a few indicators present, one with a note.
    for indicator in [
        "ilo_deception",
        "ilo_retention_of_identity_documents",
        "ilo_restriction_of_movement",
        "delphi_dr_nature_of_job",
    ] {
        click(&client, &format!("i-{indicator}-present")).await;
    }
    type_into(
        &client,
        "n-ilo_deception",
        "promised a customer-service job in Bangkok",
    )
    .await;
    client
        .execute(
            "document.getElementById('f-i-ilo_deception').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    SHOTS.snap(&client, "05-screening-form").await;
    click(&client, "screening-submit").await;
    wait_text(&client, "#ilo-present", "3").await;
    let suggestion = wait_text(&client, "#suggestion", "possible victim").await;
    assert!(suggestion.contains("because"), "{suggestion}");
    let aid = client
        .find(Locator::Id("assessment-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(aid.to_lowercase(), "decision aid, not a verdict");
    client
        .execute(
            "document.getElementById('screening').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    SHOTS.snap(&client, "06-assessment").await;

    // The outcome: an actual victim, and the non-punishment banner.
    choose(&client, "f-status", "actual_victim").await;
    type_into(&client, "f-reasons", "deceived, documents taken, confined").await;
    click(&client, "outcome-submit").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("non-punishment"))
        .await
        .expect("the non-punishment banner");
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    SHOTS.snap(&client, "07-outcome").await;

    // Shelter → assessed; the consulate assigned.
    move_to(
        &client,
        "shelter",
        "In shelter and recovery",
        "placed in the shelter",
    )
    .await;
    move_to(
        &client,
        "assessed",
        "Risk and needs assessed",
        "no risk on return",
    )
    .await;
    type_into(&client, "f-agency", CONSULATE).await;
    choose(&client, "f-role", "consulate").await;
    click(&client, "assign-submit").await;
    wait_text(&client, "#assigned", &format!("{CONSULATE} (consulate)")).await;

    // Return agreed: refused without her informed consent, the error next
    // to the box, then agreed with it.
    choose(&client, "f-to", "return_agreed").await;
    type_into(&client, "f-why", "she wants to go home").await;
    click(&client, "stage-submit").await;
    let refusal = wait_text(&client, "#error-summary", "informed consent").await;
    assert!(refusal.contains("return is agreed only with the person's informed consent"));
    let near = client
        .find(Locator::Css(".field.has-error #f-informed_consent"))
        .await;
    assert!(near.is_ok(), "the error marks the consent box");
    let kept = client
        .find(Locator::Id("f-why"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("she wants to go home"), "why kept");
    SHOTS.snap(&client, "08-consent-refused").await;
    click(&client, "f-informed_consent").await;
    click(&client, "stage-submit").await;
    wait_text(&client, "#case-stage strong", "Return agreed").await;
    move_to(
        &client,
        "repatriated",
        "Repatriated",
        "flew home with the consulate",
    )
    .await;

    // The timeline tells the whole walk, each entry with its detail.
    let timeline = client
        .find(Locator::Id("timeline-list"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for entry in [
        "case opened from a distress signal",
        "moved to verified",
        "reached verified",
        "moved to identified and screened",
        "screening: Deception present",
        "promised a customer-service job in Bangkok",
        "outcome: actual victim",
        "deceived, documents taken, confined",
        &format!("assigned {CONSULATE} as consulate"),
        "moved to return agreed",
        "she wants to go home",
        "moved to repatriated",
    ] {
        assert!(
            timeline.contains(entry),
            "{entry:?} not in the timeline:\n{timeline}"
        );
    }
    let entries = client
        .find_all(Locator::Css("#timeline-list li"))
        .await
        .unwrap();
    // Opened, nine moves, four answers, the outcome and the assignment.
    assert_eq!(entries.len(), 16, "{timeline}");
    client
        .execute(
            "document.getElementById('timeline').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    SHOTS.snap(&client, "09-timeline").await;

    // The queue shows it, repatriated and protected.
    client
        .find(Locator::Css("nav a[href='/cases']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let row = wait_text(&client, "#cases tbody tr", &id).await;
    assert!(row.contains("Repatriated"), "{row}");
    assert!(
        row.contains("actual victim") && row.contains("non-punishment"),
        "{row}"
    );
    check_layout(&client, "the queue").await;
    SHOTS.snap(&client, "10-queue").await;

    // Two weeks on, the follow-up after repatriation is overdue: the
    // escalation appears at once above the open alerts page, and in its
    // list, linking to the case.
    client.goto(&format!("{base}/alerts")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("alert-list"))
        .await
        .expect("the alerts page");
    // The page opens its stream once loaded.
    tokio::time::sleep(Duration::from_secs(1)).await;
    clock.advance(chrono::Duration::days(15));
    let line = format!("Case {id} is overdue in repatriated: escalated to the assigned agencies");
    let banner = wait_text(&client, ".overdue-banner a", &line).await;
    assert_eq!(banner, line);
    let listed = wait_text(&client, "#alert-list li.overdue a", &line).await;
    assert_eq!(listed, line);
    let href = client
        .find(Locator::Css(".overdue-banner a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(href.as_deref(), Some(format!("/cases/{id}").as_str()));
    SHOTS.snap(&client, "11-overdue-live").await;
    client
        .find(Locator::Css(".overdue-banner a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "#case-due", "OVERDUE").await;

    client.close().await.unwrap();
    server.stop().await.unwrap();
    drop(driver);
}
