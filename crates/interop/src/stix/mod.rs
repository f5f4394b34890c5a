//! STIX 2.1: Cordon's reports as STIX objects ([`export`]) and STIX bundles
//! from other tools as Cordon reports plus objects kept verbatim
//! ([`import`]).
//!
//! The mapping (docs/STIX.md has the table):
//! - a report → `report` (its Cordon fields in the Cordon property
//!   extension), `observed-data` of its observables, one `indicator` whose
//!   pattern matches its exact selectors, a `location` where it has one and,
//!   for compound intelligence, an `infrastructure` located there;
//! - selectors → SCOs: `domain-name`, `url`, `email-addr`, `ipv4-addr`,
//!   `ipv6-addr`, `file` (hashes), `user-account` (social handles), and the
//!   new SCOs `phone-number`, `cryptocurrency-wallet`, `bank-account`,
//!   `travel-document`; names and companies → `identity`;
//! - modus-operandi tags → `attack-pattern`; agencies → `identity`;
//! - markings → the TLP 2.0 `marking-definition`s under their standard ids;
//! - grading → `confidence` (STIX's Admiralty credibility scale) plus the
//!   full grade in the extension.
//!
//! Every object Cordon derives carries the Cordon extension, which is how an
//! import tells Cordon's own objects (rebuilt from the report) from other
//! tools' objects (kept verbatim).

pub mod bulletin;
pub mod export;
pub mod extension;
pub mod grouping;
pub mod ids;
pub mod import;
pub mod notice;
mod object;
pub mod pattern;
pub mod sco;
pub mod tlp;

use chrono::{DateTime, SecondsFormat, Utc};

pub use export::{Exporter, KeptObject};
pub use import::{
    CheckedBundle, ImportError, ImportOptions, Imported, ImportedReport, check_bundle,
    check_envelope, import_bundle, import_envelope,
};

/// The STIX version Cordon writes.
pub const SPEC_VERSION: &str = "2.1";

/// STIX timestamps: RFC 3339 in UTC with `Z`. Microseconds, so that two
/// revisions accepted within one millisecond are still two versions.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The STIX type of an identifier: the part before `--`.
pub fn type_of(id: &str) -> Option<&str> {
    id.split_once("--").map(|(t, _)| t)
}

/// Whether `id` is a well-formed STIX identifier: `type--uuid`, the type
/// 3 to 250 lowercase letters, digits and hyphens, the UUID in its
/// hyphenated form (RFC 4122 reads hex digits in either case; the OASIS
/// examples use both).
pub fn is_identifier(id: &str) -> bool {
    let Some((kind, uuid)) = id.split_once("--") else {
        return false;
    };
    (3..=250).contains(&kind.len())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && uuid.len() == 36
        && uuid::Uuid::try_parse(uuid).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_type_double_hyphen_lowercase_uuid() {
        assert!(is_identifier(
            "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"
        ));
        assert!(is_identifier(
            "x-misp-object--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"
        ));
        assert!(is_identifier(
            "relationship--81f12913-1372-4c96-85ec-E9034ac98aba"
        ));
        for bad in [
            "report-84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
            "Report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
            "report--84e4d88f44ea4bcdbbf3b2c1c320bcb3",
            "report--{84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3}",
            "report--urn:uuid:84e4d88f-44ea-4bcd-bbf3-b2c1c320",
            "re--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
            "report--",
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_keep_microseconds_and_end_in_z() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-03-01T10:00:00.123456Z");
    }
}
