//! Module DAGs: the graph of modules (Linear, norms, embeddings) and parameter-free steps
//! (attention, residual adds, gating) that checkpoints (safetensors + config.json, GGUF),
//! ONNX models and PyTorch programs are drawn as, and expanded to neurons from.
//!
//! A checkpoint's DAG is built from its tensors themselves ([`super::block_graph`], from
//! the roles [`super::blocks`] reads in the names): no family needs a template. The
//! hyper-parameters (heads, widths) come from config.json or the GGUF metadata.

use std::collections::{BTreeMap, HashMap};

use crate::graph::{Column, Graph, GroupId, Groups, StringTable, TextColumn};

/// One parameter tensor of a checkpoint, in numpy (row-major) dimension order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<u64>,
    pub dtype: String,
}

impl Tensor {
    pub fn elements(&self) -> u64 {
        self.shape.iter().copied().fold(1u64, u64::saturating_mul)
    }
}

/// What a node of the module DAG computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Input,
    Embedding,
    Conv,
    Linear,
    Norm,
    Attention,
    Add,
    Mul,
    Output,
    /// Joins its inputs' channels, one after another.
    Concat,
    /// Scores the experts of a mixture (a Linear with one unit per expert).
    Router,
    /// A gated linear unit over one fused projection: half its channels gate the other half.
    Glu,
    /// The router-weighted sum of a mixture's experts: its first `gates` inputs are routers.
    Mix,
    /// A state-space scan (Mamba's selective scan): channel by channel over its first input.
    Scan,
    /// Any other operation: passes its first input's channels through (activations,
    /// pooling, reshapes), or, in an unknown architecture's name tree, a module.
    Module,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Input => "Input",
            Op::Embedding => "Embedding",
            Op::Conv => "Conv",
            Op::Linear => "Linear",
            Op::Norm => "Norm",
            Op::Attention => "Attention",
            Op::Add => "Add",
            Op::Mul => "Mul",
            Op::Output => "Output",
            Op::Concat => "Concat",
            Op::Router => "Router",
            Op::Glu => "Glu",
            Op::Mix => "Mix",
            Op::Scan => "Scan",
            Op::Module => "Module",
        }
    }
}

/// Hyper-parameters, from config.json or GGUF metadata; zero where unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hyper {
    pub model_type: String,
    pub layers: u64,
    pub hidden: u64,
    pub heads: u64,
    /// Key/value heads (grouped-query attention); equal to `heads` without it.
    pub kv_heads: u64,
    /// Channels per head, where the configuration states it (Gemma: not hidden / heads).
    pub head_dim: u64,
    /// Routed experts per mixture-of-experts layer.
    pub experts: u64,
    /// Attention and MLP read the same input, and add to the residual together (Falcon,
    /// GPT-J, GPT-NeoX, Phi-2).
    pub parallel: bool,
    /// Norms after each residual add rather than before each block (BART, Marian).
    pub post_norm: bool,
    /// Sizes of sub-models (`text`, `vision`, `encoder`, `decoder`), where the
    /// configuration gives them apart.
    pub towers: BTreeMap<String, Hyper>,
}

/// The attention geometry of an Attention node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heads {
    pub heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
}
/// The main weight of a module: the tensor the neuron level reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    pub tensor: String,
    /// Numpy order: [out, in, ...], or [in, out] when `transposed`; [experts, out, in]
    /// with `part`.
    pub shape: Vec<u64>,
    /// Stored inputs-first: GPT-2's Conv1D, ONNX's MatMul and untransposed Gemm.
    pub transposed: bool,
    /// Expert `index` of `count` stacked in one tensor (GGUF's `ffn_up_exps`): the
    /// index-th of `count` equal runs of the tensor's bytes.
    pub part: Option<(u64, u64)>,
}

impl Weight {
    /// Output units (or channels) of the module.
    pub fn outputs(&self, op: Op) -> Option<u64> {
        match op {
            _ if self.part.is_some() => self.shape.get(1).copied(),
            Op::Linear | Op::Router if self.transposed => self.shape.get(1).copied(),
            Op::Linear | Op::Router | Op::Conv => self.shape.first().copied(),
            _ => self.shape.last().copied(),
        }
    }
}

