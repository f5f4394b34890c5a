//! `/money/import`: the console's page for loading money files (flows,
//! conversions, attribution tags), so that an investigator without the CLI
//! or an API token can add what an exchange or a bank sent. The file goes
//! through the API's own [`import_for`], so it meets exactly the checks of
//! `POST /api/v1/money/flows|conversions|tags` (the marking and its
//! recipients, every bad line refused with its line and field, nothing
//! kept from a rejected file) and lands in the same analyses.

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cordon_core::Tlp;
use maud::{Markup, html};

use super::failure::{Failure, bad_request};
use super::money::{on_the_form, page, problem_summary};
use super::session::Console;
use crate::Shared;
use crate::api::money::{ImportQuery, Imported, import_for, network};
use crate::error::{ApiError, ErrorCode};
use crate::money::records::Upload;

/// What a file may hold: the form's value, the reader, how it is named.
const KINDS: [(&str, Upload, &str); 5] = [
    (
        "flows",
        Upload::FlowLines,
        "Flows, JSON lines (one flow a line)",
    ),
    (
        "flows-csv",
        Upload::FlowCsv,
        "Flows, a block explorer's or bank's CSV export",
    ),
    (
        "conversions",
        Upload::Conversions,
        "Conversions, JSON lines",
    ),
    ("tags", Upload::TagLines, "Attribution tags, JSON lines"),
    (
        "tagpack",
        Upload::TagPack,
        "Attribution tags, a GraphSense TagPack (YAML)",
    ),
];

/// The import form's fields as sent, so that a refused file comes back
/// with its choices kept (a browser never refills a file input).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ImportForm {
    kind: String,
    tlp: String,
    recipients: String,
    hit_notification: bool,
    network: String,
}

impl Default for ImportForm {
    fn default() -> ImportForm {
        ImportForm {
            kind: KINDS[0].0.to_owned(),
            // Unmarked intelligence is AMBER (ARCHITECTURE.md).
            tlp: Tlp::Amber.as_str().to_owned(),
            recipients: String::new(),
            hit_notification: true,
            network: String::new(),
        }
    }
}

impl ImportForm {
    fn upload(&self) -> Result<Upload, ApiError> {
        KINDS
            .iter()
            .find(|(value, _, _)| *value == self.kind)
            .map(|(_, upload, _)| *upload)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{:?} is not a kind of file this form offers; choose one from the list",
                    self.kind
                ))
                .field("kind")
            })
    }

    /// The marking and network as the API's query would give them.
    /// Recipients may be typed with commas or spaces between them.
    fn query(&self) -> ImportQuery {
        let recipients: Vec<&str> = self
            .recipients
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| !r.is_empty())
            .collect();
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        ImportQuery {
            tlp: given(&self.tlp),
            recipients: Some(recipients.join(",")),
            hit_notification: Some(self.hit_notification),
            network: given(&self.network),
        }
    }
}

/// A posted import form: its fields, the CSRF token, and the file.
#[derive(Debug, Default)]
struct Posted {
    form: ImportForm,
    csrf: Option<String>,
    /// The file's name and content; `None` when none was chosen.
    file: Option<(String, Vec<u8>)>,
}

/// Why a multipart body could not be read, as the member can act on it.
fn unreadable(e: &axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the file is larger than this server accepts; split it and import each part",
        )
    } else {
        tracing::debug!(error = %e.body_text(), "unreadable import form");
        ApiError::bad_request(
            "the form could not be read; reload the import page and send the file again",
        )
    }
}

async fn text(field: Field<'_>) -> Result<String, ApiError> {
    field.text().await.map_err(|e| unreadable(&e))
}

impl Posted {
    /// Reads every part; an unchecked checkbox sends nothing.
    async fn read(multipart: &mut Multipart) -> Result<Posted, ApiError> {
        let mut posted = Posted {
            form: ImportForm {
                hit_notification: false,
                ..ImportForm::default()
            },
            ..Posted::default()
        };
        while let Some(field) = multipart.next_field().await.map_err(|e| unreadable(&e))? {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "csrf" => posted.csrf = Some(text(field).await?),
                "kind" => posted.form.kind = text(field).await?,
                "tlp" => posted.form.tlp = text(field).await?,
                "recipients" => posted.form.recipients = text(field).await?,
                "hit_notification" => posted.form.hit_notification = true,
                "network" => posted.form.network = text(field).await?,
                "file" => {
                    let name = field.file_name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
                    // A form sent with no file chosen holds an empty part
                    // without a name.
                    if !name.is_empty() || !bytes.is_empty() {
                        posted.file = Some((name, bytes.to_vec()));
                    }
                }
                _ => {}
            }
        }
        Ok(posted)
    }
}

