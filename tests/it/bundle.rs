//! Edge bundling: the GPU density pass against its CPU reference, and bundling that
//! visibly gathers edges on real graphs (covered pixels drop by at least a quarter).

use crate::common;

use netlens::bundle::metrics::{self, BundleMetrics};
use netlens::bundle::{self, BundleConfig, BundleMethod, Bundler, Grid, POINTS, Paths, schedule};
use netlens::geom::Bounds;
use netlens::geom::Dim;
use netlens::gpu::Gpu;
use netlens::graph::Graph;
use netlens::layout::{LayoutConfig, LayoutKind, place};
use netlens::load;

fn laid_out(gpu: &Gpu, graph: &Graph, dim: Dim) -> Vec<[f32; 4]> {
    let config = LayoutConfig { dim, ..LayoutConfig::default() };
    place(gpu, graph, &config, |_, _| {}).unwrap().positions
}

/// Runs the density schedule of `config` on the GPU and the CPU; returns both paths.
fn both(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    dim: Dim,
    config: &BundleConfig,
) -> (Vec<[f32; 4]>, Vec<[f32; 4]>) {
    let resolution = config.resolution(dim);
    let grid = Grid::new(&Bounds::of(positions), graph.node_count(), dim, resolution);
    let steps = schedule(&grid, config);
    let buffer = gpu.storage_buffer("positions", positions, wgpu::BufferUsages::empty()).unwrap();
    let edges = gpu.upload_edge_pairs(graph, "edges").unwrap();
    let paths = Paths::new(gpu, &edges, graph.edge_count() as u32).unwrap();
    gpu.kernel::<Bundler>().run(gpu, &paths, &buffer, &steps, |_, _| {}).unwrap();
    let on_cpu = netlens::bundle::cpu::bundle(&graph.src, &graph.dst, positions, &steps);
    (paths.read(gpu).unwrap(), on_cpu)
}

fn largest_difference(a: &[[f32; 4]], b: &[[f32; 4]]) -> f32 {
    a.iter().zip(b).map(|(p, q)| (0..3).map(|c| (p[c] - q[c]).abs()).fold(0.0, f32::max)).fold(0.0, f32::max)
}

#[test]
fn gpu_density_bundling_matches_the_cpu_reference() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let graph = load::bundled_cora().graph;
    for dim in [Dim::Two, Dim::Three] {
        let positions = laid_out(&gpu, &graph, dim);
        let extent = Bounds::of(&positions).size().max_element();
        // Three iterations agree point for point.
        let config = BundleConfig {
            iterations: 3,
            resolution: Some(if dim == Dim::Three { 48 } else { 256 }),
            ..BundleConfig::default()
        };
        let (on_gpu, on_cpu) = both(&gpu, &graph, &positions, dim, &config);
        assert_eq!(on_gpu.len(), graph.edge_count() * POINTS as usize);
        let worst = largest_difference(&on_gpu, &on_cpu) / extent;
        println!("{dim:?}: 3 iterations, largest difference {worst:.2e} of the extent");
        assert!(worst < 1e-3, "{dim:?}: {worst}");
        // Every path still starts and ends on its nodes.
        for (e, path) in on_gpu.chunks(POINTS as usize).enumerate() {
            assert_eq!(path[0][..3], positions[graph.src[e] as usize][..3]);
            assert_eq!(path[POINTS as usize - 1][..3], positions[graph.dst[e] as usize][..3]);
        }
    }
}

#[test]
fn a_full_gpu_run_measures_like_the_cpu_reference() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let graph = load::bundled_cora().graph;
    let positions = laid_out(&gpu, &graph, Dim::Two);
    let config = BundleConfig { resolution: Some(256), ..BundleConfig::default() };
    let (on_gpu, on_cpu) = both(&gpu, &graph, &positions, Dim::Two, &config);
    let (g, c) = (metrics::measure(&graph, &positions, &on_gpu), metrics::measure(&graph, &positions, &on_cpu));
    println!("gpu {g:?}\ncpu {c:?}");
    assert!((g.pixel_ratio - c.pixel_ratio).abs() < 0.02, "{g:?} {c:?}");
    assert!((g.distortion - c.distortion).abs() < 0.02 * c.distortion, "{g:?} {c:?}");
}

/// Bundles `graph` by `method` with the default settings; the metrics.
fn bundled(gpu: &Gpu, graph: &Graph, positions: &[[f32; 4]], dim: Dim, method: BundleMethod) -> BundleMetrics {
    let config = BundleConfig { method, ..BundleConfig::default() };
    let paths = bundle::bundle_positions(gpu, graph, positions, dim, &config, |_, _| {}).unwrap();
    metrics::measure(graph, positions, &paths)
}

/// Cora (2708 papers), force layout: the density method.
#[test]
fn density_bundling_gathers_cora_edges() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let graph = load::bundled_cora().graph;
    let positions = laid_out(&gpu, &graph, Dim::Two);
    let m = bundled(&gpu, &graph, &positions, Dim::Two, BundleMethod::Density);
    println!("Cora: {m:?}");
    assert!(m.pixel_ratio <= 0.75, "{m:?}");
    assert!(m.distortion < 1.5, "{m:?}");
}

/// The larval Drosophila mushroom body connectome (left), read from its CSV with a header
/// and string ids: the density method.
#[test]
fn density_bundling_gathers_the_connectome() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let loaded = load::load_graph(&common::repo_data("drosophila/left_edges.csv")).unwrap();
    let graph = loaded.graph;
    assert_eq!((graph.node_count(), graph.edge_count()), (209, 7425));
    assert_eq!(graph.node_name(0), "K0");
    let positions = laid_out(&gpu, &graph, Dim::Two);
    let m = bundled(&gpu, &graph, &positions, Dim::Two, BundleMethod::Density);
    println!("connectome: {m:?}");
    assert!(m.pixel_ratio <= 0.75, "{m:?}");
}

/// A trained MLP (scikit-learn digits) at the neuron level, layered: both methods.
#[test]
fn both_methods_gather_a_neuron_level_mlp() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let path = common::repo_data("onnx/digits_mlp.onnx");
    let graph = load::load_neurons(&path, Default::default()).unwrap().graph;
    let config = LayoutConfig { kind: LayoutKind::Layered, ..LayoutConfig::default() };
    let positions = place(&gpu, &graph, &config, |_, _| {}).unwrap().positions;
    for method in [BundleMethod::Density, BundleMethod::Hierarchy] {
        let m = bundled(&gpu, &graph, &positions, Dim::Two, method);
        println!("digits MLP, {}: {m:?}", method.name());
        assert!(m.pixel_ratio <= 0.75, "{}: {m:?}", method.name());
        assert!(m.distortion < 1.5, "{}: {m:?}", method.name());
    }
}

/// In 3D the density method bundles through a volume and the ends stay on their nodes.
#[test]
fn density_bundling_works_in_3d() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let graph = load::load_graph(&common::repo_data("drosophila/left_edges.csv")).unwrap().graph;
    let positions = laid_out(&gpu, &graph, Dim::Three);
    let m = bundled(&gpu, &graph, &positions, Dim::Three, BundleMethod::Density);
    println!("connectome 3D: {m:?}");
    assert!(m.ink_bundled < m.ink_straight * 1.5 && m.distortion > 1.01, "{m:?}");
}
