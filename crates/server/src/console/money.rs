//! The console's money pages: `/money` traces from a seed over the money
//! the member may read (a Sankey-like drawing, the services reached with
//! each model's amount and the band, the freezable balances to choose for
//! a freeze package, and whom to call about onward flows it may only learn
//! of); `POST /money/freeze` makes the freeze package and shows it laid
//! out for paper (or sends its JSON); mule accounts and wallet clusters
//! are [`super::money_patterns`], importing money files is
//! [`super::money_import`]. The API's functions decide, and audit,
//! everything.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cordon_finance::trace::{Direction, Model, Seed, Trace};
use maud::{Markup, html};
use rust_decimal::Decimal;

use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox, tlp_badge, when};
use super::sankey::{central, sankey};
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::api::money::trace_for;
use crate::error::{ApiError, ErrorCode};
use crate::money::freeze::{FreezePackage, FreezeRequest, model_name, package};
use crate::money::trace::{TraceAnswer, TraceRequest};

/// What the trace form holds.
#[derive(Debug, Clone)]
struct TraceForm {
    /// A seed payment's flow id; empty for an address seed.
    flow: String,
    address: String,
    direction: Direction,
    models: Vec<Model>,
    hops: u8,
    /// Go on through exchanges' recorded conversions.
    through: bool,
}

impl Default for TraceForm {
    fn default() -> TraceForm {
        TraceForm {
            flow: String::new(),
            address: String::new(),
            direction: Direction::Forward,
            models: Model::ALL.to_vec(),
            hops: 5,
            through: false,
        }
    }
}

/// A closed choice read as the API reads it.
fn choice<T: serde::de::DeserializeOwned>(value: &str, field: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
        ApiError::bad_request(format!("{value:?} is not a {field} this form offers")).field(field)
    })
}

impl TraceForm {
    fn read(pairs: &[(String, String)]) -> Result<TraceForm, ApiError> {
        let mut form = TraceForm::default();
        let mut models = Vec::new();
        for (name, value) in pairs {
            let value = value.trim();
            match name.as_str() {
                "flow" => form.flow = value.to_owned(),
                "address" => {
                    // An address in another spelling names the same one.
                    form.address = crate::hits::canonical(value, None)
                        .map(|s| s.into_string())
                        .unwrap_or_else(|_| value.to_owned());
                }
                "direction" => form.direction = choice(value, "direction")?,
                "models" => models.push(choice::<Model>(value, "models")?),
                "through" => form.through = value == "on",
                "hops" if !value.is_empty() => {
                    form.hops = value.parse().map_err(|_| {
                        ApiError::bad_request("hops is a number from 1 to 10").field("max_hops")
                    })?;
                }
                _ => {}
            }
        }
        if !models.is_empty() {
            form.models = models;
        }
        Ok(form)
    }

    fn seeds(&self) -> Vec<Seed> {
        if self.flow.is_empty() {
            vec![Seed::Address {
                address: self.address.clone(),
                asset: None,
                since: None,
            }]
        } else {
            vec![Seed::Leg {
                flow: self.flow.clone(),
                address: self.address.clone(),
                amount: None,
            }]
        }
    }

    fn request(&self) -> TraceRequest {
        TraceRequest {
            seeds: self.seeds(),
            direction: Some(self.direction),
            models: Some(self.models.clone()),
            max_hops: Some(self.hops),
            through_services: self.through,
        }
    }

    /// The trace's page again.
    fn href(&self) -> String {
        let mut href = format!(
            "/money?flow={}&address={}&direction={}&hops={}",
            super::encode(&self.flow),
            super::encode(&self.address),
            direction_name(self.direction),
            self.hops
        );
        for m in &self.models {
            href.push_str("&models=");
            href.push_str(model_name(*m));
        }
        if self.through {
            href.push_str("&through=on");
        }
        href
    }

