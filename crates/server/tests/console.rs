//! The web console against a real server over a real SQLite store, driven
//! over HTTP like a browser without JavaScript: sessions and their cookie,
//! CSRF, the security headers, and above all that no page shows what the
//! access rules do not allow.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use cordon_core::selector::{Hint, normalize_one};
use cordon_core::{Report, ReportSubmission};
use cordon_server::{Config, Running, TokenKey};
use cordon_store::{NewAgency, NewUser, Store};
use cordon_store_sqlite::SqliteStore;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

/// The owner of the RED report.
const A: &str = "GB-NCA";
/// Another member that may read none of A's RED or AMBER reports.
const B: &str = "KH-NCB";
/// The recipient of A's AMBER report.
const T: &str = "TH-DSI";

/// Words and ids that only A's RED report holds: none may reach B.
const RED_ID: &str = "gb-red-1";
const RED_WORDS: &str = "Crimson ledger";
const RED_NARRATIVE: &str =
    "Crimson ledger: the victim paid a broker at +855 12 345 678 before the crossing";
const RED_MO: &str = "sextortion";
const RED_COUNTRY: &str = "MM";
const RED_PHONE: &str = "+855 12 345 678";

const GREEN_ID: &str = "gb-green-1";
const GREEN_NARRATIVE: &str = "Recruitment advert for Myawaddy typing jobs, apply online";
const GREEN_URL: &str = "https://jobs-kh-recruit.top/apply/now?step=2";

fn contact_of(agency: &str) -> String {
    format!("duty desk {agency}, +44 20 7000 0000")
}

/// A running server over a store with three agencies, their users and a
/// few reports, and every user's token.
struct Site {
    server: Option<Running>,
    base: String,
    store: Arc<dyn Store>,
    tokens: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Site {
    async fn start() -> Site {
        Site::start_with(Config {
            rate_per_second: 0,
            tail_every: Duration::from_millis(50),
            ..Config::default()
        })
        .await
    }

    async fn start_with(config: Config) -> Site {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
        let store: Arc<dyn Store> = Arc::new(
            tokio::task::spawn_blocking(move || SqliteStore::open(&url))
                .await
                .expect("open does not panic")
                .expect("the store opens"),
        );
        let key = TokenKey::from_bytes([9; 32]);
        let mut tokens = BTreeMap::new();
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
                .expect("create agency");
            for (user, role) in [("analyst", "analyst"), ("desk", "contributor")] {
                let token = add_token(store.as_ref(), &key, code, user, role).await;
                tokens.insert(format!("{code}/{user}"), token);
            }
        }
        let now = Utc::now();
        store
            .submit(
                A,
                &[
                    report(&format!(
                        r#"{{"id":"{RED_ID}","kind":"compound_intel","country":"{RED_COUNTRY}",
                        "marking":{{"tlp":"RED","recipients":["{T}/analyst"],"hit_notification":true}},
                        "grading":"B2","mo":["{RED_MO}"],"narrative":"{RED_NARRATIVE}",
                        "selectors":["{RED_PHONE}"]}}"#
                    )),
                    report(&format!(
                        r#"{{"id":"{GREEN_ID}","kind":"recruitment_ad","country":"TH",
                        "marking":{{"tlp":"GREEN"}},"mo":["task"],"narrative":"{GREEN_NARRATIVE}",
                        "selectors":["{GREEN_URL}"]}}"#
                    )),
                ],
                now,
            )
            .await
            .expect("store A's reports");
        store
            .submit(
                B,
                &[report(
                    r#"{"id":"kh-green-1","kind":"fraud_complaint","country":"KH",
                    "marking":{"tlp":"GREEN"},"mo":["investment"],
                    "narrative":"Pig butchering victim in Phnom Penh lost savings"}"#,
                )],
                now,
            )
            .await
            .expect("store B's report");
        let server =
            cordon_server::start(store.clone(), key, config, "127.0.0.1:0".parse().unwrap())
                .await
                .expect("the server starts");
        tokio::time::timeout(Duration::from_secs(30), server.ready())
            .await
            .expect("the hit index loads");
        Site {
            base: format!("http://{}", server.addr),
            server: Some(server),
            store,
            tokens,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn token(&self, who: &str) -> &str {
        &self.tokens[who]
    }

    /// A browser-like client (cookies kept, redirects not followed, so that
    /// each can be checked) that is not logged in.
    fn anonymous(&self) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// A client logged in through the login form as `who`.
    async fn login(&self, who: &str) -> Browser {
        let browser = self.anonymous();
        let answer = browser.login(self.token(who), None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(answer.location(), Some("/"));
        browser
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops");
        }
    }
}

