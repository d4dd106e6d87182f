//! `netlens render`: a graph laid out and drawn to a PNG or an SVG; the offscreen picture other commands share.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

use crate::export::{svg, write_png};
use crate::geom::Dim;
use crate::gpu::Gpu;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::load::Loaded;
use crate::render::Camera;
use crate::render::annotate::{Annotations, LabelsText, LegendMode, Subject, TextOptions};
use crate::render::palette::ColorBy;
use crate::view::{Look, drawing, snapshot};

use super::args::{EdgeArgs, GraphArgs, HopArgs, LayoutArgs, check_output, follow_phases, parse_size, progress_bar};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    picture: PictureArgs,
    /// Output file: a PNG, or an SVG (2D layouts: vector shapes for papers and slides)
    #[arg(short, long, value_name = "FILE.png|FILE.svg")]
    output: PathBuf,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

/// What a picture shows and how big: the layout, a selection, the edges, the size.
#[derive(Debug, clap::Args)]
pub struct PictureArgs {
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
    /// Image size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    pub size: (u32, u32),
    /// Node labels: the most important that fit without overlap (auto), every one that
    /// fits (all), or none; models show the operator type and a short name
    #[arg(long, value_enum, default_value = "auto")]
    labels_text: LabelsText,
    /// A legend of what the colours mean (operator types, classes, a ramp): auto, none
    #[arg(long, value_enum, default_value = "auto")]
    legend: LegendMode,
    /// No group boxes: leave the layers and blocks of a model unframed
    #[arg(long)]
    no_boxes: bool,
}

impl PictureArgs {
    /// Calls `draw` with the layout and the look these options give `loaded`.
    fn draw<T>(&self, loaded: &Loaded, draw: impl FnOnce(&LayoutConfig, &Look) -> Result<T>) -> Result<T> {
        self.edges.check(loaded);
        let selection = self.hops.selection(loaded, &self.select)?;
        let look = Look { text: self.text(), ..self.edges.look(selection.as_ref()) };
        draw(&self.layout.config(loaded), &look)
    }

    /// The labels, boxes and legend these options ask for.
    fn text(&self) -> TextOptions {
        TextOptions { labels: self.labels_text, legend: self.legend, groups: !self.no_boxes }
    }

    /// `loaded` laid out and drawn on `gpu`: RGBA rows of `size`, and a line describing
    /// the work.
    pub fn frame(&self, gpu: &Gpu, loaded: &Loaded) -> Result<(Vec<u8>, String)> {
        self.draw(loaded, |config, look| render_frame(gpu, loaded, config, self.size, look))
    }
}

/// Lays out and renders a graph offscreen on `gpu`, with a progress bar on a terminal.
/// Returns the frame and a line describing the work.
pub fn render_frame(
    gpu: &Gpu,
    loaded: &Loaded,
    config: &LayoutConfig,
    size: (u32, u32),
    look: &Look,
) -> Result<(Vec<u8>, String)> {
    let bar = progress_bar();
    let shot = snapshot(gpu, &loaded.graph, config, size, look, follow_phases(&bar))?;
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

pub fn run(args: Args) -> Result<()> {
    run_on(args, None)
}

/// The command on a graph `given` in memory (the Python package's), else on the
/// arguments' own input.
pub fn run_on(args: Args, given: Option<Loaded>) -> Result<()> {
    let svg = args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !svg && !args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")) {
        bail!("{}: the output must be a .png or .svg file", args.output.display());
    }
    check_output(&args.output, if svg { "svg" } else { "png" }, args.force)?;
    if svg && args.picture.layout.dim == Dim::Three {
        bail!("{}: SVG shows 2D layouts; drop --dim 3, or write a .png", args.output.display());
    }
    let loaded = args.graph.load_or(given)?;
    let picture = &args.picture;
    let note = if svg {
        picture.draw(&loaded, |config, look| render_svg(&loaded, config, picture.size, look, &args.output))?
    } else {
        let (rgba, note) = picture.frame(&Gpu::headless()?, &loaded)?;
        write_png(&args.output, picture.size, &rgba)
            .with_context(|| format!("{}: cannot write", args.output.display()))?;
        note
    };
    eprintln!("wrote {} ({}x{}): {note}", args.output.display(), picture.size.0, picture.size.1);
    Ok(())
}

/// Lays out (and bundles) a graph and writes it as an SVG of `size`; a line describing
/// the work.
fn render_svg(loaded: &Loaded, config: &LayoutConfig, size: (u32, u32), look: &Look, path: &Path) -> Result<String> {
    let gpu = Gpu::headless()?;
    let bar = progress_bar();
    let start = std::time::Instant::now();
    let drawing = drawing(&gpu, &loaded.graph, config, look, follow_phases(&bar))?;
    bar.finish_and_clear();
    let graph = &loaded.graph;
    let viewport = glam::Vec2::new(size.0 as f32, size.1 as f32);
    let camera = Camera::fit(&drawing.bounds, drawing.dim, viewport);
    let radii: Vec<f32> = (0..graph.node_count()).map(|v| drawing.radius(v)).collect();
    let coloring = look.color_by.clone().unwrap_or(ColorBy::Class);
    let subject = Subject {
        graph,
        positions: &drawing.positions,
        radii: &radii,
        coloring: &coloring,
        hops: drawing.hops.as_ref().map(|(h, k)| (h.as_slice(), *k)),
        straight: drawing.paths.is_none(),
        ranked: None,
        area: None,
    };
    let annotations = look.text.any().then(|| Annotations::measured(&subject, &camera, viewport, look.text));
    let scene = svg::SvgScene { annotations: annotations.as_ref(), ..svg::SvgScene::of(graph, &drawing) };
    svg::write(path, &scene, &camera, size).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(format!(
        "{} nodes, {} edges; laid out{} and written in {:.2} s",
        graph.node_count(),
        graph.edge_count(),
        if drawing.paths.is_some() { ", bundled" } else { "" },
        start.elapsed().as_secs_f64()
    ))
}
