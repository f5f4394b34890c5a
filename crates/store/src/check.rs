//! Checks of what a caller asks the store to keep, shared by both backends
//! so that they refuse the same input
//! with the same message, before any statement runs.
//!
//! NUL characters are refused everywhere: PostgreSQL cannot store them in
//! text, and no legitimate name, label or audit subject holds one.

use crate::{
    AGENCY_KINDS, AuditEvent, NewAgency, NewDecision, NewStixObject, NewToken, NewUser, ROLES,
    StixFilter, StoreError,
};
use cordon_core::Report;

/// Longest report id the store keeps (the core's limit).
const MAX_ID: usize = cordon_core::report::MAX_ID;
/// Longest narrative the store keeps (the core's limit): its words must fit
/// one PostgreSQL `tsvector` (1 MiB).
const MAX_NARRATIVE: usize = cordon_core::report::MAX_NARRATIVE;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

fn no_nul(what: &str, value: &str) -> Result<(), StoreError> {
    if value.contains('\0') {
        return Err(invalid(format!("{what} may not contain a nul character")));
    }
    Ok(())
}

/// A handle such as an agency code or a user name.
fn code(what: &str, code: &str) -> Result<(), StoreError> {
    if code.is_empty()
        || code.len() > 64
        || code.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(format!(
            "{what} '{}' must be 1 to 64 characters without spaces",
            code.escape_debug()
        )));
    }
    Ok(())
}

pub fn agency(agency: &NewAgency) -> Result<(), StoreError> {
    code("agency code", &agency.code)?;
    if !AGENCY_KINDS.contains(&agency.kind.as_str()) {
        return Err(invalid(format!(
            "agency kind '{}' is unknown; expected one of {}",
            agency.kind.escape_debug(),
            AGENCY_KINDS.join(", ")
        )));
    }
    let c = agency.country.as_bytes();
    if c.len() != 2 || !c.iter().all(u8::is_ascii_uppercase) {
        return Err(invalid(format!(
            "agency country '{}' is not an uppercase iso 3166-1 alpha-2 code like KH",
            agency.country.escape_debug()
        )));
    }
    no_nul("agency name", &agency.name)?;
    no_nul("agency contact", &agency.contact)
}

pub fn user(user: &NewUser) -> Result<(), StoreError> {
    code("user name", &user.name)?;
    if !ROLES.contains(&user.role.as_str()) {
        return Err(invalid(format!(
            "role '{}' is unknown; expected one of {}",
            user.role.escape_debug(),
            ROLES.join(", ")
        )));
    }
    Ok(())
}

pub fn token(token: &NewToken) -> Result<(), StoreError> {
    if token.digest.is_empty() {
        return Err(invalid("a token digest may not be empty".into()));
    }
    no_nul("token label", &token.label)
}

/// The columns of a report the store keeps outside its JSON body.
pub fn report(report: &Report) -> Result<(), StoreError> {
    let id = &report.id;
    if id.is_empty() || id.len() > MAX_ID {
        return Err(invalid(format!(
            "report id '{}' must be 1 to {MAX_ID} bytes long",
            id.escape_debug()
        )));
    }
    no_nul("report id", id)?;
    if let Some(narrative) = &report.narrative
        && narrative.len() > MAX_NARRATIVE
    {
        return Err(invalid(format!(
            "report {} has a narrative of {} bytes; at most {MAX_NARRATIVE} are accepted",
            id.escape_debug(),
            narrative.len()
        )));
    }
    no_nul("report country", &report.country)?;
    for r in &report.marking.recipients {
        no_nul("marking recipient", r)?;
    }
    Ok(())
}

pub fn audit(events: &[AuditEvent]) -> Result<(), StoreError> {
    for e in events {
        no_nul("audit actor", &e.actor)?;
        no_nul("audit action", &e.action)?;
        no_nul("audit subject", &e.subject)?;
        if let Some(owner) = &e.owner {
            no_nul("audit owner", owner)?;
        }
    }
    Ok(())
}

/// Longest decision kind, in characters (`network.merge`).
pub const MAX_DECISION_KIND: usize = 64;
/// Longest decision subject, in characters: a network id, a compound's
/// site, a notice id.
pub const MAX_DECISION_SUBJECT: usize = 256;
/// Longest reason of a decision, in characters: a paragraph, not a file.
pub const MAX_DECISION_REASON: usize = 4000;

