//! ONNX models as operator graphs.
//!
//! Every operator (those inside If / Loop / Scan bodies too) becomes a node, and so does
//! every graph input (that is not an initializer) and output. Each tensor gives an edge
//! from its producer to each consumer; a body's references to outer tensors connect to
//! their outer producers. Initializers, Constant-node values and sparse initializers are
//! parameters: counted in the model's total and attached to their consumers as a `params`
//! column. External-data tensors (torch's `.onnx.data`) count by their dims, so the data
//! file is not needed. Node names give the group hierarchy (`/encoder/layer.0/attention/
//! MatMul` lies in encoder > layer.0 > attention); bodies are nested groups under their
//! node. Output shapes come from value_info and the graph outputs where present.
//!
//! The file is read once into memory and decoded with prost (recursion is bounded, lengths
//! are checked against the buffer); weight bytes stay in that buffer, not copied.

use std::collections::HashMap;

use prost::Message;
use prost::bytes::Bytes;

use super::onnx_proto::{GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto, data_type_name};
use super::op_graph::{NodeTable, Param, element_count};
use super::{LoadError, ModelSummary, Source, saturating_sum};
use crate::graph::{Graph, GroupId};

/// Decodes a model; its raw weights stay slices of `bytes`.
pub fn decode(bytes: Bytes, source: &Source) -> Result<ModelProto, LoadError> {
    ModelProto::decode(bytes).map_err(|e| LoadError::invalid(source, format!("not a valid ONNX model ({e})")))
}

/// Parses an ONNX model from its bytes.
pub fn read(bytes: Bytes, source: &Source) -> Result<(Graph, ModelSummary), LoadError> {
    summarize(&decode(bytes, source)?, source)
}

/// The operator graph and summary of a decoded model.
pub fn summarize(model: &ModelProto, source: &Source) -> Result<(Graph, ModelSummary), LoadError> {
    let graph = model.graph.as_ref().ok_or_else(|| LoadError::invalid(source, "is an ONNX model without a graph"))?;
    let mut builder = Builder::default();
    let mut scopes = Vec::new();
    builder.add_graph(graph, None, &mut scopes);
    let mut summary = builder.transformer_summary();
    summary.producer = [model.producer_name.as_str(), model.producer_version.as_str()].join(" ").trim().to_owned();
    summary.opsets = model
        .opset_import
        .iter()
        .map(|o| (if o.domain.is_empty() { "ai.onnx".to_owned() } else { o.domain.clone() }, o.version))
        .collect();
    Ok((builder.graph.finish(), summary))
}

fn describe(tensor: &TensorProto) -> Param {
    let shape: Vec<String> = tensor.dims.iter().map(i64::to_string).collect();
    let place = if tensor.data_location == 1 { " (external)" } else { "" };
    Param {
        name: tensor.name.clone(),
        count: element_count(&tensor.dims),
        description: format!("{} [{}] {}{place}", tensor.name, shape.join("x"), data_type_name(tensor.data_type)),
    }
}

fn shape_text(info: &ValueInfoProto) -> Option<String> {
    let tensor = info.r#type.as_ref()?.tensor_type.as_ref()?;
    let dims: Vec<String> = tensor
        .shape
        .as_ref()?
        .dim
        .iter()
        .map(|d| match (&d.dim_value, &d.dim_param) {
            (Some(v), _) => v.to_string(),
            (None, Some(p)) if !p.is_empty() => p.clone(),
            _ => "?".to_owned(),
        })
        .collect();
    Some(format!("[{}] {}", dims.join("x"), data_type_name(tensor.elem_type)))
}

/// What one graph scope knows: which node produces each tensor and which tensors are
/// parameters. Bodies see their parents' scopes.
#[derive(Default)]
struct Scope {
    producers: HashMap<String, u32>,
    params: HashMap<String, Param>,
    /// Dimensions of the initializers.
    dims: HashMap<String, Vec<i64>>,
    shapes: HashMap<String, String>,
}

fn lookup<'a, T>(scopes: &'a [Scope], pick: impl Fn(&'a Scope) -> Option<&'a T>) -> Option<&'a T> {
    scopes.iter().rev().find_map(pick)
}

