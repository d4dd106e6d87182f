//! The `netlens` command line: one file per command, each an `Args` struct (clap) and a
//! `run` that calls the library; the argument groups they share live in [`args`].
//!
//! Each command loads a graph ([`crate::load`]), lays it out on the GPU
//! ([`crate::layout`]) and shows it ([`crate::render`], [`crate::app`]). Errors are
//! reported once, in `main`, as one line.

mod activations;
pub mod args;
mod attention;
mod bench;
pub mod diff;
pub mod export;
pub mod gnn;
pub mod info;
mod khop;
mod layout;
pub mod project;
pub mod record;
pub mod render;
mod serve;
pub mod view;

use anyhow::Result;
use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  netlens view                                   open the bundled Cora citation graph
  netlens view edges.csv --dim 3                 fly around a graph laid out in 3D
  netlens render graph.mtx -o graph.png          lay out on the GPU, write a PNG
  netlens render edges.tsv --labels y.npy -o cora.png --size 3840x2160
  netlens info --json edges.tsv                  nodes, edges, components, degrees as JSON
  netlens layout graph.mtx -o pos.npy --metrics  positions as N x 2 float32, and their quality
  netlens export edges.tsv -o g.gexf -o g.graphml   the layout for Gephi, Cytoscape, networkx
  netlens export model.onnx -o model.html       a page to explore it in any browser, offline
  netlens serve edges.tsv --port 8000            the same page over HTTP (SSH tunnel: ssh -L)
  netlens info ogbn-arxiv/                       an OGB dataset: edges, features, labels, split
  netlens render spark-out/edges --nodes spark-out/vertices -o g.png   Parquet part folders
  netlens info --gpu                             the adapter netlens uses and its limits
  netlens khop --node 35 --hops 2 --json         how many nodes lie 0, 1, 2 hops from node 35
  netlens render --select 35 --hops 2 -o n.png   highlight that neighbourhood in a picture
  netlens render --bundle -o bundled.png         edges gathered into bundles (GPU)
  netlens diff early.onnx late.onnx              what changed between two models
  netlens attention att.npy --tokens t.txt -o a.png   attention as token-to-token edges

Graph files: edge lists (.tsv, .csv, .txt, any separator; '#'/'%' comments; optional
header and weight column; integer or string ids), Matrix Market (.mtx) and PyG
edge_index arrays (.npy, 2 x E), each also gzip- or zstd-compressed (.gz, .zst); Parquet
and Arrow edge tables (.parquet, .arrow, .feather, or a folder of part files as Spark
writes them; --src/--dst/--weight choose columns, --nodes attaches a vertex table); OGB
node-property dataset folders. Model files: ONNX (.onnx), PyTorch exported programs (.pt2,
torch.export.save), safetensors checkpoints (a HuggingFace folder with config.json, or a
.safetensors file) and GGUF (.gguf), shown as
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
    View(view::Args),
    /// Lay a graph out on the GPU and write a PNG, or an SVG of a 2D view
    Render(render::Args),
    /// Lay a graph out and write the positions (.npy, N x 2 or N x 3 float32, rows in the
    /// loader's node order) and/or print quality metrics
    Layout(layout::Args),
    /// Print a summary of a graph (nodes, edges, components, degrees) or of the GPU
    Info(info::Args),
    /// Lay a graph out and write it for a browser (HTML) or other tools: GraphML, GEXF,
    /// DOT, JSON, CSV, Parquet
    ///
    /// `-o view.html` writes one self-contained page (no network needed to view it) to
    /// pan, zoom (orbit and fly with --dim 3), hover for details, click and Shift-click to
    /// select with the K-hop neighbourhood, search names, colour by class, group, degree
    /// or a node column, and browse the groups; --embedding E.npy adds the embedding's
    /// projection beside the graph, linked to it. Every other file holds the nodes with their positions (as `netlens layout` places them
    /// for the same options), radius, colour, class, group path, degree and node columns,
    /// and the edges with their weights. --select with --hops adds each node's hop from
    /// the selection; --bundle adds the bundled paths where the format can hold them
    /// (GraphML, JSON, Cytoscape.js, DOT). Gephi opens .gexf and .graphml with the layout
    /// and colours, Cytoscape .graphml and .cyjs, networkx .graphml, .gexf and .json,
    /// Graphviz draws .dot at the given positions with `neato -n`.
    Export(export::Args),
    /// Serve the browser view over HTTP: for a remote machine (through an SSH tunnel) and
    /// for graphs too large for one HTML file
    ///
    /// The same page as `export -o view.html`, with the scene sent as binary. Listens on
    /// 127.0.0.1:8000 unless told; on another address every request needs the random
    /// token printed in the URL. Serves only the page and its scene, never a file.
    Serve(serve::Args),
    /// Count the nodes within K hops of a node (breadth-first search on the GPU)
    ///
    /// Prints how many nodes lie at exactly 0, 1, ..., K hops; with --json as
    /// {"node": ID, "hops": K, "reached": [c0, c1, ..., cK]} (c0 = 1).
    Khop(khop::Args),
    /// Project a node embedding to 2D or 3D on the GPU and write the coordinates
    ///
    /// Reads an N x D matrix (.npy of any numeric dtype, float16 and float32 included, or a
    /// CSV of numbers) and writes N x 2 (or N x 3) float32 .npy, rows in the same order.
    /// --method umap (the default) keeps neighbourhoods: a UMAP-style embedding of the
    /// exact k-nearest-neighbour graph, started from the PCA; --method pca is linear and
    /// prints the share of the variance each axis explains. The same input and --seed give
    /// the same coordinates on every run.
    Project(project::Args),
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
    Gnn(gnn::Args),
    /// Record a camera tour of a graph, headless, to MP4, GIF or numbered PNGs
    ///
    /// Without --tour, a tour is made up: for a model, a flight from its inputs to its
    /// outputs with the layer in view named in a corner; for a 3D graph, an orbit; for a 2D
    /// graph, a visit to its best-connected node and its 2-hop neighbourhood. A tour file
    /// (TOML) sets keyframes (time, what to look at, zoom, yaw and pitch, easing) and
    /// actions (select nodes with K hops, captions); the README has a full example. The
    /// output has exactly fps x duration frames, and the same input gives the same file.
    Record(record::Args),
    /// Compare two models: operators and groups added, removed and changed, and how far
    /// the weights moved
    ///
    /// Operators and groups are matched by name; an operator changed when its type, shapes
    /// or parameter list differ. Weights are matched by tensor name and compared where the
    /// shapes agree: the root mean square of B - A, relative to A's, per tensor and per
    /// layer (the name up to its last '.'), streamed from both files. Two checkpoints of
    /// one run show where training moved the network. -o FILE.png draws B with its
    /// operators coloured unchanged, changed (or reading weights that moved) and added.
    Diff(diff::Args),
    /// Draw attention maps as token-to-token edges (BertViz's head and model views)
    ///
    /// Reads [layers, heads, T, T] attention weights (.npy; or .safetensors with one such
    /// tensor per layer, as transformers returns them with output_attentions=True). With
    /// --layer and --head, the head view: the tokens twice, queries left and keys right,
    /// each query joined to the keys it attends to, coloured and opaque by weight; without,
    /// the model view: every layer (rows) and head (columns). Each query keeps its --top-k
    /// strongest keys of at least --min-weight, so thousands of tokens stay drawable.
    Attention(attention::Args),
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
    Activations(activations::Args),
    /// Time netlens at scale on generated graphs, against baselines measured in the same run
    #[command(subcommand)]
    Bench(bench::Command),
}

