//! `netlens view`: the interactive window (a PNG where there is no display).

use anyhow::{Context, Result};

use crate::app::{self, ViewOptions};
use crate::export::{fresh_path, write_png};
use crate::gpu::Gpu;
use crate::khop::Selection;
use crate::load::Loaded;
use crate::render::EdgeColoring;

use super::args::{EdgeArgs, GraphArgs, HopArgs, LayoutArgs, ScriptedWindow, TrainingArgs, parse_size};
use super::render::render_frame;

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(args: Args) -> Result<()> {
    run_on(args, None)
}

/// The command on a graph `given` in memory (the Python package's), else on the
/// arguments' own input.
pub fn run_on(args: Args, given: Option<Loaded>) -> Result<()> {
    let loaded = args.graph.load_or(given)?;
    args.edges.check(&loaded);
    let training = args.training.run(&args.graph.level, &loaded)?;
    if !app::display_available() {
        let path = fresh_path("netlens-view", "png");
        let look = args.edges.look(None);
        let (rgba, note) = render_frame(&Gpu::headless()?, &loaded, &args.layout.config(&loaded), args.size, &look)?;
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
        edge_detail: args.edges.edge_detail,
        training,
        ..args.scripted.window(args.size, title)
    };
    let config = args.layout.config(&loaded);
    app::run(loaded.graph, config, options)?;
    Ok(())
}
