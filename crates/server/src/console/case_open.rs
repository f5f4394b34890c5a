//! Opening a case: `GET /cases/new` and `POST /cases`. The form reads
//! into a [`cordon_protect::case::Opening`] and goes through the API's
//! `open_with`, so the console opens nothing the API would refuse; a
//! refused form comes back with every value kept and the error next to the
//! field it names. People, assigned agencies and contacts are rows: every
//! row given, a spare, and one more on asking ("Add another person"),
//! without a script.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use cordon_protect::case::{Assignment, CompoundLink, Opening, Source};
use cordon_protect::person::{Contact, Gender, HeldAt, Person, Personal, Recruitment};
use maud::{Markup, html};

use super::cases::{
    Problem, ROLES, agency_codes, case_href, error_summary, field, index_in, input_id, nth_line,
    page, role_label, selector_lines, utc_of_local,
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

/// One person's rows of the opening form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PersonRow {
    given_name: String,
    family_name: String,
    gender: String,
    birth_date: String,
    nationality: String,
    languages: String,
    identifiers: String,
}

impl PersonRow {
    fn is_blank(&self) -> bool {
        [
            &self.given_name,
            &self.family_name,
            &self.birth_date,
            &self.nationality,
            &self.languages,
            &self.identifiers,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ContactRow {
    kind: String,
    name: String,
    relation: String,
    phone: String,
    email: String,
}

impl ContactRow {
    fn is_blank(&self) -> bool {
        [&self.name, &self.relation, &self.phone, &self.email]
            .iter()
            .all(|v| v.trim().is_empty())
    }
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
    held_description: String,
    held_lat: String,
    held_lon: String,
    held_last_contact: String,
    assigned: Vec<AssignRow>,
    people: Vec<PersonRow>,
    channel: String,
    promised_job: String,
    advert: String,
    recruiter: String,
    recruitment_selectors: String,
    contacts: Vec<ContactRow>,
    account: String,
}

/// `p3.given_name` → (3, "given_name").
fn row_field(name: &str, prefix: char) -> Option<(usize, &str)> {
    let rest = name.strip_prefix(prefix)?;
    let (i, f) = rest.split_once('.')?;
    Some((i.parse().ok().filter(|i| *i < MAX_ROWS)?, f))
}

/// More rows than any form needs; a posted index beyond is ignored.
const MAX_ROWS: usize = 200;

fn grow<T: Default>(rows: &mut Vec<T>, i: usize) -> &mut T {
    if rows.len() <= i {
        rows.resize_with(i + 1, T::default);
    }
    &mut rows[i]
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
                "held_description" => d.held_description = value,
                "held_lat" => d.held_lat = value,
                "held_lon" => d.held_lon = value,
                "held_last_contact" => d.held_last_contact = value,
                "channel" => d.channel = value,
                "promised_job" => d.promised_job = value,
                "advert" => d.advert = value,
                "recruiter" => d.recruiter = value,
                "recruitment_selectors" => d.recruitment_selectors = value,
                "account" => d.account = value,
                other => {
                    if let Some((i, f)) = row_field(other, 'a') {
                        let row = grow(&mut d.assigned, i);
                        match f {
                            "agency" => row.agency = value,
                            "role" => row.role = value,
                            "no_embassy" => row.no_embassy = true,
                            _ => {}
                        }
                    } else if let Some((i, f)) = row_field(other, 'p') {
                        let row = grow(&mut d.people, i);
                        match f {
                            "given_name" => row.given_name = value,
                            "family_name" => row.family_name = value,
                            "gender" => row.gender = value,
                            "birth_date" => row.birth_date = value,
                            "nationality" => row.nationality = value,
                            "languages" => row.languages = value,
                            "identifiers" => row.identifiers = value,
                            _ => {}
                        }
                    } else if let Some((i, f)) = row_field(other, 'c') {
                        let row = grow(&mut d.contacts, i);
                        match f {
                            "kind" => row.kind = value,
                            "name" => row.name = value,
                            "relation" => row.relation = value,
                            "phone" => row.phone = value,
                            "email" => row.email = value,
                            _ => {}
                        }
                    }
                }
            }
        }
        // Blank rows are the form's spares: they say nothing, and the
        // API's indexes count only the rows that do.
        d.assigned.retain(|a| !a.agency.trim().is_empty());
        d.people.retain(|p| !p.is_blank());
        d.contacts.retain(|c| !c.is_blank());
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
        let mut people = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            let birth_date = match opt(&p.birth_date) {
                None => None,
                Some(b) => Some(NaiveDate::parse_from_str(&b, "%Y-%m-%d").map_err(|_| {
                    Problem::on(
                        &format!("p{i}.birth_date"),
                        format!("'{b}' is not a date: write it as YYYY-MM-DD"),
                    )
                })?),
            };
            let gender = match p.gender.trim() {
                "" => Gender::Unknown,
                g => serde_json::from_value(serde_json::Value::String(g.to_owned())).map_err(
                    |_| Problem::on(&format!("p{i}.gender"), "choose a gender from the list"),
                )?,
            };
            people.push(Person {
                given_name: text(&p.given_name),
                family_name: text(&p.family_name),
                birth_date,
                gender,
                nationality: text(&p.nationality).to_ascii_uppercase(),
                languages: p
                    .languages
                    .split([',', ' ', ';'])
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                identifiers: selector_lines(&p.identifiers),
            });
        }
        let coordinate = |name: &str, value: &str| -> Result<Option<f64>, Problem> {
            match opt(value) {
                None => Ok(None),
                Some(v) => v.parse::<f64>().map(Some).map_err(|_| {
                    Problem::on(name, format!("'{v}' is not a number in decimal degrees"))
                }),
            }
        };
        let last_contact = match opt(&self.held_last_contact) {
            None => None,
            Some(t) => Some(utc_of_local(&t).ok_or_else(|| {
                Problem::on("held_last_contact", format!("'{t}' is not a date and time"))
            })?),
        };
        let held = HeldAt {
            description: text(&self.held_description),
            lat: coordinate("held_lat", &self.held_lat)?,
            lon: coordinate("held_lon", &self.held_lon)?,
            last_contact,
        };
        let recruitment = Recruitment {
            channel: text(&self.channel),
            promised_job: text(&self.promised_job),
            advert: text(&self.advert),
            recruiter: text(&self.recruiter),
            selectors: selector_lines(&self.recruitment_selectors),
        };
        let contacts = self
            .contacts
            .iter()
            .map(|c| Contact {
                kind: Some(text(&c.kind))
                    .filter(|k| !k.is_empty())
                    .unwrap_or_else(|| "other".to_owned()),
                name: text(&c.name),
                relation: text(&c.relation),
                phone: text(&c.phone),
                email: text(&c.email),
            })
            .collect();
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
            personal: Personal {
                people,
                held: (held != HeldAt::default()).then_some(held),
                recruitment: (recruitment != Recruitment::default()).then_some(recruitment),
                contacts,
                account: text(&self.account),
                ..Personal::default()
            },
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
        let line = |text: &str, at: &str| -> Problem {
            let j = field
                .rsplit_once('[')
                .and_then(|(_, r)| r.trim_end_matches(']').parse::<usize>().ok());
            match j.and_then(|j| nth_line(text, j)) {
                Some(n) => Problem::on(at, format!("line {n}: {message}")),
                None => Problem::on(at, message.clone()),
            }
        };
        let simple = match field {
            "source" | "nationality" | "origin" | "group_size" | "received" => Some(field),
            "compound.country" => Some("compound_country"),
            "compound.site" => Some("compound_site"),
            "personal.held" | "personal.held.lat" => Some("held_lat"),
            "personal.held.lon" => Some("held_lon"),
            "assigned" => Some("a0.agency"),
            "personal.people" => Some("p0.given_name"),
            _ => None,
        };
        if let Some(at) = simple {
            return Problem::on(at, message);
        }
        if let Some(rest) = field.strip_prefix("personal.people[") {
            let i = index_in(field).unwrap_or(0);
            let what = rest.split_once("].").map_or("given_name", |(_, w)| w);
            if what.starts_with("identifiers") {
                let text = self.people.get(i).map_or("", |p| p.identifiers.as_str());
                return line(text, &format!("p{i}.identifiers"));
            }
            let what = what.split(['.', '[']).next().unwrap_or(what);
            return Problem::on(&format!("p{i}.{what}"), message);
        }
        if field.starts_with("assigned[") {
            return Problem::on(
                &format!("a{}.agency", index_in(field).unwrap_or(0)),
                message,
            );
        }
        if field.starts_with("personal.recruitment.selectors") {
            return line(&self.recruitment_selectors, "recruitment_selectors");
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
    let people = d.people.len() + 1 + extra("person");
    let assigned = d.assigned.len() + 1 + extra("agency");
    let contacts = d.contacts.len() + 1 + extra("contact");
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
                    (field("held_last_contact", "Last contact (UTC)", None, err("held_last_contact"), html! {
                        input #f-held_last_contact type="datetime-local" name="held_last_contact" value=(d.held_last_contact);
                    }))
                    (field("held_lat", "Latitude", Some("Decimal degrees, like 10.61."), err("held_lat"), html! {
                        input #f-held_lat type="text" name="held_lat" value=(d.held_lat) inputmode="decimal" maxlength="20" autocomplete="off";
                    }))
                    (field("held_lon", "Longitude", Some("Decimal degrees, like 103.52."), err("held_lon"), html! {
                        input #f-held_lon type="text" name="held_lon" value=(d.held_lon) inputmode="decimal" maxlength="20" autocomplete="off";
                    }))
                }
                (field("held_description", "Description", Some("The building, landmarks, what they said about the place."), err("held_description"), html! {
                    textarea #f-held_description name="held_description" rows="2" maxlength="20000" { (d.held_description) }
                }))
            }
            fieldset #people-rows {
                legend { "People" }
                p.hint { "At least one: a name, an alias or 'unknown'. Identifiers (passport, phone, handles) stay inside the case and only feed the non-punishment flag; they are never released." }
                @for i in 0..people {
                    @let p = d.people.get(i).cloned().unwrap_or_default();
                    @let n = |f: &str| format!("p{i}.{f}");
                    fieldset.person {
                        legend { "Person " (i + 1) @if i > 0 { " (optional)" } }
                        div.form-grid {
                            (field(&n("given_name"), "Given name or alias", None, err(&n("given_name")), html! {
                                input id=(input_id(&n("given_name"))) type="text" name=(n("given_name")) value=(p.given_name) maxlength="200" autocomplete="off";
                            }))
                            (field(&n("family_name"), "Family name", None, err(&n("family_name")), html! {
                                input id=(input_id(&n("family_name"))) type="text" name=(n("family_name")) value=(p.family_name) maxlength="200" autocomplete="off";
                            }))
                            (field(&n("gender"), "Gender", None, err(&n("gender")), html! {
                                select id=(input_id(&n("gender"))) name=(n("gender")) {
                                    @for (value, label) in GENDERS {
                                        option value=(value) selected[p.gender == value || (p.gender.is_empty() && value == "unknown")] { (label) }
                                    }
                                }
                            }))
                            (field(&n("birth_date"), "Birth date", None, err(&n("birth_date")), html! {
                                input id=(input_id(&n("birth_date"))) type="date" name=(n("birth_date")) value=(p.birth_date);
                            }))
                            (field(&n("nationality"), "Nationality", Some("When it differs from the case's."), err(&n("nationality")), html! {
                                input.short id=(input_id(&n("nationality"))) type="text" name=(n("nationality")) value=(p.nationality) maxlength="2" autocomplete="off";
                            }))
                            (field(&n("languages"), "Languages", Some("Codes, comma-separated, like th, en."), err(&n("languages")), html! {
                                input id=(input_id(&n("languages"))) type="text" name=(n("languages")) value=(p.languages) maxlength="200" autocomplete="off";
                            }))
                        }
                        (field(&n("identifiers"), "Their own identifiers, one per line", Some("passport:TH:AA1234567, +66 81 234 5678, telegram:@name."), err(&n("identifiers")), html! {
                            textarea id=(input_id(&n("identifiers"))) name=(n("identifiers")) rows="2" spellcheck="false" { (p.identifiers) }
                        }))
                    }
                }
                button.secondary type="submit" name="more" value="person" formnovalidate { "Add another person" }
            }
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
            fieldset {
                legend { "Recruitment" }
                div.form-grid {
                    (field("channel", "Channel", Some("telegram, facebook, whatsapp, tiktok, line, friend…"), err("channel"), html! {
                        input #f-channel type="text" name="channel" value=(d.channel) maxlength="100";
                    }))
                    (field("promised_job", "Job promised", None, err("promised_job"), html! {
                        input #f-promised_job type="text" name="promised_job" value=(d.promised_job) maxlength="500";
                    }))
                    (field("recruiter", "Recruiter", None, err("recruiter"), html! {
                        input #f-recruiter type="text" name="recruiter" value=(d.recruiter) maxlength="500";
                    }))
                }
                (field("advert", "Advert", Some("In its own words."), err("advert"), html! {
                    textarea #f-advert name="advert" rows="2" maxlength="20000" { (d.advert) }
                }))
                (field("recruitment_selectors", "Recruiter's and advert's selectors, one per line", Some("What the case may later release as intelligence: handles, phones, sites."), err("recruitment_selectors"), html! {
                    textarea #f-recruitment_selectors name="recruitment_selectors" rows="2" spellcheck="false" { (d.recruitment_selectors) }
                }))
            }
            fieldset #contact-rows {
                legend { "Contacts" }
                p.hint { "Who raised the signal and whom to call: family, NGO, hotline, lawyer." }
                @for i in 0..contacts {
                    @let c = d.contacts.get(i).cloned().unwrap_or_default();
                    @let n = |f: &str| format!("c{i}.{f}");
                    div.form-grid.contact {
                        (field(&n("kind"), "Kind", None, err(&n("kind")), html! {
                            select id=(input_id(&n("kind"))) name=(n("kind")) {
                                @for k in ["family", "ngo", "hotline", "lawyer", "other"] {
                                    option value=(k) selected[c.kind == k] { (k) }
                                }
                            }
                        }))
                        (field(&n("name"), "Name", None, err(&n("name")), html! {
                            input id=(input_id(&n("name"))) type="text" name=(n("name")) value=(c.name) maxlength="200";
                        }))
                        (field(&n("relation"), "Relation", None, err(&n("relation")), html! {
                            input id=(input_id(&n("relation"))) type="text" name=(n("relation")) value=(c.relation) maxlength="200";
                        }))
                        (field(&n("phone"), "Phone", None, err(&n("phone")), html! {
                            input id=(input_id(&n("phone"))) type="text" name=(n("phone")) value=(c.phone) maxlength="100";
                        }))
                        (field(&n("email"), "Email", None, err(&n("email")), html! {
                            input id=(input_id(&n("email"))) type="text" name=(n("email")) value=(c.email) maxlength="200";
                        }))
                    }
                }
                button.secondary type="submit" name="more" value="contact" formnovalidate { "Add another contact" }
            }
            (field("account", "The signal in its own words", None, err("account"), html! {
                textarea #f-account name="account" rows="5" maxlength="20000" { (d.account) }
            }))
            button #open-submit type="submit" { "Open the case" }
        }
        (agency_codes(state))
    };
    page(console, "Open a case", body)
}

const GENDERS: [(&str, &str); 6] = [
    ("unknown", "not specified"),
    ("feminine", "feminine"),
    ("masculine", "masculine"),
    ("transgender_feminine", "transgender feminine"),
    ("transgender_masculine", "transgender masculine"),
    ("non_conforming", "non-conforming"),
];

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
        assert_eq!(d.people.len(), 1);
        assert!(d.contacts.is_empty());
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
