//! `netlens project`: an embedding projected to 2D or 3D on the GPU (PCA or UMAP-style); the projection settings `gnn` shares.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

use crate::embed;
use crate::embed::{EmbedPasses, umap::UmapPasses};
use crate::export::write_positions;
use crate::geom::Dim;
use crate::gpu::Gpu;
use crate::load::{self};

use super::args::{bar_style, check_output, new_bar, print_report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The embedding: N x D .npy or CSV
    embedding: PathBuf,
    /// Output coordinates (.npy)
    #[arg(short, long, value_name = "FILE.npy")]
    output: PathBuf,
    #[command(flatten)]
    projection: ProjectArgs,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
    /// Replace the output file if it exists
    #[arg(short, long)]
    force: bool,
}

/// How to project an embedding.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// Projection method
    #[arg(long, value_enum, default_value = "umap")]
    method: Method,
    /// Project to 2 or 3 dimensions
    #[arg(long, default_value = "2")]
    dim: Dim,
    #[command(flatten)]
    umap: UmapArgs,
    /// UMAP: seed of the negative samples; the same seed gives the same projection
    #[arg(long, default_value_t = 0)]
    seed: u32,
}

impl ProjectArgs {
    /// The coordinates per row: 2 or 3.
    pub fn dims(&self) -> usize {
        self.dim.count() as usize
    }

    /// The embedding projected as these options say.
    pub fn project(&self, gpu: &Gpu, embedding: &crate::graph::Embedding) -> Result<Projection> {
        project_embedding(gpu, embedding, self.method, self.dims(), &self.umap, self.seed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Principal component analysis: the axes of largest variance (linear, exact)
    Pca,
    /// UMAP-style neighbour embedding: near rows stay near (non-linear)
    Umap,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Pca => "pca",
            Method::Umap => "umap",
        }
    }
}

/// Settings of the UMAP-style projection.
#[derive(Debug, clap::Args)]
pub struct UmapArgs {
    /// UMAP: neighbours per row
    #[arg(long = "neighbours", default_value_t = 15, value_parser = clap::value_parser!(u32).range(2..=embed::MAX_K as i64))]
    neighbours: u32,
    /// UMAP: optimisation epochs [default: 2000 up to 10,000 rows, else 500]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    epochs: Option<u32>,
}

impl UmapArgs {
    pub fn config(&self, rows: usize, dim: usize, seed: u32) -> Result<embed::umap::UmapConfig> {
        let mut config = embed::umap::UmapConfig::for_rows(rows, dim);
        if self.neighbours as usize >= rows {
            bail!("--neighbours {}: the embedding has only {rows} rows", self.neighbours);
        }
        config.k = self.neighbours as usize;
        config.epochs = self.epochs.unwrap_or(config.epochs);
        config.seed = seed;
        Ok(config)
    }
}

/// An embedding's projection, and for PCA the share of the variance each axis explains.
pub struct Projection {
    pub positions: Vec<[f32; 4]>,
    pub explained: Option<Vec<f64>>,
}

/// Projects `embedding` by `method`, with a progress bar for UMAP's epochs.
pub fn project_embedding(
    gpu: &Gpu,
    embedding: &crate::graph::Embedding,
    method: Method,
    dim: usize,
    umap: &UmapArgs,
    seed: u32,
) -> Result<Projection> {
    let passes = gpu.kernel::<EmbedPasses>();
    Ok(match method {
        Method::Pca => {
            let pca = embed::pca(gpu, &passes, embedding, dim)?;
            let shares = pca.variance.iter().map(|v| v / pca.total_variance.max(f64::MIN_POSITIVE)).collect();
            Projection { positions: pca.positions, explained: Some(shares) }
        }
        Method::Umap => {
            let config = umap.config(embedding.rows, dim, seed)?;
            let bar = new_bar(config.epochs as u64)
                .with_style(bar_style("umap [{bar:30}] {pos}/{len} epochs, {elapsed} (ETA {eta})"));
            let umap_passes = gpu.kernel::<UmapPasses>();
            let positions = embed::umap::umap(gpu, &passes, &umap_passes, embedding, &config, |done, _| {
                bar.set_position(done as u64)
            })?;
            bar.finish_and_clear();
            Projection { positions, explained: None }
        }
    })
}

/// What `project` prints: the projection's size, method and time, and for PCA the share
/// of the variance each axis explains.
#[derive(Serialize)]
struct Report {
    #[serde(skip)]
    output: PathBuf,
    rows: usize,
    dims: usize,
    method: &'static str,
    dim: usize,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    explained_variance: Option<Vec<f64>>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Report { rows, dims, method, dim, seconds, .. } = self;
        write!(f, "wrote {} ({rows} x {dim}): {method} of {rows} x {dims} in {seconds:.2} s", self.output.display())?;
        if let Some(explained) = &self.explained_variance {
            let shares: Vec<String> = explained.iter().map(|e| format!("{:.1}%", e * 100.0)).collect();
            write!(f, "; the axes explain {} of the variance", shares.join(", "))?;
        }
        Ok(())
    }
}

pub fn run(args: Args) -> Result<()> {
    check_output(&args.output, "npy", args.force)?;
    let embedding = load::load_embedding(&args.embedding, None)?;
    let gpu = Gpu::headless()?;
    let start = std::time::Instant::now();
    let dim = args.projection.dims();
    let Projection { positions, explained } = args.projection.project(&gpu, &embedding)?;
    let seconds = start.elapsed().as_secs_f64();
    write_positions(&args.output, &positions, dim)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    let report = Report {
        output: args.output,
        rows: embedding.rows,
        dims: embedding.dims,
        method: args.projection.method.name(),
        dim,
        seconds,
        explained_variance: explained,
    };
    if args.json {
        return print_report(&report, true);
    }
    // The line says what was written, as the other commands do on stderr.
    eprintln!("{report}");
    Ok(())
}
