//! Agencies: the member organisations, their codes and kinds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::selector::Region;

/// The kinds of member organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Police,
    Ncb,
    Fiu,
    Ngo,
    Hotline,
    Bank,
    Telecom,
    Platform,
    /// Another national node of the federation: the account its sync and
    /// matching use here (`peer` role).
    Node,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 9] = [
        AgencyKind::Police,
        AgencyKind::Ncb,
        AgencyKind::Fiu,
        AgencyKind::Ngo,
        AgencyKind::Hotline,
        AgencyKind::Bank,
        AgencyKind::Telecom,
        AgencyKind::Platform,
        AgencyKind::Node,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Police => "police",
            AgencyKind::Ncb => "ncb",
            AgencyKind::Fiu => "fiu",
            AgencyKind::Ngo => "ngo",
            AgencyKind::Hotline => "hotline",
            AgencyKind::Bank => "bank",
            AgencyKind::Telecom => "telecom",
            AgencyKind::Platform => "platform",
            AgencyKind::Node => "node",
        }
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A malformed agency field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct AgencyError {
    pub field: &'static str,
    pub message: String,
}

impl FromStr for AgencyKind {
    type Err = AgencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgencyKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| AgencyError {
                field: "kind",
                message: format!(
                    "unknown agency kind '{s}'; expected police, ncb, fiu, ngo, hotline, bank, telecom, platform or node"
                ),
            })
    }
}

/// Checks a user name: 1 to 64 lowercase letters, digits, dots, dashes or
/// underscores, so that `AGENCY/name` names one individual unambiguously
/// (RED recipients) and is safe in logs and URLs.
pub fn check_user_name(name: &str) -> Result<(), AgencyError> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(AgencyError {
            field: "name",
            message: format!(
                "user name '{name}' may hold only lowercase letters, digits, '.', '-' and '_', 64 characters at most"
            ),
        })
    }
}

/// Checks an agency code: `CC-NAME`, the agency's country then a short
/// uppercase name (`KH-NCB`, `GB-NCA`), 4 to 32 characters.
pub fn check_code(code: &str) -> Result<(), AgencyError> {
    let bad = |message: String| AgencyError {
        field: "code",
        message,
    };
    let (country, name) = code.split_once('-').ok_or_else(|| {
        bad(format!(
            "agency code '{code}' must look like KH-NCB: country, dash, name"
        ))
    })?;
    country
        .parse::<Region>()
        .ok()
        .filter(|_| country.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or_else(|| {
            bad(format!(
                "agency code '{code}' must start with an uppercase iso 3166-1 country code"
            ))
        })?;
    let name_ok = !name.is_empty()
        && code.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if name_ok {
        Ok(())
    } else {
        Err(bad(format!(
            "agency code '{code}' may hold only uppercase letters, digits and dashes after the country, 32 characters at most"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["KH-NCB", "GB-NCA", "US-FBI-IC3", "TH-DSI2"] {
            assert_eq!(check_code(ok), Ok(()), "{ok}");
        }
        for bad in [
            "KHNCB",
            "kh-ncb",
            "KH-",
            "-NCB",
            "KHM-NCB",
            "KH-N CB",
            "KH-ÉCOLE",
        ] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_parse_case_insensitively() {
        assert_eq!("NCB".parse::<AgencyKind>(), Ok(AgencyKind::Ncb));
        assert!("army".parse::<AgencyKind>().is_err());
    }
}
