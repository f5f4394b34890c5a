//! A case in IOM's Human Trafficking Case Data Standard (HTCDS) v2, as JSON
//! or CSV, with Cordon's forced-criminality extension.
//!
//! The field list is data (`data/htcds_v2.tsv`, reconstructed from the
//! standard's published text; its comments say from what). Every export is
//! checked against it before it leaves ([`validate`]): each field must be
//! in the list or in [`EXTENSION`], each picklist value among the list's
//! values, each date a date and each country an ISO 3166-1 code. HTCDS has
//! no fields for forced criminality; Cordon adds them with the `fcx_`
//! prefix (docs/HTCDS.md), so that a tool that knows only HTCDS can drop
//! them and lose nothing it knew.
//!
//! Shape: one case row (`cas_`), one row per person (`prs_`, `con_`,
//! `vic_`, `fcx_`), the trafficking events (`hte_`: recruitment and
//! exploitation) and the organisations named (`org_`). The CSV is one line
//! per person, with the case's fields repeated.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use cordon_core::agency::AgencyKind;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::case::{Case, DemandKind, Event};
use crate::person::Personal;
use crate::screening::Presence;
use crate::stage::{Closure, Stage};

/// The standard and version an export follows.
pub const STANDARD: &str = "HTCDS";
pub const VERSION: &str = "2.0";
/// The extension's name and version.
pub const EXTENSION_NAME: &str = "cordon-forced-criminality-1";

/// Cordon's forced-criminality fields: name, type, meaning.
pub const EXTENSION: &[(&str, &str, &str)] = &[
    ("fcx_CordonCase", "text", "the Cordon case id"),
    (
        "fcx_ScamTypes",
        "multitext",
        "modus-operandi codes of the scams the person was forced to run",
    ),
    ("fcx_Quota", "text", "the quota imposed, in its own terms"),
    (
        "fcx_CoercedOffences",
        "multitext",
        "offences the person was coerced into",
    ),
    (
        "fcx_LanguagesUsed",
        "multitext",
        "languages the person was made to scam in",
    ),
    (
        "fcx_TimesResold",
        "number",
        "how many times the person was sold between compounds",
    ),
    (
        "fcx_RansomDemanded",
        "checkbox",
        "a ransom or 'debt' was demanded from family",
    ),
    (
        "fcx_RansomAmounts",
        "multitext",
        "each demand as 'amount currency'",
    ),
    (
        "fcx_CompoundSite",
        "text",
        "the compound's site, an H3 cell at resolution 9",
    ),
    (
        "fcx_NonPunishment",
        "checkbox",
        "the non-punishment principle applies (possible or actual victim)",
    ),
    (
        "fcx_ProtocolStage",
        "text",
        "the Cordon protocol stage the case is in",
    ),
];

/// One field of the standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub table: String,
    /// Prefix and name: `prs_FirstName`.
    pub name: String,
    pub kind: String,
    pub core: bool,
    /// Allowed values of a picklist; `["iso3166"]` for country codes.
    pub values: Vec<String>,
}

/// The standard's fields, keyed by prefixed name.
pub fn fields() -> &'static BTreeMap<String, Field> {
    static FIELDS: OnceLock<BTreeMap<String, Field>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut out = BTreeMap::new();
        let text = include_str!("../data/htcds_v2.tsv");
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 7 {
                continue;
            }
            let name = format!("{}{}", cols[1], cols[2]);
            out.insert(
                name.clone(),
                Field {
                    table: cols[0].to_string(),
                    name,
                    kind: cols[4].to_string(),
                    core: cols[5] == "core",
                    values: cols[6]
                        .split(';')
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                        .collect(),
                },
            );
        }
        out
    })
}

/// A case as HTCDS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub standard: &'static str,
    pub version: &'static str,
    pub extension: &'static str,
    pub case: Map<String, Value>,
    pub persons: Vec<Map<String, Value>>,
    pub events: Vec<Map<String, Value>>,
    pub organisations: Vec<Map<String, Value>>,
}

