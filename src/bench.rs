//! `netlens bench`: how fast netlens draws, queries, bundles and projects at scale, on generated
//! graphs that come with their positions ([`crate::graph::generate::laid_out_mesh`]) and
//! generated embeddings ([`blobs`]). Every timing is printed beside a baseline measured in
//! the same run, never against a stored number.

use std::time::{Duration, Instant};

use glam::Vec2;

use crate::embed::umap::UmapPasses;
use crate::geom::{Bounds, Dim};
use crate::gpu::{Gpu, GpuError};
use crate::graph::Direction;
use crate::graph::bfs;
use crate::graph::generate::laid_out_mesh;
use crate::render::{Camera, EdgeColoring, EdgeDetail, OffscreenTarget, Renderer, Style, frame};
use crate::view::GraphView;

/// Edges per node of the generated graphs: 10M edges come with 1M nodes.
pub const EDGES_PER_NODE: u32 = 10;
/// The K-hop query timed on each graph: the window's largest K from this many seeds
/// spread over the graph, so the neighbourhood covers a good part of it.
pub const BENCH_HOPS: u32 = 10;
pub const BENCH_SEEDS: u32 = 100;

/// Timings on one generated graph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RenderTiming {
    pub nodes: u32,
    pub edges: usize,
    pub frames: u32,
    /// Median time of a full frame (edges and nodes, submitted and finished), edges at
    /// the level [`crate::render::EdgeDetail::Auto`] chooses.
    pub frame_ms: f64,
    /// That level: `lines` or `density`.
    pub edge_level: &'static str,
    /// Baseline: the same frame with every edge drawn as a line (`--edge-detail lines`);
    /// `None` above [`MAX_LINES_TIMED`] edges.
    pub lines_frame_ms: Option<f64>,
    /// Baseline: the same frame with nothing in it (clear and submit).
    pub empty_frame_ms: f64,
    /// The K-hop query and its highlight; `None` where the graph's adjacency does not fit
    /// one buffer binding of the adapter.
    pub khop: Option<KhopTiming>,
    /// Placing labels, group boxes and a legend for the frame on the CPU (every node
    /// named; egui's text layout included), and the labels placed; `None` above
    /// [`MAX_LABELLED_NODES`] nodes.
    pub labels_ms: Option<f64>,
    pub labels_placed: Option<usize>,
}

/// A K-hop query on a generated graph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KhopTiming {
    /// One query ([`BENCH_HOPS`] hops from [`BENCH_SEEDS`] seeds, both directions) on the
    /// GPU, counts read back.
    pub gpu_ms: f64,
    /// Baseline: the CPU reference's breadth-first search for the same query.
    pub cpu_ms: f64,
    pub reached: u64,
    /// A frame of the same view with the neighbourhood highlighted.
    pub highlighted_frame_ms: f64,
}

/// Edges above which `bench render` does not time drawing every edge as a line (a frame
/// of 100M lines takes minutes on a software adapter).
pub const MAX_LINES_TIMED: usize = 20_000_000;

/// Nodes above which `bench render` does not time labelling (naming them all would
/// dominate the run).
pub const MAX_LABELLED_NODES: u32 = 2_000_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Time each measurement may take in all: slow frames are timed fewer times.
const BUDGET: Duration = Duration::from_secs(20);

/// Median of `f`'s durations over at most `max_runs` runs, stopping early once [`BUDGET`]
/// is spent (always at least one run).
fn median(max_runs: u32, mut f: impl FnMut() -> Result<(), GpuError>) -> Result<(f64, u32), GpuError> {
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < max_runs as usize && (times.is_empty() || start.elapsed() < BUDGET) {
        let t = Instant::now();
        f()?;
        times.push(ms(t.elapsed()));
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times.len() as u32))
}

