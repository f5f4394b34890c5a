//! Finding reports and selectors by the STIX identifiers Cordon derives for
//! them (`cordon_interop::stix::ids`, `…::sco`), so that a TAXII client may
//! ask for any object Cordon exported by its id.
//!
//! Derived ids are UUIDv5s that no SQL can compute, so the store keeps a
//! [`key`] of each, computed when a report is written: of its
//! [`report_uuid`] and of each of its selectors' object ids. SQLite keeps
//! them as terms of the revision's full-text document, PostgreSQL as
//! indexed columns of the report's first revision and of the selector (see
//! each backend's migration 0004). A key is the UUID's top 47 bits, so it
//! may name more than one report or selector (47 bits collide, and other
//! tools choose their own UUIDs): a look-up reads every candidate and keeps
//! those whose id, recomputed from what is stored, is the one asked for
//! ([`report_derives`], [`selector_becomes`]).

use cordon_core::Selector;
use cordon_interop::stix::{ids, sco};
use uuid::Uuid;

/// The key a backend stores for a derived UUID: its top 47 bits, a
/// non-negative integer (a BIGINT in PostgreSQL, 12 hex digits in a
/// SQLite term).
/// Never change it: stored keys depend on it.
pub fn key(uuid: Uuid) -> i64 {
    (uuid.as_u128() >> 81) as i64
}

/// The key of the UUID that every object derived from a report shares.
pub fn report_key(agency: &str, report_id: &str) -> i64 {
    key(report_uuid(agency, report_id))
}

/// The UUID that every object derived from a report shares.
pub fn report_uuid(agency: &str, report_id: &str) -> Uuid {
    ids::report_uuid(agency, report_id)
}

/// The key of the object a selector becomes (an SCO, or an `identity`).
pub fn selector_key(selector: &Selector) -> i64 {
    // On the write path: the id is well formed, so it needs no [`parse`].
    let id = sco::id(selector);
    let uuid = id.split_once("--").map(|(_, uuid)| Uuid::try_parse(uuid));
    key(uuid
        .and_then(Result::ok)
        .expect("a derived id is type--uuid"))
}

/// A STIX id's type and UUID; `None` when `id` is not a STIX identifier.
pub fn parse(id: &str) -> Option<(&str, Uuid)> {
    if !cordon_interop::stix::is_identifier(id) {
        return None;
    }
    let (kind, uuid) = id.split_once("--")?;
    Some((kind, Uuid::try_parse(uuid).ok()?))
}

/// Whether the stored report `(agency, report_id)` derives `uuid`.
pub fn report_derives(agency: &str, report_id: &str, uuid: Uuid) -> bool {
    report_uuid(agency, report_id) == uuid
}

/// Whether the stored selector `text` becomes the object of type `kind`
/// and UUID `uuid` (a [`parse`]d id: the UUID's hex digits in either case).
/// Text that is no longer canonical (a later normaliser reads it
/// otherwise) becomes nothing.
pub fn selector_becomes(text: &str, kind: &str, uuid: Uuid) -> bool {
    let Ok(selector) = Selector::parse_canonical(text) else {
        return false;
    };
    let id = sco::id(&selector);
    parse(&id) == Some((kind, uuid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::selector::{Hint, normalize_one};

    #[test]
    fn keys_fit_six_bytes_and_are_stable() {
        let u = Uuid::try_parse("bedb4899-d24b-5401-bc86-8f6b4cc18ec7").unwrap();
        assert_eq!(key(u), 0xbedb_4899_d24b >> 1);
        assert_eq!(key(Uuid::max()), (1 << 47) - 1);
        assert_eq!(key(Uuid::nil()), 0);
        let domain = normalize_one("example.com", &Hint::default()).unwrap();
        assert_eq!(selector_key(&domain), key(u), "STIX 2.1's own example id");
    }

    #[test]
    fn only_stix_identifiers_parse() {
        let (kind, uuid) = parse("domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7").unwrap();
        assert_eq!(kind, "domain-name");
        assert_eq!(uuid.to_string(), "bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
        let upper = parse("domain-name--BEDB4899-D24B-5401-BC86-8F6B4CC18EC7");
        assert_eq!(
            upper,
            Some((kind, uuid)),
            "RFC 4122 reads hex in either case"
        );
        for bad in [
            "",
            "domain-name",
            "domain-name--",
            "domain-name--bedb4899d24b5401bc868f6b4cc18ec7",
            "Domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn candidates_are_checked_by_type_and_uuid() {
        let domain = normalize_one("example.com", &Hint::default()).unwrap();
        let id = sco::id(&domain);
        let (kind, uuid) = parse(&id).unwrap();
        assert!(selector_becomes(domain.as_str(), kind, uuid));
        assert!(!selector_becomes(domain.as_str(), "url", uuid));
        assert!(!selector_becomes(domain.as_str(), kind, Uuid::nil()));
        assert!(
            !selector_becomes("domain:Example.COM", kind, uuid),
            "not canonical"
        );
        let u = report_uuid("TH-DSI", "case-7");
        assert!(report_derives("TH-DSI", "case-7", u));
        assert!(!report_derives("GB-NCA", "case-7", u));
    }
}
