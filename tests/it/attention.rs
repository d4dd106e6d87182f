//! `netlens attention`: the attention of a trained sentence encoder (all-MiniLM-L6-v2,
//! computed by data/attention/make_attention.py) as head and model views, attention from
//! a safetensors file of per-layer tensors, and clear errors.

use crate::common;

use std::process::{Command, Output};

use netlens::analysis::attention::{self, Keep, View};

fn netlens(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netlens")).args(args).current_dir(dir).output().expect("netlens runs")
}

fn fixture() -> (String, String) {
    let path = |f: &str| common::repo_data(&format!("attention/{f}")).to_str().unwrap().to_owned();
    (path("minilm_attention.npy"), path("minilm_tokens.txt"))
}

#[test]
fn minilm_attention_loads_as_probabilities() {
    let a = attention::load(&common::repo_data("attention/minilm_attention.npy")).unwrap();
    assert_eq!((a.layers, a.heads, a.tokens), (6, 12, 21));
    for (l, h, i) in [(0, 0, 0), (3, 7, 10), (5, 11, 20)] {
        let sum: f32 = a.row(l, h, i).iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "row ({l}, {h}, {i}) sums to {sum}");
    }
    // Layer 0, head 2 looks at the previous token: every query after [CLS] puts most of
    // its weight on the token before it.
    for i in 1..21 {
        let row = a.row(0, 2, i);
        let strongest = (0..21).max_by(|&x, &y| row[x].total_cmp(&row[y])).unwrap();
        assert_eq!(strongest, i - 1, "query {i}: {row:?}");
    }
    let tokens: Vec<String> = (0..21).map(|i| i.to_string()).collect();
    let d = attention::draw(&a, &tokens, View::Head { layer: 0, head: 2 }, Keep { min_weight: 0.5, top_k: 1 });
    assert_eq!(d.graph.edge_count(), 21, "one strong key per query");
    assert!(d.graph.src.iter().zip(&d.graph.dst).skip(1).all(|(&q, &k)| k == 21 + q - 1));
}

#[test]
fn head_and_model_views_are_drawn() {
    let dir = common::scratch("attention");
    let (npy, tokens) = fixture();
    let args = ["attention", &npy, "--tokens", &tokens, "--layer", "0", "--head", "2", "-o", "head.png"];
    let out = netlens(&dir, &[&args[..], &["--size", "400x500"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("layer 0, head 2 of 21 tokens"), "{stderr}");
    let image = image::open(dir.join("head.png")).unwrap().to_rgb8();
    // Heavy edges end on the ramp's yellow; the token labels are light grey text.
    let yellow = image.pixels().filter(|p| p.0[0] > 200 && p.0[1] > 180 && p.0[2] < 90).count();
    let text = image.pixels().filter(|p| p.0.iter().all(|&c| c > 200 && c < 240)).count();
    println!("head view: {yellow} yellow pixels, {text} text pixels");
    assert!(yellow > 500 && text > 300, "strong edges and labels are drawn");

    let out = netlens(&dir, &["attention", &npy, "-o", "model.png", "--size", "800x450"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.contains("6 layers x 12 heads of 21 tokens"), "{stderr}");
}

#[test]
fn attention_reads_per_layer_safetensors() {
    let dir = common::scratch("attention-safetensors");
    let a = attention::load(&common::repo_data("attention/minilm_attention.npy")).unwrap();
    // As transformers returns them: one [batch 1, heads, T, T] tensor per layer.
    let names: Vec<String> = (0..6).map(|l| format!("attentions.{l}")).collect();
    let shape = [1u64, 12, 21, 21];
    let tensors: Vec<(&str, &str, &[u64])> = names.iter().map(|n| (n.as_str(), "F32", &shape[..])).collect();
    let path = dir.join("att.safetensors");
    common::write_safetensors_with(&path, &tensors, |name, i| {
        let l: usize = name.rsplit('.').next().unwrap().parse().unwrap();
        let (h, rest) = (i / (21 * 21), i % (21 * 21));
        a.row(l, h, rest / 21)[rest % 21]
    });
    let b = attention::load(&path).unwrap();
    assert_eq!(b, a);
}

#[test]
fn bad_attention_inputs_are_clear_errors() {
    let dir = common::scratch("attention-errors");
    let (npy, _) = fixture();
    std::fs::write(dir.join("three.txt"), "a\nb\nc\n").unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["--tokens", "three.txt"], "three.txt: holds 3 tokens, but the attention is 21 x 21"),
        (&["--layer", "6", "--head", "0"], "outside its 6 layers and 12 heads"),
        (&["--min-weight", "2"], "--min-weight 2 is not between 0 and 1"),
    ];
    for (extra, message) in cases {
        let out = netlens(&dir, &[&["attention", npy.as_str(), "-o", "x.png"][..], extra].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code() == Some(1) && stderr.contains(message), "{extra:?}: {stderr}");
        assert!(!dir.join("x.png").exists());
    }
    let not_square = common::repo_data("cora/labels.npy");
    let out = netlens(&dir, &["attention", not_square.to_str().unwrap(), "-o", "x.png"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && stderr.contains("labels.npy") && stderr.contains("dimensions"), "{stderr}");
}
