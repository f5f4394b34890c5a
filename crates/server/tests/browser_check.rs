//! The public check page (`/check`) in a real headless Chromium (through
//! chromedriver) with JavaScript switched off, in a phone's 375-pixel-wide
//! window: a job seeker in Kenya opens the page in Swahili, pastes a lure,
//! picks her country and reads the verdict with its reasons and Kenya's
//! hotlines; the page fits the phone and its controls are big enough to
//! touch; she reports the offer and the hotline finds it in its queue;
//! then she switches the page to Thai. Screenshots go to
//! `target/browser-screenshots/check-*.png` for review.
//!
//! Skipped (loudly) without chromedriver and Chromium outside CI; under CI
//! they must be there (`cordon_testkit::chromedriver`).

mod common;
#[path = "common/browser.rs"]
// This test logs nobody in: it needs only part of the shared helpers.
#[allow(dead_code)]
mod shared;

use std::time::{Duration, Instant};

use common::{Backend, R, World, test_config, who};
use cordon_prevent::messages::say;
use fantoccini::{Client, Locator};
use shared::{Browser, Screenshots, WAIT, fits_the_window, screenshot_dir, session_with};

const LURE: &str = "URGENT! Customer service job in Sihanoukville, Cambodia. $1,500/month, \
                    free flight and hotel, no experience needed, typing test only. \
                    Tourist visa first. Telegram only: t.me/hr_kh_jobs";

/// A phone's window, in CSS pixels.
const PHONE_WIDTH: u32 = 375;
const PHONE_HEIGHT: u32 = 812;

/// The smallest width of the text box and the buttons on the phone, and
/// the smallest height of a button one touches (WCAG 2.5.5: 44 px).
const MIN_CONTROL_WIDTH: f64 = 300.0;
const MIN_TOUCH_HEIGHT: f64 = 44.0;

/// This test's screenshots.
const SHOTS: Screenshots = Screenshots("check-");

async fn find(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

async fn text_of(client: &Client, css: &str) -> String {
    find(client, css)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("no text in {css}: {e}"))
}

async fn texts_of(client: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap() {
        texts.push(e.text().await.unwrap());
    }
    texts
}

