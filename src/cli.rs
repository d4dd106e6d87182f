//! The `netlens` command line: argument parsing (clap) and the commands' glue.
//!
//! Each command loads a graph ([`crate::load`]), lays it out on the GPU
//! ([`crate::layout`]) and shows it ([`crate::render`], [`crate::app`]). Errors are
//! reported once, in `main`, as one line.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::path::{Path, PathBuf};

use crate::app::{self, ViewOptions};
use crate::embed;
use crate::gpu::Gpu;
use crate::graph::{Direction, Likeness};
use crate::khop::{KHop, MAX_HOPS, Neighbourhoods, Selection};
use crate::layout::bundle::{self, BundleConfig, BundleMethod};
use crate::layout::{Dim, Flow, LayoutConfig, LayoutKind, place, quality};
use crate::load::neurons::Pruning;
use crate::load::{self, Loaded};
use crate::render::frame::{fresh_path, write_png};
use crate::render::palette::ColorBy;
use crate::render::{Bounds, Camera, EdgeColoring, Style, svg};
use crate::snapshot::{Look, Phase, snapshot};
use crate::training;
use crate::video;

const EXAMPLES: &str = "\
Examples:
  netlens view                                   open the bundled Cora citation graph
  netlens view edges.csv --dim 3                 fly around a graph laid out in 3D
  netlens render graph.mtx -o graph.png          lay out on the GPU, write a PNG
  netlens render edges.tsv --labels y.npy -o cora.png --size 3840x2160
  netlens info --json edges.tsv                  nodes, edges, components, degrees as JSON
  netlens layout graph.mtx -o pos.npy --metrics  positions as N x 2 float32, and their quality
  netlens info --gpu                             the adapter netlens uses and its limits
  netlens khop --node 35 --hops 2 --json         how many nodes lie 0, 1, 2 hops from node 35
  netlens render --select 35 --hops 2 -o n.png   highlight that neighbourhood in a picture
  netlens render --bundle -o bundled.png         edges gathered into bundles (GPU)
  netlens diff early.onnx late.onnx              what changed between two models
  netlens attention att.npy --tokens t.txt -o a.png   attention as token-to-token edges

Graph files: edge lists (.tsv, .csv, .txt, any separator; '#'/'%' comments; optional
header and weight column; integer or string ids), Matrix Market (.mtx) and PyG
edge_index arrays (.npy, 2 x E). Model files: ONNX (.onnx), safetensors checkpoints (a
HuggingFace folder with config.json, or a .safetensors file) and GGUF (.gguf), shown as
operator or module graphs laid out in layers, or with --level neurons as neurons and
weighted connections. Without a GPU, netlens runs on Mesa's software drivers (lavapipe or
llvmpipe); NETLENS_BACKEND=vulkan|gl forces a backend.";

#[derive(Debug, Parser)]
#[command(name = "netlens", version, about = "See neural networks and graphs: GPU layout and rendering of millions of nodes", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open a graph in a window; the layout converges while you watch
    ///
    /// Mouse: drag to pan (2D) or orbit (3D), right-drag to pan, wheel to zoom; hover a
    /// node for its details, click to select it and highlight its K-hop neighbourhood
    /// (Shift-click adds). Keys: arrows pan (2D) or orbit (3D), Shift+arrows pan, +/- zoom,
    /// F or Home fits the view, [ and ] change K, Enter flies to the selection, Backspace
    /// clears it, V toggles fly mode (WASD/QE move, drag looks, wheel sets the speed,
    /// Shift is fast), B bundles the edges (once the layout settles) or straightens them,
    /// Space pauses the layout, P saves a screenshot, T plays a training run
    /// (--checkpoints), Esc quits. The side panel searches names (regular expressions),
    /// colours by class, degree, group or a node column, collapses groups, switches
    /// 2D/3D, and moves through a training run's checkpoints.
    /// Without a display it writes a PNG instead and says where.
    View(ViewArgs),
    /// Lay a graph out on the GPU and write a PNG, or an SVG of a 2D view
    Render(RenderArgs),
    /// Lay a graph out and write the positions (.npy, N x 2 or N x 3 float32, rows in the
    /// loader's node order) and/or print quality metrics
    Layout(LayoutCommandArgs),
    /// Print a summary of a graph (nodes, edges, components, degrees) or of the GPU
    Info(InfoArgs),
    /// Count the nodes within K hops of a node (breadth-first search on the GPU)
    ///
    /// Prints how many nodes lie at exactly 0, 1, ..., K hops; with --json as
    /// {"node": ID, "hops": K, "reached": [c0, c1, ..., cK]} (c0 = 1).
    Khop(KhopArgs),
    /// Project a node embedding to 2D or 3D on the GPU and write the coordinates
    ///
    /// Reads an N x D matrix (.npy of any numeric dtype, float16 and float32 included, or a
    /// CSV of numbers) and writes N x 2 (or N x 3) float32 .npy, rows in the same order.
    /// --method umap (the default) keeps neighbourhoods: a UMAP-style embedding of the
    /// exact k-nearest-neighbour graph, started from the PCA; --method pca is linear and
    /// prints the share of the variance each axis explains. The same input and --seed give
    /// the same coordinates on every run.
    Project(ProjectArgs),
    /// Compare a node embedding with its graph: side by side in a window, or measured
    ///
    /// Without --metrics or -o, opens a window: the graph's layout on the left, the
    /// embedding's 2D view on the right, in the same colours; a click in either selects
    /// the node and highlights its K-hop neighbourhood in both; the panel colours by class,
    /// agreement, prediction or correct (with --pred). The mouse and keys are view's.
    /// --metrics prints the agreement per node (Jaccard overlap of the K-hop neighbourhood,
    /// --hops, with as many nearest neighbours in embedding space, at most --k): mean,
    /// histogram and the most disagreeing nodes; the trustworthiness of the embedding's 2D
    /// view (--method); with --labels and --pred the accuracy and the agreement of right
    /// and wrong predictions. -o FILE.png renders the graph's layout and the embedding's
    /// view side by side, in the same colours.
    Gnn(GnnArgs),
    /// Record a camera tour of a graph, headless, to MP4, GIF or numbered PNGs
    ///
    /// Without --tour, a tour is made up: for a model, a flight from its inputs to its
    /// outputs with the layer in view named in a corner; for a 3D graph, an orbit; for a 2D
    /// graph, a visit to its best-connected node and its 2-hop neighbourhood. A tour file
    /// (TOML) sets keyframes (time, what to look at, zoom, yaw and pitch, easing) and
    /// actions (select nodes with K hops, captions); the README has a full example. The
    /// output has exactly fps x duration frames, and the same input gives the same file.
    Record(RecordArgs),
    /// Compare two models: operators and groups added, removed and changed, and how far
    /// the weights moved
    ///
    /// Operators and groups are matched by name; an operator changed when its type, shapes
    /// or parameter list differ. Weights are matched by tensor name and compared where the
    /// shapes agree: the root mean square of B - A, relative to A's, per tensor and per
    /// layer (the name up to its last '.'), streamed from both files. Two checkpoints of
    /// one run show where training moved the network. -o FILE.png draws B with its
    /// operators coloured unchanged, changed (or reading weights that moved) and added.
    Diff(DiffArgs),
    /// Draw attention maps as token-to-token edges (BertViz's head and model views)
    ///
    /// Reads [layers, heads, T, T] attention weights (.npy; or .safetensors with one such
    /// tensor per layer, as transformers returns them with output_attentions=True). With
    /// --layer and --head, the head view: the tokens twice, queries left and keys right,
    /// each query joined to the keys it attends to, coloured and opaque by weight; without,
    /// the model view: every layer (rows) and head (columns). Each query keeps its --top-k
    /// strongest keys of at least --min-weight, so thousands of tokens stay drawable.
    Attention(AttentionArgs),
    /// Run an ONNX model on an input (or read saved activations) and colour its neurons by
    /// activation
    ///
    /// Runs the model on the CPU (tract, pure Rust) for the input array (.npy, the model's
    /// input shape, one input or a batch), keeps every operator's output, and colours each
    /// neuron of the neuron level (--level neurons, the default: a unit, or a channel
    /// averaged over its positions) by its activation, or each operator (--level ops) by
    /// the mean absolute value of its output; --saved reads activations another run saved
    /// instead. Conv channels show their feature maps. Prints the model's outputs and each
    /// layer's activations; -o draws a PNG, and otherwise (without --json) the model opens
    /// in a window where a display is available.
    Activations(ActivationsArgs),
    /// Time netlens at scale on generated graphs, against baselines measured in the same run
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
struct ProjectArgs {
    /// The embedding: N x D .npy or CSV
    embedding: PathBuf,
    /// Output coordinates (.npy)
    #[arg(short, long, value_name = "FILE.npy")]
    output: PathBuf,
    /// Projection method
    #[arg(long, value_enum, default_value = "umap")]
    method: Method,
    /// Project to 2 or 3 dimensions
    #[arg(long, default_value = "2")]
    dim: Dim,
    #[command(flatten)]
    umap: UmapArgs,
    /// UMAP: seed of the negative samples; the same seed gives the same projection
    #[arg(long, default_value_t = 0)]
    seed: u32,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

/// How to project an embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Method {
    /// Principal component analysis: the axes of largest variance (linear, exact)
    Pca,
    /// UMAP-style neighbour embedding: near rows stay near (non-linear)
    Umap,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Pca => "pca",
            Method::Umap => "umap",
        }
    }
}

/// Settings of the UMAP-style projection.
#[derive(Debug, Args)]
struct UmapArgs {
    /// UMAP: neighbours per row
    #[arg(long = "neighbours", default_value_t = 15, value_parser = clap::value_parser!(u32).range(2..=embed::MAX_K as i64))]
    neighbours: u32,
    /// UMAP: optimisation epochs [default: 2000 up to 10,000 rows, else 500]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    epochs: Option<u32>,
}

impl UmapArgs {
    fn config(&self, rows: usize, dim: usize, seed: u32) -> Result<embed::umap::UmapConfig> {
        let mut config = embed::umap::UmapConfig::for_rows(rows, dim);
        if self.neighbours as usize >= rows {
            bail!("--neighbours {}: the embedding has only {rows} rows", self.neighbours);
        }
        config.k = self.neighbours as usize;
        config.epochs = self.epochs.unwrap_or(config.epochs);
        config.seed = seed;
        Ok(config)
    }
}

/// An embedding's projection, and for PCA the share of the variance each axis explains.
struct Projection {
    positions: Vec<[f32; 4]>,
    explained: Option<Vec<f64>>,
}

