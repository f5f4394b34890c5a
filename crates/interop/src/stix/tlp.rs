//! Traffic Light Protocol markings as STIX `marking-definition`s.
//!
//! Cordon writes TLP 2.0 under the identifiers FIRST and OASIS published
//! (cti-stix-common-objects, extension-definition--60a3c5c5…), and reads
//! both TLP 2.0 and STIX 2.1's predefined TLP 1.0 markings, where WHITE is
//! CLEAR. A marking-definition of another tool that states a TLP level in
//! STIX 2.0 style (`definition_type: tlp`) is read as that level.

use cordon_core::Tlp;
use serde_json::{Value, json};

/// The extension through which every TLP 2.0 marking-definition declares
/// its level.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// When the TLP 2.0 objects were published; part of the objects, like
/// their ids.
const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

const TLP2: [(Tlp, &str, &str); 5] = [
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
    ),
];

/// STIX 2.1's predefined TLP 1.0 markings (§7.2.1.4).
const TLP1: [(Tlp, &str); 4] = [
    (
        Tlp::Clear,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        Tlp::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        Tlp::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        Tlp::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

/// The TLP 2.0 marking-definition id of a level.
pub fn marking_id(tlp: Tlp) -> &'static str {
    TLP2.iter()
        .find(|(t, _, _)| *t == tlp)
        .map(|(_, id, _)| *id)
        .expect("every level has a TLP 2.0 marking")
}

/// The TLP 2.0 marking-definition object of a level, as published.
pub fn marking_definition(tlp: Tlp) -> Value {
    let (_, id, level) = TLP2
        .iter()
        .find(|(t, _, _)| *t == tlp)
        .expect("every level has a TLP 2.0 marking");
    json!({
        "type": "marking-definition",
        "spec_version": super::SPEC_VERSION,
        "id": id,
        "created": TLP2_CREATED,
        "name": format!("TLP:{}", level.to_ascii_uppercase()),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level,
            }
        }
    })
}

/// The level a standard TLP marking-definition id stands for.
pub fn level_of_id(id: &str) -> Option<Tlp> {
    TLP2.iter()
        .find(|(_, i, _)| *i == id)
        .map(|(t, _, _)| *t)
        .or_else(|| TLP1.iter().find(|(_, i)| *i == id).map(|(t, _)| *t))
}

/// Whether an object is one of the standard TLP marking-definitions, which
/// Cordon writes itself and need not keep.
pub fn is_standard(id: &str) -> bool {
    level_of_id(id).is_some()
}

/// The level a marking-definition object states, if it is a TLP marking of
/// any style: TLP 2.0's extension, or `definition_type: tlp` with
/// `definition.tlp`.
pub fn level_of_definition(object: &Value) -> Option<Tlp> {
    if let Some(id) = object.get("id").and_then(Value::as_str)
        && let Some(tlp) = level_of_id(id)
    {
        return Some(tlp);
    }
    let named = object
        .pointer(&format!("/extensions/{TLP2_EXTENSION}/tlp_2_0"))
        .or_else(|| {
            (object.get("definition_type").and_then(Value::as_str) == Some("tlp"))
                .then(|| object.pointer("/definition/tlp"))
                .flatten()
        })?
        .as_str()?;
    parse_level(named)
}

/// A TLP level written as a word (`amber+strict`, `TLP:WHITE`, `red`).
pub fn parse_level(text: &str) -> Option<Tlp> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_prefix("tlp:").unwrap_or(&t);
    match t {
        "clear" | "white" => Some(Tlp::Clear),
        "green" => Some(Tlp::Green),
        "amber" => Some(Tlp::Amber),
        "amber+strict" => Some(Tlp::AmberStrict),
        "red" => Some(Tlp::Red),
        _ => None,
    }
}

/// How far a level restricts reading: higher is stricter.
pub fn strictness(tlp: Tlp) -> u8 {
    match tlp {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_round_trips_through_its_standard_id_and_object() {
        for (tlp, _, _) in TLP2 {
            let object = marking_definition(tlp);
            assert_eq!(level_of_definition(&object), Some(tlp));
            assert_eq!(level_of_id(marking_id(tlp)), Some(tlp));
        }
    }

    #[test]
    fn tlp1_white_is_clear_and_stix20_style_definitions_are_read() {
        assert_eq!(
            level_of_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        let old = json!({"type": "marking-definition", "id": "marking-definition--00000000-0000-4000-8000-000000000000",
            "definition_type": "tlp", "definition": {"tlp": "amber"}});
        assert_eq!(level_of_definition(&old), Some(Tlp::Amber));
        let statement = json!({"type": "marking-definition", "id": "marking-definition--00000000-0000-4000-8000-000000000001",
            "definition_type": "statement", "definition": {"statement": "Copyright"}});
        assert_eq!(level_of_definition(&statement), None);
    }
}
