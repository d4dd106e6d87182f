//! The in-memory graph every other module works on.
//!
//! Edges live in two parallel `u32` arrays (structure of arrays, no heap object per edge),
//! so 10M edges cost 80 MB plus 40 MB for optional weights. Node attributes are columns
//! (labels in one string table, classes, numeric matrices), groups form a hierarchy that
//! model loaders fill, and [`Csr`] turns the edge arrays into adjacency ready for GPU upload.

pub mod bfs;
mod clusters;
mod collapse;
mod csr;
pub mod generate;
mod groups;
mod stats;

pub use clusters::Likeness;
pub use collapse::{Coarsened, MEMBERS, box_side};
pub use csr::{Csr, Direction};
pub use groups::{Group, GroupId, Groups};
pub use stats::Summary;

use thiserror::Error;

/// Upper bound on the node count of any graph, so a stray huge id in a file cannot make
/// us allocate gigabytes: 2^27 nodes already take 2 GiB of positions on the GPU.
pub const MAX_NODES: u64 = 1 << 27;

/// A directed graph with optional edge weights, node attributes and a group hierarchy.
/// Undirected inputs store each edge once and set `directed = false`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    node_count: u32,
    /// Source and target of every edge, in file order.
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    /// One weight per edge, when the input had a weight column.
    pub weights: Option<Vec<f32>>,
    /// Further numeric edge columns the input carried (beyond source, target, weight).
    pub edge_columns: Vec<Column>,
    pub directed: bool,
    /// Whether node ids in the input were indices, so the node count may grow to fit
    /// node arrays with more rows (isolated nodes at the end).
    pub ids_are_indices: bool,
    pub nodes: NodeAttributes,
    pub groups: Groups,
}

/// The parts of a train/validation/test split, as a node column `split` codes them (1,
/// 2, 3; 0 for none): `gnn --split` files and OGB folders alike.
pub const SPLIT_PARTS: [&str; 3] = ["train", "valid", "test"];

/// Per-node data attached by loaders or by `--labels` / `--node-data`.
#[derive(Debug, Clone, Default)]
pub struct NodeAttributes {
    /// Display names (string ids of edge lists, operator names of models).
    pub labels: Option<StringTable>,
    /// Class per node, `-1` for none. Drives the colour palette.
    pub classes: Option<Vec<i32>>,
    /// Names of the classes, when they have names (operator types of a model).
    pub class_names: Option<StringTable>,
    /// Numeric node columns (features, embeddings, scores), `width` values a row.
    pub columns: Vec<Column>,
    /// Text per node (shapes, parameter lists), for details and tooltips.
    pub text_columns: Vec<TextColumn>,
}

/// A named text column, one string per node.
#[derive(Debug, Clone, PartialEq)]
pub struct TextColumn {
    pub name: String,
    pub values: StringTable,
}

/// A named numeric column: `values.len() == rows * width`.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub width: usize,
    pub values: Vec<f32>,
}

impl Column {
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }
}

/// Many strings in one allocation: `text[offsets[i]..offsets[i + 1]]` is string `i`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringTable {
    text: String,
    offsets: Vec<u32>,
}

impl StringTable {
    pub fn push(&mut self, s: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.text.push_str(s);
        self.offsets.push(self.text.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let start = *self.offsets.get(i)? as usize;
        let end = *self.offsets.get(i + 1)? as usize;
        Some(&self.text[start..end])
    }
}

/// Why node data could not be attached.
#[derive(Debug, Error, PartialEq)]
pub enum AttachError {
    #[error("has {rows} rows but the graph has {nodes} nodes")]
    RowCount { rows: usize, nodes: u32 },
    #[error("has {rows} rows, more than the {max} nodes netlens supports")]
    TooManyRows { rows: usize, max: u64 },
}

/// Why a node id given by the user names no node.
#[derive(Debug, Error, PartialEq)]
pub enum NodeIdError {
    #[error("no node is named '{id}'{hint}")]
    NoSuchName { id: String, hint: String },
    #[error("node {id} is out of range: ids are 0 to {last}")]
    OutOfRange { id: u64, last: i64 },
}

/// A node embedding (or any matrix with a row per node): row-major `rows x dims` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub rows: usize,
    pub dims: usize,
    pub values: Vec<f32>,
}

