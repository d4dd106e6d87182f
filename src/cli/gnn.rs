//! `netlens gnn`: a node embedding against its graph, measured, side by side in a picture, or linked in a window.

use std::fmt;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::app::{self, ViewOptions};
use crate::embed;
use crate::embed::EmbedPasses;
use crate::embed::metrics::Agreement;
use crate::export::html::LinkedEmbedding;
use crate::export::write_png;
use crate::geom::Bounds;
use crate::geom::Dim;
use crate::gpu::Gpu;
use crate::graph::{Embedding, Graph};
use crate::load::{self};
use crate::view::{self, Look};

use super::args::{GraphArgs, LayoutArgs, ScriptedWindow, check_output, parse_size, print_report};
use super::project::{Method, Projection, UmapArgs, project_embedding};
use super::render::render_frame;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    graph: GraphArgs,
    /// A node embedding: N x D .npy or CSV, one row per node of the graph; repeatable (one
    /// per GNN layer, say), each measured and shown in turn
    #[arg(long, value_name = "E.npy", required = true)]
    embedding: Vec<PathBuf>,
    /// Predicted classes (1-D integer .npy), compared with --labels
    #[arg(long, value_name = "P.npy")]
    pred: Option<PathBuf>,
    /// Split of the nodes (1-D integer .npy: 0 unused, 1 train, 2 validation, 3 test), to
    /// colour by and, with --pred, to measure the accuracy of each part [default: the
    /// graph's own, as OGB folders carry it]
    #[arg(long, value_name = "S.npy")]
    split: Option<PathBuf>,
    #[command(flatten)]
    measures: MeasureArgs,
    /// Print the measures
    #[arg(long)]
    metrics: bool,
    /// Print the measures as one JSON object
    #[arg(long)]
    json: bool,
    /// Render the graph and the embedding side by side into this PNG
    #[arg(short, long, value_name = "FILE.png")]
    output: Option<PathBuf>,
    /// Image size in pixels, WIDTHxHEIGHT (each view gets half the width)
    #[arg(long, default_value = "1920x960", value_parser = parse_size)]
    size: (u32, u32),
    /// Window size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1600x900", value_parser = parse_size)]
    window_size: (u32, u32),
    #[command(flatten)]
    layout: LayoutArgs,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
    #[command(flatten)]
    scripted: ScriptedWindow,
}

/// Nearest neighbours compared per node, and hops of the graph neighbourhood, unless told.
const DEFAULT_K: u32 = 10;
const DEFAULT_HOPS: u32 = 1;

/// How each node's `hops`-hop neighbourhood agrees with its `k` nearest neighbours in
/// `embedding`.
fn agreement_with(gpu: &Gpu, graph: &Graph, embedding: &Embedding, k: usize, hops: u32) -> Result<Agreement> {
    let neighbours = embed::neighbours(gpu, &gpu.kernel::<EmbedPasses>(), embedding, k)?;
    Ok(embed::metrics::agreement(graph, &neighbours, k, hops))
}

/// How an embedding is compared with its graph, and projected for its view.
#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// Hops of the graph neighbourhood compared with the nearest neighbours
    #[arg(long, default_value_t = DEFAULT_HOPS, value_parser = clap::value_parser!(u32).range(1..=10))]
    hops: u32,
    /// Most nearest neighbours compared per node
    #[arg(long, default_value_t = DEFAULT_K, value_parser = clap::value_parser!(u32).range(1..=embed::MAX_K as i64))]
    k: u32,
    /// How to project the embedding for its view (and its trustworthiness)
    #[arg(long, value_enum, default_value = "umap")]
    method: Method,
    #[command(flatten)]
    umap: UmapArgs,
}

impl MeasureArgs {
    /// The embedding's 2D view (projected with `seed`) and, with `agree`, the agreement of
    /// each node's K-hop neighbourhood with its nearest neighbours in the embedding.
    pub fn examine(
        &self,
        gpu: &Gpu,
        graph: &Graph,
        embedding: &Embedding,
        seed: u32,
        agree: bool,
    ) -> Result<(Projection, Option<Agreement>)> {
        let k = self.k as usize;
        if k >= graph.node_count() as usize {
            bail!("--k {k}: the graph has only {} nodes", graph.node_count());
        }
        let projection = project_embedding(gpu, embedding, self.method, 2, &self.umap, seed)?;
        let agreement = match agree {
            true => Some(agreement_with(gpu, graph, embedding, k, self.hops)?),
            false => None,
        };
        Ok((projection, agreement))
    }

