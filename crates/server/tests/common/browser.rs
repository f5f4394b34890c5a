//! What the real-browser tests share: screenshots of each step into one
//! folder, the page-fits-the-window check, and analysts' tokens.

use std::path::PathBuf;
use std::time::Duration;

use cordon_server::TokenKey;
use cordon_store::{NewUser, Store};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long a step may take to show.
pub const WAIT: Duration = Duration::from_secs(15);

/// A browser session of `chromium` through the chromedriver at
/// `driver_url`, in the smallest window the console is made for.
pub async fn session(chromium: &std::path::Path, driver_url: &str) -> Client {
    session_with(chromium, driver_url, Browser::default()).await
}

/// How a session's browser is set up: its window, and whether pages may
/// run script.
#[derive(Debug, Clone, Copy)]
pub struct Browser {
    pub width: u32,
    pub height: u32,
    /// False: the browser runs no page script, as with JavaScript
    /// switched off in its settings.
    pub script: bool,
}

impl Default for Browser {
    /// The smallest window the console is made for, script on.
    fn default() -> Self {
        Browser {
            width: 1280,
            height: 800,
            script: true,
        }
    }
}

/// A browser session of `chromium` through the chromedriver at
/// `driver_url`, set up as `browser` says.
pub async fn session_with(
    chromium: &std::path::Path,
    driver_url: &str,
    browser: Browser,
) -> Client {
    let mut caps: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&cordon_testkit::chrome_capabilities(chromium)).unwrap();
    if !browser.script {
        let options = caps
            .get_mut("goog:chromeOptions")
            .and_then(serde_json::Value::as_object_mut)
            .expect("the capabilities have chrome options");
        options
            .get_mut("args")
            .and_then(serde_json::Value::as_array_mut)
            .expect("the chrome options have args")
            .push("--blink-settings=scriptEnabled=false".into());
        options.insert(
            "prefs".into(),
            serde_json::json!({"profile.managed_default_content_settings.javascript": 2}),
        );
    }
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("a browser session");
    client
        .set_window_size(browser.width, browser.height)
        .await
        .unwrap();
    client
}

/// Logs in through the form: the token typed into the field, then either
/// the button clicked or Enter pressed (the keyboard path).
pub async fn log_in(client: &Client, base: &str, token: &str, with_enter: bool) {
    client.goto(&format!("{base}/login")).await.unwrap();
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("token"))
        .await
        .expect("the login form");
    if with_enter {
        field
            .send_keys(&(token.to_owned() + &Key::Enter))
            .await
            .unwrap();
    } else {
        field.send_keys(token).await.unwrap();
        client
            .find(Locator::Css("main form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("per-day-title"))
        .await
        .expect("the dashboard after login");
}

/// Where screenshots go: `<target>/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cordon_testkit::workspace_root().join("target"));
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

/// One test's screenshots, `<prefix>NN-step.png`.
#[derive(Debug, Clone, Copy)]
pub struct Screenshots(pub &'static str);

impl Screenshots {
    /// Removes this test's screenshots of an earlier run, so that the
    /// folder shows one run.
    pub fn clear(self) {
        for entry in std::fs::read_dir(screenshot_dir())
            .expect("read the screenshot folder")
            .flatten()
        {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(self.0) && name.ends_with(".png") {
                std::fs::remove_file(entry.path()).expect("remove an old screenshot");
            }
        }
    }

    pub async fn snap(self, client: &Client, name: &str) {
        let png = client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{name} is not a png");
        let path = screenshot_dir().join(format!("{}{name}.png", self.0));
        std::fs::write(&path, png).expect("write the screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

/// Asserts that the page fits the window's width (no sideways scroll).
pub async fn fits_the_window(client: &Client, what: &str) {
    let fits = client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "{what} scrolls sideways"
    );
}

/// A new analyst of `agency` and a token of theirs.
pub async fn add_token(store: &dyn Store, key: &TokenKey, agency: &str, user: &str) -> String {
    let created = store
        .create_user(&NewUser {
            agency: agency.into(),
            name: user.into(),
            role: "analyst".into(),
        })
        .await
        .expect("create user");
    cordon_server::auth::issue_token(store, key, created.id, "browser test")
        .await
        .expect("create token")
}
