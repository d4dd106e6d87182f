//! Node ids as tables give them: 0-based integer indices, or names numbered in order of
//! first appearance. Edge lists and columnar tables both map their ids through [`NodeIds`].

use std::collections::HashMap;

use crate::graph::{Graph, MAX_NODES, StringTable};

/// How node ids map to node indices.
pub enum NodeIds {
    Indices { max: Option<u32> },
    Names { index: HashMap<String, u32>, labels: StringTable },
}

impl NodeIds {
    pub fn indices() -> NodeIds {
        NodeIds::Indices { max: None }
    }

    pub fn names() -> NodeIds {
        NodeIds::Names { index: HashMap::new(), labels: StringTable::default() }
    }

    /// The node of an integer id; an error message when it is negative or too large.
    pub fn index(&mut self, id: i64) -> Result<u32, String> {
        let NodeIds::Indices { max } = self else {
            return self.name(&id.to_string());
        };
        if id < 0 {
            return Err(format!("'{id}' is a negative node id (integer ids are 0-based node indices)"));
        }
        if id as u64 >= MAX_NODES {
            return Err(format!("node id {id} is beyond the {MAX_NODES} nodes netlens supports"));
        }
        let id = id as u32;
        *max = Some(max.map_or(id, |m| m.max(id)));
        Ok(id)
    }

    /// The node of a named id, numbered on first sight; an error message when it is
    /// empty or one name too many.
    pub fn name(&mut self, name: &str) -> Result<u32, String> {
        let NodeIds::Names { index, labels } = self else {
            return Err(format!(
                "'{name}' is not an integer node id (the first edge used integer ids, so all must be 0-based integers)"
            ));
        };
        if name.is_empty() {
            return Err("empty node id".to_owned());
        }
        if let Some(&id) = index.get(name) {
            return Ok(id);
        }
        if index.len() as u64 >= MAX_NODES {
            return Err(format!("more than {MAX_NODES} distinct node ids"));
        }
        let id = index.len() as u32;
        index.insert(name.to_owned(), id);
        labels.push(name);
        Ok(id)
    }

    /// Sizes `graph` to the ids seen, and gives it the names.
    pub fn finish(self, graph: &mut Graph) {
        graph.ids_are_indices = matches!(self, NodeIds::Indices { .. });
        match self {
            NodeIds::Indices { max } => graph.ensure_nodes(max.map_or(0, |m| m + 1)),
            NodeIds::Names { labels, .. } => {
                graph.ensure_nodes(labels.len() as u32);
                graph.nodes.labels = Some(labels);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_and_names_map_as_tables_mean_them() {
        let mut ids = NodeIds::indices();
        assert_eq!(ids.index(4), Ok(4));
        assert!(ids.index(-1).unwrap_err().contains("negative"));
        assert!(ids.index(MAX_NODES as i64).unwrap_err().contains("beyond"));
        assert!(ids.name("a").unwrap_err().contains("not an integer"));
        let mut graph = Graph::default();
        ids.finish(&mut graph);
        assert_eq!(graph.node_count(), 5);
        assert!(graph.ids_are_indices);

        let mut ids = NodeIds::names();
        assert_eq!(ids.name("b"), Ok(0));
        assert_eq!(ids.index(7), Ok(1));
        assert_eq!(ids.name("b"), Ok(0));
        assert!(ids.name("").is_err());
        let mut graph = Graph::default();
        ids.finish(&mut graph);
        assert_eq!(graph.node_count(), 2);
        assert_eq!(graph.nodes.labels.as_ref().unwrap().get(1), Some("7"));
    }
}
