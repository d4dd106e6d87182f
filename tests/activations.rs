//! `netlens activations`: the digits MLP run on a handwritten 0 (values checked against a
//! numpy forward pass of the same ONNX weights), a small CNN's channels averaged over
//! their positions, the picture, and clear errors.

mod common;

use std::process::{Command, Output};

/// Runs netlens in a fresh scratch folder `name`, one name per test (tests run in
/// parallel: a shared folder would be emptied under another test's feet).
fn netlens(name: &str, args: &[&str]) -> Output {
    let dir = common::scratch(name);
    Command::new(env!("CARGO_BIN_EXE_netlens")).args(args).current_dir(dir).output().expect("netlens runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn layer<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["layers"].as_array().unwrap().iter().find(|l| l["layer"] == name).unwrap_or_else(|| panic!("{name} in {v}"))
}

#[test]
fn the_digits_mlp_recognises_a_zero() {
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let input = common::repo_data("onnx/digit_0.npy");
    let v = json(&netlens(
        "activations-mlp",
        &["activations", model.to_str().unwrap(), "--input", input.to_str().unwrap(), "--json"],
    ));
    assert_eq!((v["nodes"].as_u64(), v["with_activation"].as_u64()), (Some(266), Some(266)));
    let scores: Vec<f64> = v["outputs"][0]["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let best = (0..10).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap();
    // numpy, from the same ONNX initializers: relu(relu(x W1' + b1) W2' + b2) W3' + b3
    // gives 16.651295 at class 0; the first hidden layer's mean 0.8850038, largest 4.246683.
    assert_eq!(best, 0);
    assert!((scores[0] - 16.651295).abs() < 1e-3, "{scores:?}");
    let relu = layer(&v, "/fc1/Relu");
    assert!(
        (relu["mean"].as_f64().unwrap() - 0.8850038).abs() < 1e-5
            && (relu["max"].as_f64().unwrap() - 4.246683).abs() < 1e-5
    );
    assert_eq!(layer(&v, "pixels")["units"].as_u64(), Some(64));
}

#[test]
fn cnn_channels_are_averaged_over_their_positions() {
    let dir = common::scratch("activations-cnn");
    let input = dir.join("ones.npy");
    // A [1, 3, 8, 8] float32 array of ones, written by hand: the .npy header, then data.
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let padded = format!("{header:<117}\n");
    bytes.extend((padded.len() as u16).to_le_bytes());
    bytes.extend(padded.as_bytes());
    bytes.extend(std::iter::repeat_n(1.0f32.to_le_bytes(), 192).flatten());
    std::fs::write(&input, bytes).unwrap();
    let model = common::repo_data("onnx/small_cnn.onnx");
    let v = json(&netlens(
        "activations-cnn-run",
        &["activations", model.to_str().unwrap(), "--input", input.to_str().unwrap(), "--json"],
    ));
    assert_eq!(v["with_activation"], v["nodes"]);
    // Global average pooling outputs each channel's mean: the mean of the ReLU channels.
    let (relu, pool) = (layer(&v, "/features/relu/Relu"), layer(&v, "/pool/GlobalAveragePool"));
    assert_eq!(relu["units"].as_u64(), Some(4));
    assert!((relu["mean"].as_f64().unwrap() - pool["mean"].as_f64().unwrap()).abs() < 1e-5, "{relu} {pool}");

    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args([
            "activations",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "-o",
            "cnn.png",
            "--size",
            "320x200",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success() && dir.join("cnn.png").exists(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn wrong_inputs_are_clear_errors() {
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let labels = common::repo_data("cora/labels.npy");
    let out =
        netlens("activations-errors", &["activations", model.to_str().unwrap(), "--input", labels.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && stderr.contains("labels.npy"), "{stderr}");
    let image = common::repo_data("onnx/digit_0.npy");
    let cnn = common::repo_data("onnx/small_cnn.onnx");
    let out =
        netlens("activations-errors", &["activations", cnn.to_str().unwrap(), "--input", image.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(1) && stderr.contains("small_cnn.onnx: cannot run on an input of shape [1, 64]"),
        "{stderr}"
    );
    let gguf = common::repo_data("gguf/tiny-llama.gguf");
    let out =
        netlens("activations-errors", &["activations", gguf.to_str().unwrap(), "--input", image.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("activations come from running an ONNX model"));
}
