//! Wires the blocks [`super::blocks`] recognises into a checkpoint's module DAG: each
//! layer from the roles it has (attention of any kind, dense or gated MLPs, mixtures of
//! experts, state-space mixers), with its norms and residual adds; the stacks under one
//! root into a tower with its embeddings, final norms and heads; and the towers into a
//! model: an encoder feeds the decoder's cross-attention, a vision tower its projector and
//! the language model, dual towers (CLIP, SigLIP) meet at the output.

use std::collections::{BTreeMap, HashMap};

use super::blocks::{self, Block, LayerParts, Part};
use super::transformer::{Heads, Hyper, ModuleDag, ModuleNode, Op, StackSummary, Tensor, Weight};
use crate::graph::GroupId;

/// Families whose layers run attention and MLP side by side, by `model_type` or GGUF
/// architecture; config.json may also say so (`parallel_attn`, `use_parallel_residual`).
const PARALLEL_FAMILIES: &[&str] =
    &["falcon", "gptj", "gpt-j", "gpt_neox", "gptneox", "phi", "phi2", "cohere", "command-r"];
/// Families that normalise after each residual add.
const POST_NORM_FAMILIES: &[&str] = &["bart", "marian", "blenderbot-small"];

impl Hyper {
    /// The sizes of the tower at `root` (`text_model`, `model.encoder`, `v`): its own where
    /// the configuration has them, else the model's.
    fn tower(&self, root: &str) -> Hyper {
        let kind = tower_kind(root);
        let mut own = kind.keys().iter().find_map(|k| self.towers.get(*k)).cloned().unwrap_or_default();
        let or = |a: u64, b: u64| if a > 0 { a } else { b };
        own.hidden = or(own.hidden, self.hidden);
        own.heads = or(own.heads, self.heads);
        own.kv_heads = or(own.kv_heads, if own.heads == self.heads { self.kv_heads } else { 0 });
        own.head_dim = or(own.head_dim, if own.heads == self.heads { self.head_dim } else { 0 });
        own.parallel |= self.parallel || PARALLEL_FAMILIES.contains(&self.model_type.to_ascii_lowercase().as_str());
        own.post_norm |= self.post_norm || POST_NORM_FAMILIES.contains(&self.model_type.to_ascii_lowercase().as_str());
        own
    }
}

fn describe(t: &Tensor) -> String {
    let shape: Vec<String> = t.shape.iter().map(u64::to_string).collect();
    format!("{} [{}] {}", t.name, shape.join("x"), t.dtype)
}

/// What a tower's root says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TowerKind {
    Vision,
    Encoder,
    Text,
    Main,
}

impl TowerKind {
    /// The names its sizes go by in the configuration, most specific first.
    fn keys(self) -> &'static [&'static str] {
        match self {
            TowerKind::Vision => &["vision"],
            TowerKind::Encoder => &["encoder"],
            TowerKind::Text => &["text"],
            TowerKind::Main => &["decoder", "text"],
        }
    }
}

fn tower_kind(root: &str) -> TowerKind {
    let has = |word: &str| root.split('.').any(|s| s.contains(word));
    if has("vision") || has("visual") || root.split('.').any(|s| s == "v") {
        TowerKind::Vision
    } else if has("encoder") || root.split('.').any(|s| s == "enc") {
        TowerKind::Encoder
    } else if has("text") {
        TowerKind::Text
    } else {
        TowerKind::Main
    }
}

/// Whether `path` lies under `root` (segment by segment; everything lies under "").
fn under(path: &str, root: &str) -> bool {
    root.is_empty() || path == root || path.strip_prefix(root).is_some_and(|r| r.starts_with('.'))
}

/// A module outside the layers, by what its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    Embedding,
    /// A convolution that turns pixels or audio frames into tokens.
    Frontend,
    PreNorm,
    PostNorm,
    /// Linear heads, poolers, projections: run in order after the last layer.
    Head,
    /// A vision-to-language projector.
    Projector,
    /// Integer or boolean tensors (`position_ids`): buffers, not weights.
    Buffer,
}

const EMBEDDINGS: &[&str] =
    &["wte", "wpe", "shared", "embeddings", "token_types", "cls_token", "class_embedding", "mask_token"];

