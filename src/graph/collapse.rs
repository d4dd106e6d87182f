//! Collapsing the group hierarchy: chosen groups (every group `depth` levels down, or any
//! set of them) each become one node that stands for all the nodes inside it, so a
//! 12-layer encoder reads as 12 blocks.
//!
//! Edges between members of one collapsed group vanish, edges into or out of it attach
//! to its node (once per pair of ends, weighing the sum of their weights). Collapsed nodes are named by their group path,
//! take the class `group`, their member count (`members`) and the sum of their members'
//! numeric `params`; nodes outside every collapsed group keep their own label, class and
//! text.

use std::collections::{BTreeSet, HashMap};

use super::{Column, Graph, GroupId, Groups, StringTable, TextColumn};

/// The numeric column a collapsed graph carries: the nodes each collapsed group stands
/// for, 0 for an ordinary node.
pub const MEMBERS: &str = "members";

/// The side of a collapsed group's box, in node diameters, for `members` nodes inside it:
/// 1.3 for two, growing with the logarithm up to 3 from a hundred.
pub fn box_side(members: f32) -> f32 {
    (1.0 + 0.3 * members.max(1.0).log2()).min(3.0)
}

impl Graph {
    /// Each node's width in node diameters: its box's side for a collapsed group
    /// ([`box_side`]), 1 for an ordinary node.
    pub fn node_widths(&self) -> Vec<f32> {
        match self.nodes.columns.iter().find(|c| c.name == MEMBERS && c.width == 1) {
            Some(members) => members.values.iter().map(|&m| if m > 0.0 { box_side(m) } else { 1.0 }).collect(),
            None => vec![1.0; self.node_count() as usize],
        }
    }
}

/// A graph made coarser (groups collapsed, neurons clustered): the new graph, and the node
/// of it that every node of the finer graph became.
#[derive(Debug, Clone)]
pub struct Coarsened {
    pub graph: Graph,
    pub node_of: Vec<u32>,
}

impl Coarsened {
    /// The mean over each node's members of a value `width` wide per fine node
    /// ([`means_by`]).
    pub fn means(&self, values: &[f32], width: usize) -> Vec<f32> {
        means_by(&self.node_of, self.graph.node_count() as usize, values, width)
    }

    /// The lowest-numbered fine node inside each node.
    pub fn first_members(&self) -> Vec<u32> {
        let mut first = vec![u32::MAX; self.graph.node_count() as usize];
        for (v, &c) in self.node_of.iter().enumerate() {
            first[c as usize] = first[c as usize].min(v as u32);
        }
        first
    }
}

/// The mean of a value `width` wide (row `v` of `values`, row-major) over the members of
/// each of `count` groups, member `v` in group `group_of[v]`, summed in f64; values that
/// are not finite are left out, and a group without any gets NaN.
pub fn means_by(group_of: &[u32], count: usize, values: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0f64; count * width];
    let mut counts = vec![0u32; count * width];
    for (row, &g) in values.chunks_exact(width).zip(group_of) {
        for (c, &value) in row.iter().enumerate() {
            if value.is_finite() {
                sums[g as usize * width + c] += value as f64;
                counts[g as usize * width + c] += 1;
            }
        }
    }
    sums.iter().zip(&counts).map(|(&s, &n)| if n > 0 { (s / n as f64) as f32 } else { f32::NAN }).collect()
}

impl Graph {
    /// The graph with every group at `depth` (0 = the outermost groups) collapsed, and the
    /// node that every node of `self` became in it.
    pub fn collapse(&self, depth: usize) -> Coarsened {
        let at_depth = (0..self.groups.len() as GroupId).filter(|&g| self.groups.depth(g) == depth).collect();
        self.collapse_groups(&at_depth)
    }

