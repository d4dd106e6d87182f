//! `netlens activations`: a model run on an input (or saved activations read), its neurons coloured by activation.

use std::fmt;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::PathBuf;

use crate::analysis::activations;
use crate::app::{self, ViewOptions};
use crate::export::write_png;
use crate::geom::Dim;
use crate::gpu::Gpu;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::load::neurons::Pruning;
use crate::load::{self};
use crate::render::annotate::{LegendMode, TextOptions};
use crate::render::palette::ColorBy;
use crate::view::Look;

use super::args::{Level, LevelArgs, ScriptedWindow, check_output, parse_size, print_report};
use super::render::render_frame;

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["input", "saved"]))]
pub struct Args {
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

/// The side of the feature maps' atlas texture, in texels: within wgpu's default limit,
/// which every adapter meets, and 64 MiB at most (26,000 maps still get 25
/// texels a side each).
const FEATURE_MAP_ATLAS: u32 = 4096;

pub fn run(args: Args) -> Result<()> {
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
            let loaded = level.load(&args.model, &Default::default())?;
            let input_array = load::load_array(input, 6)?;
            (loaded, activations::run(&args.model, &input_array)?, input)
        }
        (None, Some(saved)) => {
            let loaded = level.load(&args.model, &Default::default())?;
            let acts = activations::saved(saved, &loaded.graph)?;
            (loaded, acts, saved)
        }
        (None, None) => bail!("give the model an --input to run on, or --saved activations"),
    };
    let seconds = start.elapsed().as_secs_f64();
    for why in &acts.unused {
        eprintln!("netlens: note: {}: {why}", from.display());
    }
    let mut values = acts.on(&loaded.graph);
    let report = Report {
        model: args.model.display().to_string(),
        from: from.display().to_string(),
        ran: args.input.is_some(),
        seconds,
        nodes: loaded.graph.node_count(),
        with_activation: values.iter().filter(|v| v.is_finite()).count(),
        outputs: acts.results.iter().map(|(name, shape, values)| Output { name, shape, values }).collect(),
        layers: activations::layer_stats(&loaded.graph, &values),
        clusters: Vec::new(),
        clustered_nodes: 0,
    };
    // Conv channels' feature maps, where the model is drawn, on the graph as it is
    // (clusters stand for many).
    let draws = args.output.is_some() || (!args.json && app::display_available());
    let feature_maps =
        (draws && args.clusters.is_none()).then(|| acts.feature_maps(&loaded.graph, FEATURE_MAP_ATLAS)).flatten();
    let report = match args.clusters {
        Some(k) => {
            let (clustered, means, clusters) =
                activations::cluster(&loaded.graph, &acts, &values, k as usize, args.cluster_seed);
            loaded.graph = clustered.graph;
            values = means;
            Report { clusters, clustered_nodes: loaded.graph.node_count(), ..report }
        }
        None => report,
    };
    print_report(&report, args.json)?;
    let name = "activation";
    loaded.graph.nodes.columns.retain(|c| c.name != name);
    loaded.graph.nodes.columns.push(crate::graph::Column { name: name.into(), width: 1, values });
    let color_by = ColorBy::Column(name.into());
    let config = LayoutConfig { kind: LayoutKind::Layered, dim: args.dim, ..LayoutConfig::default() };
    if let Some(path) = &args.output {
        // The ramp's legend says what the colours mean; labels would cover the maps.
        let text = TextOptions { legend: LegendMode::Auto, ..TextOptions::NONE };
        let look = Look { color_by: Some(color_by), feature_maps: feature_maps.as_ref(), text, ..Look::default() };
        let (rgba, note) = render_frame(&Gpu::headless()?, &loaded, &config, args.size, &look)?;
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

/// What `activations` prints, as text or JSON.
#[derive(Serialize)]
struct Report<'a> {
    model: String,
    #[serde(skip)]
    from: String,
    /// Whether the model ran here (or its activations were read).
    #[serde(skip)]
    ran: bool,
    seconds: f64,
    nodes: u32,
    with_activation: usize,
    outputs: Vec<Output<'a>>,
    layers: Vec<activations::LayerStats>,
    clusters: Vec<activations::Cluster>,
    /// Nodes of the clustered graph.
    #[serde(skip)]
    clustered_nodes: u32,
}

/// One output of the model.
#[derive(Serialize)]
struct Output<'a> {
    name: &'a str,
    shape: &'a [usize],
    values: &'a [f32],
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let seconds = self.seconds;
        match self.ran {
            true => writeln!(f, "ran {} on {} in {seconds:.3} s", self.model, self.from)?,
            false => writeln!(f, "read {} for {} in {seconds:.3} s", self.from, self.model)?,
        }
        if !self.clusters.is_empty() {
            writeln!(
                f,
                "{} neurons clustered by activation into {} nodes ({} clusters)",
                self.clusters.iter().map(|c| c.members.len()).sum::<usize>(),
                self.clustered_nodes,
                self.clusters.len()
            )?;
        }
        let largest = |v: &[f32]| v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, &x)| (i, x));
        for Output { name, shape, values: v } in &self.outputs {
            match shape {
                [batch, ..] if *batch > 1 && !v.is_empty() => {
                    let batch = *batch;
                    let best: Vec<String> =
                        v.chunks(v.len() / batch).filter_map(largest).map(|(i, _)| i.to_string()).take(40).collect();
                    let more = if batch > 40 { " ..." } else { "" };
                    writeln!(
                        f,
                        "output {name}: shape {shape:?}; largest at, input by input: {}{more}",
                        best.join(" ")
                    )?;
                }
                _ => match largest(v) {
                    Some((i, x)) => writeln!(f, "output {name}: {} values, largest {x:.4} at {i}", v.len())?,
                    None => writeln!(f, "output {name}: empty")?,
                },
            }
        }
        writeln!(
            f,
            "{} of {} nodes have an activation; by layer (units, mean, largest):",
            self.with_activation, self.nodes
        )?;
        for layer in &self.layers {
            writeln!(f, "  {:<40} {:>6} {:>10.4} {:>10.4}", layer.layer, layer.units, layer.mean, layer.max)?;
        }
        Ok(())
    }
}
