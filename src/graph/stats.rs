//! Summary statistics for `netlens info`: components, degrees, loops.
//!
//! Components are undirected (weakly connected for directed graphs), found with
//! petgraph's union-find in one pass over the edge arrays.

use petgraph::unionfind::UnionFind;
use serde::Serialize;

use super::Graph;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub nodes: u32,
    pub edges: usize,
    pub directed: bool,
    /// Weakly connected components, isolated nodes included.
    pub components: usize,
    pub largest_component: usize,
    pub isolated_nodes: usize,
    pub self_loops: usize,
    /// Total degree (in + out) range and mean.
    pub degree_min: u32,
    pub degree_max: u32,
    pub degree_mean: f64,
}

impl Graph {
    /// Each node's total degree: edges out plus edges in (a self-loop counts twice).
    pub fn degrees(&self) -> Vec<u32> {
        let mut degree = vec![0u32; self.node_count() as usize];
        for (&a, &b) in self.src.iter().zip(&self.dst) {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        degree
    }

    pub fn summary(&self) -> Summary {
        let n = self.node_count() as usize;
        let degree = self.degrees();
        let mut sets = UnionFind::<u32>::new(n);
        let mut self_loops = 0;
        for (&a, &b) in self.src.iter().zip(&self.dst) {
            if a == b {
                self_loops += 1;
            } else {
                sets.union(a, b);
            }
        }
        let mut size = vec![0usize; n];
        for v in 0..n as u32 {
            size[sets.find_mut(v) as usize] += 1;
        }
        Summary {
            nodes: self.node_count(),
            edges: self.edge_count(),
            directed: self.directed,
            components: size.iter().filter(|&&s| s > 0).count(),
            largest_component: size.iter().copied().max().unwrap_or(0),
            isolated_nodes: degree.iter().filter(|&&d| d == 0).count(),
            self_loops,
            degree_min: degree.iter().copied().min().unwrap_or(0),
            degree_max: degree.iter().copied().max().unwrap_or(0),
            degree_mean: if n == 0 { 0.0 } else { 2.0 * self.edge_count() as f64 / n as f64 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_components_loops_and_degrees() {
        let mut g = Graph::with_nodes(6, false);
        for (a, b) in [(0, 1), (1, 2), (3, 4), (4, 4)] {
            g.push_edge(a, b);
        }
        let s = g.summary();
        assert_eq!(s.components, 3); // {0,1,2}, {3,4}, {5}
        assert_eq!(s.largest_component, 3);
        assert_eq!(s.isolated_nodes, 1);
        assert_eq!(s.self_loops, 1);
        assert_eq!((s.degree_min, s.degree_max), (0, 3));
    }
}
