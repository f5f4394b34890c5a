//! Community detection: splitting a weighted graph into groups of nodes
//! more densely linked to each other than to the rest.
//!
//! Algorithms sit behind [`CommunityDetection`], so that networks can be
//! computed by another (Leiden, or a maintained crate) without their
//! callers changing; [`modularity`] is the score they are compared by,
//! computed as igraph computes it.

mod louvain;

pub use louvain::Louvain;

use crate::graph::{Graph, Node};

/// A community detection algorithm.
pub trait CommunityDetection {
    fn detect(&self, graph: &Graph) -> Partition;
}

/// Which community each node is in. Communities are numbered from 0 by
/// decreasing size, ties by their smallest node, so that the same split
/// always reads the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    membership: Vec<u32>,
    count: usize,
}

impl Partition {
    /// Renumbers any labelling of the nodes into the canonical order.
    pub fn from_labels(labels: &[u32]) -> Partition {
        let n = labels.len();
        let top = labels.iter().max().map_or(0, |m| *m as usize + 1);
        let mut size = vec![0usize; top];
        let mut first = vec![usize::MAX; top];
        for (node, &l) in labels.iter().enumerate() {
            size[l as usize] += 1;
            first[l as usize] = first[l as usize].min(node);
        }
        let mut used: Vec<usize> = (0..top).filter(|&l| size[l] > 0).collect();
        used.sort_unstable_by_key(|&l| (std::cmp::Reverse(size[l]), first[l]));
        let mut number = vec![0u32; top];
        for (i, &l) in used.iter().enumerate() {
            number[l] = i as u32;
        }
        Partition {
            membership: labels.iter().map(|&l| number[l as usize]).collect(),
            count: if n == 0 { 0 } else { used.len() },
        }
    }

    /// The community of each node, by node index.
    pub fn membership(&self) -> &[u32] {
        &self.membership
    }

    pub fn community_of(&self, node: Node) -> u32 {
        self.membership[node as usize]
    }

    /// How many communities there are.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// Newman's modularity of a partition of `graph`:
/// `Q = Σ_c [ in_c / 2m − (tot_c / 2m)² ]`, where `in_c` counts each
/// internal edge from both ends and a self-loop twice, and `tot_c` sums the
/// degrees of `c`'s nodes. 0 for a graph without edges.
pub fn modularity(graph: &Graph, partition: &Partition) -> f64 {
    let m2 = graph.total_weight();
    if m2 <= 0.0 {
        return 0.0;
    }
    let mut inside = vec![0.0; partition.count()];
    let mut total = vec![0.0; partition.count()];
    for u in 0..graph.node_count() as Node {
        let c = partition.community_of(u) as usize;
        total[c] += graph.degree(u);
        inside[c] += graph.loops(u);
        for (v, w) in graph.row(u) {
            if partition.community_of(v) as usize == c {
                inside[c] += w;
            }
        }
    }
    inside
        .iter()
        .zip(&total)
        .map(|(i, t)| i / m2 - (t / m2) * (t / m2))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    fn two_triangles() -> Graph {
        let mut b = GraphBuilder::new(0);
        for (u, v) in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)] {
            b.edge(u, v, 1.0);
        }
        b.build()
    }

    #[test]
    fn labels_are_renumbered_by_size_then_first_node() {
        let p = Partition::from_labels(&[7, 7, 3, 9, 9, 9]);
        assert_eq!(p.membership(), [1, 1, 2, 0, 0, 0]);
        assert_eq!(p.count(), 3);
        assert_eq!(Partition::from_labels(&[]).count(), 0);
    }

    /// Known values: two triangles joined by one edge, split in two,
    /// Q = 2 · (6/14 − (7/14)²) = 5/14; everything together, 0.
    #[test]
    fn modularity_matches_its_definition() {
        let g = two_triangles();
        let halves = Partition::from_labels(&[0, 0, 0, 1, 1, 1]);
        assert!((modularity(&g, &halves) - 5.0 / 14.0).abs() < 1e-12);
        let one = Partition::from_labels(&[0; 6]);
        assert!(modularity(&g, &one).abs() < 1e-12);
        let singletons = Partition::from_labels(&[0, 1, 2, 3, 4, 5]);
        assert!(modularity(&g, &singletons) < 0.0);
    }

    /// A self-loop counts twice inside its community, as igraph counts it:
    /// a node with only a loop, alone, has Q = 1 − 1 = 0.
    #[test]
    fn a_self_loop_is_counted_as_igraph_counts_it() {
        let mut b = GraphBuilder::new(0);
        b.edge(0, 0, 1.0);
        let g = b.build();
        assert!(modularity(&g, &Partition::from_labels(&[0])).abs() < 1e-12);
        let mut b = GraphBuilder::new(0);
        b.edge(0, 0, 1.0);
        b.edge(1, 1, 1.0);
        let g = b.build();
        assert!((modularity(&g, &Partition::from_labels(&[0, 1])) - 0.5).abs() < 1e-12);
    }
}