/// Builds the HTCDS form of a case whose personal part is opened.
/// `kind_of` names each agency's kind (for the deciding organisation).
pub fn export(
    case: &Case,
    personal: &Personal,
    kind_of: &dyn Fn(&str) -> Option<AgencyKind>,
) -> Export {
    let mut c = Map::new();
    put(
        &mut c,
        "cas_Status",
        match case.stage {
            Stage::Closed => "Closed",
            Stage::Reintegration | Stage::FollowUp3 | Stage::FollowUp6 | Stage::FollowUp12 => {
                "FollowUp"
            }
            _ => "Active",
        },
    );
    put(&mut c, "cas_ReferringOrganisation", &case.opened.agency);
    put(
        &mut c,
        "cas_IncomingReferralDate",
        &case.opened.at.date_naive().to_string(),
    );
    put(&mut c, "cas_ReasonForIncomingReferral", "Other");
    put(
        &mut c,
        "cas_IncomingReferralDetails",
        &format!("cordon {}", case.source.as_str()),
    );
    if let Some(closure) = case.closure {
        put(&mut c, "cas_ReasonForCaseClosure", closure.as_str());
    }

    let demands: Vec<String> = case
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Demand {
                demand: DemandKind::RansomDemand,
                amount,
                currency,
                ..
            } => Some(
                format!(
                    "{} {}",
                    amount.as_deref().unwrap_or("unknown"),
                    currency.as_deref().unwrap_or("")
                )
                .trim()
                .to_string(),
            ),
            _ => None,
        })
        .collect();
    let present: Vec<&str> = case
        .evidence
        .iter()
        .filter(|(_, e)| e.presence == Presence::Present)
        .map(|(id, _)| id.as_str())
        .collect();
    let mut controls: Vec<&str> = present.iter().filter_map(|id| control_of(id)).collect();
    controls.sort_unstable();
    controls.dedup();
    let recruitment = personal.recruitment.clone().unwrap_or_default();
    let fc = &personal.forced_criminality;

    let mut persons = Vec::new();
    for p in &personal.people {
        let mut row = Map::new();
        put(&mut row, "prs_FirstName", &p.given_name);
        put(&mut row, "prs_SecondName", &p.family_name);
        if let Some(b) = p.birth_date {
            put(&mut row, "prs_Birthdate", &b.to_string());
        }
        put(&mut row, "prs_Gender", p.gender.htcds());
        let nationality = if p.nationality.is_empty() {
            &case.nationality
        } else {
            &p.nationality
        };
        put(&mut row, "prs_Nationality", nationality);
        row.insert(
            "prs_Deceased".into(),
            Value::Bool(case.closure == Some(Closure::Deceased)),
        );
        if let Some(phone) = p.identifiers.iter().find_map(|s| s.strip_prefix("phone:")) {
            put(&mut row, "prs_MobilePhone", phone);
        }
        if let Some(email) = p.identifiers.iter().find_map(|s| s.strip_prefix("email:")) {
            put(&mut row, "prs_Email", email);
        }
        row.insert("con_Consent".into(), Value::Bool(case.consent));
        if let Some(app) = app_of(&recruitment.channel) {
            put_all(&mut row, "vic_RecruitmentWebsitesAndApps", [app]);
        }
        if let Some(method) = method_of(&recruitment.channel, !recruitment.advert.is_empty()) {
            put_all(&mut row, "vic_MethodOfRecruitment", [method]);
        }
        if let Some(o) = &case.outcome {
            put(
                &mut row,
                "vic_TraffickingStatus",
                match o.status {
                    crate::screening::Status::PossibleVictim => "PossibleVictimOfTrafficking",
                    crate::screening::Status::ActualVictim => "ActualVictimOfTrafficking",
                    crate::screening::Status::NotAVictim => "NotAVictimOfTrafficking",
                },
            );
            put(
                &mut row,
                "vic_TraffickingStatusDecisionMakingOrg",
                match kind_of(&o.organisation) {
                    Some(AgencyKind::Police | AgencyKind::Ncb) => "Police",
                    Some(AgencyKind::Ngo | AgencyKind::Hotline) => "NGO",
                    Some(AgencyKind::Fiu) => "NonPoliceGovernmentalOrganization",
                    _ => "Other",
                },
            );
        }
        put_all(&mut row, "vic_MethodsOfControl", controls.iter().copied());
        // Forced to work, and the work was crime: HTCDS's nearest values.
        put_all(
            &mut row,
            "vic_TypeOfExploitation",
            ["ForcedLabour", "Other"],
        );
        put(&mut row, "fcx_CordonCase", &case.id);
        put_all(
            &mut row,
            "fcx_ScamTypes",
            fc.scam_types.iter().map(String::as_str),
        );
        put(&mut row, "fcx_Quota", &fc.quota);
        put_all(
            &mut row,
            "fcx_CoercedOffences",
            fc.coerced_offences.iter().map(String::as_str),
        );
        put_all(
            &mut row,
            "fcx_LanguagesUsed",
            fc.languages_used.iter().map(String::as_str),
        );
        row.insert("fcx_TimesResold".into(), Value::from(fc.times_resold));
        row.insert(
            "fcx_RansomDemanded".into(),
            Value::Bool(!demands.is_empty()),
        );
        put_all(
            &mut row,
            "fcx_RansomAmounts",
            demands.iter().map(String::as_str),
        );
        if let Some(site) = &case.compound.site {
            put(&mut row, "fcx_CompoundSite", site);
        }
        row.insert(
            "fcx_NonPunishment".into(),
            Value::Bool(case.non_punishment().is_some()),
        );
        put(&mut row, "fcx_ProtocolStage", case.stage.as_str());
        persons.push(row);
    }

    let mut events = Vec::new();
    if personal.recruitment.is_some() {
        let mut e = Map::new();
        put(&mut e, "hte_Type", "Recruitment");
        put(&mut e, "hte_Country", &case.origin);
        let job = if recruitment.promised_job.is_empty() {
            &recruitment.advert
        } else {
            &recruitment.promised_job
        };
        put(&mut e, "hte_Description", job);
        events.push(e);
    }
    let held = personal.held.clone().unwrap_or_default();
    if case.compound.country.is_some() || personal.held.is_some() {
        let mut e = Map::new();
        put(&mut e, "hte_Type", "Exploitation");
        if let Some(country) = &case.compound.country {
            put(&mut e, "hte_Country", country);
        }
        if let (Some(lat), Some(lon)) = (held.lat, held.lon) {
            e.insert("hte_Latitude".into(), Value::from(lat));
            e.insert("hte_Longitude".into(), Value::from(lon));
        }
        if let Some(t) = held.last_contact {
            put(&mut e, "hte_Date", &t.date_naive().to_string());
        }
        put(&mut e, "hte_Description", &held.description);
        events.push(e);
    }

    let mut organisations = Vec::new();
    for agency in case.agencies() {
        let mut o = Map::new();
        put(&mut o, "org_Name", agency);
        if let Some(kind) = kind_of(agency) {
            put(&mut o, "org_Type", org_type(kind));
        }
        if let Some((country, _)) = agency.split_once('-')
            && cordon_core::country::alpha2(country).is_some()
        {
            put(&mut o, "org_ShippingCountry", country);
        }
        organisations.push(o);
    }

    Export {
        standard: STANDARD,
        version: VERSION,
        extension: EXTENSION_NAME,
        case: c,
        persons,
        events,
        organisations,
    }
}

