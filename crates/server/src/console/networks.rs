//! Network, compound and notice pages: `/networks`, `/networks/{id}` (with
//! the graph drawing), `/compounds` (the map), `/compounds/{site}`,
//! `/notices/{id}` and its print view. Everything comes from the same
//! access-filtered views as the API.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_core::Tlp;
use maud::{Markup, html};

use super::drawing;
use super::failure::{Failure, not_found};
use super::layout::{self, SearchBox, tlp_badge, when};
use super::session::Console;
use super::{report_href, selector_href};
use crate::Shared;
use crate::access::Role;
use crate::api::compounds::{StatusRequest, set_status_for};
use crate::api::networks::{MergeRequest, merge_for};
use crate::api::networks::{audit_touched, loading, network_graph, seen};
use crate::api::notices::{DraftRequest, draft_for, publish_for, readable};
use crate::error::ApiError;
use crate::networks::casebook::{Notice, NoticeState};
use crate::networks::view::{self, Linked, Seen};

fn page(console: &Console, title: &str, body: Markup) -> Markup {
    layout::page(title, Some(&console.chrome()), &SearchBox::default(), body)
}

fn counted(items: &[(String, usize)]) -> Markup {
    html! {
        @if items.is_empty() { span.empty { "none" } }
        @for (i, (name, n)) in items.iter().take(8).enumerate() {
            @if i > 0 { ", " }
            (name) " (" (n) ")"
        }
    }
}

/// A selector links to its page, a site to its compound; a named place
/// has no page.
fn evidence_link(key: &str, evidence: &str) -> Markup {
    match (evidence, key.strip_prefix("site:")) {
        ("site", Some(cell)) => html! { a href=(format!("/compounds/{cell}")) { code { (key) } } },
        ("selector" | "name", _) => html! { a href=(selector_href(key)) { code { (key) } } },
        _ => html! { code { (key) } },
    }
}

fn linked_box(linked: &Linked) -> Markup {
    html! {
        aside.linked role="note" {
            p { strong { "Other agencies hold linked intelligence." } }
            ul.plain {
                @for h in &linked.holders {
                    li { (h.agency) " (" (h.country) "): contact " (h.contact) }
                }
            }
        }
    }
}

pub async fn list(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let work = state.clone();
    let (networks, total) =
        tokio::task::spawn_blocking(move || work.networks.read(|m| view::list(m, &viewer, 200)))
            .await
            .map_err(|e| console.fail(ApiError::internal(e)))?
            .map_err(|e| console.fail(loading(e)))?;
    let body = html! {
        h1 { "Networks" }
        p.lead {
            (total) @if total == 1 { " network holds" } @else { " networks hold" }
            " reports you may read; the largest first."
        }
        table #networks {
            thead { tr { th { "Network" } th { "Your reports" } th { "Scam types" } th { "Last seen" } th { "Agencies to contact" } } }
            tbody {
                @for n in &networks {
                    tr {
                        td { a href=(format!("/networks/{}", n.id)) { code { (n.id) } } }
                        td { (n.readable) }
                        td { (n.scams.join(", ")) }
                        td { (when(n.last_seen)) }
                        td { (n.linked_holders) }
                    }
                }
            }
        }
    };
    Ok(page(&console, "Networks", body))
}

