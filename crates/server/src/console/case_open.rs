//! Opening a case: `GET /cases/new` and `POST /cases`. The form reads
//! into a [`cordon_protect::case::Opening`] and goes through the API's
//! `open_with`, so the console opens nothing the API would refuse; a
//! refused form comes back with every value kept and the error next to the
//! field it names. People, assigned agencies and contacts are rows: every
//! row given, a spare, and one more on asking ("Add another person"),
//! without a script. The personal part's fields are
//! [`super::case_personal`]'s, which the case page's edit form shares.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cordon_protect::case::{Assignment, CompoundLink, Opening, Source};
use maud::{Markup, html};

use super::case_personal::{PersonalDraft, grow, row_field};
use super::cases::{
    Problem, ROLES, agency_codes, case_href, error_summary, field, index_in, input_id, page,
    role_label, utc_of_local,
};
use super::failure::{Failure, bad_request};
use super::money::on_the_form;
use super::session::Console;
use crate::Shared;
use crate::api::cases::open_with;
use crate::error::ApiError;

/// One assigned agency's row of the opening form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AssignRow {
    agency: String,
    role: String,
    no_embassy: bool,
}

/// The opening form as sent: text as typed, so that a refused form comes
/// back exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Draft {
    source: String,
    received: String,
    nationality: String,
    origin: String,
    group_size: String,
    consent: bool,
    compound_country: String,
    compound_site: String,
    assigned: Vec<AssignRow>,
    personal: PersonalDraft,
}

impl Draft {
    /// Reads the posted pairs (an unchecked checkbox sends nothing) and
    /// the CSRF token and the "add a row" button, if pressed.
    fn from_pairs(pairs: Vec<(String, String)>) -> (Draft, Option<String>, Option<String>) {
        let mut d = Draft::default();
        let (mut csrf, mut more) = (None, None);
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => csrf = Some(value),
                "more" => more = Some(value),
                "source" => d.source = value,
                "received" => d.received = value,
                "nationality" => d.nationality = value,
                "origin" => d.origin = value,
                "group_size" => d.group_size = value,
                "consent" => d.consent = true,
                "compound_country" => d.compound_country = value,
                "compound_site" => d.compound_site = value,
                other => {
                    if d.personal.read(other, &value) {
                        continue;
                    }
                    if let Some((i, f)) = row_field(other, 'a') {
                        let row = grow(&mut d.assigned, i);
                        match f {
                            "agency" => row.agency = value,
                            "role" => row.role = value,
                            "no_embassy" => row.no_embassy = true,
                            _ => {}
                        }
                    }
                }
            }
        }
        // Blank rows are the form's spares: they say nothing, and the
        // API's indexes count only the rows that do.
        d.assigned.retain(|a| !a.agency.trim().is_empty());
        d.personal.settle();
        (d, csrf, more)
    }

    /// The opening it asks for, or the first field that cannot be read.
    fn opening(&self) -> Result<Opening, Problem> {
        let text = |s: &str| s.trim().to_owned();
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let source = Source::ALL
            .into_iter()
            .find(|s| s.as_str() == self.source.trim())
            .ok_or_else(|| Problem::on("source", "choose how the case came in"))?;
        let group_size = match opt(&self.group_size) {
            None => None,
            Some(g) => Some(g.parse::<u32>().map_err(|_| {
                Problem::on(
                    "group_size",
                    format!(
                        "'{g}' is not a number of people: give a whole number, or leave it empty"
                    ),
                )
            })?),
        };
        let received =
            match opt(&self.received) {
                None => None,
                Some(r) => Some(utc_of_local(&r).ok_or_else(|| {
                    Problem::on("received", format!("'{r}' is not a date and time"))
                })?),
            };
        let mut assigned = Vec::new();
        for (i, a) in self.assigned.iter().enumerate() {
            let role = ROLES
                .into_iter()
                .find(|r| r.as_str() == a.role.trim())
                .ok_or_else(|| {
                    Problem::on(
                        &format!("a{i}.role"),
                        format!("choose what {} does for the case", a.agency.trim()),
                    )
                })?;
            assigned.push(Assignment {
                agency: a.agency.trim().to_ascii_uppercase(),
                role,
                embassy: !a.no_embassy,
            });
        }
        let personal = self.personal.personal()?;
        Ok(Opening {
            source,
            nationality: text(&self.nationality).to_ascii_uppercase(),
            origin: text(&self.origin).to_ascii_uppercase(),
            compound: CompoundLink {
                site: opt(&self.compound_site)
                    .map(|s| s.trim_start_matches("site:").to_ascii_lowercase()),
                country: opt(&self.compound_country).map(|c| c.to_ascii_uppercase()),
            },
            group_size,
            assigned,
            consent: self.consent,
            personal,
            received,
            reference: None,
        })
    }

    /// The form input an API refusal names (`personal.people[1].
    /// identifiers[0]` → `p1.identifiers`, line 1).
    fn problem_of(&self, e: &ApiError) -> Problem {
        let message = e.message.clone();
        let Some(field) = e.field.as_deref() else {
            return Problem {
                field: None,
                message,
            };
        };
        if let Some(p) = self.personal.problem_of(field, &message) {
            return p;
        }
        let simple = match field {
            "source" | "nationality" | "origin" | "group_size" | "received" => Some(field),
            "compound.country" => Some("compound_country"),
            "compound.site" => Some("compound_site"),
            "assigned" => Some("a0.agency"),
            _ => None,
        };
        if let Some(at) = simple {
            return Problem::on(at, message);
        }
        if field.starts_with("assigned[") {
            return Problem::on(
                &format!("a{}.agency", index_in(field).unwrap_or(0)),
                message,
            );
        }
        Problem {
            field: None,
            message: format!("{field}: {message}"),
        }
    }
}

