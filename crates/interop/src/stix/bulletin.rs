//! An awareness bulletin as one STIX 2.1 bundle, marked TLP:CLEAR for
//! publication: a `report` about recruitment from one origin country,
//! referring to that country's `location`, with the bulletin's figures in
//! its description (STIX has no objects for "jobs promised" or "age
//! bands"; the text is what campaign partners read).
//!
//! Identifiers derive from the author, the origin and the period, so that
//! exporting the same bulletin twice gives the same objects.

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use serde_json::{Value, json};
use uuid::Uuid;

use super::export::Deriver;
use super::{SPEC_VERSION, ids, timestamp, tlp};

/// What the bulletin says, as the server built it.
#[derive(Debug, Clone, Copy)]
pub struct BulletinView<'a> {
    /// The publishing agency (`KE-DCI`).
    pub author: &'a str,
    /// ISO 3166-1 alpha-2.
    pub origin: &'a str,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub title: &'a str,
    /// The figures, as text.
    pub description: &'a str,
    pub created: DateTime<Utc>,
}

/// Why a bulletin cannot be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulletinError {
    #[error("the bulletin author '{code}' is not an agency code: {message}")]
    Author { code: String, message: String },
    #[error("'{0}' is not an ISO 3166-1 alpha-2 country")]
    Origin(String),
}

/// The STIX 2.1 bundle of a bulletin.
pub fn bulletin_bundle(view: &BulletinView<'_>) -> Result<Value, BulletinError> {
    cordon_core::agency::check_code(view.author).map_err(|e| BulletinError::Author {
        code: view.author.to_owned(),
        message: e.message,
    })?;
    if cordon_core::country::alpha2(view.origin) != Some(view.origin) {
        return Err(BulletinError::Origin(view.origin.to_owned()));
    }
    let key = format!(
        "bulletin:{}:{}:{}",
        view.origin,
        timestamp(view.from),
        timestamp(view.to)
    );
    let uuid = ids::report_uuid(view.author, &key);
    let author = ids::agency_identity(view.author);
    let marking = tlp::marking_id(Tlp::Clear);
    let created = timestamp(view.created);
    let location_id = format!(
        "location--{}",
        Uuid::new_v5(&uuid, format!("location:{}", view.origin).as_bytes())
    );
    let location = json!({
        "type": "location",
        "spec_version": SPEC_VERSION,
        "id": location_id,
        "created_by_ref": author,
        "created": created,
        "modified": created,
        "country": view.origin,
        "name": format!("Job seekers of {}", view.origin),
        "object_marking_refs": [marking],
    });
    let report = json!({
        "type": "report",
        "spec_version": SPEC_VERSION,
        "id": format!("report--{uuid}"),
        "created_by_ref": author,
        "created": created,
        "modified": created,
        "name": view.title,
        "description": view.description,
        "report_types": ["threat-report"],
        "published": created,
        "object_refs": [location_id],
        "labels": ["awareness-bulletin"],
        "object_marking_refs": [marking],
    });
    let bundle = Uuid::new_v5(&uuid, format!("bundle:{created}").as_bytes());
    Ok(json!({
        "type": "bundle",
        "id": format!("bundle--{bundle}"),
        "objects": [
            tlp::marking_definition(Tlp::Clear),
            Deriver::new(Vec::new()).agency_identity(view.author),
            location,
            report,
        ],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn view(author: &str, origin: &str) -> BulletinView<'static> {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        BulletinView {
            author: leak(author),
            origin: leak(origin),
            from: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
            title: "Recruitment from KE",
            description: "Top jobs: customer service (12)",
            created: Utc.with_ymd_and_hms(2026, 10, 2, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_bundle_is_clear_and_stable() {
        let a = bulletin_bundle(&view("KE-DCI", "KE")).unwrap();
        let b = bulletin_bundle(&view("KE-DCI", "KE")).unwrap();
        assert_eq!(a, b);
        let objects = a["objects"].as_array().unwrap();
        let report = objects.iter().find(|o| o["type"] == "report").unwrap();
        assert_eq!(
            report["object_marking_refs"][0],
            tlp::marking_id(Tlp::Clear)
        );
        assert_eq!(report["labels"][0], "awareness-bulletin");
        let location = objects.iter().find(|o| o["type"] == "location").unwrap();
        assert_eq!(location["country"], "KE");
        assert_eq!(report["object_refs"][0], location["id"]);
    }

    #[test]
    fn bad_authors_and_origins_are_named() {
        assert!(matches!(
            bulletin_bundle(&view("nope", "KE")),
            Err(BulletinError::Author { .. })
        ));
        assert_eq!(
            bulletin_bundle(&view("KE-DCI", "XX")).unwrap_err(),
            BulletinError::Origin("XX".into())
        );
    }
}