/// The decisions of an `append_decisions` batch. An error names the field
/// and the decision's index in the batch (from 0), as `decisions[1].kind`,
/// so that the caller can point at it. The body is any JSON: its shape is
/// the reader's business, by kind.
pub fn decisions(decisions: &[NewDecision]) -> Result<(), StoreError> {
    for (i, d) in decisions.iter().enumerate() {
        let field = |name: &str| format!("decisions[{i}].{name}");
        let kind_ok = !d.kind.is_empty()
            && d.kind.len() <= MAX_DECISION_KIND
            && d.kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
        if !kind_ok {
            return Err(invalid(format!(
                "{} '{}' must be 1 to {MAX_DECISION_KIND} lowercase ascii letters, digits, \
                 '.' and '_', such as network.merge",
                field("kind"),
                d.kind.escape_debug()
            )));
        }
        let subject = d.subject.chars().count();
        if subject == 0 || subject > MAX_DECISION_SUBJECT {
            return Err(invalid(format!(
                "{} must be 1 to {MAX_DECISION_SUBJECT} characters (a network id, a site, \
                 a notice id); it has {subject}",
                field("subject")
            )));
        }
        for (name, value) in [("agency", &d.agency), ("user", &d.user)] {
            if value.is_empty() {
                return Err(invalid(format!(
                    "{} may not be empty; name who decided (cordon / analysis for the analysis)",
                    field(name)
                )));
            }
        }
        let reason = d.reason.chars().count();
        if reason > MAX_DECISION_REASON {
            return Err(invalid(format!(
                "{} has {reason} characters; at most {MAX_DECISION_REASON} are kept, so shorten it",
                field("reason")
            )));
        }
        for (name, value) in [
            ("subject", &d.subject),
            ("agency", &d.agency),
            ("user", &d.user),
            ("reason", &d.reason),
        ] {
            no_nul(&field(name), value)?;
        }
    }
    Ok(())
}

/// The subject a `decisions_about` look-up names: nothing kept holds a
/// NUL, and PostgreSQL cannot even be asked about one, so both backends
/// refuse it alike, as an append of it.
pub fn decision_subject(subject: &str) -> Result<(), StoreError> {
    no_nul("a decision subject look-up", subject)
}

/// Longest role name [`Store::try_lead`](crate::Store::try_lead) takes.
const MAX_LEAD_ROLE: usize = 64;

/// A role to lead (`webhooks`): 1 to 64 lowercase ascii letters, digits,
/// `.`, `_` and `-`, so that it names a file beside an SQLite database and
/// keys a PostgreSQL advisory lock alike.
pub fn lead_role(role: &str) -> Result<(), StoreError> {
    let ok = !role.is_empty()
        && role.len() <= MAX_LEAD_ROLE
        && role.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !ok {
        return Err(invalid(format!(
            "role '{}' must be 1 to {MAX_LEAD_ROLE} lowercase ascii letters, digits, '.', '_' \
             and '-', such as webhooks",
            role.escape_debug()
        )));
    }
    Ok(())
}

/// Longest STIX type the store keeps (STIX 2.1 allows 250 characters).
const MAX_STIX_TYPE: usize = 250;

/// A STIX identifier: `type--uuid`, where the type is lowercase ASCII
/// letters, digits and hyphens, and the UUID is RFC 4122's 8-4-4-4-12
/// hexadecimal digits (either case, as RFC 4122 reads them; the store
/// compares ids exactly as given).
pub fn stix_id(id: &str) -> Result<(), StoreError> {
    let bad = |why: &str| {
        invalid(format!(
            "stix id '{}' {why}; expected type--uuid such as \
             indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            id.escape_debug()
        ))
    };
    let Some((kind, uuid)) = id.split_once("--") else {
        return Err(bad("has no '--' between its type and its uuid"));
    };
    if kind.is_empty()
        || kind.len() > MAX_STIX_TYPE
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad(&format!(
            "has a type that is not 1 to {MAX_STIX_TYPE} lowercase letters, digits and hyphens"
        )));
    }
    let groups: Vec<&str> = uuid.split('-').collect();
    let shaped = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !shaped {
        return Err(bad("has no 36-character uuid after its type"));
    }
    Ok(())
}

/// The objects of a `put_stix_objects` batch. Their JSON is the caller's
/// to check: the store keeps it as given, whatever it holds, except what no
/// backend can keep.
pub fn stix_objects(objects: &[NewStixObject]) -> Result<(), StoreError> {
    for o in objects {
        stix_id(&o.id)?;
        no_nul("stix object version", &o.version)?;
        no_nul("stix object spec_version", &o.spec_version)?;
        no_nul("stix object json", &o.json)?;
        for r in &o.marking.recipients {
            no_nul("marking recipient", r)?;
        }
    }
    Ok(())
}

/// What a read or delete of kept STIX objects names: nothing stored can
/// hold a NUL, and PostgreSQL cannot even be asked about one, so both
/// backends refuse it alike.
pub fn stix_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), StoreError> {
    for name in names {
        no_nul("a stix object look-up", name)?;
    }
    Ok(())
}

pub fn stix_filter(filter: &StixFilter) -> Result<(), StoreError> {
    stix_names(
        filter
            .ids
            .iter()
            .chain(&filter.types)
            .chain(&filter.agency)
            .map(String::as_str),
    )
}

/// Longest money record key: a transaction hash with a log index, or a
/// tag's address and label.
const MAX_MONEY_KEY: usize = 512;
/// Largest money record body: a UTXO transaction of thousands of legs
/// (a CoinJoin) fits.
const MAX_MONEY_BODY: usize = 4 << 20;

