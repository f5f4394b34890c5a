//! A case's personal part as form fields, for the opening form
//! ([`super::case_open`]) and the case page's edit form
//! ([`super::case_page`], posted to `POST /cases/{id}/personal`): the
//! people, where they are held, the recruitment, the forced criminality,
//! the contacts and the account. One reading of the posted pairs into a
//! [`Personal`], one mapping of the API's refusals back to the inputs, one
//! rendering; people and contacts are rows: every row given, a spare, and
//! one more on asking, without a script.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use cordon_core::mo::Taxonomy;
use cordon_protect::person::{
    Contact, ForcedCriminality, Gender, HeldAt, Person, Personal, Recruitment,
};
use maud::{Markup, html};

use super::cases::{Problem, field, index_in, input_id, nth_line, selector_lines, utc_of_local};

/// More rows than any form needs; a posted index beyond is ignored.
const MAX_ROWS: usize = 200;

/// One person's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PersonRow {
    pub given_name: String,
    pub family_name: String,
    pub gender: String,
    pub birth_date: String,
    pub nationality: String,
    pub languages: String,
    pub identifiers: String,
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
pub(super) struct ContactRow {
    pub kind: String,
    pub name: String,
    pub relation: String,
    pub phone: String,
    pub email: String,
}

impl ContactRow {
    fn is_blank(&self) -> bool {
        [&self.name, &self.relation, &self.phone, &self.email]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

/// The personal part as sent: text as typed, so that a refused form comes
/// back exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PersonalDraft {
    pub people: Vec<PersonRow>,
    pub held_description: String,
    pub held_lat: String,
    pub held_lon: String,
    pub held_last_contact: String,
    pub channel: String,
    pub promised_job: String,
    pub advert: String,
    pub recruiter: String,
    pub recruitment_selectors: String,
    pub contacts: Vec<ContactRow>,
    pub account: String,
    /// The scam types ticked (codes of the taxonomy's bare family).
    pub scam_types: Vec<String>,
    pub quota: String,
    /// One offence per line.
    pub coerced_offences: String,
    pub languages_used: String,
    pub times_resold: String,
}

/// `p3.given_name` → (3, "given_name").
pub(super) fn row_field(name: &str, prefix: char) -> Option<(usize, &str)> {
    let rest = name.strip_prefix(prefix)?;
    let (i, f) = rest.split_once('.')?;
    Some((i.parse().ok().filter(|i| *i < MAX_ROWS)?, f))
}

pub(super) fn grow<T: Default>(rows: &mut Vec<T>, i: usize) -> &mut T {
    if rows.len() <= i {
        rows.resize_with(i + 1, T::default);
    }
    &mut rows[i]
}

/// A list typed with commas, spaces or semicolons between its items.
fn words(text: &str) -> Vec<String> {
    text.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A time as a `datetime-local` value (the forms say UTC): to the minute,
/// or to the second when it has seconds, so that saving the form again
/// changes nothing.
fn local_of_utc(t: DateTime<Utc>) -> String {
    if t.second() == 0 {
        t.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// The taxonomy's scam types: code and description.
fn scam_types() -> impl Iterator<Item = (&'static str, &'static str)> {
    Taxonomy::get()
        .families()
        .filter(|(_, f)| f.bare)
        .flat_map(|(_, f)| f.codes.iter().map(|(c, d)| (c.as_str(), d.as_str())))
}

pub(super) const GENDERS: [(&str, &str); 6] = [
    ("unknown", "not specified"),
    ("feminine", "feminine"),
    ("masculine", "masculine"),
    ("transgender_feminine", "transgender feminine"),
    ("transgender_masculine", "transgender masculine"),
    ("non_conforming", "non-conforming"),
];

impl PersonalDraft {
    /// The form's values for a personal part already kept.
    pub fn of(p: &Personal) -> PersonalDraft {
        let held = p.held.clone().unwrap_or_default();
        let recruitment = p.recruitment.clone().unwrap_or_default();
        let fc = &p.forced_criminality;
        let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
        PersonalDraft {
            people: p
                .people
                .iter()
                .map(|person| PersonRow {
                    given_name: person.given_name.clone(),
                    family_name: person.family_name.clone(),
                    gender: serde_json::to_value(person.gender)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    birth_date: person
                        .birth_date
                        .map(|b| b.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    nationality: person.nationality.clone(),
                    languages: person.languages.join(", "),
                    identifiers: person.identifiers.join("\n"),
                })
                .collect(),
            held_description: held.description,
            held_lat: number(held.lat),
            held_lon: number(held.lon),
            held_last_contact: held.last_contact.map(local_of_utc).unwrap_or_default(),
            channel: recruitment.channel,
            promised_job: recruitment.promised_job,
            advert: recruitment.advert,
            recruiter: recruitment.recruiter,
            recruitment_selectors: recruitment.selectors.join("\n"),
            contacts: p
                .contacts
                .iter()
                .map(|c| ContactRow {
                    kind: c.kind.clone(),
                    name: c.name.clone(),
                    relation: c.relation.clone(),
                    phone: c.phone.clone(),
                    email: c.email.clone(),
                })
                .collect(),
            account: p.account.clone(),
            scam_types: fc.scam_types.clone(),
            quota: fc.quota.clone(),
            coerced_offences: fc.coerced_offences.join("\n"),
            languages_used: fc.languages_used.join(", "),
            times_resold: if fc.times_resold == 0 {
                String::new()
            } else {
                fc.times_resold.to_string()
            },
        }
    }

    /// The personal part's fields among a form's pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> PersonalDraft {
        let mut d = PersonalDraft::default();
        for (name, value) in pairs {
            d.read(name, value);
        }
        d.settle();
        d
    }

    /// Takes one posted pair if it is the personal part's (an unchecked
    /// checkbox sends nothing); whether it was.
    pub fn read(&mut self, name: &str, value: &str) -> bool {
        let value = value.to_owned();
        match name {
            "held_description" => self.held_description = value,
            "held_lat" => self.held_lat = value,
            "held_lon" => self.held_lon = value,
            "held_last_contact" => self.held_last_contact = value,
            "channel" => self.channel = value,
            "promised_job" => self.promised_job = value,
            "advert" => self.advert = value,
            "recruiter" => self.recruiter = value,
            "recruitment_selectors" => self.recruitment_selectors = value,
            "account" => self.account = value,
            "fc_scam_types" => self.scam_types.push(value),
            "fc_quota" => self.quota = value,
            "fc_coerced_offences" => self.coerced_offences = value,
            "fc_languages_used" => self.languages_used = value,
            "fc_times_resold" => self.times_resold = value,
            other => {
                if let Some((i, f)) = row_field(other, 'p') {
                    let row = grow(&mut self.people, i);
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
                    let row = grow(&mut self.contacts, i);
                    match f {
                        "kind" => row.kind = value,
                        "name" => row.name = value,
                        "relation" => row.relation = value,
                        "phone" => row.phone = value,
                        "email" => row.email = value,
                        _ => {}
                    }
                } else {
                    return false;
                }
            }
        }
        true
    }

    /// Drops the blank rows once every pair is read: they are the form's
    /// spares, they say nothing, and the API's indexes count only the rows
    /// that do.
    pub fn settle(&mut self) {
        self.people.retain(|p| !p.is_blank());
        self.contacts.retain(|c| !c.is_blank());
    }

    /// The personal part the draft asks for, or the first input that
    /// cannot be read.
    pub fn personal(&self) -> Result<Personal, Problem> {
        let text = |s: &str| s.trim().to_owned();
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
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
                languages: words(&p.languages),
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
                kind: opt(&c.kind).unwrap_or_else(|| "other".to_owned()),
                name: text(&c.name),
                relation: text(&c.relation),
                phone: text(&c.phone),
                email: text(&c.email),
            })
            .collect();
        let mut scams = Vec::new();
        for s in self
            .scam_types
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if !scam_types().any(|(code, _)| code == s) {
                return Err(Problem::on(
                    "fc_scam_types",
                    format!("'{s}' is not a scam type: tick them from the list"),
                ));
            }
            if !scams.iter().any(|k| k == s) {
                scams.push(s.to_owned());
            }
        }
        let times_resold = match opt(&self.times_resold) {
            None => 0,
            Some(n) => n.parse::<u32>().map_err(|_| {
                Problem::on(
                    "fc_times_resold",
                    format!(
                        "'{n}' is not a number of times: give a whole number, or leave it empty"
                    ),
                )
            })?,
        };
        Ok(Personal {
            people,
            held: (held != HeldAt::default()).then_some(held),
            recruitment: (recruitment != Recruitment::default()).then_some(recruitment),
            contacts,
            account: text(&self.account),
            forced_criminality: ForcedCriminality {
                scam_types: scams,
                quota: text(&self.quota),
                coerced_offences: self
                    .coerced_offences
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                languages_used: words(&self.languages_used),
                times_resold,
            },
        })
    }

    /// The input an API refusal of the personal part names
    /// (`personal.people[1].identifiers[0]` → `p1.identifiers`, line 1),
    /// if it names one.
    pub fn problem_of(&self, field: &str, message: &str) -> Option<Problem> {
        let line = |text: &str, at: &str| -> Problem {
            let j = field
                .rsplit_once('[')
                .and_then(|(_, r)| r.trim_end_matches(']').parse::<usize>().ok());
            match j.and_then(|j| nth_line(text, j)) {
                Some(n) => Problem::on(at, format!("line {n}: {message}")),
                None => Problem::on(at, message),
            }
        };
        let simple = match field {
            "personal.held" | "personal.held.lat" => Some("held_lat"),
            "personal.held.lon" => Some("held_lon"),
            "personal.held.description" => Some("held_description"),
            "personal.held.last_contact" => Some("held_last_contact"),
            "personal.people" => Some("p0.given_name"),
            "personal.contacts" => Some("c0.name"),
            "personal.account" => Some("account"),
            "personal.recruitment.channel" => Some("channel"),
            "personal.recruitment.promised_job" => Some("promised_job"),
            "personal.recruitment.advert" => Some("advert"),
            "personal.recruitment.recruiter" => Some("recruiter"),
            _ => None,
        };
        if let Some(at) = simple {
            return Some(Problem::on(at, message));
        }
        if field.starts_with("personal.contacts[") {
            let i = index_in(field).unwrap_or(0);
            let what = field.split_once("].").map_or("name", |(_, w)| w);
            return Some(Problem::on(&format!("c{i}.{what}"), message));
        }
        if let Some(rest) = field.strip_prefix("personal.people[") {
            let i = index_in(field).unwrap_or(0);
            let what = rest.split_once("].").map_or("given_name", |(_, w)| w);
            if what.starts_with("identifiers") {
                let text = self.people.get(i).map_or("", |p| p.identifiers.as_str());
                return Some(line(text, &format!("p{i}.identifiers")));
            }
            let what = what.split(['.', '[']).next().unwrap_or(what);
            return Some(Problem::on(&format!("p{i}.{what}"), message));
        }
        if field.starts_with("personal.recruitment.selectors") {
            return Some(line(&self.recruitment_selectors, "recruitment_selectors"));
        }
        if let Some(what) = field.strip_prefix("personal.forced_criminality.") {
            let what = what.split(['.', '[']).next().unwrap_or(what);
            return Some(Problem::on(&format!("fc_{what}"), message));
        }
        None
    }

    /// The people's rows: every row given, a spare, and `extra` more
    /// (one when "Add another person" was pressed).
    pub fn people_rows(&self, problem: Option<&Problem>, extra: usize) -> Markup {
        let err = |name: &str| Problem::at(problem, name);
        let rows = self.people.len() + 1 + extra;
        html! {
            fieldset #people-rows {
                legend { "People" }
                p.hint { "At least one: a name, an alias or 'unknown'. Identifiers (passport, phone, handles) stay inside the case and only feed the non-punishment flag; they are never released." }
                @for i in 0..rows {
                    @let p = self.people.get(i).cloned().unwrap_or_default();
                    @let n = |f: &str| format!("p{i}.{f}");
                    fieldset.person {
                        legend { "Person " (i + 1) @if i >= self.people.len().max(1) { " (optional)" } }
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
        }
    }

    /// Where they are held: last contact and coordinates (grid items),
    /// then the description.
    pub fn held_fields(&self, problem: Option<&Problem>) -> (Markup, Markup) {
        let err = |name: &str| Problem::at(problem, name);
        // A kept time with seconds is shown with them; the input must then
        // accept seconds.
        let step = (self.held_last_contact.len() > 16).then_some("1");
        let grid = html! {
            (field("held_last_contact", "Last contact (UTC)", None, err("held_last_contact"), html! {
                input #f-held_last_contact type="datetime-local" name="held_last_contact" value=(self.held_last_contact) step=[step];
            }))
            (field("held_lat", "Latitude", Some("Decimal degrees, like 10.61."), err("held_lat"), html! {
                input #f-held_lat type="text" name="held_lat" value=(self.held_lat) inputmode="decimal" maxlength="20" autocomplete="off";
            }))
            (field("held_lon", "Longitude", Some("Decimal degrees, like 103.52."), err("held_lon"), html! {
                input #f-held_lon type="text" name="held_lon" value=(self.held_lon) inputmode="decimal" maxlength="20" autocomplete="off";
            }))
        };
        let description = html! {
            (field("held_description", "Description", Some("The building, landmarks, what they said about the place."), err("held_description"), html! {
                textarea #f-held_description name="held_description" rows="2" maxlength="20000" { (self.held_description) }
            }))
        };
        (grid, description)
    }

    pub fn recruitment(&self, problem: Option<&Problem>) -> Markup {
        let err = |name: &str| Problem::at(problem, name);
        html! {
            fieldset #recruitment-fields {
                legend { "Recruitment" }
                div.form-grid {
                    (field("channel", "Channel", Some("telegram, facebook, whatsapp, tiktok, line, friend…"), err("channel"), html! {
                        input #f-channel type="text" name="channel" value=(self.channel) maxlength="100";
                    }))
                    (field("promised_job", "Job promised", None, err("promised_job"), html! {
                        input #f-promised_job type="text" name="promised_job" value=(self.promised_job) maxlength="500";
                    }))
                    (field("recruiter", "Recruiter", None, err("recruiter"), html! {
                        input #f-recruiter type="text" name="recruiter" value=(self.recruiter) maxlength="500";
                    }))
                }
                (field("advert", "Advert", Some("In its own words."), err("advert"), html! {
                    textarea #f-advert name="advert" rows="2" maxlength="20000" { (self.advert) }
                }))
                (field("recruitment_selectors", "Recruiter's and advert's selectors, one per line", Some("What the case may later release as intelligence: handles, phones, sites."), err("recruitment_selectors"), html! {
                    textarea #f-recruitment_selectors name="recruitment_selectors" rows="2" spellcheck="false" { (self.recruitment_selectors) }
                }))
            }
        }
    }

    /// What the compound made them do: the fields HTCDS lacks.
    pub fn forced_criminality(&self, problem: Option<&Problem>) -> Markup {
        let err = |name: &str| Problem::at(problem, name);
        let scams_error = err("fc_scam_types");
        html! {
            fieldset #forced-criminality {
                legend { "Forced criminality" }
                p.hint { "What the compound made them do. It stays inside the case and is exported with HTCDS as Cordon's extension." }
                fieldset #f-fc_scam_types.field.has-error[scams_error.is_some()] {
                    legend { "Scams they were made to run" }
                    @if let Some(e) = &scams_error { p.field-error #e-f-fc_scam_types { "Error: " (e) } }
                    @for (code, description) in scam_types() {
                        label.inline-check title=(description) {
                            input type="checkbox" name="fc_scam_types" value=(code) checked[self.scam_types.iter().any(|s| s == code)];
                            " " (code.replace('_', " "))
                        }
                    }
                }
                div.form-grid {
                    (field("fc_quota", "Quota imposed", Some("In its own terms: 5 victims a day."), err("fc_quota"), html! {
                        input #f-fc_quota type="text" name="fc_quota" value=(self.quota) maxlength="500";
                    }))
                    (field("fc_languages_used", "Languages they scammed in", Some("Codes, comma-separated, like en, zh."), err("fc_languages_used"), html! {
                        input #f-fc_languages_used type="text" name="fc_languages_used" value=(self.languages_used) maxlength="200" autocomplete="off";
                    }))
                    (field("fc_times_resold", "Times resold", Some("Between compounds."), err("fc_times_resold"), html! {
                        input #f-fc_times_resold.short type="number" name="fc_times_resold" value=(self.times_resold) min="0";
                    }))
                }
                (field("fc_coerced_offences", "Offences they were coerced into, one per line", None, err("fc_coerced_offences"), html! {
                    textarea #f-fc_coerced_offences name="fc_coerced_offences" rows="2" maxlength="20000" { (self.coerced_offences) }
                }))
            }
        }
    }

    /// The contacts' rows: every row given, a spare, and `extra` more.
    pub fn contact_rows(&self, problem: Option<&Problem>, extra: usize) -> Markup {
        let err = |name: &str| Problem::at(problem, name);
        let rows = self.contacts.len() + 1 + extra;
        html! {
            fieldset #contact-rows {
                legend { "Contacts" }
                p.hint { "Who raised the signal and whom to call: family, NGO, hotline, lawyer." }
                @for i in 0..rows {
                    @let c = self.contacts.get(i).cloned().unwrap_or_default();
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
        }
    }

    pub fn account_field(&self, problem: Option<&Problem>) -> Markup {
        field(
            "account",
            "The signal in its own words",
            None,
            Problem::at(problem, "account"),
            html! {
                textarea #f-account name="account" rows="5" maxlength="20000" { (self.account) }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(items: &[(&str, &str)]) -> PersonalDraft {
        let mut d = PersonalDraft::default();
        for (n, v) in items {
            assert!(d.read(n, v), "{n} is the personal part's");
        }
        d.settle();
        d
    }

    #[test]
    fn a_kept_personal_part_reads_back_unchanged() {
        let kept = Personal {
            people: vec![Person {
                given_name: "Kanya".into(),
                family_name: "Srisuk".into(),
                birth_date: NaiveDate::from_ymd_opt(1999, 4, 2),
                gender: Gender::TransgenderFeminine,
                nationality: "TH".into(),
                languages: vec!["th".into(), "en".into()],
                identifiers: vec!["passport:TH:AA1234567".into(), "phone:+66812345678".into()],
            }],
            held: Some(HeldAt {
                description: "blue building".into(),
                lat: Some(10.6093),
                lon: Some(103.5296),
                last_contact: DateTime::parse_from_rfc3339("2026-03-01T10:00:05Z")
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
            }),
            recruitment: Some(Recruitment {
                channel: "telegram".into(),
                selectors: vec!["telegram:@jobs".into()],
                ..Recruitment::default()
            }),
            contacts: vec![Contact {
                kind: "family".into(),
                name: "her mother".into(),
                ..Contact::default()
            }],
            account: "she messaged".into(),
            forced_criminality: ForcedCriminality {
                scam_types: vec!["investment".into(), "romance".into()],
                quota: "5 a day".into(),
                coerced_offences: vec!["fraud".into(), "money laundering".into()],
                languages_used: vec!["en".into(), "zh".into()],
                times_resold: 2,
            },
        };
        assert_eq!(PersonalDraft::of(&kept).personal().unwrap(), kept);
        assert_eq!(
            PersonalDraft::of(&Personal::default()).personal().unwrap(),
            Personal::default()
        );
    }

    #[test]
    fn forced_criminality_is_read_and_checked() {
        let d = draft(&[
            ("p0.given_name", "A"),
            ("fc_scam_types", "investment"),
            ("fc_scam_types", "task"),
            ("fc_languages_used", "en, zh"),
            ("fc_coerced_offences", "fraud\n\nidentity theft\n"),
            ("fc_times_resold", "3"),
        ]);
        let fc = d.personal().unwrap().forced_criminality;
        assert_eq!(fc.scam_types, ["investment", "task"]);
        assert_eq!(fc.languages_used, ["en", "zh"]);
        assert_eq!(fc.coerced_offences, ["fraud", "identity theft"]);
        assert_eq!(fc.times_resold, 3);
        let d = draft(&[("fc_scam_types", "channel:telegram")]);
        assert_eq!(
            d.personal().unwrap_err().field.as_deref(),
            Some("fc_scam_types")
        );
        let d = draft(&[("fc_times_resold", "twice")]);
        assert_eq!(
            d.personal().unwrap_err().field.as_deref(),
            Some("fc_times_resold")
        );
    }

    #[test]
    fn refusals_land_on_the_input_and_line_they_name() {
        let d = draft(&[
            ("p0.given_name", "A"),
            ("p1.given_name", "B"),
            ("p1.identifiers", "passport:TH:AA1234567\n\nnot a selector"),
            ("recruitment_selectors", "\ntelegram:@x"),
        ]);
        let at = |f: &str| d.problem_of(f, "bad");
        assert_eq!(
            at("personal.people[1].identifiers[1]"),
            Some(Problem::on("p1.identifiers", "line 3: bad"))
        );
        assert_eq!(
            at("personal.recruitment.selectors[0]"),
            Some(Problem::on("recruitment_selectors", "line 2: bad"))
        );
        assert_eq!(
            at("personal.people[0].nationality").and_then(|p| p.field),
            Some("p0.nationality".to_owned())
        );
        assert_eq!(
            at("personal.held.lon").and_then(|p| p.field),
            Some("held_lon".to_owned())
        );
        assert_eq!(
            at("personal.people[1]").and_then(|p| p.field),
            Some("p1.given_name".to_owned())
        );
        assert_eq!(
            at("personal.contacts[2].email").and_then(|p| p.field),
            Some("c2.email".to_owned())
        );
        assert_eq!(
            at("personal.forced_criminality.scam_types[0]").and_then(|p| p.field),
            Some("fc_scam_types".to_owned())
        );
        assert_eq!(at("nationality"), None);
    }
}
