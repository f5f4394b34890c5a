//! Louvain's multilevel method (Blondel et al., 2008), as igraph's
//! `community_multilevel` runs it: move single nodes to the neighbouring
//! community that raises modularity most until none does, then merge each
//! community into one node and repeat on that smaller graph, until a level
//! moves nothing.
//!
//! Deterministic: nodes are visited in index order and a tie keeps a node
//! where it is, so one graph always gives one partition (networks need
//! stable ids; a random order would reshuffle them on every run).

use super::{CommunityDetection, Partition};
use crate::graph::{Graph, GraphBuilder, Node};

/// The multilevel method, with the gain below which a move is not worth
/// another pass.
#[derive(Debug, Clone, Copy)]
pub struct Louvain {
    /// A pass over the nodes that raises modularity by less than this ends
    /// the level's moving phase.
    pub min_gain: f64,
    /// Most levels (each at least halves nothing less than one community).
    pub max_levels: usize,
    /// γ of the generalised modularity `Σ_c [in_c/2m − γ (tot_c/2m)²]`:
    /// 1 is Newman's (and igraph's default); below 1 favours larger
    /// communities, which only a weakly bound part leaves.
    pub resolution: f64,
}

impl Default for Louvain {
    fn default() -> Self {
        Louvain {
            min_gain: 1e-7,
            max_levels: 64,
            resolution: 1.0,
        }
    }
}

impl CommunityDetection for Louvain {
    fn detect(&self, graph: &Graph) -> Partition {
        // `membership[u]`: the node of the current level that holds the
        // original node `u`.
        let mut membership: Vec<u32> = (0..graph.node_count() as u32).collect();
        let mut level_graph: Option<Graph> = None;
        for _ in 0..self.max_levels {
            let g = level_graph.as_ref().unwrap_or(graph);
            let (communities, moved) = self.move_nodes(g);
            if !moved {
                break;
            }
            let (renumbered, count) = compact(&communities);
            for m in &mut membership {
                *m = renumbered[*m as usize];
            }
            level_graph = Some(aggregate(g, &renumbered, count));
        }
        Partition::from_labels(&membership)
    }
}