pub async fn network(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let (seen, touched) = seen(&state, &viewer, id.clone())
        .await
        .map_err(|e| console.fail(e))?;
    audit_touched(&state, &viewer, "network_read", &id, &touched).map_err(|e| console.fail(e))?;
    let v = match seen {
        Seen::Network(v) => v,
        Seen::Restricted { id, linked } => {
            let body = html! {
                h1 { "Network " code { (id) } }
                p.lead { "You may read none of this network's reports." }
                (linked_box(&linked))
            };
            return Ok(page(&console, &format!("Network {id}"), body));
        }
        Seen::Nothing => return Err(not_found(Some(console.chrome()))),
    };
    let (graph, _) = network_graph(&state, &viewer, v.id.clone())
        .await
        .map_err(|e| console.fail(e))?;
    let body = html! {
        h1 { "Network " code { (v.id) } }
        @if let Some(from) = &v.merged_from {
            p.note { "Network " code { (from) } " was merged into this one." }
        }
        p.lead {
            (v.readable) " reports you may read · profile trend " (v.profile.trend)
            @if let (Some(first), Some(last)) = (v.profile.first_seen, v.profile.last_seen) {
                " · seen " (when(first)) " to " (when(last))
            }
        }
        @if let Some(linked) = &v.linked { (linked_box(linked)) }
        @if let Some(g) = &graph {
            section aria-labelledby="graph-title" {
                h2 #graph-title { "Reports and what links them" }
                (drawing::network(g))
                p.note { "Circles are reports, squares the selectors and sites linking them; hollow squares are shared infrastructure, not used to link." }
            }
        }
        div.columns {
            section aria-labelledby="mo-title" {
                h2 #mo-title { "Modus operandi" }
                dl.facts {
                    @for (family, codes) in &v.profile.families {
                        dt { (family) }
                        dd { (counted(codes)) }
                    }
                    dt { "Reporting countries" }
                    dd { (counted(&v.profile.countries)) }
                    dt { "Languages" }
                    dd { (counted(&v.profile.languages)) }
                }
                h2 { "Perpetrators" }
                table #perpetrators {
                    thead { tr { th { "Selector" } th { "Role" } th { "Reports" } th { "Centrality" } } }
                    tbody {
                        @for p in &v.perpetrators {
                            tr {
                                td { a href=(selector_href(&p.selector)) { code { (p.selector) } } }
                                td { (p.role.replace('_', " ")) }
                                td { (p.reports) }
                                td { (format!("{:.2}", p.centrality)) }
                            }
                        }
                    }
                }
                @if !v.compounds.is_empty() {
                    h2 { "Compounds" }
                    ul.plain {
                        @for site in &v.compounds {
                            li { a href=(format!("/compounds/{site}")) { code { (site) } } }
                        }
                    }
                }
            }
            section aria-labelledby="evidence-title" {
                h2 #evidence-title { "Evidence" }
                table #evidence {
                    thead { tr { th { "Selector" } th { "Kind" } th { "Reports" } th { "Strength" } } }
                    tbody {
                        @for e in &v.evidence {
                            tr {
                                td { (evidence_link(&e.selector, e.evidence)) }
                                td { (e.evidence) @if e.shared { " (shared infrastructure)" } }
                                td { (e.reports) }
                                td { (format!("{:.2}", e.strength)) }
                            }
                        }
                    }
                }
                h2 { "Reports" }
                ul.plain #members {
                    @for r in &v.reports {
                        li {
                            (tlp_badge(r.tlp)) " "
                            a href=(report_href(&r.agency, &r.report_id)) { (r.agency) "/" (r.report_id) }
                            " " (r.kind.as_str().replace('_', " ")) ", " (when(r.received))
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (body)
        @if console.member().role != Role::Contributor {
            div.columns {
                section aria-labelledby="notice-title" {
                    h2 #notice-title { "Draft a purple notice" }
                    form #draft-notice method="post" action=(format!("/networks/{}/notices", v.id)) {
                        input type="hidden" name="csrf" value=(console.chrome().csrf);
                        label for="notice-title-input" { "Title" }
                        input #notice-title-input type="text" name="title" required maxlength="200";
                        label for="notice-summary" { "Summary" }
                        textarea #notice-summary name="summary" required maxlength="20000" rows="4" {}
                        label for="notice-tlp" { "Marking" }
                        select #notice-tlp name="tlp" {
                            option value="GREEN" selected { "TLP:GREEN (member agencies)" }
                            option value="CLEAR" { "TLP:CLEAR (the public too)" }
                        }
                        p.note { "The notice carries only reports marked no tighter than itself; a second analyst of your agency publishes it." }
                        button type="submit" { "Draft notice" }
                    }
                }
                section aria-labelledby="merge-title" {
                    h2 #merge-title { "Merge with another network" }
                    form #merge method="post" action=(format!("/networks/{}/merge", v.id)) {
                        input type="hidden" name="csrf" value=(console.chrome().csrf);
                        label for="merge-other" { "Other network id" }
                        input #merge-other type="text" name="other" required pattern="N-[0-9a-f]{12}";
                        label for="merge-reason" { "Why they are one organisation" }
                        textarea #merge-reason name="reason" required maxlength="4000" rows="3" {}
                        button type="submit" { "Merge" }
                    }
                }
            }
        }
    };
    Ok(page(&console, &format!("Network {}", v.id), body))
}