fn outer_role(module: &str, main: Option<&Tensor>) -> Outer {
    let last = module.rsplit('.').next().unwrap_or(module).to_ascii_lowercase();
    let dims = main.map_or(0, |t| t.shape.len());
    if main.is_some_and(|t| !t.dtype.starts_with(['F', 'B', 'Q']) || t.dtype == "BOOL") {
        Outer::Buffer
    } else if module.contains("projector") || module.starts_with("mm.") {
        Outer::Projector
    } else if last.contains("norm") || last == "ln_f" || last.starts_with("ln_") {
        match module.contains("embed") || last.contains("pre") {
            true => Outer::PreNorm,
            false => Outer::PostNorm,
        }
    } else if dims >= 3 && (module.contains("patch") || last.starts_with("conv")) {
        Outer::Frontend
    } else if EMBEDDINGS.contains(&last.as_str())
        || ((last.contains("embed") || last.contains("embd")) && !last.contains("proj"))
    {
        Outer::Embedding
    } else {
        Outer::Head
    }
}

/// The tensors of one module, by name.
struct Module<'t> {
    path: String,
    tensors: Vec<&'t Tensor>,
}

impl Module<'_> {
    /// The tensor the neuron level reads: the one with most dimensions, a `weight` first.
    fn main(&self) -> Option<&Tensor> {
        self.tensors.iter().copied().max_by_key(|t| (t.shape.len(), t.name.ends_with("weight"), t.elements()))
    }
}

/// A stack's layers by index, each as (path inside the layer, tensor name).
type Layers<'t> = BTreeMap<u64, Vec<(&'t str, &'t str)>>;

/// A tower: the stacks under one root, and the modules outside them that belong to it.
struct Tower<'t> {
    root: String,
    kind: TowerKind,
    stacks: Vec<(String, Layers<'t>)>,
    outer: Vec<(Outer, Module<'t>)>,
}

/// More experts than any released model has (DeepSeek V3: 256; some have 512): a stacked
/// tensor claiming more stays one node, so a hostile header cannot ask for billions.
const MAX_EXPERTS: u64 = 4096;

/// Builds the DAG: one node per module or parameter-free step.
struct Builder<'t> {
    dag: ModuleDag,
    by_name: HashMap<&'t str, &'t Tensor>,
    unplaced: Vec<String>,
}

impl ModuleDag {
    /// Builds the DAG of a checkpoint from its tensors and stated hyper-parameters.
    pub fn build(tensors: &[Tensor], hyper: Hyper) -> ModuleDag {
        let mut stacks: BTreeMap<&str, Layers> = BTreeMap::new();
        let mut outside: BTreeMap<&str, Vec<&Tensor>> = BTreeMap::new();
        for t in tensors {
            match blocks::locate(&t.name) {
                Some((stack, index, rest)) => {
                    stacks.entry(stack).or_default().entry(index).or_default().push((rest, t.name.as_str()))
                }
                None => outside.entry(blocks::module_of(&t.name)).or_default().push(t),
            }
        }
        // A stack counts when some layer of it has a module with a known role.
        stacks.retain(|_, layers| {
            layers.values().flatten().any(|(rest, _)| blocks::role(blocks::module_of(rest)).is_some())
        });
        if stacks.is_empty() {
            let what = match hyper.model_type.is_empty() {
                true => "no architecture given".to_owned(),
                false => format!("architecture '{}'", hyper.model_type),
            };
            let notice = format!(
                "{what}: no tensor name matches a known transformer block, showing the tensors as a tree of their names"
            );
            let by_name = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
            let mut b = Builder { dag: ModuleDag { hyper, ..Default::default() }, by_name, unplaced: Vec::new() };
            b.name_tree(tensors);
            b.dag.notice = Some(notice);
            return b.dag;
        }
        // Layers not in a counted stack are modules outside.
        for t in tensors {
            if let Some((stack, _, _)) = blocks::locate(&t.name)
                && !stacks.contains_key(stack)
            {
                outside.entry(blocks::module_of(&t.name)).or_default().push(t);
            }
        }
        let has_decoder = stacks.keys().any(|s| s.contains("decoder") || s.split('.').any(|p| p == "dec"));
        let mut towers: Vec<Tower> = Vec::new();
        for (stack, layers) in stacks {
            let mut root = stack.rsplit_once('.').map_or("", |(r, _)| r);
            if !has_decoder {
                root = root.strip_suffix(".encoder").unwrap_or(if root == "encoder" { "" } else { root });
            }
            match towers.iter_mut().find(|t| t.root == root) {
                Some(tower) => tower.stacks.push((stack.to_owned(), layers)),
                None => towers.push(Tower {
                    root: root.to_owned(),
                    kind: tower_kind(root),
                    stacks: vec![(stack.to_owned(), layers)],
                    outer: Vec::new(),
                }),
            }
        }
        towers.sort_by(|a, b| (a.kind, &a.root).cmp(&(b.kind, &b.root)));
        let mut global: Vec<(Outer, Module)> = Vec::new();
        for (path, ts) in outside {
            let module = Module { path: path.to_owned(), tensors: ts };
            let role = outer_role(path, module.main());
            let home = towers.iter_mut().filter(|t| under(path, &t.root)).max_by_key(|t| t.root.len());
            match home {
                Some(tower) if role != Outer::Projector => tower.outer.push((role, module)),
                _ => global.push((role, module)),
            }
        }
        let by_name = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut b = Builder { dag: ModuleDag { hyper, ..Default::default() }, by_name, unplaced: Vec::new() };
        b.model(towers, global);
        if !b.unplaced.is_empty() {
            let count = b.unplaced.len();
            b.unplaced.truncate(3);
            b.dag.notice = Some(format!(
                "{count} module(s) have no known role ({}{}): drawn beside their layer, reading its input",
                b.unplaced.join(", "),
                if count > 3 { ", ..." } else { "" }
            ));
        }
        b.dag
    }
}

