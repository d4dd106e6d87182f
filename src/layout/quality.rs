//! Layout quality, measured the same way for every layout: sampled normalised stress,
//! neighbourhood preservation, and the spread of edge lengths.
//!
//! Stress compares layout distances with graph distances (breadth-first, unweighted,
//! undirected) from a seeded sample of source nodes, after the best uniform scaling, so
//! it does not depend on the layout's size. Neighbourhood preservation is the mean
//! Jaccard overlap between a node's graph neighbours and as many of its nearest nodes in
//! the layout (an R*-tree), over a seeded sample. Both are computed on the CPU.

use std::collections::VecDeque;

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::graph::{Direction, Graph};

/// Source nodes for stress; each costs one breadth-first search.
const STRESS_SOURCES: usize = 64;
/// Nodes sampled for neighbourhood preservation.
const NEIGHBOURHOOD_SAMPLE: usize = 2000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    /// Mean of ((s·|xi−xj| − dij) / dij)² over sampled connected pairs, at the best scale
    /// s: 0 is a perfect distance-preserving layout.
    pub stress: f64,
    /// Mean Jaccard overlap of graph neighbours and layout nearest neighbours (0 to 1).
    pub neighbourhood: f64,
    /// Standard deviation over mean of the edge lengths.
    pub edge_length_variation: f64,
}

/// A seeded, sorted sample of `count` distinct nodes out of `n` (all when fewer).
fn sample(n: usize, count: usize, seed: u64) -> Vec<u32> {
    if n <= count {
        return (0..n as u32).collect();
    }
    let mut random = crate::graph::generate::Lcg(seed ^ 0xda94_2042_e4dd_58b5);
    let mut chosen = std::collections::BTreeSet::new();
    while chosen.len() < count {
        chosen.insert(random.below(n as u64) as u32);
    }
    chosen.into_iter().collect()
}

fn distance(a: &[f32; 4], b: &[f32; 4]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt() as f64
}

pub fn measure(graph: &Graph, positions: &[[f32; 4]], seed: u64) -> Quality {
    let n = graph.node_count() as usize;
    let csr = graph.csr(Direction::Both);

    // Stress: sums for the best scale s = Σ d⁻¹·L / Σ d⁻²·L² and the stress at it.
    let mut pairs: Vec<(f64, f64)> = Vec::new(); // (graph distance, layout distance)
    let mut depth = vec![u32::MAX; n];
    let mut queue = VecDeque::new();
    for &s in &sample(n, STRESS_SOURCES, seed) {
        depth.fill(u32::MAX);
        depth[s as usize] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            for &w in csr.neighbours(v) {
                if depth[w as usize] == u32::MAX {
                    depth[w as usize] = depth[v as usize] + 1;
                    queue.push_back(w);
                    pairs.push((depth[w as usize] as f64, distance(&positions[s as usize], &positions[w as usize])));
                }
            }
        }
    }
    let (num, den) = pairs.iter().fold((0.0, 0.0), |(num, den), &(d, l)| (num + l / d, den + l * l / (d * d)));
    let scale = if den > 0.0 { num / den } else { 1.0 };
    let stress = if pairs.is_empty() {
        0.0
    } else {
        pairs.iter().map(|&(d, l)| ((scale * l - d) / d).powi(2)).sum::<f64>() / pairs.len() as f64
    };

    // Neighbourhood preservation against the layout's nearest nodes.
    let tree = RTree::bulk_load(
        positions.iter().enumerate().map(|(i, p)| GeomWithData::new([p[0], p[1], p[2]], i as u32)).collect(),
    );
    let mut overlaps = Vec::new();
    for &v in &sample(n, NEIGHBOURHOOD_SAMPLE, seed.wrapping_add(1)) {
        let mut neighbours: Vec<u32> = csr.neighbours(v).iter().copied().filter(|&w| w != v).collect();
        neighbours.sort_unstable();
        neighbours.dedup();
        if neighbours.is_empty() {
            continue;
        }
        let p = positions[v as usize];
        let near: Vec<u32> = tree
            .nearest_neighbor_iter([p[0], p[1], p[2]])
            .map(|g| g.data)
            .filter(|&w| w != v)
            .take(neighbours.len())
            .collect();
        let shared = near.iter().filter(|w| neighbours.binary_search(w).is_ok()).count();
        overlaps.push(shared as f64 / (neighbours.len() + near.len() - shared) as f64);
    }
    let neighbourhood = if overlaps.is_empty() { 0.0 } else { overlaps.iter().sum::<f64>() / overlaps.len() as f64 };

    let lengths: Vec<f64> = graph
        .src
        .iter()
        .zip(&graph.dst)
        .map(|(&a, &b)| distance(&positions[a as usize], &positions[b as usize]))
        .collect();
    let mean = lengths.iter().sum::<f64>() / lengths.len().max(1) as f64;
    let variance = lengths.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lengths.len().max(1) as f64;
    let edge_length_variation = if mean > 0.0 { variance.sqrt() / mean } else { 0.0 };

    Quality { stress, neighbourhood, edge_length_variation }
}

/// Mean distance between a node's two positions, in mean edge lengths of `after`: how
/// much a layout still moves.
pub fn mean_move(graph: &Graph, before: &[[f32; 4]], after: &[[f32; 4]]) -> f32 {
    let moved: f64 = before.iter().zip(after).map(|(a, b)| distance(a, b)).sum::<f64>() / after.len().max(1) as f64;
    let edges: f64 =
        graph.src.iter().zip(&graph.dst).map(|(&a, &b)| distance(&after[a as usize], &after[b as usize])).sum::<f64>()
            / graph.edge_count().max(1) as f64;
    if edges > 0.0 { (moved / edges) as f32 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(n: u32) -> Graph {
        let mut g = Graph::with_nodes(n, false);
        for v in 0..n - 1 {
            g.push_edge(v, v + 1);
        }
        g
    }

    #[test]
    fn a_straight_path_is_perfect_and_a_shuffled_one_is_not() {
        let g = path(50);
        let straight: Vec<[f32; 4]> = (0..50).map(|i| [i as f32 * 3.0, 0.0, 0.0, 0.0]).collect();
        let q = measure(&g, &straight, 1);
        assert!(q.stress < 1e-12, "{q:?}");
        assert!(q.edge_length_variation < 1e-6);
        assert!(q.neighbourhood > 0.6, "ends have one neighbour, inner nodes two: {q:?}");
        let shuffled: Vec<[f32; 4]> = (0..50).map(|i| [((i * 37) % 50) as f32, 0.0, 0.0, 0.0]).collect();
        let bad = measure(&g, &shuffled, 1);
        assert!(bad.stress > 0.1 && bad.neighbourhood < q.neighbourhood, "{bad:?}");
    }

    #[test]
    fn samples_are_seeded_sorted_and_distinct() {
        let a = sample(1000, 64, 7);
        assert_eq!(a, sample(1000, 64, 7));
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a.len() == 64);
        assert_eq!(sample(10, 64, 7).len(), 10);
    }
}