async fn add_token(
    store: &dyn Store,
    key: &TokenKey,
    agency: &str,
    user: &str,
    role: &str,
) -> String {
    let created = store
        .create_user(&NewUser {
            agency: agency.into(),
            name: user.into(),
            role: role.into(),
        })
        .await
        .expect("create user");
    cordon_server::auth::issue_token(store, key, created.id, "console test")
        .await
        .expect("create token")
}

fn report(json: &str) -> Report {
    let submission: ReportSubmission = serde_json::from_str(json).expect("test report json");
    submission
        .validate(Utc::now())
        .expect("a valid test report")
}

/// An answer: status, headers, body.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The value of the page's first hidden `csrf` field.
    fn csrf(&self) -> String {
        hidden(&self.body, "csrf").unwrap_or_else(|| panic!("no csrf field in {}", self.body))
    }

    #[track_caller]
    fn expect(self, status: StatusCode) -> Page {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
}

fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

#[derive(Debug, Clone)]
struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("a body");
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers");
        Browser::read(r).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("the server answers");
        Browser::read(r).await
    }

    /// Fills and sends the login form.
    async fn login(&self, token: &str, next: Option<&str>) -> Page {
        let path = next.map_or_else(|| "/login".to_owned(), |n| format!("/login?next={n}"));
        let form = self.get(&path).await.expect(StatusCode::OK);
        let csrf = form.csrf();
        let mut fields = vec![("token", token), ("csrf", csrf.as_str())];
        let next_field = hidden(&form.body, "next");
        if let Some(n) = &next_field {
            fields.push(("next", n));
        }
        self.post("/login", &fields).await
    }

    /// The CSRF token of this browser's session, from a page's logout form.
    async fn csrf(&self) -> String {
        self.get("/reports/new").await.expect(StatusCode::OK).csrf()
    }
}

/// The canonical form of `text`, as the core makes it.
fn canonical(text: &str) -> String {
    normalize_one(text, &Hint::default())
        .expect("a selector")
        .into_string()
}

