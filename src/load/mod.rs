//! Loaders: one file per format, each turning a byte stream into a [`Graph`].
//!
//! [`load_graph`] picks the format from the file's content first (the Matrix Market banner,
//! the NumPy magic) and its extension second; everything else is read as an edge list.
//! Every loader streams its input line by line or value by value, and every error names
//! the file and, for text formats, the line.

pub mod arrays;
mod block_graph;
mod blocks;
pub mod columnar;
mod compressed;
pub mod dequant;
mod edgelist;
pub mod gguf;
mod ids;
mod mtx;
pub mod neurons;
mod npy;
pub mod ogb;
mod onnx;
mod onnx_neurons;
pub mod onnx_proto;
mod op_graph;
mod pt2;
pub mod safetensors;
pub mod transformer;
pub mod weights;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use compressed::Compression;
use thiserror::Error;

use crate::graph::{AttachError, Column, Graph};

/// The bundled default graph: Cora (see data/cora/README.md).
pub const CORA_EDGES: &[u8] = include_bytes!("../../data/cora/edges.tsv");
pub const CORA_LABELS: &[u8] = include_bytes!("../../data/cora/labels.npy");

/// Where loaded bytes came from, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    File(PathBuf),
    /// Data compiled into the binary, by name.
    Bundled(&'static str),
    /// Arrays handed over in memory (the Python package's), by what they were.
    Memory(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Bundled(name) => write!(f, "<bundled {name}>"),
            Source::Memory(name) => write!(f, "<{name}>"),
        }
    }
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{source_name}: {error}")]
    Io { source_name: Source, error: io::Error },
    #[error("{source_name}:{line}: {message}")]
    Line { source_name: Source, line: u64, message: String },
    #[error("{source_name}: {message}")]
    Invalid { source_name: Source, message: String },
}

impl LoadError {
    pub(crate) fn io(source: &Source, error: io::Error) -> Self {
        LoadError::Io { source_name: source.clone(), error }
    }

    pub(crate) fn line(source: &Source, line: u64, message: impl Into<String>) -> Self {
        LoadError::Line { source_name: source.clone(), line, message: message.into() }
    }

    pub(crate) fn invalid(source: &Source, message: impl Into<String>) -> Self {
        LoadError::Invalid { source_name: source.clone(), message: message.into() }
    }
}

/// The graph formats netlens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    EdgeList,
    MatrixMarket,
    NpyEdgeIndex,
    Onnx,
    Safetensors,
    Gguf,
    /// Apache Parquet: a file, or a folder of part files.
    Parquet,
    /// Arrow IPC: `.arrow`, `.feather` (v2), or a stream.
    Arrow,
    /// An Open Graph Benchmark dataset folder.
    Ogb,
    /// A PyTorch exported program (`torch.export.save`).
    Pt2,
    /// Edge arrays in memory ([`arrays`]).
    Arrays,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::EdgeList => "edgelist",
            Format::MatrixMarket => "mtx",
            Format::NpyEdgeIndex => "npy-edge-index",
            Format::Onnx => "onnx",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Ogb => "ogb",
            Format::Pt2 => "pt2",
            Format::Arrays => "arrays",
        }
    }

    /// Chooses by content (magic bytes) first, then by extension.
    fn detect(head: &[u8], path: &Path) -> Format {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if head.starts_with(b"%%MatrixMarket") {
            Format::MatrixMarket
        } else if head.starts_with(b"\x93NUMPY") {
            Format::NpyEdgeIndex
        } else if head.starts_with(b"GGUF") {
            Format::Gguf
        } else if let Some(storage) = columnar::Storage::detect(head) {
            match storage {
                columnar::Storage::Parquet => Format::Parquet,
                _ => Format::Arrow,
            }
        } else {
            match ext.as_deref() {
                Some("mtx") => Format::MatrixMarket,
                Some("npy") => Format::NpyEdgeIndex,
                Some("onnx") => Format::Onnx,
                Some("safetensors") => Format::Safetensors,
                Some("gguf") => Format::Gguf,
                Some("parquet") => Format::Parquet,
                Some("pt2" | "pt" | "pth") => Format::Pt2,
                Some("arrow" | "feather" | "ipc" | "arrows") => Format::Arrow,
                _ => Format::EdgeList,
            }
        }
    }
}

