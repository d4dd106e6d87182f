//! Compressed sparse rows: `targets[offsets[v]..offsets[v + 1]]` are the neighbours of `v`.
//!
//! Built by a counting sort over the edge arrays (two passes, no per-node vectors), so the
//! neighbours of each node keep file order. `offsets` and `targets` are plain `u32` slices,
//! uploaded to the GPU as they are.

use super::Graph;

/// Which edges count as the neighbours of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Targets of outgoing edges.
    Out,
    /// Sources of incoming edges.
    In,
    /// Both: the undirected view, used by layouts.
    Both,
}

impl Direction {
    /// The name the command line and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
            Direction::Both => "both",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csr {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
}

impl Csr {
    /// The rows of `rows` one after another: row v's entries are `neighbours(v)`.
    pub fn from_rows(rows: &[Vec<u32>]) -> Csr {
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        let mut targets = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            targets.extend_from_slice(row);
            offsets.push(targets.len() as u32);
        }
        Csr { offsets, targets }
    }

    pub fn neighbours(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.targets[self.offsets[v] as usize..self.offsets[v + 1] as usize]
    }

    pub fn degree(&self, v: u32) -> u32 {
        self.offsets[v as usize + 1] - self.offsets[v as usize]
    }
}

impl Graph {
    /// Adjacency in `direction`. With [`Direction::Both`] every edge appears at both ends
    /// (a self-loop twice at its node).
    pub fn csr(&self, direction: Direction) -> Csr {
        let n = self.node_count() as usize;
        let (from, to): (&[u32], &[u32]) = (&self.src, &self.dst);
        let arcs = || -> Box<dyn Iterator<Item = (u32, u32)> + '_> {
            let forward = from.iter().copied().zip(to.iter().copied());
            let backward = to.iter().copied().zip(from.iter().copied());
            match direction {
                Direction::Out => Box::new(forward),
                Direction::In => Box::new(backward),
                Direction::Both => Box::new(forward.chain(backward)),
            }
        };
        let mut offsets = vec![0u32; n + 1];
        for (a, _) in arcs() {
            offsets[a as usize + 1] += 1;
        }
        for v in 0..n {
            offsets[v + 1] += offsets[v];
        }
        let mut cursor = offsets[..n].to_vec();
        let mut targets = vec![0u32; offsets[n] as usize];
        for (a, b) in arcs() {
            let slot = &mut cursor[a as usize];
            targets[*slot as usize] = b;
            *slot += 1;
        }
        Csr { offsets, targets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle_with_tail() -> Graph {
        let mut g = Graph::with_nodes(5, true);
        for (a, b) in [(0, 1), (1, 2), (2, 0), (2, 3)] {
            g.push_edge(a, b);
        }
        g
    }

    #[test]
    fn out_in_and_both() {
        let g = triangle_with_tail();
        let out = g.csr(Direction::Out);
        assert_eq!(out.neighbours(2), &[0, 3]);
        assert_eq!(out.neighbours(4), &[] as &[u32]);
        let inc = g.csr(Direction::In);
        assert_eq!(inc.neighbours(0), &[2]);
        let both = g.csr(Direction::Both);
        assert_eq!(both.neighbours(2), &[0, 3, 1]);
        assert_eq!(both.degree(3), 1);
        assert_eq!(both.targets.len(), 8);
    }
}
