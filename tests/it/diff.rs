//! `netlens diff`: real checkpoints of one training run (the digits MLP after 3 epochs and
//! at convergence), a deeper variant of it, and a model against itself.

use crate::common;

use std::process::{Command, Output};

/// Runs netlens in the system's temporary folder (each test that writes files has its
/// own scratch folder; these runs write nothing).
fn netlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("netlens runs")
}

fn diff_json(a: &str, b: &str) -> serde_json::Value {
    let (a, b) = (common::repo_data(a), common::repo_data(b));
    let out = netlens(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn names(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn checkpoints_of_one_run_differ_in_weights_only() {
    let v = diff_json("onnx/digits_mlp_early.onnx", "onnx/digits_mlp.onnx");
    assert!(names(&v, "added").is_empty() && names(&v, "removed").is_empty() && names(&v, "changed").is_empty(), "{v}");
    let weights = v["weights"].as_array().unwrap();
    assert_eq!(weights.len(), 6, "fc1..fc3, weight and bias");
    for w in weights {
        let (relative, rms_delta) = (w["relative"].as_f64().unwrap(), w["rms_delta"].as_f64().unwrap());
        assert!(relative > 0.05 && rms_delta > 0.0 && w["max_abs_delta"].as_f64().unwrap() >= rms_delta, "{w}");
    }
    let layers: Vec<&str> = v["layers"].as_array().unwrap().iter().map(|l| l["layer"].as_str().unwrap()).collect();
    assert_eq!(layers.len(), 3);
    assert!(["fc1", "fc2", "fc3"].iter().all(|l| layers.contains(l)), "{layers:?}");
    let relative: Vec<f64> = v["layers"].as_array().unwrap().iter().map(|l| l["relative"].as_f64().unwrap()).collect();
    assert!(relative.windows(2).all(|w| w[0] >= w[1]), "most changed first: {relative:?}");
}

#[test]
fn a_deeper_network_adds_a_layer_and_reshapes_the_last() {
    let v = diff_json("onnx/digits_mlp.onnx", "onnx/digits_mlp_deeper.onnx");
    let added = names(&v, "added");
    assert!(added.contains(&"/fc4/Gemm".to_owned()) && added.contains(&"fc4".to_owned()), "{added:?}");
    assert!(names(&v, "changed").contains(&"/fc3/Gemm".to_owned()), "{v}");
    let unmatched = &v["unmatched_weights"];
    let only_b: Vec<&str> = unmatched["only_b"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(only_b, ["fc4.weight", "fc4.bias"]);
    let reshaped = unmatched["reshaped"].as_array().unwrap();
    assert_eq!(reshaped[0], serde_json::json!(["fc3.weight", [10, 32], [32, 32]]));
    assert_eq!(v["weights"].as_array().unwrap().len(), 4, "fc1 and fc2 compared");

    // The picture colours B's operators; the text report lists the same.
    let dir = common::scratch("diff-picture");
    let (a, b) = (common::repo_data("onnx/digits_mlp.onnx"), common::repo_data("onnx/digits_mlp_deeper.onnx"));
    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["diff", a.to_str().unwrap(), b.to_str().unwrap(), "-o", "diff.png", "--size", "320x200"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("operators: 3 added, 1 removed, 1 changed; groups: 1 added, 0 removed"), "{text}");
    let image = image::open(dir.join("diff.png")).unwrap().to_rgb8();
    let red = netlens::render::palette::class_color(2);
    assert!(image.pixels().filter(|p| p.0 == red).count() > 50, "added operators are drawn red");
}

#[test]
fn a_model_against_itself_has_no_differences() {
    // quants.gguf holds values in every ggml block type netlens decodes.
    let v = diff_json("gguf/quants.gguf", "gguf/quants.gguf");
    assert!(names(&v, "added").is_empty() && names(&v, "removed").is_empty() && names(&v, "changed").is_empty());
    let weights = v["weights"].as_array().unwrap();
    assert_eq!(weights.len(), 12, "every block type is decoded");
    assert!(weights.iter().all(|w| w["relative"].as_f64() == Some(0.0) && w["rms_a"].as_f64().unwrap() > 0.0));
}

#[test]
fn graphs_and_missing_files_are_clear_errors() {
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let graph = common::repo_data("cora/edges.tsv");
    let out = netlens(&["diff", model.to_str().unwrap(), graph.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("edges.tsv: is a graph, not a model"), "{stderr}");
    let out = netlens(&["diff", model.to_str().unwrap(), "missing.onnx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && stderr.contains("missing.onnx"), "{stderr}");
}