impl Louvain {
    /// The moving phase on one level: each node's community, and whether
    /// any node left the one it started in.
    fn move_nodes(&self, g: &Graph) -> (Vec<u32>, bool) {
        let n = g.node_count();
        let m2 = g.total_weight();
        // The expected weight to a community scales with γ.
        let scale = self.resolution / m2;
        let mut community: Vec<u32> = (0..n as u32).collect();
        if m2 <= 0.0 {
            return (community, false);
        }
        // Sum of degrees of each community's nodes.
        let mut total: Vec<f64> = (0..n as Node).map(|u| g.degree(u)).collect();
        // Weight from the node being moved to each neighbouring community;
        // `touched` lists the entries to reset after it.
        let mut to_community = vec![0.0f64; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut moved_any = false;
        loop {
            let mut gain_of_pass = 0.0;
            let mut moves = 0usize;
            for u in 0..n as Node {
                let k = g.degree(u);
                if k <= 0.0 {
                    continue;
                }
                let own = community[u as usize];
                for (v, w) in g.row(u) {
                    let c = community[v as usize];
                    if to_community[c as usize] == 0.0 {
                        touched.push(c);
                    }
                    to_community[c as usize] += w;
                }
                // Take `u` out of its community, then put it back where
                // `w_c − γ·tot_c·k/2m` is largest (the gain of joining c, up
                // to a factor common to every c).
                total[own as usize] -= k;
                let stay = to_community[own as usize] - total[own as usize] * k * scale;
                let (mut best, mut best_score) = (own, stay);
                for &c in &touched {
                    let score = to_community[c as usize] - total[c as usize] * k * scale;
                    // Strictly better only: a tie keeps the node where
                    // it is, or with the first best community found.
                    if score > best_score {
                        best = c;
                        best_score = score;
                    }
                }
                total[best as usize] += k;
                if best != own {
                    community[u as usize] = best;
                    moves += 1;
                    gain_of_pass += 2.0 * (best_score - stay) / m2;
                }
                for &c in &touched {
                    to_community[c as usize] = 0.0;
                }
                touched.clear();
            }
            moved_any |= moves > 0;
            if moves == 0 || gain_of_pass < self.min_gain {
                break;
            }
        }
        (community, moved_any)
    }
}

/// Numbers the communities in use 0.. in order of first appearance.
fn compact(communities: &[u32]) -> (Vec<u32>, usize) {
    let mut number = vec![u32::MAX; communities.len()];
    let mut next = 0u32;
    let renumbered = communities
        .iter()
        .map(|&c| {
            if number[c as usize] == u32::MAX {
                number[c as usize] = next;
                next += 1;
            }
            number[c as usize]
        })
        .collect();
    (renumbered, next as usize)
}

/// The graph of communities: one node per community, the edges between
/// two summed, a community's inner edges its self-loop.
fn aggregate(g: &Graph, community: &[u32], count: usize) -> Graph {
    let mut b = GraphBuilder::with_capacity(count, g.node_count());
    // Gather, for each community in turn, its weight to every community,
    // in a scratch row; each pair is emitted once (c ≤ d).
    let mut members: Vec<Vec<Node>> = vec![Vec::new(); count];
    for (u, &c) in community.iter().enumerate() {
        members[c as usize].push(u as Node);
    }
    let mut row = vec![0.0f64; count];
    let mut touched: Vec<u32> = Vec::new();
    for (c, nodes) in members.iter().enumerate() {
        let mut inner = 0.0;
        for &u in nodes {
            inner += g.loops(u) / 2.0;
            for (v, w) in g.row(u) {
                let d = community[v as usize];
                if d as usize == c {
                    // Seen from both ends: half each time.
                    inner += w / 2.0;
                } else if d as usize > c {
                    if row[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    row[d as usize] += w;
                }
            }
        }
        if inner > 0.0 {
            b.edge(c as Node, c as Node, inner);
        }
        for &d in &touched {
            b.edge(c as Node, d, row[d as usize]);
            row[d as usize] = 0.0;
        }
        touched.clear();
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::modularity;

    fn graph(edges: &[(Node, Node)]) -> Graph {
        let mut b = GraphBuilder::new(0);
        for &(u, v) in edges {
            b.edge(u, v, 1.0);
        }
        b.build()
    }

    /// Zachary's karate club, the usual first test: Louvain finds four
    /// communities with Q ≈ 0.4188 (igraph's multilevel gives 0.4188 too;
    /// the best known split is 0.4198).
    #[test]
    fn karate_club_reaches_the_known_modularity() {
        let g = graph(KARATE);
        let p = Louvain::default().detect(&g);
        let q = modularity(&g, &p);
        assert!(q > 0.41 && q < 0.42, "{q}");
        assert!((3..=5).contains(&p.count()), "{}", p.count());
    }

    /// `count` cliques of `size` nodes, numbered clique by clique, and an
    /// edge from the last node of each to the first of the next (the last
    /// back to the first when `ring`).
    fn cliques(count: u32, size: u32, ring: bool) -> Graph {
        let mut edges = Vec::new();
        for clique in 0..count {
            let base = clique * size;
            for a in 0..size {
                for b in a + 1..size {
                    edges.push((base + a, base + b));
                }
            }
            if clique + 1 < count || ring {
                edges.push((base + size - 1, (base + size) % (count * size)));
            }
        }
        graph(&edges)
    }

    #[test]
    fn cliques_joined_by_single_edges_are_found_exactly() {
        let g = cliques(5, 6, true);
        let p = Louvain::default().detect(&g);
        assert_eq!(p.count(), 5);
        for clique in 0..5u32 {
            let c = p.community_of(clique * 6);
            assert!((0..6).all(|i| p.community_of(clique * 6 + i) == c));
        }
    }

    /// Three 5-cliques in a chain: Newman's modularity splits them; a low
    /// resolution keeps the connected whole together.
    #[test]
    fn a_low_resolution_keeps_weakly_split_parts_together() {
        let g = cliques(3, 5, false);
        assert_eq!(Louvain::default().detect(&g).count(), 3);
        let low = Louvain {
            resolution: 0.05,
            ..Louvain::default()
        };
        assert_eq!(low.detect(&g).count(), 1);
    }

    #[test]
    fn empty_and_edgeless_graphs_are_their_own_nodes() {
        assert_eq!(
            Louvain::default()
                .detect(&GraphBuilder::new(0).build())
                .count(),
            0
        );
        let p = Louvain::default().detect(&GraphBuilder::new(3).build());
        assert_eq!(p.count(), 3);
    }

    #[test]
    fn one_graph_gives_one_partition() {
        let g = graph(KARATE);
        assert_eq!(Louvain::default().detect(&g), Louvain::default().detect(&g));
    }

    /// Aggregating keeps every weight: the community graph's total and the
    /// modularity of the matching partition are the original's.
    #[test]
    fn aggregation_keeps_total_weight_and_modularity() {
        let g = graph(KARATE);
        let (labels, count) = compact(&Louvain::default().move_nodes(&g).0);
        let coarse = aggregate(&g, &labels, count);
        assert!((coarse.total_weight() - g.total_weight()).abs() < 1e-9);
        let fine = modularity(&g, &Partition::from_labels(&labels));
        let singletons: Vec<u32> = (0..count as u32).collect();
        let q = modularity(&coarse, &Partition::from_labels(&singletons));
        assert!((fine - q).abs() < 1e-12, "{fine} vs {q}");
    }

    /// Zachary (1977), 78 edges, nodes 0–33.
    const KARATE: &[(Node, Node)] = &[
        (0, 1),
        (0, 2),
        (0, 3),
        (0, 4),
        (0, 5),
        (0, 6),
        (0, 7),
        (0, 8),
        (0, 10),
        (0, 11),
        (0, 12),
        (0, 13),
        (0, 17),
        (0, 19),
        (0, 21),
        (0, 31),
        (1, 2),
        (1, 3),
        (1, 7),
        (1, 13),
        (1, 17),
        (1, 19),
        (1, 21),
        (1, 30),
        (2, 3),
        (2, 7),
        (2, 8),
        (2, 9),
        (2, 13),
        (2, 27),
        (2, 28),
        (2, 32),
        (3, 7),
        (3, 12),
        (3, 13),
        (4, 6),
        (4, 10),
        (5, 6),
        (5, 10),
        (5, 16),
        (6, 16),
        (8, 30),
        (8, 32),
        (8, 33),
        (9, 33),
        (13, 33),
        (14, 32),
        (14, 33),
        (15, 32),
        (15, 33),
        (18, 32),
        (18, 33),
        (19, 33),
        (20, 32),
        (20, 33),
        (22, 32),
        (22, 33),
        (23, 25),
        (23, 27),
        (23, 29),
        (23, 32),
        (23, 33),
        (24, 25),
        (24, 27),
        (24, 31),
        (25, 31),
        (26, 29),
        (26, 33),
        (27, 33),
        (28, 31),
        (28, 33),
        (29, 32),
        (29, 33),
        (30, 32),
        (30, 33),
        (31, 32),
        (31, 33),
        (32, 33),
    ];
}
