//! PyTorch exported programs (`.pt2`, written by torch 2.15 through data/pt2/make_pt2.py):
//! the operator graph with torch's own parameter count and operator counts, the module
//! hierarchy as groups, and clear errors for checkpoints that are not programs and for
//! damaged archives.

use crate::common::{self, error_line, info, netlens};

use netlens::load::{self, Format};

fn fixture(name: &str) -> std::path::PathBuf {
    common::repo_data(&format!("pt2/{name}"))
}

#[test]
fn exported_programs_match_what_torch_reports() {
    let dir = common::scratch("pt2-info");
    let expected: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture("params.json")).unwrap()).unwrap();
    for name in ["digits_cnn", "tiny_encoder"] {
        let report = info(&fixture(&format!("{name}.pt2")), &dir);
        assert_eq!(report["format"], "pt2", "{name}");
        assert_eq!(report["params"], expected[name]["params"], "{name}");
        assert_eq!(report["ops"], expected[name]["ops"], "{name}");
        // Inputs, every call and the output hang together.
        assert_eq!(report["components"], 1, "{name}");
        let calls: u64 = expected[name]["ops"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
        assert_eq!(report["nodes"].as_u64(), Some(calls + 2), "{name}: one input, the calls, one output");
    }
    // The encoder's two layers are one repeated kind of group.
    let report = info(&fixture("tiny_encoder.pt2"), &dir);
    assert_eq!(report["repeated_groups"]["layers"], 2, "{report}");
}

#[test]
fn modules_become_groups_and_parameters_attach_to_their_readers() {
    let dir = common::scratch("pt2-groups");
    let out = netlens(&["export", fixture("digits_cnn.pt2").to_str().unwrap(), "-o", "cnn.csv"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("cnn.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (kind, group, params) = (column("class_name"), column("group"), column("params"));
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let linear: Vec<&Vec<&str>> = rows.iter().filter(|r| r[kind] == "linear").collect();
    let groups: Vec<&str> = linear.iter().map(|r| r[group]).collect();
    assert_eq!(groups, ["mlp/mlp.0", "head"]);
    // mlp.0 reads a 32 x 128 weight and 32 biases.
    assert_eq!(linear[0][params], "4128");
    let conv = rows.iter().find(|r| r[kind] == "conv2d").unwrap();
    assert_eq!((conv[group], conv[params]), ("conv", "80"));
}

#[test]
fn checkpoints_and_damaged_archives_are_clear_errors() {
    let dir = common::scratch("pt2-errors");
    let line = error_line(&netlens(&["info", fixture("not_exported.pt").to_str().unwrap()], &dir));
    assert!(
        line.contains("not_exported.pt: is a torch.save checkpoint") && line.contains("torch.export.save"),
        "{line}"
    );
    let bytes = std::fs::read(fixture("digits_cnn.pt2")).unwrap();
    for eighth in 1..8 {
        let cut = dir.join(format!("cut-{eighth}.pt2"));
        std::fs::write(&cut, &bytes[..bytes.len() * eighth / 8]).unwrap();
        let line = error_line(&netlens(&["info", cut.to_str().unwrap()], &dir));
        assert!(line.contains(&format!("cut-{eighth}.pt2")), "{line}");
    }
    // In memory, as the fuzz target reads it: the same graph; flipped bytes are errors or
    // graphs, never panics.
    let (graph, model) = load::load_bytes(&bytes, Format::Pt2).unwrap();
    assert_eq!((graph.node_count(), model.unwrap().params), (9, 4538));
    for at in (0..bytes.len()).step_by(bytes.len() / 200 + 1) {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x5a;
        let _ = load::load_bytes(&flipped, Format::Pt2);
    }
}

/// `diff` reads the weights torch stores in the archive: one SGD step moved every tensor
/// by the RMS torch computed, and changed no operator.
#[test]
fn diff_measures_a_training_step_as_torch_does() {
    let dir = common::scratch("pt2-diff");
    let expected: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture("params.json")).unwrap()).unwrap();
    let (a, b) = (fixture("digits_cnn.pt2"), fixture("digits_cnn_step.pt2"));
    let out = netlens(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["added", "removed", "changed"] {
        assert_eq!(report[key], serde_json::json!([]), "{key}");
    }
    let weights = report["weights"].as_array().unwrap();
    assert_eq!(weights.len(), 6);
    for w in weights {
        let torch = &expected["digits_cnn_step"][w["tensor"].as_str().unwrap()];
        for key in ["rms_a", "rms_delta"] {
            let (ours, theirs) = (w[key].as_f64().unwrap(), torch[key].as_f64().unwrap());
            assert!((ours - theirs).abs() <= 1e-4 * theirs, "{} {key}: {ours} vs torch {theirs}", w["tensor"]);
        }
    }
}

#[test]
fn the_neuron_level_reads_the_stored_weights_as_torch_wrote_them() {
    let pruning = load::neurons::Pruning { top_k: 1_000, min_weight: 0.0 };
    let loaded = load::load_neurons(&fixture("digits_cnn.pt2"), pruning).unwrap();
    let graph = &loaded.graph;
    assert_eq!(loaded.format, Format::Pt2);
    // A unit per channel or feature: the input's 1 channel; conv, relu, pool and flatten's
    // 8 channels each; the hidden linear and its relu's 32 units; the head's 10.
    assert_eq!(graph.node_count(), 1 + 4 * 8 + 2 * 32 + 10);
    assert!(loaded.model.as_ref().unwrap().notice.is_none(), "every weight shown");
    // With every input kept, the head's connections are head.weight's 320 values: their
    // root mean square is the one torch measured (params.json).
    let expected: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture("params.json")).unwrap()).unwrap();
    let rms_torch = expected["digits_cnn_step"]["head.weight"]["rms_a"].as_f64().unwrap();
    let labels = graph.nodes.labels.as_ref().unwrap();
    let head = |v: u32| labels.get(v as usize).unwrap().starts_with("linear_1");
    let weights = graph.weights.as_ref().unwrap();
    let into_head: Vec<f64> =
        (0..graph.edge_count()).filter(|&e| head(graph.dst[e])).map(|e| weights[e] as f64).collect();
    assert_eq!(
        into_head.len(),
        32 * 10,
        "{:?}",
        (0..graph.node_count()).map(|v| labels.get(v as usize)).collect::<Vec<_>>()
    );
    let rms = (into_head.iter().map(|w| w * w).sum::<f64>() / into_head.len() as f64).sqrt();
    assert!((rms - rms_torch).abs() < 1e-6, "{rms} vs torch's {rms_torch}");
    // The encoder opens too, its modules as groups; the command says what it could not wire.
    let dir = common::scratch("pt2-neurons");
    let out = netlens(&["info", "--level", "neurons", "--json", fixture("tiny_encoder.pt2").to_str().unwrap()], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["nodes"].as_u64().unwrap() > 1000 && report["edges"].as_u64().unwrap() > 1000, "{report}");
    assert_eq!(report["repeated_groups"]["layers"], 2, "{report}");
}