pub async fn compounds(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let work = state.clone();
    let found = tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| view::compounds(m, &work.networks.casebook.read(), &viewer))
    })
    .await
    .map_err(|e| console.fail(ApiError::internal(e)))?
    .map_err(|e| console.fail(loading(e)))?;
    let body = html! {
        h1 { "Compounds" }
        p.lead {
            (found.len()) @if found.len() == 1 { " site" } @else { " sites" }
            " that two reports or more you may read locate."
        }
        (drawing::compound_map(&found))
        table #compounds {
            thead { tr { th { "Site" } th { "Place" } th { "Near" } th { "Reports" } th { "Networks" } th { "Status" } } }
            tbody {
                @for c in &found {
                    tr {
                        td { a href=(format!("/compounds/{}", c.site)) { code { (c.site) } } }
                        td { (c.places.first().map_or("", |p| p.0.as_str())) }
                        td { @if let Some((name, country, km)) = &c.near { (name) ", " (country) " (" (km) " km)" } }
                        td { (c.readable) }
                        td {
                            @for (i, (n, _)) in c.networks.iter().enumerate() {
                                @if i > 0 { ", " }
                                a href=(format!("/networks/{n}")) { code { (n) } }
                            }
                        }
                        td { (c.status.as_deref().unwrap_or("—")) }
                    }
                }
            }
        }
    };
    Ok(page(&console, "Compounds", body))
}

pub async fn compound(
    State(state): State<Shared>,
    console: Console,
    Path(site): Path<String>,
) -> Result<Markup, Failure> {
    let d = crate::api::compounds::detail(&state, &console.viewer(), site)
        .await
        .map_err(|e| console.fail(e))?;
    let c = &d.compound;
    let body = html! {
        h1 { "Compound " code { (c.site) } }
        p.lead {
            (c.places.first().map_or("unnamed site", |p| p.0.as_str()))
            @if let Some((name, country, km)) = &c.near { " · near " (name) ", " (country) " (" (km) " km)" }
            " · " (format!("{:.4}, {:.4}", c.lat, c.lon))
            " · status " strong { (c.status.as_deref().unwrap_or("not reported")) }
        }
        (drawing::compound_map(std::slice::from_ref(c)))
        h2 { "Status history" }
        @if d.history.is_empty() { p.empty { "No status reported yet." } }
        ol #status-history {
            @for s in &d.history {
                li { strong { (s.status.as_str()) } " — " (s.by.agency) "/" (s.by.user) ", " (when(s.by.at)) ": " (s.by.reason) }
            }
        }
        h2 { "Reports locating it" }
        ul.plain {
            @for r in &d.reports {
                li { (tlp_badge(r.tlp)) " " a href=(report_href(&r.agency, &r.report_id)) { (r.agency) "/" (r.report_id) } " " (when(r.received)) }
            }
        }
    };
    let body = html! {
        (body)
        @if console.member().role != Role::Contributor {
            h2 { "Report a new status" }
            form #compound-status method="post" action=(format!("/compounds/{}/status", c.site)) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                label for="status" { "Status" }
                select #status name="status" {
                    @for s in ["active", "raided", "relocated", "closed"] { option value=(s) { (s) } }
                }
                label for="status-reason" { "Evidence" }
                textarea #status-reason name="reason" required maxlength="4000" rows="3" {}
                button type="submit" { "Record status" }
            }
        }
    };
    Ok(page(&console, &format!("Compound {}", c.site), body))
}