/// `GET /money/import`: the form.
pub async fn form(console: Console) -> Markup {
    page(
        &console,
        "Import money files",
        body(&console, &ImportForm::default(), None, None),
    )
}

/// `POST /money/import`: the file kept under the marking chosen, and what
/// was kept; or the form again with every bad line, nothing kept.
pub async fn import(
    State(state): State<Shared>,
    console: Console,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Failure> {
    let mut multipart = multipart.map_err(|_| {
        bad_request(
            "the form could not be read: send the file from the import page (multipart/form-data)"
                .to_owned(),
            Some(console.chrome()),
        )
    })?;
    let posted = Posted::read(&mut multipart)
        .await
        .map_err(|e| console.fail(e))?;
    // Before anything else: a form from elsewhere changes nothing.
    console.check_csrf(posted.csrf.as_deref())?;
    let form = posted.form;
    let file_name = posted.file.as_ref().map(|(name, _)| name.clone());
    let outcome = match (form.upload(), posted.file) {
        (Err(e), _) => Err(e),
        (Ok(_), None) => Err(ApiError::invalid_field(
            "file",
            "no file was chosen; choose the file to import",
        )),
        (Ok(upload), Some((_, bytes))) => {
            let q = form.query();
            match network(&q) {
                Ok(net) => import_for(&state, console.member(), &q, upload, &bytes, net).await,
                Err(e) => Err(e),
            }
        }
    };
    match outcome {
        Ok(imported) => Ok(page(
            &console,
            "Import money files",
            body(
                &console,
                &form,
                None,
                Some((file_name.as_deref().unwrap_or_default(), &imported)),
            ),
        )
        .into_response()),
        Err(e) if on_the_form(&e) => Ok((
            e.code.status(),
            page(
                &console,
                "Import money files",
                body(&console, &form, Some(&e), None),
            ),
        )
            .into_response()),
        Err(e) => Err(console.fail(e)),
    }
}

/// The page: what was kept, or why nothing was, above the form.
fn body(
    console: &Console,
    form: &ImportForm,
    problem: Option<&ApiError>,
    imported: Option<(&str, &Imported)>,
) -> Markup {
    html! {
        h1 { "Import money files" }
        p.lead { "Load flows, conversions between assets and attribution tags, as the API and " code { "cordon flows import" } " do. A file with any bad line imports nothing; this page then names every bad line and its field." }
        p #money-pages {
            "Also: " a href="/money" { "follow the money" } " · " a href="/money/mules" { "mule accounts" } " · " a href="/money/cluster" { "wallet clusters" }
        }
        (problem_summary("Nothing was imported", problem))
        @if let Some(e) = problem.filter(|e| !e.errors.is_empty()) {
            table.data #bad-lines {
                caption { "Bad lines" }
                thead { tr { th.num { "Line" } th { "Field" } th { "What is wrong" } } }
                tbody {
                    @for item in &e.errors {
                        tr {
                            td.num { (item.line) }
                            td { @if let Some(f) = &item.field { code { (f) } } @else { "—" } }
                            td { (item.message) }
                        }
                    }
                }
            }
        }
        @if let Some((name, i)) = imported { (result(console, form, name, i)) }
        (import_form(console, form, problem))
    }
}

fn result(console: &Console, form: &ImportForm, file_name: &str, i: &Imported) -> Markup {
    html! {
        section #import-result {
            h2 { "Imported" }
            p.notice role="status" {
                "Kept "
                @if !file_name.is_empty() { code { (file_name) } " " }
                "for " (console.member().agency) " under " strong { (form.tlp) }
                @if !form.recipients.trim().is_empty() { " to " (form.recipients.trim()) }
                ". It is in your traces now."
            }
            dl.facts #imported {
                dt { "Lines read" } dd #lines { (i.lines) }
                dt { "Records added" } dd #added { (i.added) }
                dt { "Unchanged" } dd #unchanged { (i.unchanged) }
                dt { "Lines skipped" } dd #skipped { (i.skipped.len()) }
            }
            @if !i.skipped.is_empty() {
                table.data #skipped-lines {
                    caption { "Lines left out on purpose" }
                    thead { tr { th.num { "Line" } th { "Why" } } }
                    tbody {
                        @for s in &i.skipped {
                            tr { td.num { (s.line) } td { (s.reason) } }
                        }
                    }
                }
            }
            p { a href="/money" { "Follow the money" } " over what you imported, or import another file below." }
        }
    }
}