/// A layer's parts being wired, and where it sits.
struct Layer<'p> {
    parts: &'p mut LayerParts,
    /// Path of the layer (`model.layers.3.`), for the names of parameter-free steps.
    base: String,
    group: Option<GroupId>,
    heads: Heads,
    /// Experts cut from stacked tensors: (part, expert) -> experts in the tensor.
    stacked: BTreeMap<(Part, u64), u64>,
}

impl<'t> Builder<'t> {
    fn push(&mut self, name: String, op: Op, tensors: &[&Tensor], inputs: Vec<u32>, group: Option<GroupId>) -> u32 {
        let main = tensors.iter().copied().max_by_key(|t| (t.shape.len(), t.name.ends_with("weight"), t.elements()));
        let weight = main.filter(|t| t.shape.len() >= 2 || matches!(op, Op::Embedding | Op::Norm)).map(|t| {
            // Stored inputs-first (GPT-2's Conv1D): the bias follows the second dimension.
            let bias = tensors.iter().find(|b| b.shape.len() == 1 && b.name.ends_with("bias")).map(|b| b.shape[0]);
            let transposed = t.shape.len() == 2
                && (self.dag.hyper.model_type == "gpt2" || bias.is_some_and(|n| n == t.shape[1] && n != t.shape[0]));
            Weight { tensor: t.name.clone(), shape: t.shape.clone(), transposed, part: None }
        });
        let module = main.map(|t| blocks::module_of(&t.name).to_owned());
        let params = super::saturating_sum(tensors.iter().map(|t| t.elements()));
        let tensors = tensors.iter().map(|t| describe(t)).collect();
        self.dag.nodes.push(ModuleNode {
            name,
            op,
            module,
            weight,
            width: None,
            inputs,
            group,
            params,
            tensors,
            heads: None,
            gates: 0,
        });
        (self.dag.nodes.len() - 1) as u32
    }

    /// A parameter-free step.
    fn step(&mut self, name: String, op: Op, inputs: Vec<u32>, group: Option<GroupId>) -> u32 {
        self.push(name, op, &[], inputs, group)
    }

