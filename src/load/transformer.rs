//! Module DAGs of transformer checkpoints (safetensors + config.json, GGUF), built from
//! the architecture and the tensor names.
//!
//! A [`Template`] per family lists the steps of the embeddings, of one layer and of the
//! head: parameterised modules (Linear, norms, embeddings) named by their path under the
//! checkpoint's prefix, and parameter-free operations (attention, residual adds, gating)
//! that connect them. The prefix (`bert.`, `model.`, `transformer.`, ...) and the number of
//! layers come from the tensor names; heads and widths from the configuration. Steps whose
//! module the checkpoint lacks (a tied `lm_head`, an absent pooler) drop out. An unknown
//! architecture still loads, as the tree of its tensor names, with a notice.

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
            Op::Module => "Module",
        }
    }
}

/// The transformer families with a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Bert,
    Gpt2,
    Llama,
    Vit,
}

impl Family {
    /// The family of a `model_type` (config.json) or `general.architecture` (GGUF).
    pub fn of(model_type: &str) -> Option<Family> {
        match model_type.to_ascii_lowercase().as_str() {
            "bert" | "roberta" | "xlm-roberta" | "camembert" | "electra" | "mpnet" => Some(Family::Bert),
            "gpt2" => Some(Family::Gpt2),
            "llama" | "mistral" | "qwen2" | "qwen3" | "gemma" | "gemma2" | "phi3" | "internlm2" | "olmo" => {
                Some(Family::Llama)
            }
            "vit" | "deit" => Some(Family::Vit),
            _ => None,
        }
    }

    /// The template for HuggingFace tensor names, or for llama.cpp's GGUF names
    /// (`blk.0.attn_q.weight`).
    fn template(self, gguf: bool) -> Option<&'static Template> {
        match (self, gguf) {
            (Family::Bert, false) => Some(&BERT),
            (Family::Gpt2, false) => Some(&GPT2),
            (Family::Llama, false) => Some(&LLAMA),
            (Family::Vit, false) => Some(&VIT),
            (Family::Bert, true) => Some(&BERT_GGUF),
            (Family::Gpt2, true) => Some(&GPT2_GGUF),
            (Family::Llama, true) => Some(&LLAMA_GGUF),
            (Family::Vit, true) => None,
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
}

/// A step of a template. `inputs` name earlier steps; `in` is the previous layer's output
/// (in the head: the last layer's; in the embeddings: the model input).
struct Step {
    id: &'static str,
    op: Op,
    /// Module path under the layer (or the model prefix); empty for parameter-free ops.
    module: &'static str,
    inputs: &'static [&'static str],
}

const fn step(id: &'static str, op: Op, module: &'static str, inputs: &'static [&'static str]) -> Step {
    Step { id, op, module, inputs }
}

struct Template {
    /// Path of the layer list under the prefix, e.g. `encoder.layer.`.
    layers: &'static str,
    input: &'static str,
    embed: &'static [Step],
    layer: &'static [Step],
    head: &'static [Step],
}

use Op::*;

static BERT: Template = Template {
    layers: "encoder.layer.",
    input: "tokens",
    embed: &[
        step("word", Embedding, "embeddings.word_embeddings", &["in"]),
        step("position", Embedding, "embeddings.position_embeddings", &["in"]),
        step("token_type", Embedding, "embeddings.token_type_embeddings", &["in"]),
        step("sum", Add, "", &["word", "position", "token_type"]),
        step("norm", Norm, "embeddings.LayerNorm", &["sum"]),
    ],
    layer: &[
        step("query", Linear, "attention.self.query", &["in"]),
        step("key", Linear, "attention.self.key", &["in"]),
        step("value", Linear, "attention.self.value", &["in"]),
        step("attention", Attention, "", &["query", "key", "value"]),
        step("attention_out", Linear, "attention.output.dense", &["attention"]),
        step("residual1", Add, "", &["attention_out", "in"]),
        step("norm1", Norm, "attention.output.LayerNorm", &["residual1"]),
        step("intermediate", Linear, "intermediate.dense", &["norm1"]),
        step("output", Linear, "output.dense", &["intermediate"]),
        step("residual2", Add, "", &["output", "norm1"]),
        step("norm2", Norm, "output.LayerNorm", &["residual2"]),
    ],
    head: &[step("pooler", Linear, "pooler.dense", &["in"]), step("classifier", Linear, "classifier", &["pooler"])],
};