/// Draws a generated graph of about `edges` edges at `size`, offscreen, and times frames
/// and a K-hop query; `picture` receives the frame (RGBA8 rows) when given. The graph has
/// [`EDGES_PER_NODE`] edges a node, or more where that many nodes' positions would not
/// fit one buffer binding of the adapter.
pub fn render(
    gpu: &Gpu,
    edges: usize,
    size: (u32, u32),
    max_frames: u32,
    picture: Option<&mut Vec<u8>>,
) -> Result<RenderTiming, GpuError> {
    let binding = gpu.device.limits().max_storage_buffer_binding_size;
    let most_nodes = (binding / std::mem::size_of::<[f32; 4]>() as u64).min(crate::graph::MAX_NODES);
    let nodes = (edges as u64 / EDGES_PER_NODE as u64).clamp(2, most_nodes) as u32;
    let (mut graph, positions) = laid_out_mesh(nodes, (edges as u64).div_ceil(nodes as u64).max(1) as u32, 1);
    let target = OffscreenTarget::new(gpu, size)?;
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let bounds = Bounds::of(&positions);
    let mut view = GraphView::new(gpu, &renderer, &graph, positions, bounds, Dim::Two, EdgeColoring::Nodes)?;
    let camera = view.camera(size);
    let empty_graph = crate::graph::Graph::with_nodes(0, false);
    let empty = renderer.scene(gpu, &empty_graph, &view.buffer, &view.bounds, view.scene.style)?;

    target.draw(gpu, &renderer, &view.scene, &camera)?; // warm-up: pipelines, first touch of buffers
    let (empty_frame_ms, _) = median(max_frames, || target.draw(gpu, &renderer, &empty, &camera))?;
    let (frame_ms, frames) = median(max_frames, || target.draw(gpu, &renderer, &view.scene, &camera))?;
    let edge_level = view.scene.edge_level().name();
    if let Some(rgba) = picture {
        *rgba = target.render(gpu, &renderer, &view.scene, &camera)?;
    }
    let lines_frame_ms = match graph.edge_count() <= MAX_LINES_TIMED {
        true => {
            view.scene.style.edge_detail = EdgeDetail::Lines;
            target.draw(gpu, &renderer, &view.scene, &camera)?;
            let (ms, _) = median(max_frames, || target.draw(gpu, &renderer, &view.scene, &camera))?;
            view.scene.style.edge_detail = EdgeDetail::Auto;
            Some(ms)
        }
        false => None,
    };

    let khop = match 2 * graph.edge_count() as u64 * 4 <= binding {
        true => Some(time_khop(gpu, &graph, &mut view, &target, &camera, max_frames)?),
        false => None,
    };
    let (labels_ms, labels_placed) = match nodes <= MAX_LABELLED_NODES {
        true => {
            let (ms, placed) =
                time_labels(&mut graph, &view.positions, view.scene.style.node_radius, &camera, size, max_frames)?;
            (Some(ms), Some(placed))
        }
        false => (None, None),
    };
    Ok(RenderTiming {
        nodes,
        edges: graph.edge_count(),
        frames,
        frame_ms,
        edge_level,
        lines_frame_ms,
        empty_frame_ms,
        khop,
        labels_ms,
        labels_placed,
    })
}

/// Times a K-hop query from seeds scattered over `graph` (drawn by `view`), on the GPU
/// and the CPU, and a frame with its neighbourhood highlighted.
fn time_khop(
    gpu: &Gpu,
    graph: &crate::graph::Graph,
    view: &mut GraphView,
    target: &OffscreenTarget,
    camera: &Camera,
    max_runs: u32,
) -> Result<KhopTiming, GpuError> {
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let nodes = graph.node_count();
    // Seeds scattered over the mesh by a multiplicative hash of their rank.
    let seed: Vec<u32> =
        (0..BENCH_SEEDS.min(nodes) as u64).map(|i| (i * 2_654_435_761 % nodes as u64) as u32).collect();
    view.highlight(gpu, graph, &seed, BENCH_HOPS, Direction::Both)?;
    view.reached(gpu)?; // warm-up
    let mut reached = 0;
    let (gpu_ms, _) = median(max_runs, || {
        view.highlight(gpu, graph, &seed, BENCH_HOPS, Direction::Both)?;
        reached = view.reached(gpu)?.iter().sum();
        Ok(())
    })?;
    let csr = graph.csr(Direction::Both);
    let (cpu_ms, _) = median(max_runs, || {
        std::hint::black_box(bfs::hops(&csr, &seed, BENCH_HOPS));
        Ok(())
    })?;
    let (highlighted_frame_ms, _) = median(max_runs, || target.draw(gpu, &renderer, &view.scene, camera))?;
    Ok(KhopTiming { gpu_ms, cpu_ms, reached, highlighted_frame_ms })
}

/// Names every node of `graph` and times placing the annotations of its picture.
fn time_labels(
    graph: &mut crate::graph::Graph,
    positions: &[[f32; 4]],
    radius: f32,
    camera: &Camera,
    size: (u32, u32),
    max_runs: u32,
) -> Result<(f64, usize), GpuError> {
    use crate::render::annotate::{Annotations, LabelsText, LegendMode, Subject, TextOptions};
    let mut names = crate::graph::StringTable::default();
    for v in 0..graph.node_count() {
        names.push(&format!("node {v}"));
    }
    graph.nodes.labels = Some(names);
    let radii = vec![radius; graph.node_count() as usize];
    let coloring = crate::render::palette::ColorBy::Degree;
    let subject = Subject {
        graph,
        positions,
        radii: &radii,
        coloring: &coloring,
        hops: None,
        straight: true,
        ranked: None,
        area: None,
    };
    let options = TextOptions { labels: LabelsText::Auto, legend: LegendMode::Auto, groups: true };
    let viewport = Vec2::new(size.0 as f32, size.1 as f32);
    let mut placed = 0;
    let (ms, _) = median(max_runs.min(5), || {
        placed = Annotations::measured(&subject, camera, viewport, options).labels.len();
        Ok(())
    })?;
    Ok((ms, placed))
}

