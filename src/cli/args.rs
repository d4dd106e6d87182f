//! Argument groups several commands share (graph input, model level, layout, edges, hops, training run, scripted window), their parsers, the output check, and the progress bar.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};

use crate::analysis::training;
use crate::app::ViewOptions;
use crate::bundle::{BundleConfig, BundleMethod};
use crate::geom::Dim;
use crate::graph::{Direction, Likeness};
use crate::khop::{MAX_HOPS, Selection};
use crate::layout::{Flow, LayoutConfig, LayoutKind};
use crate::load::neurons::Pruning;
use crate::load::{self, Loaded};
use crate::render::{EdgeColoring, EdgeDetail};
use crate::view::{Look, Phase};

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Graph file: edge list, Matrix Market (.mtx), PyG edge_index (.npy), each also
    /// gzip- or zstd-compressed; a Parquet or Arrow edge table (a file, or a folder of part
    /// files as Spark writes them); an OGB dataset folder (raw/edge.csv.gz and its
    /// features, labels and split); or a model: ONNX, GGUF, a PyTorch exported program
    /// (.pt2, from torch.export.save), or a safetensors checkpoint (a .safetensors file or
    /// a folder with config.json).
    /// Omit it for the bundled Cora citation graph (2708 papers, 7 classes)
    pub graph: Option<PathBuf>,
    #[command(flatten)]
    pub table: TableArgs,
    /// Node classes: a 1-D integer .npy (-1 for none); nodes are coloured by class
    #[arg(long, value_name = "FILE.npy")]
    pub labels: Option<PathBuf>,
    /// Names of the classes, one a line (the first names class 0), for legends and
    /// tooltips
    #[arg(long, value_name = "FILE.txt")]
    pub class_names: Option<PathBuf>,
    /// Attach a numeric node array (1-D or 2-D .npy) under a name; repeatable
    #[arg(long = "node-data", value_name = "NAME=FILE.npy")]
    pub node_data: Vec<String>,
    /// Treat the edges as undirected (edge lists are read as directed)
    #[arg(long)]
    pub undirected: bool,
    #[command(flatten)]
    pub level: LevelArgs,
    /// Show every group this many levels down (0: the outermost) as one node: the blocks
    /// of a model instead of its operators
    #[arg(long, value_name = "DEPTH")]
    pub collapse: Option<usize>,
    /// Neuron level: cluster the neurons of every layer into at most K by their incoming
    /// weights (k-means, seeded by --cluster-seed), each cluster one node whose edges sum
    /// the weights of its connections; --bundle then shows how the clusters connect
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub clusters: Option<u32>,
    /// Seed of the clustering: the same seed gives the same clusters
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    pub cluster_seed: u64,
}

impl GraphArgs {
    /// Loads a graph file (or the bundled default) and says any notice about it on stderr.
    pub fn load(&self) -> Result<Loaded> {
        self.load_or(None)
    }

    /// The graph `given` in memory (the Python package's) with these options applied
    /// (labels, node data, clusters, collapse ...), else the file's as [`Self::load`].
    pub fn load_or(&self, given: Option<Loaded>) -> Result<Loaded> {
        let mut loaded = match (given, &self.graph) {
            (Some(_), Some(path)) => bail!("{}: a graph is given already; the file is not read", path.display()),
            (Some(_), None) if self.level.level == Level::Neurons => {
                bail!("the level is chosen when the graph is loaded: netlens.load(path, level=\"neurons\")")
            }
            (Some(given), None) => given,
            (None, Some(path)) => self.level.load(path, &self.table.columns())?,
            (None, None) => load::bundled_cora(),
        };
        self.table.check(&loaded)?;
        if let Some(path) = &self.table.nodes {
            let table = load::columnar::attach_vertices(&mut loaded.graph, path)?;
            eprintln!("netlens: note: {}: {}", path.display(), table);
        }
        if let Some(notice) = loaded.model.as_ref().and_then(|m| m.notice.as_ref()) {
            eprintln!("netlens: note: {}: {notice}", loaded.source);
        }
        if let Some(path) = &self.labels {
            load::attach_labels(&mut loaded.graph, path)?;
        }
        if let Some(path) = &self.class_names {
            load::attach_class_names(&mut loaded.graph, path)?;
        }
        for spec in &self.node_data {
            let (name, path) = spec
                .split_once('=')
                .filter(|(name, path)| !name.is_empty() && !path.is_empty())
                .with_context(|| format!("--node-data '{spec}' should be NAME=FILE.npy"))?;
            load::attach_node_data(&mut loaded.graph, name, Path::new(path))?;
        }
        if self.undirected || loaded.source == load::Source::Bundled("cora") {
            loaded.graph.directed = false;
        }
        if let Some(k) = self.clusters {
            if loaded.graph.groups.is_empty() {
                eprintln!("netlens: note: {} has no layers (groups) to cluster", loaded.source);
            }
            loaded.graph = loaded.graph.cluster_layers(k as usize, self.cluster_seed, &Likeness::Weights).graph;
        }
        if let Some(depth) = self.collapse {
            if loaded.graph.groups.is_empty() {
                eprintln!("netlens: note: {} has no groups to collapse", loaded.source);
            }
            loaded.graph = loaded.graph.collapse(depth).graph;
        }
        Ok(loaded)
    }
}