/// Projects `embedding` by `method`, with a progress bar for UMAP's epochs.
fn project_embedding(
    gpu: &Gpu,
    embedding: &embed::Embedding,
    method: Method,
    dim: usize,
    umap: &UmapArgs,
    seed: u32,
) -> Result<Projection> {
    let passes = embed::EmbedPasses::new(&gpu.device);
    Ok(match method {
        Method::Pca => {
            let pca = embed::pca(gpu, &passes, embedding, dim)?;
            let shares = pca.variance.iter().map(|v| v / pca.total_variance.max(f64::MIN_POSITIVE)).collect();
            Projection { positions: pca.positions, explained: Some(shares) }
        }
        Method::Umap => {
            let config = umap.config(embedding.rows, dim, seed)?;
            let bar = ProgressBar::new(config.epochs as u64).with_style(
                ProgressStyle::with_template("umap [{bar:30}] {pos}/{len} epochs, {elapsed} (ETA {eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            let umap_passes = embed::umap::UmapPasses::new(&gpu.device);
            let positions = embed::umap::umap(gpu, &passes, &umap_passes, embedding, &config, |done, _| {
                bar.set_position(done as u64)
            })?;
            bar.finish_and_clear();
            Projection { positions, explained: None }
        }
    })
}

#[derive(Debug, Args)]
struct GnnArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// A node embedding: N x D .npy or CSV, one row per node of the graph; repeatable (one
    /// per GNN layer, say), each measured and shown in turn
    #[arg(long, value_name = "E.npy", required = true)]
    embedding: Vec<PathBuf>,
    /// Predicted classes (1-D integer .npy), compared with --labels
    #[arg(long, value_name = "P.npy")]
    pred: Option<PathBuf>,
    /// Split of the nodes (1-D integer .npy, e.g. 0 unused, 1 train, 2 validation, 3 test),
    /// to colour by
    #[arg(long, value_name = "S.npy")]
    split: Option<PathBuf>,
    /// Hops of the graph neighbourhood compared with the nearest neighbours
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    hops: u32,
    /// Most nearest neighbours compared per node
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=embed::MAX_K as i64))]
    k: u32,
    /// How to project the embedding for its view (and its trustworthiness)
    #[arg(long, value_enum, default_value = "umap")]
    method: Method,
    #[command(flatten)]
    umap: UmapArgs,
    /// Print the measures
    #[arg(long)]
    metrics: bool,
    /// Print the measures as one JSON object
    #[arg(long)]
    json: bool,
    /// Render the graph and the embedding side by side into this PNG
    #[arg(short, long, value_name = "FILE.png")]
    output: Option<PathBuf>,
    /// Image size in pixels, WIDTHxHEIGHT (each view gets half the width)
    #[arg(long, default_value = "1920x960", value_parser = parse_size)]
    size: (u32, u32),
    /// Window size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1600x900", value_parser = parse_size)]
    window_size: (u32, u32),
    #[command(flatten)]
    layout: LayoutArgs,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
    #[command(flatten)]
    scripted: ScriptedWindow,
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Tour file (TOML); omit it for an automatic tour
    #[arg(long, value_name = "TOUR.toml")]
    tour: Option<PathBuf>,
    #[command(flatten)]
    edges: EdgeArgs,
    #[command(flatten)]
    training: TrainingArgs,
    /// Output: FILE.mp4 (H.264), FILE.gif, or a folder for frame-000001.png ...
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// Frame size in pixels, WIDTHxHEIGHT [default: 1920x1080, or 640x360 for GIF]
    #[arg(long, value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Frames a second [default: 30, or 25 for GIF, whose delays are whole hundredths]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=240))]
    fps: Option<u32>,
    /// Length in seconds [default: the tour file's, or 10 for an automatic tour]
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f32>,
    /// Replace the output if it exists
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["input", "saved"]))]
struct ActivationsArgs {
    /// The model: ONNX to run it (--input), or any model file with --saved
    model: PathBuf,
    /// Run the ONNX model on this input: a .npy array of its input shape, batch included
    /// (a batch of many inputs gives each neuron a profile to cluster by)
    #[arg(long, value_name = "X.npy")]
    input: Option<PathBuf>,
    /// Read activations saved elsewhere (PyTorch forward hooks, say), keyed by layer name:
    /// a .safetensors file of tensors named after the layers (module paths, such as
    /// encoder.layer.0.intermediate.dense), a LAYER.npy file, or a folder of them;
    /// channels on axis 1 of 4-D tensors, else on the last axis
    #[arg(long, value_name = "FILE|DIR")]
    saved: Option<PathBuf>,
    /// Cluster every layer's neurons into at most K nodes by their activations over the
    /// batch and positions (k-means, seeded by --cluster-seed); layers without
    /// activations are clustered by their weights
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    clusters: Option<u32>,
    /// Seed of the clustering: the same seed gives the same clusters
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    cluster_seed: u64,
    /// Neurons (units and channels) or operators
    #[arg(long, value_enum, default_value = "neurons")]
    level: Level,
    /// Neuron level: strongest inputs kept per unit
    #[arg(long, default_value_t = Pruning::default().top_k, value_name = "K")]
    top_k: usize,
    /// Draw the model, coloured by activation, into this PNG (instead of a window)
    #[arg(short, long, value_name = "FILE.png")]
    output: Option<PathBuf>,
    /// Image (or window) size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Draw in 2 or 3 dimensions; in 3D each layer is a plane along depth, with a conv
    /// layer's feature maps (for the first input) lying on it
    #[arg(long, default_value = "2")]
    dim: Dim,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    scripted: ScriptedWindow,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, Args)]
struct AttentionArgs {
    /// Attention weights: .npy [layers, heads, T, T] (or [heads, T, T], [T, T]), or .safetensors
    input: PathBuf,
    /// The tokens, one a line (as many as T); default: their positions
    #[arg(long, value_name = "FILE.txt")]
    tokens: Option<PathBuf>,
    /// The head view of this layer (with --head); without both, the model view
    #[arg(long, requires = "head")]
    layer: Option<usize>,
    /// The head view of this head (with --layer)
    #[arg(long, requires = "layer")]
    head: Option<usize>,
    /// Weights below this are not drawn
    #[arg(long, default_value_t = 0.02, value_name = "W")]
    min_weight: f32,
    /// Keys drawn per query at most (the strongest)
    #[arg(long, default_value_t = 32, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    top_k: u32,
    /// Output PNG file; without it, a window (hover a token for its name, click one to
    /// light the keys it attends to)
    #[arg(short, long, value_name = "FILE.png")]
    output: Option<PathBuf>,
    /// Image (or window) size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
    #[command(flatten)]
    scripted: ScriptedWindow,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The model before: ONNX, GGUF, or a safetensors checkpoint (file or folder)
    a: PathBuf,
    /// The model after
    b: PathBuf,
    /// Print one JSON object with "added", "removed", "changed", "weights", "layers" and
    /// "unmatched_weights"
    #[arg(long)]
    json: bool,
    /// Also draw B, its operators coloured by what changed
    #[arg(short, long, value_name = "FILE.png")]
    output: Option<PathBuf>,
    /// Image size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Frame time offscreen and K-hop query time on laid-out meshes of growing size
    /// (10 edges a node), each beside a baseline: an empty frame ("x empty": frame time
    /// over it), and the CPU's breadth-first search ("x cpu": GPU time over CPU time)
    Render(BenchRenderArgs),
    /// Recording speed: the bundled Cora's automatic tour recorded to MP4, with the time to
    /// draw and read back a frame and to encode it, and the speed against real time (video
    /// seconds over seconds spent; above 1 is faster than real time)
    Record(BenchRecordArgs),
    /// Projection of generated embeddings (20 clusters): PCA on the GPU against the CPU
    /// reference ("x cpu"), the exact k-nearest-neighbour search, and UMAP epochs on the
    /// GPU against one CPU epoch ("x cpu"), with the whole UMAP projection's time
    Project(BenchProjectArgs),
    /// Density edge bundling on laid-out meshes of growing size (10 edges a node): the
    /// whole GPU run, one GPU iteration against one iteration of the CPU reference ("x
    /// cpu"), the covered pixels kept, and a frame drawn bundled against straight
    Bundle(BenchBundleArgs),
}

#[derive(Debug, Args)]
struct BenchBundleArgs {
    /// Edge counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    edges: Vec<usize>,
    /// Frame size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Print one JSON object per graph instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct BenchProjectArgs {
    /// Row counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    rows: Vec<usize>,
    /// Dimensions of the generated embeddings
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=embed::MAX_DIMS as i64))]
    dims: u32,
    /// Print one JSON object per size instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct BenchRecordArgs {
    /// Frame size in pixels, WIDTHxHEIGHT (even, for H.264)
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Frames a second
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=240))]
    fps: u32,
    /// Seconds of video
    #[arg(long, default_value_t = 4.0)]
    seconds: f32,
    /// Print one JSON object instead of a line
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct BenchRenderArgs {
    /// Edge counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
    edges: Vec<usize>,
    /// Frame size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Most frames timed per graph (fewer when frames are slow); the median is reported
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..=1000))]
    frames: u32,
    /// Print one JSON object per graph instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// Graph file: edge list, Matrix Market (.mtx), PyG edge_index (.npy), or a model: ONNX,
    /// GGUF, or a safetensors checkpoint (a .safetensors file or a folder with config.json).
    /// Omit it for the bundled Cora citation graph (2708 papers, 7 classes)
    graph: Option<PathBuf>,
    /// Node classes: a 1-D integer .npy (-1 for none); nodes are coloured by class
    #[arg(long, value_name = "FILE.npy")]
    labels: Option<PathBuf>,
    /// Attach a numeric node array (1-D or 2-D .npy) under a name; repeatable
    #[arg(long = "node-data", value_name = "NAME=FILE.npy")]
    node_data: Vec<String>,
    /// Treat the edges as undirected (edge lists are read as directed)
    #[arg(long)]
    undirected: bool,
    #[command(flatten)]
    level: LevelArgs,
    /// Show every group this many levels down (0: the outermost) as one node: the blocks
    /// of a model instead of its operators
    #[arg(long, value_name = "DEPTH")]
    collapse: Option<usize>,
    /// Neuron level: cluster the neurons of every layer into at most K by their incoming
    /// weights (k-means, seeded by --cluster-seed), each cluster one node whose edges sum
    /// the weights of its connections; --bundle then shows how the clusters connect
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    clusters: Option<u32>,
    /// Seed of the clustering: the same seed gives the same clusters
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    cluster_seed: u64,
}

