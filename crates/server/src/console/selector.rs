//! `/selectors/{canonical}`: who holds a selector — the reports the viewer
//! may read, and of the others only the holder, its contact and counts.
//!
//! The answer is [`Hits::answer`](crate::hits::Hits::answer)'s, which applies
//! the access rules, and the query is audited with the API's own events
//! ([`hit_events`]), so the console's hit query is the API's.
//!
//! A selector that identifies a person screened as a victim of trafficking
//! (`Cases::protected`) carries the non-punishment banner, and the reports
//! holding it a badge: that the principle applies and the status, nothing
//! of the case.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_core::SelectorKind;
use maud::html;

use super::cases::{protected_badge, status_words};
use super::failure::{Failure, not_found};
use super::layout::{self, SearchBox, tlp_badge, when};
use super::session::Console;
use super::{report_href, selector_href};
use crate::Shared;
use crate::api::hits::{asked_of, hit_events};
use crate::error::{ApiError, ErrorCode};
use crate::hits::canonical;

/// The API's answer while the index loads (`api::hits`), word for word.
pub const NOT_READY: &str = "the hit index is still loading; hit queries resume in a few seconds";

pub async fn page(
    State(state): State<Shared>,
    console: Console,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    let Ok(Path(text)) = path else {
        return Err(not_found(Some(console.chrome())));
    };
    let selector = canonical(&text, None).map_err(|e| {
        console.fail(ApiError::new(ErrorCode::InvalidSelector, e.message).field("selector"))
    })?;
    // One page per selector: a messy spelling in the address goes to the
    // canonical one.
    if selector.as_str() != text {
        return Ok(Redirect::to(&selector_href(selector.as_str())).into_response());
    }
    let viewer = console.viewer();
    let (hits, touched) = state
        .hits
        .answer(&viewer, selector.as_str(), &state.directory)
        .map_err(|_| console.fail(ApiError::unavailable(NOT_READY)))?;
    let asked = [(selector.as_str(), &touched[..])];
    state
        .audit
        .record_all(hit_events(&viewer, asked))
        .map_err(|e| console.fail(e))?;
    asked_of(&state, &viewer, &asked);

    let kind = kind_label(selector.kind());
    // Whether it identifies a person screened as a victim: that the
    // principle applies and how they were found, nothing of the case.
    let protected = state.cases.protected(selector.as_str());
    if let Some(status) = protected {
        let flag = crate::api::reports::NonPunishment {
            selector: selector.as_str().to_owned(),
            status,
        };
        crate::api::reports::audit_non_punishment(&state, &viewer, &[flag])
            .map_err(|e| console.fail(e))?;
    }
    let body = html! {
        h1 { "Selector " code.selector { (selector.as_str()) } }
        @if let Some(status) = protected {
            div #non-punishment.banner.protected role="note" {
                strong { "Non-punishment principle applies." }
                " This selector identifies a person screened as a victim of trafficking (" strong { (status_words(status)) } "). "
                "Do not prosecute, detain or punish them for offences they were compelled to commit; every report holding it names them."
            }
        }
        p.lead {
            "Kind: " strong { (kind) }
            @if selector.prefix() != selector.kind().as_str() {
                " (" (selector.prefix()) ")"
            }
            ". "
            @if hits.is_hit() {
                "Held in " (count(hits.readable.len(), "report", "reports")) " you may read and by "
                (count(hits.held_elsewhere.len(), "other holder", "other holders")) " you may contact."
            } @else {
                "No hit: no report you may learn of holds this selector."
            }
        }
        section aria-labelledby="readable-title" {
            h2 #readable-title { "Reports you may read" }
            @if hits.readable.is_empty() {
                p.empty { "None." }
            } @else {
                table.data {
                    caption.sr { "Reports holding this selector that you may read" }
                    thead { tr { th scope="col" { "Report" } th scope="col" { "Agency" } th scope="col" { "Marking" } th scope="col" { "Received" } } }
                    tbody {
                        @for r in &hits.readable {
                            tr {
                                td {
                                    a href=(report_href(&r.agency, &r.report_id)) { code { (r.report_id) } }
                                    @if let Some(status) = protected { " " (protected_badge(status)) }
                                }
                                td { (r.agency) }
                                td { (tlp_badge(r.tlp)) }
                                td { (when(r.received)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="elsewhere-title" {
            h2 #elsewhere-title { "Held by other agencies" }
            p.hint { "You may not read these reports. Ask the holder for their content through its contact." }
            @if hits.held_elsewhere.is_empty() {
                p.empty { "None." }
            } @else {
                table.data {
                    caption.sr { "Holders of this selector whose reports you may not read" }
                    thead { tr {
                        th scope="col" { "Agency" } th scope="col" { "Country" } th scope="col" { "Contact" }
                        th scope="col" { "Marking" } th scope="col" { "First seen" } th scope="col" { "Last seen" }
                        th scope="col" { "Reports" }
                    } }
                    tbody {
                        @for h in &hits.held_elsewhere {
                            tr {
                                td { (h.agency) }
                                td { (h.country) }
                                td.contact { (h.contact) }
                                td { (tlp_badge(h.marking)) }
                                td { (when(h.first_seen)) }
                                td { (when(h.last_seen)) }
                                td.num { (h.count) }
                            }
                        }
                    }
                }
            }
        }
    };
    let search = SearchBox {
        q: selector.as_str().to_owned(),
        region: String::new(),
    };
    Ok(layout::page(selector.as_str(), Some(&console.chrome()), &search, body).into_response())
}

/// `1 report`, `2 reports`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a selector kind is, in words.
pub fn kind_label(kind: SelectorKind) -> &'static str {
    match kind {
        SelectorKind::Phone => "phone number",
        SelectorKind::Email => "email address",
        SelectorKind::Domain => "domain",
        SelectorKind::Url => "URL",
        SelectorKind::Ip => "IP address",
        SelectorKind::Crypto => "crypto address",
        SelectorKind::Iban => "IBAN",
        SelectorKind::Bank => "bank account",
        SelectorKind::Handle => "social or messaging handle",
        SelectorKind::Passport => "passport number",
        SelectorKind::Hash => "file or app hash",
        SelectorKind::Name => "person name",
        SelectorKind::Company => "company name",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{StatusCode, header};

    use super::*;
    use crate::access::{Member, Role};
    use crate::auth::{Caller, TokenKey};
    use crate::{AppState, Config, audit};

    /// Until the index has loaded, the page says so (503, retry) rather
    /// than "no hit", and records no hit query.
    #[tokio::test]
    async fn a_loading_index_answers_unavailable_never_no_hit() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let store: Arc<dyn cordon_store::Store> =
            Arc::new(cordon_store_sqlite::SqliteStore::open(&url).unwrap());
        let (audit, writer) = audit::AuditSink::start(store.clone());
        let config = Config {
            rate_per_second: 0,
            ..Config::default()
        };
        let state = Arc::new(
            AppState::new(
                store.clone(),
                TokenKey::from_bytes([1; 32]),
                config,
                audit,
                crate::bus::Bus::alone(),
                tokio::sync::watch::channel(false).1,
            )
            .unwrap(),
        );
        let (id, session) = state.sessions.open(
            Caller {
                member: Member {
                    agency: "KH-NCB".into(),
                    user_id: 1,
                    user: "sokha".into(),
                    role: Role::Analyst,
                },
                token_id: 1,
            },
            [0; 32],
        );
        let answer = page(
            State(state.clone()),
            Console { id, session },
            Ok(Path("phone:+85512345678".to_owned())),
        )
        .await;
        let response = match answer {
            Ok(r) => r,
            Err(f) => f.into_response(),
        };
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(NOT_READY), "{body}");
        assert!(!body.contains("No hit"), "{body}");
        drop(state);
        writer.await.unwrap();
        assert_eq!(store.counts().await.unwrap().audit, 0);
    }
}
