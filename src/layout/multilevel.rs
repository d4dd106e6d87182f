//! Multilevel coarsening for the force layout: a hierarchy of ever smaller graphs, each
//! made by matching every node with an unmatched neighbour (the lightest, so coarse nodes
//! stay balanced and hubs do not swallow their neighbourhoods) and merging the pairs.
//!
//! The layout runs on the coarsest graph first (from landmark MDS positions), then each
//! finer graph starts from its coarse positions (a merged pair's two nodes at its
//! position, nudged apart) and only refines: the global shape comes cheaply from the
//! small graphs, which a single-level layout from random positions cannot untangle (a
//! mesh folds).

use petgraph::unionfind::UnionFind;

use super::{GRAVITY, REPULSION};

use crate::geom::Dim;
use crate::graph::generate::Lcg;
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
    /// The connected component of every node, the largest 0 (the same at every level:
    /// merges follow edges).
    pub component: Vec<u32>,
}

/// Matches each node, visited in a seeded random order, with its unmatched neighbour of
/// least weight (fine nodes it stands for), then least degree; returns the coarse node of
/// every node and the coarse node count. A fixed visiting order would match along one
/// axis of a mesh level after level and leave a thin strip at the coarsest level, which
/// the finer levels cannot unfold; random order and light partners coarsen evenly.
fn matching(csr: &Csr, weight: &[u32], seed: u64) -> (Vec<u32>, u32) {
    let n = weight.len();
    let mut rank: Vec<u32> = (0..n as u32).collect();
    let mut random = Lcg(seed ^ 0x5851_f42d_4c95_7f2d);
    for i in (1..n).rev() {
        rank.swap(i, random.below(i as u64 + 1) as usize);
    }
    let mut order = vec![0u32; n];
    for (v, &r) in rank.iter().enumerate() {
        order[r as usize] = v as u32;
    }
    let mut coarse = vec![u32::MAX; n];
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
            .min_by_key(|&w| (weight[w as usize], csr.degree(w), rank[w as usize]));
        coarse[v as usize] = next;
        if let Some(w) = partner {
            coarse[w as usize] = next;
        }
        next += 1;
    }
    (coarse, next)
}

/// The hierarchy from `graph` (first) to the coarsest level (last).
pub fn hierarchy(graph: &Graph, seed: u64) -> Vec<Level> {
    let csr = graph.csr(Direction::Both);
    let component = components(&csr);
    let mut levels = vec![Level { csr, node_count: graph.node_count(), fine_to_coarse: Vec::new(), component }];
    let mut weight = vec![1u32; graph.node_count() as usize];
    loop {
        let fine = levels.last().expect("the finest level");
        let n = fine.node_count;
        if n <= COARSEST {
            break;
        }
        let (map, coarse_n) = matching(&fine.csr, &weight, seed.wrapping_add(levels.len() as u64));
        if coarse_n as f32 > n as f32 * MIN_REDUCTION {
            break;
        }
        let mut coarse_weight = vec![0u32; coarse_n as usize];
        for (v, &c) in map.iter().enumerate() {
            coarse_weight[c as usize] += weight[v];
        }
        weight = coarse_weight;
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
        let mut component = vec![0; coarse_n as usize];
        for (v, &c) in map.iter().enumerate() {
            component[c as usize] = fine.component[v];
        }
        levels.push(Level { csr: coarse.csr(Direction::Both), node_count: coarse_n, fine_to_coarse: map, component });
    }
    levels
}

/// Positions for a finer level from its coarse level's: each node at its coarse node's
/// position, nudged by a seeded tenth of the node spacing so merged pairs separate. The
/// layout is first scaled by (fine nodes / coarse nodes)^(1/dim): the spring-electrical
/// model keeps its edge length at every level, so the finer graph fills that much more
/// room, and growing there by force would twist the layout (a random geometric graph's
/// neighbourhood preservation went from 0.68 to 0.77 with the scaling).
pub fn prolong(coarse: &[[f32; 4]], fine_to_coarse: &[u32], dim: Dim, seed: u64) -> Vec<[f32; 4]> {
    let axes = dim.count() as usize;
    let grow = (fine_to_coarse.len() as f32 / coarse.len().max(1) as f32).powf(1.0 / axes as f32);
    let spread = typical_spacing(coarse, dim) * grow * 0.1;
    let mut random = Lcg(seed ^ 0x2545_f491_4f6c_dd1d);
    fine_to_coarse
        .iter()
        .map(|&c| {
            let mut p = coarse[c as usize];
            for x in &mut p[..axes] {
                *x = *x * grow + (random.unit() - 0.5) * spread;
            }
            p
        })
        .collect()
}