/// The `lang` of the page's `<html>` once it is `wanted`: the page after
/// a form's post or a link may take a moment.
async fn wait_lang(client: &Client, wanted: &str) {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    loop {
        if let Ok(html) = client.find(Locator::Css("html")).await
            && let Ok(lang) = html.attr("lang").await
        {
            if lang.as_deref() == Some(wanted) {
                return;
            }
            last = lang;
        }
        assert!(
            Instant::now() < deadline,
            "the page never turned {wanted:?}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The element's rectangle: left, top, width, height, in CSS pixels.
async fn rect(client: &Client, css: &str) -> (f64, f64, f64, f64) {
    find(client, css)
        .await
        .rectangle()
        .await
        .unwrap_or_else(|e| panic!("no rectangle of {css}: {e}"))
}

/// Whether the page fits the phone: no sideways scroll, and every part
/// of the form inside the window, the text box and the buttons wide
/// enough, the buttons tall enough to touch.
async fn check_phone_layout(client: &Client, what: &str, buttons: &[&str]) {
    fits_the_window(client, what).await;
    let width = f64::from(PHONE_WIDTH);
    for css in ["header", "main", "form.check", "#text", "#country"]
        .iter()
        .chain(buttons)
    {
        let (x, _, w, _) = rect(client, css).await;
        assert!(
            x >= 0.0 && x + w <= width,
            "{what}: {css} runs out of the {width} px window: left {x}, width {w}"
        );
    }
    let (_, _, w, _) = rect(client, "#text").await;
    assert!(
        w >= MIN_CONTROL_WIDTH,
        "{what}: the text box is only {w} px wide"
    );
    for css in buttons {
        let (_, _, w, h) = rect(client, css).await;
        assert!(w >= MIN_CONTROL_WIDTH, "{what}: {css} is only {w} px wide");
        assert!(
            h >= MIN_TOUCH_HEIGHT,
            "{what}: {css} is only {h} px tall, too small to touch"
        );
    }
    // The stylesheet applied under the Content-Security-Policy: the
    // button is the stylesheet's blue (#1b5e9e).
    let blue = find(client, "form.check button[type=submit]")
        .await
        .css_value("background-color")
        .await
        .unwrap();
    assert!(
        ["rgb(27, 94, 158)", "rgba(27, 94, 158, 1)"].contains(&blue.as_str()),
        "{what}: the stylesheet did not apply (the button is {blue})"
    );
}

/// The width and height a PNG says it has (its IHDR chunk).
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24, "a png of {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a png");
    assert_eq!(&png[12..16], b"IHDR", "the png does not start with IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    (width, height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_seeker_checks_and_reports_a_lure_on_a_phone_without_javascript() {
    let Some(driver) = cordon_testkit::chromedriver() else {
        return;
    };
    let Some(chromium) = cordon_testkit::chromium_binary() else {
        return;
    };
    let mut config = test_config();
    config.public.hotline = Some(R.to_owned());
    let Some(mut world) = World::start(Backend::Sqlite, config).await else {
        return;
    };
    let client = session_with(
        &chromium,
        &driver.url(),
        Browser {
            width: PHONE_WIDTH,
            height: PHONE_HEIGHT,
            script: false,
        },
    )
    .await;
    SHOTS.clear();

    // The browser runs no page script: a page that would rename itself
    // keeps its title, and its <noscript> shows.
    client
        .goto(concat!(
            "data:text/html,<title>script off</title>",
            "<noscript><p id=off>off</p></noscript>",
            "<script>document.title='script ran'</script>"
        ))
        .await
        .unwrap();
    assert_eq!(client.title().await.unwrap(), "script off");
    assert!(
        find(&client, "#off").await.is_displayed().await.unwrap(),
        "<noscript> shows when script is off"
    );

    // The page in Swahili.
    client.goto(&world.url("/check?lang=sw")).await.unwrap();
    wait_lang(&client, "sw").await;
    assert_eq!(client.title().await.unwrap(), "Kagua tangazo la kazi");
    assert_eq!(text_of(&client, "header h1").await, "Kagua tangazo la kazi");
    assert_eq!(
        client
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap(),
        serde_json::json!(PHONE_WIDTH),
        "the window is a phone's"
    );
    check_phone_layout(
        &client,
        "the empty form",
        &["form.check button[type=submit]"],
    )
    .await;
    SHOTS.snap(&client, "01-form-sw").await;

    // She pastes the advert, picks Kenya and presses the button.
    find(&client, "#text").await.send_keys(LURE).await.unwrap();
    find(&client, "#country")
        .await
        .select_by_value("KE")
        .await
        .unwrap();
    find(&client, "form.check button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let verdict = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("verdict"))
        .await
        .expect("the verdict");
    let level = verdict
        .attr("data-verdict")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        level == "high" || level == "warning",
        "a lure is risky, not {level:?}"
    );
    let headline = verdict.text().await.unwrap();
    assert_eq!(headline, say(&format!("verdict.{level}"), "sw", &[]));
    assert!(
        headline.starts_with("Hatari kubwa") || headline.starts_with("Tahadhari"),
        "the headline in Swahili: {headline}"
    );
    wait_lang(&client, "sw").await;
    // What she typed and chose is kept.
    assert_eq!(
        find(&client, "#text")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(LURE)
    );
    assert_eq!(
        find(&client, "#country")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("KE")
    );

    // The reasons quote the advert's own words.
    assert_eq!(text_of(&client, ".answer h3").await, "Sababu");
    let destination = text_of(&client, "ul.reasons li[data-subject='flag.destination']").await;
    assert!(
        destination.contains("Sihanoukville"),
        "the destination reason quotes the advert: {destination}"
    );
    let reasons = texts_of(&client, "ul.reasons li").await;
    assert!(reasons.len() >= 3, "{reasons:?}");

    // Kenya's hotlines, and only Kenya's.
    let hotlines = texts_of(&client, "ul.advice li.hotline").await;
    assert!(
        hotlines
            .iter()
            .any(|h| h.contains("National Employment Authority") && h.contains("neaims.go.ke")),
        "{hotlines:?}"
    );
    assert!(hotlines.iter().any(|h| h.contains("1195")), "{hotlines:?}");
    assert!(
        hotlines.iter().all(|h| [
            "National Employment Authority",
            "National Gender-Based Violence Helpline",
            "Child Helpline 116"
        ]
        .iter()
        .any(|k| h.starts_with(k))),
        "a hotline of another country: {hotlines:?}"
    );
    let call = find(&client, "ul.advice li.hotline a[href='tel:1195']").await;
    assert_eq!(call.text().await.unwrap(), "1195");

    // The answer fits the phone, its buttons big enough to touch.
    check_phone_layout(
        &client,
        "the answer",
        &[
            "form.check button[type=submit]",
            "form.report button[type=submit]",
        ],
    )
    .await;
    let (_, top, _, _) = rect(&client, "#verdict").await;
    assert!(
        top < f64::from(PHONE_HEIGHT),
        "the verdict shows without scrolling (top {top})"
    );

    // The screenshot: the phone's width, in device pixels.
    SHOTS.snap(&client, "375").await;
    let path = screenshot_dir().join("check-375.png");
    let png = std::fs::read(&path).expect("the screenshot was written");
    let ratio = client
        .execute("return window.devicePixelRatio;", vec![])
        .await
        .unwrap()
        .as_f64()
        .expect("a device pixel ratio");
    let (w, h) = png_size(&png);
    assert_eq!(
        f64::from(w),
        f64::from(PHONE_WIDTH) * ratio,
        "{}: {w}×{h}",
        path.display()
    );
    assert!(h > 0, "{}: {w}×{h}", path.display());

    // She reports the offer.
    assert_eq!(
        text_of(&client, "form.report button[type=submit]").await,
        "Ripoti tangazo hili"
    );
    find(&client, "form.report button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let notice = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("the thank-you notice");
    assert_eq!(
        notice.text().await.unwrap(),
        "Asante. Tumepokea ripoti yako."
    );
    assert_eq!(
        notice.text().await.unwrap(),
        say("ui.report_done", "sw", &[])
    );
    wait_lang(&client, "sw").await;
    assert!(
        client.find(Locator::Id("verdict")).await.is_err(),
        "the thank-you page shows no verdict"
    );
    check_phone_layout(
        &client,
        "the thank-you page",
        &["form.check button[type=submit]"],
    )
    .await;
    SHOTS.snap(&client, "02-reported").await;

    // The hotline finds it in its queue.
    let queue = world
        .get(Some(&who(R, "analyst")), "/api/v1/tips")
        .await
        .expect(200);
    let tips = queue["tips"].as_array().expect("a list of tips");
    assert_eq!(tips.len(), 1, "{queue}");
    assert_eq!(tips[0]["text"], LURE, "{queue}");
    assert_eq!(tips[0]["country"], "KE", "{queue}");
    assert_eq!(tips[0]["language"], "sw", "{queue}");
    assert_eq!(tips[0]["verdict"], level.as_str(), "{queue}");
    assert_eq!(tips[0]["marking"], "CLEAR", "{queue}");

    // She switches the page to Thai with the language link.
    find(&client, "nav.languages a[hreflang='th']")
        .await
        .click()
        .await
        .unwrap();
    wait_lang(&client, "th").await;
    assert_eq!(client.title().await.unwrap(), "ตรวจสอบข้อเสนองาน");
    assert_eq!(text_of(&client, "header h1").await, "ตรวจสอบข้อเสนองาน");
    assert_eq!(
        text_of(&client, "header h1").await,
        say("ui.title", "th", &[])
    );
    assert_eq!(text_of(&client, "nav.languages strong").await, "TH");
    assert_eq!(
        text_of(&client, "form.check button[type=submit]").await,
        "ตรวจสอบ"
    );
    assert_eq!(
        find(&client, "form.check input[name=lang]")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("th")
    );
    check_phone_layout(
        &client,
        "the Thai page",
        &["form.check button[type=submit]"],
    )
    .await;
    SHOTS.snap(&client, "03-th").await;

    client.close().await.unwrap();
    world.stop().await;
    drop(driver);
}
