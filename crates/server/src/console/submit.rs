//! `/reports/new`: the submit-report form.
//!
//! The browser checks what HTML can say (required fields, patterns,
//! lengths); the server checks everything through the core's
//! [`ReportSubmission::validate`], the same as the API, and stores through
//! the API's `store_reports`. A refused report comes back with every value
//! kept and the error next to the field it names.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use cordon_core::mo::Taxonomy;
use cordon_core::report::SelectorInput;
use cordon_core::{Marking, ReportKind, ReportSubmission, Tlp};
use maud::{Markup, html};

use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox};
use super::report_href;
use super::session::Console;
use crate::Shared;
use crate::api::reports::store_reports;

/// The form's fields as sent: text as typed, so that a refused form comes
/// back exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: String,
    pub country: String,
    pub received: String,
    pub language: String,
    pub tlp: String,
    pub recipients: String,
    pub hit_notification: bool,
    pub grading: String,
    pub mo: Vec<String>,
    pub narrative: String,
    pub selectors: String,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            kind: String::new(),
            country: String::new(),
            received: String::new(),
            language: String::new(),
            // Unmarked intelligence is AMBER (ARCHITECTURE.md).
            tlp: Tlp::Amber.as_str().to_owned(),
            recipients: String::new(),
            hit_notification: true,
            grading: String::new(),
            mo: Vec::new(),
            narrative: String::new(),
            selectors: String::new(),
        }
    }
}

/// Which form field a problem belongs to, and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A field of the form, or `None` for the form as a whole.
    pub field: Option<&'static str>,
    pub message: String,
}

impl Draft {
    /// Reads the posted pairs; an unchecked checkbox sends nothing.
    fn from_pairs(pairs: Vec<(String, String)>) -> (Draft, Option<String>) {
        let mut d = Draft {
            hit_notification: false,
            tlp: String::new(),
            ..Draft::default()
        };
        let mut csrf = None;
        for (name, value) in pairs {
            match name.as_str() {
                "kind" => d.kind = value,
                "country" => d.country = value,
                "received" => d.received = value,
                "language" => d.language = value,
                "tlp" => d.tlp = value,
                "recipients" => d.recipients = value,
                "hit_notification" => d.hit_notification = true,
                "grading" => d.grading = value,
                "mo" => d.mo.push(value),
                "narrative" => d.narrative = value,
                "selectors" => d.selectors = value,
                "csrf" => csrf = Some(value),
                _ => {}
            }
        }
        (d, csrf)
    }

    /// The submission, with each selector's form line to name it in errors.
    fn submission(&self) -> Result<(ReportSubmission, Vec<usize>), Problem> {
        let tlp: Tlp = self
            .tlp
            .parse()
            .map_err(|e: cordon_core::marking::TlpError| Problem {
                field: Some("tlp"),
                message: e.to_string(),
            })?;
        let mut lines = Vec::new();
        let mut selectors = Vec::new();
        for (i, line) in self.selectors.lines().enumerate() {
            if !line.trim().is_empty() {
                lines.push(i + 1);
                selectors.push(SelectorInput::Text(line.trim().to_owned()));
            }
        }
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let submission = ReportSubmission {
            kind: text(&self.kind),
            country: text(&self.country),
            received: text(&self.received).map(|r| rfc3339_of_local(&r)),
            language: text(&self.language),
            marking: Some(Marking {
                tlp,
                recipients: self
                    .recipients
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
                    .collect(),
                hit_notification: self.hit_notification,
            }),
            grading: text(&self.grading).map(|g| g.to_ascii_uppercase()),
            mo: self.mo.iter().filter(|m| !m.is_empty()).cloned().collect(),
            narrative: text(&self.narrative),
            selectors,
            ..ReportSubmission::default()
        };
        Ok((submission, lines))
    }
}

/// A `datetime-local` value (`2026-03-01T10:00`, the form says UTC) as RFC
/// 3339; anything else is passed on for the core to judge and explain.
fn rfc3339_of_local(value: &str) -> String {
    let shape = |s: &str| {
        s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        })
    };
    match value.len() {
        16 if shape(value) => format!("{value}:00Z"),
        19 if shape(value) => format!("{value}Z"),
        _ => value.to_owned(),
    }
}