    fn tensors(&self, names: &[String]) -> Vec<&'t Tensor> {
        names.iter().filter_map(|n| self.by_name.get(n.as_str()).copied()).collect()
    }

    /// The node of a layer's part, if the layer has it.
    fn part(&mut self, l: &mut Layer, key: (Block, Part, Option<u64>), op: Op, inputs: Vec<u32>) -> Option<u32> {
        let names = l.parts.parts.remove(&key)?;
        let tensors = self.tensors(&names);
        let mut name = blocks::module_of(&names[0]).to_owned();
        let cut = key.2.and_then(|e| l.stacked.get(&(key.1, e)).map(|&count| (e, count)));
        if let Some((e, _)) = cut {
            name = format!("{name}[{e}]");
        }
        let id = self.push(name, op, &tensors, inputs, l.group);
        if let Some((e, count)) = cut {
            let node = &mut self.dag.nodes[id as usize];
            node.params /= count;
            if let Some(w) = &mut node.weight {
                w.part = Some((e, count));
            }
        }
        Some(id)
    }

    fn linear(&mut self, l: &mut Layer, block: Block, part: Part, input: u32) -> Option<u32> {
        self.part(l, (block, part, None), Op::Linear, vec![input])
    }

    /// `x` through the norm of `part`, or `x` when the layer has none.
    fn norm(&mut self, l: &mut Layer, block: Block, part: Part, x: u32) -> u32 {
        self.part(l, (block, part, None), Op::Norm, vec![x]).unwrap_or(x)
    }

    fn model(&mut self, towers: Vec<Tower<'t>>, global: Vec<(Outer, Module<'t>)>) {
        let hyper = self.dag.hyper.clone();
        let (mut tokens, mut embeddings) = (None, Vec::new());
        let (mut projectors, mut heads, mut params) = (Vec::new(), Vec::new(), Vec::new());
        // One tower keeps its groups at the top; several sit in a group each.
        let single = towers.len() == 1;
        let global_group = (!single).then(|| self.dag.groups.add("model", None));
        for (role, module) in global {
            match role {
                Outer::Embedding => {
                    let input =
                        *tokens.get_or_insert_with(|| self.step("tokens".into(), Op::Input, Vec::new(), global_group));
                    embeddings.push(self.push(module.path, Op::Embedding, &module.tensors, vec![input], global_group));
                }
                Outer::Projector => projectors.push(module),
                Outer::Buffer => params.push(module),
                _ if module.main().is_some_and(|t| t.elements() <= 1) => params.push(module),
                _ => heads.push(module),
            }
        }
        // Embeddings shared by the towers (T5's `shared`, a GGUF's `token_embd`).
        let global_embedding = match embeddings.len() {
            0 | 1 => embeddings.first().copied(),
            _ => Some(self.step("embeddings.sum".into(), Op::Add, embeddings, global_group)),
        };
        let mut memory: Option<u32> = None;
        let mut ends: Vec<(TowerKind, u32)> = Vec::new();
        let mut projected: Option<u32> = None;
        let last = towers.len().saturating_sub(1);
        for (i, tower) in towers.into_iter().enumerate() {
            let kind = tower.kind;
            let merge = if i == last { projected.take() } else { None };
            let out = self.tower(tower, &hyper, global_embedding, merge, memory, single);
            if kind <= TowerKind::Encoder && i < last {
                memory = Some(out);
            }
            if kind == TowerKind::Vision && !projectors.is_empty() {
                let group = Some(self.dag.groups.add("projector", None));
                let mut x = out;
                for module in std::mem::take(&mut projectors) {
                    let op = if module.main().is_some_and(|t| t.shape.len() >= 2) { Op::Linear } else { Op::Norm };
                    x = self.push(module.path, op, &module.tensors, vec![x], group);
                }
                projected = Some(x);
                continue; // read by the language model
            }
            ends.push((kind, out));
        }
        // Heads outside every tower: a projection reads its own tower; the rest read the
        // last tower, in order.
        let mut outputs: Vec<u32> = Vec::new();
        let mut main_end = ends.last().map(|&(_, x)| x);
        let mut read: Vec<u32> = Vec::new();
        for module in heads {
            let wants = tower_kind(&module.path);
            let source = match wants {
                TowerKind::Vision | TowerKind::Text => ends.iter().find(|(k, _)| *k == wants).map(|&(_, x)| x),
                _ => None,
            };
            let op = if module.main().is_some_and(|t| t.shape.len() >= 2) { Op::Linear } else { Op::Module };
            match source {
                Some(x) => {
                    read.push(x);
                    let id = self.push(module.path, op, &module.tensors, vec![x], global_group);
                    outputs.push(id);
                }
                None => {
                    let inputs: Vec<u32> = main_end.into_iter().collect();
                    read.extend(main_end);
                    main_end = Some(self.push(module.path, op, &module.tensors, inputs, global_group));
                }
            }
        }
        let mut inputs: Vec<u32> = ends.iter().map(|&(_, x)| x).filter(|x| !read.contains(x)).collect();
        inputs.extend(outputs);
        if let Some(x) = main_end.filter(|x| !inputs.contains(x)) {
            inputs.push(x);
        }
        for module in params {
            inputs.push(self.push(module.path, Op::Module, &module.tensors, Vec::new(), global_group));
        }
        inputs.dedup();
        let group =
            global_group.or(self.dag.nodes.get(inputs.first().copied().unwrap_or(0) as usize).and_then(|n| n.group));
        self.step("output".into(), Op::Output, inputs, group);
    }

    /// Embeddings, layers and final modules of one tower; returns its output.
    fn tower(
        &mut self,
        tower: Tower<'t>,
        hyper: &Hyper,
        global_embedding: Option<u32>,
        merge: Option<u32>,
        memory: Option<u32>,
        single: bool,
    ) -> u32 {
        let th = hyper.tower(&tower.root);
        let name = if tower.root.is_empty() { "model" } else { tower.root.as_str() };
        let top = (!single).then(|| self.dag.groups.add(name, None));
        let embed_group = Some(self.dag.groups.add("embeddings", top));
        let mut outer: BTreeMap<u8, Vec<Module>> = BTreeMap::new();
        for (role, module) in tower.outer {
            outer.entry(role as u8).or_default().push(module);
        }
        let mut take = |role: Outer| outer.remove(&(role as u8)).unwrap_or_default();
        let (frontend, embeddings, pre, post, heads) = (
            take(Outer::Frontend),
            take(Outer::Embedding),
            take(Outer::PreNorm),
            take(Outer::PostNorm),
            take(Outer::Head),
        );
        let buffers = take(Outer::Buffer);
        let input_name = match (frontend.first(), tower.kind) {
            (Some(m), _) if m.main().is_some_and(|t| t.shape.len() >= 4) => "pixels",
            (Some(_), _) => "features",
            (None, TowerKind::Vision) => "pixels",
            _ => "tokens",
        };
        let mut x = match (frontend.is_empty() && embeddings.is_empty(), global_embedding) {
            (true, Some(shared)) => shared,
            _ if single => self.step(input_name.to_owned(), Op::Input, Vec::new(), embed_group),
            _ => self.step(format!("{name}.{input_name}"), Op::Input, Vec::new(), embed_group),
        };
        let input = x;
        for module in buffers {
            self.push(module.path, Op::Module, &module.tensors, vec![input], embed_group);
        }
        let mut summed: Vec<u32> = Vec::new();
        for module in frontend {
            x = self.push(module.path, Op::Conv, &module.tensors, vec![x], embed_group);
        }
        if x != input {
            summed.push(x);
        }
        for module in embeddings {
            summed.push(self.push(module.path, Op::Embedding, &module.tensors, vec![input], embed_group));
        }
        summed.extend(merge);
        if summed.len() > 1 {
            x = self.step(format!("{name}.embeddings.sum"), Op::Add, summed, embed_group);
        } else if let Some(&only) = summed.first() {
            x = only;
        }
        for module in pre {
            x = self.push(module.path, Op::Norm, &module.tensors, vec![x], embed_group);
        }
        for (stack, layers) in tower.stacks {
            let list = stack.rsplit('.').next().unwrap_or(&stack).to_owned();
            let stack_group = self.dag.groups.add(list.clone(), top);
            let mut summary = StackSummary {
                name: stack.clone(),
                layers: layers.keys().max().map_or(0, |m| m + 1),
                heads: None,
                kv_heads: None,
                hidden: (th.hidden > 0).then_some(th.hidden),
            };
            for (index, tensors) in layers {
                let mut parts = LayerParts::new(tensors.into_iter());
                let heads = self.heads(&parts, &th);
                if heads.heads > 0 && summary.heads.is_none() && (parts.has(Block::Attn) || parts.has(Block::Cross)) {
                    summary.heads = Some(heads.heads);
                    summary.kv_heads = Some(heads.kv_heads);
                }
                let group = Some(self.dag.groups.add(format!("{list}.{index}"), Some(stack_group)));
                let mut l = Layer {
                    parts: &mut parts,
                    base: format!("{stack}.{index}."),
                    group,
                    heads,
                    stacked: BTreeMap::new(),
                };
                x = self.layer(&mut l, x, memory, &th);
                let rest = std::mem::take(&mut parts.unplaced);
                for (module, names) in rest {
                    let tensors = self.tensors(&names);
                    let op = if tensors.iter().any(|t| t.shape.len() >= 2) { Op::Linear } else { Op::Module };
                    self.unplaced.push(blocks::module_of(&names[0]).to_owned());
                    let _ = module;
                    self.push(blocks::module_of(&names[0]).to_owned(), op, &tensors, vec![x], group);
                }
            }
            self.dag.stacks.push(summary);
        }
        let head_group = Some(self.dag.groups.add("head", top));
        for module in post {
            x = self.push(module.path, Op::Norm, &module.tensors, vec![x], head_group);
        }
        // A head built of blocks (SigLIP's attention pooling) is wired as one more layer.
        let mut plain: Vec<Module> = Vec::new();
        let mut blocks_of: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for module in heads {
            let rel = module.path.strip_prefix(&tower.root).unwrap_or(&module.path).trim_start_matches('.').to_owned();
            match rel.split_once('.') {
                Some((first, rest)) if blocks::role(rest).is_some() || blocks_of.contains_key(first) => {
                    for t in &module.tensors {
                        let inner = t.name.strip_prefix(&module.path).unwrap_or("");
                        blocks_of.entry(first.to_owned()).or_default().push((format!("{rest}{inner}"), t.name.clone()));
                    }
                }
                _ => plain.push(module),
            }
        }
        for (first, tensors) in blocks_of {
            let mut parts = LayerParts::new(tensors.iter().map(|(r, n)| (r.as_str(), n.as_str())));
            let heads = self.heads(&parts, &th);
            let base = if tower.root.is_empty() { format!("{first}.") } else { format!("{}.{first}.", tower.root) };
            let mut l = Layer { parts: &mut parts, base, group: head_group, heads, stacked: BTreeMap::new() };
            x = self.layer(&mut l, x, None, &th);
            for (_, names) in std::mem::take(&mut parts.unplaced) {
                let tensors = self.tensors(&names);
                self.push(blocks::module_of(&names[0]).to_owned(), Op::Module, &tensors, vec![x], head_group);
            }
        }
        for module in plain {
            let op = if module.main().is_some_and(|t| t.shape.len() >= 2) { Op::Linear } else { Op::Module };
            x = self.push(module.path, op, &module.tensors, vec![x], head_group);
        }
        x
    }

    /// Heads, KV heads and head width of a layer: the configuration's, else from the
    /// widths of its projections and QK-norms.
    fn heads(&self, parts: &LayerParts, th: &Hyper) -> Heads {
        let rows = |block, part| {
            parts
                .parts
                .get(&(block, part, None))
                .and_then(|names| self.tensors(names).iter().filter(|t| t.shape.len() >= 2).map(|t| t.shape[0]).next())
        };
        let norm_width = parts
            .parts
            .get(&(Block::Attn, Part::QNorm, None))
            .and_then(|names| self.tensors(names).first().and_then(|t| t.shape.last().copied()));
        let q = rows(Block::Attn, Part::Q);
        let head_dim = match (th.head_dim, norm_width) {
            (d, _) if d > 0 => d,
            (_, Some(w)) => w,
            _ => th.hidden.checked_div(th.heads).unwrap_or(0),
        };
        let heads = match (th.heads, q) {
            (h, _) if h > 0 => h,
            (_, Some(q)) => q.checked_div(head_dim).unwrap_or(0),
            _ => 0,
        };
        let kv_heads = match (th.kv_heads, rows(Block::Attn, Part::K)) {
            (k, _) if k > 0 => k,
            (_, Some(k)) if head_dim > 0 && k.is_multiple_of(head_dim) => k / head_dim,
            _ => heads,
        };
        Heads { heads, kv_heads, head_dim }
    }

    /// One layer: its blocks in order (mixer, attention, cross-attention, MLP or experts),
    /// each between its norms and with its residual add; returns the layer's output.
    fn layer(&mut self, l: &mut Layer, mut x: u32, memory: Option<u32>, th: &Hyper) -> u32 {
        use Block::*;
        if th.post_norm {
            for block in [Attn, Cross, Ffn] {
                if let Some(names) = l.parts.parts.remove(&(block, Part::PreNorm, None)) {
                    l.parts.parts.entry((block, Part::ResidualNorm, None)).or_default().extend(names);
                }
            }
        }
        let has_ffn = l.parts.has(Ffn) || l.parts.has(Moe);
        if th.parallel && l.parts.has(Attn) && has_ffn {
            let h = self.norm(l, Attn, Part::PreNorm, x);
            let h2 = self.norm(l, Ffn, Part::PreNorm, x);
            let mut sum: Vec<u32> = self.attention(l, Attn, h, h).into_iter().collect();
            sum.extend(self.feed_forward(l, if h2 == x { h } else { h2 }));
            sum.push(x);
            return self.step(format!("{}residual", l.base), Op::Add, sum, l.group);
        }
        if l.parts.has(Ssm) {
            x = self.sublayer(l, Ssm, x, |b, l, h| b.ssm(l, h));
        }
        if l.parts.has(Attn) {
            x = self.sublayer(l, Attn, x, |b, l, h| b.attention(l, Attn, h, h));
        }
        if l.parts.has(Cross) {
            let source = memory;
            x = self.sublayer(l, Cross, x, |b, l, h| b.attention(l, Cross, h, source.unwrap_or(h)));
        }
        if has_ffn {
            x = self.sublayer(l, Ffn, x, |b, l, h| b.feed_forward(l, h));
        }
        x
    }

    fn sublayer(
        &mut self,
        l: &mut Layer,
        block: Block,
        x: u32,
        body: impl FnOnce(&mut Self, &mut Layer, u32) -> Option<u32>,
    ) -> u32 {
        let h = self.norm(l, block, Part::PreNorm, x);
        let Some(y) = body(self, l, h) else { return h };
        let y = self.norm(l, block, Part::PostNorm, y);
        let name = format!("{}{}.residual", l.base, block_name(block));
        let sum = self.step(name, Op::Add, vec![y, x], l.group);
        self.norm(l, block, Part::ResidualNorm, sum)
    }

    /// Attention of any kind: separate, fused or low-rank (MLA) projections, QK-norms;
    /// keys and values read `source` (the encoder's output for cross-attention).
    fn attention(&mut self, l: &mut Layer, block: Block, h: u32, source: u32) -> Option<u32> {
        use Part::*;
        let mut reads = Vec::new();
        let q = match self.linear(l, block, QA, h) {
            Some(qa) => {
                let qa = self.norm(l, block, QANorm, qa);
                self.linear(l, block, QB, qa)
            }
            None => self.linear(l, block, Q, h),
        };
        reads.extend(q.map(|q| self.norm(l, block, QNorm, q)));
        match self.linear(l, block, KvA, source) {
            Some(kva) => {
                let n = self.norm(l, block, KvANorm, kva);
                for part in [KvB, KB, VB] {
                    reads.extend(self.linear(l, block, part, n));
                }
            }
            None => {
                let k = self.linear(l, block, K, source);
                reads.extend(k.map(|k| self.norm(l, block, KNorm, k)));
                reads.extend(self.linear(l, block, V, source));
            }
        }
        reads.extend(self.linear(l, block, Qkv, h));
        let has_o = l.parts.parts.contains_key(&(block, O, None));
        if reads.is_empty() && !has_o {
            return None;
        }
        if reads.is_empty() {
            reads.push(h);
        }
        let name = format!("{}{}", l.base, block_name(block));
        let scores = l.parts.parts.remove(&(block, Scores, None)).unwrap_or_default();
        let tensors = self.tensors(&scores);
        let att = self.push(name, Op::Attention, &tensors, reads, l.group);
        self.dag.nodes[att as usize].heads = Some(l.heads);
        Some(self.linear(l, block, O, att).unwrap_or(att))
    }

    /// A dense MLP, or a mixture of experts with its router and shared experts.
    fn feed_forward(&mut self, l: &mut Layer, h: u32) -> Option<u32> {
        if !l.parts.has(Block::Moe) {
            return self.mlp(l, Block::Ffn, None, h);
        }
        let mut gates = Vec::new();
        gates.extend(self.part(l, (Block::Moe, Part::Router, None), Op::Router, vec![h]));
        gates.extend(self.part(l, (Block::Shared, Part::SharedGate, None), Op::Linear, vec![h]));
        let mut branches = Vec::new();
        let experts = self.split_stacked(l);
        self.dag.experts = self.dag.experts.max(experts.len() as u64);
        let group = l.group;
        for e in experts {
            l.group = Some(self.dag.groups.add(format!("expert.{e}"), group));
            branches.extend(self.mlp(l, Block::Moe, Some(e), h));
        }
        l.group = group;
        branches.extend(self.mlp(l, Block::Shared, None, h));
        branches.extend(self.mlp(l, Block::Ffn, None, h));
        let count = gates.len();
        gates.extend(branches);
        let mix = self.step(format!("{}experts", l.base), Op::Mix, gates, l.group);
        self.dag.nodes[mix as usize].gates = count;
        Some(mix)
    }

    /// Gives each expert of stacked tensors ([experts, out, in]) its own parts; returns
    /// the experts' indices.
    fn split_stacked(&mut self, l: &mut Layer) -> Vec<u64> {
        let stacked: Vec<(Block, Part, Option<u64>)> = l
            .parts
            .parts
            .keys()
            .copied()
            .filter(|&(b, p, e)| {
                b == Block::Moe && e.is_none() && matches!(p, Part::Gate | Part::Up | Part::GateUp | Part::Down)
            })
            .collect();
        let mut experts: Vec<u64> =
            l.parts.parts.keys().filter_map(|&(b, _, e)| (b == Block::Moe).then_some(e).flatten()).collect();
        for key in stacked {
            let Some(names) = l.parts.parts.get(&key) else { continue };
            let count =
                self.tensors(names).iter().filter(|t| t.shape.len() == 3).map(|t| t.shape[0]).max().unwrap_or(0);
            if count == 0 || count > MAX_EXPERTS {
                continue;
            }
            let names = l.parts.parts.remove(&key).unwrap_or_default();
            for e in 0..count {
                l.parts.parts.insert((key.0, key.1, Some(e)), names.clone());
                l.stacked.insert((key.1, e), count);
                experts.push(e);
            }
        }
        experts.sort_unstable();
        experts.dedup();
        experts
    }

    /// A dense or gated MLP (fused gate-and-up projections included), or one expert's.
    fn mlp(&mut self, l: &mut Layer, block: Block, expert: Option<u64>, h: u32) -> Option<u32> {
        use Part::*;
        // llama.cpp writes Phi-3's fused gate_up as `ffn_up`, twice as wide as `ffn_down` reads.
        let down_reads = l.parts.parts.get(&(block, Down, expert)).and_then(|names| {
            self.tensors(names).iter().filter(|t| t.shape.len() >= 2).map(|t| *t.shape.last().unwrap_or(&0)).next()
        });
        let gate_up = self.part(l, (block, GateUp, expert), Op::Linear, vec![h]);
        let gate = self.part(l, (block, Gate, expert), Op::Linear, vec![h]);
        let up = self.part(l, (block, Up, expert), Op::Linear, vec![h]);
        let fused = |b: &Self, id: u32| {
            let rows = b.dag.nodes[id as usize].weight.as_ref().and_then(|w| w.outputs(Op::Linear));
            rows.is_some() && rows == down_reads.map(|d| 2 * d)
        };
        let name = format!("{}{}", l.base, expert.map_or(block_name(block).to_owned(), |e| format!("expert.{e}")));
        let mid = match (gate_up, gate, up) {
            (Some(gu), _, _) => Some(self.step(format!("{name}.glu"), Op::Glu, vec![gu], l.group)),
            (None, Some(g), Some(u)) => Some(self.step(format!("{name}.gated"), Op::Mul, vec![g, u], l.group)),
            (None, None, Some(u)) if fused(self, u) => {
                Some(self.step(format!("{name}.glu"), Op::Glu, vec![u], l.group))
            }
            (None, g, u) => g.or(u),
        };
        let down = self.part(l, (block, Down, expert), Op::Linear, vec![mid.unwrap_or(h)]);
        down.or(mid)
    }

    /// A Mamba mixer: input projection, depthwise convolution, the scan with its
    /// step-size and state projections, gating by the input's other half, output projection.
    fn ssm(&mut self, l: &mut Layer, h: u32) -> Option<u32> {
        use Part::*;
        let input = self.linear(l, Block::Ssm, In, h)?;
        let conv = self.part(l, (Block::Ssm, Conv, None), Op::Conv, vec![input]).unwrap_or(input);
        let x = self.linear(l, Block::Ssm, X, conv);
        let dt = self.linear(l, Block::Ssm, Dt, x.unwrap_or(conv));
        let mut reads = vec![conv];
        reads.extend(dt);
        reads.extend(x);
        let state = l.parts.parts.remove(&(Block::Ssm, State, None)).unwrap_or_default();
        let tensors = self.tensors(&state);
        let scan = self.push(format!("{}mixer.scan", l.base), Op::Scan, &tensors, reads, l.group);
        let y = self.norm(l, Block::Ssm, Norm, scan);
        let gated = self.step(format!("{}mixer.gated", l.base), Op::Mul, vec![y, input], l.group);
        Some(self.linear(l, Block::Ssm, Out, gated).unwrap_or(gated))
    }

    /// Unknown architectures: one node per name path, each linked from its parent path;
    /// a module with a matrix is a Linear, so the neuron level draws its rows.
    fn name_tree(&mut self, tensors: &'t [Tensor]) {
        let mut own: HashMap<&str, Vec<&Tensor>> = HashMap::new();
        for t in tensors {
            if let Some((module, _)) = t.name.rsplit_once('.') {
                own.entry(module).or_default().push(t);
            }
        }
        let mut index: BTreeMap<String, u32> = BTreeMap::new();
        let mut group_of: HashMap<String, GroupId> = HashMap::new();
        for t in tensors {
            let parts: Vec<&str> = t.name.split('.').collect();
            for depth in 1..parts.len() {
                let path = parts[..depth].join(".");
                if index.contains_key(&path) {
                    continue;
                }
                let parent = index.get(&parts[..depth - 1].join(".")).copied();
                let group = if depth >= 2 {
                    let key = parts[..depth - 1].join(".");
                    let parent_group = (depth >= 3).then(|| group_of[&parts[..depth - 2].join(".")]);
                    Some(*group_of.entry(key).or_insert_with(|| self.dag.groups.add(parts[depth - 2], parent_group)))
                } else {
                    None
                };
                let tensors = own.get(path.as_str()).cloned().unwrap_or_default();
                let op = if tensors.iter().any(|t| t.shape.len() >= 2) { Op::Linear } else { Op::Module };
                let id = self.push(path.clone(), op, &tensors, parent.into_iter().collect(), group);
                index.insert(path, id);
            }
        }
    }
}

fn block_name(block: Block) -> &'static str {
    match block {
        Block::Attn => "attention",
        Block::Cross => "cross_attention",
        Block::Ssm => "mixer",
        Block::Ffn => "mlp",
        Block::Moe => "experts",
        Block::Shared => "shared_expert",
        Block::Sibling => "block",
    }
}
