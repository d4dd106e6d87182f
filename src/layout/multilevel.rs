//! Multilevel coarsening for the force layout: a hierarchy of ever smaller graphs, each
//! made by matching every node with an unmatched neighbour (the one of least degree, so
//! hubs do not swallow their neighbourhoods) and merging the pairs.
//!
//! The layout runs on the coarsest graph first, then each finer graph starts from its
//! coarse positions (a merged pair's two nodes at its position, nudged apart) and only
//! refines: the global shape comes cheaply from the small graphs, which a single-level
//! layout from random positions cannot untangle (a mesh folds).

use crate::graph::{Csr, Direction, Graph};

/// Coarsening stops below this many nodes, or when a round merges too little.
const COARSEST: u32 = 200;
/// A round that keeps more than this share of the nodes ends the hierarchy.
const MIN_REDUCTION: f32 = 0.8;

/// One level: its adjacency (both directions), and for the next finer level the coarse
/// node of each of its nodes.
pub struct Level {
    pub csr: Csr,
    pub node_count: u32,
    /// `fine_to_coarse[v]`: the node of this level that node `v` of the finer level merged
    /// into. Empty for the finest level.
    pub fine_to_coarse: Vec<u32>,
}

/// Matches each node, in order of increasing degree, with its unmatched neighbour of
/// least degree; returns the coarse node of every node and the coarse node count.
fn matching(csr: &Csr, n: u32) -> (Vec<u32>, u32) {
    let mut order: Vec<u32> = (0..n).collect();
    order.sort_by_key(|&v| (csr.degree(v), v));
    let mut coarse = vec![u32::MAX; n as usize];
    let mut next = 0;
    for &v in &order {
        if coarse[v as usize] != u32::MAX {
            continue;
        }
        let partner = csr
            .neighbours(v)
            .iter()
            .copied()
            .filter(|&w| w != v && coarse[w as usize] == u32::MAX)
            .min_by_key(|&w| (csr.degree(w), w));
        coarse[v as usize] = next;
        if let Some(w) = partner {
            coarse[w as usize] = next;
        }
        next += 1;
    }
    (coarse, next)
}

/// The hierarchy from `graph` (first) to the coarsest level (last).
pub fn hierarchy(graph: &Graph) -> Vec<Level> {
    let mut levels =
        vec![Level { csr: graph.csr(Direction::Both), node_count: graph.node_count(), fine_to_coarse: Vec::new() }];
    loop {
        let fine = levels.last().expect("the finest level");
        let n = fine.node_count;
        if n <= COARSEST {
            break;
        }
        let (map, coarse_n) = matching(&fine.csr, n);
        if coarse_n as f32 > n as f32 * MIN_REDUCTION {
            break;
        }
        let mut coarse = Graph::with_nodes(coarse_n, false);
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for v in 0..n {
            for &w in fine.csr.neighbours(v) {
                let (a, b) = (map[v as usize], map[w as usize]);
                if a < b {
                    pairs.push((a, b));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        for (a, b) in pairs {
            coarse.push_edge(a, b);
        }
        levels.push(Level { csr: coarse.csr(Direction::Both), node_count: coarse_n, fine_to_coarse: map });
    }
    levels
}

/// Positions for a finer level from its coarse level's: each node at its coarse node's
/// position, nudged by a seeded offset of `spread` so merged pairs separate.
pub fn prolong(coarse: &[[f32; 4]], fine_to_coarse: &[u32], spread: f32, three_d: bool, seed: u64) -> Vec<[f32; 4]> {
    let mut state = seed ^ 0x2545_f491_4f6c_dd1d;
    let mut jitter = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * spread
    };
    fine_to_coarse
        .iter()
        .map(|&c| {
            let p = coarse[c as usize];
            let z = if three_d { p[2] + jitter() } else { 0.0 };
            [p[0] + jitter(), p[1] + jitter(), z, 0.0]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mesh_coarsens_by_about_half_each_level() {
        let mut g = Graph::with_nodes(40 * 40, false);
        for y in 0..40 {
            for x in 0..40 {
                if x + 1 < 40 {
                    g.push_edge(y * 40 + x, y * 40 + x + 1);
                }
                if y + 1 < 40 {
                    g.push_edge(y * 40 + x, (y + 1) * 40 + x);
                }
            }
        }
        let levels = hierarchy(&g);
        assert!(levels.len() >= 3, "{}", levels.len());
        for pair in levels.windows(2) {
            let (fine, coarse) = (&pair[0], &pair[1]);
            assert!(coarse.node_count <= fine.node_count * 4 / 5);
            assert!(coarse.node_count * 2 >= fine.node_count, "at most pairs merge");
            assert_eq!(coarse.fine_to_coarse.len(), fine.node_count as usize);
            assert!(coarse.fine_to_coarse.iter().all(|&c| c < coarse.node_count));
        }
        assert!(levels.last().unwrap().node_count <= COARSEST || levels.len() > 3);
    }

    #[test]
    fn prolonged_nodes_sit_near_their_coarse_node() {
        let coarse = [[1.0, 2.0, 0.0, 0.0], [5.0, 5.0, 0.0, 0.0]];
        let fine = prolong(&coarse, &[0, 0, 1], 0.1, false, 3);
        assert!(fine.iter().zip([0, 0, 1]).all(|(p, c)| (p[0] - coarse[c][0]).abs() <= 0.05 && p[2] == 0.0));
        assert_ne!(fine[0], fine[1], "merged nodes separate");
    }
}
