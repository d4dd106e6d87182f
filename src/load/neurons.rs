//! The neuron level: a module DAG expanded into neurons and weighted connections.
//!
//! Every Linear module (Dense, MatMul, Gemm) becomes its output units, an embedding or
//! convolution its output channels, an attention block its heads, and element-wise steps
//! (adds, norms, activations, gating) one neuron per channel. A unit is connected to the
//! `top_k` inputs of largest absolute weight (at least `min_weight`), read row by row from
//! the memory-mapped weights, so memory grows with the connections kept, not with the
//! weights. Where a unit reads more inputs than its source has neurons (a convolution's
//! kernel over each channel, the channels of all heads behind an attention block), the
//! weights of each group merge into their root mean square.
//! Attention heads receive the query, key and value channels they read, grouped-query
//! attention included; element-wise steps connect channel to channel with weight 1.

use std::collections::HashMap;

use super::dequant::{Codec, codec};
use super::transformer::{Heads, ModuleDag, Op};
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

/// Where the neuron level reads weights: a tensor's bytes and dtype name (`F32`, `F16`,
/// `BF16`, `F64`, ggml's quantised types; see [`codec`]).
pub trait WeightSource {
    fn bytes(&self, tensor: &str) -> Option<(&[u8], &str)>;
}

/// A weight matrix viewed as `out` rows of `inputs` values.
struct Matrix<'a> {
    bytes: &'a [u8],
    codec: Codec,
    out: usize,
    inputs: usize,
    /// Stored as [inputs, out] (GPT-2's Conv1D, ONNX's MatMul) rather than [out, inputs].
    transposed: bool,
}

impl<'a> Matrix<'a> {
    /// The matrix of `count` rows in `bytes`, if its size works out: rows of whole blocks,
    /// and element by element only for transposed storage.
    fn new(bytes: &'a [u8], codec: Codec, count: usize, transposed: bool) -> Option<Self> {
        let elements = bytes.len() / codec.bytes * codec.block;
        let inputs = elements / count.max(1);
        let fits = inputs > 0 && inputs.is_multiple_of(codec.block) && (codec.block == 1 || !transposed);
        fits.then_some(Matrix { bytes, codec, out: count, inputs, transposed })
    }

