//! Identifiers of the objects Cordon derives.
//!
//! Every derived identifier is a UUIDv5, so that exporting the same report
//! twice, from any node, names the same objects and a receiving tool updates
//! instead of duplicating. SCOs use STIX's own namespace over the JSON of
//! their id-contributing properties (STIX 2.1 §2.9), so that `stix2` and
//! every other conforming tool compute the same id for the same observable;
//! the rest use Cordon's namespace.
//!
//! The objects derived from one report share its UUID under different types
//! (`report--U`, `observed-data--U`, `indicator--U`, `relationship--U`, …):
//! a look-up by any of them finds the report by one key.

use std::collections::BTreeMap;

use uuid::Uuid;

/// STIX 2.1's namespace for deterministic SCO identifiers.
const SCO_NAMESPACE: Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");
/// Cordon's namespace for every other derived identifier.
const CORDON_NAMESPACE: Uuid = uuid::uuid!("2ac52ca4-79ce-4f10-8417-2be3a06a3224");

/// The UUID shared by every object derived from one report. A report whose
/// id is already a STIX identifier (it came from another tool) keeps that
/// identifier's UUID, so it is exported under the id it arrived with.
pub fn report_uuid(agency: &str, report_id: &str) -> Uuid {
    if let Some((_, uuid)) = report_id.split_once("--")
        && super::is_identifier(report_id)
        && let Ok(uuid) = Uuid::try_parse(uuid)
    {
        return uuid;
    }
    cordon(&format!("report:{agency}/{report_id}"))
}

/// The identity of a member agency.
pub fn agency_identity(code: &str) -> String {
    format!("identity--{}", cordon(&format!("agency:{code}")))
}

/// The attack-pattern of a modus-operandi tag.
pub fn attack_pattern(tag: &str) -> String {
    format!("attack-pattern--{}", cordon(&format!("mo:{tag}")))
}

/// The identity of a person or organisation named in reports (a fuzzy
/// selector); shared by every report that names it.
pub fn named_identity(selector: &str) -> String {
    format!("identity--{}", cordon(&format!("named:{selector}")))
}

/// A deterministic SCO identifier over its id-contributing properties, as
/// STIX 2.1 §2.9 defines: UUIDv5 in STIX's namespace over the properties'
/// canonical JSON (RFC 8785: sorted keys, no whitespace).
pub fn sco(kind: &str, contributing: &BTreeMap<&str, ScoValue<'_>>) -> String {
    let json = serde_json::to_string(contributing).expect("strings and maps always serialise");
    format!("{kind}--{}", Uuid::new_v5(&SCO_NAMESPACE, json.as_bytes()))
}

/// An id-contributing property value: a string or a map of strings (file
/// hashes).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum ScoValue<'a> {
    Text(&'a str),
    Map(BTreeMap<&'a str, &'a str>),
}

fn cordon(name: &str) -> Uuid {
    Uuid::new_v5(&CORDON_NAMESPACE, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sco_ids_match_the_stix_specification_example() {
        // STIX 2.1 §2.9's worked example and the id `stix2` computes for it.
        let mut props = BTreeMap::new();
        props.insert("value", ScoValue::Text("example.com"));
        assert_eq!(
            sco("domain-name", &props),
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        );
    }

    #[test]
    fn a_report_from_another_tool_keeps_its_uuid() {
        let u = report_uuid("TH-DSI", "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3");
        assert_eq!(u.to_string(), "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3");
        let native = report_uuid("TH-DSI", "case-7");
        assert_eq!(native, report_uuid("TH-DSI", "case-7"));
        assert_ne!(native, report_uuid("GB-NCA", "case-7"));
    }
}
