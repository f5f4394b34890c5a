//! What a case knows about the people in it: the personal part, which is
//! only ever stored sealed ([`crate::seal`]) and shown only to the agencies
//! assigned to the case.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CaseError;

/// Most people one case names (a group held together).
pub const MAX_PEOPLE: usize = 200;
/// Most identifiers one person carries.
pub const MAX_IDENTIFIERS: usize = 20;
/// Most contacts, languages, selectors and other list entries.
pub const MAX_LIST: usize = 50;
/// Longest name, language or other short text.
pub const MAX_SHORT: usize = 200;
/// Longest free text (an account, a note, a reason).
pub const MAX_TEXT: usize = 20_000;

/// Everything personal about a case, sealed as one value and replaced
/// whole when it changes (so that a split or a merge re-seals it under the
/// new case's key in one step).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Personal {
    /// The people held together (one for most cases).
    pub people: Vec<Person>,
    /// Where they are believed to be held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<HeldAt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitment: Option<Recruitment>,
    /// Family, NGO, hotline: who raised the signal and who to call.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// The signal or report in the words it came in.
    #[serde(default)]
    pub account: String,
    /// What the person was forced to do: the fields HTCDS lacks.
    #[serde(default)]
    pub forced_criminality: ForcedCriminality,
}

/// One person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub gender: Gender,
    /// ISO 3166-1 alpha-2; the case's nationality when empty.
    #[serde(default)]
    pub nationality: String,
    #[serde(default)]
    pub languages: Vec<String>,
    /// The person's own identifiers as canonical selectors
    /// (`passport:VN:C1234567`, `phone:+84…`, `telegram:@…`): never
    /// released as intelligence, and the key of the non-punishment flag.
    #[serde(default)]
    pub identifiers: Vec<String>,
}

impl Person {
    pub fn name(&self) -> String {
        match (self.given_name.trim(), self.family_name.trim()) {
            (g, "") => g.to_string(),
            ("", f) => f.to_string(),
            (g, f) => format!("{g} {f}"),
        }
    }
}

/// HTCDS v2's gender values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Feminine,
    Masculine,
    TransgenderFeminine,
    TransgenderMasculine,
    NonConforming,
    #[default]
    Unknown,
}

impl Gender {
    /// The HTCDS value name.
    pub fn htcds(self) -> &'static str {
        match self {
            Gender::Feminine => "Feminine",
            Gender::Masculine => "Masculine",
            Gender::TransgenderFeminine => "TransgenderFeminine",
            Gender::TransgenderMasculine => "TransgenderMasculine",
            Gender::NonConforming => "NonConforming",
            Gender::Unknown => "NonSpecifiedUnknown",
        }
    }
}

/// Where people are believed to be held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldAt {
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// When anyone last heard from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contact: Option<DateTime<Utc>>,
}

/// How they were recruited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recruitment {
    /// `telegram`, `facebook`, `whatsapp`, `tiktok`, `line`, `friend`, …
    #[serde(default)]
    pub channel: String,
    /// The job promised, in the advert's words.
    #[serde(default)]
    pub promised_job: String,
    #[serde(default)]
    pub advert: String,
    #[serde(default)]
    pub recruiter: String,
    /// The recruiter's and the advert's canonical selectors: what the case
    /// may release as intelligence.
    #[serde(default)]
    pub selectors: Vec<String>,
}

/// Someone to call about the case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// `family`, `ngo`, `hotline`, `lawyer`, `other`.
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// Forced criminality: what a scam compound made the person do. HTCDS has
/// no fields for it; the export carries them as its `fcx_` extension
/// (docs/HTCDS.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForcedCriminality {
    /// Modus-operandi codes of the scams run (`investment`, `romance`, …).
    #[serde(default)]
    pub scam_types: Vec<String>,
    /// The quota imposed, in its own terms ("5 victims a day").
    #[serde(default)]
    pub quota: String,
    /// Offences the person was coerced into.
    #[serde(default)]
    pub coerced_offences: Vec<String>,
    /// Languages they were made to scam in.
    #[serde(default)]
    pub languages_used: Vec<String>,
    /// How many times they were sold between compounds.
    #[serde(default)]
    pub times_resold: u32,
}

