//! What a viewer may trace over: a flow graph of the flows, conversions
//! and tags it may read, built once per viewer and kept until the money
//! changes, and the holders of what it may only learn of.
//!
//! Building the graph from the readable records, rather than filtering a
//! shared one inside the tracer, keeps the access decision out of the
//! finance crate: nothing the viewer may not read is in the graph, so no
//! amount, balance share or path can carry it into a result.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use cordon_finance::graph::{FlowGraph, GraphError};
use cordon_finance::services::ServiceIndex;
use cordon_finance::tags::Tags;
use parking_lot::Mutex;

use super::{Book, Money};
use crate::access::{Sight, Viewer};

/// A viewer's readable money, ready to trace.
#[derive(Debug)]
pub struct Readable {
    pub graph: FlowGraph,
    pub services: ServiceIndex,
    /// Which agency holds each flow in the graph (by flow id), for the
    /// audit of a trace that used other agencies' flows.
    pub owners: HashMap<String, String>,
    /// The book's version it was built from.
    pub version: u64,
}

/// One readable graph per viewer (agency, user, role: what access decides
/// by), dropped when the money changes.
#[derive(Debug, Default)]
pub struct Views {
    cache: Mutex<HashMap<String, Arc<Readable>>>,
}

/// Viewers kept at once; the least recent go first.
const KEPT: usize = 64;

fn viewer_key(viewer: &Viewer) -> String {
    match viewer.member() {
        Some(m) => format!("{}/{}/{}", m.agency, m.user, m.role.as_str()),
        None => "public".to_owned(),
    }
}

impl Money {
    /// The viewer's readable money, built now or reused.
    pub fn readable(&self, viewer: &Viewer) -> Result<Arc<Readable>, GraphError> {
        let key = viewer_key(viewer);
        let version = self.read(|b| b.version);
        if let Some(r) = self.views.cache.lock().get(&key)
            && r.version == version
        {
            return Ok(r.clone());
        }
        let built = Arc::new(self.read(|book| build(book, viewer))?);
        let mut cache = self.views.cache.lock();
        cache.retain(|_, r| r.version == built.version);
        if cache.len() >= KEPT {
            cache.clear();
        }
        cache.insert(key, built.clone());
        Ok(built)
    }

    /// For the addresses a trace reached: the agencies holding flows that
    /// move money from them which the viewer may only learn of (their
    /// marking allows a hit), with those addresses. Hidden flows say
    /// nothing.
    pub fn held_elsewhere(
        &self,
        viewer: &Viewer,
        reached: &BTreeSet<&str>,
    ) -> BTreeMap<String, BTreeSet<String>> {
        self.read(|book| {
            let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for &address in reached {
                for key in book.senders.get(address).into_iter().flatten() {
                    let Some(held) = book.flows.get(key) else {
                        continue;
                    };
                    let sends = held.item.inputs.iter().any(|l| l.address == address);
                    if sends && held.sight(viewer) == Sight::Contact {
                        out.entry(held.agency.clone())
                            .or_default()
                            .insert(address.to_owned());
                    }
                }
            }
            out
        })
    }
}

fn build(book: &Book, viewer: &Viewer) -> Result<Readable, GraphError> {
    let flows: Vec<_> = book
        .flows
        .values()
        .filter(|h| h.sight(viewer) == Sight::Read)
        .collect();
    let conversions: Vec<_> = book
        .conversions
        .values()
        .filter(|h| h.sight(viewer) == Sight::Read)
        .map(|h| h.item.clone())
        .collect();
    // Two agencies may hold the same transaction: it is one flow.
    let mut owners: HashMap<String, String> = HashMap::with_capacity(flows.len());
    let mut items = Vec::with_capacity(flows.len());
    for h in flows {
        if !owners.contains_key(&h.item.id) {
            owners.insert(h.item.id.clone(), h.agency.clone());
            items.push(h.item.clone());
        }
    }
    let graph = FlowGraph::build(&items, &conversions)?;
    let tags = Tags::new(
        book.tags
            .values()
            .filter(|h| h.sight(viewer) == Sight::Read)
            .map(|h| h.item.clone()),
    );
    let services = ServiceIndex::new(&graph, &tags);
    Ok(Readable {
        graph,
        services,
        owners,
        version: book.version,
    })
}
