//! `netlens diff`: two models compared, operator by operator and weight by weight.

use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::PathBuf;

use crate::export::write_png;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::load::{self, Loaded};
use crate::view::Look;

use super::args::*;
use super::render::render_frame;

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(args: Args) -> Result<()> {
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
    let diff = crate::analysis::diff::diff(&a.graph, &weights_a, &b.graph, &weights_b);
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
        let (status, names) = crate::analysis::diff::node_status(&graph, &diff);
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

fn print_diff(args: &Args, a: &Loaded, b: &Loaded, diff: &crate::analysis::diff::ModelDiff) {
    const LISTED: usize = 20;
    let params = |l: &Loaded| l.model.as_ref().map_or(0, |m| m.params);
    println!("A: {} ({} operators, {} parameters)", args.a.display(), a.graph.node_count(), params(a));
    println!("B: {} ({} operators, {} parameters)", args.b.display(), b.graph.node_count(), params(b));
    let count =
        |entries: &[crate::analysis::diff::Entry], kind: &str| entries.iter().filter(|e| e.kind == kind).count();
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