/// The form field a core validation error names (`selectors[3]`,
/// `marking.recipients[0]`, `mo[1]` …).
fn problem_of(field: &str, message: String, selector_lines: &[usize]) -> Problem {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    let index = || {
        field
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .and_then(|(i, _)| i.parse::<usize>().ok())
    };
    match (base, field) {
        ("selectors", _) => match index().and_then(|i| selector_lines.get(i)) {
            Some(line) => Problem {
                field: Some("selectors"),
                message: format!("line {line}: {message}"),
            },
            None => Problem {
                field: Some("selectors"),
                message,
            },
        },
        ("marking", f) if f.starts_with("marking.recipients") => Problem {
            field: Some("recipients"),
            message,
        },
        ("marking", _) => Problem {
            field: Some("tlp"),
            message,
        },
        ("kind", _) => Problem {
            field: Some("kind"),
            message,
        },
        ("country", _) => Problem {
            field: Some("country"),
            message,
        },
        ("received", _) => Problem {
            field: Some("received"),
            message,
        },
        ("language", _) => Problem {
            field: Some("language"),
            message,
        },
        ("grading", _) => Problem {
            field: Some("grading"),
            message,
        },
        ("mo", _) => Problem {
            field: Some("mo"),
            message,
        },
        ("narrative", _) => Problem {
            field: Some("narrative"),
            message,
        },
        _ => Problem {
            field: None,
            message: format!("{field}: {message}"),
        },
    }
}

pub async fn form(console: Console) -> Markup {
    page(&console, &Draft::default(), None)
}

pub async fn submit(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let Form(pairs) = form.map_err(|e| {
        bad_request(
            format!("bad form: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    let (draft, csrf) = Draft::from_pairs(pairs);
    // Before anything else: a form from elsewhere changes nothing.
    console.check_csrf(csrf.as_deref())?;
    let refused = |status: StatusCode, problem: Problem| {
        (status, page(&console, &draft, Some(&problem))).into_response()
    };
    let (submission, lines) = match draft.submission() {
        Ok(s) => s,
        Err(problem) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, problem)),
    };
    let report = match submission.validate(Utc::now()) {
        Ok(r) => r,
        Err(e) => {
            let problem = problem_of(&e.field, e.message, &lines);
            return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, problem));
        }
    };
    let agency = console.member().agency.clone();
    let id = report.id.clone();
    match store_reports(&state, &agency, &[(1, report)], &[]).await {
        Ok(_) => {}
        Err(e) => {
            let status = e.code.status();
            // A report the store side refuses (a recipient that is no
            // member) names its field like the core's errors do.
            let problem = match (e.errors.first(), e.field.as_deref()) {
                (Some(item), Some(field)) => problem_of(field, item.message.clone(), &lines),
                _ => Problem {
                    field: None,
                    message: e.message,
                },
            };
            return Ok(refused(status, problem));
        }
    }
    Ok(Redirect::to(&report_href(&agency, &id)).into_response())
}

