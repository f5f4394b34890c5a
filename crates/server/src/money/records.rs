//! Money items as the store keeps them: each under a key that makes the
//! same item imported again the same record (a revision when it changed),
//! with its JSON as the finance crate writes it. Shared by the API's
//! import and `cordon flows import`.

use cordon_finance::flow::{Conversion, Flow};
use cordon_finance::tags::Tag;
use cordon_store::{MoneyKind, NewMoney};

fn record(kind: MoneyKind, key: String, body: &impl serde::Serialize) -> NewMoney {
    NewMoney {
        kind,
        key,
        // Serialising plain data does not fail.
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// A flow is its transaction (and log index) or transfer reference.
pub fn of_flows(flows: &[Flow]) -> Vec<NewMoney> {
    flows
        .iter()
        .map(|f| record(MoneyKind::Flow, f.id.clone(), f))
        .collect()
}

/// A conversion is the two legs it joins.
pub fn of_conversions(conversions: &[Conversion]) -> Vec<NewMoney> {
    conversions
        .iter()
        .map(|c| {
            let key = format!(
                "{}/{}>{}/{}",
                c.from.flow, c.from.address, c.to.flow, c.to.address
            );
            record(MoneyKind::Conversion, key, c)
        })
        .collect()
}

/// A tag is what it says of an address: its category and label (a new
/// confidence or source is a revision of it).
pub fn of_tags(tags: &[Tag]) -> Vec<NewMoney> {
    tags.iter()
        .map(|t| {
            let key = format!("{}|{}|{}", t.address, t.category.as_str(), t.label);
            record(MoneyKind::Tag, key, t)
        })
        .collect()
}
