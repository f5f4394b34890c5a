//! Cordon's exchange formats with other tools.
//!
//! - [`stix`]: Cordon's model as STIX 2.1 objects and back. Reports become a
//!   `report` with its `observed-data`, `indicator` and observables; the
//!   selectors STIX has no observable for (phone numbers, crypto wallets,
//!   bank accounts, identity documents) are new SCO types published in one
//!   extension-definition (`schemas/cordon-stix-extension-v1.json`). Objects
//!   of other tools that Cordon cannot turn into reports are kept verbatim
//!   and exported unchanged, so nothing is lost on a round trip.
//! - [`misp`]: MISP events (as MISP and PyMISP write them, and MISP feeds)
//!   and Cordon's reports as MISP events. Attributes and objects become
//!   selectors, TLP tags and distribution levels markings, Cordon's own
//!   fields machine tags; sightings are counted into the narrative.
//! - [`taxii`]: the query of a TAXII 2.1 request (filters, paging).
//!
//! Like `cordon-core`, this crate does no IO: it turns text into values and
//! values into text, and every error names the object and field at fault.

pub mod misp;
pub mod stix;
pub mod taxii;
