//! The building blocks of a transformer checkpoint, recognised from tensor names: which
//! tensors form a stack of layers, and the role of each module inside a layer (attention
//! projection, norm before or after a block, gated MLP, router, expert, state-space scan).
//!
//! One table of name aliases covers both naming schemes: HuggingFace module paths
//! (`self_attn.q_proj`, `block_sparse_moe.experts.3.w1`, `DenseReluDense.wi_0`) and
//! llama.cpp's GGUF names (`attn_q`, `ffn_gate_exps`, `ssm_conv1d`; llama.cpp's
//! `TensorNameMap` lists both sides). A module matches the longest alias that ends its
//! path, segment by segment, so a family needs an alias only where its names are new.

use std::collections::BTreeMap;

/// The block of a layer a module belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Block {
    /// Self-attention.
    Attn,
    /// Cross-attention over an encoder's output.
    Cross,
    /// A state-space (Mamba) mixer.
    Ssm,
    /// The dense MLP.
    Ffn,
    /// Routed experts and their router; they take the MLP's place, and its norms.
    Moe,
    /// Experts every token passes through, beside the routed ones.
    Shared,
    /// A norm named only by its place (T5's `layer.1.layer_norm`): it belongs to the block
    /// whose modules share its parent path.
    Sibling,
}

/// A module's part in its block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Norm on the block's input.
    PreNorm,
    /// Norm on the block's output, before the residual add (Gemma 2/3, OLMo 2).
    PostNorm,
    /// Norm after the residual add (BERT, BART).
    ResidualNorm,
    Q,
    K,
    V,
    Qkv,
    QNorm,
    KNorm,
    /// Multi-head latent attention's low-rank query and key-value projections.
    QA,
    QANorm,
    QB,
    KvA,
    KvANorm,
    KvB,
    KB,
    VB,
    O,
    /// Parameters of the attention scores themselves (T5's relative position bias).
    Scores,
    Gate,
    Up,
    GateUp,
    Down,
    Router,
    SharedGate,
    In,
    Conv,
    X,
    Dt,
    /// The scan's state matrix and skip (Mamba's A_log and D).
    State,
    Norm,
    Out,
}

use Block::*;
use Part::*;

