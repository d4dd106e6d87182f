//! `netlens info`: a summary of a graph or model, or of the GPU.

use std::fmt;
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::args::{GraphArgs, LevelArgs, TableArgs, print_report};
use crate::gpu::{AdapterReport, Gpu};
use crate::graph::Summary;
use crate::load::ogb::Dataset;
use crate::load::{Loaded, ModelSummary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Graph or model file (or checkpoint folder); omit for the bundled Cora graph
    graph: Option<PathBuf>,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
    /// Describe the GPU adapter netlens picks and its limits (alone: only that)
    #[arg(long)]
    gpu: bool,
    /// Treat the edges as undirected
    #[arg(long)]
    undirected: bool,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    level: LevelArgs,
    /// Show every group this many levels down as one node
    #[arg(long, value_name = "DEPTH")]
    collapse: Option<usize>,
    /// Neuron level: cluster every layer's neurons into at most K nodes
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    clusters: Option<u32>,
    /// Seed of the clustering
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    cluster_seed: u64,
}

/// What `info` prints: a graph's summary, the adapter's, or both; text and JSON come from
/// this one value.
#[derive(Serialize)]
#[serde(untagged)]
enum Report {
    /// `--gpu` alone: the adapter's fields at the top level.
    Gpu(AdapterReport),
    Graph {
        #[serde(flatten)]
        graph: Box<GraphInfo>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gpu: Option<AdapterReport>,
    },
}

/// What `info` says of a graph or model (`info --json` without `--gpu`).
#[derive(Serialize)]
pub struct GraphInfo {
    source: String,
    format: &'static str,
    #[serde(flatten)]
    summary: Summary,
    weighted: bool,
    edge_columns: Vec<String>,
    named_nodes: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<usize>,
    groups: usize,
    repeated_groups: std::collections::BTreeMap<String, usize>,
    /// Numeric node columns: name and width.
    node_columns: Vec<(String, usize)>,
    text_columns: Vec<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    model: Option<ModelSummary>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    dataset: Option<Dataset>,
}

impl GraphInfo {
    pub fn of(loaded: &Loaded) -> GraphInfo {
        let graph = &loaded.graph;
        GraphInfo {
            source: loaded.source.to_string(),
            format: loaded.format.name(),
            summary: graph.summary(),
            weighted: graph.weights.is_some(),
            edge_columns: graph.edge_columns.iter().map(|c| c.name.clone()).collect(),
            named_nodes: graph.nodes.labels.is_some(),
            classes: graph.class_count(),
            groups: graph.groups.len(),
            repeated_groups: graph.groups.repeated(),
            node_columns: graph.nodes.columns.iter().map(|c| (c.name.clone(), c.width)).collect(),
            text_columns: graph.nodes.text_columns.iter().map(|c| c.name.clone()).collect(),
            model: loaded.model.clone(),
            dataset: loaded.dataset.clone(),
        }
    }
}

impl fmt::Display for GraphInfo {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let summary = &self.summary;
        writeln!(f, "{} ({})", self.source, self.format)?;
        writeln!(f, "nodes       {}", summary.nodes)?;
        writeln!(
            f,
            "edges       {} ({}{})",
            summary.edges,
            if summary.directed { "directed" } else { "undirected" },
            if self.weighted { ", weighted" } else { "" }
        )?;
        writeln!(f, "components  {} (largest {} nodes)", summary.components, summary.largest_component)?;
        writeln!(f, "degree      {} to {}, mean {:.2}", summary.degree_min, summary.degree_max, summary.degree_mean)?;
        write!(f, "isolated    {}, self-loops {}", summary.isolated_nodes, summary.self_loops)?;
        if let Some(classes) = self.classes {
            write!(f, "\nclasses     {classes}")?;
        }
        if self.groups > 0 {
            write!(f, "\ngroups      {}", self.groups)?;
        }
        let columns: Vec<String> = self
            .node_columns
            .iter()
            .map(|(name, width)| if *width == 1 { name.clone() } else { format!("{name} ({width} wide)") })
            .chain(self.text_columns.iter().map(|name| format!("{name} (text)")))
            .collect();
        if !columns.is_empty() {
            write!(f, "\ncolumns     {}", columns.join(", "))?;
        }
        if let Some(dataset) = &self.dataset {
            write!(f, "\ndataset     {}: {}", dataset.dataset, dataset.direction)?;
            if let Some(split) = &dataset.split {
                write!(
                    f,
                    "\nsplit       {}: train {}, valid {}, test {}",
                    split.name, split.train, split.valid, split.test
                )?;
            }
        }
        let Some(model) = &self.model else { return Ok(()) };
        write!(f, "\nparams      {}", model.params)?;
        let mut ops: Vec<(&String, &u64)> = model.ops.iter().collect();
        ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let ops: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
        write!(f, "\nops         {}", ops.join(", "))?;
        if !model.producer.is_empty() {
            write!(f, "\nproducer    {}", model.producer)?;
        }
        let sizes = |layers: u64, heads: Option<u64>, kv_heads: Option<u64>, hidden: Option<u64>| {
            let mut parts = vec![format!("{layers} layers")];
            if let Some(heads) = heads {
                let kv = kv_heads.filter(|&kv| kv != heads).map(|kv| format!(" ({kv} key/value)")).unwrap_or_default();
                parts.push(format!("{heads} heads{kv}"));
            }
            parts.extend(hidden.map(|h| format!("hidden {h}")));
            parts.join(", ")
        };
        if let Some(layers) = model.layers {
            let name = if model.architecture.is_empty() { String::new() } else { format!(" {}", model.architecture) };
            let experts = model.experts.map(|e| format!(", {e} experts per MoE layer")).unwrap_or_default();
            if model.stacks.len() > 1 {
                write!(f, "\ntransformer{name}: {} stacks{experts}", model.stacks.len())?;
                for s in &model.stacks {
                    write!(f, "\n  {}: {}", s.name, sizes(s.layers, s.heads, s.kv_heads, s.hidden))?;
                }
            } else {
                let line = sizes(layers, model.heads, model.kv_heads, model.hidden);
                write!(f, "\ntransformer{name}: {line}{experts}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Report::Gpu(gpu) => write!(f, "{gpu}"),
            Report::Graph { graph, gpu } => {
                write!(f, "{graph}")?;
                match gpu {
                    Some(gpu) => write!(f, "\n\n{gpu}"),
                    None => Ok(()),
                }
            }
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    let gpu = args.gpu.then(|| Gpu::headless().map(|gpu| gpu.report())).transpose()?;
    let report = match (args.graph.is_some() || !args.gpu, gpu) {
        (false, Some(gpu)) => Report::Gpu(gpu),
        (_, gpu) => {
            let graph_args = GraphArgs {
                graph: args.graph,
                table: args.table,
                labels: None,
                class_names: None,
                node_data: Vec::new(),
                undirected: args.undirected,
                level: args.level,
                collapse: args.collapse,
                clusters: args.clusters,
                cluster_seed: args.cluster_seed,
            };
            Report::Graph { graph: Box::new(GraphInfo::of(&graph_args.load()?)), gpu }
        }
    };
    print_report(&report, args.json)
}