/// A node of the module DAG.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleNode {
    pub name: String,
    pub op: Op,
    /// Full path of the module's tensors (`encoder.layer.0.attention.self.query`), if any.
    pub module: Option<String>,
    pub weight: Option<Weight>,
    /// Output width when no weight states it (a graph input's channels).
    pub width: Option<u64>,
    pub inputs: Vec<u32>,
    pub group: Option<GroupId>,
    pub params: u64,
    /// The module's tensors, as `name [shape] dtype`.
    pub tensors: Vec<String>,
    /// An Attention node's heads, where the checkpoint states them.
    pub heads: Option<Heads>,
    /// A Mix node's routers: its first `gates` inputs.
    pub gates: usize,
}

impl ModuleNode {
    /// A node of an operator graph recast as modules: `weight` (if any) is its module
    /// and gives its parameter count; `width` states a graph input's channels.
    pub fn operator(name: String, op: Op, weight: Option<Weight>, inputs: Vec<u32>, width: Option<u64>) -> ModuleNode {
        ModuleNode {
            name,
            op,
            module: weight.as_ref().map(|w| w.tensor.clone()),
            params: weight.as_ref().map_or(0, |w| w.shape.iter().fold(1, |a: u64, &d| a.saturating_mul(d))),
            tensors: Vec::new(),
            weight,
            inputs,
            group: None,
            width,
            heads: None,
            gates: 0,
        }
    }
}

/// One stack of layers as the checkpoint has it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StackSummary {
    /// The stack's path (`model.layers`, `encoder.block`, `blk`).
    pub name: String,
    pub layers: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv_heads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<u64>,
}

/// A checkpoint's module DAG and what is known about the model.
#[derive(Debug, Clone, Default)]
pub struct ModuleDag {
    pub nodes: Vec<ModuleNode>,
    pub groups: Groups,
    pub hyper: Hyper,
    /// The stacks of layers, encoder before decoder, vision before language.
    pub stacks: Vec<StackSummary>,
    /// Routed experts of the largest mixture-of-experts layer (0 without experts).
    pub experts: u64,
    /// Said to the user when some tensors have no known role, or none has.
    pub notice: Option<String>,
}

impl ModuleDag {
    /// Nodes by operation.
    pub fn ops(&self) -> BTreeMap<String, u64> {
        let mut ops = BTreeMap::new();
        for node in &self.nodes {
            *ops.entry(node.op.name().to_owned()).or_insert(0) += 1;
        }
        ops
    }

    /// The DAG as a graph: one node per module or operation, coloured by operation, with
    /// `params` columns and the group hierarchy.
    pub fn to_graph(&self) -> Graph {
        let mut graph = Graph::with_nodes(self.nodes.len() as u32, true);
        let mut labels = StringTable::default();
        let mut kinds = Vec::with_capacity(self.nodes.len());
        let mut kind_ids: HashMap<Op, i32> = HashMap::new();
        let mut kind_names = StringTable::default();
        let mut param_text = StringTable::default();
        let mut params = Vec::with_capacity(self.nodes.len());
        for (id, node) in self.nodes.iter().enumerate() {
            for &input in &node.inputs {
                graph.push_edge(input, id as u32);
            }
            labels.push(&node.name);
            let next = kind_ids.len() as i32;
            kinds.push(*kind_ids.entry(node.op).or_insert_with(|| {
                kind_names.push(node.op.name());
                next
            }));
            params.push(node.params as f32);
            param_text.push(&node.tensors.join("; "));
        }
        graph.groups = self.groups.clone();
        for (id, node) in self.nodes.iter().enumerate() {
            if let Some(g) = node.group {
                graph.groups.assign(id as u32, g);
            }
        }
        graph.nodes.labels = Some(labels);
        graph.nodes.classes = Some(kinds);
        graph.nodes.class_names = Some(kind_names);
        graph.nodes.columns.push(Column { name: "params".into(), width: 1, values: params });
        graph.nodes.text_columns.push(TextColumn { name: "params".into(), values: param_text });
        graph
    }
}