/// How deep into a model to look.
#[derive(Debug, Args)]
struct LevelArgs {
    /// Model detail: operators/modules, or neurons (units, channels and attention heads,
    /// connected by their strongest weights; ONNX, safetensors and GGUF)
    #[arg(long, value_enum, default_value = "ops")]
    level: Level,
    /// Neuron level: strongest inputs kept per unit
    #[arg(long, default_value_t = Pruning::default().top_k, value_name = "K")]
    top_k: usize,
    /// Neuron level: weakest absolute weight kept
    #[arg(long, default_value_t = 0.0, value_name = "W")]
    min_weight: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Level {
    Ops,
    Neurons,
}

impl LevelArgs {
    fn load(&self, path: &Path) -> Result<Loaded> {
        Ok(match self.level {
            Level::Ops => load::load_graph(path)?,
            Level::Neurons => load::load_neurons(path, Pruning { top_k: self.top_k, min_weight: self.min_weight })?,
        })
    }
}

#[derive(Debug, Args)]
struct LayoutArgs {
    /// How to place the nodes: force-directed, layered along the data flow, or auto
    /// (layered for model files, force otherwise)
    #[arg(long, value_enum, default_value = "auto")]
    layout: LayoutKind,
    /// Lay out in 2 or 3 dimensions
    #[arg(long, default_value = "2")]
    dim: Dim,
    /// Seed of the force layout (coarsening order, first MDS pivot, jitter): the same seed
    /// gives the same picture
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Force-layout iterations on the coarsest level (finer levels refine with a third as
    /// many; rounded up to even)
    #[arg(long, default_value_t = LayoutConfig::default().iterations, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    iterations: u32,
    /// Which way a 2D layered layout runs: left to right wrapped into bands that fill the
    /// frame (deep networks), in one row, or top to bottom
    #[arg(long, value_enum, default_value = "bands")]
    flow: Flow,
}

impl LayoutArgs {
    fn config(&self, loaded: &Loaded) -> LayoutConfig {
        let kind = self.layout.resolve(loaded.model.is_some());
        LayoutConfig { kind, dim: self.dim, iterations: self.iterations, seed: self.seed, flow: self.flow }
    }
}

/// Hidden window options for scripts and tests.
#[derive(Debug, Args)]
struct ScriptedWindow {
    /// Close the window after this many frames (for scripts and tests)
    #[arg(long, hide = true)]
    exit_after_frames: Option<u32>,
    /// Print a line to stderr for every frame presented (for scripts and tests)
    #[arg(long, hide = true)]
    report_frames: bool,
}

impl ScriptedWindow {
    /// A plain window of `size` titled `title`, scripted as these options say.
    fn window(&self, size: (u32, u32), title: String) -> ViewOptions {
        ViewOptions::new(size, title, self.exit_after_frames, self.report_frames)
    }
}

/// A training run to play: checkpoints of the model, and what the edges show.
#[derive(Debug, Args)]
struct TrainingArgs {
    /// Checkpoints of the model (same architecture, in training order) to play through,
    /// with --level neurons: the edges show each one's weights in turn, blending from one
    /// to the next, coloured along the ramp
    #[arg(long, num_args = 1.., value_name = "MODEL")]
    checkpoints: Vec<PathBuf>,
    /// What the edges show along the run: each weight, or how far it has moved since the
    /// first checkpoint
    #[arg(long, value_enum, default_value = "weights", requires = "checkpoints")]
    training_edges: TrainingEdges,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TrainingEdges {
    Weights,
    Change,
}

impl TrainingArgs {
    /// The run, its checkpoints loaded at `level` and aligned to `loaded`'s edges; `None`
    /// without checkpoints.
    fn run(&self, level: &LevelArgs, loaded: &Loaded) -> Result<Option<(training::Run, training::Show)>> {
        if self.checkpoints.is_empty() {
            return Ok(None);
        }
        if loaded.graph.weights.is_none() {
            bail!("{}: has no edge weights to animate; checkpoints need --level neurons", loaded.source);
        }
        let bar = ProgressBar::new(self.checkpoints.len() as u64).with_style(
            ProgressStyle::with_template("loading checkpoints [{bar:30}] {pos}/{len}, {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let mut checkpoints = Vec::with_capacity(self.checkpoints.len());
        for path in &self.checkpoints {
            let other = level.load(path)?.graph;
            let name = path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned();
            let checkpoint = training::Checkpoint::aligned(name, &loaded.graph, &other)
                .map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))?;
            checkpoints.push(checkpoint);
            bar.inc(1);
        }
        bar.finish_and_clear();
        let show = match self.training_edges {
            TrainingEdges::Weights => training::Show::Weights,
            TrainingEdges::Change => training::Show::Change,
        };
        Ok(training::Run::new(checkpoints).map(|run| (run, show)))
    }
}

/// How edges are drawn: straight or bundled, and their colours.
#[derive(Debug, Args)]
struct EdgeArgs {
    /// Bundle the edges: density, which a bare --bundle means (image-based on the GPU:
    /// edges gather where many run alike; any graph), or hierarchy (through the centres of
    /// the groups between the two ends; models, e.g. channels between neuron layers)
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "density", value_name = "METHOD")]
    bundle: Option<BundleMethod>,
    /// Density bundling: grid cells along the layout's longest side [default: 512 in 2D,
    /// 128 in 3D]; finer grids make tighter bundles and take longer
    #[arg(long, value_name = "CELLS", value_parser = clap::value_parser!(u32).range(16..=4096))]
    bundle_resolution: Option<u32>,
    /// Density bundling: iterations, each with a smaller kernel
    #[arg(long, value_name = "N", default_value_t = BundleConfig::default().iterations, value_parser = clap::value_parser!(u32).range(1..=200))]
    bundle_iterations: u32,
    /// How strongly edges gather: the density method's step (1: a full mean-shift step),
    /// the hierarchy method's beta (0.85 at 1, capped at 1)
    #[arg(long, value_name = "S", default_value_t = BundleConfig::default().strength, value_parser = parse_strength)]
    bundle_strength: f32,
    /// Colour edges by their end nodes (a blend along the edge) or by their direction on
    /// screen (a hue: bundles running opposite ways part by colour)
    #[arg(long, value_enum, default_value = "nodes")]
    edge_color: EdgeColoring,
}

impl EdgeArgs {
    /// Says on stderr when the bundling asked for cannot change `loaded`'s edges.
    fn check(&self, loaded: &Loaded) {
        if self.bundle == Some(BundleMethod::Hierarchy) && loaded.graph.groups.is_empty() {
            eprintln!(
                "netlens: note: {} has no groups: hierarchy bundling leaves its edges straight (--bundle density gathers them)",
                loaded.source
            );
        }
    }

    fn bundle(&self) -> Option<BundleConfig> {
        self.bundle.map(|method| BundleConfig {
            method,
            resolution: self.bundle_resolution,
            iterations: self.bundle_iterations,
            strength: self.bundle_strength,
        })
    }

    fn look<'a>(&self, selection: Option<&'a Selection>) -> Look<'a> {
        Look { selection, bundle: self.bundle(), edge_coloring: self.edge_color, ..Look::default() }
    }
}

fn parse_strength(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(s) if (0.0..=4.0).contains(&s) => Ok(s),
        _ => Err(format!("'{text}': the strength is a number from 0 to 4")),
    }
}

/// How far a K-hop neighbourhood reaches, and along which edges.
#[derive(Debug, Args)]
struct HopArgs {
    /// Hops around the selection
    #[arg(long, default_value_t = 1, value_name = "K", value_parser = clap::value_parser!(u32).range(0..=MAX_HOPS as i64))]
    hops: u32,
    /// Follow edges forward (out), backward (in) or both ways; undirected graphs ignore it
    #[arg(long, value_enum, default_value = "both")]
    direction: Direction,
}

impl HopArgs {
    /// The selection of the nodes `ids` name (names, or indices where nodes are numbered).
    fn selection(&self, loaded: &Loaded, ids: &[String]) -> Result<Option<Selection>> {
        if ids.is_empty() {
            return Ok(None);
        }
        let seeds = ids
            .iter()
            .map(|id| loaded.graph.find_node(id).with_context(|| format!("{}", loaded.source)))
            .collect::<Result<Vec<u32>>>()?;
        Ok(Some(Selection { seeds, hops: self.hops, direction: self.direction }))
    }
}

#[derive(Debug, Args)]
struct RenderArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Highlight this node and its K-hop neighbourhood (--hops), dimming the rest: a node
    /// name, or an index where nodes are numbered; repeatable
    #[arg(long, value_name = "ID")]
    select: Vec<String>,
    #[command(flatten)]
    hops: HopArgs,
    #[command(flatten)]
    edges: EdgeArgs,
    /// Output file: a PNG, or an SVG (2D layouts: vector shapes for papers and slides)
    #[arg(short, long, value_name = "FILE.png|FILE.svg")]
    output: PathBuf,
    /// Image size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, Args)]
struct LayoutCommandArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Output positions file
    #[arg(short, long, value_name = "FILE.npy")]
    output: Option<PathBuf>,
    #[command(flatten)]
    edges: EdgeArgs,
    /// With --bundle: write the bundled edge paths, E x 16 x 2 (or x 3) float32, one row of
    /// 16 points per edge in the loader's edge order, from source to target
    #[arg(long, value_name = "FILE.npy", requires = "bundle")]
    paths: Option<PathBuf>,
    /// Print quality metrics: sampled normalised stress, neighbourhood preservation,
    /// edge-length variation, and edge crossings for layered layouts; with --bundle also
    /// ink (drawn length and covered pixels, straight and bundled) and distortion
    #[arg(long)]
    metrics: bool,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ViewArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Initial window size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1280x800", value_parser = parse_size)]
    size: (u32, u32),
    /// Select this node when the window opens (a name, or an index where nodes are
    /// numbered); repeatable
    #[arg(long, value_name = "ID")]
    select: Vec<String>,
    #[command(flatten)]
    hops: HopArgs,
    #[command(flatten)]
    edges: EdgeArgs,
    #[command(flatten)]
    training: TrainingArgs,
    #[command(flatten)]
    scripted: ScriptedWindow,
}

