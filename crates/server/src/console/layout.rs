//! The frame every console page shares: document head, header with the
//! navigation, search box and logout button, the `main` landmark, and small
//! pieces used across pages (TLP badges, times, bars).

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use maud::{DOCTYPE, Markup, html};

use super::assets::{CSS_PATH, JS_PATH};
use crate::access::Role;

/// What the header shows of the signed-in member, and the CSRF token its
/// logout form carries.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub agency: String,
    pub user: String,
    pub role: Role,
    pub csrf: String,
}

/// What the header's search box holds (the current query on the search
/// page, empty elsewhere).
#[derive(Debug, Clone, Default)]
pub struct SearchBox {
    pub q: String,
    pub region: String,
}

/// A whole page. Without `chrome` (logged out) the header holds neither
/// navigation nor search.
pub fn page(title: &str, chrome: Option<&Chrome>, search: &SearchBox, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Cordon" }
                link rel="stylesheet" href=(CSS_PATH);
                script src=(JS_PATH) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Cordon" }
                    @if let Some(c) = chrome {
                        nav aria-label="Main" {
                            ul {
                                li { a href="/" { "Dashboard" } }
                                li { a href="/search" { "Search" } }
                                li { a href="/networks" { "Networks" } }
                                li { a href="/compounds" { "Compounds" } }
                                li { a href="/cases" { "Protection" } }
                                @if c.role != Role::Contributor {
                                    li { a href="/money" { "Money" } }
                                    li { a href="/operations" { "Operations" } }
                                    li { a href="/orange-notices" { "Orange notices" } }
                                }
                                li {
                                    a #alert-badge href="/alerts" data-stream="/alerts/stream" data-stages=(STAGE_WORDS.as_str()) {
                                        "Alerts " span.count aria-live="polite" { "0" }
                                    }
                                }
                                li { a href="/reports/new" { "Submit a report" } }
                                @if c.role != Role::Contributor {
                                    li { a href="/audit" { "Audit" } }
                                }
                                li { a href="/bulletins" { "Bulletins" } }
                                li { a href="/tips" { "Tips" } }
                            }
                        }
                        form.search role="search" method="get" action="/search" {
                            // The placeholder shows what to type; the label
                            // stays for screen readers.
                            label.sr for="top-q" { "Selector or words" }
                            input #top-q type="search" name="q" value=(search.q) maxlength="2048"
                                placeholder="Selector or words" required;
                            label for="top-region" { "Region" }
                            input #top-region.region type="text" name="region" value=(search.region)
                                maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off"
                                title="two-letter country code for national numbers, like KH"
                                data-pattern-message="a region is a two-letter country code, like KH";
                            button type="submit" { "Search" }
                        }
                        div.who {
                            span { (c.agency) " / " (c.user) " (" (c.role.as_str()) ")" }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(c.csrf);
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer.bottom {
                    p { "Every read of another agency's data and every hit query is recorded in the owner's audit log." }
                }
            }
        }
    }
}

/// The protocol's stages in words, by code, for the script that shows
/// `case_overdue` notifications as they arrive (the timeline's words).
static STAGE_WORDS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let words: serde_json::Map<String, serde_json::Value> = cordon_protect::Stage::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_lowercase().into()))
        .collect();
    serde_json::Value::Object(words).to_string()
});

/// A TLP 2.0 label: the level's colour on black, as the standard prints it.
pub fn tlp_badge(tlp: Tlp) -> Markup {
    let class = match tlp {
        Tlp::Clear => "tlp tlp-clear",
        Tlp::Green => "tlp tlp-green",
        Tlp::Amber => "tlp tlp-amber",
        Tlp::AmberStrict => "tlp tlp-amber-strict",
        Tlp::Red => "tlp tlp-red",
    };
    html! { span class=(class) { "TLP:" (tlp.as_str()) } }
}

/// A time for people (UTC, to the minute) in a `<time>` element that keeps
/// the exact instant.
pub fn when(t: DateTime<Utc>) -> Markup {
    html! {
        time datetime=(t.to_rfc3339()) { (t.format("%Y-%m-%d %H:%M UTC")) }
    }
}

/// The CSS class of a bar `count / max` long, in steps of 2 %: the policy
/// forbids `style=` attributes, so widths are classes (`w0` … `w50`).
pub fn bar_step(count: u64, max: u64) -> u64 {
    if count == 0 || max == 0 {
        return 0;
    }
    // A non-empty bar is never drawn empty.
    ((count * 50 + max / 2) / max).clamp(1, 50)
}

/// What a role may do, in one phrase for the dashboard.
pub fn role_scope(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::Analyst => "the reports you may read",
        Role::Contributor => "your agency's reports",
        // Never logged in (login refuses a peer's token); said for completeness.
        Role::Peer => "what may leave for your node",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_fifty_steps_and_never_vanish() {
        assert_eq!(bar_step(0, 10), 0);
        assert_eq!(bar_step(10, 10), 50);
        assert_eq!(bar_step(5, 10), 25);
        assert_eq!(bar_step(1, 1000), 1);
        assert_eq!(bar_step(3, 0), 0);
    }

    #[test]
    fn pages_escape_what_they_show() {
        let chrome = Chrome {
            agency: "GB-NCA".into(),
            user: "anna".into(),
            role: Role::Analyst,
            csrf: "t0k".into(),
        };
        let search = SearchBox {
            q: "\"><script>alert(1)</script>".into(),
            region: String::new(),
        };
        let html = page("x", Some(&chrome), &search, html! { p { "<b>" } }).into_string();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;b&gt;"));
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(html.contains(r#"name="csrf" value="t0k""#));
        assert!(!html.contains("style="));
    }
}