fn selector_path(text: &str) -> String {
    let mut out = String::from("/selectors/");
    for b in canonical(text).bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn session_cookie(page: &Page) -> Option<String> {
    page.set_cookies()
        .into_iter()
        .find(|c| c.starts_with("cordon_session="))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sets_a_strict_http_only_cookie_and_a_new_session_every_time() {
    let site = Site::start().await;
    let browser = site.anonymous();
    let answer = browser.login(site.token("GB-NCA/analyst"), None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), Some("/"));
    let first = session_cookie(&answer).expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            first.split("; ").any(|p| p == part),
            "{part} missing: {first}"
        );
    }
    assert!(!first.contains("Secure"), "plain http: {first}");
    let dashboard = browser.get("/").await.expect(StatusCode::OK);
    assert!(dashboard.body.contains("GB-NCA / analyst (analyst)"));

    // A login that arrives with a session cookie (one planted in the
    // browser beforehand) gets a new id, and the old session ends.
    let planted = first.split(';').next().unwrap().to_owned();
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = Browser::read(bare.get(site.url("/login")).send().await.unwrap()).await;
    let login_cookie = form
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("cordon_login="))
        .expect("the login form sets its cookie");
    let login_cookie = login_cookie.split(';').next().unwrap().to_owned();
    let again = bare
        .post(site.url("/login"))
        .header("cookie", format!("{login_cookie}; {planted}"))
        .form(&[
            ("token", site.token("GB-NCA/analyst")),
            ("csrf", form.csrf().as_str()),
        ])
        .send()
        .await
        .unwrap();
    let again = Browser::read(again).await.expect(StatusCode::SEE_OTHER);
    let second = session_cookie(&again).expect("a session cookie");
    assert_ne!(Some(planted.as_str()), second.split(';').next());
    let stale = bare
        .get(site.url("/"))
        .header("cookie", &planted)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);
    assert_eq!(stale.headers()[LOCATION], "/login");
    browser.get("/").await.expect(StatusCode::SEE_OTHER);
    let fresh = bare
        .get(site.url("/"))
        .header("cookie", second.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    site.stop().await;

    // Behind TLS the cookie is Secure.
    let site = Site::start_with(Config {
        rate_per_second: 0,
        secure_cookies: true,
        ..Config::default()
    })
    .await;
    let answer = site
        .anonymous()
        .login(site.token("KH-NCB/analyst"), None)
        .await;
    let cookie = session_cookie(&answer).expect("a session cookie");
    assert!(cookie.split("; ").any(|p| p == "Secure"), "{cookie}");
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_or_a_login_form_from_elsewhere_opens_no_session() {
    let site = Site::start().await;
    let browser = site.anonymous();
    let refused = browser
        .login("cordon_not-a-real-token-at-all", None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("this token is unknown or revoked"));
    assert!(session_cookie(&refused).is_none());
    browser.get("/").await.expect(StatusCode::SEE_OTHER);

    // A form posted without the login page's own cookie (another site's
    // page posting it) is refused even with a good token.
    let form = browser.get("/login").await.expect(StatusCode::OK);
    let csrf = form.csrf();
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = bare
        .post(site.url("/login"))
        .form(&[
            ("token", site.token("GB-NCA/analyst")),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let answer = Browser::read(answer).await.expect(StatusCode::FORBIDDEN);
    assert!(session_cookie(&answer).is_none());
    assert!(answer.body.contains("nothing was changed"));
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_without_a_session_go_to_the_login_page_and_back() {
    let site = Site::start().await;
    let browser = site.anonymous();
    let red_selector = selector_path(RED_PHONE);
    let paths = [
        "/".to_owned(),
        "/search?q=ledger".to_owned(),
        red_selector.clone(),
        format!("/reports/{A}/{RED_ID}"),
        "/reports/new".to_owned(),
        "/audit".to_owned(),
    ];
    for path in &paths {
        let page = browser.get(path).await.expect(StatusCode::SEE_OTHER);
        let location = page.location().unwrap();
        assert!(location.starts_with("/login"), "{path} → {location}");
        assert!(!page.body.contains(RED_WORDS));
    }
    // Posting without a session stores nothing.
    let before = site.store.counts().await.unwrap().reports;
    let page = browser
        .post(
            "/reports/new",
            &[
                ("kind", "tip"),
                ("country", "KH"),
                ("tlp", "AMBER"),
                ("narrative", "x"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login"));
    assert_eq!(site.store.counts().await.unwrap().reports, before);

    // The login page returns to the page asked for, never elsewhere.
    let page = browser.get(&red_selector).await;
    let next = page
        .location()
        .unwrap()
        .strip_prefix("/login?next=")
        .unwrap()
        .to_owned();
    let answer = browser
        .login(site.token("GB-NCA/analyst"), Some(&next))
        .await;
    assert_eq!(answer.location(), Some(red_selector.as_str()));
    let other = site.anonymous();
    let answer = other
        .login(site.token("GB-NCA/analyst"), Some("%2F%2Fevil.example%2F"))
        .await;
    assert_eq!(answer.location(), Some("/"));
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_session_csrf_token_are_refused_and_change_nothing() {
    let site = Site::start().await;
    let browser = site.login("KH-NCB/analyst").await;
    let csrf = browser.csrf().await;
    let narrative = "Scam call centre recruiting through +66 81 234 5678";
    let fields = |csrf: Option<&'static str>| {
        let mut f = vec![
            ("kind", "tip"),
            ("country", "TH"),
            ("tlp", "AMBER"),
            ("hit_notification", "on"),
            ("narrative", narrative),
        ];
        if let Some(c) = csrf {
            f.push(("csrf", c));
        }
        f
    };
    let before = site.store.counts().await.unwrap().reports;
    for form in [fields(None), fields(Some("forged")), fields(Some(""))] {
        let page = browser
            .post("/reports/new", &form)
            .await
            .expect(StatusCode::FORBIDDEN);
        assert!(page.body.contains("nothing was changed"), "{}", page.body);
    }
    assert_eq!(site.store.counts().await.unwrap().reports, before);
    // Logging out needs the token too.
    browser
        .post("/logout", &[("csrf", "forged")])
        .await
        .expect(StatusCode::FORBIDDEN);
    browser.get("/").await.expect(StatusCode::OK);

    // With it, the report is stored, indexed at once and shown.
    let mut form: Vec<(&str, &str)> = fields(None);
    form.push(("csrf", &csrf));
    let stored = browser
        .post("/reports/new", &form)
        .await
        .expect(StatusCode::SEE_OTHER);
    let location = stored.location().unwrap().to_owned();
    assert!(
        location.starts_with("/reports/KH-NCB/sha256-"),
        "{location}"
    );
    assert_eq!(site.store.counts().await.unwrap().reports, before + 1);
    let page = browser.get(&location).await.expect(StatusCode::OK);
    assert!(page.body.contains(narrative));
    let id = location.rsplit('/').next().unwrap();
    let hits = browser
        .get(&selector_path("+66 81 234 5678"))
        .await
        .expect(StatusCode::OK);
    assert!(hits.body.contains(id), "{}", hits.body);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let site = Site::start().await;
    let browser = site.login("GB-NCA/analyst").await;
    let csrf = browser.csrf().await;
    let out = browser
        .post("/logout", &[("csrf", &csrf)])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(out.location(), Some("/login"));
    let cleared = session_cookie(&out).expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    for path in ["/", "/reports/new", "/audit"] {
        let page = browser.get(path).await.expect(StatusCode::SEE_OTHER);
        assert!(page.location().unwrap().starts_with("/login"));
    }
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_carry_a_strict_policy_and_no_inline_script_or_style() {
    let site = Site::start().await;
    let anonymous = site.anonymous();
    let browser = site.login("GB-NCA/analyst").await;
    let mut pages = vec![anonymous.get("/login").await.expect(StatusCode::OK)];
    for path in [
        "/".to_owned(),
        "/search".to_owned(),
        "/search?q=Myawaddy+typing".to_owned(),
        selector_path(RED_PHONE),
        format!("/reports/{A}/{RED_ID}"),
        format!("/reports/{A}/no-such-report"),
        "/reports/new".to_owned(),
        "/audit".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert!(
            page.status == StatusCode::OK || page.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            page.status
        );
        pages.push(page);
    }
    for page in &pages {
        let csp = page.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("referrer-policy"), "no-referrer");
        assert_eq!(page.header("x-frame-options"), "DENY");
        assert_eq!(page.header("cache-control"), "no-store");
        assert!(page.header("content-type").starts_with("text/html"));
        let body = &page.body;
        assert!(body.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(!body.contains("style="), "inline style");
        assert!(!body.contains("<style"), "inline style sheet");
        for handler in [
            "onclick=",
            "onload=",
            "onerror=",
            "onsubmit=",
            "oninput=",
            "onfocus=",
        ] {
            assert!(!body.contains(handler), "inline handler {handler}");
        }
        // Every script is one of ours, by src, with nothing inline.
        for (i, _) in body.match_indices("<script") {
            let tag = &body[i..body[i..].find("</script>").unwrap() + i];
            assert!(tag.starts_with(r#"<script src="/static/"#), "{tag}");
            assert!(tag.ends_with('>'), "inline script body: {tag}");
        }
        for landmark in ["<header", "<main", "<footer"] {
            assert!(body.contains(landmark), "{landmark}");
        }
    }
    // The files the pages name are served from the binary.
    let css = browser
        .get("/static/console.css")
        .await
        .expect(StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.body.contains(".tlp-red"));
    let js = browser
        .get("/static/console.js")
        .await
        .expect(StatusCode::OK);
    assert!(js.header("content-type").starts_with("text/javascript"));
    site.stop().await;
}

/// Every console page B may open, searched for anything of A's RED report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_report_of_one_agency_shows_nowhere_in_anothers_pages() {
    let site = Site::start().await;
    let owner = site.login("GB-NCA/analyst").await;
    let red_selector = selector_path(RED_PHONE);
    // The owner sees it everywhere (so the checks below can fail).
    let page = owner.get(&red_selector).await.expect(StatusCode::OK);
    assert!(page.body.contains(RED_ID));
    let page = owner
        .get(&format!("/reports/{A}/{RED_ID}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains(RED_NARRATIVE));
    assert!(page.body.contains("tlp-red"));
    let page = owner
        .get("/search?q=crimson+ledger")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains(RED_ID));
    let page = owner.get("/").await.expect(StatusCode::OK);
    assert!(page.body.contains(RED_MO) && page.body.contains(&format!(">{RED_COUNTRY}<")));

    for who in ["KH-NCB/analyst", "KH-NCB/desk"] {
        let other = site.login(who).await;
        let selector = other.get(&red_selector).await.expect(StatusCode::OK);
        let search = other
            .get("/search?q=crimson+ledger")
            .await
            .expect(StatusCode::OK);
        let dashboard = other.get("/").await.expect(StatusCode::OK);
        let report = other
            .get(&format!("/reports/{A}/{RED_ID}"))
            .await
            .expect(StatusCode::NOT_FOUND);
        let missing = other
            .get(&format!("/reports/{A}/no-such-report"))
            .await
            .expect(StatusCode::NOT_FOUND);
        assert!(report.body.contains("no report found that you may read"));
        // Unreadable and nonexistent are the same page.
        assert_eq!(report.body, missing.body, "{who}");
        for (name, page) in [
            ("selector", &selector),
            ("search", &search),
            ("dashboard", &dashboard),
            ("report", &report),
        ] {
            for secret in [
                RED_ID,
                RED_WORDS,
                "victim paid a broker",
                "crossing",
                RED_MO,
            ] {
                assert!(
                    !page.body.contains(secret),
                    "{who}'s {name} page shows '{secret}':\n{}",
                    page.body
                );
            }
        }
        assert!(!dashboard.body.contains(&format!(">{RED_COUNTRY}<")));
        // What B may learn: that A holds the number, and whom to ask.
        assert!(selector.body.contains("Held by other agencies"));
        assert!(selector.body.contains(&contact_of(A)), "{}", selector.body);
        assert!(selector.body.contains("TLP:RED"));
        assert!(search.body.contains("No report you may read matches."));
    }
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messy_selector_in_the_search_box_leads_to_its_page_and_is_audited() {
    let site = Site::start().await;
    let messy = "+855 (0)12-345 678";
    assert_eq!(canonical(messy), canonical(RED_PHONE));
    let other = site.login("KH-NCB/analyst").await;
    let found = other
        .get(&format!("/search?q={}", "%2B855+%280%2912-345+678"))
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(found.location(), Some(selector_path(RED_PHONE).as_str()));
    // A national number needs its region; the page names the selector.
    let found = other
        .get("/search?q=012+345+678&region=kh")
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(found.location(), Some(selector_path(RED_PHONE).as_str()));
    other
        .get(&selector_path(RED_PHONE))
        .await
        .expect(StatusCode::OK);
    // A URL selector (slashes, '?') survives the round trip in the path,
    // and a messy spelling in the address goes to the canonical one.
    let url_page = other
        .get(&selector_path(GREEN_URL))
        .await
        .expect(StatusCode::OK);
    assert!(url_page.body.contains(GREEN_ID), "{}", url_page.body);
    let messy_url = other
        .get("/selectors/HTTPS%3A%2F%2FJOBS-KH-RECRUIT.top%2Fapply%2Fnow%3Fstep%3D2")
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        messy_url.location(),
        Some(selector_path(GREEN_URL).as_str())
    );
    // Not a selector: a 422 page in words.
    let bad = other
        .get("/selectors/phone%3A%2B1")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Not a selector"));

    // The owner's audit log holds B's hit query, as the API's would.
    let owner = site.login("GB-NCA/analyst").await;
    let wanted = canonical(RED_PHONE);
    let mut audit = String::new();
    for _ in 0..100 {
        audit = owner.get("/audit").await.expect(StatusCode::OK).body;
        if audit.contains(&wanted) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(audit.contains(&wanted) && audit.contains(B), "{audit}");
    assert!(audit.contains("hit query"));
    let dashboard = owner.get("/").await.expect(StatusCode::OK);
    assert!(dashboard.body.contains("Newest hits on your data"));
    assert!(dashboard.body.contains(&wanted));
    let api = reqwest::Client::new()
        .get(site.url("/api/v1/audit"))
        .bearer_auth(site.token("GB-NCA/analyst"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let records = api["records"].as_array().unwrap();
    assert!(
        records.iter().any(|r| r["action"] == "hit_query"
            && r["actor"] == B
            && r["subject"] == wanted.as_str())
    );
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_search_the_narratives_one_may_read() {
    let site = Site::start().await;
    let other = site.login("KH-NCB/analyst").await;
    let page = other
        .get("/search?q=Myawaddy+typing")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains(GREEN_ID), "{}", page.body);
    assert!(page.body.contains("Myawaddy typing jobs"));
    assert!(page.body.contains("tlp-green"));
    assert!(
        page.body.contains(r#"value="Myawaddy typing""#),
        "the box keeps the query"
    );
    let report = other
        .get(&format!("/reports/{A}/{GREEN_ID}"))
        .await
        .expect(StatusCode::OK);
    assert!(report.body.contains(GREEN_NARRATIVE));
    // Its selectors link to their pages.
    assert!(
        report
            .body
            .contains(&format!(r#"href="{}""#, selector_path(GREEN_URL)))
    );
    let bad_region = other.get("/search?q=012+345&region=QQ").await;
    assert_eq!(
        bad_region.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_region.body
    );
    assert!(bad_region.body.contains("region"));
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_report_keeps_its_values_and_names_the_field() {
    let site = Site::start().await;
    let browser = site.login("GB-NCA/desk").await;
    let csrf = browser.csrf().await;
    let before = site.store.counts().await.unwrap().reports;
    let narrative = "Guard rota of the compound & <b>escape</b> route";
    let page = browser
        .post(
            "/reports/new",
            &[
                ("csrf", &csrf),
                ("kind", "compound_intel"),
                ("country", "MM"),
                ("tlp", "AMBER"),
                ("grading", "Z9"),
                ("mo", "investment"),
                ("mo", "channel:telegram"),
                ("narrative", narrative),
                ("selectors", "+855 12 345 678\n+1 2"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(site.store.counts().await.unwrap().reports, before);
    let body = &page.body;
    assert!(body.contains(r#"id="e-selectors""#), "{body}");
    assert!(body.contains("line 2: "), "{body}");
    assert!(body.contains(r#"aria-invalid="true""#));
    // Values come back as typed (escaped), tags still chosen.
    assert!(body.contains("Guard rota of the compound &amp; &lt;b&gt;escape&lt;/b&gt; route"));
    assert!(body.contains(r#"value="MM""#));
    assert!(body.contains(r#"value="Z9""#));
    assert!(
        body.contains(r#"<option value="investment" selected"#),
        "{body}"
    );
    assert!(body.contains(r#"<option value="channel:telegram" selected"#));

    let page = browser
        .post(
            "/reports/new",
            &[
                ("csrf", &csrf),
                ("kind", "compound_intel"),
                ("country", "MM"),
                ("tlp", "AMBER"),
                ("grading", "Z9"),
                ("narrative", narrative),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="e-grading""#), "{}", page.body);
    let page = browser
        .post(
            "/reports/new",
            &[
                ("csrf", &csrf),
                ("kind", "compound_intel"),
                ("country", "MM"),
                ("tlp", "RED"),
                ("recipients", "KH-NCB"),
                ("narrative", narrative),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="e-recipients""#), "{}", page.body);
    assert!(page.body.contains("KH-NCB/username"));
    // A recipient that is no member is refused next to its field too.
    let page = browser
        .post(
            "/reports/new",
            &[
                ("csrf", &csrf),
                ("kind", "compound_intel"),
                ("country", "MM"),
                ("tlp", "AMBER"),
                ("recipients", "TH-DSI, TH-NOSUCH"),
                ("narrative", narrative),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="e-recipients""#), "{}", page.body);
    assert!(page.body.contains("TH-NOSUCH"), "{}", page.body);
    assert!(page.body.contains(r#"value="TH-DSI, TH-NOSUCH""#));
    assert_eq!(site.store.counts().await.unwrap().reports, before);
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contributors_see_their_agencys_figures_and_no_audit() {
    let site = Site::start().await;
    let desk = site.login("KH-NCB/desk").await;
    let dashboard = desk.get("/").await.expect(StatusCode::OK);
    assert!(dashboard.body.contains("investment"), "{}", dashboard.body);
    // A's GREEN report is readable by analysts, not by B's contributor.
    assert!(!dashboard.body.contains(">task<"));
    assert!(!dashboard.body.contains("Newest hits"));
    assert!(!dashboard.body.contains(r#"href="/audit""#));
    let audit = desk.get("/audit").await.expect(StatusCode::FORBIDDEN);
    assert!(
        audit
            .body
            .contains("contributors may not read the audit log")
    );
    let analyst = site.login("KH-NCB/analyst").await;
    let dashboard = analyst.get("/").await.expect(StatusCode::OK);
    assert!(dashboard.body.contains(">task<") && dashboard.body.contains("investment"));
    assert!(dashboard.body.contains("Newest hits on your data"));
    // The figures read A's reports: A's log gets one aggregate event for
    // the view, not one per report.
    let mut found = Vec::new();
    for _ in 0..100 {
        found = site
            .store
            .recent_audit_for_owner(A, None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.event.actor == B)
            .collect();
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].event.action, "aggregate_read");
    assert!(
        found[0]
            .event
            .subject
            .starts_with("dashboard figures over ")
    );
    site.stop().await;
}

/// The alerts page keeps watches of any target through the API's checks,
/// and sets whether the agency is told of interest in its RED data; each
/// form needs the session's CSRF token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_page_keeps_watches_and_sets_interest() {
    let site = Site::start().await;
    let browser = site.login("KH-NCB/analyst").await;
    let csrf = browser.csrf().await;
    let page = browser.get("/alerts").await.expect(StatusCode::OK);
    assert!(page.body.contains("Tell us"), "{}", page.body);
    let kept = browser
        .post(
            "/alerts/watches",
            &[
                ("csrf", &csrf),
                ("name", "kokko words"),
                ("scope", "agency"),
                ("kind", "text"),
                ("what", "shwe\\s+kokko"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(kept.body.contains("text /shwe\\s+kokko/"), "{}", kept.body);
    let bad = browser
        .post(
            "/alerts/watches",
            &[
                ("csrf", &csrf),
                ("name", "bad"),
                ("kind", "pattern"),
                ("what", "XQ romance"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("not an ISO 3166-1 country code"),
        "{}",
        bad.body
    );
    browser
        .post(
            "/alerts/watches",
            &[("csrf", "forged"), ("name", "x"), ("what", "a@example.com")],
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    let page = browser.get("/alerts").await.expect(StatusCode::OK);
    assert_eq!(
        page.body.matches("<li><strong>").count(),
        1,
        "{}",
        page.body
    );

    browser
        .post("/alerts/interest", &[("csrf", &csrf), ("ask", "true")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = browser.get("/alerts").await.expect(StatusCode::OK);
    assert!(page.body.contains("Stop telling us"), "{}", page.body);
    site.stop().await;
}