fn put(row: &mut Map<String, Value>, field: &str, value: &str) {
    if !value.trim().is_empty() {
        row.insert(field.to_string(), Value::String(value.trim().to_string()));
    }
}

fn put_all<'a>(
    row: &mut Map<String, Value>,
    field: &str,
    values: impl IntoIterator<Item = &'a str>,
) {
    let values: Vec<Value> = values
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .map(|v| Value::String(v.trim().to_string()))
        .collect();
    if !values.is_empty() {
        row.insert(field.to_string(), Value::Array(values));
    }
}

/// HTCDS's recruitment app of a channel.
fn app_of(channel: &str) -> Option<&'static str> {
    Some(match channel.trim().to_ascii_lowercase().as_str() {
        "facebook" => "Facebook",
        "instagram" => "Instagram",
        "whatsapp" => "WhatsApp",
        "telegram" => "Telegram",
        "messenger" => "FacebookMessenger",
        "viber" => "Viber",
        "snapchat" => "SnapChat",
        "line" => "Line",
        "wechat" => "WeChat",
        "qq" => "QQ",
        "tiktok" => "TikTok",
        "twitter" | "x" => "Twitter",
        "" | "friend" | "family" => return None,
        _ => "Other",
    })
}

fn method_of(channel: &str, advert: bool) -> Option<&'static str> {
    match channel.trim().to_ascii_lowercase().as_str() {
        "friend" => Some("ThroughFriendsOrSocialEvents"),
        "family" => Some("ThroughFamilyOrFamilyEvents"),
        "" if !advert => None,
        _ if advert => Some("ThroughAnOnlineAdvertisement"),
        _ => Some("ThroughOnlineSocialNetworks"),
    }
}