/// Columnar edge tables' columns, and a vertex table.
#[derive(Debug, Default, clap::Args)]
pub struct TableArgs {
    /// Parquet/Arrow edge tables: the column of edge sources [default: src, source, from,
    /// ... or the first integer or text column]; only the columns in use are read
    #[arg(long, value_name = "COL")]
    pub src: Option<String>,
    /// Parquet/Arrow edge tables: the column of edge targets [default: dst, target, to, ...
    /// or the second integer or text column]
    #[arg(long, value_name = "COL")]
    pub dst: Option<String>,
    /// Parquet/Arrow edge tables: the column of edge weights [default: weight, w, value,
    /// ... where numeric, else the first other numeric column]
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// A vertex table, Parquet or Arrow (a file or a folder of part files): column `id`
    /// names the node (an index where edge ids are integers, else a name), `name` gives
    /// display names, a `class`/`label`/`community`/`component`/`type` column colours the nodes,
    /// other numeric and text columns become node columns; vertices no edge names are added
    /// as isolated nodes
    #[arg(long, value_name = "FILE_OR_FOLDER")]
    pub nodes: Option<PathBuf>,
}

impl TableArgs {
    pub fn columns(&self) -> load::columnar::EdgeColumns {
        load::columnar::EdgeColumns { src: self.src.clone(), dst: self.dst.clone(), weight: self.weight.clone() }
    }

    /// Column choices are for tables: on any other input they are an error, not ignored.
    fn check(&self, loaded: &Loaded) -> Result<()> {
        let chosen = self.src.is_some() || self.dst.is_some() || self.weight.is_some();
        if chosen && !matches!(loaded.format, load::Format::Parquet | load::Format::Arrow) {
            bail!(
                "{}: --src, --dst and --weight choose columns of Parquet and Arrow tables; this input's format is {}",
                loaded.source,
                loaded.format.name()
            );
        }
        Ok(())
    }
}

/// How deep into a model to look.
#[derive(Debug, clap::Args)]
pub struct LevelArgs {
    /// Model detail: operators/modules, or neurons (units, channels and attention heads,
    /// connected by their strongest weights; ONNX, safetensors and GGUF)
    #[arg(long, value_enum, default_value = "ops")]
    pub level: Level,
    /// Neuron level: strongest inputs kept per unit
    #[arg(long, default_value_t = Pruning::default().top_k, value_name = "K")]
    pub top_k: usize,
    /// Neuron level: weakest absolute weight kept
    #[arg(long, default_value_t = 0.0, value_name = "W")]
    pub min_weight: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Ops,
    Neurons,
}

impl LevelArgs {
    /// Loads `path` at this level (a table's edges from `columns`); a graph with no nodes
    /// is an error that says why, never an empty picture or report.
    pub fn load(&self, path: &Path, columns: &load::columnar::EdgeColumns) -> Result<Loaded> {
        let loaded = match self.level {
            Level::Ops => load::load_graph_with(path, columns)?,
            Level::Neurons => load::load_neurons(path, Pruning { top_k: self.top_k, min_weight: self.min_weight })?,
        };
        if loaded.graph.node_count() == 0 {
            match self.level {
                Level::Ops => bail!("{}: holds no nodes: there is nothing to show", loaded.source),
                Level::Neurons => bail!(
                    "{}: 0 nodes at the neuron level: none of its weight tensors is a layer netlens reads as \
                     neurons yet (`netlens info {}` shows its module graph)",
                    loaded.source,
                    path.display()
                ),
            }
        }
        Ok(loaded)
    }
}

