//! Seeded graph generators for tests and benchmarks: meshes, random geometric graphs,
//! preferential attachment, layered DAGs, rings with random chords, and an already laid
//! out local mesh for rendering benchmarks. The same seed gives the same graph.

use super::Graph;

/// A small linear congruential generator: enough for test data, and the same everywhere.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        self.below(1 << 31) as f32 / (1u64 << 31) as f32
    }
}

fn undirected(n: u32, edges: impl IntoIterator<Item = (u32, u32)>) -> Graph {
    let mut g = Graph::with_nodes(n, false);
    for (a, b) in edges {
        g.push_edge(a, b);
    }
    g
}

/// A `w` x `h` mesh, each node joined to its right and lower neighbours.
pub fn grid(w: u32, h: u32) -> Graph {
    let id = |x: u32, y: u32| y * w + x;
    let mut edges = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if x + 1 < w {
                edges.push((id(x, y), id(x + 1, y)));
            }
            if y + 1 < h {
                edges.push((id(x, y), id(x, y + 1)));
            }
        }
    }
    undirected(w * h, edges)
}

/// `n` points in the unit square joined within the radius that gives about `neighbours`
/// neighbours a node (`neighbours * n / 2` edges).
pub fn random_geometric(n: u32, neighbours: f32, seed: u64) -> Graph {
    let mut rng = Lcg(seed);
    let points: Vec<(f32, f32)> = (0..n).map(|_| (rng.unit(), rng.unit())).collect();
    let radius = (neighbours / (std::f32::consts::PI * n.max(1) as f32)).sqrt();
    let cells = (1.0 / radius).floor().max(1.0) as usize;
    let cell = |p: (f32, f32)| {
        (((p.0 * cells as f32) as usize).min(cells - 1), ((p.1 * cells as f32) as usize).min(cells - 1))
    };
    let mut buckets = vec![Vec::new(); cells * cells];
    for (i, &p) in points.iter().enumerate() {
        let (cx, cy) = cell(p);
        buckets[cy * cells + cx].push(i as u32);
    }
    let mut edges = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let (cx, cy) = cell(p);
        for y in cy.saturating_sub(1)..(cy + 2).min(cells) {
            for x in cx.saturating_sub(1)..(cx + 2).min(cells) {
                for &j in &buckets[y * cells + x] {
                    let q = points[j as usize];
                    if (j as usize) > i && (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) < radius * radius {
                        edges.push((i as u32, j));
                    }
                }
            }
        }
    }
    undirected(n, edges)
}

/// Preferential attachment (Barabasi-Albert), 3 edges per new node.
pub fn barabasi_albert(n: u32, seed: u64) -> Graph {
    let mut rng = Lcg(seed);
    let mut ends: Vec<u32> = vec![0, 1, 1, 2, 2, 0];
    let mut edges = vec![(0, 1), (1, 2), (2, 0)];
    for v in 3..n {
        for _ in 0..3 {
            let u = ends[rng.below(ends.len() as u64) as usize];
            edges.push((u, v));
            ends.extend([u, v]);
        }
    }
    undirected(n.max(3), edges)
}

/// A DAG of `layers` equal layers; every node has one or two parents in the layer above,
/// and one in ten another two layers up.
pub fn layered_dag(n: u32, layers: u32, seed: u64) -> Graph {
    let mut rng = Lcg(seed);
    let per = (n / layers.max(1)).max(1);
    let mut g = Graph::with_nodes(n, true);
    for v in per..n {
        let layer = v / per;
        let above = (layer - 1) * per;
        for _ in 0..1 + rng.below(2) {
            g.push_edge(above + rng.below(per as u64) as u32, v);
        }
        if layer >= 2 && rng.below(10) == 0 {
            g.push_edge((layer - 2) * per + rng.below(per as u64) as u32, v);
        }
    }
    g
}

/// A ring of `n` nodes (so it is connected) plus `chords` seeded random edges.
pub fn ring_with_chords(n: u32, chords: u32, seed: u64) -> Graph {
    let mut rng = Lcg(seed);
    let mut edges: Vec<(u32, u32)> = (0..n).map(|v| (v, (v + 1) % n)).collect();
    for _ in 0..chords {
        let (a, b) = (rng.below(n as u64) as u32, rng.below(n as u64) as u32);
        if a != b {
            edges.push((a, b));
        }
    }
    undirected(n, edges)
}

