//! `netlens export`: a graph laid out (and bundled, and a neighbourhood marked) as files
//! other tools open: GraphML, GEXF, DOT, node-link or Cytoscape JSON, CSV or Parquet tables,
//! or a self-contained HTML page to explore it in a browser.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

use crate::export::html::{self, LinkedEmbedding, PageScene};
use crate::export::{dot, gexf, graphml, json, table::Table};
use crate::geom::Dim;
use crate::gpu::Gpu;
use crate::khop::Selection;
use crate::load::Loaded;
use crate::view::{Drawing, drawing};

use super::args::{EdgeArgs, GraphArgs, HopArgs, LayoutArgs, check_output, follow_phases, progress_bar};
use super::gnn::EmbeddingArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    drawn: DrawnArgs,
    /// Output file, its format by its extension (or --format): .html (a self-contained
    /// page to pan, zoom, hover, select and search in any browser, offline), .graphml
    /// (Gephi, Cytoscape, yEd, networkx), .gexf (Gephi), .dot/.gv (Graphviz: `neato -n`
    /// draws it as laid out), .json (node-link: networkx, d3), .cyjs (Cytoscape.js), .csv
    /// or .parquet (a table of the nodes); repeatable: one layout, several files
    #[arg(short, long, value_name = "FILE", required = true)]
    output: Vec<PathBuf>,
    /// The format of every -o, whatever its extension
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also write the edges as a table: source, target (node ids), weight and the other
    /// edge columns; .csv or .parquet
    #[arg(long, value_name = "FILE.csv|FILE.parquet")]
    edge_table: Option<PathBuf>,
    /// Replace output files that exist
    #[arg(short, long)]
    force: bool,
}

/// A graph loaded, laid out, bundled and its selection marked: what `export` writes and
/// `serve` sends.
#[derive(Debug, clap::Args)]
pub struct DrawnArgs {
    #[command(flatten)]
    graph: GraphArgs,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Mark this node and its K-hop neighbourhood (--hops): a `hop` column (-1 beyond K),
    /// the initial selection of a browser view; a node name, or an index where nodes are
    /// numbered; repeatable
    #[arg(long, value_name = "ID")]
    select: Vec<String>,
    #[command(flatten)]
    hops: HopArgs,
    #[command(flatten)]
    edges: EdgeArgs,
    #[command(flatten)]
    embedding: EmbeddingArgs,
}

/// What [`DrawnArgs::draw`] made.
pub struct Drawn {
    pub loaded: Loaded,
    pub drawing: Drawing,
    pub selection: Option<Selection>,
    pub embedding: Option<LinkedEmbedding>,
}

impl DrawnArgs {
    /// Loads the graph (or takes `given`), links the embedding, lays it out and bundles it.
    pub fn draw(&self, given: Option<Loaded>) -> Result<Drawn> {
        let mut loaded = self.graph.load_or(given)?;
        self.edges.check(&loaded);
        let selection = self.hops.selection(&loaded, &self.select)?;
        let look = self.edges.look(selection.as_ref());
        let config = self.layout.config(&loaded);
        let gpu = Gpu::headless()?;
        let embedding = self.embedding.link(&gpu, &mut loaded.graph, self.layout.seed as u32)?;
        let bar = progress_bar();
        let drawing = drawing(&gpu, &loaded.graph, &config, &look, follow_phases(&bar))?;
        bar.finish_and_clear();
        Ok(Drawn { loaded, drawing, selection, embedding })
    }
}