#[derive(Debug, clap::Args)]
pub struct LayoutArgs {
    /// How to place the nodes: force-directed, layered along the data flow, or auto
    /// (layered for model files, force otherwise)
    #[arg(long, value_enum, default_value = "auto")]
    pub layout: LayoutKind,
    /// Lay out in 2 or 3 dimensions
    #[arg(long, default_value = "2")]
    pub dim: Dim,
    /// Seed of the force layout (coarsening order, first MDS pivot, jitter): the same seed
    /// gives the same picture
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Force-layout iterations on the coarsest level (finer levels refine with a third as
    /// many; rounded up to even)
    #[arg(long, default_value_t = LayoutConfig::default().iterations, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub iterations: u32,
    /// Which way a 2D layered layout runs: left to right wrapped into bands that fill the
    /// frame (deep networks), in one row, or top to bottom
    #[arg(long, value_enum, default_value = "bands")]
    pub flow: Flow,
}

impl LayoutArgs {
    pub fn config(&self, loaded: &Loaded) -> LayoutConfig {
        let kind = self.layout.resolve(loaded.model.is_some());
        LayoutConfig { kind, dim: self.dim, iterations: self.iterations, seed: self.seed, flow: self.flow }
    }
}

/// Hidden window options for scripts and tests.
#[derive(Debug, clap::Args)]
pub struct ScriptedWindow {
    /// Close the window after this many frames (for scripts and tests)
    #[arg(long, hide = true)]
    pub exit_after_frames: Option<u32>,
    /// Print a line to stderr for every frame presented (for scripts and tests)
    #[arg(long, hide = true)]
    pub report_frames: bool,
}

impl ScriptedWindow {
    /// A plain window of `size` titled `title`, scripted as these options say.
    pub fn window(&self, size: (u32, u32), title: String) -> ViewOptions {
        ViewOptions::new(size, title, self.exit_after_frames, self.report_frames)
    }
}

/// A training run to play: checkpoints of the model, and what the edges show.
#[derive(Debug, clap::Args)]
pub struct TrainingArgs {
    /// Checkpoints of the model (same architecture, in training order) to play through,
    /// with --level neurons: the edges show each one's weights in turn, blending from one
    /// to the next, coloured along the ramp
    #[arg(long, num_args = 1.., value_name = "MODEL")]
    pub checkpoints: Vec<PathBuf>,
    /// What the edges show along the run: each weight, or how far it has moved since the
    /// first checkpoint
    #[arg(long, value_enum, default_value = "weights", requires = "checkpoints")]
    pub training_edges: TrainingEdges,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TrainingEdges {
    Weights,
    Change,
}

impl TrainingArgs {
    /// The run, its checkpoints loaded at `level` and aligned to `loaded`'s edges; `None`
    /// without checkpoints.
    pub fn run(&self, level: &LevelArgs, loaded: &Loaded) -> Result<Option<(training::Run, training::Show)>> {
        if self.checkpoints.is_empty() {
            return Ok(None);
        }
        if loaded.graph.weights.is_none() {
            bail!("{}: has no edge weights to animate; checkpoints need --level neurons", loaded.source);
        }
        let bar = new_bar(self.checkpoints.len() as u64)
            .with_style(bar_style("loading checkpoints [{bar:30}] {pos}/{len}, {elapsed}"));
        let mut checkpoints = Vec::with_capacity(self.checkpoints.len());
        for path in &self.checkpoints {
            let other = level.load(path, &Default::default())?.graph;
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
#[derive(Debug, clap::Args)]
pub struct EdgeArgs {
    /// Bundle the edges: density, which a bare --bundle means (image-based on the GPU:
    /// edges gather where many run alike; any graph), or hierarchy (through the centres of
    /// the groups between the two ends; models, e.g. channels between neuron layers)
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "density", value_name = "METHOD")]
    pub bundle: Option<BundleMethod>,
    /// Density bundling: grid cells along the layout's longest side [default: 512 in 2D,
    /// 128 in 3D]; finer grids make tighter bundles and take longer
    #[arg(long, value_name = "CELLS", value_parser = clap::value_parser!(u32).range(16..=4096))]
    pub bundle_resolution: Option<u32>,
    /// Density bundling: iterations, each with a smaller kernel
    #[arg(long, value_name = "N", default_value_t = BundleConfig::default().iterations, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub bundle_iterations: u32,
    /// How strongly edges gather: the density method's step (1: a full mean-shift step),
    /// the hierarchy method's beta (0.85 at 1, capped at 1)
    #[arg(long, value_name = "S", default_value_t = BundleConfig::default().strength, value_parser = parse_strength)]
    pub bundle_strength: f32,
    /// Colour edges by their end nodes (a blend along the edge) or by their direction on
    /// screen (a hue: bundles running opposite ways part by colour)
    #[arg(long, value_enum, default_value = "nodes")]
    pub edge_color: EdgeColoring,
    /// How pictures, videos and the window draw edges: lines, or a density image of how
    /// much edge crosses each pixel; auto draws the density image where edges outnumber
    /// the graph's pixels more than twice over (far faster, and single edges cannot be
    /// told apart there). The browser view always adds up one-pixel lines
    #[arg(long, value_enum, default_value = "auto")]
    pub edge_detail: EdgeDetail,
}

impl EdgeArgs {
    /// Says on stderr when the bundling asked for cannot change `loaded`'s edges.
    pub fn check(&self, loaded: &Loaded) {
        if self.bundle == Some(BundleMethod::Hierarchy) && loaded.graph.groups.is_empty() {
            eprintln!(
                "netlens: note: {} has no groups: hierarchy bundling leaves its edges straight (--bundle density gathers them)",
                loaded.source
            );
        }
    }