/// `(path suffix, block, part)`; `*` stands for an expert's index.
#[rustfmt::skip]
static ALIASES: &[(&str, Block, Part)] = &[
    // Self-attention.
    ("self_attn.q_proj", Attn, Q), ("self_attn.k_proj", Attn, K), ("self_attn.v_proj", Attn, V),
    ("self_attn.o_proj", Attn, O), ("self_attn.out_proj", Attn, O), ("self_attn.dense", Attn, O),
    ("attention.self.query", Attn, Q), ("attention.self.key", Attn, K), ("attention.self.value", Attn, V),
    ("attention.attention.query", Attn, Q), ("attention.attention.key", Attn, K),
    ("attention.attention.value", Attn, V), ("attention.output.dense", Attn, O),
    ("SelfAttention.q", Attn, Q), ("SelfAttention.k", Attn, K), ("SelfAttention.v", Attn, V),
    ("SelfAttention.o", Attn, O), ("SelfAttention.relative_attention_bias", Attn, Scores),
    ("attention.wq", Attn, Q), ("attention.wk", Attn, K), ("attention.wv", Attn, V), ("attention.wo", Attn, O),
    ("attn.q_proj", Attn, Q), ("attn.k_proj", Attn, K), ("attn.v_proj", Attn, V), ("attn.out_proj", Attn, O),
    ("self_attn.qkv_proj", Attn, Qkv), ("self_attention.query_key_value", Attn, Qkv),
    ("attention.query_key_value", Attn, Qkv), ("attention.dense", Attn, O), ("self_attention.dense", Attn, O),
    ("attn.c_attn", Attn, Qkv), ("attn.c_proj", Attn, O), ("attn.Wqkv", Attn, Qkv),
    ("attention.in_proj", Attn, Qkv), ("attention.out_proj", Attn, O),
    ("self_attn.q_norm", Attn, QNorm), ("self_attn.k_norm", Attn, KNorm),
    ("self_attn.q_layernorm", Attn, QNorm), ("self_attn.k_layernorm", Attn, KNorm),
    ("self_attn.q_a_proj", Attn, QA), ("self_attn.q_a_layernorm", Attn, QANorm), ("self_attn.q_b_proj", Attn, QB),
    ("self_attn.kv_a_proj_with_mqa", Attn, KvA), ("self_attn.kv_a_layernorm", Attn, KvANorm),
    ("self_attn.kv_b_proj", Attn, KvB),
    ("attn_q", Attn, Q), ("attn_k", Attn, K), ("attn_v", Attn, V), ("attn_qkv", Attn, Qkv),
    ("attn_output", Attn, O), ("attn_o", Attn, O), ("attn_q_norm", Attn, QNorm), ("attn_k_norm", Attn, KNorm),
    ("attn_q_a", Attn, QA), ("attn_q_a_norm", Attn, QANorm), ("attn_q_b", Attn, QB),
    ("attn_kv_a_mqa", Attn, KvA), ("attn_kv_a_norm", Attn, KvANorm), ("attn_kv_b", Attn, KvB),
    ("attn_k_b", Attn, KB), ("attn_v_b", Attn, VB), ("attn_rel_b", Attn, Scores),
    // Cross-attention.
    ("EncDecAttention.q", Cross, Q), ("EncDecAttention.k", Cross, K), ("EncDecAttention.v", Cross, V),
    ("EncDecAttention.o", Cross, O), ("EncDecAttention.relative_attention_bias", Cross, Scores),
    ("encoder_attn.q_proj", Cross, Q), ("encoder_attn.k_proj", Cross, K), ("encoder_attn.v_proj", Cross, V),
    ("encoder_attn.out_proj", Cross, O), ("crossattention.self.query", Cross, Q),
    ("crossattention.self.key", Cross, K), ("crossattention.self.value", Cross, V),
    ("crossattention.output.dense", Cross, O), ("crossattention.output.LayerNorm", Cross, ResidualNorm),
    ("cross_attn_q", Cross, Q), ("cross_attn_k", Cross, K), ("cross_attn_v", Cross, V),
    ("cross_attn_o", Cross, O), ("cross_attn_rel_b", Cross, Scores),
    // Norms.
    ("input_layernorm", Attn, PreNorm), ("ln_1", Attn, PreNorm), ("layernorm_before", Attn, PreNorm),
    ("layer_norm1", Attn, PreNorm), ("self_attn_layer_norm", Attn, PreNorm), ("attention_norm", Attn, PreNorm),
    ("ln_attn", Attn, PreNorm), ("attn_norm", Attn, PreNorm),
    ("attn_post_norm", Attn, PostNorm), ("post_attention_norm", Attn, PostNorm),
    ("attention.output.LayerNorm", Attn, ResidualNorm), ("attn_output_norm", Attn, ResidualNorm),
    ("encoder_attn_layer_norm", Cross, PreNorm), ("cross_attn_norm", Cross, PreNorm),
    ("post_attention_layernorm", Ffn, PreNorm), ("pre_feedforward_layernorm", Ffn, PreNorm),
    ("ln_2", Ffn, PreNorm), ("layernorm_after", Ffn, PreNorm), ("layer_norm2", Ffn, PreNorm),
    ("final_layer_norm", Ffn, PreNorm), ("ffn_norm", Ffn, PreNorm), ("ln_mlp", Ffn, PreNorm),
    ("post_feedforward_layernorm", Ffn, PostNorm), ("ffn_post_norm", Ffn, PostNorm), ("post_ffw_norm", Ffn, PostNorm),
    ("output.LayerNorm", Ffn, ResidualNorm), ("layer_output_norm", Ffn, ResidualNorm),
    ("layer_norm", Sibling, PreNorm), ("norm", Ssm, PreNorm),
    // Dense MLP.
    ("mlp.gate_proj", Ffn, Gate), ("mlp.up_proj", Ffn, Up), ("mlp.down_proj", Ffn, Down),
    ("mlp.gate_up_proj", Ffn, GateUp), ("mlp.c_fc", Ffn, Up), ("mlp.c_proj", Ffn, Down),
    ("mlp.fc1", Ffn, Up), ("mlp.fc2", Ffn, Down), ("fc1", Ffn, Up), ("fc2", Ffn, Down),
    ("intermediate.dense", Ffn, Up), ("output.dense", Ffn, Down),
    ("mlp.dense_h_to_4h", Ffn, Up), ("mlp.dense_4h_to_h", Ffn, Down),
    ("DenseReluDense.wi", Ffn, Up), ("DenseReluDense.wi_0", Ffn, Gate), ("DenseReluDense.wi_1", Ffn, Up),
    ("DenseReluDense.wo", Ffn, Down), ("feed_forward.w1", Ffn, Gate), ("feed_forward.w3", Ffn, Up),
    ("feed_forward.w2", Ffn, Down), ("ffn_gate", Ffn, Gate), ("ffn_up", Ffn, Up), ("ffn_down", Ffn, Down),
    // Mixture of experts.
    ("mlp.gate", Moe, Router), ("block_sparse_moe.gate", Moe, Router), ("mlp.router", Moe, Router),
    ("ffn_gate_inp", Moe, Router), ("exp_probs_b", Moe, Router),
    ("experts.*.gate_proj", Moe, Gate), ("experts.*.up_proj", Moe, Up), ("experts.*.down_proj", Moe, Down),
    ("experts.*.w1", Moe, Gate), ("experts.*.w3", Moe, Up), ("experts.*.w2", Moe, Down),
    ("experts.gate_up_proj", Moe, GateUp), ("experts.gate_proj", Moe, Gate), ("experts.up_proj", Moe, Up),
    ("experts.down_proj", Moe, Down), ("ffn_gate_exps", Moe, Gate), ("ffn_up_exps", Moe, Up),
    ("ffn_down_exps", Moe, Down), ("ffn_gate_up_exps", Moe, GateUp),
    ("shared_expert.gate_proj", Shared, Gate), ("shared_expert.up_proj", Shared, Up),
    ("shared_expert.down_proj", Shared, Down), ("shared_experts.gate_proj", Shared, Gate),
    ("shared_experts.up_proj", Shared, Up), ("shared_experts.down_proj", Shared, Down),
    ("ffn_gate_shexp", Shared, Gate), ("ffn_up_shexp", Shared, Up), ("ffn_down_shexp", Shared, Down),
    ("shared_expert_gate", Shared, SharedGate), ("ffn_gate_inp_shexp", Shared, SharedGate),
    // State-space mixer.
    ("mixer.in_proj", Ssm, In), ("mixer.conv1d", Ssm, Conv), ("mixer.x_proj", Ssm, X),
    ("mixer.dt_proj", Ssm, Dt), ("mixer.A_log", Ssm, State), ("mixer.D", Ssm, State),
    ("mixer.dt_bias", Ssm, Dt), ("mixer.norm", Ssm, Norm), ("mixer.out_proj", Ssm, Out),
    ("ssm_in", Ssm, In), ("ssm_conv1d", Ssm, Conv), ("ssm_x", Ssm, X), ("ssm_dt", Ssm, Dt),
    ("ssm_a", Ssm, State), ("ssm_d", Ssm, State), ("ssm_norm", Ssm, Norm), ("ssm_out", Ssm, Out),
];

