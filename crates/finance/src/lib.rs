//! Following the money: the flows of victims' payments across wallets,
//! mule accounts and services, to the points where they can be frozen.
//!
//! Crypto and bank money share one model. A [`flow::Flow`] is one movement
//! of one [`asset::Asset`] between addresses, which are canonical
//! selectors (`trx:T…`, `btc:bc1…`, `eth:0x…`, `iban:…`, `bank:…`), so that
//! a wallet in a report and a wallet in a flow are the same key. Value
//! changes asset only through a recorded [`flow::Conversion`] (a swap, a
//! bridge, an exchange deposit). Amounts are exact decimals, never floats.
//!
//! The crate is pure: no IO beyond parsing what it is given.

pub mod asset;
pub mod cluster;
pub mod flow;
pub mod graph;
pub mod import;
pub mod mules;
pub mod services;
pub mod tags;
pub mod trace;
