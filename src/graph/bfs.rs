//! Breadth-first search from a set of seeds, stopped after `max_hops` levels: hop counts
//! for landmark MDS and tours, and the CPU reference the GPU K-hop pass
//! ([`crate::khop`]) is held to exactly.

use super::Csr;

/// The hop count of a node a search did not reach.
pub const UNREACHED: u32 = u32::MAX;

/// Hops from the nearest seed to every node over `adjacency` (the CSR a step follows:
/// [`crate::graph::Direction::Out`] for out-neighbourhoods), or [`UNREACHED`] beyond
/// `max_hops`. Seeds out of range are ignored.
pub fn hops(adjacency: &Csr, seeds: &[u32], max_hops: u32) -> Vec<u32> {
    let n = adjacency.offsets.len().saturating_sub(1);
    let mut hops = vec![UNREACHED; n];
    let mut frontier: Vec<u32> = Vec::new();
    for &s in seeds {
        if (s as usize) < n && hops[s as usize] == UNREACHED {
            hops[s as usize] = 0;
            frontier.push(s);
        }
    }
    let mut next = Vec::new();
    for hop in 1..=max_hops {
        for &u in &frontier {
            for &v in adjacency.neighbours(u) {
                if hops[v as usize] == UNREACHED {
                    hops[v as usize] = hop;
                    next.push(v);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
    hops
}

/// How many nodes lie at exactly 0, 1, ..., `max_hops` hops.
pub fn counts(hops: &[u32], max_hops: u32) -> Vec<u64> {
    let mut counts = vec![0u64; max_hops as usize + 1];
    for &h in hops {
        if h <= max_hops {
            counts[h as usize] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Direction, Graph};

    /// 0 -> 1 -> 2 -> 3, and 4 -> 1; node 5 isolated.
    fn chain() -> Graph {
        let mut g = Graph::with_nodes(6, true);
        for (a, b) in [(0, 1), (1, 2), (2, 3), (4, 1)] {
            g.push_edge(a, b);
        }
        g
    }

    #[test]
    fn follows_the_direction_and_stops_at_k() {
        let g = chain();
        let out = hops(&g.csr(Direction::Out), &[1], 5);
        assert_eq!(out, [UNREACHED, 0, 1, 2, UNREACHED, UNREACHED]);
        let back = hops(&g.csr(Direction::In), &[2], 5);
        assert_eq!(back, [2, 1, 0, UNREACHED, 2, UNREACHED]);
        let both = hops(&g.csr(Direction::Both), &[0], 1);
        assert_eq!(counts(&both, 1), [1, 1]);
        assert_eq!(counts(&hops(&g.csr(Direction::Both), &[0], 3), 3), [1, 1, 2, 1]);
    }

    #[test]
    fn several_seeds_take_the_nearest() {
        let g = chain();
        let h = hops(&g.csr(Direction::Both), &[0, 3, 3, 99], 2);
        assert_eq!(h, [0, 1, 1, 0, 2, UNREACHED]);
    }
}
