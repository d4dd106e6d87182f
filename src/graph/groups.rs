//! A hierarchy of named groups (modules, layers, scopes) over the nodes.
//!
//! Groups form a forest: each has an optional parent. Each node belongs to at most one
//! innermost group; its ancestors follow from the parents. Model loaders fill this; edge
//! lists leave it empty.

/// Index of a group in [`Groups::groups`].
pub type GroupId = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub parent: Option<GroupId>,
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

    pub fn len(&self) -> usize {
        self.groups.len()
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
}