/// What a model file says about the model as a whole.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ModelSummary {
    /// Total element count of all parameter tensors.
    pub params: u64,
    /// Operator nodes by op type, those inside subgraphs included.
    pub ops: BTreeMap<String, u64>,
    /// Operator sets the model imports: (domain, version).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opsets: Vec<(String, i64)>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub producer: String,
    /// The architecture named by the file (`bert`, `llama`, ...).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    /// Transformer sizes, where the file states them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv_heads: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<u64>,
    /// Routed experts per mixture-of-experts layer, where there are experts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experts: Option<u64>,
    /// The stacks of layers of a checkpoint (encoder and decoder, vision and text towers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stacks: Vec<transformer::StackSummary>,
    /// Tensors by storage type (`F32`, `BF16`, `Q4_K`, ...), for checkpoints.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tensor_types: BTreeMap<String, u64>,
    /// Something the user should know about how the file was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

impl ModelSummary {
    /// The summary of a checkpoint's module DAG: every tensor counts as a parameter.
    fn of_checkpoint(dag: &transformer::ModuleDag, tensors: &[transformer::Tensor]) -> ModelSummary {
        let known = |v: u64| (v > 0).then_some(v);
        let h = &dag.hyper;
        // The model's sizes: the configuration's, else those of its last stack.
        let last = dag.stacks.last();
        let mut tensor_types = BTreeMap::new();
        for t in tensors {
            *tensor_types.entry(t.dtype.clone()).or_insert(0) += 1;
        }
        ModelSummary {
            params: saturating_sum(tensors.iter().map(transformer::Tensor::elements)),
            tensor_types,
            ops: dag.ops(),
            architecture: h.model_type.clone(),
            layers: last.map(|s| s.layers).or(known(h.layers)),
            heads: known(h.heads).or(last.and_then(|s| s.heads)),
            kv_heads: known(h.kv_heads).or(last.and_then(|s| s.kv_heads)),
            hidden: known(h.hidden).or(last.and_then(|s| s.hidden)),
            experts: known(dag.experts),
            stacks: dag.stacks.clone(),
            notice: dag.notice.clone(),
            ..Default::default()
        }
    }
}

/// A loaded graph and the format it came in.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub graph: Graph,
    pub format: Format,
    pub source: Source,
    /// Present for model files.
    pub model: Option<ModelSummary>,
    /// Present for dataset folders (OGB): what they held besides the edges.
    pub dataset: Option<ogb::Dataset>,
}

/// A sum of element counts that a hostile file cannot overflow.
pub(crate) fn saturating_sum(counts: impl Iterator<Item = u64>) -> u64 {
    counts.fold(0, u64::saturating_add)
}

/// Whether `path` names a safetensors checkpoint: a `.safetensors` file, or a folder
/// that is neither an OGB dataset nor a table of part files.
fn is_checkpoint(path: &Path) -> bool {
    match path.is_dir() {
        true => ogb::root(path).is_none() && !columnar::is_table_folder(path),
        false => path.extension().is_some_and(|e| e.eq_ignore_ascii_case("safetensors")),
    }
}

/// A checkpoint's module DAG and summary, from its tensors and stated hyper-parameters.
fn checkpoint_model(
    tensors: &[transformer::Tensor],
    hyper: transformer::Hyper,
) -> (transformer::ModuleDag, ModelSummary) {
    let dag = transformer::ModuleDag::build(tensors, hyper);
    let summary = ModelSummary::of_checkpoint(&dag, tensors);
    (dag, summary)
}

/// Reads a graph file, choosing the loader by content and extension; tables' edge
/// columns are found by name.
pub fn load_graph(path: &Path) -> Result<Loaded, LoadError> {
    load_graph_with(path, &columnar::EdgeColumns::default())
}

