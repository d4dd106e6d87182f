//! Landmark MDS (de Silva and Tenenbaum, 2004): a layout from breadth-first distances to a
//! few pivot nodes, in O(k (n + m)) time and O(k n) memory. It places the force layout's
//! coarsest level, so the global shape starts unfolded and the forces only refine it: from
//! random positions a random geometric graph folded for two seeds in five.
//!
//! Pivots are chosen far apart in the largest component (each the node farthest from
//! those chosen so far). Classical MDS places the pivots; every node is then placed from
//! its distances to them.

use crate::geom::Dim;
use crate::graph::Csr;
use crate::graph::bfs::UNREACHED;
use crate::graph::bfs::hops;
use crate::graph::generate::Lcg;

/// Pivots: enough for a faithful global shape at any size.
const PIVOTS: usize = 50;
/// Power-iteration rounds for each eigenvector of the pivots' k x k matrix.
const POWER_ROUNDS: usize = 200;

/// Positions `[x, y, z, 0]` for the `n` nodes of `csr` (both directions), in hops, with a
/// seeded jitter of a hundredth of a hop so that no two nodes coincide; `w` is 1.
/// `component` labels each node's connected component, the largest 0 (see
/// [`super::multilevel::components`]). The pivots all lie in the largest component; every
/// other component sits at its own seeded point on a ring just outside it, for the forces
/// to settle.
pub fn landmark_mds(csr: &Csr, component: &[u32], dim: Dim, seed: u64) -> Vec<[f32; 4]> {
    let n = component.len();
    if n == 0 {
        return Vec::new();
    }
    let mut random = Lcg(seed ^ 0x3c6e_f372_fe94_f82b);
    // Hop counts from each pivot, the pivots chosen far apart in the largest component.
    let members: Vec<usize> = (0..n).filter(|&v| component[v] == 0).collect();
    let mut pivot = members[random.below(members.len() as u64) as usize];
    let mut nearest = vec![u32::MAX; n];
    let mut distances: Vec<Vec<u32>> = Vec::with_capacity(PIVOTS);
    let mut pivots = Vec::with_capacity(PIVOTS);
    while pivots.len() < PIVOTS.min(members.len()) {
        let row = hops(csr, &[pivot as u32], UNREACHED);
        for (m, &d) in nearest.iter_mut().zip(&row) {
            *m = (*m).min(d);
        }
        pivots.push(pivot);
        distances.push(row);
        pivot = *members.iter().max_by_key(|&&v| (nearest[v], std::cmp::Reverse(v))).expect("a member");
        if nearest[pivot] == 0 {
            break; // every member is a pivot
        }
    }
    let k = pivots.len();
    let squared = |d: u32| (d as f64) * (d as f64);
    // Classical MDS of the pivots: B = -1/2 J D^2 J.
    let d2: Vec<Vec<f64>> = (0..k).map(|a| (0..k).map(|b| squared(distances[a][pivots[b]])).collect()).collect();
    let column_mean: Vec<f64> = (0..k).map(|b| (0..k).map(|a| d2[a][b]).sum::<f64>() / k as f64).collect();
    let grand = column_mean.iter().sum::<f64>() / k as f64;
    let mut b: Vec<Vec<f64>> =
        (0..k).map(|r| (0..k).map(|c| -0.5 * (d2[r][c] - column_mean[r] - column_mean[c] + grand)).collect()).collect();
    let axes = dim.count() as usize;
    let mut eigen: Vec<(f64, Vec<f64>)> = Vec::with_capacity(axes);
    for axis in 0..axes {
        let (value, vector) = top_eigen(&b, axis);
        // Deflate, so the next round finds the next axis.
        for r in 0..k {
            for c in 0..k {
                b[r][c] -= value * vector[r] * vector[c];
            }
        }
        eigen.push((value, vector));
    }
    // Each member from its squared distances to the pivots.
    let mut positions = vec![[0.0, 0.0, 0.0, 1.0f32]; n];
    for &v in &members {
        for (axis, (value, vector)) in eigen.iter().enumerate() {
            if *value > 1e-9 {
                let dot: f64 = (0..k).map(|j| vector[j] * (squared(distances[j][v]) - column_mean[j])).sum();
                positions[v][axis] = (-0.5 * dot / value.sqrt()) as f32;
            }
        }
    }
    // Other components: each at a seeded point on a ring around the largest.
    let radius = members.iter().map(|&v| length(&positions[v])).fold(0.0f32, f32::max) * 1.2 + 1.0;
    let mut anchor: Vec<Option<[f32; 3]>> = vec![None; n];
    for v in 0..n {
        let c = component[v] as usize;
        if c != 0 {
            let a = *anchor[c].get_or_insert_with(|| on_sphere(&mut random, dim, radius));
            positions[v][..3].copy_from_slice(&a);
        }
        for p in &mut positions[v][..axes] {
            *p += (random.unit() - 0.5) * 0.01;
        }
    }
    positions
}

