//! GGUF: fixtures written by gguf-py (data/gguf/make_fixtures.py), checked against the
//! values its GGUFReader reports, and a corpus of damaged and hostile files.

use crate::common;

use std::path::PathBuf;

use netlens::load::{self, Format, gguf};

fn fixture(name: &str) -> PathBuf {
    common::repo_data(&format!("gguf/{name}"))
}

#[test]
fn tiny_llama_matches_gguf_py() {
    let g = gguf::open(&fixture("tiny-llama.gguf")).unwrap().gguf;
    assert_eq!(
        (g.version, g.tensors.len(), g.metadata.len()),
        (3, 21, 12 - 3),
        "GGUFReader counts 3 header fields too"
    );
    assert_eq!(g.tensors.iter().map(|t| t.elements()).sum::<u64>(), 1_197_312);
    assert_eq!(g.tensor_bytes.iter().sum::<u64>(), 655_360, "byte sizes of Q2_K ... Q8_0, IQ4_XS");
    assert_eq!(g.tensors[0].shape, [32, 256], "numpy order, reversed from GGUF's");
    let h = g.hyper();
    assert_eq!((h.model_type.as_str(), h.layers, h.heads, h.kv_heads, h.hidden), ("llama", 2, 4, 2, 256));

    let loaded = load::load_graph(&fixture("tiny-llama.gguf")).unwrap();
    assert_eq!(loaded.format, Format::Gguf);
    let m = loaded.model.unwrap();
    assert_eq!((m.params, m.layers, m.kv_heads), (1_197_312, Some(2), Some(2)));
    assert_eq!((m.ops["Linear"], m.ops["Mul"], m.ops["Attention"]), (2 * 7 + 1, 2, 2));
    assert_eq!((m.tensor_types["Q8_0"], m.tensor_types["IQ4_XS"], m.tensor_types["F32"]), (3, 2, 5));
}

#[test]
fn tiny_gpt2_and_version_2() {
    let g = gguf::open(&fixture("tiny-gpt2.gguf")).unwrap().gguf;
    assert_eq!((g.tensors.len(), g.tensor_bytes.iter().sum::<u64>()), (9, 42_752));
    let m = load::load_graph(&fixture("tiny-gpt2.gguf")).unwrap().model.unwrap();
    assert_eq!((m.params, m.ops["Linear"], m.ops["Embedding"]), (50_880, 4, 2));
    // Version 2 has the same layout.
    let dir = common::scratch("gguf-v2");
    let mut bytes = std::fs::read(fixture("tiny-gpt2.gguf")).unwrap();
    bytes[4] = 2;
    std::fs::write(dir.join("v2.gguf"), &bytes).unwrap();
    assert_eq!(gguf::open(&dir.join("v2.gguf")).unwrap().gguf.version, 2);
}

fn header(tensors: u64, kvs: u64) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(tensors.to_le_bytes());
    out.extend(kvs.to_le_bytes());
    out
}

fn string(s: &str) -> Vec<u8> {
    [(s.len() as u64).to_le_bytes().to_vec(), s.as_bytes().to_vec()].concat()
}