    fn row(&self, i: usize, into: &mut Vec<f32>) {
        into.clear();
        let Codec { block, bytes: size, decode } = self.codec;
        if self.transposed {
            for j in 0..self.inputs {
                let k = j * self.out + i;
                decode(&self.bytes[k * size..(k + 1) * size], into);
            }
        } else {
            let row_bytes = self.inputs / block * size;
            for chunk in self.bytes[i * row_bytes..(i + 1) * row_bytes].chunks_exact(size) {
                decode(chunk, into);
            }
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
    /// Scratch buffers reused for every unit: one weight row, its kept inputs.
    row: Vec<f32>,
    order: Vec<(f32, u32)>,
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

/// Connects units of a weighted module (`count` units from `first`) to their strongest
/// inputs among `in_count` neurons from `in_first`. A row wider than the input by a whole
/// factor merges each group of weights (a kernel per channel); a row narrower than the
/// input reads its first channels (Mamba's step-size projection reads the first part of
/// its source); a depthwise convolution (`depthwise`, rows that fit neither) joins channel
/// to channel. Returns false when the weights do not fit the input.
fn connect_weighted(
    b: &mut Builder,
    matrix: &Matrix,
    (first, count): (u32, u32),
    (in_first, in_count): (u32, u32),
    pruning: Pruning,
    depthwise: bool,
) -> bool {
    let inputs = matrix.inputs;
    let (group_size, channelwise) = match inputs {
        0 => return false,
        _ if inputs.is_multiple_of(in_count as usize) => (inputs / in_count as usize, false),
        _ if depthwise => (inputs, true),
        _ if inputs < in_count as usize => (1, false),
        _ => return false,
    };
    let (mut row, mut order) = (std::mem::take(&mut b.row), std::mem::take(&mut b.order));
    for i in 0..count {
        matrix.row(i as usize, &mut row);
        order.clear();
        if channelwise {
            let rms = (row.iter().map(|v| v * v).sum::<f32>() / row.len().max(1) as f32).sqrt();
            if i < in_count {
                b.connect(in_first + i, first + i, rms);
            }
            continue;
        }
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
        for &(w, j) in order.iter() {
            b.connect(in_first + j, first + i, w);
        }
    }
    (b.row, b.order) = (row, order);
    true
}

/// The heads that read channel `j` of an attention input `width` channels wide: one
/// query head; the query heads sharing a key/value head (grouped-query attention); or,
/// for fused query-key-value projections, whichever part the channel falls in. Widths the
/// geometry does not explain spread evenly over the heads.
fn heads_reading(j: u32, width: u32, heads: Heads) -> std::ops::Range<u32> {
    let (h, kv, d) = (heads.heads.max(1) as u32, heads.kv_heads.max(1) as u32, heads.head_dim.max(1) as u32);
    let per = (h / kv.min(h)).max(1);
    let kv_head = |k: u32| (k % kv) * per..(k % kv + 1) * per;
    if width == (h + 2 * kv) * d {
        let part = j / d;
        return if part < h { part..part + 1 } else { kv_head((part - h) % kv) };
    }
    if width == h * d {
        return j / d..j / d + 1;
    }
    if width == kv * d {
        return kv_head(j / d);
    }
    let head = (j as u64 * h as u64 / width as u64) as u32;
    head..head + 1
}

/// Expands `dag` to neurons. Returns the graph and a notice when some weights could not
/// be shown.
pub fn expand(dag: &ModuleDag, weights: &dyn WeightSource, pruning: Pruning) -> (Graph, Option<String>) {
    let mut b = Builder {
        graph: Graph::with_nodes(0, true),
        labels: StringTable::default(),
        classes: Vec::new(),
        weights: Vec::new(),
        span: Vec::with_capacity(dag.nodes.len()),
        kind_ids: HashMap::new(),
        kind_names: StringTable::default(),
        row: Vec::new(),
        order: Vec::new(),
    };
    b.graph.groups = dag.groups.clone();
    let hyper = &dag.hyper;
    let fallback = Heads {
        heads: hyper.heads,
        kv_heads: if hyper.kv_heads > 0 { hyper.kv_heads } else { hyper.heads },
        head_dim: if hyper.head_dim > 0 { hyper.head_dim } else { hyper.hidden.checked_div(hyper.heads).unwrap_or(1) },
    };
    let mut skipped: Vec<String> = Vec::new();

    for node in &dag.nodes {
        let input_widths = node.inputs.iter().map(|&i| b.span[i as usize].1);
        let stated = node.weight.as_ref().and_then(|w| w.outputs(node.op)).or(node.width).map(|w| w as u32);
        let width = match node.op {
            Op::Output => 0,
            Op::Input | Op::Linear | Op::Router | Op::Conv | Op::Embedding => stated.unwrap_or(0),
            Op::Attention => node.heads.unwrap_or(fallback).heads.max(1) as u32,
            Op::Concat => input_widths.sum(),
            Op::Glu => input_widths.max().unwrap_or(0) / 2,
            Op::Scan => input_widths.take(1).sum(),
            Op::Mix => input_widths.skip(node.gates).filter(|&w| w > 0).min().unwrap_or(0),
            Op::Norm | Op::Add | Op::Mul | Op::Module => input_widths.filter(|&w| w > 0).min().unwrap_or(0),
        };
        // Each layer's neurons form a group, inside the layer's module when it has one.
        let group = (width > 0).then(|| {
            let leaf = node.name.rsplit(['.', '/']).next().unwrap_or(&node.name).to_owned();
            b.graph.groups.add(leaf, node.group)
        });
        let (first, count) = b.neurons(&node.name, node.op, width, group);
        b.span.push((first, count));

        let mut concat_offset = 0;
        // A Mix's routers: router unit u weighs branch `gated + u`.
        let mut gated = 0u32;
        for (slot, &input) in node.inputs.iter().enumerate() {
            let (in_first, in_count) = b.span[input as usize];
            if in_count == 0 || count == 0 {
                continue;
            }
            match node.op {
                Op::Linear | Op::Router | Op::Conv => {
                    let Some(weight) = &node.weight else { continue };
                    let matrix = weights.bytes(&weight.tensor).and_then(|(bytes, dtype)| {
                        let bytes = match weight.part {
                            Some((index, parts)) => {
                                let size = bytes.len() / parts.max(1) as usize;
                                bytes.get(index as usize * size..(index as usize + 1) * size)?
                            }
                            None => bytes,
                        };
                        Matrix::new(bytes, codec(dtype)?, count as usize, weight.transposed)
                    });
                    let done = matrix.is_some_and(|matrix| {
                        connect_weighted(
                            &mut b,
                            &matrix,
                            (first, count),
                            (in_first, in_count),
                            pruning,
                            node.op == Op::Conv,
                        )
                    });
                    if !done {
                        skipped.push(weight.tensor.clone());
                    }
                }
                Op::Attention => {
                    let heads = node.heads.unwrap_or(fallback);
                    for j in 0..in_count {
                        for h in heads_reading(j, in_count, heads) {
                            b.connect(in_first + j, first + h.min(count - 1), 1.0);
                        }
                    }
                }
                Op::Concat => {
                    for j in 0..in_count.min(count.saturating_sub(concat_offset)) {
                        b.connect(in_first + j, first + concat_offset + j, 1.0);
                    }
                    concat_offset += in_count;
                }
                Op::Glu => {
                    for j in 0..in_count {
                        b.connect(in_first + j, first + j % count, 1.0);
                    }
                }
                Op::Mix if slot < node.gates => {
                    // Router unit u scales branch gated + u: an edge to each of its outputs.
                    for u in 0..in_count {
                        let Some(&branch) = node.inputs.get(node.gates + (gated + u) as usize) else { break };
                        let (branch_first, branch_count) = b.span[branch as usize];
                        for j in 0..branch_count {
                            b.connect(in_first + u, branch_first + j, 1.0);
                        }
                    }
                    gated += in_count;
                }
                Op::Scan if slot > 0 => {
                    // Step sizes and state projections spread over the scanned channels.
                    for j in 0..in_count {
                        b.connect(in_first + j, first + (j as u64 * count as u64 / in_count as u64) as u32, 1.0);
                    }
                }
                Op::Norm | Op::Add | Op::Mul | Op::Module | Op::Mix | Op::Scan => {
                    for j in 0..count.min(in_count) {
                        b.connect(in_first + j, first + j, 1.0);
                    }
                }
                Op::Embedding | Op::Input | Op::Output => {}
            }
        }
    }
    let mut graph = b.graph;
    graph.weights = Some(b.weights);
    graph.nodes.labels = Some(b.labels);
    graph.nodes.classes = Some(b.classes);
    graph.nodes.class_names = Some(b.kind_names);
    skipped.sort();
    skipped.dedup();
    let notice = (!skipped.is_empty())
        .then(|| format!("no weights shown for {} (unsupported dtype or shape)", skipped.join(", ")));
    (graph, notice)
}