fn length(p: &[f32; 4]) -> f32 {
    (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt()
}

/// A seeded point at `radius` from the origin (on a circle in 2D).
fn on_sphere(random: &mut Lcg, dim: Dim, radius: f32) -> [f32; 3] {
    loop {
        let mut p = [random.unit() * 2.0 - 1.0, random.unit() * 2.0 - 1.0, 0.0];
        if dim == Dim::Three {
            p[2] = random.unit() * 2.0 - 1.0;
        }
        let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        if r > 1e-3 && r <= 1.0 {
            return p.map(|x| x / r * radius);
        }
    }
}

/// The largest eigenvalue of the symmetric matrix `m` and its unit eigenvector, by power
/// iteration from a start that differs per `axis`.
fn top_eigen(m: &[Vec<f64>], axis: usize) -> (f64, Vec<f64>) {
    let k = m.len();
    let mut v: Vec<f64> = (0..k).map(|i| 1.0 + ((i * 7 + axis * 13) % 11) as f64 * 0.1).collect();
    let mut value = 0.0;
    for _ in 0..POWER_ROUNDS {
        let w: Vec<f64> = (0..k).map(|r| (0..k).map(|c| m[r][c] * v[c]).sum()).collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm < 1e-12 {
            return (0.0, v);
        }
        // Rayleigh quotient: negative when the dominant eigenvalue is negative.
        value = w.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / v.iter().map(|x| x * x).sum::<f64>();
        v = w.into_iter().map(|x| x / norm).collect();
    }
    (value, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::generate::grid;
    use crate::graph::{Direction, Graph};
    use crate::layout::multilevel::components;

    #[test]
    fn a_mesh_comes_out_flat() {
        let g = grid(30, 20);
        let csr = g.csr(Direction::Both);
        let p = landmark_mds(&csr, &components(&csr), Dim::Two, 1);
        let quality = crate::layout::quality::measure(&g, &p, 1);
        // Hop counts are Manhattan distances, so the mesh comes out flat but a little
        // distorted (stress 0.025, neighbourhood 0.76; a folded one scores 0.1 and 0.3).
        assert!(quality.stress < 0.05, "{quality:?}");
        assert!(quality.neighbourhood > 0.6, "{quality:?}");
    }

    #[test]
    fn components_and_tiny_graphs_do_not_fail() {
        let mut g = Graph::with_nodes(5, false);
        g.push_edge(0, 1);
        g.push_edge(3, 4);
        let csr = g.csr(Direction::Both);
        let p = landmark_mds(&csr, &components(&csr), Dim::Three, 2);
        assert!(p.iter().flatten().all(|x| x.is_finite()));
        assert_ne!(p[0], p[2]);
        assert!(landmark_mds(&Graph::with_nodes(0, false).csr(Direction::Both), &[], Dim::Two, 1).is_empty());
    }
}
