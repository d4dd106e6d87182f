//! Brandes-Köpf coordinate assignment for the layered layout ("Fast and Simple Horizontal
//! Coordinate Assignment", 2001): every node gets an in-layer coordinate that keeps the
//! layer orders and a unit gap, with long edges (chains of dummy nodes) straight and each
//! node near the median of its neighbours.
//!
//! Four alignments (aligning with the upper or the lower neighbours, leftmost or
//! rightmost median first) each group nodes into vertical blocks; each is compacted, and
//! every node takes the mean of its two median coordinates among the four. Compaction
//! places the blocks in topological order of their left-of constraints (no recursion,
//! so deep graphs cannot overflow the stack), each block as far left as its
//! predecessors allow: the original's class shifts are left out, so a layout can be wider
//! than theirs, never narrower than its widest layer.

use std::collections::{HashSet, VecDeque};

/// One layered graph as the coordinate assignment sees it: the nodes of each layer in
/// order, and each node's neighbours in the layers above and below.
pub struct Layering<'a> {
    pub members: &'a [Vec<u32>],
    pub up: &'a [Vec<u32>],
    pub down: &'a [Vec<u32>],
    /// Nodes from this index on are dummies (points of long edges).
    pub first_dummy: usize,
    /// Each node's width (dummies included): neighbours in a layer stand at least half
    /// the sum of their widths apart.
    pub width: &'a [f32],
}

/// In-layer coordinates of every node, neighbours at least half their widths' sum apart
/// (a unit for plain nodes), centred on zero.
pub fn brandes_koepf(layering: &Layering) -> Vec<f32> {
    let nodes = layering.up.len();
    let mut position = vec![0u32; nodes];
    for members in layering.members {
        for (i, &v) in members.iter().enumerate() {
            position[v as usize] = i as u32;
        }
    }
    let marked = type1_conflicts(layering, &position);
    let mut candidates: Vec<Vec<f32>> = Vec::with_capacity(4);
    for downward in [true, false] {
        for leftward in [true, false] {
            candidates.push(one_alignment(layering, &marked, downward, leftward));
        }
    }
    // Align the four to the narrowest: left-compacted ones by their minimum, the others
    // by their maximum.
    let span = |x: &Vec<f32>| x.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let spans: Vec<(f32, f32)> = candidates.iter().map(span).collect();
    let narrowest =
        (0..4).min_by(|&a, &b| (spans[a].1 - spans[a].0).total_cmp(&(spans[b].1 - spans[b].0))).unwrap_or(0);
    for (k, x) in candidates.iter_mut().enumerate() {
        let leftward = k % 2 == 0;
        let shift = if leftward { spans[narrowest].0 - spans[k].0 } else { spans[narrowest].1 - spans[k].1 };
        for v in x.iter_mut() {
            *v += shift;
        }
    }
    let mut x: Vec<f32> = (0..nodes)
        .map(|v| {
            let mut four = [candidates[0][v], candidates[1][v], candidates[2][v], candidates[3][v]];
            four.sort_by(f32::total_cmp);
            (four[1] + four[2]) * 0.5
        })
        .collect();
    let (lo, hi) = span(&x);
    if nodes > 0 {
        let centre = (lo + hi) * 0.5;
        for v in &mut x {
            *v -= centre;
        }
    }
    x
}

/// Segments that cross an inner segment (between two dummies): alignments avoid them, so
/// long edges stay straight (the paper's type-1 conflicts).
fn type1_conflicts(layering: &Layering, position: &[u32]) -> HashSet<(u32, u32)> {
    let dummy = |v: u32| v as usize >= layering.first_dummy;
    let mut marked = HashSet::new();
    for pair in layering.members.windows(2) {
        let (upper, lower) = (&pair[0], &pair[1]);
        let (mut k0, mut scanned) = (0u32, 0usize);
        for (l1, &v) in lower.iter().enumerate() {
            let inner = if dummy(v) { layering.up[v as usize].iter().copied().find(|&u| dummy(u)) } else { None };
            if l1 + 1 == lower.len() || inner.is_some() {
                let k1 = inner.map_or(upper.len().saturating_sub(1) as u32, |u| position[u as usize]);
                while scanned <= l1 {
                    let w = lower[scanned];
                    for &u in &layering.up[w as usize] {
                        let k = position[u as usize];
                        if (k < k0 || k > k1) && !(dummy(u) && dummy(w)) {
                            marked.insert((u, w));
                        }
                    }
                    scanned += 1;
                }
                k0 = k1;
            }
        }
    }
    marked
}