/// A batch of money records: keys of 1 to 512 characters, bodies of JSON
/// objects up to 4 MiB, no NUL; the error names the record's index in the
/// batch (from 0), as `money[3].key`.
pub fn money(records: &[crate::NewMoney]) -> Result<(), StoreError> {
    for (i, r) in records.iter().enumerate() {
        let keys = r.key.chars().count();
        if keys == 0 || keys > MAX_MONEY_KEY {
            return Err(invalid(format!(
                "money[{i}].key must be 1 to {MAX_MONEY_KEY} characters; it has {keys}"
            )));
        }
        no_nul(&format!("money[{i}].key"), &r.key)?;
        if r.body.len() > MAX_MONEY_BODY {
            return Err(invalid(format!(
                "money[{i}].body is larger than {} MiB",
                MAX_MONEY_BODY >> 20
            )));
        }
        no_nul(&format!("money[{i}].body"), &r.body)?;
        if !r.body.trim_start().starts_with('{') {
            return Err(invalid(format!("money[{i}].body must be a JSON object")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stix_ids_are_a_type_and_a_uuid() {
        for good in [
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "ipv4-addr--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
            "x509-certificate--00000000-0000-0000-0000-000000000000",
        ] {
            assert!(stix_id(good).is_ok(), "{good}");
        }
        let long = format!("{}--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "a".repeat(251));
        for bad in [
            "",
            "indicator",
            "indicator--",
            "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator_x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3ff",
            "indicator--8e2e2d2b-17d4-4cbf-938f98-ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3z",
            "indicator---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\0",
            "indicator--+e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            long.as_str(),
        ] {
            let e = stix_id(bad);
            assert!(matches!(e, Err(StoreError::Invalid(_))), "{bad:?}: {e:?}");
        }
        let e = stix_id("campaign").unwrap_err().to_string();
        assert!(
            e.starts_with("stix id 'campaign' has no '--'") && e.contains("expected type--uuid"),
            "{e}"
        );
    }

    fn decision(kind: &str) -> NewDecision {
        NewDecision {
            kind: kind.into(),
            subject: "network-7".into(),
            agency: "KH-NCB".into(),
            user: "dara".into(),
            reason: String::new(),
            body: serde_json::json!({"into": "network-3"}),
        }
    }

    #[test]
    fn decision_kinds_are_dotted_lowercase() {
        for good in [
            "network.merge",
            "compound.status",
            "notice.draft",
            "a",
            "x_1.y",
        ] {
            assert!(decisions(&[decision(good)]).is_ok(), "{good}");
        }
        let long = "a".repeat(MAX_DECISION_KIND + 1);
        for bad in [
            "",
            "Network Merge",
            "network-merge",
            "network.Merge",
            "n\0",
            "é",
            &long,
        ] {
            let e = decisions(&[decision(bad)]);
            assert!(matches!(e, Err(StoreError::Invalid(_))), "{bad:?}: {e:?}");
        }
        assert!(decisions(&[decision(&"a".repeat(MAX_DECISION_KIND))]).is_ok());
    }

    #[test]
    fn a_bad_decision_is_named_by_its_field_and_index() {
        let mut batch = vec![decision("network.merge"); 3];
        batch[1].kind = "Network Merge".into();
        let e = decisions(&batch).unwrap_err().to_string();
        assert!(
            e.starts_with("decisions[1].kind 'Network Merge' must be"),
            "{e}"
        );

        type Spoil = fn(&mut NewDecision);
        let cases: [(&str, Spoil); 7] = [
            ("subject", |d| d.subject.clear()),
            ("subject", |d| {
                d.subject = "s".repeat(MAX_DECISION_SUBJECT + 1)
            }),
            ("subject", |d| d.subject = "a\0b".into()),
            ("agency", |d| d.agency.clear()),
            ("user", |d| d.user.clear()),
            ("reason", |d| d.reason = "r".repeat(MAX_DECISION_REASON + 1)),
            ("reason", |d| d.reason = "why\0".into()),
        ];
        for (field, spoil) in cases {
            let mut batch = vec![decision("network.merge"); 3];
            spoil(&mut batch[2]);
            let e = decisions(&batch).unwrap_err();
            assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
            let e = e.to_string();
            assert!(e.starts_with(&format!("decisions[2].{field} ")), "{e}");
        }
    }

    #[test]
    fn decision_limits_count_characters_not_bytes() {
        let mut d = decision("compound.status");
        d.subject = "ស".repeat(MAX_DECISION_SUBJECT);
        d.reason = "ស".repeat(MAX_DECISION_REASON);
        assert!(decisions(&[d]).is_ok());
        assert!(decisions(&[]).is_ok());
    }

    #[test]
    fn a_stix_objects_kind_is_its_id_before_the_first_double_hyphen() {
        let o = NewStixObject {
            id: "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            version: String::new(),
            spec_version: "2.1".into(),
            marking: cordon_core::Marking::new(cordon_core::Tlp::Amber),
            json: "{}".into(),
        };
        assert_eq!(o.kind(), "x-acme-widget");
    }
}