    /// The graph with each group of `which` collapsed into one node (a group inside
    /// another collapsed one goes with it), and the node that every node of `self` became
    /// in it.
    pub fn collapse_groups(&self, which: &BTreeSet<GroupId>) -> Coarsened {
        let groups = &self.groups;
        let ancestors = |g: GroupId| {
            let mut chain = vec![g];
            while let Some(parent) = groups.groups[*chain.last().expect("one group") as usize].parent {
                chain.push(parent);
            }
            chain.reverse();
            chain
        };
        // The new node of every old node: its own, or its outermost collapsed group's.
        let mut group_node: HashMap<GroupId, u32> = HashMap::new();
        let mut kept: Vec<Result<u32, GroupId>> = Vec::new(); // old node, or collapsed group
        let mut new_of = Vec::with_capacity(self.node_count() as usize);
        for v in 0..self.node_count() {
            let collapsed =
                groups.group_of(v).map(ancestors).and_then(|chain| chain.into_iter().find(|g| which.contains(g)));
            let id = match collapsed {
                Some(g) => *group_node.entry(g).or_insert_with(|| {
                    kept.push(Err(g));
                    (kept.len() - 1) as u32
                }),
                None => {
                    kept.push(Ok(v));
                    (kept.len() - 1) as u32
                }
            };
            new_of.push(id);
        }

        // One edge per pair of new ends, its weight the sum of the edges it stands for.
        let mut graph = Graph::with_nodes(kept.len() as u32, self.directed);
        let mut pairs: Vec<(u32, u32, f32)> = self
            .src
            .iter()
            .zip(&self.dst)
            .enumerate()
            .map(|(e, (&a, &b))| (new_of[a as usize], new_of[b as usize], self.weights.as_ref().map_or(1.0, |w| w[e])))
            .filter(|(a, b, _)| a != b)
            .collect();
        pairs.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let mut weights = Vec::new();
        for (a, b, w) in pairs {
            if graph.src.last() == Some(&a) && graph.dst.last() == Some(&b) {
                *weights.last_mut().expect("one weight per edge") += w;
            } else {
                graph.push_edge(a, b);
                weights.push(w);
            }
        }
        if self.weights.is_some() {
            graph.weights = Some(weights);
        }

        // Groups neither collapsed nor inside a collapsed one stay, with the collapsed nodes
        // inside them.
        let mut remap: HashMap<GroupId, GroupId> = HashMap::new();
        let mut new_groups = Groups::default();
        for (g, group) in groups.groups.iter().enumerate() {
            if !ancestors(g as GroupId).iter().any(|a| which.contains(a)) {
                let parent = group.parent.and_then(|p| remap.get(&p).copied());
                remap.insert(g as GroupId, new_groups.add(group.name.clone(), parent));
            }
        }
        for (id, &k) in kept.iter().enumerate() {
            let container = match k {
                Ok(v) => groups.group_of(v),
                Err(g) => groups.groups[g as usize].parent,
            };
            if let Some(g) = container.and_then(|g| remap.get(&g)) {
                new_groups.assign(id as u32, *g);
            }
        }
        graph.groups = new_groups;

        let old = &self.nodes;
        let mut labels = StringTable::default();
        for &k in &kept {
            match k {
                Ok(v) => labels.push(old.labels.as_ref().and_then(|l| l.get(v as usize)).unwrap_or("")),
                Err(g) => labels.push(&groups.path(g).join("/")),
            }
        }
        graph.nodes.labels = Some(labels);
        if let Some(classes) = &old.classes {
            let mut names = old.class_names.clone().unwrap_or_default();
            let group_class = names.len() as i32;
            names.push("group");
            graph.nodes.classes = Some(kept.iter().map(|&k| k.map_or(group_class, |v| classes[v as usize])).collect());
            graph.nodes.class_names = Some(names);
        }
        for column in &old.text_columns {
            let mut values = StringTable::default();
            for &k in &kept {
                values.push(k.ok().and_then(|v| column.values.get(v as usize)).unwrap_or(""));
            }
            graph.nodes.text_columns.push(TextColumn { name: column.name.clone(), values });
        }
        // How many nodes each collapsed group stands for (0: an ordinary node); drawn as a
        // box of that size (see [`crate::render::palette::SizeBy::sizes`]).
        let mut members = vec![0f32; kept.len()];
        for &id in &new_of {
            if kept[id as usize].is_err() {
                members[id as usize] += 1.0;
            }
        }
        graph.nodes.columns.push(Column { name: MEMBERS.into(), width: 1, values: members });
        if let Some(params) = old.columns.iter().find(|c| c.name == "params" && c.width == 1) {
            let mut sums = vec![0f32; kept.len()];
            for (v, &id) in new_of.iter().enumerate() {
                sums[id as usize] += params.values[v];
            }
            graph.nodes.columns.push(Column { name: "params".into(), width: 1, values: sums });
        }
        Coarsened { graph, node_of: new_of }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// encoder > layer.0 and layer.1, two nodes each, chained, plus an ungrouped output.
    fn encoder() -> Graph {
        let mut g = Graph::with_nodes(5, true);
        for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 4)] {
            g.push_edge(a, b);
        }
        let encoder = g.groups.add("encoder", None);
        let l0 = g.groups.add("layer.0", Some(encoder));
        let l1 = g.groups.add("layer.1", Some(encoder));
        for (v, group) in [(0, l0), (1, l0), (2, l1), (3, l1)] {
            g.groups.assign(v, group);
        }
        g.nodes.columns.push(Column { name: "params".into(), width: 1, values: vec![1.0, 2.0, 3.0, 4.0, 0.0] });
        g
    }

    #[test]
    fn collapses_at_each_depth() {
        let g = encoder();
        let Coarsened { graph: top, node_of: new_of } = g.collapse(0);
        assert_eq!(new_of, [0, 0, 0, 0, 1]);
        assert_eq!((top.node_count(), top.edge_count()), (2, 1), "encoder -> output");
        assert_eq!(top.nodes.labels.as_ref().unwrap().get(0), Some("encoder"));
        let column = |g: &Graph, name: &str| g.nodes.columns.iter().find(|c| c.name == name).unwrap().values.clone();
        assert_eq!(column(&top, "params"), [10.0, 0.0]);
        assert_eq!(column(&top, MEMBERS), [4.0, 0.0], "the encoder stands for four nodes");
        let layers = g.collapse(1).graph;
        assert_eq!((layers.node_count(), layers.edge_count()), (3, 2));
        assert_eq!(layers.nodes.labels.as_ref().unwrap().get(1), Some("encoder/layer.1"));
        assert_eq!(layers.groups.len(), 1, "the encoder group stays");
        assert_eq!(layers.groups.group_of(0), Some(0));
        let none = g.collapse(5).graph;
        assert_eq!((none.node_count(), none.edge_count()), (5, 4));
    }

    #[test]
    fn collapses_chosen_groups() {
        let g = encoder();
        // layer.1 only (group 2): nodes 2 and 3 become one, layer.0 stays open.
        let Coarsened { graph: one, node_of: new_of } = g.collapse_groups(&BTreeSet::from([2]));
        assert_eq!(new_of, [0, 1, 2, 2, 3]);
        assert_eq!((one.node_count(), one.edge_count()), (4, 3));
        assert_eq!(one.nodes.labels.as_ref().unwrap().get(2), Some("encoder/layer.1"));
        assert_eq!(one.groups.len(), 2, "encoder and layer.0 stay");
        assert_eq!(one.groups.path(one.groups.group_of(0).unwrap()), ["encoder", "layer.0"]);
        // The encoder and, inside it, layer.0: the outer one wins.
        assert_eq!(g.collapse_groups(&BTreeSet::from([0, 1])).node_of, g.collapse(0).node_of);
        assert_eq!(g.collapse_groups(&BTreeSet::from([1, 2])).node_of, g.collapse(1).node_of);
    }

    #[test]
    fn means_leave_out_values_that_are_not_finite() {
        let means = means_by(&[0, 0, 1, 1], 3, &[1.0, 10.0, 3.0, f32::NAN, f32::NAN, 5.0, f32::INFINITY, 7.0], 2);
        assert_eq!((means[0], means[1], means[3]), (2.0, 10.0, 6.0));
        assert!(means[2].is_nan() && means[4].is_nan() && means[5].is_nan(), "no finite member: NaN");
    }
}