impl Drawn {
    /// The browser view of it.
    pub fn page(&self) -> PageScene<'_> {
        PageScene {
            title: self.loaded.source.to_string(),
            graph: &self.loaded.graph,
            drawing: &self.drawing,
            selection: self.selection.as_ref(),
            embedding: self.embedding.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Graphml,
    Gexf,
    Dot,
    Json,
    Cyjs,
    Csv,
    Parquet,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "html" | "htm" => Format::Html,
            "graphml" => Format::Graphml,
            "gexf" => Format::Gexf,
            "dot" | "gv" => Format::Dot,
            "json" => Format::Json,
            "cyjs" => Format::Cyjs,
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            _ => return None,
        })
    }

    fn describe(self) -> &'static str {
        match self {
            Format::Html => "browser view",
            Format::Graphml => "GraphML",
            Format::Gexf => "GEXF 1.2",
            Format::Dot => "Graphviz DOT",
            Format::Json => "node-link JSON",
            Format::Cyjs => "Cytoscape.js JSON",
            Format::Csv => "CSV node table",
            Format::Parquet => "Parquet node table",
        }
    }
}

/// The format `path` is written in: `forced`, else by its extension.
fn format_of(path: &Path, forced: Option<Format>) -> Result<Format> {
    forced.or_else(|| Format::of(path)).with_context(|| {
        format!(
            "{}: unknown format; name the file .html, .graphml, .gexf, .dot, .json, .cyjs, .csv or .parquet, or give --format",
            path.display()
        )
    })
}

/// Checks an output path: an existing file, the folder (the extension is the format's).
fn check(path: &Path, force: bool) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    check_output(path, ext, force)
}

pub fn run(args: Args) -> Result<()> {
    run_on(args, None)
}

/// The command on a graph `given` in memory (the Python package's), else on the
/// arguments' own input.
pub fn run_on(args: Args, given: Option<Loaded>) -> Result<()> {
    let mut outputs = Vec::new();
    for path in &args.output {
        let format = format_of(path, args.format)?;
        if format == Format::Dot && args.drawn.layout.dim == Dim::Three {
            bail!("{}: DOT holds 2D positions; drop --dim 3, or choose another format", path.display());
        }
        check(path, args.force)?;
        outputs.push((path, format));
    }
    if let Some(path) = &args.edge_table {
        if !matches!(Format::of(path), Some(Format::Csv | Format::Parquet)) {
            bail!("{}: the edge table is a .csv or a .parquet file", path.display());
        }
        check(path, args.force)?;
    }
    if args.drawn.embedding.embedding.is_some() && !outputs.iter().any(|(_, f)| *f == Format::Html) {
        bail!("--embedding is shown in the browser view: add -o FILE.html");
    }
    let drawn = args.drawn.draw(given)?;
    let (graph, drawing) = (&drawn.loaded.graph, &drawn.drawing);
    let page = drawn.page();
    for (path, format) in outputs {
        write(path, format, &page).with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "wrote {} ({}: {} nodes, {} edges{})",
            path.display(),
            format.describe(),
            graph.node_count(),
            graph.edge_count(),
            if drawing.paths.is_some()
                && matches!(format, Format::Html | Format::Graphml | Format::Dot | Format::Json | Format::Cyjs)
            {
                ", bundled paths"
            } else {
                ""
            }
        );
    }
    if let Some(path) = &args.edge_table {
        let table = Table::edges(graph);
        match Format::of(path) {
            Some(Format::Parquet) => table.write_parquet(path),
            _ => table.write_csv(path),
        }
        .with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!("wrote {} ({} edges: {})", path.display(), graph.edge_count(), column_names(&table));
    }
    Ok(())
}

fn column_names(table: &Table) -> String {
    table.columns.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ")
}

fn write(path: &Path, format: Format, page: &PageScene) -> std::io::Result<()> {
    let (graph, drawing) = (page.graph, page.drawing);
    match format {
        Format::Html => html::write(path, page),
        Format::Graphml => graphml::write(path, graph, drawing),
        Format::Gexf => gexf::write(path, graph, drawing),
        Format::Dot => dot::write(path, graph, drawing),
        Format::Json => json::write_node_link(path, graph, drawing),
        Format::Cyjs => json::write_cytoscape(path, graph, drawing),
        Format::Csv => Table::nodes(graph, drawing).write_csv(path),
        Format::Parquet => Table::nodes(graph, drawing).write_parquet(path),
    }
}