/// The connected component of every node of `csr` (both directions), numbered by size:
/// the largest is 0 (ties: the one with the lowest node first). Petgraph's union-find, as
/// `Graph::summary` counts them.
pub fn components(csr: &Csr) -> Vec<u32> {
    let n = csr.offsets.len().saturating_sub(1);
    let mut sets = UnionFind::<u32>::new(n);
    for v in 0..n as u32 {
        for &w in csr.neighbours(v) {
            sets.union(v, w);
        }
    }
    let roots: Vec<u32> = (0..n as u32).map(|v| sets.find_mut(v)).collect();
    // Each component once, by its lowest node, with its size.
    let mut size = vec![0usize; n];
    let mut firsts = Vec::new();
    for (v, &root) in roots.iter().enumerate() {
        if size[root as usize] == 0 {
            firsts.push(v);
        }
        size[root as usize] += 1;
    }
    firsts.sort_by_key(|&v| (std::cmp::Reverse(size[roots[v] as usize]), v));
    let mut rank = vec![0u32; n];
    for (r, &v) in firsts.iter().enumerate() {
        rank[roots[v] as usize] = r as u32;
    }
    roots.iter().map(|&root| rank[root as usize]).collect()
}

/// Sets every node's gravity weight (`w`, see force.wgsl): 1 in the largest component,
/// pulled towards the origin; outside it, negative: pulled towards the largest
/// component's centre of mass (as force.wgsl computes it each iteration) with the weight
/// that balances its push (its `n` nodes repel like one mass at the centre,
/// `REPULSION * n / r`) at `RING` times its radius. A constant
/// pull either squeezes the largest component into a disc (a mesh's stress rose from
/// 0.013 to 0.023 with ten times the gravity) or leaves small components far out in a
/// ring around a small core, as on Cora.
pub fn hold_components(positions: &mut [[f32; 4]], component: &[u32]) {
    /// Where the small components settle, in radii of the largest (95th percentile of
    /// its nodes' distances from its centre of mass).
    const RING: f32 = 1.3;
    let mut sum = [0f64; 3];
    let mut count = 0usize;
    for (p, _) in positions.iter().zip(component).filter(|(_, c)| **c == 0) {
        for a in 0..3 {
            sum[a] += p[a] as f64;
        }
        count += 1;
    }
    let centre: [f32; 3] = std::array::from_fn(|a| (sum[a] / count.max(1) as f64) as f32);
    let radius = |p: &[f32; 4]| (0..3).map(|a| (p[a] - centre[a]).powi(2)).sum::<f32>().sqrt();
    let mut distances: Vec<f32> =
        positions.iter().zip(component).filter(|(_, c)| **c == 0).map(|(p, _)| radius(p)).collect();
    distances.sort_by(f32::total_cmp);
    let largest = distances.get(distances.len() * 95 / 100).copied().unwrap_or(0.0).max(1e-3);
    let held = (REPULSION * positions.len() as f32 / (RING * largest).powi(2) / GRAVITY).max(1.0);
    for (p, &c) in positions.iter_mut().zip(component) {
        p[3] = if c == 0 { 1.0 } else { -held };
    }
}

/// Mean distance to the nearest other node if `positions` filled their bounding box evenly.
pub fn typical_spacing(positions: &[[f32; 4]], dim: Dim) -> f32 {
    let (mut lo, mut hi) = ([f32::MAX; 3], [f32::MIN; 3]);
    for p in positions {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let n = positions.len().max(1) as f32;
    let extent = (0..dim.count() as usize).map(|a| (hi[a] - lo[a]).max(0.0)).fold(0.0f32, f32::max);
    extent / n.powf(1.0 / dim.count() as f32)
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
        let levels = hierarchy(&g, 1);
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
    fn components_are_numbered_by_size() {
        let mut g = Graph::with_nodes(6, false);
        for (a, b) in [(5, 4), (1, 2), (0, 1)] {
            g.push_edge(a, b);
        }
        // {0, 1, 2} largest, then {4, 5}, then {3}.
        assert_eq!(components(&g.csr(Direction::Both)), [0, 0, 0, 2, 1, 1]);
    }

    #[test]
    fn prolonged_nodes_sit_near_their_coarse_node() {
        let coarse = [[1.0, 2.0, 0.0, 0.0], [5.0, 5.0, 0.0, 0.0]];
        let fine = prolong(&coarse, &[0, 0, 1, 1], Dim::Two, 3);
        // Twice the nodes: the layout grows by sqrt(2); the nudge is a tenth of the spacing.
        let grow = 2f32.sqrt();
        let spread = 4.0 / 2f32.sqrt() * grow * 0.1;
        for (p, c) in fine.iter().zip([0, 0, 1, 1]) {
            assert!((p[0] - coarse[c][0] * grow).abs() <= spread / 2.0 && p[2] == 0.0);
        }
        assert_ne!(fine[0], fine[1], "merged nodes separate");
    }
}