    /// What `gnn --metrics` says of one embedding (named `name`), from [`Self::examine`]'s
    /// results; `predictions` and `split` are per node.
    #[allow(clippy::too_many_arguments)]
    pub fn report<'a>(
        &self,
        graph: &Graph,
        embedding: &Embedding,
        name: String,
        agreement: &'a Agreement,
        projection: &Projection,
        predictions: Option<&[i32]>,
        split: Option<&[i32]>,
        seconds: f64,
    ) -> Report<'a> {
        let trustworthiness = embed::metrics::trustworthiness(embedding, &projection.positions, self.k as usize, 2000);
        Report {
            embedding: name,
            nodes: embedding.rows,
            dims: embedding.dims,
            agreement: AgreementReport {
                most_disagreeing: agreement
                    .most_disagreeing
                    .iter()
                    .map(|&v| Disagreeing {
                        node: graph.node_name(v),
                        index: v,
                        agreement: agreement.per_node[v as usize],
                    })
                    .collect(),
                measure: agreement,
            },
            view: ViewReport {
                method: self.method.name(),
                trustworthiness,
                explained_variance: projection.explained.clone(),
            },
            predictions: graph
                .nodes
                .classes
                .as_deref()
                .zip(predictions)
                .map(|(labels, pred)| embed::metrics::Predictions::of(labels, pred, &agreement.per_node, split)),
            seconds,
        }
    }
}

/// The split of the nodes a graph carries as its column `split` (OGB folders).
pub fn split_column(graph: &Graph) -> Option<Vec<i32>> {
    let column = graph.nodes.columns.iter().find(|c| c.name == "split" && c.width == 1)?;
    Some(column.values.iter().map(|&v| v as i32).collect())
}