fn import_form(console: &Console, form: &ImportForm, problem: Option<&ApiError>) -> Markup {
    // The field a problem with the form names (`recipients[0]` is the
    // recipients box); a bad line's field is the file's, not the form's.
    let bad_file = problem.is_some_and(|e| !e.errors.is_empty());
    let at = |name: &str| {
        problem
            .filter(|e| e.errors.is_empty())
            .and_then(|e| e.field.as_deref())
            .is_some_and(|f| f.split('[').next() == Some(name))
    };
    html! {
        form #import-form method="post" action="/money/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(console.chrome().csrf);
            div.form-grid {
                div.field.has-error[bad_file || at("file")] {
                    label for="i-file" { "File *" }
                    p.hint #h-file { "As exported; the form of each kind is in docs/FLOWS.md." }
                    input #i-file type="file" name="file" required aria-describedby="h-file"
                        accept=".jsonl,.ndjson,.json,.csv,.yaml,.yml,.txt";
                }
                div.field.has-error[at("kind")] {
                    label for="i-kind" { "What it holds *" }
                    p.hint #h-kind { "Flows are payments; conversions join a flow of one asset to one of another (a swap, a bridge, an exchange deposit); tags say whose an address is." }
                    select #i-kind name="kind" required aria-describedby="h-kind" {
                        @for (value, _, label) in KINDS {
                            option value=(value) selected[form.kind == value] { (label) }
                        }
                    }
                }
                div.field.has-error[at("network")] {
                    label for="i-network" { "Network of a CSV export" }
                    p.hint #h-network { "Only for a transfer export whose addresses do not say their network." }
                    select #i-network name="network" aria-describedby="h-network" {
                        option value="" selected[form.network.is_empty()] { "As the addresses say" }
                        option value="ethereum" selected[form.network == "ethereum"] { "Ethereum" }
                        option value="tron" selected[form.network == "tron"] { "Tron" }
                    }
                }
                div.field.has-error[at("tlp")] {
                    label for="i-tlp" { "Marking (TLP) *" }
                    p.hint #h-tlp { "Who may read it: CLEAR anyone, GREEN every member, AMBER the recipient agencies, RED the named people only." }
                    select #i-tlp name="tlp" required aria-describedby="h-tlp" {
                        @for t in Tlp::ALL {
                            option value=(t.as_str()) selected[form.tlp == t.as_str()] { (t.as_str()) }
                        }
                    }
                }
                div.field.has-error[at("recipients")] {
                    label for="i-recipients" { "Recipients" }
                    p.hint #h-recipients { "Agency codes (KH-NCB) or, for RED, people (KH-NCB/sokha), separated by commas; none keeps it to your agency." }
                    input #i-recipients type="text" name="recipients" value=(form.recipients)
                        maxlength="2000" autocomplete="off" spellcheck="false" aria-describedby="h-recipients";
                }
                div.field.check {
                    input #i-hit_notification type="checkbox" name="hit_notification" value="on"
                        checked[form.hit_notification] aria-describedby="h-hit_notification";
                    label for="i-hit_notification" { "Hit notification" }
                    p.hint #h-hit_notification { "Others holding the same addresses learn that you hold them and whom to contact, never the content." }
                }
            }
            button #import-file type="submit" { "Import the file" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_upload_is_offered_once() {
        for upload in [
            Upload::FlowLines,
            Upload::FlowCsv,
            Upload::Conversions,
            Upload::TagLines,
            Upload::TagPack,
        ] {
            assert_eq!(KINDS.iter().filter(|(_, u, _)| *u == upload).count(), 1);
        }
        let form = ImportForm {
            kind: "pdf".into(),
            ..ImportForm::default()
        };
        assert_eq!(form.upload().unwrap_err().field.as_deref(), Some("kind"));
    }

    #[test]
    fn the_form_asks_what_the_api_query_would() {
        let form = ImportForm {
            recipients: " KH-NCB  TH-DSI/somchai,, ".into(),
            network: "tron".into(),
            ..ImportForm::default()
        };
        let q = form.query();
        assert_eq!(q.tlp.as_deref(), Some("AMBER"));
        assert_eq!(q.recipients.as_deref(), Some("KH-NCB,TH-DSI/somchai"));
        assert_eq!(q.hit_notification, Some(true));
        assert_eq!(q.network.as_deref(), Some("tron"));
        assert_eq!(ImportForm::default().query().network, None);
    }
}
