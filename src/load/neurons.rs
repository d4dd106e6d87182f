//! The neuron level: a module DAG expanded into neurons and weighted connections.
//!
//! Every Linear module becomes its output units, an embedding or convolution its output
//! channels, an attention block its heads, and element-wise steps (adds, norms, gating)
//! one neuron per channel. A Linear unit is connected to the `top_k` inputs of largest
//! absolute weight (at least `min_weight`), read row by row from the memory-mapped
//! checkpoint, so memory grows with the connections kept, not with the weights. Where a
//! Linear reads more inputs than its source has neurons (the channels of all heads behind
//! an attention block), the weights of each group are merged into their root mean square.
//! Attention heads receive the query, key and value channels they read, grouped-query
//! attention included; element-wise steps connect channel to channel with weight 1.

use std::collections::HashMap;

use super::safetensors::Checkpoint;
use super::transformer::{Family, ModuleDag, Op};
use crate::graph::{Graph, GroupId, StringTable};

/// How many connections the neuron level keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pruning {
    /// Strongest inputs kept per unit.
    pub top_k: usize,
    /// Weakest absolute weight kept.
    pub min_weight: f32,
}

impl Default for Pruning {
    fn default() -> Self {
        Pruning { top_k: 64, min_weight: 0.0 }
    }
}

/// Decodes one little-endian element of `dtype` as f32; `None` for dtypes without weights
/// we can show (integers, quantised blocks).
fn decoder(dtype: &str) -> Option<(usize, fn(&[u8]) -> f32)> {
    match dtype {
        "F32" => Some((4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        "F16" => Some((2, |b| npyz::half::f16::from_le_bytes([b[0], b[1]]).to_f32())),
        "BF16" => Some((2, |b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16))),
        "F64" => Some((8, |b| f64::from_le_bytes(b[..8].try_into().expect("8 bytes")) as f32)),
        _ => None,
    }
}

/// A weight matrix viewed as `out` rows of `inputs` values.
struct Matrix<'a> {
    bytes: &'a [u8],
    size: usize,
    decode: fn(&[u8]) -> f32,
    out: usize,
    inputs: usize,
    /// Stored as [inputs, out] (GPT-2's Conv1D) rather than [out, inputs].
    transposed: bool,
}

impl Matrix<'_> {
    fn row(&self, i: usize, into: &mut Vec<f32>) {
        into.clear();
        for j in 0..self.inputs {
            let k = if self.transposed { j * self.out + i } else { i * self.inputs + j };
            into.push((self.decode)(&self.bytes[k * self.size..(k + 1) * self.size]));
        }
    }
}

struct Builder {
    graph: Graph,
    labels: StringTable,
    classes: Vec<i32>,
    weights: Vec<f32>,
    /// First neuron and count of every DAG node.
    span: Vec<(u32, u32)>,
    kind_ids: HashMap<Op, i32>,
    kind_names: StringTable,
}

impl Builder {
    fn neurons(&mut self, name: &str, op: Op, count: u32, group: Option<GroupId>) -> (u32, u32) {
        let first = self.graph.node_count();
        self.graph.ensure_nodes(first + count);
        let next = self.kind_ids.len() as i32;
        let kind = *self.kind_ids.entry(op).or_insert_with(|| {
            self.kind_names.push(op.name());
            next
        });
        for i in 0..count {
            self.labels.push(&format!("{name}[{i}]"));
            self.classes.push(kind);
            if let Some(g) = group {
                self.graph.groups.assign(first + i, g);
            }
        }
        (first, count)
    }

    fn connect(&mut self, from: u32, to: u32, weight: f32) {
        self.graph.push_edge(from, to);
        self.weights.push(weight);
    }
}

/// Output width of a module from its weight shape.
fn module_width(dag: &ModuleDag, node: usize, checkpoint: &Checkpoint) -> Option<u32> {
    let module = dag.nodes[node].module.as_ref()?;
    let weight = checkpoint
        .tensors
        .iter()
        .find(|(t, _, _)| t.name == format!("{module}.weight") || t.name == *module)
        .map(|(t, _, _)| t)?;
    let transposed = dag.family == Some(Family::Gpt2) && dag.nodes[node].op == Op::Linear;
    let dims = &weight.shape;
    match dag.nodes[node].op {
        Op::Linear if transposed => dims.get(1).copied(),
        Op::Linear | Op::Conv => dims.first().copied(),
        _ => dims.last().copied(),
    }
    .map(|d| d as u32)
}