/// One of the four layouts: blocks aligned with the upper (`downward`) or lower
/// neighbours, leftmost median first (`leftward`) or rightmost, compacted to that side.
fn one_alignment(layering: &Layering, marked: &HashSet<(u32, u32)>, downward: bool, leftward: bool) -> Vec<f32> {
    let nodes = layering.up.len();
    let layer_count = layering.members.len();
    // Work as if always top-down and left to right: mirror the order and the coordinate.
    let order = |l: usize| -> Vec<u32> {
        let mut members = layering.members[l].clone();
        if !leftward {
            members.reverse();
        }
        members
    };
    let layers: Vec<Vec<u32>> =
        if downward { (0..layer_count).map(order).collect() } else { (0..layer_count).rev().map(order).collect() };
    let mut pos = vec![0u32; nodes];
    for members in &layers {
        for (i, &v) in members.iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
    let before = if downward { layering.up } else { layering.down };
    let is_marked = |earlier: u32, later: u32| {
        if downward { marked.contains(&(earlier, later)) } else { marked.contains(&(later, earlier)) }
    };

    // Vertical alignment.
    let mut root: Vec<u32> = (0..nodes as u32).collect();
    let mut align: Vec<u32> = (0..nodes as u32).collect();
    let mut neighbours: Vec<u32> = Vec::new();
    for members in layers.iter().skip(1) {
        let mut r: i64 = -1;
        for &v in members {
            neighbours.clear();
            neighbours.extend_from_slice(&before[v as usize]);
            if neighbours.is_empty() {
                continue;
            }
            neighbours.sort_by_key(|&u| pos[u as usize]);
            let d = neighbours.len();
            for m in [(d - 1) / 2, d / 2] {
                if align[v as usize] != v {
                    break;
                }
                let u = neighbours[m];
                if !is_marked(u, v) && r < pos[u as usize] as i64 {
                    align[u as usize] = v;
                    root[v as usize] = root[u as usize];
                    align[v as usize] = root[v as usize];
                    r = pos[u as usize] as i64;
                }
            }
        }
    }

    // Horizontal compaction: block b must sit right of the block of each node's left
    // neighbour by half their widths; blocks in topological order, each as far left as
    // allowed.
    let mut after: Vec<Vec<(u32, f32)>> = vec![Vec::new(); nodes];
    let mut waiting = vec![0u32; nodes];
    for members in &layers {
        for pair in members.windows(2) {
            let (a, b) = (root[pair[0] as usize], root[pair[1] as usize]);
            let gap = (layering.width[pair[0] as usize] + layering.width[pair[1] as usize]) * 0.5;
            after[a as usize].push((b, gap));
            waiting[b as usize] += 1;
        }
    }
    let mut x = vec![0f32; nodes];
    let blocks = (0..nodes).filter(|&v| root[v] == v as u32).count();
    let mut ready: VecDeque<u32> =
        (0..nodes as u32).filter(|&v| root[v as usize] == v && waiting[v as usize] == 0).collect();
    let mut placed = 0;
    while let Some(block) = ready.pop_front() {
        placed += 1;
        for &(next, gap) in &after[block as usize] {
            x[next as usize] = x[next as usize].max(x[block as usize] + gap);
            waiting[next as usize] -= 1;
            if waiting[next as usize] == 0 {
                ready.push_back(next);
            }
        }
    }
    if placed < blocks {
        // Blocks that constrain each other both ways (the alignment rules forbid it):
        // fall back to plain ranks rather than overlap.
        return (0..nodes).map(|v| if leftward { pos[v] as f32 } else { -(pos[v] as f32) }).collect();
    }
    (0..nodes)
        .map(|v| {
            let value = x[root[v] as usize];
            if leftward { value } else { -value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Neighbours above and below each of `n` nodes, for edges from an upper layer down.
    fn adjacency(n: usize, edges: &[(u32, u32)]) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
        let (mut up, mut down) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for &(a, b) in edges {
            down[a as usize].push(b);
            up[b as usize].push(a);
        }
        (up, down)
    }

    /// Checks order and unit gaps in every layer.
    fn ordered_with_gaps(members: &[Vec<u32>], x: &[f32]) {
        for layer in members {
            for pair in layer.windows(2) {
                assert!(x[pair[1] as usize] - x[pair[0] as usize] >= 1.0 - 1e-4, "{pair:?}: {x:?}");
            }
        }
    }

    #[test]
    fn a_long_edge_runs_straight_and_gaps_hold() {
        // Layers [0, 1], [5, 2], [4, 3]: the long edge 0 -> 4 passes through dummy 5;
        // beside it the chain 1 -> 2 -> 3.
        let members = vec![vec![0, 1], vec![5, 2], vec![4, 3]];
        let (up, down) = adjacency(6, &[(0, 5), (5, 4), (1, 2), (2, 3)]);
        let layering = Layering { members: &members, up: &up, down: &down, first_dummy: 5, width: &[1.0; 6] };
        let x = brandes_koepf(&layering);
        ordered_with_gaps(&members, &x);
        assert!(x[0] == x[5] && x[5] == x[4], "the long edge is straight: {x:?}");
    }

    #[test]
    fn a_node_sits_between_its_two_parents() {
        // 0 and 1 above, 2 below both: 2 centres under them; a chain 3 -> 4 -> 5 stays put.
        let members = vec![vec![0, 1, 3], vec![2, 4], vec![5]];
        let (up, down) = adjacency(6, &[(0, 2), (1, 2), (3, 4), (4, 5)]);
        let layering = Layering { members: &members, up: &up, down: &down, first_dummy: 6, width: &[1.0; 6] };
        let x = brandes_koepf(&layering);
        ordered_with_gaps(&members, &x);
        assert!(x[0] <= x[2] && x[2] <= x[1], "{x:?}");
        assert_eq!(x[4], x[5], "a chain is straight: {x:?}");
    }

    #[test]
    fn wide_nodes_keep_their_neighbours_further_off() {
        // Node 1 is a box three nodes wide: its neighbours stand two units off, not one.
        let members = vec![vec![0, 1, 2], vec![3]];
        let (up, down) = adjacency(4, &[(1, 3)]);
        let width = [1.0, 3.0, 1.0, 1.0];
        let layering = Layering { members: &members, up: &up, down: &down, first_dummy: 4, width: &width };
        let x = brandes_koepf(&layering);
        assert!(x[1] - x[0] >= 2.0 - 1e-6 && x[2] - x[1] >= 2.0 - 1e-6, "{x:?}");
    }
}