impl Embedding {
    /// `rows x dims` values, row-major, checked: the counts agree and every value is
    /// finite; the error says where not.
    pub fn checked(rows: usize, dims: usize, values: Vec<f32>) -> Result<Embedding, String> {
        if rows == 0 || dims == 0 {
            return Err(format!("is {rows} x {dims}: an embedding needs rows and columns"));
        }
        if rows.checked_mul(dims) != Some(values.len()) {
            return Err(format!("has {} values, not {rows} x {dims}", values.len()));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(format!("row {} holds {}: embeddings must be finite", i / dims, values[i]));
        }
        Ok(Embedding { rows, dims, values })
    }

    pub fn row(&self, r: usize) -> &[f32] {
        &self.values[r * self.dims..(r + 1) * self.dims]
    }
}

impl Graph {
    /// An empty graph of `node_count` isolated nodes.
    pub fn with_nodes(node_count: u32, directed: bool) -> Self {
        Graph { node_count, directed, ..Default::default() }
    }

    pub fn node_count(&self) -> u32 {
        self.node_count
    }

    pub fn edge_count(&self) -> usize {
        self.src.len()
    }

    /// Appends an edge; callers guarantee both ends are below `node_count`.
    pub fn push_edge(&mut self, src: u32, dst: u32) {
        debug_assert!(src < self.node_count && dst < self.node_count);
        self.src.push(src);
        self.dst.push(dst);
    }

    /// Grows the node count (never shrinks it): new nodes are isolated.
    pub fn ensure_nodes(&mut self, node_count: u32) {
        self.node_count = self.node_count.max(node_count);
    }

    /// Checks that `rows` fits this graph, growing it when ids are indices and the array
    /// has more rows (those rows are isolated nodes).
    pub fn fit_rows(&mut self, rows: usize) -> Result<(), AttachError> {
        if rows as u64 > MAX_NODES {
            return Err(AttachError::TooManyRows { rows, max: MAX_NODES });
        }
        let rows32 = rows as u32;
        if rows32 == self.node_count || (self.ids_are_indices && rows32 > self.node_count) {
            self.ensure_nodes(rows32);
            self.pad_node_attributes();
            Ok(())
        } else {
            Err(AttachError::RowCount { rows, nodes: self.node_count })
        }
    }

    /// Attaches one class per node (`-1` for none).
    pub fn attach_classes(&mut self, classes: Vec<i32>) -> Result<(), AttachError> {
        self.fit_rows(classes.len())?;
        self.nodes.classes = Some(classes);
        Ok(())
    }

    /// Attaches a numeric node column of `width` values a row.
    pub fn attach_column(&mut self, column: Column) -> Result<(), AttachError> {
        self.fit_rows(column.rows())?;
        self.nodes.columns.push(column);
        Ok(())
    }

    /// After the node count grew, pads already attached node data with empty rows.
    pub fn pad_node_attributes(&mut self) {
        let n = self.node_count as usize;
        if let Some(classes) = &mut self.nodes.classes {
            classes.resize(n, -1);
        }
        if let Some(labels) = &mut self.nodes.labels {
            while labels.len() < n {
                labels.push("");
            }
        }
        for column in &mut self.nodes.columns {
            column.values.resize(n * column.width, 0.0);
        }
        for column in &mut self.nodes.text_columns {
            while column.values.len() < n {
                column.values.push("");
            }
        }
        self.groups.ensure_nodes(n);
    }

    /// The same nodes (names, classes, columns, groups) without any edge: how an
    /// embedding's view shows them.
    pub fn without_edges(&self) -> Graph {
        Graph {
            node_count: self.node_count,
            directed: self.directed,
            ids_are_indices: self.ids_are_indices,
            nodes: self.nodes.clone(),
            groups: self.groups.clone(),
            ..Graph::default()
        }
    }

    /// A node's display name: its label, else `node INDEX`.
    pub fn node_name(&self, v: u32) -> String {
        match self.nodes.labels.as_ref().and_then(|l| l.get(v as usize)).filter(|s| !s.is_empty()) {
            Some(name) => name.to_owned(),
            None => format!("node {v}"),
        }
    }

