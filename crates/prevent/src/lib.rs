//! Preventing recruitment into scam compounds: what a job seeker can check
//! before they travel, and what agencies need to know to warn them.
//!
//! - [`flags`] finds the red flags of trafficking recruitment in an advert
//!   or a chat message, in the words that show each one, in English and in
//!   languages of the origin countries; [`identity`] finds the marks of a
//!   real employer; both are [`phrasebook`]s shipped as data.
//! - [`pay`] reads the pay offered and weighs it against typical income in
//!   the job seeker's country.
//! - [`features`] and [`model`]: the explainable job-offer risk model.
//! - [`check`]: the public check's answer in plain language, with
//!   [`messages`] in the job seeker's language and [`hotlines`] of their
//!   country.
//!
//! The crate is pure: no IO beyond the data it ships.

pub mod bulletin;
pub mod check;
pub mod features;
pub mod flags;
pub mod hotlines;
pub mod identity;
pub mod labelled;
pub mod messages;
pub mod model;
pub mod pay;
pub mod phrasebook;
mod tsv;
