//! `netlens record`: a camera tour rendered headless to MP4, GIF or PNG frames.

use anyhow::{Result, bail};
use std::path::PathBuf;

use crate::export::video;
use crate::gpu::Gpu;
use crate::load::{self, Loaded};
use crate::render::EdgeColoring;
use crate::view::Phase;

use super::args::{EdgeArgs, GraphArgs, LayoutArgs, TrainingArgs, bar_style, parse_size, progress_bar};

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(args: Args) -> Result<()> {
    run_on(args, None)
}

/// The command on a graph `given` in memory (the Python package's), else on the
/// arguments' own input.
pub fn run_on(args: Args, given: Option<Loaded>) -> Result<()> {
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
    let loaded = args.graph.load_or(given)?;
    args.edges.check(&loaded);
    let title = match &loaded.source {
        load::Source::File(path) => path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned(),
        load::Source::Bundled(name) | load::Source::Memory(name) => (*name).to_owned(),
    };
    let training = args.training.run(&args.graph.level, &loaded)?;
    let options = video::Options {
        size,
        fps,
        duration: args.duration,
        tour: args.tour.clone(),
        title: (title, Some(subtitle(&loaded))),
        is_model: loaded.model.is_some(),
        bundle: args.edges.bundle().unwrap_or_default(),
        bundled: args.edges.bundle.is_some(),
        edge_coloring: if training.is_none() { args.edges.edge_color } else { EdgeColoring::Weight },
        edge_detail: args.edges.edge_detail,
        training,
    };
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let frames_style = bar_style("record [{bar:30}] {pos}/{len} frames, {elapsed} (ETA {eta})");
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

/// What the title card says under the name: for a model its architecture, layers,
/// parameters and operators, where the file says them; else its size.
fn subtitle(loaded: &Loaded) -> String {
    let graph = &loaded.graph;
    let size = format!("{} nodes, {} edges", graph.node_count(), graph.edge_count());
    let Some(model) = &loaded.model else { return size };
    let mut parts = Vec::new();
    if !model.architecture.is_empty() {
        parts.push(model.architecture.clone());
    }
    if let Some(layers) = model.layers {
        parts.push(format!("{layers} layers"));
    }
    if model.params > 0 {
        parts.push(format!("{} parameters", si(model.params)));
    }
    let operators: u64 = model.ops.values().sum();
    if operators > 0 {
        parts.push(format!("{operators} operators"));
    }
    if parts.is_empty() { size } else { parts.join(" · ") }
}

/// A count in thousands, millions or billions: 3.2k, 25.6M, 1.3B.
fn si(count: u64) -> String {
    match count {
        0..1_000 => count.to_string(),
        1_000..1_000_000 => format!("{:.1}k", count as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", count as f64 / 1e6),
        _ => format!("{:.1}B", count as f64 / 1e9),
    }
}