    pub fn bundle(&self) -> Option<BundleConfig> {
        self.bundle.map(|method| BundleConfig {
            method,
            resolution: self.bundle_resolution,
            iterations: self.bundle_iterations,
            strength: self.bundle_strength,
        })
    }

    pub fn look<'a>(&self, selection: Option<&'a Selection>) -> Look<'a> {
        Look {
            selection,
            bundle: self.bundle(),
            edge_coloring: self.edge_color,
            edge_detail: self.edge_detail,
            ..Look::default()
        }
    }
}

pub fn parse_strength(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(s) if (0.0..=4.0).contains(&s) => Ok(s),
        _ => Err(format!("'{text}': the strength is a number from 0 to 4")),
    }
}

/// How far a K-hop neighbourhood reaches, and along which edges.
#[derive(Debug, clap::Args)]
pub struct HopArgs {
    /// Hops around the selection
    #[arg(long, default_value_t = 1, value_name = "K", value_parser = clap::value_parser!(u32).range(0..=MAX_HOPS as i64))]
    pub hops: u32,
    /// Follow edges forward (out), backward (in) or both ways; undirected graphs ignore it
    #[arg(long, value_enum, default_value = "both")]
    pub direction: Direction,
}

impl HopArgs {
    /// The selection of the nodes `ids` name (names, or indices where nodes are numbered).
    pub fn selection(&self, loaded: &Loaded, ids: &[String]) -> Result<Option<Selection>> {
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

pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| format!("'{text}' is not WIDTHxHEIGHT, e.g. 1920x1080"))?;
    let parse = |s: &str| s.trim().parse::<u32>().ok().filter(|&v| (16..=16384).contains(&v));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("'{text}': width and height must be whole numbers from 16 to 16384")),
    }
}

/// Checks an output path before the work: the extension, an existing file, the folder.
pub fn check_output(path: &Path, extension: &str, force: bool) -> Result<()> {
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

/// Prints a command's report: one line of JSON with `--json`, else its text; both come
/// from the one value. A reader that stops early (`| head`) ends the printing quietly.
pub fn print_report(report: &(impl serde::Serialize + std::fmt::Display), json: bool) -> Result<()> {
    let text = if json { serde_json::to_string(report)? } else { report.to_string() };
    print_line(text.strip_suffix('\n').unwrap_or(&text))
}

/// Prints one line to standard output; a reader that stopped early (`| head`) is not an
/// error, and nothing more is written.
pub fn print_line(line: impl std::fmt::Display) -> Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.context("cannot write to standard output"),
    }
}

/// The progress bars' look: `template` with a `=>` bar.
pub fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("valid template").progress_chars("=> ")
}

/// Follows a long pass's phases on `bar`: the phase as its message, then done of total.
pub fn follow_phases(bar: &ProgressBar) -> impl FnMut(Phase, u64, u64) + '_ {
    |phase, done, total| {
        bar.set_message(phase.describe());
        bar.set_length(total);
        bar.set_position(done);
    }
}

/// Where progress bars draw, where a host chose (the Python package, in a notebook);
/// otherwise stderr, and only where it is a terminal.
static DRAW_TARGET: std::sync::OnceLock<fn() -> ProgressDrawTarget> = std::sync::OnceLock::new();

/// Sends every progress bar from now on to the targets `target` makes; the first call
/// decides.
pub fn draw_progress_with(target: fn() -> ProgressDrawTarget) {
    let _ = DRAW_TARGET.set(target);
}

/// A progress bar of `len` steps, drawn where [`draw_progress_with`] says.
pub fn new_bar(len: u64) -> ProgressBar {
    match DRAW_TARGET.get() {
        Some(target) => ProgressBar::with_draw_target(Some(len), target()),
        None => ProgressBar::new(len),
    }
}

/// A progress bar for iterations, labelled with the phase (set_message); "layout" first.
pub fn progress_bar() -> ProgressBar {
    new_bar(0)
        .with_style(bar_style("{msg} [{bar:30}] {pos}/{len} iterations, {elapsed} (ETA {eta})"))
        .with_message(Phase::Layout.describe())
}