#[derive(Debug, Args)]
struct KhopArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// The node to start from: its name, or its index where nodes are numbered (edge lists
    /// with integer ids); repeatable, for the neighbourhood of several nodes
    #[arg(long, value_name = "ID", required = true)]
    node: Vec<String>,
    #[command(flatten)]
    hops: HopArgs,
    /// Print one JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct InfoArgs {
    /// Graph or model file (or checkpoint folder); omit for the bundled Cora graph
    graph: Option<PathBuf>,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// Describe the GPU adapter netlens picks and its limits (alone: only that)
    #[arg(long)]
    gpu: bool,
    /// Treat the edges as undirected
    #[arg(long)]
    undirected: bool,
    #[command(flatten)]
    level: LevelArgs,
    /// Show every group this many levels down as one node
    #[arg(long, value_name = "DEPTH")]
    collapse: Option<usize>,
    /// Neuron level: cluster every layer's neurons into at most K nodes
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    clusters: Option<u32>,
    /// Seed of the clustering
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    cluster_seed: u64,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| format!("'{text}' is not WIDTHxHEIGHT, e.g. 1920x1080"))?;
    let parse = |s: &str| s.trim().parse::<u32>().ok().filter(|&v| (16..=16384).contains(&v));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("'{text}': width and height must be whole numbers from 16 to 16384")),
    }
}

/// Parses the command line and runs the command.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::View(args) => view(args),
        Command::Render(args) => render(args),
        Command::Layout(args) => layout(args),
        Command::Info(args) => info(args),
        Command::Khop(args) => khop(args),
        Command::Project(args) => project(args),
        Command::Gnn(args) => gnn(args),
        Command::Record(args) => record(args),
        Command::Diff(args) => model_diff(args),
        Command::Attention(args) => attention(args),
        Command::Activations(args) => activations(args),
        Command::Bench(BenchCommand::Render(args)) => bench_render(args),
        Command::Bench(BenchCommand::Record(args)) => bench_record(args),
        Command::Bench(BenchCommand::Project(args)) => bench_project(args),
        Command::Bench(BenchCommand::Bundle(args)) => bench_bundle(args),
    }
}

/// Loads a graph file (or the bundled default) and says any notice about it on stderr.
fn load_graph(args: &GraphArgs) -> Result<Loaded> {
    let mut loaded = match &args.graph {
        Some(path) => args.level.load(path)?,
        None => load::bundled_cora(),
    };
    if let Some(notice) = loaded.model.as_ref().and_then(|m| m.notice.as_ref()) {
        eprintln!("netlens: note: {}: {notice}", loaded.source);
    }
    if let Some(path) = &args.labels {
        load::attach_labels(&mut loaded.graph, path)?;
    }
    for spec in &args.node_data {
        let (name, path) = spec
            .split_once('=')
            .filter(|(name, path)| !name.is_empty() && !path.is_empty())
            .with_context(|| format!("--node-data '{spec}' should be NAME=FILE.npy"))?;
        load::attach_node_data(&mut loaded.graph, name, Path::new(path))?;
    }
    if args.undirected || loaded.source == load::Source::Bundled("cora") {
        loaded.graph.directed = false;
    }
    if let Some(k) = args.clusters {
        if loaded.graph.groups.is_empty() {
            eprintln!("netlens: note: {} has no layers (groups) to cluster", loaded.source);
        }
        loaded.graph = loaded.graph.cluster_layers(k as usize, args.cluster_seed, &Likeness::Weights).0;
    }
    if let Some(depth) = args.collapse {
        if loaded.graph.groups.is_empty() {
            eprintln!("netlens: note: {} has no groups to collapse", loaded.source);
        }
        loaded.graph = loaded.graph.collapse(depth).0;
    }
    Ok(loaded)
}

/// Lays out and renders a graph offscreen, with a progress bar on a terminal.
/// Returns the frame and a line describing the work.
fn render_frame(loaded: &Loaded, config: &LayoutConfig, size: (u32, u32), look: &Look) -> Result<(Vec<u8>, String)> {
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let shot = snapshot(&gpu, &loaded.graph, config, size, look, |phase, done, total| {
        bar.set_message(phase.describe());
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let report = gpu.report();
    let layout = match config.kind {
        LayoutKind::Layered => "layered layout".to_owned(),
        _ => format!("force layout, {} iterations,", shot.iterations),
    };
    let frame = if look.bundle.is_some() { "bundled and drawn" } else { "frame" };
    let note = format!(
        "{} nodes, {} edges; {layout} in {:.2} s, {frame} in {:.2} s on {} ({})",
        loaded.graph.node_count(),
        loaded.graph.edge_count(),
        shot.layout_time.as_secs_f64(),
        shot.frame_time.as_secs_f64(),
        report.name,
        report.backend
    );
    Ok((shot.rgba, note))
}

/// Checks an output path before the work: the extension, an existing file, the folder.
fn check_output(path: &Path, extension: &str, force: bool) -> Result<()> {
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case(extension)) {
        bail!("{}: the output must be a .{extension} file", path.display());
    }
    if path.exists() && !force {
        bail!("{} exists; pass --force to replace it", path.display());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!("{}: folder {} does not exist", path.display(), dir.display());
    }
    Ok(())
}

fn render(args: RenderArgs) -> Result<()> {
    let svg = args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !svg && !args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")) {
        bail!("{}: the output must be a .png or .svg file", args.output.display());
    }
    check_output(&args.output, if svg { "svg" } else { "png" }, args.force)?;
    if svg && args.layout.dim == Dim::Three {
        bail!("{}: SVG shows 2D layouts; drop --dim 3, or write a .png", args.output.display());
    }
    let loaded = load_graph(&args.graph)?;
    args.edges.check(&loaded);
    let selection = args.hops.selection(&loaded, &args.select)?;
    let look = args.edges.look(selection.as_ref());
    let config = args.layout.config(&loaded);
    let note = if svg {
        render_svg(&loaded, &config, args.size, &look, &args.output)?
    } else {
        let (rgba, note) = render_frame(&loaded, &config, args.size, &look)?;
        write_png(&args.output, args.size, &rgba)
            .with_context(|| format!("{}: cannot write", args.output.display()))?;
        note
    };
    eprintln!("wrote {} ({}x{}): {note}", args.output.display(), args.size.0, args.size.1);
    Ok(())
}

/// Lays out (and bundles) a graph and writes it as an SVG of `size`; a line describing
/// the work.
fn render_svg(loaded: &Loaded, config: &LayoutConfig, size: (u32, u32), look: &Look, path: &Path) -> Result<String> {
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let graph = &loaded.graph;
    let start = std::time::Instant::now();
    let positions = place(&gpu, graph, config, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?
    .positions;
    let paths = match &look.bundle {
        Some(bundle_config) => {
            bar.set_message(Phase::Bundle.describe());
            let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::empty())?;
            let paths = bundle::bundle(&gpu, graph, &positions, &buffer, false, bundle_config, |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })?;
            Some(paths.read(&gpu)?)
        }
        None => None,
    };
    bar.finish_and_clear();
    let hops = look.selection.map(|s| (crate::khop::cpu::hops(&graph.csr(s.direction), &s.seeds, s.hops), s.hops));
    let bounds = Bounds::of(&positions);
    let (style, framed) =
        Style::for_layout(graph.node_count(), graph.edge_count(), &bounds, false).settled(graph, &positions, &bounds);
    let style = Style { edge_coloring: look.edge_coloring, ..style };
    let colors = crate::render::palette::node_colors(graph.nodes.classes.as_deref(), graph.node_count());
    // As a PNG draws them: collapsed groups as boxes.
    let sizes = crate::render::palette::SizeBy::Uniform.sizes(graph);
    let scene = svg::SvgScene {
        graph,
        positions: &positions,
        colors: &colors,
        sizes: &sizes,
        style,
        paths: paths.as_deref(),
        highlight: hops.as_ref().map(|(h, k)| (h.as_slice(), *k)),
    };
    let camera = Camera::fit(&framed, false, glam::Vec2::new(size.0 as f32, size.1 as f32));
    svg::write(path, &scene, &camera, size).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(format!(
        "{} nodes, {} edges; laid out{} and written in {:.2} s",
        graph.node_count(),
        graph.edge_count(),
        if paths.is_some() { ", bundled" } else { "" },
        start.elapsed().as_secs_f64()
    ))
}

