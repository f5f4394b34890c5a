//! A weighted undirected graph in compressed sparse rows.
//!
//! Every edge `u–v` (`u ≠ v`) is stored in both rows; parallel edges are
//! summed into one. A self-loop of weight `w` is not in the rows: it adds
//! `2w` to the node's `loops`, the diagonal of the adjacency matrix as
//! modularity counts it (an undirected self-loop meets its node twice).
//! Rows are sorted by neighbour, so that a graph is the same value however
//! its edges were ordered.

/// Node indexes are `u32`: a graph of this exchange has millions of nodes
/// at most, and half-width indexes halve the memory the rows take.
pub type Node = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Row `u` is `neighbours[offsets[u]..offsets[u + 1]]`.
    offsets: Vec<usize>,
    neighbours: Vec<Node>,
    weights: Vec<f64>,
    /// The adjacency matrix's diagonal: twice each node's self-loop weight.
    loops: Vec<f64>,
    /// Each node's degree: its row's weights plus its `loops`.
    degrees: Vec<f64>,
    /// Twice the total edge weight (the sum of every degree).
    total: f64,
}

impl Graph {
    pub fn node_count(&self) -> usize {
        self.loops.len()
    }

    /// Distinct undirected edges, self-loops included.
    pub fn edge_count(&self) -> usize {
        self.neighbours.len() / 2 + self.loops.iter().filter(|l| **l > 0.0).count()
    }

    /// The neighbours of `u` (not `u` itself) and the weights to them.
    pub fn row(&self, u: Node) -> impl Iterator<Item = (Node, f64)> + '_ {
        let range = self.offsets[u as usize]..self.offsets[u as usize + 1];
        self.neighbours[range.clone()]
            .iter()
            .copied()
            .zip(self.weights[range].iter().copied())
    }

    /// Twice the weight of `u`'s self-loop.
    pub fn loops(&self, u: Node) -> f64 {
        self.loops[u as usize]
    }

    pub fn degree(&self, u: Node) -> f64 {
        self.degrees[u as usize]
    }

    /// Twice the total edge weight: the `2m` of modularity.
    pub fn total_weight(&self) -> f64 {
        self.total
    }
}

/// Collects edges, then sorts them into a [`Graph`].
#[derive(Debug, Clone, Default)]
pub struct GraphBuilder {
    nodes: usize,
    edges: Vec<(Node, Node, f64)>,
}

impl GraphBuilder {
    /// A graph of `nodes` nodes (more appear as edges name them).
    pub fn new(nodes: usize) -> Self {
        GraphBuilder {
            nodes,
            edges: Vec::new(),
        }
    }

    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        GraphBuilder {
            nodes,
            edges: Vec::with_capacity(edges),
        }
    }

    /// Adds the undirected edge `u–v`. Weights are positive and finite;
    /// the caller checks (an edge list names the line at fault).
    pub fn edge(&mut self, u: Node, v: Node, weight: f64) {
        debug_assert!(weight.is_finite() && weight > 0.0);
        self.nodes = self.nodes.max(u.max(v) as usize + 1);
        self.edges.push((u, v, weight));
    }

    pub fn build(self) -> Graph {
        let n = self.nodes;
        let mut loops = vec![0.0; n];
        let mut counts = vec![0usize; n + 1];
        for &(u, v, w) in &self.edges {
            if u == v {
                loops[u as usize] += 2.0 * w;
            } else {
                counts[u as usize + 1] += 1;
                counts[v as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut pairs: Vec<(Node, f64)> = vec![(0, 0.0); counts[n]];
        for &(u, v, w) in &self.edges {
            if u != v {
                pairs[next[u as usize]] = (v, w);
                next[u as usize] += 1;
                pairs[next[v as usize]] = (u, w);
                next[v as usize] += 1;
            }
        }
        drop(self.edges);
        // Sort each row by neighbour and sum parallel edges.
        let mut offsets = Vec::with_capacity(n + 1);
        let mut neighbours = Vec::with_capacity(pairs.len());
        let mut weights = Vec::with_capacity(pairs.len());
        offsets.push(0);
        for u in 0..n {
            let row = &mut pairs[counts[u]..counts[u + 1]];
            row.sort_unstable_by_key(|p| p.0);
            for &(v, w) in row.iter() {
                if neighbours.len() > offsets[u] && neighbours.last() == Some(&v) {
                    *weights.last_mut().expect("a neighbour has a weight") += w;
                } else {
                    neighbours.push(v);
                    weights.push(w);
                }
            }
            offsets.push(neighbours.len());
        }
        let degrees: Vec<f64> = (0..n)
            .map(|u| weights[offsets[u]..offsets[u + 1]].iter().sum::<f64>() + loops[u])
            .collect();
        let total = degrees.iter().sum();
        Graph {
            offsets,
            neighbours,
            weights,
            loops,
            degrees,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_stored_both_ways_summed_and_sorted() {
        let mut b = GraphBuilder::new(0);
        b.edge(2, 0, 1.0);
        b.edge(0, 1, 2.0);
        b.edge(0, 2, 0.5);
        b.edge(1, 1, 3.0);
        let g = b.build();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.row(0).collect::<Vec<_>>(), [(1, 2.0), (2, 1.5)]);
        assert_eq!(g.row(1).collect::<Vec<_>>(), [(0, 2.0)]);
        assert_eq!(g.loops(1), 6.0);
        assert_eq!(g.degree(1), 8.0);
        assert_eq!(g.total_weight(), 3.5 + 8.0 + 1.5);
    }

    #[test]
    fn isolated_nodes_count_and_have_no_rows() {
        let mut b = GraphBuilder::new(5);
        b.edge(0, 1, 1.0);
        let g = b.build();
        assert_eq!(g.node_count(), 5);
        assert_eq!(g.row(4).count(), 0);
        assert_eq!(g.degree(4), 0.0);
    }

    #[test]
    fn the_order_of_edges_does_not_change_the_graph() {
        let edges = [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 1.0), (3, 1, 4.0)];
        let build = |order: &[usize]| {
            let mut b = GraphBuilder::new(0);
            for &i in order {
                let (u, v, w) = edges[i];
                b.edge(u, v, w);
            }
            b.build()
        };
        assert_eq!(build(&[0, 1, 2, 3]), build(&[3, 2, 1, 0]));
    }
}