/// Reads a graph file or folder as [`load_graph`] does, with a table's edge columns as
/// `columns` names them.
pub fn load_graph_with(path: &Path, columns: &columnar::EdgeColumns) -> Result<Loaded, LoadError> {
    let source = Source::File(path.to_owned());
    if path.is_dir() && ogb::root(path).is_some() {
        let (graph, dataset) = ogb::read(path)?;
        return Ok(Loaded { graph, format: Format::Ogb, source, model: None, dataset: Some(dataset) });
    }
    if path.is_dir() && columnar::is_table_folder(path) {
        let graph = columnar::read_edges(path, columns)?;
        return Ok(Loaded { graph, format: Format::Parquet, source, model: None, dataset: None });
    }
    if is_checkpoint(path) {
        let checkpoint = safetensors::open(path)?;
        let (dag, model) = checkpoint_model(&checkpoint.tensor_list(), checkpoint.hyper.clone());
        return Ok(Loaded {
            graph: dag.to_graph(),
            format: Format::Safetensors,
            source,
            model: Some(model),
            dataset: None,
        });
    }
    let (mut reader, compression, _) = compressed::open(path)?;
    let head = reader.fill_buf().map_err(|e| LoadError::io(&source, e))?;
    let format = Format::detect(head, &compressed::inner_path(path));
    if matches!(format, Format::Gguf | Format::Safetensors | Format::Pt2) && compression != Compression::None {
        return Err(LoadError::invalid(
            &source,
            format!(
                "is a {}-compressed {}: models are memory-mapped, decompress it first",
                compression.name(),
                format.name()
            ),
        ));
    }
    if matches!(format, Format::Parquet | Format::Arrow) {
        if compression != Compression::None {
            return Err(LoadError::invalid(
                &source,
                format!(
                    "is a {}-compressed {} file: decompress it first (Parquet and Arrow compress inside)",
                    compression.name(),
                    format.name()
                ),
            ));
        }
        drop(reader);
        let graph = columnar::read_edges(path, columns)?;
        return Ok(Loaded { graph, format, source, model: None, dataset: None });
    }
    if format == Format::Pt2 {
        drop(reader);
        let file = std::fs::File::open(path).map_err(|e| LoadError::io(&source, e))?;
        let (graph, model) = pt2::read(std::io::BufReader::new(file), &source)?;
        return Ok(Loaded { graph, format, source, model: Some(model), dataset: None });
    }
    if format == Format::Gguf {
        drop(reader);
        let gguf = gguf::open(path)?.gguf;
        let (dag, mut model) = checkpoint_model(&gguf.tensors, gguf.hyper());
        model.producer = format!("GGUF v{}", gguf.version);
        return Ok(Loaded { graph: dag.to_graph(), format, source, model: Some(model), dataset: None });
    }
    let (graph, model) = read_graph(reader, format, &source)?;
    Ok(Loaded { graph, format, source, model, dataset: None })
}

/// Parses `bytes` as a graph or model of `format` (the fuzz targets' entry point; files
/// go through [`load_graph`]).
pub fn load_bytes(bytes: &[u8], format: Format) -> Result<(Graph, Option<ModelSummary>), LoadError> {
    let source = Source::Bundled("bytes");
    match format {
        Format::Gguf => {
            let gguf = gguf::parse(bytes, &source)?;
            let (dag, model) = checkpoint_model(&gguf.tensors, gguf.hyper());
            Ok((dag.to_graph(), Some(model)))
        }
        Format::Pt2 => {
            let (graph, model) = pt2::read(std::io::Cursor::new(bytes), &source)?;
            Ok((graph, Some(model)))
        }
        Format::Safetensors => {
            let tensors = safetensors::parse(bytes, &source)?;
            let hyper = transformer::Hyper { model_type: "llama".into(), ..Default::default() };
            let (dag, model) = checkpoint_model(&tensors, hyper);
            Ok((dag.to_graph(), Some(model)))
        }
        _ => read_graph(bytes, format, &source),
    }
}