/// Expands `dag` to neurons. Returns the graph and a notice when some weights could not
/// be shown.
pub fn expand(dag: &ModuleDag, checkpoint: &Checkpoint, pruning: Pruning) -> (Graph, Option<String>) {
    let mut b = Builder {
        graph: Graph::with_nodes(0, true),
        labels: StringTable::default(),
        classes: Vec::new(),
        weights: Vec::new(),
        span: Vec::with_capacity(dag.nodes.len()),
        kind_ids: HashMap::new(),
        kind_names: StringTable::default(),
    };
    b.graph.groups = dag.groups.clone();
    let hyper = &dag.hyper;
    let head_dim = if hyper.heads > 0 { (hyper.hidden / hyper.heads).max(1) as u32 } else { 1 };
    let mut skipped: Vec<String> = Vec::new();
    let mut row = Vec::new();
    let mut order: Vec<(f32, u32)> = Vec::new();

    for (id, node) in dag.nodes.iter().enumerate() {
        let first_input = node.inputs.first().map(|&i| b.span[i as usize].1).unwrap_or(0);
        let width = match node.op {
            Op::Input | Op::Output => 0,
            Op::Attention => hyper.heads.max(1) as u32,
            Op::Linear | Op::Conv | Op::Embedding => module_width(dag, id, checkpoint).unwrap_or(first_input),
            Op::Norm | Op::Add | Op::Mul | Op::Module => {
                node.inputs.iter().map(|&i| b.span[i as usize].1).filter(|&w| w > 0).min().unwrap_or(0)
            }
        };
        let group = node.group.map(|g| {
            let leaf = node.name.rsplit('.').next().unwrap_or(&node.name).to_owned();
            b.graph.groups.add(leaf, Some(g))
        });
        let (first, count) = b.neurons(&node.name, node.op, width, group);
        b.span.push((first, count));

        for &input in &node.inputs {
            let (in_first, in_count) = b.span[input as usize];
            if in_count == 0 {
                continue;
            }
            match node.op {
                Op::Linear => {
                    let module = node.module.as_deref().unwrap_or_default();
                    let weight = checkpoint.data(&format!("{module}.weight"));
                    let Some((bytes, (size, decode))) =
                        weight.and_then(|(bytes, dtype)| Some((bytes, decoder(dtype)?)))
                    else {
                        skipped.push(module.to_owned());
                        continue;
                    };
                    let total = bytes.len() / size;
                    let inputs = total / count.max(1) as usize;
                    if inputs == 0 || inputs % in_count as usize != 0 {
                        skipped.push(module.to_owned());
                        continue;
                    }
                    let group_size = inputs / in_count as usize;
                    let transposed = dag.family == Some(Family::Gpt2);
                    let matrix = Matrix { bytes, size, decode, out: count as usize, inputs, transposed };
                    for i in 0..count {
                        matrix.row(i as usize, &mut row);
                        order.clear();
                        for (g, chunk) in row.chunks(group_size).enumerate() {
                            let w = if group_size == 1 {
                                chunk[0]
                            } else {
                                (chunk.iter().map(|v| v * v).sum::<f32>() / group_size as f32).sqrt()
                            };
                            if w.abs() >= pruning.min_weight {
                                order.push((w, g as u32));
                            }
                        }
                        if order.len() > pruning.top_k {
                            order.select_nth_unstable_by(pruning.top_k, |a, b| b.0.abs().total_cmp(&a.0.abs()));
                            order.truncate(pruning.top_k);
                        }
                        order.sort_unstable_by_key(|&(_, j)| j);
                        for &(w, j) in &order {
                            b.connect(in_first + j, first + i, w);
                        }
                    }
                }
                Op::Attention => {
                    // Channel j of a query, key or value projection feeds the head(s) that read it.
                    let heads = count;
                    let kv = hyper.kv_heads.max(1) as u32;
                    for j in 0..in_count {
                        let channel = j % (heads * head_dim).max(1);
                        if in_count == kv * head_dim && kv < heads {
                            let group = j / head_dim;
                            let per = heads / kv;
                            for h in group * per..(group + 1) * per {
                                b.connect(in_first + j, first + h, 1.0);
                            }
                        } else {
                            b.connect(in_first + j, first + (channel / head_dim).min(heads - 1), 1.0);
                        }
                    }
                }
                Op::Norm | Op::Add | Op::Mul | Op::Module => {
                    for j in 0..count.min(in_count) {
                        b.connect(in_first + j, first + j, 1.0);
                    }
                }
                Op::Embedding | Op::Conv | Op::Input | Op::Output => {}
            }
        }
    }
    let mut graph = b.graph;
    graph.weights = Some(b.weights);
    graph.nodes.labels = Some(b.labels);
    graph.nodes.classes = Some(b.classes);
    graph.nodes.class_names = Some(b.kind_names);
    skipped.dedup();
    let notice = (!skipped.is_empty())
        .then(|| format!("no weights shown for {} (unsupported dtype or shape)", skipped.join(", ")));
    (graph, notice)
}
