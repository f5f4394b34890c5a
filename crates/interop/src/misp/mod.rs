//! MISP: events as MISP and PyMISP write them ([`import`]) and Cordon's
//! reports as MISP events, alone or as a MISP feed ([`export`], [`feed`]).
//!
//! The mapping (docs/MISP.md has the tables):
//! - an event ↔ a report; an event of another tool gets the id
//!   `misp-event--<uuid>`, and one Cordon wrote comes back under its own id;
//! - attributes and the objects that hold identifiers (`phone-number`,
//!   `bank-account`, `coin-address`, `cryptocurrency-transaction`, `url`,
//!   `domain-ip`, `email`, `person`, `legal-entity`, the account objects and
//!   the template-less `social-media`) ↔ selectors ([`selectors`]);
//! - TLP tags and distribution levels ↔ markings ([`marking`]);
//! - Cordon's own report fields ↔ machine tags in the `cordon` namespace
//!   (`cordon:kind="tip"`, [`tags`]) and the MISP `admiralty-scale`
//!   taxonomy; the narrative ↔ an event report; the location ↔ a
//!   `geolocation` object;
//! - sightings are counted, not kept: the count becomes a line of the
//!   narrative (`MISP: 12 sightings of 4 attributes`).
//!
//! Like the rest of this crate, no IO: text in, values out.

pub mod export;
pub mod feed;
pub mod import;
pub mod marking;
pub mod selectors;
pub mod tags;

pub use crate::stix::ImportOptions;
pub use export::{EventWriter, Events, event};
pub use import::{
    CheckedEvents, ImportError, Imported, ImportedEvent, Sightings, check_events, import_events,
};

/// The prefix of the report id an event of another tool gets:
/// `misp-event--<uuid>`, a STIX-style identifier, so that the event is
/// exported again under its own UUID (in MISP and in STIX) and cannot
/// collide with a client-chosen id.
pub const REPORT_ID_PREFIX: &str = "misp-event--";

/// The report id of an event of another tool.
pub fn report_id(event_uuid: &uuid::Uuid) -> String {
    format!("{REPORT_ID_PREFIX}{}", event_uuid.hyphenated())
}