fn layout(args: LayoutCommandArgs) -> Result<()> {
    if args.output.is_none() && args.paths.is_none() && !args.metrics {
        bail!(
            "nothing to do: give -o FILE.npy for the positions, --paths FILE.npy (with --bundle) for the edge paths, --metrics for their quality"
        );
    }
    for path in args.output.iter().chain(&args.paths) {
        check_output(path, "npy", args.force)?;
    }
    let loaded = load_graph(&args.graph)?;
    args.edges.check(&loaded);
    let config = args.layout.config(&loaded);
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let start = std::time::Instant::now();
    let placed = place(&gpu, &loaded.graph, &config, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let dim = config.dim.count() as usize;
    let bundled = match args.edges.bundle() {
        Some(bundle_config) => {
            bar.set_message(Phase::Bundle.describe());
            let start = std::time::Instant::now();
            let buffer = gpu.storage_buffer("netlens.positions", &placed.positions, wgpu::BufferUsages::empty())?;
            let three_d = config.dim == Dim::Three;
            let paths = bundle::bundle(
                &gpu,
                &loaded.graph,
                &placed.positions,
                &buffer,
                three_d,
                &bundle_config,
                |done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
            )?
            .read(&gpu)?;
            Some((bundle_config.method, paths, start.elapsed().as_secs_f64()))
        }
        None => None,
    };
    bar.finish_and_clear();
    if let Some(path) = &args.output {
        write_positions(path, &placed.positions, dim).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if let (Some(path), Some((_, paths, _))) = (&args.paths, &bundled) {
        let shape = [loaded.graph.edge_count() as u64, bundle::POINTS as u64, dim as u64];
        write_npy(path, &shape, paths.iter().flat_map(|p| p[..dim].iter().copied()))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let kind = if config.kind == LayoutKind::Layered { "layered" } else { "force" };
    let mut report = json!({
        "nodes": loaded.graph.node_count(),
        "edges": loaded.graph.edge_count(),
        "layout": kind,
        "dim": dim,
        "seconds": seconds,
        "iterations": placed.iterations,
    });
    if let Some(step) = placed.final_step {
        report["final_step"] = json!(step);
    }
    if args.metrics {
        let quality = quality::measure(&loaded.graph, &placed.positions, config.seed);
        report
            .as_object_mut()
            .expect("an object")
            .extend(serde_json::to_value(quality)?.as_object().expect("a struct is an object").clone());
        if let Some(crossings) = placed.crossings {
            report["crossings"] = json!(crossings);
        }
    }
    if let Some((method, paths, seconds)) = &bundled {
        report["bundle"] = json!(method.name());
        report["bundle_seconds"] = json!(seconds);
        if args.metrics {
            let measured = bundle::metrics::measure(&loaded.graph, &placed.positions, paths);
            report
                .as_object_mut()
                .expect("an object")
                .extend(serde_json::to_value(measured)?.as_object().expect("a struct is an object").clone());
        }
    }
    if args.json {
        println!("{report}");
    } else {
        let fields: Vec<String> = report
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(text) => format!("{k} {text}"),
                None => format!("{k} {v}"),
            })
            .collect();
        println!("{}", fields.join(", "));
        if let Some(path) = &args.output {
            eprintln!("wrote {} ({} x {dim} float32)", path.display(), placed.positions.len());
        }
        if let Some(path) = &args.paths {
            eprintln!("wrote {} ({} x {} x {dim} float32)", path.display(), loaded.graph.edge_count(), bundle::POINTS);
        }
    }
    Ok(())
}

/// Writes positions as an N x `dim` float32 .npy.
fn write_positions(path: &Path, positions: &[[f32; 4]], dim: usize) -> std::io::Result<()> {
    write_npy(path, &[positions.len() as u64, dim as u64], positions.iter().flat_map(|p| p[..dim].iter().copied()))
}

/// Writes `values` as a float32 .npy of `shape`, through a temporary file renamed into
/// place.
fn write_npy(path: &Path, shape: &[u64], values: impl Iterator<Item = f32>) -> std::io::Result<()> {
    use npyz::WriterBuilder;
    let tmp = path.with_extension("npy.partial");
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let mut writer = npyz::WriteOptions::new().default_dtype().shape(shape).writer(&mut file).begin_nd()?;
        writer.extend(values)?;
        writer.finish()?;
        std::io::Write::flush(&mut file)
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn project(args: ProjectArgs) -> Result<()> {
    check_output(&args.output, "npy", args.force)?;
    let embedding = load::load_embedding(&args.embedding, None)?;
    let gpu = Gpu::headless()?;
    let start = std::time::Instant::now();
    let dim = args.dim.count() as usize;
    let Projection { positions, explained } =
        project_embedding(&gpu, &embedding, args.method, dim, &args.umap, args.seed)?;
    let seconds = start.elapsed().as_secs_f64();
    write_positions(&args.output, &positions, dim)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    let mut report = json!({
        "rows": embedding.rows,
        "dims": embedding.dims,
        "method": args.method.name(),
        "dim": dim,
        "seconds": seconds,
    });
    if let Some(explained) = &explained {
        report["explained_variance"] = json!(explained);
    }
    if args.json {
        println!("{report}");
    } else {
        let explained = explained.map_or(String::new(), |e| {
            let shares: Vec<String> = e.iter().map(|e| format!("{:.1}%", e * 100.0)).collect();
            format!("; the axes explain {} of the variance", shares.join(", "))
        });
        eprintln!(
            "wrote {} ({} x {dim}): {} of {} x {} in {seconds:.2} s{explained}",
            args.output.display(),
            embedding.rows,
            args.method.name(),
            embedding.rows,
            embedding.dims,
        );
    }
    Ok(())
}

fn gnn(args: GnnArgs) -> Result<()> {
    let window = !args.metrics && !args.json && args.output.is_none();
    if window && !app::display_available() {
        bail!("no display for the window: give --metrics for the measures, -o FILE.png for a picture, or both");
    }
    if let Some(path) = &args.output {
        check_output(path, "png", args.force)?;
    }
    let loaded = load_graph(&args.graph)?;
    let nodes = loaded.graph.node_count();
    let embeddings =
        args.embedding.iter().map(|path| load::load_embedding(path, Some(nodes))).collect::<Result<Vec<_>, _>>()?;
    let k = args.k as usize;
    if k >= nodes as usize {
        bail!("--k {k}: the graph has only {nodes} nodes");
    }
    let per_node = |path: &Path| -> Result<Vec<i32>> {
        let values = load::load_classes(path)?;
        if values.len() != nodes as usize {
            bail!("{}: has {} rows, but the graph has {nodes} nodes", path.display(), values.len());
        }
        Ok(values)
    };
    let predictions = args.pred.as_deref().map(per_node).transpose()?;
    let split = args.split.as_deref().map(per_node).transpose()?;
    let gpu = Gpu::headless()?;
    let passes = embed::EmbedPasses::new(&gpu.device);
    let seed = args.layout.seed as u32;
    let mut views = Vec::with_capacity(embeddings.len());
    let mut agreements = Vec::with_capacity(embeddings.len());
    for (embedding, path) in embeddings.iter().zip(&args.embedding) {
        let start = std::time::Instant::now();
        let projection = project_embedding(&gpu, embedding, args.method, 2, &args.umap, seed)?;
        let agreement = if window || args.metrics || args.json {
            let neighbours = embed::neighbours(&gpu, &passes, embedding, k)?;
            Some(embed::metrics::agreement(&loaded.graph, &neighbours, k, args.hops))
        } else {
            None
        };
        if let Some(agreement) = agreement.as_ref().filter(|_| args.metrics || args.json) {
            let report = gnn_report(
                &args,
                &loaded.graph,
                embedding,
                path,
                &projection,
                agreement,
                predictions.as_deref(),
                start,
            );
            if args.json {
                println!("{report}");
            } else {
                println!("{}:", path.display());
                println!(
                    "  {} nodes, {}-dimensional; agreement ({}-hop neighbourhood vs up to {k} nearest) mean {:.3} over {} nodes",
                    embedding.rows, embedding.dims, args.hops, agreement.mean, agreement.nodes
                );
                let bars: Vec<String> = agreement.histogram.iter().map(|c| c.to_string()).collect();
                println!("  histogram (tenths of 0..1): {}", bars.join(" "));
                println!("  most disagreeing: {}", report["agreement"]["most_disagreeing"]);
                println!(
                    "  {} view: trustworthiness at {k} {:.3}",
                    args.method.name(),
                    report["view"]["trustworthiness"]
                );
                if let Some(p) = report.get("predictions") {
                    println!("  predictions: {p}");
                }
            }
        }
        views.push(projection.positions);
        agreements.push(agreement);
    }
    if let Some(path) = &args.output {
        // The graph, then each embedding's view, in a row.
        let panes = 1 + views.len() as u32;
        let pane = (args.size.0 / panes, args.size.1);
        let (graph_rgba, note) = render_frame(&loaded, &args.layout.config(&loaded), pane, &Look::default())?;
        let points = loaded.graph.without_edges();
        let mut images = vec![graph_rgba];
        for view in &views {
            let bulk = crate::render::Bounds::of_bulk(view);
            images.push(crate::snapshot::picture(
                &gpu,
                &points,
                view,
                &bulk,
                false,
                pane,
                &Look::default(),
                |_, _| {},
            )?);
        }
        let row = pane.0 as usize * 4;
        let mut rgba = Vec::with_capacity(row * panes as usize * pane.1 as usize);
        for y in 0..pane.1 as usize {
            for image in &images {
                rgba.extend_from_slice(&image[y * row..(y + 1) * row]);
            }
        }
        let size = (pane.0 * panes, pane.1);
        write_png(path, size, &rgba).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "wrote {} ({}x{}): the graph ({note}), then {} embedding view(s) ({})",
            path.display(),
            size.0,
            size.1,
            views.len(),
            args.method.name()
        );
    }
    if window {
        let config = args.layout.config(&loaded);
        let title = format!("netlens: {} and its embeddings", loaded.source);
        let mut graph = loaded.graph;
        // Columns the panel can colour by, one agreement per embedding.
        let mut columns = Vec::new();
        for (agreement, path) in agreements.iter().zip(&args.embedding) {
            let name = if args.embedding.len() == 1 {
                "agreement".to_owned()
            } else {
                format!("agreement {}", file_name(path))
            };
            let values = agreement
                .as_ref()
                .expect("measured for the window")
                .per_node
                .iter()
                .map(|a| a.unwrap_or(0.0))
                .collect();
            columns.push((name, values));
        }
        if let Some(pred) = &predictions {
            columns.push(("prediction".to_owned(), pred.iter().map(|&p| p as f32).collect()));
            if let Some(labels) = &graph.nodes.classes {
                columns.push((
                    "correct".to_owned(),
                    labels.iter().zip(pred).map(|(l, p)| f32::from(u8::from(l == p))).collect(),
                ));
            }
        }
        if let Some(split) = &split {
            columns.push(("split".to_owned(), split.iter().map(|&s| s as f32).collect()));
        }
        for (name, values) in columns {
            graph.attach_column(crate::graph::Column { name, width: 1, values })?;
        }
        let embeddings = views
            .into_iter()
            .zip(agreements)
            .zip(&args.embedding)
            .map(|((positions, agreement), path)| app::EmbeddingView {
                positions,
                name: format!("{} ({})", file_name(path), args.method.name()),
                agreement,
            })
            .collect();
        let options = ViewOptions { embeddings, ..args.scripted.window(args.window_size, title) };
        app::run(graph, config, options)?;
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}

/// The measures of one embedding as one JSON object.
#[allow(clippy::too_many_arguments)]
fn gnn_report(
    args: &GnnArgs,
    graph: &crate::graph::Graph,
    embedding: &embed::Embedding,
    path: &Path,
    projection: &Projection,
    agreement: &embed::metrics::Agreement,
    predictions: Option<&[i32]>,
    start: std::time::Instant,
) -> serde_json::Value {
    let k = args.k as usize;
    let trust = embed::metrics::trustworthiness(embedding, &projection.positions, k, 2000);
    let mut report = json!({
        "embedding": path.display().to_string(),
        "nodes": embedding.rows,
        "dims": embedding.dims,
        "agreement": agreement,
        "view": { "method": args.method.name(), "trustworthiness": trust },
    });
    if let Some(explained) = &projection.explained {
        report["view"]["explained_variance"] = json!(explained);
    }
    report["agreement"]["most_disagreeing"] = agreement
        .most_disagreeing
        .iter()
        .map(|&v| json!({"node": graph.node_name(v), "index": v, "agreement": agreement.per_node[v as usize]}))
        .collect();
    if let (Some(labels), Some(pred)) = (&graph.nodes.classes, predictions) {
        let mean_of = |right: bool| {
            let scores: Vec<f64> = (0..embedding.rows)
                .filter(|&v| labels[v] >= 0 && (pred[v] == labels[v]) == right)
                .filter_map(|v| agreement.per_node[v].map(f64::from))
                .collect();
            (scores.iter().sum::<f64>() / scores.len().max(1) as f64, scores.len())
        };
        let labelled = labels.iter().filter(|&&l| l >= 0).count();
        let right = (0..embedding.rows).filter(|&v| labels[v] >= 0 && pred[v] == labels[v]).count();
        let ((mean_right, _), (mean_wrong, wrong)) = (mean_of(true), mean_of(false));
        report["predictions"] = json!({
            "accuracy": right as f64 / labelled.max(1) as f64,
            "labelled": labelled,
            "agreement_right": mean_right,
            "agreement_wrong": mean_wrong,
            "wrong": wrong,
        });
    }
    report["seconds"] = json!(start.elapsed().as_secs_f64());
    report
}

fn record(args: RecordArgs) -> Result<()> {
    let format = video::sink::Format::of(&args.output)?;
    let gif = format == video::sink::Format::Gif;
    let size = args.size.unwrap_or(if gif { (640, 360) } else { (1920, 1080) });
    let fps = args.fps.unwrap_or(if gif { 25 } else { 30 });
    if let Some(seconds) = args.duration
        && !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0)
    {
        bail!("--duration must be more than 0 and at most 3600 seconds, not {seconds}");
    }
    if let Some(tour) = &args.tour
        && !tour.is_file()
    {
        bail!("{}: no such tour file", tour.display());
    }
    let mut sink = video::sink::Sink::create(&args.output, size, fps, args.force)?;
    let loaded = load_graph(&args.graph)?;
    args.edges.check(&loaded);
    let title = match &loaded.source {
        load::Source::File(path) => path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned(),
        load::Source::Bundled(name) => (*name).to_owned(),
    };
    let training = args.training.run(&args.graph.level, &loaded)?;
    let options = video::Options {
        size,
        fps,
        duration: args.duration,
        tour: args.tour.clone(),
        title: (title, Some(format!("{} nodes, {} edges", loaded.graph.node_count(), loaded.graph.edge_count()))),
        is_model: loaded.model.is_some(),
        bundle: args.edges.bundle().unwrap_or_default(),
        bundled: args.edges.bundle.is_some(),
        edge_coloring: if training.is_none() { args.edges.edge_color } else { EdgeColoring::Weight },
        training,
    };
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let frames_style = ProgressStyle::with_template("record [{bar:30}] {pos}/{len} frames, {elapsed} (ETA {eta})")
        .expect("valid template")
        .progress_chars("=> ");
    let mut phase = Phase::Layout;
    let report =
        video::record(&gpu, &loaded.graph, &args.layout.config(&loaded), &options, &mut sink, |now, done, total| {
            if now != phase {
                phase = now;
                bar.set_style(frames_style.clone());
                bar.reset();
            }
            bar.set_length(total);
            bar.set_position(done);
        })?;
    bar.finish_and_clear();
    sink.finish()?;
    let gpu_report = gpu.report();
    eprintln!(
        "wrote {} ({}x{}, {} frames at {fps} fps, {:.2} s): layout {:.2} s, frames drawn in {:.2} s and encoded in {:.2} s on {} ({})",
        args.output.display(),
        size.0,
        size.1,
        report.frames,
        report.duration,
        report.layout.as_secs_f64(),
        report.render.as_secs_f64(),
        report.encode.as_secs_f64(),
        gpu_report.name,
        gpu_report.backend
    );
    Ok(())
}

/// The side of the feature maps' atlas texture, in texels: within wgpu's default limit,
/// which every adapter meets, and 64 MiB at most (26,000 maps still get 25
/// texels a side each).
const FEATURE_MAP_ATLAS: u32 = 4096;

fn activations(args: ActivationsArgs) -> Result<()> {
    if let Some(path) = &args.output {
        check_output(path, "png", args.force)?;
    }
    let level = LevelArgs { level: args.level, top_k: args.top_k, min_weight: 0.0 };
    let start = std::time::Instant::now();
    let (mut loaded, acts, from) = match (&args.input, &args.saved) {
        (Some(input), _) => {
            if !args.model.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
                bail!(
                    "{}: netlens runs ONNX models only; give activations saved from another run with --saved",
                    args.model.display()
                );
            }
            let loaded = level.load(&args.model)?;
            let input_array = load::load_array(input, 6)?;
            (loaded, crate::activations::run(&args.model, &input_array)?, input)
        }
        (None, Some(saved)) => {
            let loaded = level.load(&args.model)?;
            let acts = crate::activations::saved(saved, &loaded.graph)?;
            (loaded, acts, saved)
        }
        (None, None) => bail!("give the model an --input to run on, or --saved activations"),
    };
    let seconds = start.elapsed().as_secs_f64();
    for why in &acts.unused {
        eprintln!("netlens: note: {}: {why}", from.display());
    }
    let mut values = acts.on(&loaded.graph);
    let covered = values.iter().filter(|v| v.is_finite()).count();
    // Per layer (the node name before its [index]): units, mean and largest activation.
    let mut layers: Vec<(String, usize, f64, f32)> = Vec::new();
    for v in 0..loaded.graph.node_count() {
        let value = values[v as usize];
        if !value.is_finite() {
            continue;
        }
        let name = loaded.graph.node_name(v);
        let layer = name.rsplit_once('[').map_or(name.as_str(), |(l, _)| l).to_owned();
        match layers.last_mut().filter(|l| l.0 == layer) {
            Some(l) => {
                l.1 += 1;
                l.2 += value as f64;
                l.3 = l.3.max(value);
            }
            None => layers.push((layer, 1, value as f64, value)),
        }
    }
    let nodes = loaded.graph.node_count();
    // Conv channels' feature maps, where the model is drawn, on the graph as it is
    // (clusters stand for many).
    let draws = args.output.is_some() || (!args.json && app::display_available());
    let feature_maps =
        (draws && args.clusters.is_none()).then(|| acts.feature_maps(&loaded.graph, FEATURE_MAP_ATLAS)).flatten();
    // Each cluster: its name and its members' names.
    let mut clusters: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(k) = args.clusters {
        let graph = &loaded.graph;
        let profile = acts.profiles(graph);
        let (clustered, new_of) = graph.cluster_layers(k as usize, args.cluster_seed, &Likeness::Profiles(&profile));
        // A cluster's activation: its members' mean.
        let mut sums = vec![(0f64, 0usize); clustered.node_count() as usize];
        for (v, &c) in new_of.iter().enumerate() {
            if values[v].is_finite() {
                sums[c as usize].0 += values[v] as f64;
                sums[c as usize].1 += 1;
            }
        }
        values = sums.iter().map(|&(s, n)| if n > 0 { (s / n as f64) as f32 } else { f32::NAN }).collect();
        let sizes = clustered.nodes.columns.iter().find(|c| c.name == crate::graph::MEMBERS).map(|c| &c.values);
        let mut members: Vec<Vec<String>> = vec![Vec::new(); clustered.node_count() as usize];
        for (v, &c) in new_of.iter().enumerate() {
            if sizes.is_some_and(|s| s[c as usize] > 0.0) {
                members[c as usize].push(graph.node_name(v as u32));
            }
        }
        clusters = members
            .into_iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .map(|(c, m)| (clustered.node_name(c as u32), m))
            .collect();
        drop(profile);
        loaded.graph = clustered;
    }
    if args.json {
        let layers: Vec<serde_json::Value> = layers
            .iter()
            .map(|(name, n, sum, max)| json!({"layer": name, "units": n, "mean": sum / *n as f64, "max": max}))
            .collect();
        let outputs: Vec<serde_json::Value> =
            acts.results.iter().map(|(name, shape, v)| json!({"name": name, "shape": shape, "values": v})).collect();
        let clusters: Vec<serde_json::Value> =
            clusters.iter().map(|(name, members)| json!({"name": name, "members": members})).collect();
        println!(
            "{}",
            json!({"model": args.model.display().to_string(), "seconds": seconds, "nodes": nodes, "with_activation": covered, "outputs": outputs, "layers": layers, "clusters": clusters})
        );
    } else {
        match args.input {
            Some(_) => println!("ran {} on {} in {seconds:.3} s", args.model.display(), from.display()),
            None => println!("read {} for {} in {seconds:.3} s", from.display(), args.model.display()),
        }
        if !clusters.is_empty() {
            println!(
                "{} neurons clustered by activation into {} nodes ({} clusters)",
                clusters.iter().map(|c| c.1.len()).sum::<usize>(),
                loaded.graph.node_count(),
                clusters.len()
            );
        }
        let largest = |v: &[f32]| v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, &x)| (i, x));
        for (name, shape, v) in &acts.results {
            match shape.as_slice() {
                [batch, ..] if *batch > 1 && !v.is_empty() => {
                    let best: Vec<String> =
                        v.chunks(v.len() / batch).filter_map(largest).map(|(i, _)| i.to_string()).take(40).collect();
                    let more = if *batch > 40 { " ..." } else { "" };
                    println!("output {name}: shape {shape:?}; largest at, input by input: {}{more}", best.join(" "));
                }
                _ => match largest(v) {
                    Some((i, x)) => println!("output {name}: {} values, largest {x:.4} at {i}", v.len()),
                    None => println!("output {name}: empty"),
                },
            }
        }
        println!("{covered} of {nodes} nodes have an activation; by layer (units, mean, largest):");
        for (name, n, sum, max) in &layers {
            println!("  {name:<40} {n:>6} {:>10.4} {max:>10.4}", sum / *n as f64);
        }
    }
    let name = "activation";
    loaded.graph.nodes.columns.retain(|c| c.name != name);
    loaded.graph.nodes.columns.push(crate::graph::Column { name: name.into(), width: 1, values });
    let color_by = ColorBy::Column(name.into());
    let config = LayoutConfig { kind: LayoutKind::Layered, dim: args.dim, ..LayoutConfig::default() };
    if let Some(path) = &args.output {
        let look = Look { color_by: Some(color_by), feature_maps: feature_maps.as_ref(), ..Look::default() };
        let (rgba, note) = render_frame(&loaded, &config, args.size, &look)?;
        write_png(path, args.size, &rgba).with_context(|| format!("{}: cannot write", path.display()))?;
        let maps = feature_maps.map(|m| format!(", {} feature maps on their channels", m.tiles.len()));
        eprintln!(
            "wrote {} ({}x{}): {note}; nodes coloured by activation, low to high along the ramp{}",
            path.display(),
            args.size.0,
            args.size.1,
            maps.unwrap_or_default()
        );
    } else if draws {
        let title = format!("netlens: {} on {}", args.model.display(), from.display());
        let options = ViewOptions { color_by, feature_maps, ..args.scripted.window(args.size, title) };
        app::run(loaded.graph, config, options)?;
    }
    Ok(())
}

