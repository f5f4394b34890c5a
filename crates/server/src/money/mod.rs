//! The money held by the server: the flows, conversions and attribution
//! tags agencies imported (crates/finance), each under its agency's
//! marking, loaded from the store at start and followed after.
//!
//! Analysis reads what the viewer may read: a trace for a viewer runs over
//! the flows, conversions and tags whose marking lets it read them
//! ([`crate::access::sight`]), so that no amount, address or path it could
//! not read reaches it through a result. What it may only learn of shows as
//! the holder's contact where the trace stops.

pub mod freeze;
pub mod patterns;
pub mod records;
pub mod trace;
pub mod view;

use std::collections::HashMap;
use std::sync::Arc;

use cordon_core::Marking;
use cordon_finance::flow::{Conversion, Flow};
use cordon_finance::tags::Tag;
use cordon_store::{MoneyKind, Store, StoreError, StoredMoney};
use parking_lot::RwLock;

use crate::access::{Marked, Sight, Viewer, sight};

/// Records read from the store per round trip.
const PAGE: u32 = 20_000;

/// One kept record: its owner, marking and item.
#[derive(Debug, Clone)]
pub struct Held<T> {
    pub seq: i64,
    pub agency: String,
    pub marking: Marking,
    pub item: T,
}

impl<T> Held<T> {
    /// What `viewer` may learn of it.
    pub fn sight(&self, viewer: &Viewer) -> Sight {
        sight(viewer, Marked::of_marking(&self.agency, &self.marking))
    }
}

/// Every agency's current money records, newest revision per key.
#[derive(Debug, Default)]
pub struct Book {
    pub flows: HashMap<(String, String), Held<Flow>>,
    pub conversions: HashMap<(String, String), Held<Conversion>>,
    pub tags: HashMap<(String, String), Held<Tag>>,
    /// The flows (agency, key) each address sends in, as ever imported: a
    /// trace asks who moves money onward from the addresses it reached
    /// without reading every flow. A later revision may have dropped the
    /// address; readers check the current flow.
    pub senders: HashMap<String, Vec<(String, String)>>,
    /// Grows with every record taken in: what a cached analysis was built
    /// from.
    pub version: u64,
}

impl Book {
    fn take(&mut self, r: StoredMoney) {
        let key = (r.agency.clone(), r.key.clone());
        let parsed = match r.kind {
            MoneyKind::Flow => serde_json::from_str::<Flow>(&r.body).map(|item| {
                for leg in &item.inputs {
                    let sends = self.senders.entry(leg.address.clone()).or_default();
                    if !sends.contains(&key) {
                        sends.push(key.clone());
                    }
                }
                self.flows
                    .insert(key, held(r.seq, r.agency, r.marking, item));
            }),
            MoneyKind::Conversion => serde_json::from_str::<Conversion>(&r.body).map(|item| {
                self.conversions
                    .insert(key, held(r.seq, r.agency, r.marking, item));
            }),
            MoneyKind::Tag => serde_json::from_str::<Tag>(&r.body).map(|item| {
                self.tags
                    .insert(key, held(r.seq, r.agency, r.marking, item));
            }),
        };
        match parsed {
            Ok(()) => self.version += 1,
            Err(e) => {
                tracing::warn!(seq = r.seq, error = %e, "a money record does not parse; skipped")
            }
        }
    }
}

fn held<T>(seq: i64, agency: String, marking: Marking, item: T) -> Held<T> {
    Held {
        seq,
        agency,
        marking,
        item,
    }
}

/// The book, and how far the store has been read.
#[derive(Debug, Default)]
pub struct Money {
    book: Arc<RwLock<Book>>,
    seen: tokio::sync::Mutex<i64>,
    views: view::Views,
}

impl Money {
    /// Reads every record after the last seen, in order: at start, on every
    /// round of the follower, and after this server imported.
    pub async fn sync(&self, store: &dyn Store) -> Result<(), StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.money_after(*seen, PAGE).await?;
            let full = page.len() == PAGE as usize;
            if let Some(last) = page.last() {
                *seen = last.seq;
            }
            if !page.is_empty() {
                let mut book = self.book.write();
                for r in page {
                    book.take(r);
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Follows the store for records other replicas and `cordon flows
    /// import` wrote, until the server stops.
    pub async fn follow(state: crate::Shared) {
        let mut stopping = state.stopping.clone();
        let mut heard = state.decisions_heard.subscribe();
        loop {
            tokio::select! {
                () = state.next_round(&mut heard) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            if let Err(e) = state.money.sync(state.store.as_ref()).await {
                tracing::warn!(error = %e, "cannot read money records from the store");
            }
        }
    }

    /// Reads the book.
    pub fn read<R>(&self, f: impl FnOnce(&Book) -> R) -> R {
        f(&self.book.read())
    }
}