/// Opens a model at the neuron level: units, channels and heads, connected by their
/// strongest weights. Reads ONNX models, PyTorch exported programs (.pt2), GGUF files and
/// safetensors checkpoints.
pub fn load_neurons(path: &Path, pruning: neurons::Pruning) -> Result<Loaded, LoadError> {
    let source = Source::File(path.to_owned());
    let (graph, mut model, notice, format) = if is_checkpoint(path) {
        let checkpoint = safetensors::open(path)?;
        let (dag, model) = checkpoint_model(&checkpoint.tensor_list(), checkpoint.hyper.clone());
        let (graph, notice) = neurons::expand(&dag, &checkpoint, pruning);
        (graph, model, notice, Format::Safetensors)
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
        let bytes = std::fs::read(path).map_err(|e| LoadError::io(&source, e))?;
        let decoded = onnx::decode(bytes.into(), &source)?;
        let (_, model) = onnx::summarize(&decoded, &source)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let (dag, weights) = onnx_neurons::module_dag(&decoded, &model, dir, &source)?;
        let (graph, notice) = neurons::expand(&dag, &weights, pruning);
        (graph, model, notice, Format::Onnx)
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf")) {
        let file = gguf::open(path)?;
        let (dag, model) = checkpoint_model(&file.gguf.tensors, file.gguf.hyper());
        let (graph, notice) = neurons::expand(&dag, &file, pruning);
        (graph, model, notice, Format::Gguf)
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pt2")) {
        let (dag, model) = pt2::module_dag(path)?;
        let (weights, _) = pt2::open_weights(path)?;
        let (graph, notice) = neurons::expand(&dag, &weights, pruning);
        (graph, model, notice, Format::Pt2)
    } else if compressed::inner_path(path) != path {
        return Err(LoadError::invalid(
            &source,
            "is compressed: the neuron level reads models uncompressed, decompress it first",
        ));
    } else {
        return Err(LoadError::invalid(
            &source,
            "the neuron level reads ONNX models, PyTorch exported programs (.pt2), GGUF files and safetensors checkpoints (a .safetensors file or a folder with config.json)",
        ));
    };
    if let Some(notice) = notice {
        model.notice = Some(model.notice.map_or(notice.clone(), |n| format!("{n}; {notice}")));
    }
    Ok(Loaded { graph, format, source, model: Some(model), dataset: None })
}

/// The bundled Cora citation graph with its seven subject classes.
pub fn bundled_cora() -> Loaded {
    let source = Source::Bundled("cora");
    let (mut graph, _) = read_graph(CORA_EDGES, Format::EdgeList, &source).expect("bundled Cora parses");
    let classes = npy::classes(CORA_LABELS, &source).expect("bundled Cora labels parse");
    graph.attach_classes(classes).expect("bundled Cora labels fit");
    Loaded { graph, format: Format::EdgeList, source, model: None, dataset: None }
}

fn read_graph(
    mut reader: impl BufRead,
    format: Format,
    source: &Source,
) -> Result<(Graph, Option<ModelSummary>), LoadError> {
    let graph = match format {
        Format::EdgeList => edgelist::read(reader, source)?,
        Format::MatrixMarket => mtx::read(reader, source)?,
        Format::NpyEdgeIndex => npy::edge_index(reader, source)?,
        Format::Safetensors
        | Format::Gguf
        | Format::Parquet
        | Format::Arrow
        | Format::Ogb
        | Format::Pt2
        | Format::Arrays => {
            return Err(LoadError::invalid(
                source,
                format!("{} files are read from their path, not streamed", format.name()),
            ));
        }
        Format::Onnx => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(|e| LoadError::io(source, e))?;
            let (graph, model) = onnx::read(bytes.into(), source)?;
            return Ok((graph, Some(model)));
        }
    };
    Ok((graph, None))
}

/// Opens `path` for reading, decompressed where it is gzip or Zstandard.
fn open(path: &Path) -> Result<(Box<dyn BufRead + Send>, Source), LoadError> {
    let (reader, _, source) = compressed::open(path)?;
    Ok((reader, source))
}

fn attach_error(source: &Source, error: AttachError) -> LoadError {
    LoadError::invalid(source, error.to_string())
}

/// Attaches a 1-D integer .npy of classes (`-1` for none) to `graph`.
pub fn attach_labels(graph: &mut Graph, path: &Path) -> Result<(), LoadError> {
    graph.attach_classes(load_classes(path)?).map_err(|e| attach_error(&Source::File(path.to_owned()), e))
}

/// Most class names a file may hold.
const MAX_CLASS_NAMES: usize = 1 << 20;

