//! Preventing recruitment into scam compounds: what a job seeker can check
//! before they travel, and what agencies need to know to warn them.
//!
//! [`flags`] finds the red flags of trafficking recruitment in an advert or
//! a chat message, in the words that show each one, in English and in
//! languages of the origin countries. The risk model, the public check and
//! the awareness bulletins build on it.
//!
//! The crate is pure: no IO beyond the data it ships.

pub mod flags;
