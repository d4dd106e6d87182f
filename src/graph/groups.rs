//! A hierarchy of named groups (modules, layers, scopes) over the nodes.
//!
//! Groups form a forest: each has an optional parent. Each node belongs to at most one
//! innermost group; its ancestors follow from the parents. Model loaders fill this; edge
//! lists leave it empty. Siblings that differ only by an index (`layer.0` ... `layer.11`)
//! share a [`Group::kind`] and count as repeated blocks.

use std::collections::{BTreeMap, HashMap};

/// Index of a group in [`Groups::groups`].
pub type GroupId = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub parent: Option<GroupId>,
}

impl Group {
    /// The name without a trailing index: `layer.3`, `layer_3`, `layer3` are all `layer`.
    pub fn kind(&self) -> &str {
        let stem = self.name.trim_end_matches(|c: char| c.is_ascii_digit());
        if stem.len() == self.name.len() || stem.is_empty() {
            return &self.name;
        }
        stem.strip_suffix(['.', '_', '-']).filter(|s| !s.is_empty()).unwrap_or(stem)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub groups: Vec<Group>,
    /// Innermost group of each node, `None` for nodes outside every group. Empty while
    /// no group exists.
    node_group: Vec<Option<GroupId>>,
}

impl Groups {
    pub fn add(&mut self, name: impl Into<String>, parent: Option<GroupId>) -> GroupId {
        self.groups.push(Group { name: name.into(), parent });
        (self.groups.len() - 1) as GroupId
    }

    pub fn assign(&mut self, node: u32, group: GroupId) {
        let node = node as usize;
        if self.node_group.len() <= node {
            self.node_group.resize(node + 1, None);
        }
        self.node_group[node] = Some(group);
    }

    pub fn group_of(&self, node: u32) -> Option<GroupId> {
        self.node_group.get(node as usize).copied().flatten()
    }

    /// The path from the outermost group down to `group`, as names.
    pub fn path(&self, group: GroupId) -> Vec<&str> {
        let mut path = Vec::new();
        let mut at = Some(group);
        while let Some(g) = at {
            let group = &self.groups[g as usize];
            path.push(group.name.as_str());
            at = group.parent;
        }
        path.reverse();
        path
    }

    /// Levels above `group`: 0 for an outermost group.
    pub fn depth(&self, group: GroupId) -> usize {
        std::iter::successors(self.groups[group as usize].parent, |&p| self.groups[p as usize].parent).count()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// All nodes inside `group` or its descendants, in index order.
    pub fn members(&self, group: GroupId) -> Vec<u32> {
        let inside = |mut at: Option<GroupId>| {
            while let Some(g) = at {
                if g == group {
                    return true;
                }
                at = self.groups[g as usize].parent;
            }
            false
        };
        (0..self.node_group.len() as u32).filter(|&v| inside(self.group_of(v))).collect()
    }

    /// The group a user means by `name`: its path from the outermost group joined by `/`,
    /// or its own name where only one group has it.
    pub fn find(&self, name: &str) -> Result<GroupId, String> {
        let ids = 0..self.groups.len() as GroupId;
        if let Some(g) = ids.clone().find(|&g| self.path(g).join("/") == name) {
            return Ok(g);
        }
        let named: Vec<GroupId> = ids.filter(|&g| self.groups[g as usize].name == name).collect();
        match named.as_slice() {
            [g] => Ok(*g),
            [] => Err(format!("no group is named '{name}'")),
            [g, ..] => Err(format!(
                "{} groups are named '{name}': give a path, such as '{}'",
                named.len(),
                self.path(*g).join("/")
            )),
        }
    }

    /// Kinds of which some parent holds two or more indexed instances, with the largest
    /// such count: `{"layer": 12}` for a 12-layer encoder.
    pub fn repeated(&self) -> BTreeMap<String, usize> {
        let mut siblings: HashMap<(Option<GroupId>, &str), usize> = HashMap::new();
        for g in self.groups.iter().filter(|g| g.kind() != g.name) {
            *siblings.entry((g.parent, g.kind())).or_default() += 1;
        }
        let mut repeated = BTreeMap::new();
        for ((_, kind), count) in siblings.into_iter().filter(|&(_, c)| c >= 2) {
            let entry = repeated.entry(kind.to_owned()).or_insert(0);
            *entry = count.max(*entry);
        }
        repeated
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Keeps the node table as long as the graph once groups exist.
    pub(super) fn ensure_nodes(&mut self, n: usize) {
        if !self.node_group.is_empty() && self.node_group.len() < n {
            self.node_group.resize(n, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_parents() {
        let mut g = Groups::default();
        let encoder = g.add("encoder", None);
        let layer = g.add("layer.0", Some(encoder));
        let attention = g.add("attention", Some(layer));
        g.assign(7, attention);
        assert_eq!(g.path(attention), ["encoder", "layer.0", "attention"]);
        assert_eq!(g.group_of(7), Some(attention));
        assert_eq!(g.group_of(3), None);
        assert_eq!(g.group_of(100), None);
    }

    #[test]
    fn indexed_siblings_are_repeated_blocks() {
        let mut g = Groups::default();
        let encoder = g.add("encoder", None);
        for i in 0..12 {
            let layer = g.add(format!("layer.{i}"), Some(encoder));
            g.add("attention", Some(layer));
        }
        g.add("conv2d_1", None);
        g.add("block7", None);
        assert_eq!(g.groups[1].kind(), "layer");
        assert_eq!(g.groups.last().unwrap().kind(), "block");
        assert_eq!(g.repeated(), BTreeMap::from([("layer".to_owned(), 12)]));
        assert_eq!(Group { name: "42".into(), parent: None }.kind(), "42");
    }
}
