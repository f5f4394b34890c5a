//! Checks of what a caller asks the store to keep, shared by both backends
//! so that they refuse the same input
//! with the same message, before any statement runs.
//!
//! NUL characters are refused everywhere: PostgreSQL cannot store them in
//! text, and no legitimate name, label or audit subject holds one.

use crate::{AGENCY_KINDS, AuditEvent, NewAgency, NewToken, NewUser, ROLES, StoreError};
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