static GPT2: Template = Template {
    layers: "h.",
    input: "tokens",
    embed: &[
        step("wte", Embedding, "wte", &["in"]),
        step("wpe", Embedding, "wpe", &["in"]),
        step("sum", Add, "", &["wte", "wpe"]),
    ],
    layer: &[
        step("norm1", Norm, "ln_1", &["in"]),
        step("qkv", Linear, "attn.c_attn", &["norm1"]),
        step("attention", Attention, "", &["qkv"]),
        step("attention_out", Linear, "attn.c_proj", &["attention"]),
        step("residual1", Add, "", &["attention_out", "in"]),
        step("norm2", Norm, "ln_2", &["residual1"]),
        step("fc", Linear, "mlp.c_fc", &["norm2"]),
        step("proj", Linear, "mlp.c_proj", &["fc"]),
        step("residual2", Add, "", &["proj", "residual1"]),
    ],
    head: &[step("norm", Norm, "ln_f", &["in"]), step("lm_head", Linear, "lm_head", &["norm"])],
};

static LLAMA: Template = Template {
    layers: "layers.",
    input: "tokens",
    embed: &[step("embed", Embedding, "embed_tokens", &["in"])],
    layer: &[
        step("norm1", Norm, "input_layernorm", &["in"]),
        step("q", Linear, "self_attn.q_proj", &["norm1"]),
        step("k", Linear, "self_attn.k_proj", &["norm1"]),
        step("v", Linear, "self_attn.v_proj", &["norm1"]),
        step("attention", Attention, "", &["q", "k", "v"]),
        step("o", Linear, "self_attn.o_proj", &["attention"]),
        step("residual1", Add, "", &["o", "in"]),
        step("norm2", Norm, "post_attention_layernorm", &["residual1"]),
        step("gate", Linear, "mlp.gate_proj", &["norm2"]),
        step("up", Linear, "mlp.up_proj", &["norm2"]),
        step("gated", Mul, "", &["gate", "up"]),
        step("down", Linear, "mlp.down_proj", &["gated"]),
        step("residual2", Add, "", &["down", "residual1"]),
    ],
    head: &[step("norm", Norm, "norm", &["in"]), step("lm_head", Linear, "lm_head", &["norm"])],
};

static VIT: Template = Template {
    layers: "encoder.layer.",
    input: "pixels",
    embed: &[
        step("patches", Conv, "embeddings.patch_embeddings.projection", &["in"]),
        step("cls", Embedding, "embeddings.cls_token", &[]),
        step("position", Embedding, "embeddings.position_embeddings", &[]),
        step("sum", Add, "", &["patches", "cls", "position"]),
    ],
    layer: &[
        step("norm1", Norm, "layernorm_before", &["in"]),
        step("query", Linear, "attention.attention.query", &["norm1"]),
        step("key", Linear, "attention.attention.key", &["norm1"]),
        step("value", Linear, "attention.attention.value", &["norm1"]),
        step("attention", Attention, "", &["query", "key", "value"]),
        step("attention_out", Linear, "attention.output.dense", &["attention"]),
        step("residual1", Add, "", &["attention_out", "in"]),
        step("norm2", Norm, "layernorm_after", &["residual1"]),
        step("intermediate", Linear, "intermediate.dense", &["norm2"]),
        step("output", Linear, "output.dense", &["intermediate"]),
        step("residual2", Add, "", &["output", "residual1"]),
    ],
    head: &[
        step("norm", Norm, "layernorm", &["in"]),
        step("pooler", Linear, "pooler.dense", &["norm"]),
        step("classifier", Linear, "classifier", &["norm"]),
    ],
};

