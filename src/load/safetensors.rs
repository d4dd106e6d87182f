//! safetensors checkpoints in the HuggingFace layout: a folder with config.json and
//! `model.safetensors`, or shards listed in `model.safetensors.index.json`, or a single
//! `.safetensors` file (with config.json beside it when there is one).
//!
//! Files are memory-mapped and only their headers are parsed (the safetensors crate checks
//! them against the file's length); weights stay on disk until the neuron level reads
//! them. The module DAG comes from [`super::transformer`].

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use safetensors::SafeTensors;

use super::neurons::WeightSource;
use super::transformer::{Hyper, Tensor};
use super::{LoadError, Source};

/// An open checkpoint: its files, mapped, and its tensors.
pub struct Checkpoint {
    pub files: Vec<(PathBuf, Mmap)>,
    /// Every tensor, with its file and the byte range of its data in that file.
    pub tensors: Vec<(Tensor, usize, std::ops::Range<usize>)>,
    pub hyper: Hyper,
}

impl Checkpoint {
    /// The tensors, without their locations.
    pub fn tensor_list(&self) -> Vec<Tensor> {
        self.tensors.iter().map(|(t, _, _)| t.clone()).collect()
    }
}

impl WeightSource for Checkpoint {
    /// The bytes and dtype of a tensor, read from the map (pages load on first touch).
    fn bytes(&self, name: &str) -> Option<(&[u8], &str)> {
        let (tensor, file, range) = self.tensors.iter().find(|(t, _, _)| t.name == name)?;
        Some((self.files[*file].1.get(range.clone())?, tensor.dtype.as_str()))
    }
}

fn source(path: &Path) -> Source {
    Source::File(path.to_owned())
}

fn read_json(path: &Path) -> Result<serde_json::Value, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::io(&source(path), e))?;
    serde_json::from_str(&text)
        .map_err(|e| LoadError::line(&source(path), e.line() as u64, format!("not valid JSON: {e}")))
}

/// The architecture and sizes a config.json states, with those of its sub-models: a
/// `text_config` or `vision_config`, or the `encoder_`/`decoder_` sizes of an
/// encoder-decoder.
fn hyper(config: &serde_json::Value) -> Hyper {
    let number = |c: &serde_json::Value, keys: &[&str]| {
        keys.iter().find_map(|k| c.get(*k).and_then(serde_json::Value::as_u64)).unwrap_or(0)
    };
    let flag = |key: &str| config.get(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
    let sizes = |c: &serde_json::Value| Hyper {
        layers: number(c, &["num_hidden_layers", "n_layer", "num_layers"]),
        hidden: number(c, &["hidden_size", "n_embd", "d_model"]),
        heads: number(c, &["num_attention_heads", "n_head", "num_heads"]),
        kv_heads: number(c, &["num_key_value_heads", "num_kv_heads"]),
        head_dim: number(c, &["head_dim", "d_kv"]),
        ..Default::default()
    };
    let mut hyper = sizes(config);
    hyper.model_type = config.get("model_type").and_then(|v| v.as_str()).map(str::to_owned).unwrap_or_default();
    hyper.experts = number(config, &["num_local_experts", "num_experts", "n_routed_experts"]);
    hyper.parallel = flag("parallel_attn") || flag("use_parallel_residual");
    // Falcon's multi-query attention: one key/value head unless the new architecture says otherwise.
    if flag("multi_query") && !flag("new_decoder_architecture") {
        hyper.kv_heads = 1;
    }
    for (key, name) in [("text_config", "text"), ("vision_config", "vision")] {
        if let Some(sub) = config.get(key).filter(|v| v.is_object()) {
            hyper.towers.insert(name.to_owned(), sizes(sub));
        }
    }
    for side in ["encoder", "decoder"] {
        let heads = number(config, &[&format!("{side}_attention_heads")]);
        if heads > 0 {
            let layers = number(config, &[&format!("{side}_layers")]);
            hyper.towers.insert(side.to_owned(), Hyper { heads, layers, hidden: hyper.hidden, ..Default::default() });
        }
    }
    hyper
}

/// The shard files of a folder: from the index when there is one, else every
/// `.safetensors` file, in name order.
fn shard_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let index = dir.join("model.safetensors.index.json");
    if index.exists() {
        let json = read_json(&index)?;
        let map = json
            .get("weight_map")
            .and_then(|m| m.as_object())
            .ok_or_else(|| LoadError::invalid(&source(&index), "has no \"weight_map\" object"))?;
        let mut files = BTreeSet::new();
        for (tensor, file) in map {
            let file = file.as_str().ok_or_else(|| {
                LoadError::invalid(&source(&index), format!("weight_map entry '{tensor}' is not a file name"))
            })?;
            if file.contains('/') || file.contains('\\') || file == ".." {
                return Err(LoadError::invalid(
                    &source(&index),
                    format!("weight_map names '{file}', outside the folder"),
                ));
            }
            files.insert(dir.join(file));
        }
        return Ok(files.into_iter().collect());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| LoadError::io(&source(dir), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::invalid(
            &source(dir),
            "holds no config.json with .safetensors files (nor any other graph file)",
        ));
    }
    Ok(files)
}

/// The tensors of a safetensors file's bytes, in data order, with their byte ranges.
fn tensors(bytes: &[u8], source: &Source) -> Result<Vec<(Tensor, std::ops::Range<usize>)>, LoadError> {
    let (header, metadata) = SafeTensors::read_metadata(bytes)
        .map_err(|e| LoadError::invalid(source, format!("not a valid safetensors file: {e}")))?;
    let infos = metadata.tensors();
    Ok(metadata
        .offset_keys()
        .into_iter()
        .map(|name| {
            let info = infos[&name];
            let shape = info.shape.iter().map(|&d| d as u64).collect();
            let data = 8 + header + info.data_offsets.0..8 + header + info.data_offsets.1;
            (Tensor { shape, dtype: format!("{:?}", info.dtype), name }, data)
        })
        .collect())
}

/// The tensors of a safetensors file held in memory.
pub fn parse(bytes: &[u8], source: &Source) -> Result<Vec<Tensor>, LoadError> {
    Ok(tensors(bytes, source)?.into_iter().map(|(t, _)| t).collect())
}

/// Opens a checkpoint folder or a `.safetensors` file.
pub fn open(path: &Path) -> Result<Checkpoint, LoadError> {
    let (dir, files) = if path.is_dir() {
        (path.to_owned(), shard_files(path)?)
    } else {
        (path.parent().map(Path::to_owned).unwrap_or_default(), vec![path.to_owned()])
    };
    let config_path = dir.join("config.json");
    let hyper = if config_path.exists() { hyper(&read_json(&config_path)?) } else { Hyper::default() };
    let mut checkpoint = Checkpoint { files: Vec::new(), tensors: Vec::new(), hyper };
    for file_path in files {
        let file = File::open(&file_path).map_err(|e| LoadError::io(&source(&file_path), e))?;
        // SAFETY: the map is read-only; netlens does not write model files, and a file
        // changed by another process while mapped gives wrong values, not unsafety we
        // act on beyond reading bytes.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| LoadError::io(&source(&file_path), e))?;
        let index = checkpoint.files.len();
        for (tensor, data) in tensors(&map, &source(&file_path))? {
            checkpoint.tensors.push((tensor, index, data));
        }
        checkpoint.files.push((file_path, map));
    }
    Ok(checkpoint)
}