/// Names `graph`'s classes from a text file, one name a line (line 1 names class 0);
/// classes beyond the last line keep their number.
pub fn attach_class_names(graph: &mut Graph, path: &Path) -> Result<(), LoadError> {
    let (reader, source) = open(path)?;
    let mut names = crate::graph::StringTable::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| LoadError::io(&source, e))?;
        if i >= MAX_CLASS_NAMES {
            return Err(LoadError::invalid(&source, format!("more than {MAX_CLASS_NAMES} class names")));
        }
        names.push(line.trim());
    }
    if names.is_empty() {
        return Err(LoadError::invalid(&source, "no class names: one name a line, class 0 first"));
    }
    if graph.nodes.classes.is_none() {
        return Err(LoadError::invalid(&source, "the graph has no classes to name: give --labels FILE.npy"));
    }
    graph.nodes.class_names = Some(names);
    Ok(())
}

/// Reads a 1-D integer .npy of classes (`-1` for none).
pub fn load_classes(path: &Path) -> Result<Vec<i32>, LoadError> {
    let (reader, source) = open(path)?;
    npy::classes(reader, &source)
}

/// A numeric .npy array of 2 to `max_dims` dimensions, C order: its shape and values.
pub fn load_array(path: &Path, max_dims: usize) -> Result<(Vec<u64>, Vec<f32>), LoadError> {
    let (reader, source) = open(path)?;
    npy::array(reader, &source, max_dims)
}

/// Reads a node embedding: a 2-D .npy (any numeric dtype, float16 and float32 included)
/// or a CSV / TSV / whitespace table of numbers (an optional header line); one row per
/// node. `nodes` is the graph's node count, where there is a graph: another row count is
/// an error.
pub fn load_embedding(path: &Path, nodes: Option<u32>) -> Result<crate::graph::Embedding, LoadError> {
    let (mut reader, source) = open(path)?;
    let head = reader.fill_buf().map_err(|e| LoadError::io(&source, e))?;
    let npy_named = compressed::inner_path(path).extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let (dims, values) = if head.starts_with(b"\x93NUMPY") {
        npy::matrix(reader, &source)?
    } else if npy_named {
        return Err(LoadError::invalid(&source, "is not a NumPy .npy file (no NUMPY header)"));
    } else {
        table(reader, &source)?
    };
    let rows = values.len().checked_div(dims).unwrap_or(0);
    if rows == 0 {
        return Err(LoadError::invalid(&source, "holds no rows"));
    }
    if let Some(nodes) = nodes.filter(|&n| n as usize != rows) {
        return Err(LoadError::invalid(
            &source,
            format!("has {rows} rows, but the graph has {nodes} nodes: one row per node"),
        ));
    }
    crate::graph::Embedding::checked(rows, dims, values).map_err(|why| LoadError::invalid(&source, why))
}

/// A table of numbers separated by commas, tabs or spaces, all rows as wide.
fn table(reader: impl BufRead, source: &Source) -> Result<(usize, Vec<f32>), LoadError> {
    let mut values = Vec::new();
    let mut width = None;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| LoadError::io(source, e))?;
        let fields: Vec<&str> = line.split([',', '\t', ' ']).map(str::trim).filter(|f| !f.is_empty()).collect();
        if fields.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed: Result<Vec<f32>, _> = fields.iter().map(|f| f.parse::<f32>()).collect();
        let row = match parsed {
            Ok(row) => row,
            Err(_) if i == 0 => continue, // a header
            Err(_) => return Err(LoadError::line(source, i as u64 + 1, format!("'{line}' is not a row of numbers"))),
        };
        match width {
            None => width = Some(row.len()),
            Some(w) if w != row.len() => {
                return Err(LoadError::line(
                    source,
                    i as u64 + 1,
                    format!("has {} numbers; the rows above have {w}", row.len()),
                ));
            }
            Some(_) => {}
        }
        values.extend(row);
    }
    Ok((width.unwrap_or(0), values))
}

/// Attaches a 1-D or 2-D numeric .npy as a node column named `name`.
pub fn attach_node_data(graph: &mut Graph, name: &str, path: &Path) -> Result<(), LoadError> {
    let (reader, source) = open(path)?;
    let (width, values) = npy::matrix(reader, &source)?;
    let column = Column { name: name.to_owned(), width, values };
    graph.attach_column(column).map_err(|e| attach_error(&source, e))
}