/// Runs the command line `args` (the program's name first) as the `netlens` program
/// does, and returns its exit status: netlens's warnings and any error go to stderr as
/// one line each. The binary and the Python package's `netlens` command both start here.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    let runtime_dir = quiet_runtime_dir();
    // A damaged table's reader may panic; netlens turns that into an error line, so the
    // panic itself stays quiet. Every other panic is reported as usual.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !crate::load::columnar::guarding() {
            report(info)
        }
    }));
    show_warnings();
    let code = match run(Cli::parse_from(args)) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("netlens: error: {error:#}");
            1
        }
    };
    if let Some(dir) = runtime_dir {
        let _ = std::fs::remove_dir(dir);
    }
    code
}

/// Prints netlens's own warnings and errors to stderr; other crates' records (wgpu's
/// driver chatter) stay silent.
struct Warnings;

impl log::Log for Warnings {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn && metadata.target().starts_with("netlens")
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("netlens: {}: {}", record.level().as_str().to_lowercase(), record.args());
        }
    }

    fn flush(&self) {}
}

/// Sends the library's warnings (a GPU pass that fell back to the CPU, and why) to
/// stderr; the first logger a process installs stays.
pub fn show_warnings() {
    if log::set_logger(&Warnings).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// Mesa's window-system probe prints `error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment.` on machines without a login session (SSH, containers, CI) although
/// nothing is wrong; an empty private runtime folder, only where the variable is unset,
/// keeps it quiet. Returns the folder to remove at the end.
fn quiet_runtime_dir() -> Option<std::path::PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("netlens-runtime-{}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir).ok()?;
        // SAFETY: called first, before netlens starts any thread; the Python command calls
        // it from its main thread before anything else.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        Some(dir)
    }
    #[cfg(not(unix))]
    None
}

/// Runs one parsed command.
fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::View(args) => view::run(args),
        Command::Render(args) => render::run(args),
        Command::Layout(args) => layout::run(args),
        Command::Info(args) => info::run(args),
        Command::Export(args) => export::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Khop(args) => khop::run(args),
        Command::Project(args) => project::run(args),
        Command::Gnn(args) => gnn::run(args),
        Command::Record(args) => record::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Attention(args) => attention::run(args),
        Command::Activations(args) => activations::run(args),
        Command::Bench(command) => bench::run(command),
    }
}