    /// The node a user means by `id`: the node with that exact name, else, where ids are
    /// indices or nodes have no names, the node with that index.
    pub fn find_node(&self, id: &str) -> Result<u32, NodeIdError> {
        if let Some(labels) = &self.nodes.labels
            && let Some(i) = (0..labels.len()).find(|&i| labels.get(i) == Some(id))
        {
            return Ok(i as u32);
        }
        let by_index = self.nodes.labels.is_none() || self.ids_are_indices;
        match id.trim().parse::<u64>() {
            Ok(index) if by_index && index < self.node_count as u64 => Ok(index as u32),
            Ok(index) if by_index => Err(NodeIdError::OutOfRange { id: index, last: self.node_count as i64 - 1 }),
            _ => {
                let labels = self.nodes.labels.as_ref();
                let similar: Vec<&str> = labels
                    .map(|l| (0..l.len()).filter_map(|i| l.get(i)).filter(|name| name.contains(id)).take(3).collect())
                    .unwrap_or_default();
                let hint = if !similar.is_empty() {
                    format!(" (names containing it: {})", similar.join(", "))
                } else if let Some(first) = labels.and_then(|l| l.get(0)) {
                    format!(" (names look like '{first}')")
                } else {
                    format!(" (nodes have no names: use an index from 0 to {})", self.node_count as i64 - 1)
                };
                Err(NodeIdError::NoSuchName { id: id.to_owned(), hint })
            }
        }
    }

    /// Number of distinct classes (ignoring `-1`), when classes are attached.
    pub fn class_count(&self) -> Option<usize> {
        let classes = self.nodes.classes.as_ref()?;
        let mut seen: Vec<i32> = classes.iter().copied().filter(|&c| c >= 0).collect();
        seen.sort_unstable();
        seen.dedup();
        Some(seen.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_table_round_trips() {
        let mut t = StringTable::default();
        for s in ["a", "", "long name"] {
            t.push(s);
        }
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(0), Some("a"));
        assert_eq!(t.get(1), Some(""));
        assert_eq!(t.get(2), Some("long name"));
        assert_eq!(t.get(3), None);
    }

    #[test]
    fn index_graphs_grow_to_fit_node_arrays() {
        let mut g = Graph::with_nodes(3, false);
        g.ids_are_indices = true;
        g.push_edge(0, 2);
        g.attach_classes(vec![0, 1, 2, 3, -1]).unwrap();
        assert_eq!(g.node_count(), 5);
        assert_eq!(g.attach_classes(vec![0; 4]), Err(AttachError::RowCount { rows: 4, nodes: 5 }));
        g.attach_column(Column { name: "x".into(), width: 2, values: vec![0.0; 12] }).unwrap();
        assert_eq!(g.node_count(), 6);
        assert_eq!(g.nodes.classes.as_ref().unwrap().len(), 6, "classes padded");
        assert_eq!(g.class_count(), Some(4));
    }

    #[test]
    fn nodes_are_found_by_name_then_index() {
        let mut g = Graph::with_nodes(3, true);
        assert_eq!(g.find_node("2"), Ok(2));
        assert!(matches!(g.find_node("3"), Err(NodeIdError::OutOfRange { id: 3, last: 2 })));
        assert!(g.find_node("x").unwrap_err().to_string().contains("use an index from 0 to 2"));
        let mut names = StringTable::default();
        for name in ["conv1", "relu", "7"] {
            names.push(name);
        }
        g.nodes.labels = Some(names);
        assert_eq!(g.find_node("relu"), Ok(1));
        assert_eq!(g.find_node("7"), Ok(2), "a name wins over an index");
        assert!(g.find_node("0").is_err(), "named nodes are not found by index");
        assert_eq!(
            g.find_node("conv").unwrap_err().to_string(),
            "no node is named 'conv' (names containing it: conv1)"
        );
    }

    #[test]
    fn named_graphs_need_exact_row_counts() {
        let mut g = Graph::with_nodes(3, true);
        assert!(g.attach_classes(vec![0; 4]).is_err());
        assert!(g.attach_classes(vec![0; 3]).is_ok());
    }
}
