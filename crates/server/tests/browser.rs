//! The web console in a real headless Chromium (through chromedriver): an
//! analyst of the owning agency types a phone number in a messy form into
//! the search box and reads the report behind it; an analyst of another
//! agency types the same number and learns only who holds it and whom to
//! ask; later steps walk the networks, notices, alerts, orange notices,
//! and a money trace ending in a freeze package. Screenshots of every
//! step go to `target/browser-screenshots/` for review.
//!
//! Skipped (loudly) without chromedriver and Chromium outside CI; under CI
//! they must be there (`cordon_testkit::chromedriver`).

#[path = "common/browser.rs"]
mod shared;

use shared::{Screenshots, WAIT, add_token, fits_the_window, log_in, session};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use cordon_core::ReportSubmission;
use cordon_core::selector::{Hint, normalize_one};
use cordon_server::{Config, TokenKey};
use cordon_store::{NewAgency, Store};
use cordon_store_sqlite::SqliteStore;
use fantoccini::{Client, Locator};

/// The owner of the report.
const A: &str = "GB-NCA";
/// Another member, not among the report's recipients.
const B: &str = "KH-NCB";
/// The report's recipient.
const T: &str = "TH-DSI";

const REPORT_ID: &str = "gb-amber-7";
const STORED_PHONE: &str = "+855 12 345 678";
/// How a desk officer might type it from a victim's screenshot.
const MESSY_PHONE: &str = "+855 (0)12-345 678";
const NARRATIVE: &str =
    "Broker at the Shwe Kokko gate collected the workers' passports and took deposits by phone";
/// Pieces of the report that B must never see.
const SECRETS: [&str; 4] = [
    REPORT_ID,
    "Shwe Kokko",
    "collected the workers",
    "deposits by phone",
];

/// What A submits through the form.
const SUBMITTED: &str = "Job advert promising typing work in Bangkok, interview by video call";
const SUBMITTED_PHONE: &str = "+66 81 234 5678";

/// This test's screenshots.
const SHOTS: Screenshots = Screenshots("console-");

/// The money world of the tracing step: a victim's wallet, a scam's
/// deposit address, two mules and an exchange (Tron addresses).
const VICTIM: &str = "trx:TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b";
const DEPOSIT: &str = "trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS";
const MULE: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
const MULE2: &str = "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";
const EXCHANGE: &str = "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

fn contact_of(agency: &str) -> String {
    format!("liaison desk of {agency}, +44 20 7946 0000")
}

fn report(json: serde_json::Value) -> cordon_core::Report {
    let submission: ReportSubmission = serde_json::from_value(json).expect("test report json");
    submission
        .validate(Utc::now())
        .expect("a valid test report")
}