/// Timings of edge bundling on one generated graph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BundleTiming {
    pub nodes: u32,
    pub edges: usize,
    pub iterations: u32,
    /// Cells of the density grid.
    pub cells: u64,
    /// The whole density bundling on the GPU: paths made, every iteration, finished.
    pub gpu_ms: f64,
    /// One iteration of it (the mean).
    pub gpu_iteration_ms: f64,
    /// Baseline: the CPU reference's first iteration.
    pub cpu_iteration_ms: f64,
    /// Covered pixels bundled over straight ([`crate::bundle::metrics`]).
    pub pixel_ratio: f64,
    /// A frame with straight edges, and one with the bundled curves.
    pub straight_frame_ms: f64,
    pub bundled_frame_ms: f64,
}

/// Bundles a generated graph of about `edges` edges by the density method and times it
/// against the CPU reference, then draws it straight and bundled at `size`.
pub fn bundle(gpu: &Gpu, edges: usize, size: (u32, u32)) -> Result<BundleTiming, GpuError> {
    use crate::bundle::{self, BundleConfig, Bundler, Grid, Paths};
    let nodes = (edges as u64 / EDGES_PER_NODE as u64).clamp(2, crate::graph::MAX_NODES) as u32;
    let (graph, positions) = laid_out_mesh(nodes, EDGES_PER_NODE, 1);
    let config = BundleConfig::default();
    let bounds = Bounds::of(&positions);
    let resolution = config.resolution(Dim::Two);
    let grid = Grid::new(&bounds, nodes, Dim::Two, resolution);
    let schedule = bundle::schedule(&grid, &config);
    let buffer = gpu.storage_buffer("bench.positions", &positions, wgpu::BufferUsages::empty())?;
    let bundler = gpu.kernel::<Bundler>();
    let edges = gpu.upload_edge_pairs(&graph, "bench.edges")?;
    let paths = Paths::new(gpu, &edges, graph.edge_count() as u32)?;
    bundler.run(gpu, &paths, &buffer, &schedule[..1], |_, _| {})?; // warm-up
    let t = Instant::now();
    bundler.run(gpu, &paths, &buffer, &schedule, |_, _| {})?;
    let gpu_ms = ms(t.elapsed());
    let t = Instant::now();
    std::hint::black_box(crate::bundle::cpu::bundle(&graph.src, &graph.dst, &positions, &schedule[..1]));
    let cpu_iteration_ms = ms(t.elapsed());
    let measured = bundle::metrics::measure(&graph, &positions, &paths.read(gpu)?);

    let target = OffscreenTarget::new(gpu, size)?;
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let camera = Camera::fit(&bounds, Dim::Two, Vec2::new(size.0 as f32, size.1 as f32));
    let style = Style::for_layout(graph.node_count(), &bounds, Dim::Two);
    let mut scene = renderer.scene(gpu, &graph, &buffer, &bounds, style)?;
    renderer.set_paths(gpu, &mut scene, &paths);
    target.draw(gpu, &renderer, &scene, &camera)?; // warm-up
    let (straight_frame_ms, _) = median(5, || target.draw(gpu, &renderer, &scene, &camera))?;
    scene.bundle_mix = 1.0;
    target.draw(gpu, &renderer, &scene, &camera)?;
    let (bundled_frame_ms, _) = median(5, || target.draw(gpu, &renderer, &scene, &camera))?;
    Ok(BundleTiming {
        nodes,
        edges: graph.edge_count(),
        iterations: schedule.len() as u32,
        cells: grid.cells(),
        gpu_ms,
        gpu_iteration_ms: gpu_ms / schedule.len() as f64,
        cpu_iteration_ms,
        pixel_ratio: measured.pixel_ratio,
        straight_frame_ms,
        bundled_frame_ms,
    })
}

/// Timings of the embedding projections on one generated embedding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectTiming {
    pub rows: usize,
    pub dims: usize,
    /// PCA to 2D on the GPU, all passes and read-backs.
    pub pca_gpu_ms: f64,
    /// Baseline: the CPU reference PCA.
    pub pca_cpu_ms: f64,
    /// The 15 nearest neighbours of every row on the GPU (exact up to
    /// [`crate::embed::EXACT_ROWS`], NN-descent beyond).
    pub knn_gpu_ms: f64,
    /// UMAP's fuzzy graph on the CPU.
    pub fuzzy_ms: f64,
    pub epochs: u32,
    /// One UMAP epoch on the GPU (the mean of all).
    pub epoch_gpu_ms: f64,
    /// Baseline: one epoch of the CPU reference.
    pub epoch_cpu_ms: f64,
    /// The whole UMAP projection: kNN, fuzzy graph, PCA start and epochs.
    pub umap_total_ms: f64,
}

