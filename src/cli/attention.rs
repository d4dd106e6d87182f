//! `netlens attention`: attention maps drawn as token-to-token edges, to a PNG or a window.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

use crate::app::{self, ViewOptions};
use crate::export::write_png;
use crate::gpu::Gpu;
use crate::graph::Direction;
use crate::khop::Selection;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::render::EdgeColoring;
use crate::view::Look;

use super::args::{ScriptedWindow, check_output, parse_size};

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(args: Args) -> Result<()> {
    use crate::analysis::attention::{Keep, View, draw, load};
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
    let rgba = crate::view::annotated_picture(
        &gpu,
        &drawing.graph,
        &drawing.positions,
        args.size,
        &look,
        &drawing.texts,
        crate::analysis::attention::ROW,
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