/// Types `text` into the header's search box and submits it.
async fn search(client: &Client, text: &str) {
    let field = client.find(Locator::Id("top-q")).await.unwrap();
    field.send_keys(text).await.unwrap();
    client
        .find(Locator::Css("form.search button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Whether the page fits a 1280-pixel-wide window without scrolling
/// sideways, and the stylesheet applied under the Content-Security-Policy
/// (TLP badges are black).
async fn check_layout(client: &Client, what: &str) {
    fits_the_window(client, what).await;
    let badge = client
        .execute(
            "var b = document.querySelector('.tlp'); return b ? getComputedStyle(b).backgroundColor : null;",
            vec![],
        )
        .await
        .unwrap();
    if !badge.is_null() {
        assert_eq!(
            badge, "rgb(0, 0, 0)",
            "{what}: the stylesheet did not apply"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messy_number_finds_the_report_for_its_owner_and_only_the_holder_for_another_agency() {
    let Some(driver) = cordon_testkit::chromedriver() else {
        return;
    };
    let Some(chromium) = cordon_testkit::chromium_binary() else {
        return;
    };
    let canonical = normalize_one(MESSY_PHONE, &Hint::default())
        .expect("the messy number is a selector")
        .into_string();
    assert_eq!(
        canonical,
        normalize_one(STORED_PHONE, &Hint::default())
            .unwrap()
            .into_string(),
        "the messy form must name the stored number"
    );

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
    let store: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(&url))
            .await
            .unwrap()
            .expect("the store opens"),
    );
    let key = TokenKey::from_bytes([3; 32]);
    for (code, country) in [(A, "GB"), (B, "KH"), (T, "TH")] {
        store
            .create_agency(&NewAgency {
                code: code.into(),
                name: format!("agency {code}"),
                country: country.into(),
                kind: "police".into(),
                contact: contact_of(code),
            })
            .await
            .unwrap();
    }
    let token_a = add_token(store.as_ref(), &key, A, "anna").await;
    let token_b = add_token(store.as_ref(), &key, B, "sokha").await;
    let token_a2 = add_token(store.as_ref(), &key, A, "bopha").await;
    let now = Utc::now();
    store
        .submit(
            A,
            &[report(serde_json::json!({
                "id": REPORT_ID, "kind": "compound_intel", "country": "MM", "grading": "B2",
                "marking": {"tlp": "AMBER", "recipients": [T], "hit_notification": true},
                "mo": ["investment", "control:withholds_documents"],
                "narrative": NARRATIVE, "selectors": [STORED_PHONE],
            }))],
            now,
        )
        .await
        .unwrap();
    // B holds other intelligence, but not this number.
    store
        .submit(
            B,
            &[report(serde_json::json!({
                "id": "kh-1", "kind": "fraud_complaint", "country": "KH",
                "marking": {"tlp": "GREEN"}, "mo": ["romance"],
                "narrative": "Romance scam victim in Siem Reap", "selectors": ["+855 97 765 4321"],
            }))],
            now,
        )
        .await
        .unwrap();
    // A network of A: four GREEN reports around one recruiter, located at
    // a compound near KK Park.
    let network: Vec<cordon_core::Report> = (0..4)
        .map(|i| {
            report(serde_json::json!({
                "id": format!("kk-{i}"), "kind": "recruitment_ad", "country": "MM",
                "marking": {"tlp": "GREEN"}, "mo": ["investment"],
                "narrative": "held at the compound by the river",
                "selectors": ["telegram:@kk_recruiter", format!("worker{i}@example.com")],
                "location": {"lat": 16.6087, "lon": 98.5212, "place": "KK Park"},
            }))
        })
        .collect();
    store.submit(A, &network, now).await.unwrap();
    let server = cordon_server::start(
        store.clone(),
        key,
        Config {
            rate_per_second: 0,
            ..Config::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(30), server.ready())
        .await
        .expect("the hit index loads");
    let base = format!("http://{}", server.addr);

    let client = session(&chromium, &driver.url()).await;
    SHOTS.clear();
    let selector_url = format!("{base}/selectors/{}", encode(&canonical));
    let report_path = format!("/reports/{A}/{REPORT_ID}");

    // A: log in, find the number, read the report.
    client.goto(&format!("{base}/login")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    SHOTS.snap(&client, "01-login").await;
    log_in(&client, &base, &token_a, false).await;
    check_layout(&client, "A's dashboard").await;
    SHOTS.snap(&client, "02-owner-dashboard").await;
    search(&client, MESSY_PHONE).await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("readable-title"))
        .await
        .expect("the selector page");
    assert_eq!(client.current_url().await.unwrap().as_str(), selector_url);
    let link = client
        .find(Locator::Css(&format!("a[href='{report_path}']")))
        .await
        .expect("a link to the readable report");
    let page = client.source().await.unwrap();
    assert!(page.contains(&canonical));
    assert!(page.contains("TLP:AMBER"));
    check_layout(&client, "A's selector page").await;
    SHOTS.snap(&client, "03-owner-selector").await;
    link.click().await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("narrative-title"))
        .await
        .expect("the report page");
    let narrative = client
        .find(Locator::Css(".narrative"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(narrative, NARRATIVE);
    check_layout(&client, "the report page").await;
    SHOTS.snap(&client, "04-owner-report").await;

    // A submits a report through the form. The browser itself refuses a
    // malformed grading (HTML pattern), with the console's own words.
    client.goto(&format!("{base}/reports/new")).await.unwrap();
    let kind = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("f-kind"))
        .await
        .expect("the submit form");
    SHOTS.snap(&client, "05-owner-submit-form").await;
    // Every pattern compiles as the browser compiles it (with the `v`
    // flag); one that does not is silently ignored.
    let broken = client
        .execute(
            "return Array.from(document.querySelectorAll('[pattern]')).filter(function (e) { \
               try { new RegExp('^(?:' + e.getAttribute('pattern') + ')$', 'v'); return false; } \
               catch (x) { return true; } }).map(function (e) { return e.id; });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        broken,
        serde_json::json!([]),
        "patterns the browser ignores"
    );
    let recipients = client.find(Locator::Id("f-recipients")).await.unwrap();
    recipients.send_keys("TH-DSI, KH-NCB/sokha").await.unwrap();
    let valid = client
        .execute(
            "return document.getElementById('f-recipients').validity.valid;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(valid, true);
    recipients.clear().await.unwrap();
    kind.select_by_value("tip").await.unwrap();
    client
        .find(Locator::Id("f-country"))
        .await
        .unwrap()
        .send_keys("th")
        .await
        .unwrap();
    let grading = client.find(Locator::Id("f-grading")).await.unwrap();
    grading.send_keys("Z9").await.unwrap();
    client
        .find(Locator::Id("f-narrative"))
        .await
        .unwrap()
        .send_keys(SUBMITTED)
        .await
        .unwrap();
    client
        .find(Locator::Id("f-selectors"))
        .await
        .unwrap()
        .send_keys(SUBMITTED_PHONE)
        .await
        .unwrap();
    let send = client
        .find(Locator::Css("form.report button[type=submit]"))
        .await
        .unwrap();
    send.click().await.unwrap();
    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        format!("{base}/reports/new"),
        "the browser sent a form with a bad grading"
    );
    let message = client
        .execute(
            "return document.getElementById('f-grading').validationMessage;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        message,
        "a grading is a letter A-F then a digit 1-6, like B2"
    );
    check_layout(&client, "the submit form").await;
    SHOTS
        .snap(&client, "06-owner-submit-refused-by-the-browser")
        .await;
    grading.clear().await.unwrap();
    grading.send_keys("b2").await.unwrap();
    send.click().await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("narrative-title"))
        .await
        .expect("the stored report's page");
    let stored_url = client.current_url().await.unwrap();
    assert!(
        stored_url.path().starts_with("/reports/GB-NCA/sha256-"),
        "{stored_url}"
    );
    let text = client
        .find(Locator::Css(".narrative"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, SUBMITTED);
    assert!(
        client
            .source()
            .await
            .unwrap()
            .contains("<strong>B2</strong>")
    );
    SHOTS.snap(&client, "07-owner-submitted-report").await;

    // Log out: the console is closed until the next login.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    client.goto(&format!("{base}{report_path}")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    assert!(!client.source().await.unwrap().contains(NARRATIVE));
    SHOTS.snap(&client, "08-logged-out").await;

    // B: same number, only the holder and whom to ask.
    log_in(&client, &base, &token_b, true).await;
    SHOTS.snap(&client, "09-other-dashboard").await;
    search(&client, MESSY_PHONE).await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("elsewhere-title"))
        .await
        .expect("the selector page");
    assert_eq!(client.current_url().await.unwrap().as_str(), selector_url);
    let page = client.source().await.unwrap();
    assert!(page.contains("Held by other agencies"));
    assert!(page.contains(&contact_of(A)), "{page}");
    let holders = client
        .find_all(Locator::Css(
            "section[aria-labelledby='elsewhere-title'] tbody tr",
        ))
        .await
        .unwrap();
    assert_eq!(holders.len(), 1);
    let row = holders[0].text().await.unwrap();
    assert!(row.contains(A) && row.contains("TLP:AMBER"), "{row}");
    let readable = client
        .find_all(Locator::Css(
            "section[aria-labelledby='readable-title'] tbody tr",
        ))
        .await
        .unwrap();
    assert!(readable.is_empty(), "B may read none of A's AMBER reports");
    assert!(
        client
            .find_all(Locator::Css("a[href^='/reports/GB-NCA']"))
            .await
            .unwrap()
            .is_empty()
    );
    for secret in SECRETS {
        assert!(!page.contains(secret), "B's page shows '{secret}':\n{page}");
    }
    check_layout(&client, "B's selector page").await;
    SHOTS.snap(&client, "10-other-selector").await;
    // Asking for the report by its address is the "no such report" page.
    client.goto(&format!("{base}{report_path}")).await.unwrap();
    let heading = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Not found");
    let page = client.source().await.unwrap();
    for secret in SECRETS {
        assert!(!page.contains(secret), "B's 404 page shows '{secret}'");
    }
    SHOTS.snap(&client, "11-other-report-not-found").await;

    // A's audit log shows B's hit query on A's number.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    log_in(&client, &base, &token_a, true).await;
    let mut audit = String::new();
    for _ in 0..50 {
        client.goto(&format!("{base}/audit")).await.unwrap();
        client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("main h1"))
            .await
            .unwrap();
        audit = client.source().await.unwrap();
        if audit.contains(B) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(audit.contains(B) && audit.contains("hit query") && audit.contains(&canonical));
    check_layout(&client, "the audit page").await;
    SHOTS.snap(&client, "12-owner-audit").await;

    // A's networks: the network page draws its reports and what links
    // them; the compound map shows the compound.
    client.goto(&format!("{base}/networks")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#networks a"))
        .await
        .expect("the network list")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("network-graph"))
        .await
        .expect("the network page's graph");
    let drawn = client
        .find_all(Locator::Css("#network-graph circle.report"))
        .await
        .unwrap();
    assert_eq!(drawn.len(), 4, "the four reports are drawn");
    let page = client.source().await.unwrap();
    assert!(page.contains("telegram:@kk_recruiter") && page.contains("recruiter"));
    check_layout(&client, "the network page").await;
    SHOTS.snap(&client, "13-network").await;
    // Anna drafts a purple notice from the network.
    client
        .find(Locator::Id("notice-title-input"))
        .await
        .unwrap()
        .send_keys("KK Park recruiter on Telegram")
        .await
        .unwrap();
    client
        .find(Locator::Id("notice-summary"))
        .await
        .unwrap()
        .send_keys("Workers are recruited by one Telegram account and held near KK Park.")
        .await
        .unwrap();
    client
        .find(Locator::Css("#draft-notice button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("notice"))
        .await
        .expect("the drafted notice");
    let notice_url = client.current_url().await.unwrap().to_string();
    let page = client.source().await.unwrap();
    assert!(page.contains("KK Park recruiter on Telegram") && page.contains("draft"));
    assert!(
        page.contains("telegram:@kk_recruiter"),
        "the recruiter is an indicator"
    );
    SHOTS.snap(&client, "13a-notice-draft").await;
    client.goto(&format!("{base}/compounds")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#compound-map circle.compound"))
        .await
        .expect("the compound on the map");
    let page = client.source().await.unwrap();
    assert!(page.contains("KK Park"), "the compound's place is named");
    check_layout(&client, "the compound map").await;
    SHOTS.snap(&client, "14-compound-map").await;
    // The compound's page records a raid.
    client
        .find(Locator::Css("#compound-map a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("compound-status"))
        .await
        .expect("the compound page");
    client
        .find(Locator::Css("#status option[value=raided]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("status-reason"))
        .await
        .unwrap()
        .send_keys("joint operation, 40 workers freed")
        .await
        .unwrap();
    client
        .find(Locator::Css("#compound-status button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let history = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#status-history li"))
        .await
        .expect("the status history")
        .text()
        .await
        .unwrap();
    assert!(
        history.starts_with("raided") && history.contains("40 workers freed"),
        "{history}"
    );
    SHOTS.snap(&client, "15-compound-raided").await;
    // A second analyst of A publishes the notice, then prints it.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    log_in(&client, &base, &token_a2, false).await;
    client.goto(&notice_url).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#publish button"))
        .await
        .expect("the publish button for a second analyst")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        // The published page, not the draft the click left.
        .for_element(Locator::XPath(
            "//*[@id='notice']//p[contains(@class, 'meta')][not(contains(., 'draft'))]",
        ))
        .await
        .unwrap();
    let page = client.source().await.unwrap();
    assert!(page.contains("published") && !page.contains("id=\"publish\""));
    client.goto(&format!("{notice_url}/print")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("notice"))
        .await
        .expect("the print view");
    SHOTS.snap(&client, "16-notice-print").await;

    // B watches the recruiter; an alert arrives live on B's alerts page
    // when A reports the recruiter again.
    let http = reqwest::Client::new();
    let watch = http
        .post(format!("{base}/api/v1/watches"))
        .bearer_auth(&token_b)
        .json(&serde_json::json!({"name": "KK recruiter", "selectors": ["telegram:@kk_recruiter"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), 201);
    client.goto(&format!("{base}/")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    log_in(&client, &base, &token_b, false).await;
    client.goto(&format!("{base}/alerts")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("watches"))
        .await
        .unwrap();
    // The page's stream is open before the report is submitted.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let submitted = http
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({
            "id": "kk-9", "kind": "recruitment_ad", "country": "MM",
            "marking": {"tlp": "GREEN"}, "narrative": "the same recruiter again",
            "selectors": ["telegram:@kk_recruiter"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    let arrived = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#alert-list li a"))
        .await
        .expect("the alert arrives live")
        .text()
        .await
        .unwrap();
    assert_eq!(arrived, format!("{A}/kk-9"));
    let count = client
        .find(Locator::Css("#alert-badge .count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "1");
    check_layout(&client, "the alerts page").await;
    SHOTS.snap(&client, "17-alert-live").await;

    // A issues an orange notice to B: it appears at once above B's page,
    // and B acknowledges it from the notice's page.
    let issued = http
        .post(format!("{base}/api/v1/orange-notices"))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({
            "title": "transfer of victims tonight", "threat": "victim_transfer",
            "text": "a group is moved to the border at 22:00", "tlp": "AMBER", "recipients": [B],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    let banner = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".orange-banner a"))
        .await
        .expect("the orange notice appears live");
    assert_eq!(
        banner.text().await.unwrap(),
        format!("Orange notice from {A}: transfer of victims tonight")
    );
    SHOTS.snap(&client, "18-orange-live").await;
    banner.click().await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("orange-ack"))
        .await
        .expect("the notice page offers to acknowledge")
        .click()
        .await
        .unwrap();
    let status = client
        .wait()
        .at_most(WAIT)
        // The acknowledged page, not the one the click left.
        .for_element(Locator::XPath(
            "//*[@id='orange-status'][starts-with(normalize-space(.), 'acknowledged by')]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.starts_with("acknowledged by"), "{status}");
    check_layout(&client, "an orange notice").await;
    SHOTS.snap(&client, "19-orange-acknowledged").await;

    // Follow the money: A imports a small money world through the API
    // (a victim's payment to a scam deposit, split to two mules, one
    // cashing out at a tagged exchange) and a victim's report, traces
    // the payment in the console and makes a freeze package.
    let flows = [
        ("pay-1", "2026-02-01T10:00:00Z", VICTIM, DEPOSIT, "1000"),
        ("move-1", "2026-02-01T11:00:00Z", DEPOSIT, MULE, "600"),
        ("move-2", "2026-02-01T11:30:00Z", DEPOSIT, MULE2, "400"),
        ("cash-1", "2026-02-01T12:00:00Z", MULE, EXCHANGE, "600"),
    ]
    .map(|(id, time, from, to, amount)| {
        serde_json::json!({"id": id, "asset": "USDT@tron", "time": time,
                           "inputs": [{"address": from, "amount": amount}],
                           "outputs": [{"address": to, "amount": amount}]})
        .to_string()
    })
    .join("\n");
    let pack = format!(
        "title: exchanges\ncreator: test\nis_public: true\ntags:\n  - address: \"{}\"\n    label: Big Exchange\n    currency: TRX\n    category: exchange\n    confidence: ownership\n    source: test\n",
        EXCHANGE.trim_start_matches("trx:")
    );
    for (path, content_type, body) in [
        ("/api/v1/money/flows", "application/x-ndjson", flows),
        ("/api/v1/money/tags?tlp=GREEN", "application/yaml", pack),
    ] {
        let imported = http
            .post(format!("{base}{path}"))
            .bearer_auth(&token_a)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(imported.status(), 200, "{path}");
    }
    let complaint = http
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(&token_a)
        .json(&serde_json::json!({
            "id": "victim-1", "kind": "fraud_complaint", "country": "GB",
            "marking": {"tlp": "GREEN"}, "narrative": "paid a trading platform in tether",
            "selectors": [VICTIM],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(complaint.status(), 200);
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    log_in(&client, &base, &token_a, true).await;
    client
        .find(Locator::Css("nav a[href='/money']"))
        .await
        .expect("the Money link")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("m-address"))
        .await
        .expect("the trace form")
        .send_keys(DEPOSIT)
        .await
        .unwrap();
    client
        .find(Locator::Id("m-flow"))
        .await
        .unwrap()
        .send_keys("pay-1")
        .await
        .unwrap();
    client
        .find(Locator::Css("#trace-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("trace-sankey"))
        .await
        .expect("the trace's drawing");
    let bars = client
        .find_all(Locator::Css("#trace-sankey rect.node"))
        .await
        .unwrap();
    // The victim, the deposit, the two mules and the exchange.
    assert_eq!(bars.len(), 5, "the bars of the drawing");
    let bands = client
        .find_all(Locator::Css("#trace-sankey path.link"))
        .await
        .unwrap();
    assert_eq!(bands.len(), 4, "the flows of the drawing");
    let rows = client
        .find_all(Locator::Css("#freezable tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the exchange and the mule holding tether");
    let services = client
        .find(Locator::Css("#services tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        services.contains("Big Exchange") && services.contains("600"),
        "{services}"
    );
    check_layout(&client, "the money trace").await;
    // The drawing and the tables, below the form.
    client
        .execute(
            "document.getElementById('flow-title').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    SHOTS.snap(&client, "20-money-trace").await;
    client
        .find(Locator::Css(&format!(
            "#freezable input[name=target][value='{EXCHANGE}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("make-freeze"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let hash = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("evidence-hash"))
        .await
        .expect("the freeze package")
        .text()
        .await
        .unwrap();
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash}"
    );
    let package = client.source().await.unwrap();
    assert!(
        package.contains("Big Exchange")
            && package.contains("cash-1")
            && package.contains("victim-1"),
        "{package}"
    );
    check_layout(&client, "the freeze package").await;
    SHOTS.snap(&client, "21-freeze-package").await;

    client.close().await.unwrap();
    server.stop().await.unwrap();
    drop(driver);
}

/// A path segment with everything but the unreserved characters encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