    /// The trace's fields, hidden in a form that acts on it.
    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="flow" value=(self.flow);
            input type="hidden" name="address" value=(self.address);
            input type="hidden" name="direction" value=(direction_name(self.direction));
            input type="hidden" name="hops" value=(self.hops);
            @if self.through {
                input type="hidden" name="through" value="on";
            }
            @for m in &self.models {
                input type="hidden" name="models" value=(model_name(*m));
            }
        }
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Forward => "forward",
        Direction::Backward => "backward",
    }
}

/// An exact amount as people read it: no trailing zeros.
fn amount(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A money page's query string, as name and value pairs in order (a form
/// may repeat a name).
pub(super) fn query_pairs(
    console: &Console,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, Failure> {
    let Query(pairs) = query.map_err(|e| {
        bad_request(
            format!("bad query string: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    Ok(pairs)
}

/// Whether an error is the member's to fix in the form, shown above it,
/// rather than a page of its own.
pub(super) fn on_the_form(e: &ApiError) -> bool {
    matches!(e.code, ErrorCode::InvalidField | ErrorCode::InvalidRequest)
}

/// A money page in the member's frame.
pub(super) fn page(console: &Console, title: &str, body: Markup) -> Markup {
    layout::page(title, Some(&console.chrome()), &SearchBox::default(), body)
}

/// Why a money page's form could not run, above the form again.
pub(super) fn problem_summary(heading: &str, problem: Option<&ApiError>) -> Markup {
    html! {
        @if let Some(e) = problem {
            div.error-summary role="alert" {
                h2 { (heading) }
                p.error-message { (e.message) }
            }
        }
    }
}

fn trace_form(form: &TraceForm) -> Markup {
    html! {
        form #trace-form method="get" action="/money" {
            div.form-grid {
                div.field {
                    label for="m-address" { "Address" }
                    p.hint { "The scam's deposit address the victim paid, or any wallet or account." }
                    input #m-address type="text" name="address" value=(form.address) required maxlength="200" autocomplete="off";
                }
                div.field {
                    label for="m-flow" { "Victim's payment (optional)" }
                    p.hint { "The transaction hash or transfer reference that paid the address; empty to trace everything it sent." }
                    input #m-flow type="text" name="flow" value=(form.flow) maxlength="200" autocomplete="off";
                }
                div.field {
                    label for="m-direction" { "Direction" }
                    p.hint { "Forward: where the money went. Backward: where it came from." }
                    select #m-direction name="direction" {
                        option value="forward" selected[form.direction == Direction::Forward] { "Forward" }
                        option value="backward" selected[form.direction == Direction::Backward] { "Backward" }
                    }
                }
            }
            div.form-grid {
                fieldset.field.models {
                    legend { "Models" }
                    @for m in Model::ALL {
                        label.inline-check {
                            input type="checkbox" name="models" value=(model_name(m)) checked[form.models.contains(&m)];
                            " " (model_name(m))
                        }
                    }
                }
                div.field {
                    label for="m-hops" { "Hops" }
                    p.hint { "Flows to follow from the seed, 1 to 10." }
                    input #m-hops.short type="number" name="hops" value=(form.hops) min="1" max="10" required;
                }
                div.field {
                    label.inline-check {
                        input #m-through type="checkbox" name="through" value="on" checked[form.through];
                        " Follow on through exchanges"
                    }
                    p.hint { "By default an exchange ends the trace: it is where the money was cashed out. Where its records show the deposit paid out again, this follows that." }
                }
                div.field.actions {
                    button type="submit" { "Trace" }
                }
            }
        }
    }
}

fn models_head(trace: &Trace) -> Markup {
    html! { @for m in &trace.models { th.num { (model_name(*m)) } } }
}

fn result(console: &Console, form: &TraceForm, answer: &TraceAnswer) -> Markup {
    let trace = &answer.trace;
    let may_freeze = console.member().role != Role::Contributor;
    html! {
        section #trace-result aria-labelledby="flow-title" {
            h2 #flow-title { "Where the money went" }
            table.data #totals {
                thead { tr {
                    th { "Asset" } th.num { "Traced" } th.num { "At services" } th.num { "Still held" }
                    th.num { "Fees" } th.num { "Beyond the hop limit" }
                } }
                tbody {
                    @for t in &trace.totals {
                        tr {
                            td { (t.asset.to_string()) }
                            td.num { (amount(central(&t.seeded))) }
                            td.num { (amount(central(&t.at_services))) }
                            td.num { (amount(central(&t.held))) }
                            td.num { (amount(central(&t.fees))) }
                            td.num { (amount(central(&t.beyond_limit))) }
                        }
                    }
                }
            }
            p.hint { "Central estimates (haircut's, or the first model run). Bars are shares of each asset's traced money; bands are the flows of the evidence paths." }
            (sankey(trace))

            h2 #services-title { "Services reached" }
            @if trace.services.is_empty() {
                p.empty { "No tagged service among the flows you may read." }
            } @else {
                table.data #services {
                    thead { tr {
                        th { "Service" } th { "Category" } th { "Asset" } th.num { "Addresses" }
                        (models_head(trace)) th.num { "Band" }
                    } }
                    tbody {
                        @for s in &trace.services {
                            tr {
                                td { (s.service) }
                                td { (s.category) }
                                td { (s.asset.to_string()) }
                                td.num { (s.addresses) }
                                @for m in &trace.models {
                                    td.num { (s.amounts.get(*m).map(amount).unwrap_or_default()) }
                                }
                                td.num { (amount(s.band.low)) " – " (amount(s.band.high)) }
                            }
                        }
                    }
                }
            }

            @let stopped: Vec<_> = trace.crossings.iter().filter(|c| !c.followed).collect();
            @if !stopped.is_empty() {
                h2 #paid-out-title { "Paid out again by an exchange" }
                p { "The trace stopped at these exchanges, whose records show the deposit paid out again in another asset. "
                    a #follow-through href=(TraceForm { through: true, ..form.clone() }.href()) { "Follow the money on through them" } "." }
                table.data #paid-out {
                    thead { tr { th { "Deposit" } th { "Paid out in" } th { "As" } th.num { "Traced in" } } }
                    tbody {
                        @for c in &stopped {
                            tr {
                                td { code { (c.from_flow) } " " span.kind { "(" (c.from_asset.to_string()) ")" } }
                                td { code { (c.to_flow) } }
                                td { (c.to_asset.to_string()) }
                                td.num { (amount(central(&c.amounts))) }
                            }
                        }
                    }
                }
            }

            h2 #freezable-title { "Freezable balances" }
            @if trace.freezable.is_empty() {
                p.empty {
                    @if form.direction == Direction::Backward { "A backward trace finds where money came from; trace forward to find what can be frozen." }
                    @else { "Nothing the trace reached can be frozen: no exchange, token issuer or bank holds it." }
                }
            } @else {
                form #freeze-form method="post" action="/money/freeze" {
                    input type="hidden" name="csrf" value=(console.chrome().csrf);
                    (form.hidden())
                    table.data #freezable {
                        thead { tr {
                            @if may_freeze { th { span.sr { "Choose" } } }
                            th { "Holder" } th { "Address" } th { "Asset" } th.num { "Amount" } th.num { "Band" } th.num { "Paths" }
                        } }
                        tbody {
                            @for (i, f) in trace.freezable.iter().enumerate() {
                                tr {
                                    @if may_freeze {
                                        td {
                                            input #(format!("target-{i}")) type="checkbox" name="target" value=(f.address);
                                            label.sr for=(format!("target-{i}")) { "Freeze " (f.address) }
                                        }
                                    }
                                    td { (f.holder) " " span.kind { "(" (f.category) ")" } }
                                    td { a href=(super::selector_href(&f.address)) { code { (f.address) } } }
                                    td { (f.asset.to_string()) }
                                    td.num { (amount(f.amount)) }
                                    td.num { (amount(f.band.low)) " – " (amount(f.band.high)) }
                                    td.num { (f.evidence.len()) }
                                }
                            }
                        }
                    }
                    @if may_freeze {
                        div.freeze-actions {
                            label for="m-model" { "Amount by" }
                            select #m-model name="model" {
                                @for m in &trace.models {
                                    option value=(model_name(*m)) selected[*m == Model::Haircut] { (model_name(*m)) }
                                }
                            }
                            button #make-freeze type="submit" name="format" value="html" { "Make a freeze package" }
                            button #freeze-json type="submit" name="format" value="json" { "Download its JSON" }
                        }
                    }
                }
            }

            @if !answer.held_elsewhere.is_empty() {
                h2 #elsewhere-title { "Held by other agencies" }
                p { "The money moved on in flows that these agencies hold and you may not read. Ask them:" }
                table.data #held-elsewhere {
                    thead { tr { th { "Agency" } th { "Country" } th { "Contact" } th { "From the addresses" } } }
                    tbody {
                        @for h in &answer.held_elsewhere {
                            tr {
                                td { (h.agency) }
                                td { (h.country) }
                                td.contact { (h.contact) }
                                td { @for (i, a) in h.addresses.iter().enumerate() { @if i > 0 { ", " } code { (a) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /money`: the trace form, and the trace it asks for.
pub async fn trace(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let pairs = query_pairs(&console, query)?;
    let (form, mut problem) = match TraceForm::read(&pairs) {
        Ok(form) => (form, None),
        Err(e) => (TraceForm::default(), Some(e)),
    };
    let mut answer = None;
    if problem.is_none() && !form.address.is_empty() {
        match trace_for(&state, &console.viewer(), &form.request()).await {
            Ok(a) => answer = Some(a),
            Err(e) if on_the_form(&e) => problem = Some(e),
            Err(e) => return Err(console.fail(e)),
        }
    }
    let status = problem.as_ref().map_or(StatusCode::OK, |e| e.code.status());
    let body = html! {
        h1 { "Follow the money" }
        p.lead { "Trace a victim's payment or a wallet over the flows, conversions and tags you may read, with every model side by side, to the services and balances that can be frozen." }
        p #money-pages {
            "Also: " a href="/money/mules" { "mule accounts" } " · " a href="/money/cluster" { "wallet clusters" } " · " a href="/money/import" { "import money files" }
        }
        (problem_summary("The trace could not run", problem.as_ref()))
        (trace_form(&form))
        @if let Some(a) = &answer { (result(&console, &form, a)) }
    };
    Ok((status, page(&console, "Money", body)).into_response())
}

/// `POST /money/freeze`: the freeze package of the balances chosen on a
/// trace, as a page to print (or its JSON, with `format=json`).
pub async fn freeze(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let Form(pairs) = form.map_err(|e| {
        console.fail(ApiError::bad_request(format!(
            "the form could not be read: {e}"
        )))
    })?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    console.check_csrf(value("csrf"))?;
    let trace = TraceForm::read(&pairs).map_err(|e| console.fail(e))?;
    let model = match value("model").filter(|m| !m.is_empty()) {
        Some(m) => Some(choice::<Model>(m, "model").map_err(|e| console.fail(e))?),
        None => None,
    };
    let request = FreezeRequest {
        seeds: trace.seeds(),
        direction: Some(trace.direction),
        models: Some(trace.models.clone()),
        max_hops: Some(trace.hops),
        through_services: trace.through,
        targets: pairs
            .iter()
            .filter(|(n, _)| n == "target")
            .map(|(_, v)| v.clone())
            .collect(),
        model,
    };
    let made = package(&state, &console.viewer(), &request)
        .await
        .map_err(|e| console.fail(e))?;
    if value("format") == Some("json") {
        // Serialising plain data does not fail.
        let json = serde_json::to_string_pretty(&made).unwrap_or_default();
        let name = format!(
            "attachment; filename=\"freeze-package-{}.json\"",
            &made.evidence_sha256[..16]
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            json,
        )
            .into_response());
    }
    Ok(print(&made, &trace.href()).into_response())
}

/// The package alone on the page, laid out for paper (A4 through the
/// stylesheet's print rules): the browser's print to PDF makes the PDF.
fn print(p: &FreezePackage, back: &str) -> Markup {
    let e = &p.evidence;
    let holders = p.holders.join(", ");
    html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Request to freeze funds · " (holders) }
                link rel="stylesheet" href=(super::assets::CSS_PATH);
            }
            body.print {
                main #main {
                    p.noprint {
                        a href=(back) { "Back to the trace" }
                        " · Print this page to PDF with your browser; the JSON of the package holds the same evidence and hash."
                    }
                    article.freeze #freeze-package {
                        header {
                            p.kicker { "Freeze request · Cordon" }
                            h1 { "Request to freeze funds" }
                            p.meta { "To " strong { (holders) } }
                        }
                        dl.facts {
                            dt { "From" }
                            dd { (p.requested_by.name) " (" (p.requested_by.agency) ", " (p.requested_by.country) ")" }
                            dt { "Contact" }
                            dd { (p.requested_by.contact) }
                            dt { "Officer" }
                            dd { (p.requested_by.agency) "/" (p.requested_by.user) }
                            dt { "Made" }
                            dd { (when(p.created)) }
                            dt { "Model" }
                            dd { (e.model) " (the band spans the value-conserving models run), up to " (e.max_hops) " hops" }
                        }
                        p { "The funds below are traced, flow by flow, from payments that victims of fraud made. We ask you to freeze them and to preserve the records of these accounts." }
                        section {
                            h2 { "Balances to freeze" }
                            table.data #freeze-targets {
                                thead { tr { th { "Holder" } th { "Address or account" } th { "Asset" } th.num { "Amount" } th.num { "Band" } } }
                                tbody {
                                    @for t in &e.targets {
                                        tr {
                                            td { (t.holder) " " span.kind { "(" (t.category) ")" } }
                                            td { code { (t.address) } }
                                            td { (t.asset) }
                                            td.num { (t.amount) }
                                            td.num { (t.band.low) " – " (t.band.high) }
                                        }
                                    }
                                }
                            }
                        }
                        section {
                            h2 { "How the money got there" }
                            @for t in &e.targets {
                                h3 { code { (t.address) } " (" (t.asset) ")" }
                                @if t.paths.is_empty() { p.empty { "No path kept." } }
                                @for (n, path) in t.paths.iter().enumerate() {
                                    table.data.path {
                                        caption { "Path " (n + 1) }
                                        thead { tr { th { "Flow" } th { "Time" } th { "From" } th { "To" } th.num { "Amount" } } }
                                        tbody {
                                            @for s in path {
                                                tr {
                                                    td { code { (s.flow) } }
                                                    td { (when(s.time)) }
                                                    td { code { (s.from) } }
                                                    td { code { (s.to) } }
                                                    td.num { (s.amount) " " (s.asset) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        section {
                            h2 { "Victims' reports" }
                            @if e.reports.is_empty() {
                                p.empty { "No report the requesting agency may read names these payments." }
                            } @else {
                                table.data #freeze-reports {
                                    thead { tr { th { "Agency" } th { "Report" } th { "Marking" } th { "Received" } th { "Names" } } }
                                    tbody {
                                        @for r in &e.reports {
                                            tr {
                                                td { (r.agency) }
                                                td { code { (r.report_id) } }
                                                td { (tlp_badge(r.tlp)) }
                                                td { (when(r.received)) }
                                                td { @for (i, s) in r.selectors.iter().enumerate() { @if i > 0 { ", " } code { (s) } } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        section {
                            h2 { "Where the trace started" }
                            ul.selectors {
                                @for s in &e.seeds {
                                    li {
                                        @match s {
                                            Seed::Leg { flow, address, .. } => { "payment " code { (flow) } " to " code { (address) } }
                                            Seed::Address { address, .. } => { "everything sent by " code { (address) } }
                                        }
                                    }
                                }
                            }
                        }
                        section.integrity {
                            h2 { "Integrity of the evidence" }
                            p { "SHA-256 of the evidence:" }
                            p { code.hash #evidence-hash { (p.evidence_sha256) } }
                            p.hint {
                                "The hash covers the seeds, the model, the hop limit, the balances with their paths and the reports, "
                                "as the JSON of this package (" code { (p.format) } ") holds them under " code { "evidence" }
                                ", written in canonical JSON (RFC 8785). The same evidence always gives the same hash."
                            }
                        }
                    }
                }
            }
        }
    }
}