static BERT_GGUF: Template = Template {
    layers: "blk.",
    input: "tokens",
    embed: &[
        step("word", Embedding, "token_embd", &["in"]),
        step("position", Embedding, "position_embd", &["in"]),
        step("token_type", Embedding, "token_types", &["in"]),
        step("sum", Add, "", &["word", "position", "token_type"]),
        step("norm", Norm, "token_embd_norm", &["sum"]),
    ],
    layer: &[
        step("query", Linear, "attn_q", &["in"]),
        step("key", Linear, "attn_k", &["in"]),
        step("value", Linear, "attn_v", &["in"]),
        step("attention", Attention, "", &["query", "key", "value"]),
        step("attention_out", Linear, "attn_output", &["attention"]),
        step("residual1", Add, "", &["attention_out", "in"]),
        step("norm1", Norm, "attn_output_norm", &["residual1"]),
        step("intermediate", Linear, "ffn_up", &["norm1"]),
        step("output", Linear, "ffn_down", &["intermediate"]),
        step("residual2", Add, "", &["output", "norm1"]),
        step("norm2", Norm, "layer_output_norm", &["residual2"]),
    ],
    head: &[],
};

static GPT2_GGUF: Template = Template {
    layers: "blk.",
    input: "tokens",
    embed: &[
        step("wte", Embedding, "token_embd", &["in"]),
        step("wpe", Embedding, "position_embd", &["in"]),
        step("sum", Add, "", &["wte", "wpe"]),
    ],
    layer: &[
        step("norm1", Norm, "attn_norm", &["in"]),
        step("qkv", Linear, "attn_qkv", &["norm1"]),
        step("attention", Attention, "", &["qkv"]),
        step("attention_out", Linear, "attn_output", &["attention"]),
        step("residual1", Add, "", &["attention_out", "in"]),
        step("norm2", Norm, "ffn_norm", &["residual1"]),
        step("fc", Linear, "ffn_up", &["norm2"]),
        step("proj", Linear, "ffn_down", &["fc"]),
        step("residual2", Add, "", &["proj", "residual1"]),
    ],
    head: &[step("norm", Norm, "output_norm", &["in"]), step("lm_head", Linear, "output", &["norm"])],
};

static LLAMA_GGUF: Template = Template {
    layers: "blk.",
    input: "tokens",
    embed: &[step("embed", Embedding, "token_embd", &["in"])],
    layer: &[
        step("norm1", Norm, "attn_norm", &["in"]),
        step("q", Linear, "attn_q", &["norm1"]),
        step("k", Linear, "attn_k", &["norm1"]),
        step("v", Linear, "attn_v", &["norm1"]),
        step("attention", Attention, "", &["q", "k", "v"]),
        step("o", Linear, "attn_output", &["attention"]),
        step("residual1", Add, "", &["o", "in"]),
        step("norm2", Norm, "ffn_norm", &["residual1"]),
        step("gate", Linear, "ffn_gate", &["norm2"]),
        step("up", Linear, "ffn_up", &["norm2"]),
        step("gated", Mul, "", &["gate", "up"]),
        step("down", Linear, "ffn_down", &["gated"]),
        step("residual2", Add, "", &["down", "residual1"]),
    ],
    head: &[step("norm", Norm, "output_norm", &["in"]), step("lm_head", Linear, "output", &["norm"])],
};

/// The main weight of a module: the tensor the neuron level reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    pub tensor: String,
    /// Numpy order: [out, in, ...], or [in, out] when `transposed`.
    pub shape: Vec<u64>,
    /// Stored inputs-first: GPT-2's Conv1D, ONNX's MatMul and untransposed Gemm.
    pub transposed: bool,
}

impl Weight {
    /// Output units (or channels) of the module.
    pub fn outputs(&self, op: Op) -> Option<u64> {
        match op {
            Op::Linear if self.transposed => self.shape.get(1).copied(),
            Op::Linear | Op::Conv => self.shape.first().copied(),
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
        }
    }
}

/// A checkpoint's module DAG and what is known about the model.
#[derive(Debug, Clone, Default)]
pub struct ModuleDag {
    pub nodes: Vec<ModuleNode>,
    pub groups: Groups,
    pub hyper: Hyper,
    pub family: Option<Family>,
    /// Said to the user when the architecture has no template.
    pub notice: Option<String>,
}

