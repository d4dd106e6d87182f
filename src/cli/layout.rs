//! `netlens layout`: positions (and bundled paths) as `.npy`, and their quality.

use std::fmt;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::PathBuf;

use crate::bundle::{self};
use crate::export::table::Table;
use crate::export::{write_npy, write_positions};
use crate::gpu::Gpu;
use crate::layout::{LayoutKind, place, quality};
use crate::view::Phase;

use super::args::{EdgeArgs, GraphArgs, LayoutArgs, check_output, print_report, progress_bar};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Output positions: a .npy of N x dim float32, or a table with columns id, name, x, y
    /// (and z): .csv or .parquet
    #[arg(short, long, value_name = "FILE.npy|FILE.csv|FILE.parquet")]
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

pub fn run(args: Args) -> Result<()> {
    if args.output.is_none() && args.paths.is_none() && !args.metrics {
        bail!(
            "nothing to do: give -o FILE.npy for the positions, --paths FILE.npy (with --bundle) for the edge paths, --metrics for their quality"
        );
    }
    let extension =
        args.output.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if let Some(path) = &args.output {
        let Some(extension @ ("npy" | "csv" | "parquet")) = extension.as_deref() else {
            bail!("{}: the positions go to a .npy, .csv or .parquet file", path.display());
        };
        check_output(path, extension, args.force)?;
    }
    if let Some(path) = &args.paths {
        check_output(path, "npy", args.force)?;
    }
    let loaded = args.graph.load()?;
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
            let paths = bundle::bundle_positions(
                &gpu,
                &loaded.graph,
                &placed.positions,
                config.dim,
                &bundle_config,
                |done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
            )?;
            Some((bundle_config.method, paths, start.elapsed().as_secs_f64()))
        }
        None => None,
    };
    bar.finish_and_clear();
    if let Some(path) = &args.output {
        let table = || Table::positions(&loaded.graph, &placed.positions, dim);
        match extension.as_deref() {
            Some("csv") => table().write_csv(path),
            Some("parquet") => table().write_parquet(path),
            _ => write_positions(path, &placed.positions, dim),
        }
        .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if let (Some(path), Some((_, paths, _))) = (&args.paths, &bundled) {
        let shape = [loaded.graph.edge_count() as u64, bundle::POINTS as u64, dim as u64];
        write_npy(path, &shape, paths.iter().flat_map(|p| p[..dim].iter().copied()))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let metrics = args.metrics.then(|| quality::measure(&loaded.graph, &placed.positions, config.seed));
    let report = Report {
        nodes: loaded.graph.node_count(),
        edges: loaded.graph.edge_count(),
        layout: if config.kind == LayoutKind::Layered { "layered" } else { "force" },
        dim,
        seconds,
        iterations: placed.iterations,
        final_step: placed.final_step,
        crossings: placed.crossings.filter(|_| args.metrics),
        quality: metrics,
        bundle: bundled.as_ref().map(|(method, _, _)| method.name()),
        bundle_seconds: bundled.as_ref().map(|(_, _, seconds)| *seconds),
        bundle_metrics: bundled
            .as_ref()
            .filter(|_| args.metrics)
            .map(|(_, paths, _)| bundle::metrics::measure(&loaded.graph, &placed.positions, paths)),
    };
    print_report(&report, args.json)?;
    if !args.json {
        if let Some(path) = &args.output {
            match extension.as_deref() {
                Some("npy") => eprintln!("wrote {} ({} x {dim} float32)", path.display(), placed.positions.len()),
                _ => {
                    eprintln!("wrote {} ({} rows: id, name, {dim} coordinates)", path.display(), placed.positions.len())
                }
            }
        }
        if let Some(path) = &args.paths {
            eprintln!("wrote {} ({} x {} x {dim} float32)", path.display(), loaded.graph.edge_count(), bundle::POINTS);
        }
    }
    Ok(())
}

/// What `layout` prints: the layout's figures, and its quality with --metrics.
#[derive(Serialize)]
struct Report {
    nodes: u32,
    edges: usize,
    layout: &'static str,
    dim: usize,
    seconds: f64,
    iterations: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_step: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crossings: Option<u64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    quality: Option<quality::Quality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle_seconds: Option<f64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    bundle_metrics: Option<bundle::metrics::BundleMetrics>,
}

impl fmt::Display for Report {
    /// Every field as `name value`, comma-separated, in name order.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let serde_json::Value::Object(fields) = serde_json::to_value(self).map_err(|_| fmt::Error)? else {
            return Err(fmt::Error);
        };
        let fields: Vec<String> = fields
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(text) => format!("{k} {text}"),
                None => format!("{k} {v}"),
            })
            .collect();
        write!(f, "{}", fields.join(", "))
    }
}