/// Normalisation and attention operators, whose presence marks a transformer.
const NORMS: &[&str] = &[
    "LayerNormalization",
    "SkipLayerNormalization",
    "SimplifiedLayerNormalization",
    "SkipSimplifiedLayerNormalization",
    "RMSNormalization",
];
const ATTENTIONS: &[&str] = &["Attention", "MultiHeadAttention", "GroupQueryAttention"];

#[derive(Default)]
struct Builder {
    graph: NodeTable,
    summary: ModelSummary,
    /// Widths of normalisation scales (the hidden size of a transformer), by frequency.
    norm_widths: HashMap<i64, u32>,
    /// `num_heads` of an attention operator, if one states it.
    heads: Option<u64>,
}

/// Scope names in a node name: `/a/b.0/c/Op` gives a, b.0, c; `a.b.0.c` (no slash) gives
/// a, b.0 (numeric parts stay with the name before them). The last part is the node.
fn scope_path(name: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = if name.contains('/') {
        name.split('/').filter(|p| !p.is_empty()).collect()
    } else {
        let mut merged: Vec<&str> = Vec::new();
        let mut start = 0;
        for (i, part) in name.split('.').enumerate() {
            let end = start + part.len();
            if i > 0 && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                if let Some(last) = merged.last_mut() {
                    let from = last.as_ptr() as usize - name.as_ptr() as usize;
                    *last = &name[from..end];
                }
            } else if !part.is_empty() {
                merged.push(&name[start..end]);
            }
            start = end + 1;
        }
        merged
    };
    parts.pop();
    parts
}

impl Builder {
    /// The summary, with layers, heads and hidden size where the graph is a transformer:
    /// normalisations plus attention operators (or softmaxes, one per layer).
    fn transformer_summary(&mut self) -> ModelSummary {
        let mut summary = std::mem::take(&mut self.summary);
        let count = |names: &[&str]| names.iter().filter_map(|n| summary.ops.get(*n)).sum::<u64>();
        let (norms, attentions, softmaxes) = (count(NORMS), count(ATTENTIONS), count(&["Softmax"]));
        if norms > 0 && attentions + softmaxes > 0 {
            summary.layers = Some(if attentions > 0 { attentions } else { softmaxes });
            summary.hidden = self.norm_widths.iter().max_by_key(|&(w, n)| (*n, *w)).map(|(&w, _)| w as u64);
            summary.heads = self.heads;
        }
        summary
    }

    fn add_graph(&mut self, g: &GraphProto, group: Option<GroupId>, scopes: &mut Vec<Scope>) {
        let mut scope = Scope::default();
        for t in &g.initializer {
            scope.dims.insert(t.name.clone(), t.dims.clone());
            let param = describe(t);
            self.summary.params = self.summary.params.saturating_add(param.count);
            scope.params.insert(t.name.clone(), param);
        }
        for s in &g.sparse_initializer {
            if let Some(values) = &s.values {
                let param = Param {
                    name: values.name.clone(),
                    count: element_count(&s.dims),
                    description: format!("{} (sparse)", values.name),
                };
                self.summary.params = self.summary.params.saturating_add(param.count);
                scope.params.insert(values.name.clone(), param);
            }
        }
        for info in g.value_info.iter().chain(&g.output).chain(&g.input) {
            if let Some(shape) = shape_text(info) {
                scope.shapes.insert(info.name.clone(), shape);
            }
        }
        // Graph inputs: in a body they are formal parameters supplied by the parent node.
        if group.is_none() {
            for input in g.input.iter().filter(|i| !scope.params.contains_key(&i.name)) {
                let shape = scope.shapes.get(&input.name).cloned().unwrap_or_default();
                let id = self.graph.add(&input.name, "Input", &shape, &[]);
                scope.producers.insert(input.name.clone(), id);
            }
        }
        scopes.push(scope);
        for node in &g.node {
            self.add_node(node, group, scopes);
        }
        if group.is_none() {
            for output in &g.output {
                let shape = shape_text(output).unwrap_or_default();
                let id = self.graph.add(&output.name, "Output", &shape, &[]);
                if let Some(&from) = lookup(scopes, |s| s.producers.get(&output.name)) {
                    self.graph.graph.push_edge(from, id);
                }
            }
        }
        scopes.pop();
    }