/// Names of a module's own parameters: stripped to reach the module's path.
const PARAMS: &[&str] = &["weight", "bias", "scale", "e_score_correction_bias"];

/// The module path of a tensor (`a.b.weight` -> `a.b`; MultiheadAttention's
/// `in_proj_weight` -> `in_proj`); a tensor with another last name is its own module.
pub fn module_of(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((module, param)) if PARAMS.contains(&param) => module,
        Some((module, "in_proj_weight" | "in_proj_bias")) => &name[..module.len() + ".in_proj".len()],
        _ => name,
    }
}

/// Where a tensor sits: in a stack of layers (`model.layers`, `blk`, `encoder.block`) at
/// an index, with its path inside the layer; or outside every stack.
pub fn locate(name: &str) -> Option<(&str, u64, &str)> {
    let mut start = 0;
    for segment in name.split('.') {
        let end = start + segment.len();
        if start > 0 && !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            let rest = name.get(end + 1..).unwrap_or("");
            // `mm.0.weight` is a Sequential's module, not a layer.
            if !rest.is_empty() && !PARAMS.contains(&rest) {
                return Some((&name[..start - 1], segment.parse().ok()?, rest));
            }
            return None;
        }
        start = end + 1;
    }
    None
}

/// A module's role inside its layer, and its expert's index where it is one of several.
pub fn role(module: &str) -> Option<(Block, Part, Option<u64>)> {
    let segments: Vec<&str> = module.split('.').collect();
    // `experts.3.w1` -> `experts.*.w1`, remembering 3.
    let mut expert = None;
    let mut key: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, s) in segments.iter().enumerate() {
        if i > 0 && segments[i - 1] == "experts" && s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
            expert = s.parse().ok();
            key.push("*");
        } else {
            key.push(s);
        }
    }
    (0..key.len()).find_map(|from| {
        let suffix = key[from..].join(".");
        ALIASES.iter().find(|(alias, _, _)| *alias == suffix).map(|&(_, block, part)| (block, part, expert))
    })
}