#[test]
fn damaged_and_hostile_files_fail_cleanly() {
    let dir = common::scratch("gguf-bad");
    let bytes = std::fs::read(fixture("tiny-gpt2.gguf")).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        let path = dir.join("cut.gguf");
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let error = load::load_graph(&path).expect_err("a truncated file is an error").to_string();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "version 1",
            [b"GGUF".to_vec(), 1u32.to_le_bytes().to_vec(), vec![0; 16]].concat(),
            "version 1 is not supported",
        ),
        ("big endian", [b"GGUF".to_vec(), 3u32.to_be_bytes().to_vec(), vec![0; 16]].concat(), "big-endian"),
        ("counts", header(u64::MAX / 2, 3), "cannot fit in the file"),
        (
            "string length",
            [header(0, 1), (u64::MAX - 3).to_le_bytes().to_vec()].concat(),
            "needs 18446744073709551612 bytes",
        ),
        (
            "array length",
            [
                header(0, 1),
                string("k"),
                9u32.to_le_bytes().to_vec(),
                4u32.to_le_bytes().to_vec(),
                (1u64 << 62).to_le_bytes().to_vec(),
            ]
            .concat(),
            "array",
        ),
        (
            "string array",
            [
                header(0, 1),
                string("k"),
                9u32.to_le_bytes().to_vec(),
                8u32.to_le_bytes().to_vec(),
                (1u64 << 40).to_le_bytes().to_vec(),
            ]
            .concat(),
            "cannot fit in the file",
        ),
        (
            "value type",
            [header(0, 1), string("k"), 99u32.to_le_bytes().to_vec(), vec![0; 8]].concat(),
            "unknown metadata value type 99",
        ),
        (
            "dimensions",
            [header(1, 0), string("t"), 9u32.to_le_bytes().to_vec(), vec![0; 40]].concat(),
            "has 9 dimensions",
        ),
        (
            "tensor type",
            [
                header(1, 0),
                string("t"),
                1u32.to_le_bytes().to_vec(),
                32u64.to_le_bytes().to_vec(),
                77u32.to_le_bytes().to_vec(),
                0u64.to_le_bytes().to_vec(),
            ]
            .concat(),
            "unknown type 77",
        ),
        (
            "block",
            [
                header(1, 0),
                string("t"),
                1u32.to_le_bytes().to_vec(),
                31u64.to_le_bytes().to_vec(),
                2u32.to_le_bytes().to_vec(),
                0u64.to_le_bytes().to_vec(),
            ]
            .concat(),
            "not a multiple of Q4_0's block of 32",
        ),
    ];
    for (what, mut bytes, expected) in cases {
        bytes.extend([0; 64]); // room, so that the counts alone do not give them away
        let path = dir.join("bad.gguf");
        std::fs::write(&path, &bytes).unwrap();
        let error = load::load_graph(&path).expect_err(what).to_string();
        assert!(error.contains(expected), "{what}: {error}");
    }
    // Arrays of arrays, nested past the limit.
    let mut nested = [header(0, 1), string("k"), 9u32.to_le_bytes().to_vec()].concat();
    for _ in 0..20 {
        nested.extend(9u32.to_le_bytes()); // elements are arrays
        nested.extend(1u64.to_le_bytes()); // one of them
    }
    nested.extend(4u32.to_le_bytes());
    nested.extend(0u64.to_le_bytes());
    nested.extend(vec![0; 64]);
    let path = dir.join("nested.gguf");
    std::fs::write(&path, &nested).unwrap();
    assert!(load::load_graph(&path).unwrap_err().to_string().contains("nested too deep"));
}

/// netlens's block decoders against gguf-py's `dequantize` on the same bytes.
#[test]
fn dequantisation_matches_gguf_py() {
    use netlens::load::neurons::WeightSource;
    let file = gguf::open(&fixture("quants.gguf")).unwrap();
    let reference = npyz::NpyFile::new(std::fs::File::open(fixture("quants-reference.npy")).unwrap()).unwrap();
    let reference: Vec<f32> = reference.into_vec().unwrap();
    assert_eq!(file.gguf.tensors.len(), 12);
    for (k, tensor) in file.gguf.tensors.iter().enumerate() {
        let (bytes, dtype) = file.bytes(&tensor.name).unwrap();
        let codec = netlens::load::dequant::codec(dtype).unwrap_or_else(|| panic!("{dtype} decodes"));
        let mut values = Vec::new();
        for block in bytes.chunks_exact(codec.bytes) {
            (codec.decode)(block, &mut values);
        }
        let expected = &reference[k * 512..(k + 1) * 512];
        assert_eq!(values.len(), 512, "{dtype}");
        for (i, (&got, &want)) in values.iter().zip(expected).enumerate() {
            assert!((got - want).abs() <= 1e-6 * want.abs().max(1.0), "{dtype}[{i}]: {got} vs {want}");
        }
    }
}

#[test]
fn gguf_neurons_from_quantised_weights() {
    let loaded = load::load_neurons(&fixture("tiny-llama.gguf"), netlens::load::neurons::Pruning::default()).unwrap();
    let m = loaded.model.unwrap();
    // IQ4_XS (the gate projections) is not decoded and says so; the rest connects.
    assert!(m.notice.as_deref().is_some_and(|n| n.contains("blk.0.ffn_gate.weight")), "{:?}", m.notice);
    assert!(loaded.graph.edge_count() > 100_000);
}