/// Tensors by module path: `a.b.weight` and `a.b.bias` both under `a.b`; a tensor is
/// also its own module (`embeddings.cls_token`).
struct Modules<'t> {
    by_path: HashMap<&'t str, Vec<&'t Tensor>>,
}

impl<'t> Modules<'t> {
    fn new(tensors: &'t [Tensor]) -> Self {
        let mut by_path: HashMap<&str, Vec<&Tensor>> = HashMap::new();
        for t in tensors {
            by_path.entry(t.name.as_str()).or_default().push(t);
            if let Some((module, _)) = t.name.rsplit_once('.') {
                by_path.entry(module).or_default().push(t);
            }
        }
        Modules { by_path }
    }

    fn get(&self, path: &str) -> Option<&Vec<&'t Tensor>> {
        self.by_path.get(path)
    }
}

fn describe(t: &Tensor) -> String {
    let shape: Vec<String> = t.shape.iter().map(u64::to_string).collect();
    format!("{} [{}] {}", t.name, shape.join("x"), t.dtype)
}

impl ModuleDag {
    /// Builds the DAG for `hyper.model_type` from the checkpoint's tensors.
    pub fn build(tensors: &[Tensor], mut hyper: Hyper) -> ModuleDag {
        let gguf = tensors.iter().any(|t| t.name.starts_with("blk."));
        let family = Family::of(&hyper.model_type);
        let layout = family.and_then(|f| {
            let template = f.template(gguf)?;
            locate(tensors, template).map(|(prefix, layers)| (f, template, prefix, layers))
        });
        match layout {
            Some((family, template, prefix, layers)) => {
                hyper.layers = layers;
                if hyper.kv_heads == 0 {
                    hyper.kv_heads = hyper.heads;
                }
                let mut dag = ModuleDag { hyper, family: Some(family), ..Default::default() };
                dag.fill_from_template(tensors, template, &prefix);
                dag
            }
            None => {
                let what = if hyper.model_type.is_empty() {
                    "no architecture given".to_owned()
                } else {
                    format!("architecture '{}'", hyper.model_type)
                };
                let mut dag = ModuleDag {
                    hyper,
                    notice: Some(format!(
                        "{what} has no template in netlens yet: showing the tensors as a tree of their names"
                    )),
                    ..Default::default()
                };
                dag.name_tree(tensors);
                dag
            }
        }
    }

    fn push(
        &mut self,
        name: String,
        op: Op,
        module: Option<(String, &[&Tensor])>,
        inputs: Vec<u32>,
        group: Option<GroupId>,
    ) -> u32 {
        let transposed = self.family == Some(Family::Gpt2) && op == Linear;
        let (module, weight, params, tensors) = match module {
            Some((path, ts)) => {
                let main = format!("{path}.weight");
                let weight = ts.iter().find(|t| t.name == main || t.name == path).map(|t| Weight {
                    tensor: t.name.clone(),
                    shape: t.shape.clone(),
                    transposed,
                });
                let params = super::saturating_sum(ts.iter().map(|t| t.elements()));
                (Some(path), weight, params, ts.iter().map(|t| describe(t)).collect())
            }
            None => (None, None, 0, Vec::new()),
        };
        self.nodes.push(ModuleNode { name, op, module, weight, width: None, inputs, group, params, tensors });
        (self.nodes.len() - 1) as u32
    }

    /// Adds the steps of one stage; returns the id of its last node, or `input` if every
    /// step dropped out.
    fn stage(
        &mut self,
        steps: &[Step],
        modules: &Modules,
        base: &str,
        prefix: &str,
        input: u32,
        group: Option<GroupId>,
    ) -> u32 {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut last = input;
        for s in steps {
            let found = if s.module.is_empty() {
                None
            } else {
                let full = format!("{base}{}", s.module);
                let global = format!("{prefix}{}", s.module);
                let hit = [full.clone(), global, s.module.to_owned()]
                    .into_iter()
                    .find_map(|p| modules.get(&p).map(|ts| (p, ts.clone())));
                match hit {
                    Some(hit) => Some(hit),
                    None => continue, // this checkpoint has no such module
                }
            };
            let inputs: Vec<u32> =
                s.inputs.iter().filter_map(|&i| if i == "in" { Some(input) } else { ids.get(i).copied() }).collect();
            if inputs.is_empty() && !s.inputs.is_empty() {
                continue; // everything it reads dropped out
            }
            let name = match &found {
                Some((path, _)) => path.clone(),
                None => format!("{base}{}", s.id),
            };
            let id = self.push(name, s.op, found.as_ref().map(|(p, ts)| (p.clone(), ts.as_slice())), inputs, group);
            ids.insert(s.id, id);
            last = id;
        }
        last
    }