fn notice_body(n: &Notice) -> Markup {
    html! {
        article.notice #notice {
            header {
                p.kicker { "Purple notice · " (tlp_badge(n.tlp)) }
                h1 { (n.title) }
                p.meta {
                    code { (n.id) } " · by " (n.author)
                    @match n.state {
                        NoticeState::Draft => { " · " strong { "draft" } " (not yet published)" }
                        NoticeState::Published => { " · published " @if let Some(at) = n.published { (when(at)) } }
                    }
                }
            }
            section { h2 { "Summary" } p.summary { (n.summary) } }
            section {
                h2 { "Modus operandi" }
                p { (counted(&n.content.mo)) }
                dl.facts {
                    dt { "Reporting countries" } dd { (counted(&n.content.countries)) }
                    dt { "Languages" } dd { (counted(&n.content.languages)) }
                    dt { "Seen" }
                    dd {
                        @if let (Some(a), Some(b)) = (n.content.first_seen, n.content.last_seen) { (when(a)) " to " (when(b)) " · " }
                        "from " (n.content.reports) " reports"
                    }
                }
            }
            section {
                h2 { "Indicators" }
                ul.selectors { @for s in &n.content.indicators { li { code { (s) } } } }
            }
        }
    }
}

pub async fn notice(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let n = readable(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    let body = html! {
        (notice_body(&n))
        @if n.state == NoticeState::Draft && console.member().role != Role::Contributor {
            form #publish method="post" action=(format!("/notices/{}/publish", n.id)) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                p.note { "Published by a second analyst of " (n.author) " after review; drafted by " (n.drafted_by) "." }
                label for="publish-reason" { "What you checked" }
                input #publish-reason type="text" name="reason" maxlength="4000";
                button type="submit" { "Publish" }
            }
        }
        p {
            a href=(format!("/notices/{}/print", n.id)) { "Print view" } " · "
            a href=(format!("/api/v1/notices/{}/stix", n.id)) { "STIX 2.1 bundle" }
        }
    };
    Ok(page(&console, &n.title, body))
}

/// The notice alone on the page, laid out for paper (A4 via the
/// stylesheet's print rules): the browser's print to PDF makes the PDF.
pub async fn print(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let n = readable(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    Ok(html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (n.title) " · Purple notice" }
                link rel="stylesheet" href=(super::assets::CSS_PATH);
            }
            body.print { main #main { (notice_body(&n)) } }
        }
    })
}

/// A form's fields and its CSRF token.
pub(super) fn fields(
    console: &Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<std::collections::HashMap<String, String>, Failure> {
    let Form(pairs) = form.map_err(|e| {
        console.fail(ApiError::bad_request(format!(
            "the form could not be read: {e}"
        )))
    })?;
    let fields: std::collections::HashMap<String, String> = pairs.into_iter().collect();
    console.check_csrf(fields.get("csrf").map(String::as_str))?;
    Ok(fields)
}

pub(super) fn field(fields: &std::collections::HashMap<String, String>, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// `POST /networks/{id}/notices`: drafts a purple notice from the network.
pub async fn draft_notice(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let tlp = match field(&f, "tlp").as_str() {
        "CLEAR" => Tlp::Clear,
        "GREEN" => Tlp::Green,
        other => {
            return Err(console.fail(
                ApiError::bad_request(format!("a notice is CLEAR or GREEN, not {other:?}"))
                    .field("tlp"),
            ));
        }
    };
    let request = DraftRequest {
        network: id,
        title: field(&f, "title"),
        summary: field(&f, "summary"),
        tlp,
    };
    let notice = draft_for(&state, &console.viewer(), &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/notices/{}", notice.id)).into_response())
}

/// `POST /networks/{id}/merge`: merges another network into this one.
pub async fn merge(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = MergeRequest {
        networks: vec![id, field(&f, "other")],
        reason: field(&f, "reason"),
    };
    let kept = merge_for(&state, &console.viewer(), &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/networks/{kept}")).into_response())
}

/// `POST /compounds/{site}/status`.
pub async fn set_status(
    State(state): State<Shared>,
    console: Console,
    Path(site): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = StatusRequest {
        status: field(&f, "status"),
        reason: field(&f, "reason"),
    };
    set_status_for(&state, &console.viewer(), site.clone(), &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/compounds/{site}")).into_response())
}

/// `POST /notices/{id}/publish`: a second analyst publishes a draft.
pub async fn publish(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    publish_for(&state, &console.viewer(), &id, &field(&f, "reason"))
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/notices/{id}")).into_response())
}