/// `GET /cases/new`.
pub async fn new(State(state): State<Shared>, console: Console) -> Markup {
    let draft = Draft {
        assigned: vec![AssignRow {
            agency: console.member().agency.clone(),
            ..AssignRow::default()
        }],
        consent: true,
        ..Draft::default()
    };
    open_page(&state, &console, &draft, None, None)
}

/// `POST /cases`: opens the case, or shows the form again with the
/// problem next to its field (or with one more row, when asked).
pub async fn open(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let Form(pairs) = form.map_err(|e| {
        bad_request(
            format!("the form could not be read: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    let (draft, csrf, more) = Draft::from_pairs(pairs);
    // Before anything else: a form from elsewhere changes nothing.
    console.check_csrf(csrf.as_deref())?;
    if let Some(more) = more {
        return Ok(open_page(&state, &console, &draft, None, Some(&more)).into_response());
    }
    let refused = |status: StatusCode, problem: Problem| {
        (
            status,
            open_page(&state, &console, &draft, Some(&problem), None),
        )
            .into_response()
    };
    let opening = match draft.opening() {
        Ok(o) => o,
        Err(p) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, p)),
    };
    match open_with(&state, &console.viewer(), opening).await {
        Ok(id) => Ok(Redirect::to(&case_href(&id)).into_response()),
        Err(e) if on_the_form(&e) => Ok(refused(e.code.status(), draft.problem_of(&e))),
        Err(e) => Err(console.fail(e)),
    }
}

fn open_page(
    state: &Shared,
    console: &Console,
    d: &Draft,
    problem: Option<&Problem>,
    more: Option<&str>,
) -> Markup {
    let err = |name: &str| Problem::at(problem, name);
    let extra = |what: &str| usize::from(more == Some(what));
    // Every row given, a spare, and one more when asked.
    let assigned = d.assigned.len() + 1 + extra("agency");
    let (held_grid, held_description) = d.personal.held_fields(problem);
    let body = html! {
        h1 { "Open a case" }
        p.lead {
            "A person, or a group held together, from the first signal. Everything personal is sealed with the case's own key "
            "and read only by the agencies you assign; your agency is assigned in any case."
        }
        (error_summary("The case was not opened", problem))
        form #open-case.case-form method="post" action="/cases" {
            input type="hidden" name="csrf" value=(console.chrome().csrf);
            fieldset {
                legend { "The signal" }
                div.form-grid {
                    (field("source", "How it came in *", None, err("source"), html! {
                        select #f-source name="source" required {
                            option value="" selected[d.source.is_empty()] { "Choose…" }
                            @for s in Source::ALL {
                                option value=(s.as_str()) selected[d.source == s.as_str()] { (s.as_str().replace('_', " ")) }
                            }
                        }
                    }))
                    (field("received", "Received (UTC)", Some("When the signal came in; empty means now."), err("received"), html! {
                        input #f-received type="datetime-local" name="received" value=(d.received);
                    }))
                    (field("nationality", "Nationality *", Some("Two-letter code of the people's nationality, like TH."), err("nationality"), html! {
                        input #f-nationality.short type="text" name="nationality" value=(d.nationality) required
                            maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off"
                            data-pattern-message="a nationality is a two-letter country code, like TH";
                    }))
                    (field("origin", "Country of origin", Some("Where they live, when it is not their nationality."), err("origin"), html! {
                        input #f-origin.short type="text" name="origin" value=(d.origin)
                            maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off"
                            data-pattern-message="a country is a two-letter code, like TH";
                    }))
                    (field("group_size", "Held together", Some("How many people, when more than those named."), err("group_size"), html! {
                        input #f-group_size.short type="number" name="group_size" value=(d.group_size) min="1";
                    }))
                    div.field.check {
                        input #f-consent type="checkbox" name="consent" value="on" checked[d.consent];
                        label for="f-consent" { "Consent to use their data for the protocol" }
                    }
                }
            }
            fieldset {
                legend { "Where they are held" }
                div.form-grid {
                    (field("compound_country", "Compound's country", Some("Two-letter code, like KH."), err("compound_country"), html! {
                        input #f-compound_country.short type="text" name="compound_country" value=(d.compound_country)
                            maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off"
                            data-pattern-message="a country is a two-letter code, like KH";
                    }))
                    (field("compound_site", "Compound site", Some("Its cell on the compounds page (15 hex digits), if known."), err("compound_site"), html! {
                        input #f-compound_site type="text" name="compound_site" value=(d.compound_site) maxlength="40" autocomplete="off" spellcheck="false";
                    }))
                    (held_grid)
                }
                (held_description)
            }
            (d.personal.people_rows(problem, extra("person")))
            fieldset #assigned-rows {
                legend { "Assigned agencies" }
                p.hint { "Member agencies that work the case; only they read it. Return is agreed only once a consulate is assigned." }
                @for i in 0..assigned {
                    @let a = d.assigned.get(i).cloned().unwrap_or_default();
                    @let n = |f: &str| format!("a{i}.{f}");
                    div.form-grid.assignment {
                        (field(&n("agency"), "Agency", None, err(&n("agency")), html! {
                            input id=(input_id(&n("agency"))) type="text" name=(n("agency")) value=(a.agency) maxlength="32"
                                list="agency-codes" autocomplete="off" spellcheck="false";
                        }))
                        (field(&n("role"), "Role", None, err(&n("role")), html! {
                            select id=(input_id(&n("role"))) name=(n("role")) {
                                option value="" selected[a.role.is_empty()] { "Choose…" }
                                @for r in ROLES {
                                    option value=(r.as_str()) selected[a.role == r.as_str()] { (role_label(r)) }
                                }
                            }
                        }))
                        div.field.check {
                            input id=(input_id(&n("no_embassy"))) type="checkbox" name=(n("no_embassy")) value="on" checked[a.no_embassy];
                            label for=(input_id(&n("no_embassy"))) { "Consulate: no embassy, partner stands in" }
                        }
                    }
                }
                button.secondary type="submit" name="more" value="agency" formnovalidate { "Add another agency" }
            }
            (d.personal.recruitment(problem))
            (d.personal.forced_criminality(problem))
            (d.personal.contact_rows(problem, extra("contact")))
            (d.personal.account_field(problem))
            button #open-submit type="submit" { "Open the case" }
        }
        (agency_codes(state))
    };
    page(console, "Open a case", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_posted_form_reads_back_its_rows_and_drops_the_spares() {
        let (d, csrf, more) = Draft::from_pairs(pairs(&[
            ("csrf", "t"),
            ("source", "hotline_call"),
            ("nationality", "th"),
            ("a0.agency", "TH-DSI"),
            ("a0.role", "origin"),
            ("a1.agency", ""),
            ("a1.role", ""),
            ("a2.agency", "TH-MFA"),
            ("a2.role", "consulate"),
            ("a2.no_embassy", "on"),
            ("p0.given_name", "Kanya"),
            ("p0.gender", "unknown"),
            (
                "p0.identifiers",
                "passport:TH:AA1234567\n\n+66 81 234 5678\n",
            ),
            ("p1.given_name", ""),
            ("p1.gender", "unknown"),
            ("c0.kind", "family"),
        ]));
        assert_eq!(csrf.as_deref(), Some("t"));
        assert_eq!(more, None);
        assert_eq!(d.assigned.len(), 2);
        assert!(d.assigned[1].no_embassy);
        assert_eq!(d.personal.people.len(), 1);
        assert!(d.personal.contacts.is_empty());
        let o = d.opening().unwrap();
        assert_eq!(o.nationality, "TH");
        assert!(!o.assigned[1].embassy);
        assert_eq!(
            o.personal.people[0].identifiers,
            ["passport:TH:AA1234567", "phone:+66812345678"]
        );
    }

    #[test]
    fn refusals_land_on_the_input_and_line_they_name() {
        let (d, _, _) = Draft::from_pairs(pairs(&[
            ("p0.given_name", "A"),
            ("p1.given_name", "B"),
            ("p1.identifiers", "passport:TH:AA1234567\n\nnot a selector"),
            ("recruitment_selectors", "\ntelegram:@x"),
        ]));
        let e = ApiError::invalid_field("personal.people[1].identifiers[1]", "bad");
        assert_eq!(
            d.problem_of(&e),
            Problem::on("p1.identifiers", "line 3: bad")
        );
        let e = ApiError::invalid_field("personal.recruitment.selectors[0]", "bad");
        assert_eq!(
            d.problem_of(&e),
            Problem::on("recruitment_selectors", "line 2: bad")
        );
        let e = ApiError::invalid_field("assigned[2].agency", "no member agency XX-Y");
        assert_eq!(d.problem_of(&e).field.as_deref(), Some("a2.agency"));
        let e = ApiError::invalid_field("compound.site", "not a cell");
        assert_eq!(d.problem_of(&e).field.as_deref(), Some("compound_site"));
        let e = ApiError::invalid_field("personal.people[0].nationality", "bad");
        assert_eq!(d.problem_of(&e).field.as_deref(), Some("p0.nationality"));
        let e = ApiError::invalid_field("something.else", "odd");
        assert_eq!(d.problem_of(&e).field, None);
    }

    #[test]
    fn a_bad_value_is_named_before_the_api_is_asked() {
        let (d, _, _) = Draft::from_pairs(pairs(&[
            ("source", "raid"),
            ("nationality", "TH"),
            ("held_lat", "ten"),
        ]));
        assert_eq!(d.opening().unwrap_err().field.as_deref(), Some("held_lat"));
        let (d, _, _) = Draft::from_pairs(pairs(&[("source", "carrier pigeon")]));
        assert_eq!(d.opening().unwrap_err().field.as_deref(), Some("source"));
        assert_eq!(
            utc_of_local("2026-03-01T10:00").map(|t| t.to_rfc3339()),
            Some("2026-03-01T10:00:00+00:00".to_owned())
        );
        assert_eq!(utc_of_local("yesterday"), None);
    }
}