fn attention(args: AttentionArgs) -> Result<()> {
    use crate::attention::{Keep, View, draw, load};
    match &args.output {
        Some(path) => check_output(path, "png", args.force)?,
        None if !app::display_available() => {
            bail!("no display (DISPLAY and WAYLAND_DISPLAY are unset): give -o FILE.png to write a picture")
        }
        None => {}
    }
    let start = std::time::Instant::now();
    let attention = load(&args.input)?;
    let t = attention.tokens;
    let tokens: Vec<String> = match &args.tokens {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let tokens: Vec<String> = text.lines().map(str::to_owned).collect();
            if tokens.len() != t {
                bail!("{}: holds {} tokens, but the attention is {t} x {t}", path.display(), tokens.len());
            }
            tokens
        }
        None => (0..t).map(|i| i.to_string()).collect(),
    };
    let view = match (args.layer, args.head) {
        (Some(layer), Some(head)) => {
            if layer >= attention.layers || head >= attention.heads {
                bail!(
                    "{}: --layer {layer} --head {head} is outside its {} layers and {} heads (they count from 0)",
                    args.input.display(),
                    attention.layers,
                    attention.heads
                );
            }
            View::Head { layer, head }
        }
        _ => View::Model,
    };
    if !(0.0..=1.0).contains(&args.min_weight) {
        bail!("--min-weight {} is not between 0 and 1", args.min_weight);
    }
    let keep = Keep { min_weight: args.min_weight, top_k: args.top_k as usize };
    let drawing = draw(&attention, &tokens, view, keep);
    let Some(output) = &args.output else {
        let title = format!("netlens: attention, {} ({} tokens)", args.input.display(), t);
        let options = ViewOptions {
            selection: Selection { seeds: Vec::new(), hops: 1, direction: Direction::Out },
            edge_coloring: EdgeColoring::Weight,
            positions: Some(drawing.positions),
            ..args.scripted.window(args.size, title)
        };
        let config = LayoutConfig { kind: LayoutKind::Layered, ..LayoutConfig::default() };
        app::run(drawing.graph, config, options)?;
        return Ok(());
    };
    let gpu = Gpu::headless()?;
    let look = Look { edge_coloring: EdgeColoring::Weight, ..Look::default() };
    let rgba = crate::snapshot::annotated_picture(
        &gpu,
        &drawing.graph,
        &drawing.positions,
        args.size,
        &look,
        &drawing.texts,
        crate::attention::ROW,
    )?;
    write_png(output, args.size, &rgba).with_context(|| format!("{}: cannot write", output.display()))?;
    let what = match view {
        View::Head { layer, head } => format!("layer {layer}, head {head}"),
        View::Model => format!("{} layers x {} heads", attention.layers, attention.heads),
    };
    eprintln!(
        "wrote {} ({}x{}): {what} of {t} tokens, {} edges drawn, in {:.2} s",
        output.display(),
        args.size.0,
        args.size.1,
        drawing.graph.edge_count(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn model_diff(args: DiffArgs) -> Result<()> {
    if let Some(path) = &args.output {
        check_output(path, "png", args.force)?;
    }
    let (a, b) = (load::load_graph(&args.a)?, load::load_graph(&args.b)?);
    for loaded in [&a, &b] {
        if loaded.model.is_none() {
            bail!("{}: is a graph, not a model; diff compares ONNX, GGUF and safetensors models", loaded.source);
        }
    }
    let (weights_a, weights_b) = (load::weights::open(&args.a)?, load::weights::open(&args.b)?);
    let diff = crate::diff::diff(&a.graph, &weights_a, &b.graph, &weights_b);
    if args.json {
        let mut report = serde_json::to_value(&diff)?;
        report["a"] = json!(args.a.display().to_string());
        report["b"] = json!(args.b.display().to_string());
        println!("{report}");
    } else {
        print_diff(&args, &a, &b, &diff);
    }
    if let Some(path) = &args.output {
        let mut graph = b.graph.clone();
        let (status, names) = crate::diff::node_status(&graph, &diff);
        graph.nodes.classes = Some(status);
        let mut class_names = crate::graph::StringTable::default();
        names.iter().for_each(|n| class_names.push(n));
        graph.nodes.class_names = Some(class_names);
        let shown = Loaded { graph, ..b };
        let config = LayoutConfig { kind: LayoutKind::Layered, ..LayoutConfig::default() };
        let (rgba, note) = render_frame(&shown, &config, args.size, &Look::default())?;
        write_png(path, args.size, &rgba).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "wrote {} ({}x{}): {note}; colours: blue unchanged, orange changed, red added",
            path.display(),
            args.size.0,
            args.size.1
        );
    }
    Ok(())
}

fn print_diff(args: &DiffArgs, a: &Loaded, b: &Loaded, diff: &crate::diff::ModelDiff) {
    const LISTED: usize = 20;
    let params = |l: &Loaded| l.model.as_ref().map_or(0, |m| m.params);
    println!("A: {} ({} operators, {} parameters)", args.a.display(), a.graph.node_count(), params(a));
    println!("B: {} ({} operators, {} parameters)", args.b.display(), b.graph.node_count(), params(b));
    let count = |entries: &[crate::diff::Entry], kind: &str| entries.iter().filter(|e| e.kind == kind).count();
    println!(
        "operators: {} added, {} removed, {} changed; groups: {} added, {} removed",
        count(&diff.added, "operator"),
        count(&diff.removed, "operator"),
        diff.changed.len(),
        count(&diff.added, "group"),
        count(&diff.removed, "group")
    );
    let u = &diff.unmatched_weights;
    println!(
        "weights: {} tensors compared; {} only in A, {} only in B, {} with other shapes",
        diff.weights.len(),
        u.only_a.len(),
        u.only_b.len(),
        u.reshaped.len()
    );
    if !diff.layers.is_empty() {
        println!("layers, most changed first (relative: RMS of B - A over RMS of A):");
        for layer in diff.layers.iter().take(LISTED) {
            println!(
                "  {:<40} relative {:>9.4}  rms delta {:>10.3e}  ({} tensors, {} values)",
                layer.layer, layer.relative, layer.rms_delta, layer.tensors, layer.elements
            );
        }
    }
    for (title, entries) in [("added", &diff.added), ("removed", &diff.removed)] {
        if !entries.is_empty() {
            println!("{title}:");
            for e in entries.iter().take(LISTED) {
                println!("  {} {}{}", e.kind, e.name, e.op.as_ref().map_or(String::new(), |op| format!(" ({op})")));
            }
            if entries.len() > LISTED {
                println!("  ... {} more (--json lists all)", entries.len() - LISTED);
            }
        }
    }
    if !diff.changed.is_empty() {
        println!("changed:");
        for c in diff.changed.iter().take(LISTED) {
            println!("  {}: {}", c.name, c.what.join("; "));
        }
        if diff.changed.len() > LISTED {
            println!("  ... {} more (--json lists all)", diff.changed.len() - LISTED);
        }
    }
}

/// A progress bar for iterations, labelled with the phase (set_message); "layout" first.
fn progress_bar() -> ProgressBar {
    ProgressBar::new(0)
        .with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} iterations, {elapsed} (ETA {eta})")
                .expect("valid template")
                .progress_chars("=> "),
        )
        .with_message(Phase::Layout.describe())
}