impl Personal {
    /// Checks a personal part as submitted: names the first bad field.
    pub fn check(&self) -> Result<(), CaseError> {
        if self.people.len() > MAX_PEOPLE {
            return Err(CaseError::invalid(
                "people",
                format!("a case names at most {MAX_PEOPLE} people; open one case per group"),
            ));
        }
        if self.contacts.len() > MAX_LIST {
            return Err(CaseError::invalid(
                "contacts",
                format!("at most {MAX_LIST} contacts"),
            ));
        }
        if self.account.chars().count() > MAX_TEXT {
            return Err(CaseError::invalid(
                "account",
                format!("at most {MAX_TEXT} characters"),
            ));
        }
        if self.people.is_empty() {
            return Err(CaseError::invalid(
                "people",
                "a case names at least one person (a given name, an alias or 'unknown')",
            ));
        }
        for (i, p) in self.people.iter().enumerate() {
            if p.name().is_empty() {
                return Err(CaseError::invalid(
                    format!("people[{i}].given_name"),
                    "a person needs a name, an alias or 'unknown'",
                ));
            }
            if !p.nationality.is_empty() && !crate::case::is_alpha2(&p.nationality) {
                return Err(CaseError::invalid(
                    format!("people[{i}].nationality"),
                    "not an ISO 3166-1 alpha-2 country code (two letters, such as VN)",
                ));
            }
            if p.identifiers.len() > MAX_IDENTIFIERS {
                return Err(CaseError::invalid(
                    format!("people[{i}].identifiers"),
                    format!("at most {MAX_IDENTIFIERS} identifiers a person"),
                ));
            }
            let long = [&p.given_name, &p.family_name]
                .into_iter()
                .chain(&p.languages)
                .any(|t| t.chars().count() > MAX_SHORT);
            if long || p.languages.len() > MAX_LIST {
                return Err(CaseError::invalid(
                    format!("people[{i}]"),
                    format!(
                        "names and languages are at most {MAX_SHORT} characters, and at most {MAX_LIST} languages"
                    ),
                ));
            }
            for (j, s) in p.identifiers.iter().enumerate() {
                canonical(s)
                    .map_err(|m| CaseError::invalid(format!("people[{i}].identifiers[{j}]"), m))?;
            }
        }
        if let Some(h) = &self.held {
            if h.lat.is_some() != h.lon.is_some() {
                return Err(CaseError::invalid(
                    "held",
                    "give both lat and lon, or neither",
                ));
            }
            if let Some(lat) = h.lat.filter(|l| !(-90.0..=90.0).contains(l)) {
                return Err(CaseError::invalid(
                    "held.lat",
                    format!("{lat} is not a latitude"),
                ));
            }
            if let Some(lon) = h.lon.filter(|l| !(-180.0..=180.0).contains(l)) {
                return Err(CaseError::invalid(
                    "held.lon",
                    format!("{lon} is not a longitude"),
                ));
            }
        }
        if let Some(r) = &self.recruitment {
            for (j, s) in r.selectors.iter().enumerate() {
                canonical(s)
                    .map_err(|m| CaseError::invalid(format!("recruitment.selectors[{j}]"), m))?;
            }
        }
        Ok(())
    }

    /// Writes codes the one way they are kept: nationalities upper case.
    pub fn normalize(&mut self) {
        for p in &mut self.people {
            p.nationality = p.nationality.trim().to_ascii_uppercase();
        }
    }