pub fn run(args: Args) -> Result<()> {
    let window = !args.metrics && !args.json && args.output.is_none();
    if window && !app::display_available() {
        bail!("no display for the window: give --metrics for the measures, -o FILE.png for a picture, or both");
    }
    if let Some(path) = &args.output {
        check_output(path, "png", args.force)?;
    }
    let loaded = args.graph.load()?;
    let nodes = loaded.graph.node_count();
    let embeddings =
        args.embedding.iter().map(|path| load::load_embedding(path, Some(nodes))).collect::<Result<Vec<_>, _>>()?;
    let predictions = args.pred.as_deref().map(|path| per_node(path, nodes)).transpose()?;
    // The split: --split, else the graph's own (an OGB folder's).
    let split = match args.split.as_deref().map(|path| per_node(path, nodes)).transpose()? {
        Some(split) => Some(split),
        None => split_column(&loaded.graph),
    };
    let gpu = Gpu::headless()?;
    let seed = args.layout.seed as u32;
    let measured = args.metrics || args.json;
    let mut views = Vec::with_capacity(embeddings.len());
    let mut agreements = Vec::with_capacity(embeddings.len());
    for (embedding, path) in embeddings.iter().zip(&args.embedding) {
        let start = std::time::Instant::now();
        let (projection, agreement) =
            args.measures.examine(&gpu, &loaded.graph, embedding, seed, window || measured)?;
        if let Some(agreement) = agreement.as_ref().filter(|_| measured) {
            let report = args.measures.report(
                &loaded.graph,
                embedding,
                path.display().to_string(),
                agreement,
                &projection,
                predictions.as_deref(),
                split.as_deref(),
                start.elapsed().as_secs_f64(),
            );
            print_report(&report, args.json)?;
        }
        views.push(projection.positions);
        agreements.push(agreement);
    }
    if let Some(path) = &args.output {
        // The graph, then each embedding's view, in a row.
        let panes = 1 + views.len() as u32;
        let pane = (args.size.0 / panes, args.size.1);
        let (graph_rgba, note) = render_frame(&gpu, &loaded, &args.layout.config(&loaded), pane, &Look::default())?;
        let points = loaded.graph.without_edges();
        let mut images = vec![graph_rgba];
        for projected in &views {
            let bulk = Bounds::of_bulk(projected);
            images.push(view::picture(&gpu, &points, projected, &bulk, Dim::Two, pane, &Look::default(), |_, _| {})?);
        }
        let rgba = view::side_by_side(&images, pane);
        let size = (pane.0 * panes, pane.1);
        write_png(path, size, &rgba).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "wrote {} ({}x{}): the graph ({note}), then {} embedding view(s) ({})",
            path.display(),
            size.0,
            size.1,
            views.len(),
            args.measures.method.name()
        );
    }
    if window {
        let config = args.layout.config(&loaded);
        let title = format!("netlens: {} and its embeddings", loaded.source);
        let mut graph = loaded.graph;
        // Columns the panel can colour by, one agreement per embedding.
        let mut columns = Vec::new();
        for (agreement, path) in agreements.iter().zip(&args.embedding) {
            let name = if args.embedding.len() == 1 {
                "agreement".to_owned()
            } else {
                format!("agreement {}", file_name(path))
            };
            columns.push((name, agreement_column(agreement.as_ref().expect("measured for the window"))));
        }
        if let Some(pred) = &predictions {
            columns.extend(prediction_columns(&graph, pred));
        }
        // A split from --split (the graph's own is a column already).
        if let Some(split) = split.as_ref().filter(|_| args.split.is_some()) {
            columns.push(("split".to_owned(), split.iter().map(|&s| s as f32).collect()));
        }
        for (name, values) in columns {
            graph.attach_column(crate::graph::Column { name, width: 1, values })?;
        }
        let embeddings = views
            .into_iter()
            .zip(agreements)
            .zip(&args.embedding)
            .map(|((positions, agreement), path)| app::EmbeddingView {
                positions,
                name: format!("{} ({})", file_name(path), args.measures.method.name()),
                agreement,
            })
            .collect();
        let options = ViewOptions { embeddings, ..args.scripted.window(args.window_size, title) };
        app::run(graph, config, options)?;
    }
    Ok(())
}

/// Each node's agreement as a column (0 where it has no neighbourhood to compare).
fn agreement_column(agreement: &Agreement) -> Vec<f32> {
    agreement.per_node.iter().map(|a| a.unwrap_or(0.0)).collect()
}

/// The predicted class of each node, and whether it is its label, as columns.
fn prediction_columns(graph: &Graph, predictions: &[i32]) -> Vec<(String, Vec<f32>)> {
    let mut columns = vec![("prediction".to_owned(), predictions.iter().map(|&p| p as f32).collect())];
    if let Some(labels) = &graph.nodes.classes {
        columns.push((
            "correct".to_owned(),
            labels.iter().zip(predictions).map(|(l, p)| f32::from(u8::from(l == p))).collect(),
        ));
    }
    columns
}

/// Reads a 1-D integer .npy of one value per node of a graph of `nodes` nodes.
fn per_node(path: &Path, nodes: u32) -> Result<Vec<i32>> {
    let values = load::load_classes(path)?;
    if values.len() != nodes as usize {
        bail!("{}: has {} rows, but the graph has {nodes} nodes", path.display(), values.len());
    }
    Ok(values)
}

/// An embedding shown beside the graph in the browser view, linked to it.
#[derive(Debug, clap::Args)]
pub struct EmbeddingArgs {
    /// A node embedding (N x D .npy or CSV, a row per node) to project and show beside the
    /// graph, linked to it: selection and hover in both; each node's agreement (its K-hop
    /// neighbourhood against its nearest neighbours in the embedding) in its tooltip
    #[arg(long, value_name = "E.npy")]
    pub embedding: Option<PathBuf>,
    /// Predicted classes (1-D integer .npy) for the tooltips, and whether each matches --labels
    #[arg(long, value_name = "P.npy", requires = "embedding")]
    pub pred: Option<PathBuf>,
    /// How to project the embedding
    #[arg(long, value_enum, default_value = "umap")]
    pub method: Method,
    #[command(flatten)]
    pub umap: UmapArgs,
}