/// Times PCA and the UMAP-style projection of a generated `rows x dims` embedding.
pub fn project(gpu: &Gpu, rows: usize, dims: usize) -> Result<ProjectTiming, GpuError> {
    use crate::embed::{self, EmbedPasses, umap};
    let embedding = crate::graph::generate::blobs(rows, dims, 1);
    let passes = gpu.kernel::<EmbedPasses>();
    let umap_passes = gpu.kernel::<UmapPasses>();
    embed::pca(gpu, &passes, &embedding, 2)?; // warm-up
    let t = Instant::now();
    let pca = embed::pca(gpu, &passes, &embedding, 2)?;
    let pca_gpu_ms = ms(t.elapsed());
    let t = Instant::now();
    std::hint::black_box(embed::cpu::pca(&embedding, 2));
    let pca_cpu_ms = ms(t.elapsed());

    let config = umap::UmapConfig::for_rows(rows, 2);
    let total = Instant::now();
    let t = Instant::now();
    let neighbours = embed::neighbours(gpu, &passes, &embedding, config.k)?;
    let knn_gpu_ms = ms(t.elapsed());
    let t = Instant::now();
    let graph = umap::fuzzy_graph(&embedding, &neighbours, config.k);
    let fuzzy_ms = ms(t.elapsed());
    let start = embed::pca(gpu, &passes, &embedding, 2)?.positions;
    let t = Instant::now();
    let positions = umap::run_epochs(gpu, &umap_passes, &graph, start, &config, 0..config.epochs, &mut |_, _| {})?;
    let epoch_gpu_ms = ms(t.elapsed()) / config.epochs as f64;
    let umap_total_ms = ms(total.elapsed());
    let t = Instant::now();
    std::hint::black_box(umap::cpu_epoch(&graph, &pca.positions, &config, 0));
    let epoch_cpu_ms = ms(t.elapsed());
    std::hint::black_box(positions);
    Ok(ProjectTiming {
        rows,
        dims,
        pca_gpu_ms,
        pca_cpu_ms,
        knn_gpu_ms,
        fuzzy_ms,
        epochs: config.epochs,
        epoch_gpu_ms,
        epoch_cpu_ms,
        umap_total_ms,
    })
}

/// Timings of the force layout on one generated graph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayoutTiming {
    pub nodes: u32,
    pub edges: usize,
    pub iterations: u32,
    /// The whole multilevel force layout on the GPU, from scratch, positions read back.
    pub gpu_ms: f64,
    /// One iteration at the finest level (the mean of ten).
    pub gpu_iteration_ms: f64,
    /// Baseline: one iteration of the CPU reference (the same passes) at that level.
    pub cpu_iteration_ms: f64,
}

/// Lays out a generated mesh of about `edges` edges from scratch with the default force
/// layout and times it, then one finest-level iteration on the GPU against the CPU
/// reference's.
pub fn layout(gpu: &Gpu, edges: usize) -> Result<LayoutTiming, GpuError> {
    use crate::layout::cpu::force::CpuForce;
    use crate::layout::force::{ForceLayout, ForceRun};
    use crate::layout::{ForceParams, LayoutConfig, LayoutKind, initial_positions, place};
    let nodes = (edges as u64 / EDGES_PER_NODE as u64).clamp(2, crate::graph::MAX_NODES) as u32;
    let (graph, _) = laid_out_mesh(nodes, EDGES_PER_NODE, 1);
    let config = LayoutConfig { kind: LayoutKind::Force, ..LayoutConfig::default() };
    let t = Instant::now();
    let placed = place(gpu, &graph, &config, |_, _| {})?;
    let gpu_ms = ms(t.elapsed());

    let csr = graph.csr(Direction::Both);
    let start = initial_positions(nodes, &config);
    let layout = gpu.kernel::<ForceLayout>();
    let mut run = ForceRun::new(gpu, &layout, &gpu.upload_csr(&csr)?, &start, config.dim, vec![1.0; 12])?;
    run.advance(gpu, &layout, 1); // warm-up
    gpu.wait()?;
    let t = Instant::now();
    run.advance(gpu, &layout, 10);
    gpu.wait()?;
    let gpu_iteration_ms = ms(t.elapsed()) / 10.0;
    let mut cpu = CpuForce::new(ForceParams::new(nodes, config.dim), &csr, start);
    let t = Instant::now();
    cpu.iterate(1.0);
    let cpu_iteration_ms = ms(t.elapsed());
    Ok(LayoutTiming {
        nodes,
        edges: graph.edge_count(),
        iterations: placed.iterations,
        gpu_ms,
        gpu_iteration_ms,
        cpu_iteration_ms,
    })
}