    /// Every identifier of every person in the case.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.people
            .iter()
            .flat_map(|p| p.identifiers.iter().map(String::as_str))
    }

    /// The people at `moved` (indexes) taken out into a new part, which
    /// keeps the where, how and who-to-call of the group; `self` keeps the
    /// rest.
    pub fn split_off(&mut self, moved: &[usize]) -> Result<Personal, CaseError> {
        let mut taken = vec![false; self.people.len()];
        for &i in moved {
            if i >= self.people.len() {
                return Err(CaseError::invalid(
                    "people",
                    format!("no person {i}: the case holds {}", self.people.len()),
                ));
            }
            if std::mem::replace(&mut taken[i], true) {
                return Err(CaseError::invalid(
                    "people",
                    format!("person {i} is named twice"),
                ));
            }
        }
        if moved.is_empty() || moved.len() == self.people.len() {
            return Err(CaseError::invalid(
                "people",
                "a split moves some of the people, not none and not all",
            ));
        }
        let mut kept = Vec::new();
        let mut out = Vec::new();
        for (p, take) in std::mem::take(&mut self.people).into_iter().zip(taken) {
            if take { out.push(p) } else { kept.push(p) }
        }
        self.people = kept;
        Ok(Personal {
            people: out,
            held: self.held.clone(),
            recruitment: self.recruitment.clone(),
            contacts: self.contacts.clone(),
            account: self.account.clone(),
            forced_criminality: self.forced_criminality.clone(),
        })
    }

    /// Another case's part joined into this one: its people added, its
    /// contacts and account kept beside ours.
    pub fn absorb(&mut self, other: Personal) {
        for p in other.people {
            if !self.people.contains(&p) {
                self.people.push(p);
            }
        }
        let fc = &mut self.forced_criminality;
        let theirs = other.forced_criminality;
        for (ours, more) in [
            (&mut fc.scam_types, theirs.scam_types),
            (&mut fc.coerced_offences, theirs.coerced_offences),
            (&mut fc.languages_used, theirs.languages_used),
        ] {
            for m in more {
                if !ours.contains(&m) {
                    ours.push(m);
                }
            }
        }
        if fc.quota.is_empty() {
            fc.quota = theirs.quota;
        }
        fc.times_resold = fc.times_resold.max(theirs.times_resold);
        for c in other.contacts {
            if !self.contacts.contains(&c) {
                self.contacts.push(c);
            }
        }
        if !other.account.is_empty() && other.account != self.account {
            if !self.account.is_empty() {
                self.account.push_str("\n\n");
            }
            self.account.push_str(&other.account);
        }
        if self.held.is_none() {
            self.held = other.held;
        }
        if self.recruitment.is_none() {
            self.recruitment = other.recruitment;
        }
    }
}

/// Checks that `text` is a canonical selector (normalising changes nothing).
pub fn canonical(text: &str) -> Result<(), String> {
    cordon_core::Selector::parse_canonical(text)
        .map(|_| ())
        .map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn group() -> Personal {
        let person = |n: &str, id: &str| Person {
            given_name: n.into(),
            identifiers: vec![id.into()],
            ..Person::default()
        };
        Personal {
            people: vec![
                person("An", "phone:+84912345678"),
                person("Binh", "phone:+84912345679"),
                person("Chi", "phone:+84912345670"),
            ],
            account: "held in the building by the river".into(),
            ..Personal::default()
        }
    }

    #[test]
    fn a_split_moves_the_named_people_and_keeps_the_context_on_both_sides() {
        let mut p = group();
        let out = p.split_off(&[2, 0]).unwrap();
        assert_eq!(
            out.people.iter().map(|p| p.name()).collect::<Vec<_>>(),
            ["An", "Chi"]
        );
        assert_eq!(p.people.len(), 1);
        assert_eq!(out.account, p.account);
        assert!(group().split_off(&[]).is_err());
        assert!(group().split_off(&[0, 1, 2]).is_err());
        assert!(group().split_off(&[1, 1]).is_err());
        let e = group().split_off(&[3]).unwrap_err();
        assert_eq!(e.message, "no person 3: the case holds 3");
    }

    #[test]
    fn a_merge_joins_the_people_and_keeps_both_accounts() {
        let mut a = group();
        let mut b = group();
        b.people.truncate(1);
        b.account = "family called the hotline".into();
        a.absorb(b);
        // The same person in both cases is listed once.
        assert_eq!(a.people.len(), 3);
        assert!(a.account.contains("river") && a.account.contains("hotline"));
    }

    #[test]
    fn checks_name_the_bad_field() {
        assert_eq!(Personal::default().check().unwrap_err().field, "people");
        let mut p = group();
        p.people[1].identifiers.push("phone:0912 345 678".into());
        let e = p.check().unwrap_err();
        assert_eq!(e.field, "people[1].identifiers[1]");
        let mut p = group();
        p.people[0].nationality = "XX".into();
        assert_eq!(p.check().unwrap_err().field, "people[0].nationality");
        let mut p = group();
        p.held = Some(HeldAt {
            lat: Some(95.0),
            lon: Some(1.0),
            ..HeldAt::default()
        });
        assert_eq!(p.check().unwrap_err().field, "held.lat");
        assert!(group().check().is_ok());
    }
}
