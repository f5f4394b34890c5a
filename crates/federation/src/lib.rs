//! Federating national Cordon nodes (issue 10).
//!
//! Many countries cannot put their citizens' data on a server abroad: each
//! runs its own node, and nodes find the selectors they share without
//! showing each other the ones they may not share. A plain hash does not
//! hide a selector — a country's every phone number can be hashed in
//! minutes ([`dictionary`] shows it) — so Cordon matches on keyed
//! pseudonyms computed through an oblivious PRF ([`oprf`], RFC 9497): the
//! matching service holding the key never sees a selector, and no node
//! ever learns the key.
//!
//! The crate is pure: the protocol's messages go over whatever carries
//! them.

pub mod config;
pub mod dictionary;
pub mod keyring;
pub mod oprf;
pub mod protocol;
