//! `netlens diff`: two models compared, operator by operator and weight by weight.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::analysis::diff::ModelDiff;
use crate::export::write_png;
use crate::gpu::Gpu;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::load::{self, Loaded};
use crate::view::Look;

use super::args::{check_output, parse_size, print_report};
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
    let (report, b) = compare(&args.a, &args.b)?;
    print_report(&report, args.json)?;
    if let Some(path) = &args.output {
        let mut graph = b.graph.clone();
        let (status, names) = crate::analysis::diff::node_status(&graph, &report.diff);
        graph.nodes.classes = Some(status);
        let mut class_names = crate::graph::StringTable::default();
        names.iter().for_each(|n| class_names.push(n));
        graph.nodes.class_names = Some(class_names);
        let shown = Loaded { graph, ..b };
        let config = LayoutConfig { kind: LayoutKind::Layered, ..LayoutConfig::default() };
        let (rgba, note) = render_frame(&Gpu::headless()?, &shown, &config, args.size, &Look::default())?;
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

/// Models `a` and `b` compared (what `diff` prints), and `b` as loaded.
pub fn compare(a: &Path, b: &Path) -> Result<(Report, Loaded)> {
    let (loaded_a, loaded_b) = (load::load_graph(a)?, load::load_graph(b)?);
    for loaded in [&loaded_a, &loaded_b] {
        if loaded.model.is_none() {
            bail!(
                "{}: is a graph, not a model; diff compares ONNX, PyTorch (.pt2), GGUF and safetensors models",
                loaded.source
            );
        }
    }
    let (weights_a, weights_b) = (load::weights::open(a)?, load::weights::open(b)?);
    let diff = crate::analysis::diff::diff(&loaded_a.graph, &weights_a, &loaded_b.graph, &weights_b);
    let size = |l: &Loaded| (l.graph.node_count(), l.model.as_ref().map_or(0, |m| m.params));
    let report = Report {
        a: a.display().to_string(),
        b: b.display().to_string(),
        diff,
        operators: [size(&loaded_a), size(&loaded_b)],
    };
    Ok((report, loaded_b))
}

/// What `diff` prints: what changed from A to B; text and JSON come from this one value.
#[derive(Serialize)]
pub struct Report {
    a: String,
    b: String,
    #[serde(flatten)]
    diff: ModelDiff,
    /// Operators and parameters of A and of B (the text's header).
    #[serde(skip)]
    operators: [(u32, u64); 2],
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        const LISTED: usize = 20;
        let diff = &self.diff;
        for (side, name, (operators, parameters)) in
            [("A", &self.a, self.operators[0]), ("B", &self.b, self.operators[1])]
        {
            writeln!(f, "{side}: {name} ({operators} operators, {parameters} parameters)")?;
        }
        let count =
            |entries: &[crate::analysis::diff::Entry], kind: &str| entries.iter().filter(|e| e.kind == kind).count();
        writeln!(
            f,
            "operators: {} added, {} removed, {} changed; groups: {} added, {} removed",
            count(&diff.added, "operator"),
            count(&diff.removed, "operator"),
            diff.changed.len(),
            count(&diff.added, "group"),
            count(&diff.removed, "group")
        )?;
        let u = &diff.unmatched_weights;
        writeln!(
            f,
            "weights: {} tensors compared; {} only in A, {} only in B, {} with other shapes",
            diff.weights.len(),
            u.only_a.len(),
            u.only_b.len(),
            u.reshaped.len()
        )?;
        if !diff.layers.is_empty() {
            writeln!(f, "layers, most changed first (relative: RMS of B - A over RMS of A):")?;
            for layer in diff.layers.iter().take(LISTED) {
                writeln!(
                    f,
                    "  {:<40} relative {:>9.4}  rms delta {:>10.3e}  ({} tensors, {} values)",
                    layer.layer, layer.relative, layer.rms_delta, layer.tensors, layer.elements
                )?;
            }
        }
        for (title, entries) in [("added", &diff.added), ("removed", &diff.removed)] {
            if !entries.is_empty() {
                writeln!(f, "{title}:")?;
                for e in entries.iter().take(LISTED) {
                    writeln!(
                        f,
                        "  {} {}{}",
                        e.kind,
                        e.name,
                        e.op.as_ref().map_or(String::new(), |op| format!(" ({op})"))
                    )?;
                }
                if entries.len() > LISTED {
                    writeln!(f, "  ... {} more (--json lists all)", entries.len() - LISTED)?;
                }
            }
        }
        if !diff.changed.is_empty() {
            writeln!(f, "changed:")?;
            for c in diff.changed.iter().take(LISTED) {
                writeln!(f, "  {}: {}", c.name, c.what.join("; "))?;
            }
            if diff.changed.len() > LISTED {
                writeln!(f, "  ... {} more (--json lists all)", diff.changed.len() - LISTED)?;
            }
        }
        Ok(())
    }
}