fn page(console: &Console, d: &Draft, problem: Option<&Problem>) -> Markup {
    let chrome = console.chrome();
    let error_for = |field: &str| {
        problem
            .filter(|p| p.field == Some(field))
            .map(|p| p.message.as_str())
    };
    let body = html! {
        h1 { "Submit a report" }
        p.lead { "Reported for " (chrome.agency) ". Fields marked * are required; a report needs a narrative or at least one selector." }
        @if let Some(p) = problem {
            div #error-summary.error-summary role="alert" tabindex="-1" aria-labelledby="error-summary-title" {
                h2 #error-summary-title { "The report was not stored" }
                p {
                    @if let Some(f) = p.field {
                        a href=(format!("#f-{f}")) { (p.message) }
                    } @else {
                        (p.message)
                    }
                }
            }
        }
        form.report method="post" action="/reports/new" {
            input type="hidden" name="csrf" value=(chrome.csrf);
            div.form-grid {
                (field("kind", "Kind *", None, error_for("kind"), html! {
                    select #f-kind name="kind" required aria-invalid=[error_for("kind").map(|_| "true")]
                        aria-describedby=[error_for("kind").map(|_| "e-kind")] {
                        option value="" selected[d.kind.is_empty()] { "Choose…" }
                        @for k in ReportKind::ALL {
                            option value=(k.as_str()) selected[d.kind == k.as_str()] { (k.as_str().replace('_', " ")) }
                        }
                    }
                }))
                (field("country", "Country *", Some("Two-letter ISO 3166-1 code of where it happened, like KH."), error_for("country"), html! {
                    input #f-country.short type="text" name="country" value=(d.country) required
                        maxlength="2" minlength="2" pattern="[A-Za-z]{2}" autocomplete="off"
                        aria-invalid=[error_for("country").map(|_| "true")]
                        aria-describedby=(described("country", error_for("country")))
                        data-pattern-message="a country is a two-letter code, like KH";
                }))
                (field("received", "Received (UTC)", Some("When your agency received it; empty means now."), error_for("received"), html! {
                    input #f-received type="datetime-local" name="received" value=(d.received)
                        aria-invalid=[error_for("received").map(|_| "true")]
                        aria-describedby=(described("received", error_for("received")));
                }))
                (field("language", "Language", Some("ISO 639 code of the narrative, like en or km."), error_for("language"), html! {
                    input #f-language.short type="text" name="language" value=(d.language)
                        maxlength="3" pattern="[A-Za-z]{2,3}" autocomplete="off"
                        aria-invalid=[error_for("language").map(|_| "true")]
                        aria-describedby=(described("language", error_for("language")))
                        data-pattern-message="a language is a two- or three-letter code, like en";
                }))
                (field("tlp", "Marking (TLP) *", Some("Who may read it: CLEAR anyone, GREEN every member, AMBER the recipient agencies, RED the named people only."), error_for("tlp"), html! {
                    select #f-tlp name="tlp" required
                        aria-invalid=[error_for("tlp").map(|_| "true")]
                        aria-describedby=(described("tlp", error_for("tlp"))) {
                        @for t in Tlp::ALL {
                            option value=(t.as_str()) selected[d.tlp == t.as_str()] { (t.as_str()) }
                        }
                    }
                }))
                (field("recipients", "Recipients", Some("Agency codes (KH-NCB) or, for RED, people (KH-NCB/sokha), separated by commas."), error_for("recipients"), html! {
                    input #f-recipients type="text" name="recipients" value=(d.recipients)
                        maxlength="2000" autocomplete="off" spellcheck="false"
                        // Browsers compile patterns with the `v` flag, under
                        // which `/` and `-` in a class must be escaped.
                        pattern="[A-Za-z0-9\\/ ,._\\-]*"
                        aria-invalid=[error_for("recipients").map(|_| "true")]
                        aria-describedby=(described("recipients", error_for("recipients")))
                        data-pattern-message="recipients are agency codes like KH-NCB or people like KH-NCB/sokha, separated by commas";
                }))
                div.field.check {
                    input #f-hit_notification type="checkbox" name="hit_notification" value="on"
                        checked[d.hit_notification] aria-describedby="h-hit_notification";
                    label for="f-hit_notification" { "Hit notification" }
                    p.hint #h-hit_notification { "Others holding the same selectors learn that you hold them and whom to contact, never the content." }
                }
                (field("grading", "Grading", Some("Admiralty code: source reliability A–F, then information credibility 1–6, like B2."), error_for("grading"), html! {
                    input #f-grading.short type="text" name="grading" value=(d.grading)
                        maxlength="2" pattern="[A-Fa-f][1-6]" autocomplete="off"
                        aria-invalid=[error_for("grading").map(|_| "true")]
                        aria-describedby=(described("grading", error_for("grading")))
                        data-pattern-message="a grading is a letter A-F then a digit 1-6, like B2";
                }))
                (field("mo", "Modus operandi", Some("Choose several with Ctrl (or ⌘) and a click, or Shift and the arrow keys."), error_for("mo"), html! {
                    select #f-mo name="mo" multiple size="8"
                        aria-invalid=[error_for("mo").map(|_| "true")]
                        aria-describedby=(described("mo", error_for("mo"))) {
                        @for (family, f) in mo_families() {
                            optgroup label=(f.label) {
                                @for (code, description) in &f.codes {
                                    @let tag = if f.bare { code.clone() } else { format!("{family}:{code}") };
                                    option value=(tag) selected[d.mo.contains(&tag)] title=(description) { (tag) }
                                }
                            }
                        }
                    }
                }))
            }
            (field("narrative", "Narrative", Some("What happened, in the reporter's words. Selectors in it (numbers, wallets, handles) are found and indexed."), error_for("narrative"), html! {
                textarea #f-narrative name="narrative" rows="8" maxlength=(cordon_core::report::MAX_NARRATIVE)
                    aria-invalid=[error_for("narrative").map(|_| "true")]
                    aria-describedby=(described("narrative", error_for("narrative"))) { (d.narrative) }
            }))
            (field("selectors", "Selectors, one per line", Some("Any form: +855 12 345 678, bc1q…, hxxp://bad[.]example, @handle, an IBAN."), error_for("selectors"), html! {
                textarea #f-selectors name="selectors" rows="6" spellcheck="false"
                    aria-invalid=[error_for("selectors").map(|_| "true")]
                    aria-describedby=(described("selectors", error_for("selectors"))) { (d.selectors) }
            }))
            button type="submit" { "Submit the report" }
        }
    };
    layout::page(
        "Submit a report",
        Some(&chrome),
        &SearchBox::default(),
        body,
    )
}

