//! Compressed inputs: the shared Cora and CiteSeer files gzipped and zstd-compressed by
//! the system's `gzip` and `zstd` (independent of the decoders netlens uses) read as
//! the plain files do; damaged streams are one-line errors that name the file.

use crate::common::{self, compress, error_line, info, netlens};

use std::path::{Path, PathBuf};

#[test]
fn gzip_and_zstd_edge_lists_read_as_the_plain_file() {
    let dir = common::scratch("compressed-edges");
    for name in ["cora", "citeseer"] {
        let plain = common::shared_data(&format!("{name}/edges.tsv"));
        let gz = dir.join(format!("{name}.tsv.gz"));
        let zst = dir.join(format!("{name}.tsv.zst"));
        compress("gzip", &["-c"], &plain, &gz);
        compress("zstd", &["-c", "-q"], &plain, &zst);
        let expected = info(&plain, &dir);
        assert_eq!(info(&gz, &dir), expected, "{name} gzip");
        assert_eq!(info(&zst, &dir), expected, "{name} zstd");
        // Chosen by content: a compressed file without the extension reads the same.
        let unnamed = dir.join(format!("{name}-edges"));
        std::fs::copy(&zst, &unnamed).unwrap();
        assert_eq!(info(&unnamed, &dir), expected, "{name} zstd without .zst");
    }
}

/// Gzip members one after another (`cat a.gz b.gz`) are one stream.
#[test]
fn concatenated_gzip_members_are_one_file() {
    let dir = common::scratch("compressed-members");
    let plain = common::shared_data("cora/edges.tsv");
    let text = std::fs::read_to_string(&plain).unwrap();
    let half = text[..text.len() / 2].rfind('\n').unwrap() + 1;
    let mut joined = Vec::new();
    for (i, part) in [&text[..half], &text[half..]].iter().enumerate() {
        let piece = dir.join(format!("part{i}.tsv"));
        std::fs::write(&piece, part).unwrap();
        let gz = dir.join(format!("part{i}.tsv.gz"));
        compress("gzip", &["-c"], &piece, &gz);
        joined.extend(std::fs::read(&gz).unwrap());
    }
    let both = dir.join("both.tsv.gz");
    std::fs::write(&both, joined).unwrap();
    assert_eq!(info(&both, &dir), info(&plain, &dir));
}

/// Embeddings and labels: `.npy.gz` gives the same projection, byte for byte.
#[test]
fn compressed_arrays_project_alike() {
    let dir = common::scratch("compressed-arrays");
    let embedding = common::shared_data("cora/gcn_hidden.npy");
    let gz = dir.join("gcn_hidden.npy.gz");
    compress("gzip", &["-c"], &embedding, &gz);
    let project = |input: &PathBuf, output: &str| {
        let out = netlens(&["project", input.to_str().unwrap(), "--method", "pca", "-o", output], &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(dir.join(output)).unwrap()
    };
    assert_eq!(project(&gz, "from-gz.npy"), project(&embedding, "from-plain.npy"));

    // Labels too: gnn's agreement report is the same from compressed inputs.
    let labels = common::shared_data("cora/labels.npy");
    let labels_zst = dir.join("labels.npy.zst");
    compress("zstd", &["-c", "-q"], &labels, &labels_zst);
    let cora = common::shared_data("cora/edges.tsv");
    let metrics = |embedding: &Path, labels: &Path| {
        let args = ["gnn", cora.to_str().unwrap(), "--embedding", embedding.to_str().unwrap(), "--labels"];
        let out = netlens(&[&args[..], &[labels.to_str().unwrap(), "--metrics", "--json"]].concat(), &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let report = v.as_object_mut().unwrap();
        report.remove("embedding");
        report.remove("seconds");
        v
    };
    let from_compressed = metrics(&gz, &labels_zst);
    assert!(from_compressed["agreement"].is_object(), "{from_compressed}");
    assert_eq!(from_compressed, metrics(&embedding, &labels));
}

#[test]
fn damaged_streams_are_errors_that_name_the_file() {
    let dir = common::scratch("compressed-damaged");
    let plain = common::shared_data("cora/edges.tsv");
    for (tool, args, name) in [("gzip", &["-c"][..], "cut.tsv.gz"), ("zstd", &["-c", "-q"][..], "cut.tsv.zst")] {
        let whole = dir.join(format!("whole-{name}"));
        compress(tool, args, &plain, &whole);
        let bytes = std::fs::read(&whole).unwrap();
        let cut = dir.join(name);
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let line = error_line(&netlens(&["info", cut.to_str().unwrap()], &dir));
        assert!(line.contains(name), "{line}");
    }
    // A compressed model: GGUF is memory-mapped, so it says to decompress it first.
    let gguf = common::repo_data("gguf/tiny-llama.gguf");
    let gz = dir.join("tiny-llama.gguf.gz");
    compress("gzip", &["-c"], &gguf, &gz);
    let line = error_line(&netlens(&["info", gz.to_str().unwrap()], &dir));
    assert!(line.contains("gzip-compressed gguf") && line.contains("decompress it first"), "{line}");
    // The neuron level maps and decodes its models whole: it says so of a compressed one.
    let onnx = common::repo_data("onnx/digits_mlp.onnx");
    let gz = dir.join("digits_mlp.onnx.gz");
    compress("gzip", &["-c"], &onnx, &gz);
    let line = error_line(&netlens(&["info", "--level", "neurons", gz.to_str().unwrap()], &dir));
    assert!(line.contains("digits_mlp.onnx.gz: is compressed") && line.contains("decompress it first"), "{line}");
}