/// The modules of one layer by role, each with its tensor names; what no alias names is
/// kept apart, by module path.
#[derive(Debug, Default)]
pub struct LayerParts {
    pub parts: BTreeMap<(Block, Part, Option<u64>), Vec<String>>,
    pub unplaced: BTreeMap<String, Vec<String>>,
}

impl LayerParts {
    /// Sorts a layer's tensors (`rest` is the path inside the layer) into roles, then
    /// settles the names whose role depends on their neighbours.
    pub fn new<'a>(tensors: impl Iterator<Item = (&'a str, &'a str)>) -> LayerParts {
        let mut layer = LayerParts::default();
        let mut sibling_norms: Vec<(String, String)> = Vec::new();
        let mut parents: BTreeMap<String, Block> = BTreeMap::new();
        for (rest, name) in tensors {
            let module = module_of(rest);
            match role(module) {
                Some((Sibling, _, _)) => sibling_norms.push((module.to_owned(), name.to_owned())),
                Some((block, part, expert)) => {
                    if let Some((parent, _)) = module.rsplit_once('.') {
                        // T5's `layer.1.EncDecAttention.q`: the sublayer `layer.1` holds cross-attention.
                        if let Some((sublayer, _)) = parent.rsplit_once('.') {
                            parents.entry(sublayer.to_owned()).or_insert(block);
                        }
                    }
                    layer.parts.entry((block, part, expert)).or_default().push(name.to_owned());
                }
                None => layer.unplaced.entry(module.to_owned()).or_default().push(name.to_owned()),
            }
        }
        for (module, name) in sibling_norms {
            let parent = module.rsplit_once('.').map_or("", |(p, _)| p);
            match parents.get(parent) {
                Some(&block) => layer.parts.entry((block, PreNorm, None)).or_default().push(name),
                None => layer.unplaced.entry(module).or_default().push(name),
            }
        }
        layer.settle();
        layer
    }

    fn take(&mut self, block: Block, part: Part) -> Option<Vec<String>> {
        self.parts.remove(&(block, part, None))
    }

    fn put(&mut self, block: Block, part: Part, names: Vec<String>) {
        self.parts.entry((block, part, None)).or_default().extend(names);
    }

    pub fn has(&self, block: Block) -> bool {
        self.parts.keys().any(|&(b, part, _)| b == block && !matches!(part, PreNorm | PostNorm | ResidualNorm))
    }

    /// Names whose meaning depends on the rest of the layer.
    fn settle(&mut self) {
        // `post_attention_layernorm` is the MLP's input norm (Llama), unless the layer also
        // has norms around its MLP (Gemma 2/3, OLMo 2): then it is the attention's output norm.
        let ffn_has_own = self.parts.contains_key(&(Ffn, PostNorm, None))
            || self
                .parts
                .get(&(Ffn, PreNorm, None))
                .is_some_and(|names| names.iter().any(|n| n.contains("pre_feedforward_layernorm")));
        if ffn_has_own && let Some(names) = self.take(Ffn, PreNorm) {
            let (post_attention, own): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|n| n.contains("post_attention_layernorm"));
            self.put(Attn, PostNorm, post_attention);
            if !own.is_empty() {
                self.put(Ffn, PreNorm, own);
            }
        }
        // A norm named after attention in a layer without attention (Mamba's GGUF
        // `attn_norm`, the HF `norm`) opens the layer's mixer.
        let first = [Attn, Ssm].into_iter().find(|&b| self.has(b));
        for block in [Attn, Ssm] {
            if Some(block) != first
                && let Some(names) = self.take(block, PreNorm)
            {
                self.put(first.unwrap_or(Ffn), PreNorm, names);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_naming_schemes_reach_the_same_roles() {
        for (hf, gguf) in [
            ("self_attn.q_proj", "attn_q"),
            ("mlp.down_proj", "ffn_down"),
            ("block_sparse_moe.experts.3.w1", "ffn_gate_exps"),
            ("mlp.shared_experts.up_proj", "ffn_up_shexp"),
            ("mixer.conv1d", "ssm_conv1d"),
            ("layer.1.EncDecAttention.k", "cross_attn_k"),
            ("self_attn.kv_a_proj_with_mqa", "attn_kv_a_mqa"),
        ] {
            let (a, b) = (role(hf).unwrap(), role(gguf).unwrap());
            assert_eq!((a.0, a.1), (b.0, b.1), "{hf} / {gguf}");
        }
        assert_eq!(role("mlp.experts.12.gate_proj"), Some((Moe, Gate, Some(12))));
        // The longest alias wins: BERT's attention output is not the MLP's.
        assert_eq!(role("attention.output.dense"), Some((Attn, O, None)));
        assert_eq!(role("output.dense"), Some((Ffn, Down, None)));
        assert_eq!(role("mlp.gate"), Some((Moe, Router, None)));
        assert_eq!(role("something.else"), None);
    }

    #[test]
    fn stacks_and_modules_from_names() {
        assert_eq!(
            locate("model.layers.12.self_attn.q_proj.weight"),
            Some(("model.layers", 12, "self_attn.q_proj.weight"))
        );
        assert_eq!(locate("blk.0.ssm_a"), Some(("blk", 0, "ssm_a")));
        assert_eq!(locate("mm.0.weight"), None);
        assert_eq!(locate("0.weight"), None);
        assert_eq!(locate("model.norm.weight"), None);
        assert_eq!(module_of("head.attention.in_proj_weight"), "head.attention.in_proj");
        assert_eq!(module_of("mlp.gate.e_score_correction_bias"), "mlp.gate");
        assert_eq!(module_of("mixer.A_log"), "mixer.A_log");
    }

    #[test]
    fn neighbours_settle_ambiguous_norms() {
        let layer = |names: &[&'static str]| LayerParts::new(names.iter().map(|n| (*n, *n)));
        // Llama: post_attention_layernorm opens the MLP.
        let llama = layer(&["post_attention_layernorm.weight", "mlp.up_proj.weight", "self_attn.q_proj.weight"]);
        assert!(llama.parts.contains_key(&(Ffn, PreNorm, None)));
        // Gemma 2/3: it closes the attention.
        let gemma =
            layer(&["post_attention_layernorm.weight", "pre_feedforward_layernorm.weight", "mlp.up_proj.weight"]);
        assert_eq!(gemma.parts[&(Attn, PostNorm, None)], ["post_attention_layernorm.weight"]);
        assert_eq!(gemma.parts[&(Ffn, PreNorm, None)], ["pre_feedforward_layernorm.weight"]);
        // T5: each sublayer's layer_norm belongs to the block beside it.
        let t5 = layer(&[
            "layer.0.layer_norm.weight",
            "layer.0.SelfAttention.q.weight",
            "layer.1.layer_norm.weight",
            "layer.1.DenseReluDense.wo.weight",
        ]);
        assert_eq!(t5.parts[&(Attn, PreNorm, None)], ["layer.0.layer_norm.weight"]);
        assert_eq!(t5.parts[&(Ffn, PreNorm, None)], ["layer.1.layer_norm.weight"]);
        // Mamba: the layer's norm opens the mixer.
        let mamba = layer(&["norm.weight", "mixer.in_proj.weight"]);
        assert!(mamba.parts.contains_key(&(Ssm, PreNorm, None)));
        assert!(layer(&["x.y.weight"]).unplaced.contains_key("x.y"));
    }
}