fn view(args: ViewArgs) -> Result<()> {
    let loaded = load_graph(&args.graph)?;
    args.edges.check(&loaded);
    let training = args.training.run(&args.graph.level, &loaded)?;
    if !app::display_available() {
        let path = fresh_path("netlens-view", "png");
        let look = args.edges.look(None);
        let (rgba, note) = render_frame(&loaded, &args.layout.config(&loaded), args.size, &look)?;
        write_png(&path, args.size, &rgba).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "no display (DISPLAY and WAYLAND_DISPLAY are unset): wrote {} instead ({note}); `netlens render -o FILE.png` writes PNGs directly",
            path.display()
        );
        return Ok(());
    }
    let title = format!(
        "netlens: {} ({} nodes, {} edges)",
        loaded.source,
        loaded.graph.node_count(),
        loaded.graph.edge_count()
    );
    let selection = args.hops.selection(&loaded, &args.select)?.unwrap_or(Selection {
        seeds: Vec::new(),
        hops: args.hops.hops,
        direction: args.hops.direction,
    });
    let options = ViewOptions {
        selection,
        bundle: args.edges.bundle().unwrap_or_default(),
        bundled: args.edges.bundle.is_some(),
        edge_coloring: if training.is_none() { args.edges.edge_color } else { EdgeColoring::Weight },
        training,
        ..args.scripted.window(args.size, title)
    };
    let config = args.layout.config(&loaded);
    app::run(loaded.graph, config, options)?;
    Ok(())
}

