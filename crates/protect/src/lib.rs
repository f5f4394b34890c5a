//! Protecting the people held in scam compounds: one standard protocol
//! from the first distress signal to the last follow-up after return.
//!
//! A [`case::Case`] is one person or a group held together. It moves
//! through the [`stage`]s of the protocol, each with a clock ([`clock`])
//! that escalates an overdue case to the assigned agencies and then their
//! supervisors. People are screened against the ILO and ILO/EC Delphi
//! indicators and scam-compound indicators of forced criminality
//! ([`screening`]), which suggest, never decide, an IOM HTCDS status.
//! Everything personal ([`person::Personal`]) is sealed with the case's
//! own data key ([`seal`]); a case exports as IOM HTCDS v2 ([`htcds`]).
//!
//! The crate is pure: no IO, no HTTP, no SQL. The server keeps cases as
//! decisions in the store's log and decides who reads them.

pub mod case;
pub mod clock;
pub mod error;
pub mod htcds;
pub mod person;
pub mod screening;
pub mod seal;
pub mod stage;

pub use case::{Case, Event};
pub use error::CaseError;
pub use seal::{CaseKey, DataKey, Sealed};
pub use stage::Stage;
