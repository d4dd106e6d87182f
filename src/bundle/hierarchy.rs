//! Hierarchical edge bundling (Holten 2006) on the CPU: an edge from `a` to `b` follows
//! the groups from `a`'s innermost group up to (not including) the nearest group holding
//! both, then down to `b`'s. The centres of those groups are the control points of a
//! clamped cubic B-spline from `a` to `b`, straightened by `beta` (1: through the
//! hierarchy, 0: a straight line). Edges inside one group stay straight; edges between two
//! layers of a neuron-level graph gather into a channel between the layers' centres. As in
//! the density method, no point strays from the straight line by more than
//! [`MAX_DEVIATION`] times the edge's length, so short edges between nearby operators do not
//! detour through the centre of a large block.

use glam::Vec3;

use crate::bundle::{MAX_DEVIATION, POINTS};
use crate::graph::{Graph, GroupId};

/// The bundling strength at `strength = 1`.
pub const BETA: f32 = 0.85;
/// Where between two consecutive groups' centres the channel's control points lie.
pub const CHANNEL: f32 = 0.25;

/// [`POINTS`] `[x, y, z, 0]` rows per edge of `graph`, its nodes at `positions`;
/// `strength` scales [`BETA`] (capped at 1).
pub fn paths(graph: &Graph, positions: &[[f32; 4]], strength: f32) -> Vec<[f32; 4]> {
    let beta = (BETA * strength).clamp(0.0, 1.0);
    let centres = centres(graph, positions);
    let at = |v: u32| Vec3::from_slice(&positions[v as usize][..3]);
    let mut out = Vec::with_capacity(graph.edge_count() * POINTS as usize);
    let (mut up, mut down, mut stations, mut control) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (&a, &b) in graph.src.iter().zip(&graph.dst) {
        ancestors(graph, a, &mut up);
        ancestors(graph, b, &mut down);
        // Drop the common ancestors: what stays is the path up and down the tree.
        while let (Some(x), Some(y)) = (up.last(), down.last())
            && x == y
        {
            up.pop();
            down.pop();
        }
        stations.clear();
        stations.extend(up.iter().map(|&g| centres[g as usize]));
        stations.extend(down.iter().rev().map(|&g| centres[g as usize]));
        control.clear();
        control.push(at(a));
        match stations.len() {
            0 => {}
            1 => control.push(stations[0]),
            _ => {
                for pair in stations.windows(2) {
                    control.push(pair[0].lerp(pair[1], CHANNEL));
                    control.push(pair[0].lerp(pair[1], 1.0 - CHANNEL));
                }
            }
        }
        control.push(at(b));
        let (start, end, last) = (control[0], control[control.len() - 1], (control.len() - 1) as f32);
        for (i, c) in control.iter_mut().enumerate() {
            *c = *c * beta + start.lerp(end, i as f32 / last) * (1.0 - beta);
        }
        let reach = MAX_DEVIATION * start.distance(end);
        for j in 0..POINTS {
            let t = j as f32 / (POINTS - 1) as f32;
            let home = start.lerp(end, t);
            let off = b_spline(&control, t) - home;
            let p = home + off * (reach / off.length().max(reach)).min(1.0);
            out.push([p.x, p.y, p.z, 0.0]);
        }
    }
    out
}

/// `v`'s groups from the innermost out.
fn ancestors(graph: &Graph, v: u32, out: &mut Vec<GroupId>) {
    out.clear();
    let mut group = graph.groups.group_of(v);
    while let Some(g) = group {
        out.push(g);
        group = graph.groups.groups[g as usize].parent;
    }
}

/// The mean position of every group's nodes, nested groups' included.
fn centres(graph: &Graph, positions: &[[f32; 4]]) -> Vec<Vec3> {
    let n = graph.groups.len();
    let mut sum = vec![Vec3::ZERO; n];
    let mut count = vec![0u32; n];
    let mut chain = Vec::new();
    for v in 0..graph.node_count() {
        ancestors(graph, v, &mut chain);
        for &g in &chain {
            sum[g as usize] += Vec3::from_slice(&positions[v as usize][..3]);
            count[g as usize] += 1;
        }
    }
    sum.iter().zip(&count).map(|(&s, &c)| if c > 0 { s / c as f32 } else { Vec3::ZERO }).collect()
}

/// The clamped uniform B-spline of degree min(3, points - 1) over `control` at `t` in
/// 0..=1 (de Boor's algorithm): it starts and ends on the first and last points.
fn b_spline(control: &[Vec3], t: f32) -> Vec3 {
    let n = control.len();
    let k = 3.min(n - 1);
    let spans = n - k; // knot spans with non-zero length
    let knot = |i: usize| -> f32 {
        if i <= k {
            0.0
        } else if i >= n {
            1.0
        } else {
            (i - k) as f32 / spans as f32
        }
    };
    let span = ((t * spans as f32).floor() as usize).min(spans - 1) + k;
    let mut d: Vec<Vec3> = (0..=k).map(|j| control[j + span - k]).collect();
    for r in 1..=k {
        for j in (r..=k).rev() {
            let i = j + span - k;
            let (lo, hi) = (knot(i), knot(i + k + 1 - r));
            let alpha = if hi > lo { (t - lo) / (hi - lo) } else { 0.0 };
            d[j] = d[j - 1].lerp(d[j], alpha);
        }
    }
    d[k]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_spline_starts_and_ends_on_its_ends_and_a_line_stays_straight() {
        let control = [Vec3::ZERO, Vec3::new(1.0, 2.0, 0.0), Vec3::new(3.0, 2.0, 0.0), Vec3::new(4.0, 0.0, 0.0)];
        assert!(b_spline(&control, 0.0).distance(control[0]) < 1e-6);
        assert!(b_spline(&control, 1.0).distance(control[3]) < 1e-6);
        let mid = b_spline(&control, 0.5);
        assert!((mid.x - 2.0).abs() < 1e-5 && mid.y > 1.0 && mid.y < 2.0);
        let line = [Vec3::ZERO, Vec3::X * 2.0];
        assert!(b_spline(&line, 0.25).distance(Vec3::X * 0.5) < 1e-6);
        // Five points: degree 3 with one interior knot, still through the ends.
        let five: Vec<Vec3> = (0..5).map(|i| Vec3::new(i as f32, (i % 2) as f32, 0.0)).collect();
        assert!(b_spline(&five, 1.0).distance(five[4]) < 1e-6);
    }

    #[test]
    fn edges_between_groups_bend_towards_their_centres() {
        let mut graph = Graph::with_nodes(4, true);
        let left = graph.groups.add("left", None);
        let right = graph.groups.add("right", None);
        graph.groups.assign(0, left);
        graph.groups.assign(1, left);
        graph.groups.assign(2, right);
        graph.groups.assign(3, right);
        graph.push_edge(0, 2);
        graph.push_edge(0, 1);
        let positions = [[0.0, 1.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [4.0, 3.0, 0.0, 0.0], [4.0, -3.0, 0.0, 0.0]];
        let paths = paths(&graph, &positions, 1.0);
        let n = POINTS as usize;
        assert_eq!(paths.len(), 2 * n);
        assert_eq!(paths[0], positions[0]);
        assert_eq!(paths[n - 1], positions[2]);
        // The straight line from (0, 1) to (4, 3) passes y = 2 at x = 2; the path runs
        // lower, towards the centres at y = 0.
        let mid = paths[n / 2];
        assert!(mid[1] < 1.6, "{mid:?}");
        // Inside one group: straight.
        assert!(paths[n..].iter().all(|p| p[0].abs() < 1e-6));
    }
}