fn info(args: InfoArgs) -> Result<()> {
    let want_graph = args.graph.is_some() || !args.gpu;
    let mut object = serde_json::Map::new();
    let mut text = Vec::new();
    if want_graph {
        let graph_args = GraphArgs {
            graph: args.graph.clone(),
            labels: None,
            node_data: Vec::new(),
            undirected: args.undirected,
            level: args.level,
            collapse: args.collapse,
            clusters: args.clusters,
            cluster_seed: args.cluster_seed,
        };
        let loaded = load_graph(&graph_args)?;
        let graph = &loaded.graph;
        let summary = graph.summary();
        object.insert("source".into(), json!(loaded.source.to_string()));
        object.insert("format".into(), json!(loaded.format.name()));
        if let serde_json::Value::Object(fields) = serde_json::to_value(&summary)? {
            object.extend(fields);
        }
        object.insert("weighted".into(), json!(graph.weights.is_some()));
        object.insert("edge_columns".into(), json!(graph.edge_columns.iter().map(|c| &c.name).collect::<Vec<_>>()));
        object.insert("named_nodes".into(), json!(graph.nodes.labels.is_some()));
        if let Some(classes) = graph.class_count() {
            object.insert("classes".into(), json!(classes));
        }
        object.insert("groups".into(), json!(graph.groups.len()));
        object.insert("repeated_groups".into(), json!(graph.groups.repeated()));
        if let Some(model) = &loaded.model
            && let serde_json::Value::Object(fields) = serde_json::to_value(model)?
        {
            object.extend(fields);
        }
        text.push(format!("{} ({})", loaded.source, loaded.format.name()));
        text.push(format!("nodes       {}", summary.nodes));
        text.push(format!(
            "edges       {} ({}{})",
            summary.edges,
            if summary.directed { "directed" } else { "undirected" },
            if graph.weights.is_some() { ", weighted" } else { "" }
        ));
        text.push(format!("components  {} (largest {} nodes)", summary.components, summary.largest_component));
        text.push(format!(
            "degree      {} to {}, mean {:.2}",
            summary.degree_min, summary.degree_max, summary.degree_mean
        ));
        text.push(format!("isolated    {}, self-loops {}", summary.isolated_nodes, summary.self_loops));
        if let Some(classes) = graph.class_count() {
            text.push(format!("classes     {classes}"));
        }
        if !graph.groups.is_empty() {
            text.push(format!("groups      {}", graph.groups.len()));
        }
        if let Some(model) = &loaded.model {
            text.push(format!("params      {}", model.params));
            let mut ops: Vec<(&String, &u64)> = model.ops.iter().collect();
            ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let ops: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
            text.push(format!("ops         {}", ops.join(", ")));
            if !model.producer.is_empty() {
                text.push(format!("producer    {}", model.producer));
            }
            if let Some(layers) = model.layers {
                let mut parts = vec![format!("{layers} layers")];
                if let Some(heads) = model.heads {
                    let kv = model
                        .kv_heads
                        .filter(|&kv| kv != heads)
                        .map(|kv| format!(" ({kv} key/value)"))
                        .unwrap_or_default();
                    parts.push(format!("{heads} heads{kv}"));
                }
                if let Some(hidden) = model.hidden {
                    parts.push(format!("hidden {hidden}"));
                }
                let name =
                    if model.architecture.is_empty() { String::new() } else { format!(" {}", model.architecture) };
                text.push(format!("transformer{name}: {}", parts.join(", ")));
            }
        }
    }
    if args.gpu {
        let report = Gpu::headless()?.report();
        if !text.is_empty() {
            text.push(String::new());
        }
        text.push(report.to_string());
        let value = serde_json::to_value(&report)?;
        if want_graph {
            object.insert("gpu".into(), value);
        } else if let serde_json::Value::Object(fields) = value {
            object = fields;
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Object(object));
    } else {
        println!("{}", text.join("\n"));
    }
    Ok(())
}

fn khop(args: KhopArgs) -> Result<()> {
    let loaded = load_graph(&args.graph)?;
    let selection = args.hops.selection(&loaded, &args.node)?.expect("--node is required");
    let graph = &loaded.graph;
    let gpu = Gpu::headless()?;
    let khop = KHop::new(&gpu.device);
    let hops = crate::khop::hops_buffer(&gpu, graph.node_count())?;
    let mut neighbourhoods = Neighbourhoods::new(&gpu, &khop, graph, selection.direction, hops)?;
    let start = std::time::Instant::now();
    neighbourhoods.select(&gpu, &khop, &selection.seeds, selection.hops)?;
    let reached = neighbourhoods.read_counts(&gpu)?;
    let seconds = start.elapsed().as_secs_f64();
    // Nodes are reported as the user named them: by name where they have one.
    let name = |v: u32| match graph.nodes.labels.as_ref().and_then(|l| l.get(v as usize)) {
        Some(label) if !graph.ids_are_indices => json!(label),
        _ => json!(v),
    };
    let direction = if graph.directed { format!("{:?}", selection.direction).to_lowercase() } else { "both".into() };
    let mut report = serde_json::Map::new();
    match selection.seeds.as_slice() {
        [one] => report.insert("node".into(), name(*one)),
        many => report.insert("nodes".into(), json!(many.iter().map(|&v| name(v)).collect::<Vec<_>>())),
    };
    report.insert("hops".into(), json!(selection.hops));
    report.insert("direction".into(), json!(direction));
    report.insert("reached".into(), json!(reached));
    report.insert("within".into(), json!(reached.iter().sum::<u64>()));
    report.insert("nodes_in_graph".into(), json!(graph.node_count()));
    report.insert("seconds".into(), json!(seconds));
    if args.json {
        println!("{}", serde_json::Value::Object(report));
        return Ok(());
    }
    let within: u64 = reached.iter().sum();
    let at: Vec<String> = reached.iter().enumerate().map(|(h, c)| format!("{c} at {h}")).collect();
    let seeds: Vec<String> =
        selection.seeds.iter().map(|&v| name(v).to_string().trim_matches('"').to_owned()).collect();
    println!(
        "{} within {} hops of {} (direction {direction}): {} nodes, {:.2}% of {}; by hops: {}",
        loaded.source,
        selection.hops,
        seeds.join(", "),
        within,
        100.0 * within as f64 / graph.node_count().max(1) as f64,
        graph.node_count(),
        at.join(", ")
    );
    Ok(())
}

fn bench_project(args: BenchProjectArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        println!("netlens bench project on {} ({}), {} dimensions", report.name, report.backend, args.dims);
        println!(
            "{:>9} {:>9} {:>8} {:>10} {:>9} {:>7} {:>9} {:>8} {:>9}",
            "rows", "pca ms", "x cpu", "knn ms", "fuzzy ms", "epochs", "epoch ms", "x cpu", "umap s"
        );
    }
    for &rows in &args.rows {
        if !(32..=crate::graph::MAX_NODES as usize).contains(&rows) {
            bail!("--rows {rows}: from 32 to {} rows", crate::graph::MAX_NODES);
        }
        let t = crate::bench::project(&gpu, rows, args.dims as usize)?;
        if args.json {
            println!("{}", serde_json::to_string(&t)?);
        } else {
            println!(
                "{:>9} {:>9.1} {:>8.3} {:>10.1} {:>9.1} {:>7} {:>9.3} {:>8.3} {:>9.2}",
                t.rows,
                t.pca_gpu_ms,
                t.pca_gpu_ms / t.pca_cpu_ms,
                t.knn_gpu_ms,
                t.fuzzy_ms,
                t.epochs,
                t.epoch_gpu_ms,
                t.epoch_gpu_ms / t.epoch_cpu_ms,
                t.umap_total_ms / 1e3
            );
        }
    }
    Ok(())
}

fn bench_record(args: BenchRecordArgs) -> Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0 && args.seconds <= 600.0) {
        bail!("--seconds must be more than 0 and at most 600, not {}", args.seconds);
    }
    let loaded = load::bundled_cora();
    let gpu = Gpu::headless()?;
    let path = std::env::temp_dir().join(format!("netlens-bench-record-{}.mp4", std::process::id()));
    let mut sink = video::sink::Sink::create(&path, args.size, args.fps, true)?;
    let options = video::Options {
        size: args.size,
        fps: args.fps,
        duration: Some(args.seconds),
        tour: None,
        title: ("cora".into(), None),
        is_model: false,
        bundle: BundleConfig::default(),
        bundled: false,
        edge_coloring: EdgeColoring::Nodes,
        training: None,
    };
    let config = LayoutConfig { kind: LayoutKind::Force, ..LayoutConfig::default() };
    let report = video::record(&gpu, &loaded.graph, &config, &options, &mut sink, |_, _, _| {})?;
    sink.finish()?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    let frames = report.frames as f64;
    let spent = (report.render + report.encode).as_secs_f64();
    let result = json!({
        "size": format!("{}x{}", args.size.0, args.size.1),
        "fps": args.fps,
        "frames": report.frames,
        "render_ms_per_frame": report.render.as_secs_f64() * 1e3 / frames,
        "encode_ms_per_frame": report.encode.as_secs_f64() * 1e3 / frames,
        "x_real_time": report.duration as f64 / spent,
        "mp4_bytes": bytes,
        "adapter": gpu.report().name,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "netlens bench record on {}: {} frames at {}x{} {} fps; draw+readback {:.2} ms/frame, encode {:.2} ms/frame; {:.2}x real time; {} bytes",
            result["adapter"].as_str().unwrap_or_default(),
            report.frames,
            args.size.0,
            args.size.1,
            args.fps,
            result["render_ms_per_frame"].as_f64().unwrap_or_default(),
            result["encode_ms_per_frame"].as_f64().unwrap_or_default(),
            result["x_real_time"].as_f64().unwrap_or_default(),
            bytes
        );
    }
    Ok(())
}

fn bench_bundle(args: BenchBundleArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        println!("netlens bench bundle on {} ({}), {}x{}", report.name, report.backend, args.size.0, args.size.1);
        println!(
            "{:>9} {:>8} {:>8} {:>10} {:>9} {:>9} {:>7} {:>7} {:>10} {:>9}",
            "edges", "nodes", "cells", "bundle ms", "iter ms", "cpu ms", "x cpu", "pixels", "frame ms", "x straight"
        );
    }
    for &edges in &args.edges {
        if edges > 20_000_000 {
            bail!("--edges {edges}: at most 20000000 edges (5 GB of paths)");
        }
        let t = crate::bench::bundle(&gpu, edges, args.size)?;
        if args.json {
            println!("{}", serde_json::to_string(&t)?);
        } else {
            println!(
                "{:>9} {:>8} {:>8} {:>10.1} {:>9.2} {:>9.2} {:>7.3} {:>7.3} {:>10.2} {:>9.2}",
                t.edges,
                t.nodes,
                t.cells,
                t.gpu_ms,
                t.gpu_iteration_ms,
                t.cpu_iteration_ms,
                t.gpu_iteration_ms / t.cpu_iteration_ms,
                t.pixel_ratio,
                t.bundled_frame_ms,
                t.bundled_frame_ms / t.straight_frame_ms
            );
        }
    }
    Ok(())
}

fn bench_render(args: BenchRenderArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        println!("netlens bench render on {} ({}), {}x{}", report.name, report.backend, args.size.0, args.size.1);
        println!(
            "{:>10} {:>9} {:>10} {:>9} {:>11} {:>9} {:>9} {:>11} {:>9}",
            "edges", "nodes", "frame ms", "x empty", "highlit ms", "reached", "khop ms", "cpu bfs ms", "x cpu"
        );
    }
    for &edges in &args.edges {
        if edges > 200_000_000 {
            bail!("--edges {edges}: at most 200000000 edges (1.6 GB of edge list)");
        }
        let t = crate::bench::render(&gpu, edges, args.size, args.frames)?;
        if args.json {
            println!("{}", serde_json::to_string(&t)?);
        } else {
            println!(
                "{:>10} {:>9} {:>10.2} {:>9.1} {:>11.2} {:>9} {:>9.2} {:>11.2} {:>9.3}",
                t.edges,
                t.nodes,
                t.frame_ms,
                t.frame_ms / t.empty_frame_ms,
                t.highlighted_frame_ms,
                t.khop_reached,
                t.khop_gpu_ms,
                t.khop_cpu_ms,
                t.khop_gpu_ms / t.khop_cpu_ms
            );
        }
    }
    Ok(())
}
