//! Cordon's one STIX extension-definition: the new SCO types for selectors
//! STIX has no observable for, and the property extension that carries a
//! report's Cordon fields so that a bundle re-imports to the same report.
//!
//! Its normative schema is `schemas/cordon-stix-extension-v1.json` in this
//! crate; the object below names it. Changing the extension means a new
//! version of both, under a new extension-definition id.

use cordon_core::report::{Location, Loss};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The extension-definition's identifier.
pub const EXTENSION: &str = "extension-definition--452e400b-f02a-47d2-805b-32a3ec36a55e";
/// The identity that publishes the extension and the shared vocabulary
/// (attack-patterns): the Cordon project, not any member agency.
pub const PUBLISHER: &str = "identity--0d145499-6be7-4e8f-bc40-435c7befb29b";
/// When version 1 of the extension was published; also the `created` of
/// the shared vocabulary objects, which never change.
pub const PUBLISHED: &str = "2026-11-25T00:00:00.000Z";
/// The normative JSON schema, shipped with the crate.
pub const SCHEMA: &str = include_str!("../../schemas/cordon-stix-extension-v1.json");

/// The new SCO types the extension defines.
pub const NEW_SCOS: [&str; 4] = [
    "phone-number",
    "cryptocurrency-wallet",
    "bank-account",
    "travel-document",
];

/// The extension-definition object.
pub fn definition() -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": super::SPEC_VERSION,
        "id": EXTENSION,
        "created_by_ref": PUBLISHER,
        "created": PUBLISHED,
        "modified": PUBLISHED,
        "name": "Cordon scam-centre intelligence",
        "description": "New SCOs for selectors STIX 2.1 has no observable for (phone-number, cryptocurrency-wallet, bank-account, travel-document) and the Cordon fields of a report (kind, country, grading, losses, recipients, canonical selectors).",
        "schema": "cordon-stix-extension-v1.json (JSON Schema draft 2020-12, shipped in the Cordon repository at crates/interop/schemas/)",
        "version": "1.0.0",
        "extension_types": ["new-sco", "property-extension"],
    })
}

/// The identity object of the publisher.
pub fn publisher() -> Value {
    json!({
        "type": "identity",
        "spec_version": super::SPEC_VERSION,
        "id": PUBLISHER,
        "created": PUBLISHED,
        "modified": PUBLISHED,
        "name": "Cordon",
        "identity_class": "system",
        "description": "The Cordon intelligence exchange against transnational scam centres.",
    })
}

/// The entry every object Cordon derives carries under `extensions`: it is
/// how an import tells Cordon's own objects from other tools' ones.
pub fn marker(new_sco: bool) -> Value {
    json!({ "extension_type": if new_sco { "new-sco" } else { "property-extension" } })
}

/// Whether an object carries the Cordon extension (Cordon derived it).
pub fn is_cordon(object: &Value) -> bool {
    object
        .get("extensions")
        .and_then(|e| e.get(EXTENSION))
        .is_some()
}

/// The Cordon fields of a report, in the report's property extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFields {
    pub extension_type: String,
    /// The report's id at its owner (client-chosen).
    pub report_id: String,
    /// The owning agency's code.
    pub agency: String,
    pub revision: u32,
    pub kind: String,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// The Admiralty grade (`B2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(rename = "modus_operandi")]
    pub mo: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub losses: Vec<Loss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// TLP recipients (`CC-NAME` or `CC-NAME/user`); the level itself is
    /// the object's TLP marking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    pub hit_notification: bool,
    /// The canonical selectors, exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_json_and_names_every_new_sco() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let defs = schema.get("$defs").unwrap();
        for sco in NEW_SCOS {
            assert!(defs.get(sco).is_some(), "{sco} missing from the schema");
        }
        assert!(defs.get("report-fields").is_some());
    }
}
