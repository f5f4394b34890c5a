//! `/audit`: who read or hit the agency's data, newest first, paged — the
//! API's owner log (`owner_page`), for admins and analysts only.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::dashboard::audit_table;
use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox};
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::api::audit::owner_page;
use crate::error::ApiError;

/// Records per page.
const PAGE: u32 = 50;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
}

pub async fn page(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Markup, Failure> {
    let Query(query) = query.map_err(|e| {
        bad_request(
            format!("bad query string: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    let member = console.member();
    if member.role == Role::Contributor {
        // The API's refusal (`api::audit`), word for word.
        return Err(console.fail(ApiError::forbidden(
            "contributors may not read the audit log; ask an analyst or admin of your agency",
        )));
    }
    let page = owner_page(&state, &member.agency, query.before, Some(PAGE))
        .await
        .map_err(|e| console.fail(e))?;
    let body = html! {
        h1 { "Audit log of " (member.agency) "'s data" }
        p.lead { "Every read of your agency's reports by another agency and every hit query that touched them, newest first. Each record is chained to the previous one by its hash." }
        (audit_table(&page.records, "Accesses to your agency's data, newest first", true))
        nav.pager aria-label="Audit pages" {
            @if query.before.is_some() {
                a href="/audit" { "Newest" }
            }
            @if let Some(before) = page.next_before {
                a href=(format!("/audit?before={before}")) { "Older records" }
            }
        }
    };
    Ok(layout::page(
        "Audit",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
}
