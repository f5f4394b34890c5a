//! Markings: TLP 2.0 plus the named recipients that decide who may read a report.
//!
//! This module only describes a marking; the decision of who may read what is
//! made in one place, the access module of the server (ARCHITECTURE.md
//! invariant 1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Traffic Light Protocol 2.0 levels, from most to least shareable.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "CLEAR")]
    Clear,
    #[serde(rename = "GREEN")]
    Green,
    #[serde(rename = "AMBER")]
    Amber,
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    #[serde(rename = "RED")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown TLP label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tlp '{0}'; expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED")]
pub struct TlpError(pub String);

impl FromStr for Tlp {
    type Err = TlpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // TLP 1.0's WHITE is TLP 2.0's CLEAR; peers still send it.
        let t = t
            .strip_prefix("TLP:")
            .or_else(|| t.strip_prefix("tlp:"))
            .unwrap_or(t);
        match t.to_ascii_uppercase().as_str() {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(TlpError(s.to_owned())),
        }
    }
}

/// A report's marking: its TLP level, the agencies (or, for RED, named
/// individuals) it is addressed to, and whether others may learn of it
/// through hit notifications.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Marking {
    pub tlp: Tlp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    #[serde(default = "default_true")]
    pub hit_notification: bool,
}

fn default_true() -> bool {
    true
}

impl Default for Marking {
    /// Unmarked intelligence is treated as AMBER: shareable on a need-to-know
    /// basis only, never public by accident.
    fn default() -> Self {
        Marking {
            tlp: Tlp::Amber,
            recipients: Vec::new(),
            hit_notification: true,
        }
    }
}

impl Marking {
    pub fn new(tlp: Tlp) -> Self {
        Marking {
            tlp,
            ..Marking::default()
        }
    }

    /// Checks every recipient: an agency code (`TH-DSI`) or one individual
    /// of an agency (`TH-DSI/somchai`). RED is for named individuals only
    /// (TLP 2.0), so a RED recipient that names a whole agency is refused
    /// rather than silently granting nothing. Returns the index of the first
    /// bad recipient and why.
    pub fn check_recipients(&self) -> Result<(), (usize, String)> {
        for (i, r) in self.recipients.iter().enumerate() {
            let r = r.trim();
            let (agency, user) = match r.split_once('/') {
                Some((a, u)) => (a, Some(u)),
                None => (r, None),
            };
            crate::agency::check_code(agency).map_err(|e| (i, e.message))?;
            match user {
                Some(u) => crate::agency::check_user_name(u).map_err(|e| (i, e.message))?,
                None if self.tlp == Tlp::Red => {
                    return Err((
                        i,
                        format!(
                            "RED is shared with named individuals only; write '{agency}/username' instead of the agency '{agency}'"
                        ),
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Puts recipients in one order without duplicates so that equal
    /// markings compare equal and digest alike.
    pub fn canonicalize(&mut self) {
        for r in &mut self.recipients {
            *r = r.trim().to_owned();
        }
        self.recipients.retain(|r| !r.is_empty());
        self.recipients.sort();
        self.recipients.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_round_trips_through_text_and_json() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp.as_str().parse::<Tlp>(), Ok(tlp));
            let json = serde_json::to_string(&tlp).unwrap();
            assert_eq!(json, format!("\"{}\"", tlp.as_str()));
            assert_eq!(serde_json::from_str::<Tlp>(&json).unwrap(), tlp);
        }
        assert_eq!("TLP:WHITE".parse::<Tlp>(), Ok(Tlp::Clear));
        assert_eq!("amber+strict".parse::<Tlp>(), Ok(Tlp::AmberStrict));
        assert!("PINK".parse::<Tlp>().is_err());
    }

    #[test]
    fn tlp_orders_from_open_to_closed() {
        assert!(Tlp::Clear < Tlp::Green && Tlp::Green < Tlp::Amber);
        assert!(Tlp::Amber < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
    }

    #[test]
    fn marking_defaults_to_amber_with_hit_notification() {
        let m: Marking = serde_json::from_str(r#"{"tlp":"RED"}"#).unwrap();
        assert_eq!(m.tlp, Tlp::Red);
        assert!(m.hit_notification);
        assert_eq!(Marking::default().tlp, Tlp::Amber);
    }

    #[test]
    fn recipients_name_agencies_or_individuals_and_red_names_individuals() {
        let mut m = Marking::new(Tlp::Amber);
        m.recipients = vec!["TH-DSI".into(), "KH-NCB/sokha".into()];
        assert_eq!(m.check_recipients(), Ok(()));
        m.tlp = Tlp::Red;
        let (i, why) = m.check_recipients().unwrap_err();
        assert_eq!(i, 0);
        assert!(why.contains("TH-DSI/username"), "{why}");
        m.recipients = vec!["KH-NCB/sokha".into()];
        assert_eq!(m.check_recipients(), Ok(()));
        for bad in [
            "kh-ncb",
            "KH-NCB/Sokha",
            "KH-NCB/",
            "XX-ABC/a",
            "KH-NCB/a b",
        ] {
            m.recipients = vec![bad.into()];
            assert!(m.check_recipients().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn canonical_recipients_are_sorted_and_unique() {
        let mut m = Marking {
            tlp: Tlp::Amber,
            recipients: vec![
                "TH-DSI".into(),
                " KH-NCB".into(),
                "TH-DSI".into(),
                "".into(),
            ],
            hit_notification: true,
        };
        m.canonicalize();
        assert_eq!(
            m.recipients,
            vec!["KH-NCB".to_string(), "TH-DSI".to_string()]
        );
    }
}