/// HTCDS's method of control that a present indicator shows.
fn control_of(indicator: &str) -> Option<&'static str> {
    Some(match indicator {
        "ilo_debt_bondage" => "DebtBondage",
        "ilo_withholding_of_wages" => "TakesEarnings",
        "ilo_intimidation_and_threats" => "Threats",
        "ilo_physical_and_sexual_violence" => "PhysicalAbuse",
        "ilo_deception" => "FalsePromises",
        "ilo_restriction_of_movement" | "ilo_isolation" => "RestrictsMovement",
        "ilo_excessive_overtime" => "ExcessiveWorkingHours",
        "ilo_retention_of_identity_documents" => "WithholdsDocuments",
        "ilo_abusive_working_and_living_conditions" => "WithholdsNecessities",
        _ => return None,
    })
}

fn org_type(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::Police | AgencyKind::Ncb => "LawEnforcement",
        AgencyKind::Ngo | AgencyKind::Hotline => "NGO",
        AgencyKind::Fiu | AgencyKind::Node => "CentralGovernmentOrganisation",
        AgencyKind::Bank | AgencyKind::Telecom | AgencyKind::Platform => "CorporateBusiness",
    }
}

/// Checks an export against the field list: every problem, as
/// `<part>[<row>].<field>: <what is wrong>`.
pub fn validate(export: &Export) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    type Part<'a> = (&'a str, &'a [Map<String, Value>], &'a [&'a str]);
    let parts: [Part; 4] = [
        ("case", std::slice::from_ref(&export.case), &["case"]),
        ("persons", &export.persons, &["person", "consent", "victim"]),
        ("events", &export.events, &["event"]),
        ("organisations", &export.organisations, &["organisation"]),
    ];
    for (part, rows, tables) in parts {
        for (i, row) in rows.iter().enumerate() {
            for (name, value) in row {
                let at = format!("{part}[{i}].{name}");
                if let Some((_, kind, _)) = EXTENSION.iter().find(|(n, ..)| n == name) {
                    if part != "persons" {
                        problems.push(format!("{at}: extension fields belong to persons"));
                    }
                    check_kind(&at, kind, &[], value, &mut problems);
                    continue;
                }
                match fields().get(name) {
                    None => problems.push(format!("{at}: not an HTCDS v2 field")),
                    Some(f) if !tables.contains(&f.table.as_str()) => {
                        problems.push(format!("{at}: an HTCDS {} field, not {part}", f.table))
                    }
                    Some(f) => check_kind(&at, &f.kind, &f.values, value, &mut problems),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_kind(at: &str, kind: &str, values: &[String], value: &Value, problems: &mut Vec<String>) {
    let one = |v: &Value, problems: &mut Vec<String>| {
        let Some(text) = v.as_str() else {
            problems.push(format!("{at}: expected text, found {v}"));
            return;
        };
        if values == ["iso3166"] {
            if text.len() != 2 || cordon_core::country::alpha2(text) != Some(text) {
                problems.push(format!("{at}: '{text}' is not an ISO 3166-1 alpha-2 code"));
            }
        } else if !values.is_empty() && !values.iter().any(|a| a == text) {
            problems.push(format!(
                "{at}: '{text}' is not one of the standard's values"
            ));
        }
    };
    match kind {
        "checkbox" if !value.is_boolean() => problems.push(format!("{at}: expected true or false")),
        "number" if !value.is_number() => problems.push(format!("{at}: expected a number")),
        "date" => match value.as_str() {
            Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {}
            _ => problems.push(format!("{at}: expected a date YYYY-MM-DD")),
        },
        "multipicklist" | "multitext" => match value.as_array() {
            Some(items) => items.iter().for_each(|v| one(v, problems)),
            None => problems.push(format!("{at}: expected a list")),
        },
        "checkbox" | "number" => {}
        _ => one(value, problems),
    }
}

/// Text as a spreadsheet may show it: a cell that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return), as text copied from
/// a trafficker's advert may, is prefixed with `'` so that it is never
/// run (OWASP's CSV injection advice). Phone numbers keep their `+`.
fn defused(text: &str) -> String {
    let phone = text.starts_with('+') && text[1..].bytes().all(|b| b.is_ascii_digit());
    if !phone && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The CSV form: a header of every field used, then one line per person
/// with the case's fields (and the events' and organisations' as
/// `;`-joined lists) repeated.
pub fn to_csv(export: &Export) -> String {
    let mut columns: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !columns.iter().any(|c| c == name) {
            columns.push(name.to_string());
        }
    };
    for row in export.persons.iter().chain([&export.case]) {
        row.keys().for_each(|k| add(k));
    }
    for name in ["hte_Type", "hte_Country", "org_Name"] {
        add(name);
    }
    let joined = |rows: &[Map<String, Value>], field: &str| {
        rows.iter()
            .map(|r| r.get(field).map(cell).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&columns).expect("writing to memory");
    for person in &export.persons {
        let line: Vec<String> = columns
            .iter()
            .map(|c| match c.as_str() {
                "hte_Type" | "hte_Country" => joined(&export.events, c),
                "org_Name" => joined(&export.organisations, c),
                _ => person
                    .get(c)
                    .or_else(|| export.case.get(c))
                    .map(cell)
                    .unwrap_or_default(),
            })
            .collect();
        w.write_record(&line).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("csv of strings is utf-8")
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => defused(s),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::{open_case, stamp};
    use crate::person::{Person, Recruitment};
    use crate::screening::Status;
    use crate::seal::DataKey;

    fn personal() -> Personal {
        Personal {
            people: vec![Person {
                given_name: "An".into(),
                family_name: "Nguyen".into(),
                birth_date: chrono::NaiveDate::from_ymd_opt(2001, 5, 4),
                identifiers: vec!["phone:+84912345678".into()],
                ..Person::default()
            }],
            recruitment: Some(Recruitment {
                channel: "telegram".into(),
                promised_job: "customer service, US$1,500 a month".into(),
                advert: "hiring now".into(),
                ..Recruitment::default()
            }),
            ..Personal::default()
        }
    }

    fn screened_case() -> Case {
        let mut case = open_case();
        let sealed = DataKey::generate().seal("PC-1", "x", b"y");
        case.apply(
            stamp(2, 1),
            Event::Evidence {
                indicator: "ilo_debt_bondage".into(),
                presence: Presence::Present,
                note: sealed.clone(),
            },
        );
        case.apply(
            stamp(3, 2),
            Event::Outcome {
                status: Status::ActualVictim,
                organisation: "VN-MPS".into(),
                reasons: sealed.clone(),
            },
        );
        case.apply(
            stamp(4, 3),
            Event::Demand {
                demand: DemandKind::RansomDemand,
                selectors: vec!["trx:TXYZ".into()],
                amount: Some("5000".into()),
                currency: Some("USDT".into()),
                message: sealed,
                report: None,
            },
        );
        case
    }

    #[test]
    fn the_field_list_is_htcds_v2_with_its_core_tables() {
        let f = fields();
        for name in [
            "prs_FirstName",
            "prs_Nationality",
            "vic_TraffickingStatus",
            "vic_MethodsOfControl",
            "hte_Type",
            "cas_Status",
            "con_Consent",
        ] {
            assert!(f.contains_key(name), "{name}");
        }
        assert_eq!(f["vic_MethodsOfControl"].values.len(), 17);
        assert!(f.len() >= 60);
        // Extension fields never collide with the standard's.
        for (name, ..) in EXTENSION {
            assert!(name.starts_with("fcx_") && !f.contains_key(*name));
        }
    }

    #[test]
    fn an_exported_case_validates_against_the_field_list() {
        let case = screened_case();
        let e = export(&case, &personal(), &|_| Some(AgencyKind::Police));
        validate(&e).unwrap();
        let p = &e.persons[0];
        assert_eq!(p["vic_TraffickingStatus"], "ActualVictimOfTrafficking");
        assert_eq!(p["vic_TraffickingStatusDecisionMakingOrg"], "Police");
        assert_eq!(
            p["vic_MethodsOfControl"],
            serde_json::json!(["DebtBondage"])
        );
        assert_eq!(
            p["vic_RecruitmentWebsitesAndApps"],
            serde_json::json!(["Telegram"])
        );
        assert_eq!(p["prs_MobilePhone"], "+84912345678");
        assert_eq!(p["fcx_RansomAmounts"], serde_json::json!(["5000 USDT"]));
        assert_eq!(p["fcx_NonPunishment"], true);
        assert_eq!(e.events[0]["hte_Type"], "Recruitment");
        assert_eq!(e.organisations[0]["org_Type"], "LawEnforcement");
        assert_eq!(e.organisations[0]["org_ShippingCountry"], "VN");
    }

    #[test]
    fn validation_names_every_field_and_value_that_is_not_the_standards() {
        let mut e = export(&screened_case(), &personal(), &|_| None);
        e.persons[0].insert("prs_ShoeSize".into(), Value::from("42"));
        e.persons[0].insert("prs_Gender".into(), Value::from("Female"));
        e.persons[0].insert("prs_Nationality".into(), Value::from("VNM"));
        e.persons[0].insert("prs_Birthdate".into(), Value::from("04/05/2001"));
        e.case.insert("prs_FirstName".into(), Value::from("An"));
        e.events[0].insert("fcx_Quota".into(), Value::from("5"));
        let problems = validate(&e).unwrap_err();
        assert_eq!(
            problems,
            [
                "case[0].prs_FirstName: an HTCDS person field, not case",
                "persons[0].prs_Birthdate: expected a date YYYY-MM-DD",
                "persons[0].prs_Gender: 'Female' is not one of the standard's values",
                "persons[0].prs_Nationality: 'VNM' is not an ISO 3166-1 alpha-2 code",
                "persons[0].prs_ShoeSize: not an HTCDS v2 field",
                "events[0].fcx_Quota: extension fields belong to persons",
            ]
        );
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_never_run() {
        assert_eq!(
            defused("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("-5 a day"), "'-5 a day");
        assert_eq!(defused("+84912345678"), "+84912345678");
        assert_eq!(defused("5 a day"), "5 a day");
    }

    #[test]
    fn the_csv_has_one_line_per_person_under_one_header() {
        let mut p = personal();
        p.people.push(Person {
            given_name: "Binh".into(),
            ..Person::default()
        });
        let e = export(&screened_case(), &p, &|_| None);
        validate(&e).unwrap();
        let csv = to_csv(&e);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let header = r.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[1][col("prs_FirstName")], "Binh");
        assert_eq!(&rows[1][col("cas_Status")], "Active");
        assert_eq!(
            &rows[0][col("vic_TypeOfExploitation")],
            "ForcedLabour;Other"
        );
        for h in header.iter() {
            assert!(
                fields().contains_key(h) || EXTENSION.iter().any(|(n, ..)| *n == h),
                "{h}"
            );
        }
    }
}