    fn add_node(&mut self, node: &NodeProto, parent: Option<GroupId>, scopes: &mut Vec<Scope>) {
        let kind = match node.domain.as_str() {
            "" | "ai.onnx" => node.op_type.clone(),
            domain => format!("{domain}.{}", node.op_type),
        };
        *self.summary.ops.entry(node.op_type.clone()).or_insert(0) += 1;
        let label =
            if node.name.is_empty() { node.output.first().map_or(kind.as_str(), String::as_str) } else { &node.name };
        let shape = node.output.first().and_then(|o| lookup(scopes, |s| s.shapes.get(o))).cloned().unwrap_or_default();

        let mut params: Vec<Param> = node
            .input
            .iter()
            .filter(|i| !i.is_empty() && lookup(scopes, |s| s.producers.get(*i)).is_none())
            .filter_map(|i| lookup(scopes, |s| s.params.get(i)).cloned())
            .collect();
        if node.op_type == "Constant" {
            for attribute in &node.attribute {
                for t in attribute.t.iter().chain(&attribute.tensors) {
                    params.push(describe(t));
                }
                if let Some(values) = attribute.sparse_tensor.as_ref().and_then(|s| s.values.as_ref()) {
                    params.push(Param {
                        name: values.name.clone(),
                        count: element_count(&values.dims),
                        description: "sparse constant".into(),
                    });
                }
            }
            self.summary.params = self.summary.params.saturating_add(saturating_sum(params.iter().map(|p| p.count)));
        }

        // Scopes from the node's name, or else from the first parameter it reads
        // (`encoder.layer.0.attention.self.query.weight`), as exporters that number
        // their nodes (`node_MatMul_12`) still name the weights.
        let mut path = scope_path(&node.name);
        if path.is_empty()
            && let Some(param) = params.first()
        {
            path = scope_path(&param.name);
        }
        let mut group = parent;
        for part in path {
            group = Some(self.graph.group(group, part));
        }
        if NORMS.contains(&node.op_type.as_str())
            && let Some(width) =
                node.input.get(1).and_then(|i| lookup(scopes, |s| s.dims.get(i))).and_then(|d| d.last())
        {
            *self.norm_widths.entry(*width).or_insert(0) += 1;
        }
        if ATTENTIONS.contains(&node.op_type.as_str()) {
            let heads = node.attribute.iter().find(|a| a.name == "num_heads").map(|a| a.i as u64);
            self.heads = self.heads.or(heads);
        }
        let id = self.graph.add(label, &kind, &shape, &params);
        if let Some(g) = group {
            self.graph.graph.groups.assign(id, g);
        }
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            if let Some(&from) = lookup(scopes, |s| s.producers.get(input)) {
                self.graph.graph.push_edge(from, id);
            }
        }
        for attribute in &node.attribute {
            let bodies: Vec<&GraphProto> = attribute.g.iter().chain(&attribute.graphs).collect();
            for (k, body) in bodies.iter().enumerate() {
                let name = if bodies.len() > 1 { format!("{}[{k}]", attribute.name) } else { attribute.name.clone() };
                let body_group = self.graph.group(group, &format!("{label}:{name}"));
                self.add_graph(body, Some(body_group), scopes);
            }
        }
        let scope = scopes.last_mut().expect("a scope per graph");
        for output in node.output.iter().filter(|o| !o.is_empty()) {
            scope.producers.insert(output.clone(), id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_from_names() {
        assert_eq!(
            scope_path("/encoder/layer.0/attention/self/query/MatMul"),
            ["encoder", "layer.0", "attention", "self", "query"]
        );
        assert_eq!(scope_path("inner.embeddings.layer.3.weight_cast"), ["inner", "embeddings", "layer.3"]);
        assert_eq!(scope_path("Conv_12"), Vec::<&str>::new());
        assert_eq!(scope_path(""), Vec::<&str>::new());
    }
}
