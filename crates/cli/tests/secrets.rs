//! Secrets never reach the server's log: API tokens sent as bearer tokens,
//! as TAXII Basic passwords and through the console's login form, wrong
//! tokens, the metrics token and session cookies, with the log at its most
//! verbose (`RUST_LOG=trace`).

use std::time::Duration;

mod common;
use common::{Served, analyst, free_port};

fn hidden_field(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} field in {page}"));
    let value = &page[at..];
    let start = value.find("value=\"").expect("the field has a value") + 7;
    let end = value[start..].find('"').unwrap();
    value[start..start + end].to_owned()
}

/// `name=value` of a response's first Set-Cookie.
fn first_cookie(r: &reqwest::blocking::Response) -> Option<String> {
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

#[test]
fn tokens_and_session_cookies_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("secrets.db").display());
    let token = analyst(d, &db, &[]);
    let metrics_token = "metrics-secret-4bd7c1e9a0f2";
    let wrong = format!("{}x", &token[..token.len() - 1]);
    let bind = format!("127.0.0.1:{}", free_port());
    let log = d.join("serve.log");
    let served = Served::start_logging(
        &[
            "serve",
            "--db",
            &db,
            "--bind",
            &bind,
            "--metrics-token",
            metrics_token,
        ],
        d,
        "serving",
        &[("RUST_LOG", "trace")],
        &log,
    );
    common::wait_ready(&served.base);
    let base = &served.base;
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The API with the token, a wrong one and a malformed header.
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(me.status(), 200);
    for bad in [wrong.as_str(), "not-a-cordon-token"] {
        let r = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(bad)
            .send()
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // TAXII with the token as a Basic password.
    let taxii = http
        .get(format!("{base}/taxii2/cordon/collections/"))
        .basic_auth("sokha", Some(&token))
        .header("Accept", "application/taxii+json;version=2.1")
        .send()
        .unwrap();
    assert_eq!(taxii.status(), 200);
    // Metrics with its token.
    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(metrics_token)
        .send()
        .unwrap();
    assert_eq!(metrics.status(), 200);
    // The console: a wrong token, then the right one, then a page.
    let login_form = || {
        let r = http.get(format!("{base}/login")).send().unwrap();
        let cookie = first_cookie(&r);
        (cookie, hidden_field(&r.text().unwrap(), "csrf"))
    };
    let (pre, csrf) = login_form();
    let refused = http
        .post(format!("{base}/login"))
        .header("Cookie", pre.unwrap_or_default())
        .form(&[("token", wrong.as_str()), ("csrf", &csrf)])
        .send()
        .unwrap();
    assert!(!refused.status().is_redirection(), "{}", refused.status());
    let (pre, csrf) = login_form();
    let login = http
        .post(format!("{base}/login"))
        .header("Cookie", pre.unwrap_or_default())
        .form(&[("token", token.as_str()), ("csrf", &csrf)])
        .send()
        .unwrap();
    assert!(login.status().is_redirection(), "{}", login.status());
    let session = first_cookie(&login).expect("a session cookie");
    let home = http
        .get(format!("{base}/"))
        .header("Cookie", &session)
        .send()
        .unwrap();
    assert_eq!(home.status(), 200);
    let cookie = session.split_once('=').map(|(_, v)| v.to_owned()).unwrap();
    assert!(served.stop().success());

    let written = std::fs::read_to_string(&log).unwrap();
    assert!(
        written.lines().count() > 20,
        "the trace log is too short to show anything: {written}"
    );
    // The token without its public prefix, and the others.
    let secret = token.strip_prefix("cordon_").unwrap();
    for (what, value) in [
        ("the token", token.as_str()),
        ("the token's secret", secret),
        ("a wrong token", wrong.as_str()),
        ("the metrics token", metrics_token),
        ("the session cookie", cookie.as_str()),
    ] {
        assert!(
            !written.contains(value),
            "{what} is in the log:\n{}",
            written
                .lines()
                .filter(|l| l.contains(value))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