/// The taxonomy's families, scam types (the bare family) first: the tag
/// every report has.
fn mo_families() -> Vec<(&'static str, &'static cordon_core::mo::Family)> {
    let mut families: Vec<_> = Taxonomy::get().families().collect();
    families.sort_by_key(|(name, f)| (!f.bare, *name));
    families
}

/// The ids that describe a field: its hint, and its error when it has one.
fn described(name: &str, error: Option<&str>) -> String {
    match error {
        Some(_) => format!("h-{name} e-{name}"),
        None => format!("h-{name}"),
    }
}

/// A labelled field with its hint and its error.
fn field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<&str>,
    control: Markup,
) -> Markup {
    html! {
        div.field.has-error[error.is_some()] {
            label for=(format!("f-{name}")) { (label) }
            @if let Some(h) = hint {
                p.hint id=(format!("h-{name}")) { (h) }
            }
            @if let Some(e) = error {
                p.field-error id=(format!("e-{name}")) { "Error: " (e) }
            }
            (control)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_form_reads_back_with_its_checkbox_and_tags() {
        let pairs = vec![
            ("csrf".to_owned(), "x".to_owned()),
            ("kind".to_owned(), "tip".to_owned()),
            ("mo".to_owned(), "investment".to_owned()),
            ("mo".to_owned(), "channel:telegram".to_owned()),
            ("tlp".to_owned(), "RED".to_owned()),
        ];
        let (d, csrf) = Draft::from_pairs(pairs);
        assert_eq!(csrf.as_deref(), Some("x"));
        assert_eq!(d.mo, ["investment", "channel:telegram"]);
        assert!(!d.hit_notification, "an unchecked box sends nothing");
    }

    #[test]
    fn datetime_local_values_become_utc_times() {
        assert_eq!(rfc3339_of_local("2026-03-01T10:00"), "2026-03-01T10:00:00Z");
        assert_eq!(
            rfc3339_of_local("2026-03-01T10:00:07"),
            "2026-03-01T10:00:07Z"
        );
        assert_eq!(rfc3339_of_local("yesterday"), "yesterday");
    }

    #[test]
    fn errors_land_on_the_field_and_line_they_name() {
        let draft = Draft {
            kind: "tip".into(),
            country: "kh".into(),
            selectors: "+855 12 345 678\n\n+1 2\n".into(),
            ..Draft::default()
        };
        let (submission, lines) = draft.submission().unwrap();
        assert_eq!(lines, [1, 3]);
        let e = submission.validate(Utc::now()).unwrap_err();
        let p = problem_of(&e.field, e.message, &lines);
        assert_eq!(p.field, Some("selectors"));
        assert!(p.message.starts_with("line 3: "), "{}", p.message);

        let p = problem_of("marking.recipients[0]", "bad".into(), &[]);
        assert_eq!(p.field, Some("recipients"));
        let p = problem_of("mo[1]", "unknown".into(), &[]);
        assert_eq!(p.field, Some("mo"));
        let p = problem_of("location", "bad".into(), &[]);
        assert_eq!(p.field, None);
    }
}
