//! Analysis of the exchanged intelligence: turning reports and the
//! selectors they share into networks (the organisations behind them).
//!
//! Pure, like the core: graphs come in as values and partitions go out.
//! - [`graph`]: a weighted undirected graph in compressed sparse rows, the
//!   one form every algorithm here reads.
//! - [`edges`]: reading a plain `src,dst[,weight]` edge list into a graph,
//!   so the algorithms can be compared with other tools on the same file.
//! - [`community`]: community detection behind one trait, Louvain's
//!   multilevel method first, and modularity.
//! - [`networks`]: reports grouped into networks by the selectors they
//!   share, shared infrastructure flagged, and B-cubed scoring against a
//!   known grouping.
//! - [`corpus`]: reports as analysis reads them: the keys each names and
//!   the facts profiles read.
//! - [`identity`]: network ids that survive recomputation, and analysts'
//!   splits and merges that it respects.
//! - [`gazetteer`]: the places compounds operate from, shipped as data:
//!   names, aliases and coarse locations, found by name, point or in text.
//! - [`live`]: networks kept current as reports arrive, between two
//!   recomputations.
//! - [`places`]: coordinates resolved to sites (H3 cells), which link
//!   reports as selectors do.
//! - [`compounds`]: the sites reports locate, with their place names and
//!   the networks operating there.
//! - [`profile`]: a network's modus-operandi profile from its reports.
//! - [`perpetrators`]: the contacts and accounts recurring in a network,
//!   with their roles, ranked by centrality.

pub mod community;
pub mod compounds;
pub mod corpus;
pub mod edges;
pub mod gazetteer;
pub mod graph;
pub mod identity;
pub mod live;
pub mod networks;
pub mod perpetrators;
pub mod places;
pub mod profile;

pub use community::{CommunityDetection, Louvain, Partition, modularity};
pub use graph::{Graph, GraphBuilder};

/// Counted items, most counted first, ties in their given order.
pub(crate) fn ranked<T>(items: impl Iterator<Item = (T, usize)>) -> Vec<(T, usize)> {
    let mut v: Vec<(T, usize)> = items.collect();
    v.sort_by_key(|item| std::cmp::Reverse(item.1));
    v
}