    fn fill_from_template(&mut self, tensors: &[Tensor], template: &Template, prefix: &str) {
        let modules = Modules::new(tensors);
        let embed_group = Some(self.groups.add("embeddings", None));
        let input = self.push(template.input.to_owned(), Input, None, Vec::new(), embed_group);
        let mut x = self.stage(template.embed, &modules, prefix, prefix, input, embed_group);
        // Steps with no inputs (learned tokens) hang off the model input.
        for node in &mut self.nodes {
            if node.inputs.is_empty() && node.op != Input {
                node.inputs.push(input);
            }
        }
        let stack = template.layers.trim_end_matches('.');
        let stack_group = self.groups.add(stack.rsplit('.').next().unwrap_or(stack), None);
        let layer_name = stack.rsplit('.').next().unwrap_or("layer");
        for i in 0..self.hyper.layers {
            let group = Some(self.groups.add(format!("{layer_name}.{i}"), Some(stack_group)));
            let base = format!("{prefix}{}{i}.", template.layers);
            x = self.stage(template.layer, &modules, &base, prefix, x, group);
        }
        let head_group = Some(self.groups.add("head", None));
        x = self.stage(template.head, &modules, prefix, prefix, x, head_group);
        self.push("output".to_owned(), Output, None, vec![x], head_group);
    }

    /// Unknown architectures: one node per name path, each linked from its parent path.
    fn name_tree(&mut self, tensors: &[Tensor]) {
        let modules = Modules::new(tensors);
        let mut index: BTreeMap<String, u32> = BTreeMap::new();
        let mut group_of: HashMap<String, GroupId> = HashMap::new();
        for t in tensors {
            let parts: Vec<&str> = t.name.split('.').collect();
            for depth in 1..parts.len() {
                let path = parts[..depth].join(".");
                if index.contains_key(&path) {
                    continue;
                }
                let parent_path = parts[..depth - 1].join(".");
                let parent = index.get(&parent_path).copied();
                let group = if depth >= 2 {
                    let key = parts[..depth - 1].join(".");
                    let parent_group = (depth >= 3).then(|| group_of[&parts[..depth - 2].join(".")]);
                    Some(*group_of.entry(key).or_insert_with(|| self.groups.add(parts[depth - 2], parent_group)))
                } else {
                    None
                };
                let own: Vec<&Tensor> = modules
                    .get(&path)
                    .map(|ts| {
                        ts.iter()
                            .copied()
                            .filter(|t| t.name.rsplit_once('.').map(|(m, _)| m) == Some(path.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                let module = (!own.is_empty()).then(|| (path.clone(), own.as_slice()));
                let id = self.push(path.clone(), Module, module, parent.into_iter().collect(), group);
                index.insert(path, id);
            }
        }
    }

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

/// Finds the checkpoint's prefix and layer count for `template`: the text before the
/// first `<layers>0.` in a tensor name, and one more than the largest layer index.
fn locate(tensors: &[Tensor], template: &Template) -> Option<(String, u64)> {
    let marker = format!("{}0.", template.layers);
    let prefix = tensors.iter().find_map(|t| {
        let at = t.name.find(&marker)?;
        let before = &t.name[..at];
        (before.is_empty() || before.ends_with('.')).then(|| before.to_owned())
    })?;
    let stack = format!("{prefix}{}", template.layers);
    let layers =
        tensors.iter().filter_map(|t| t.name.strip_prefix(&stack)?.split('.').next()?.parse::<u64>().ok()).max()? + 1;
    Some((prefix, layers))
}
