//! Which addresses belong to services (exchanges, OTC desks, mixers,
//! bridges, payment processors), as tracing and clustering see them.
//!
//! Attribution tags come from elsewhere (analysts, TagPacks); this module
//! asks them through one small trait, [`Attribution`], so that any tag store
//! plugs in. A service is known by its name: two addresses of one exchange
//! are one service, and two clusters tagged with different names are
//! different services, whatever their categories. Mules and scam deposit
//! addresses are tagged too, but they are parties to the laundering, not
//! services: tracing goes through them and they never stop a merge.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::graph::{AddressIx, FlowGraph};

/// The categories that are not services.
pub const NOT_SERVICES: [&str; 2] = ["mule", "scam_deposit"];

/// A service an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRef<'a> {
    /// `exchange`, `otc_desk`, `mixer`, `bridge`, `payment_processor`...
    pub category: &'a str,
    /// The service's name (`Binance`, `Huione Pay`): its identity.
    pub name: &'a str,
}

/// Answers which service, if any, an address (a canonical selector)
/// belongs to.
pub trait Attribution {
    fn service_of(&self, address: &str) -> Option<ServiceRef<'_>>;
}

/// A plain table of tags, address → (category, name).
#[derive(Debug, Clone, Default)]
pub struct ServiceTags {
    tags: HashMap<String, (String, String)>,
}

impl ServiceTags {
    pub fn new() -> ServiceTags {
        ServiceTags::default()
    }

    pub fn insert(&mut self, address: &str, category: &str, name: &str) {
        self.tags
            .insert(address.to_owned(), (category.to_owned(), name.to_owned()));
    }
}

impl Attribution for ServiceTags {
    fn service_of(&self, address: &str) -> Option<ServiceRef<'_>> {
        self.tags
            .get(address)
            .map(|(category, name)| ServiceRef { category, name })
    }
}

/// The attribution tags: an address's most confident service tag (mule
/// and scam deposit tags are not services).
impl Attribution for crate::tags::Tags {
    fn service_of(&self, address: &str) -> Option<ServiceRef<'_>> {
        self.of(address)
            .filter(|t| t.category.is_service())
            .fold(None, |best: Option<&crate::tags::Tag>, t| match best {
                Some(b) if b.confidence >= t.confidence => Some(b),
                _ => Some(t),
            })
            .map(|t| ServiceRef {
                category: t.category.as_str(),
                name: &t.label,
            })
    }
}

/// Nothing is a service.
impl Attribution for () {
    fn service_of(&self, _: &str) -> Option<ServiceRef<'_>> {
        None
    }
}

/// A service as the results name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Service {
    pub category: String,
    pub name: String,
}

/// A service's number in a [`ServiceIndex`].
pub type ServiceIx = u32;

/// Services resolved against one graph's addresses.
#[derive(Debug, Clone, Default)]
pub struct ServiceIndex {
    by_address: FxHashMap<AddressIx, ServiceIx>,
    services: Vec<Service>,
    by_name: HashMap<String, ServiceIx>,
}

impl ServiceIndex {
    /// No services.
    pub fn none() -> ServiceIndex {
        ServiceIndex::default()
    }

    /// Asks `attribution` about every address of the graph.
    pub fn new(graph: &FlowGraph, attribution: &impl Attribution) -> ServiceIndex {
        let mut index = ServiceIndex::default();
        for a in 0..graph.address_count() as AddressIx {
            if let Some(s) = attribution.service_of(graph.address(a)) {
                index.tag(a, s.category, s.name);
            }
        }
        index
    }

    /// From tags `(address, category, name)`; tags of addresses the graph
    /// does not hold are skipped.
    pub fn from_tags<'a>(
        graph: &FlowGraph,
        tags: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> ServiceIndex {
        let mut index = ServiceIndex::default();
        for (address, category, name) in tags {
            if let Some(a) = graph.find_address(address) {
                index.tag(a, category, name);
            }
        }
        index
    }

    fn tag(&mut self, a: AddressIx, category: &str, name: &str) {
        if NOT_SERVICES.contains(&category) {
            return;
        }
        let next = self.services.len() as ServiceIx;
        let s = *self.by_name.entry(name.to_owned()).or_insert(next);
        if s == next {
            self.services.push(Service {
                category: category.to_owned(),
                name: name.to_owned(),
            });
        }
        self.by_address.insert(a, s);
    }

    #[inline]
    pub fn service_of(&self, a: AddressIx) -> Option<ServiceIx> {
        if self.by_address.is_empty() {
            return None;
        }
        self.by_address.get(&a).copied()
    }

    pub fn service(&self, s: ServiceIx) -> &Service {
        &self.services[s as usize]
    }

    pub fn len(&self) -> usize {
        self.services.len()
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::dec;

    use super::*;
    use crate::flow::{Flow, Leg};
    use crate::tags::{Category, Tag, Tags};

    #[test]
    fn attribution_tags_name_the_services() {
        let leg = |a: &str| Leg {
            address: a.to_owned(),
            amount: dec!(5),
        };
        let flow = Flow {
            id: "t".into(),
            asset: "USDT@tron".parse().unwrap(),
            time: "2026-03-01T00:00:00Z".parse().unwrap(),
            inputs: vec![leg("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7")],
            outputs: vec![leg("trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")],
            fee: rust_decimal::Decimal::ZERO,
        };
        let g = FlowGraph::build(&[flow], &[]).unwrap();
        let tags = Tags::new([
            Tag::new(
                "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                "Binance",
                Category::Exchange,
                "analyst",
                80,
            )
            .unwrap(),
            Tag::new(
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                "mule 7",
                Category::Mule,
                "analyst",
                90,
            )
            .unwrap(),
        ]);
        let index = ServiceIndex::new(&g, &tags);
        let exchange = g
            .find_address("trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
            .unwrap();
        let mule = g
            .find_address("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7")
            .unwrap();
        let s = index.service_of(exchange).unwrap();
        assert_eq!(index.service(s).name, "Binance");
        assert_eq!(index.service(s).category, "exchange");
        assert_eq!(index.service_of(mule), None);
    }
}
