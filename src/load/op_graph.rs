//! Operator graphs as model loaders build them ([`NodeTable`]): a node per operator,
//! input and output, coloured by operator type, with its parameters (a count and a
//! description) and output shape as node columns. ONNX models and PyTorch exported
//! programs (`.pt2`) fill one.

use std::collections::HashMap;

use super::saturating_sum;
use crate::graph::{Column, Graph, GroupId, Groups, StringTable, TextColumn};

/// A parameter tensor: its element count and a short description.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub count: u64,
    pub description: String,
}

pub fn element_count(dims: &[i64]) -> u64 {
    dims.iter().map(|&d| d.max(0) as u64).fold(1u64, u64::saturating_mul)
}

/// The graph being built, with per-node columns kept beside it.
#[derive(Default)]
pub struct NodeTable {
    pub graph: Graph,
    labels: StringTable,
    kinds: Vec<i32>,
    kind_index: HashMap<String, i32>,
    kind_names: StringTable,
    params: Vec<f32>,
    param_text: StringTable,
    shapes: StringTable,
    scopes: Scopes,
}

/// Groups made once per (parent group, name): the nested scopes a loader meets.
#[derive(Default)]
pub struct Scopes {
    index: HashMap<(Option<GroupId>, String), GroupId>,
}

impl Scopes {
    /// The group `name` under `parent` in `groups`, made on first use.
    pub fn group(&mut self, groups: &mut Groups, parent: Option<GroupId>, name: &str) -> GroupId {
        if let Some(&g) = self.index.get(&(parent, name.to_owned())) {
            return g;
        }
        let g = groups.add(name, parent);
        self.index.insert((parent, name.to_owned()), g);
        g
    }

    /// The innermost of the nested scopes `names` (outermost first), each made on first
    /// use; `None` for no names.
    pub fn nested(&mut self, groups: &mut Groups, names: &[String]) -> Option<GroupId> {
        names.iter().fold(None, |parent, name| Some(self.group(groups, parent, name)))
    }
}

impl NodeTable {
    /// The group `name` under `parent`, made on first use.
    pub fn group(&mut self, parent: Option<GroupId>, name: &str) -> GroupId {
        self.scopes.group(&mut self.graph.groups, parent, name)
    }

    /// The innermost of the nested groups `names` (outermost first), made on first use.
    pub fn nested(&mut self, names: &[String]) -> Option<GroupId> {
        self.scopes.nested(&mut self.graph.groups, names)
    }

    /// Adds a node named `label` of operator type `kind`; returns its index.
    pub fn add(&mut self, label: &str, kind: &str, shape: &str, params: &[Param]) -> u32 {
        let next = self.kind_index.len() as i32;
        let k = *self.kind_index.entry(kind.to_owned()).or_insert_with(|| {
            self.kind_names.push(kind);
            next
        });
        let id = self.graph.node_count();
        self.graph.ensure_nodes(id + 1);
        self.labels.push(label);
        self.kinds.push(k);
        self.params.push(saturating_sum(params.iter().map(|p| p.count)) as f32);
        let text: Vec<&str> = params.iter().map(|p| p.description.as_str()).collect();
        self.param_text.push(&text.join("; "));
        self.shapes.push(shape);
        id
    }

    /// The graph, with names, operator types as classes, and the parameter and shape
    /// columns.
    pub fn finish(mut self) -> Graph {
        let mut graph = self.graph;
        graph.directed = true;
        graph.nodes.labels = Some(self.labels);
        graph.nodes.classes = Some(std::mem::take(&mut self.kinds));
        graph.nodes.class_names = Some(self.kind_names);
        graph.nodes.columns.push(Column { name: "params".into(), width: 1, values: self.params });
        graph.nodes.text_columns.push(TextColumn { name: "params".into(), values: self.param_text });
        graph.nodes.text_columns.push(TextColumn { name: "shape".into(), values: self.shapes });
        graph
    }
}