impl EmbeddingArgs {
    /// The embedding, projected, with the `agreement` (and `prediction`, `correct`) columns
    /// attached to `graph`; `None` without `--embedding`.
    pub fn link(&self, gpu: &Gpu, graph: &mut Graph, seed: u32) -> Result<Option<LinkedEmbedding>> {
        let Some(path) = &self.embedding else { return Ok(None) };
        let embedding = load::load_embedding(path, Some(graph.node_count()))?;
        let k = DEFAULT_K as usize;
        if k >= graph.node_count() as usize {
            bail!(
                "{}: the graph has only {} nodes, too few to compare neighbourhoods",
                path.display(),
                graph.node_count()
            );
        }
        let projection = project_embedding(gpu, &embedding, self.method, 2, &self.umap, seed)?;
        let agreement = agreement_with(gpu, graph, &embedding, k, DEFAULT_HOPS)?;
        let mut columns = vec![("agreement".to_owned(), agreement_column(&agreement))];
        if let Some(pred) = &self.pred {
            columns.extend(prediction_columns(graph, &per_node(pred, graph.node_count())?));
        }
        for (name, values) in columns {
            graph.attach_column(crate::graph::Column { name, width: 1, values })?;
        }
        Ok(Some(LinkedEmbedding {
            name: format!("{} ({})", file_name(path), self.method.name()),
            positions: projection.positions,
        }))
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}

/// The measures of one embedding: what `gnn --metrics` prints, as text or JSON.
#[derive(Serialize)]
pub struct Report<'a> {
    embedding: String,
    nodes: usize,
    dims: usize,
    agreement: AgreementReport<'a>,
    view: ViewReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    predictions: Option<embed::metrics::Predictions>,
    seconds: f64,
}

#[derive(Serialize)]
struct AgreementReport<'a> {
    #[serde(flatten)]
    measure: &'a embed::metrics::Agreement,
    most_disagreeing: Vec<Disagreeing>,
}

/// A node whose neighbourhoods disagree most.
#[derive(Serialize)]
struct Disagreeing {
    node: String,
    index: u32,
    agreement: Option<f32>,
}

/// The projection the embedding is shown by, and how well it keeps its neighbourhoods.
#[derive(Serialize)]
struct ViewReport {
    method: &'static str,
    trustworthiness: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    explained_variance: Option<Vec<f64>>,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let agreement = self.agreement.measure;
        writeln!(f, "{}:", self.embedding)?;
        writeln!(
            f,
            "  {} nodes, {}-dimensional; agreement ({}-hop neighbourhood vs up to {} nearest) mean {:.3} over {} nodes",
            self.nodes, self.dims, agreement.hops, agreement.k, agreement.mean, agreement.nodes
        )?;
        let bars: Vec<String> = agreement.histogram.iter().map(|c| c.to_string()).collect();
        writeln!(f, "  histogram (tenths of 0..1): {}", bars.join(" "))?;
        let worst: Vec<String> = self
            .agreement
            .most_disagreeing
            .iter()
            .map(|d| format!("{} ({:.3})", d.node, d.agreement.unwrap_or(f32::NAN)))
            .collect();
        writeln!(f, "  most disagreeing: {}", worst.join(", "))?;
        writeln!(
            f,
            "  {} view: trustworthiness at {} {:.3}",
            self.view.method, agreement.k, self.view.trustworthiness
        )?;
        if let Some(p) = &self.predictions {
            writeln!(
                f,
                "  predictions: accuracy {:.3} of {} labelled; agreement {:.3} where right, {:.3} where wrong ({} nodes)",
                p.accuracy, p.labelled, p.agreement_right, p.agreement_wrong, p.wrong
            )?;
            let parts: Vec<String> =
                p.by_split.iter().map(|s| format!("{} {:.3} ({} nodes)", s.part, s.accuracy, s.labelled)).collect();
            if !parts.is_empty() {
                writeln!(f, "  accuracy by split: {}", parts.join(", "))?;
            }
        }
        Ok(())
    }
}