/// A graph that comes with its positions: `n` nodes on a jittered square grid, each with
/// `edges_per_node` edges to random nodes at most three rows or columns away, the way a
/// good layout of a large sparse graph looks. For rendering benchmarks, which need
/// millions of edges without a layout run.
pub fn laid_out_mesh(n: u32, edges_per_node: u32, seed: u64) -> (Graph, Vec<[f32; 4]>) {
    let mut rng = Lcg(seed);
    let side = (n as f64).sqrt().ceil().max(1.0) as i64;
    let rows = (n as i64 + side - 1) / side;
    let positions = (0..n)
        .map(|v| {
            let (x, y) = ((v as i64 % side) as f32, (v as i64 / side) as f32);
            [x + rng.unit() * 0.6 - 0.3, y + rng.unit() * 0.6 - 0.3, 0.0, 0.0]
        })
        .collect();
    let mut g = Graph::with_nodes(n, false);
    g.src.reserve(n as usize * edges_per_node as usize);
    g.dst.reserve(n as usize * edges_per_node as usize);
    for v in 0..n {
        let (x, y) = (v as i64 % side, v as i64 / side);
        for _ in 0..edges_per_node {
            let tx = (x + rng.below(7) as i64 - 3).clamp(0, side - 1);
            let mut ty = (y + rng.below(7) as i64 - 3).clamp(0, rows - 1);
            if ty * side + tx >= n as i64 {
                ty -= 1; // the last row is partial: take the node above
            }
            let target = (ty * side + tx) as u32;
            if target != v {
                g.push_edge(v, target);
            }
        }
    }
    (g, positions)
}

/// `rows` points in `dims` dimensions around 20 centres (sums of uniforms, close to
/// Gaussian): the shape of a trained embedding's classes.
pub fn blobs(rows: usize, dims: usize, seed: u64) -> super::Embedding {
    let mut rng = Lcg(seed);
    let centres: Vec<f32> = (0..20 * dims).map(|_| rng.unit() * 10.0).collect();
    let mut values = Vec::with_capacity(rows * dims);
    for _ in 0..rows {
        let c = rng.below(20) as usize;
        for d in 0..dims {
            let noise = (0..4).map(|_| rng.unit()).sum::<f32>() - 2.0;
            values.push(centres[c * dims + d] + noise);
        }
    }
    super::Embedding { rows, dims, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_seeds() {
        let g = grid(4, 3);
        assert_eq!((g.node_count(), g.edge_count()), (12, 3 * 3 + 4 * 2));
        let a = random_geometric(2000, 6.0, 1);
        let mean_degree = 2.0 * a.edge_count() as f64 / 2000.0;
        assert!((4.0..8.0).contains(&mean_degree), "{mean_degree}");
        assert_eq!(a.src, random_geometric(2000, 6.0, 1).src);
        assert_eq!(barabasi_albert(100, 2).edge_count(), 3 + 97 * 3);
        let dag = layered_dag(100, 10, 3);
        assert!(dag.src.iter().zip(&dag.dst).all(|(a, b)| a / 10 < b / 10), "edges go down");
        assert_eq!(ring_with_chords(10, 0, 1).summary().components, 1);
        let (mesh, positions) = laid_out_mesh(1000, 10, 4);
        assert_eq!(positions.len(), 1000);
        assert!(mesh.edge_count() > 9000 && mesh.edge_count() <= 10_000);
        for n in [1, 2, 200, 1001] {
            let (g, _) = laid_out_mesh(n, 10, 1);
            assert!(g.src.iter().chain(&g.dst).all(|&v| v < n), "{n} nodes: edges stay inside");
        }
        let longest = mesh.src.iter().zip(&mesh.dst).map(|(&a, &b)| {
            let (p, q) = (positions[a as usize], positions[b as usize]);
            (p[0] - q[0]).hypot(p[1] - q[1])
        });
        assert!(longest.fold(0.0, f32::max) < 5.0, "edges stay local");
    }
}
