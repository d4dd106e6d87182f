//! Edge bundling: every edge becomes a polyline of [`POINTS`] points, drawn as a curve,
//! so that edges running the same way gather into bundles and the picture shows structure
//! instead of a hairball.
//!
//! Two methods, one output ([`Paths`], on the GPU, read by the renderer):
//! - [`BundleMethod::Density`], image-based bundling (KDEEB / CUBu) on the GPU, in 2D and
//!   3D: splat the edges' points into a density grid, blur it, move each point up the
//!   density, smooth and resample each polyline, and repeat with a shrinking kernel
//!   (shaders/bundle.wgsl, its CPU reference in [`crate::bundle::cpu`]). The
//!   schedule of kernel radii ([`schedule`]) is shared by both.
//! - [`BundleMethod::Hierarchy`], for models whose groups are layers ([`hierarchy`]): each
//!   edge follows its nodes' group hierarchy up to their common ancestor and down again, as
//!   a B-spline through the groups' centres (Holten's hierarchical edge bundling), on the
//!   CPU. Between two layers of a neuron-level graph, edges gather into a channel between
//!   the layers' centres.
//!
//! [`metrics`] measures ink and distortion before and after.

pub mod cpu;
pub mod hierarchy;
pub mod metrics;

use std::ops::Range;

use bytemuck::{Pod, Zeroable};
use glam::Vec3;

use crate::geom::{Bounds, Dim};
use crate::gpu::{self, Gpu, GpuError, Kernel, Shader, bind_group_layout, storage_entry, uniform_entry};
use crate::graph::Graph;

/// Points per edge path, ends included. `POINTS` in bundle.wgsl and edges.wgsl.
pub const POINTS: u32 = 16;
/// Fixed-point units of the density splat per cell of edge length. `SPLAT_SCALE` in
/// bundle.wgsl.
pub const SPLAT_SCALE: f32 = 16.0;
/// Most units one point adds to its cell (a point standing for 16 cells of ink), so that
/// a million edges cannot overflow a cell's `u32`.
pub const MAX_SPLAT: f32 = 256.0;
/// How far a point of an edge's path may stray from its straight line, times the edge's
/// length: short edges stay short instead of joining a distant bundle. `MAX_DEVIATION` in
/// bundle.wgsl.
pub const MAX_DEVIATION: f32 = 0.4;
/// The first kernel radius, in node spacings (the side of each node's share of the
/// layout's bounds). Measured on Cora and the connectome (covered pixels over the straight
/// edges'): 0.6 spacings 0.682 / 0.747, 1 spacing 0.700 / 0.695, 2 spacings 0.750 / 0.676.
/// A fixed share of the layout instead suits one graph only: 0.025 of the longest side
/// gave 0.72 on Cora but 0.78 on the connectome.
pub const START_RADIUS: f32 = 1.0;
/// The first kernel radius at most, as a share of the grid's resolution.
pub const MAX_START_RADIUS: f32 = 0.15;
/// The last kernel radius, in cells.
pub const END_RADIUS: f32 = 1.5;
/// Mean-shift steps a point takes each iteration at strength 1. On Cora, 1 step left 76% of
/// the straight edges' pixels covered, 2 steps 72% (with a first kernel of 0.025 of the
/// layout's side).
pub const DENSITY_GAIN: f32 = 2.0;
/// Laplacian smoothing weight per pass (two passes an iteration).
pub const SMOOTHING: f32 = 0.5;
/// Bytes of one edge's path on the GPU: [`POINTS`] `[x, y, z, density]` rows.
pub const PATH_BYTES: u64 = POINTS as u64 * 16;

/// How edges are bundled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BundleMethod {
    /// Image-based, on the GPU: edges gather where many run alike (any graph)
    #[default]
    Density,
    /// Along the group hierarchy, through the centres of the groups between the two nodes
    /// (models: layer-to-layer channels at the neuron level)
    Hierarchy,
}

impl BundleMethod {
    pub fn name(self) -> &'static str {
        match self {
            BundleMethod::Density => "density",
            BundleMethod::Hierarchy => "hierarchy",
        }
    }
}

/// What the user chooses about bundling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BundleConfig {
    pub method: BundleMethod,
    /// Density: cells of the density grid along the layout's longest side; `None`: 512 in
    /// 2D, 128 in 3D.
    pub resolution: Option<u32>,
    /// Density: iterations, each with a smaller kernel.
    pub iterations: u32,
    /// How strongly edges gather (1: the default): the density method moves each point by
    /// [`DENSITY_GAIN`] times this many mean-shift steps an iteration (at most half the
    /// kernel radius), the hierarchy method bends with beta = [`hierarchy::BETA`] times it
    /// (at most 1).
    pub strength: f32,
}

impl Default for BundleConfig {
    fn default() -> Self {
        BundleConfig { method: BundleMethod::Density, resolution: None, iterations: 15, strength: 1.0 }
    }
}

impl BundleConfig {
    pub fn resolution(&self, dim: Dim) -> u32 {
        self.resolution.unwrap_or(match dim {
            Dim::Two => 512,
            Dim::Three => 128,
        })
    }
}

/// The density grid: it covers the layout plus the first kernel's reach on every side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub origin: Vec3,
    pub cell: f32,
    pub dims: [u32; 3],
    /// The first kernel radius, cells.
    pub start_radius: f32,
}

impl Grid {
    /// The grid over `bounds` with `resolution` cells along the longest side, for a
    /// layout of `node_count` nodes (the first kernel spans [`START_RADIUS`] node spacings).
    pub fn new(bounds: &Bounds, node_count: u32, dim: Dim, resolution: u32) -> Grid {
        let size = bounds.size();
        let axes = dim.count() as usize;
        let longest = size.to_array()[..axes].iter().copied().fold(0.0, f32::max);
        let cell = if longest > 0.0 { longest / resolution as f32 } else { 1.0 };
        let spacing = bounds.spacing(node_count, dim) / cell;
        let start_radius = (START_RADIUS * spacing).clamp(END_RADIUS, MAX_START_RADIUS * resolution as f32);
        let pad = start_radius.ceil() as u32 + 1;
        let mut dims = [1; 3];
        for (a, d) in dims.iter_mut().enumerate().take(axes) {
            *d = ((size[a] / cell).ceil() as u32).max(1) + 2 * pad;
        }
        let mut origin = bounds.min - Vec3::splat(pad as f32 * cell);
        if dim == Dim::Two {
            origin.z = bounds.min.z - 0.5 * cell;
        }
        Grid { origin, cell, dims, start_radius }
    }

    pub fn cells(&self) -> u64 {
        self.dims.iter().map(|&d| d as u64).product()
    }
}

/// One iteration's constants. Mirrors `Params` in bundle.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Params {
    pub origin: [f32; 3],
    pub cell: f32,
    pub dims: [u32; 3],
    /// 1 on the final iteration, which stores densities.
    pub last: u32,
    /// Kernel radius, cells.
    pub radius: f32,
    pub gain: f32,
    pub smoothing: f32,
    pad: u32,
}
const _: () = assert!(std::mem::size_of::<Params>() == 48);

/// The iterations' constants: kernel radii shrinking geometrically from [`START_RADIUS`] of
/// the grid's resolution to [`END_RADIUS`] cells.
pub fn schedule(grid: &Grid, config: &BundleConfig) -> Vec<Params> {
    let start = grid.start_radius;
    let n = config.iterations.max(1);
    let decay = if n > 1 { (END_RADIUS / start).powf(1.0 / (n - 1) as f32) } else { 1.0 };
    (0..n)
        .map(|i| Params {
            origin: grid.origin.to_array(),
            cell: grid.cell,
            dims: grid.dims,
            last: (i + 1 == n) as u32,
            radius: start * decay.powi(i as i32),
            gain: DENSITY_GAIN * config.strength,
            smoothing: SMOOTHING,
            pad: 0,
        })
        .collect()
}

/// Bundles `graph`'s edges with its nodes at `positions` and reads the paths back:
/// [`POINTS`] rows per edge, in edge order.
pub fn bundle_positions(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    dim: Dim,
    config: &BundleConfig,
    progress: impl FnMut(u32, u32),
) -> Result<Vec<[f32; 4]>, GpuError> {
    let on_gpu = OnGpu {
        edges: &gpu.upload_edge_pairs(graph, "netlens.edges")?,
        positions: &gpu.storage_buffer("netlens.positions", positions, wgpu::BufferUsages::empty())?,
    };
    bundle(gpu, graph, positions, on_gpu, dim, config, progress)?.read(gpu)
}

/// Every edge's path on the GPU: the edge pairs, [`POINTS`] points per edge (`[x, y, z,
/// density]`), and the largest density (f32 bits) for shading, bound in chunks of edges
/// that fit one storage binding.
pub struct Paths {
    pub edges: wgpu::Buffer,
    pub points: wgpu::Buffer,
    pub peak: wgpu::Buffer,
    /// Edge ranges, each bindable at once (pairs and points).
    pub chunks: Vec<Range<u32>>,
    pub edge_count: u32,
}

impl Paths {
    /// Room for the paths of `edge_count` edges, whose `(source, target)` pairs are in
    /// `edges` ([`Gpu::upload_edge_pairs`]).
    pub fn new(gpu: &Gpu, edges: &wgpu::Buffer, edge_count: u32) -> Result<Paths, GpuError> {
        let limits = gpu.device.limits();
        let bytes = edge_count as u64 * PATH_BYTES;
        if bytes > limits.max_buffer_size {
            return Err(GpuError::TooLarge {
                what: "the bundled edge paths",
                needed: bytes,
                limit: limits.max_buffer_size,
            });
        }
        // Chunk starts must be aligned for the 8-byte pairs too.
        let align = (limits.min_storage_buffer_offset_alignment as u64 / 8).max(1);
        let per_chunk = ((limits.max_storage_buffer_binding_size / PATH_BYTES) / align * align).max(align) as u32;
        let chunks =
            (0..edge_count.div_ceil(per_chunk)).map(|c| c * per_chunk..((c + 1) * per_chunk).min(edge_count)).collect();
        let points = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("Paths::points"),
            size: bytes.max(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let peak = gpu.zeroed_storage("Paths::peak", 4, wgpu::BufferUsages::COPY_SRC)?;
        Ok(Paths { edges: edges.clone(), points, peak, chunks, edge_count })
    }

    /// Writes paths made on the CPU ([`POINTS`] rows per edge) and their peak density.
    pub fn write(&self, gpu: &Gpu, points: &[[f32; 4]]) {
        debug_assert_eq!(points.len(), self.edge_count as usize * POINTS as usize);
        let peak = points.iter().map(|p| p[3]).fold(0.0f32, f32::max);
        gpu.queue.write_buffer(&self.peak, 0, bytemuck::bytes_of(&peak.to_bits()));
        const SLICE: usize = 1 << 20;
        for (i, slice) in points.chunks(SLICE).enumerate() {
            gpu.queue.write_buffer(&self.points, (i * SLICE * 16) as u64, bytemuck::cast_slice(slice));
        }
    }

    /// Reads the paths back: [`POINTS`] rows per edge.
    pub fn read(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        let bytes = gpu::read_buffer(gpu, &self.points, self.edge_count as u64 * PATH_BYTES)?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    /// The pairs and points of the edges in `range`, as buffer bindings.
    pub fn bindings(&self, range: &Range<u32>) -> [wgpu::BindingResource<'_>; 2] {
        let count = (range.end - range.start).max(1) as u64;
        [
            wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &self.edges,
                offset: range.start as u64 * 8,
                size: wgpu::BufferSize::new(count * 8),
            }),
            wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &self.points,
                offset: range.start as u64 * PATH_BYTES,
                size: wgpu::BufferSize::new(count * PATH_BYTES),
            }),
        ]
    }
}

/// The density bundling's pipelines (create once).
pub struct Bundler {
    layout: wgpu::BindGroupLayout,
    init: wgpu::ComputePipeline,
    clear: wgpu::ComputePipeline,
    splat: wgpu::ComputePipeline,
    blur: [wgpu::ComputePipeline; 3],
    advance: wgpu::ComputePipeline,
}

const WORKGROUP: u32 = 64;

impl Bundler {
    /// Bundles `paths` (made for the graph whose nodes lie at `positions`, `[x, y, z, _]`
    /// rows on the GPU) by the density method, reporting `progress(done, total)` after each
    /// iteration.
    pub fn run(
        &self,
        gpu: &Gpu,
        paths: &Paths,
        positions: &wgpu::Buffer,
        schedule: &[Params],
        mut progress: impl FnMut(u32, u32),
    ) -> Result<(), GpuError> {
        let Some(first) = schedule.first() else { return Ok(()) };
        let cells: u32 = first.dims.iter().product();
        let grid = |label| gpu.zeroed_storage(label, cells as u64 * 4, wgpu::BufferUsages::empty());
        let (counts, density_a, density_b) =
            (grid("Bundler::counts")?, grid("Bundler::density_a")?, grid("Bundler::density_b")?);
        let params = crate::gpu::uniform_buffer(&gpu.device, "Bundler::params", std::mem::size_of::<Params>() as u64);
        let groups: Vec<(wgpu::BindGroup, u32)> = paths
            .chunks
            .iter()
            .map(|range| {
                let [edges, points] = paths.bindings(range);
                let entries = [
                    params.as_entire_binding(),
                    positions.as_entire_binding(),
                    edges,
                    points,
                    counts.as_entire_binding(),
                    density_a.as_entire_binding(),
                    density_b.as_entire_binding(),
                    paths.peak.as_entire_binding(),
                ];
                let entries: Vec<wgpu::BindGroupEntry> = entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, resource)| wgpu::BindGroupEntry { binding: i as u32, resource })
                    .collect();
                let group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("Bundler::chunk"),
                    layout: &self.layout,
                    entries: &entries,
                });
                (group, range.end - range.start)
            })
            .collect();
        if groups.is_empty() {
            return Ok(());
        }
        let dispatch = |pass: &mut wgpu::ComputePass<'_>, pipeline, group, n| {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            let (x, y) = gpu::dispatch_size(n, WORKGROUP);
            pass.dispatch_workgroups(x, y, 1);
        };
        let total = schedule.len() as u32;
        for (i, step) in schedule.iter().enumerate() {
            gpu.queue.write_buffer(&params, 0, bytemuck::bytes_of(step));
            let mut encoder = gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("Bundler::iteration") });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("Bundler"),
                    timestamp_writes: None,
                });
                if i == 0 {
                    for (group, n) in &groups {
                        dispatch(&mut pass, &self.init, group, *n);
                    }
                }
                dispatch(&mut pass, &self.clear, &groups[0].0, cells);
                for (group, n) in &groups {
                    dispatch(&mut pass, &self.splat, group, *n);
                }
                for blur in &self.blur {
                    dispatch(&mut pass, blur, &groups[0].0, cells);
                }
                for (group, n) in &groups {
                    dispatch(&mut pass, &self.advance, group, *n);
                }
            }
            gpu.queue.submit([encoder.finish()]);
            gpu.wait()?;
            progress(i as u32 + 1, total);
        }
        Ok(())
    }
}

impl Kernel for Bundler {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let layout = bind_group_layout(
            device,
            "Bundler::layout",
            &[
                uniform_entry(0, false),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, false),
                storage_entry(4, false),
                storage_entry(5, false),
                storage_entry(6, false),
                storage_entry(7, false),
            ],
        );
        let [init, clear, splat, blur_x, blur_y, blur_z, advance] = gpu::compute_pipelines(
            device,
            "Bundler",
            Shader::Bundle,
            &[&layout],
            ["init", "clear", "splat", "blur_x", "blur_y", "blur_z", "advance"],
        );
        Bundler { layout, init, clear, splat, blur: [blur_x, blur_y, blur_z], advance }
    }
}

/// A graph already on the GPU: its edge pairs ([`Gpu::upload_edge_pairs`]) and its nodes'
/// positions, as a scene holds them, so bundling uploads neither again.
#[derive(Clone, Copy)]
pub struct OnGpu<'a> {
    pub edges: &'a wgpu::Buffer,
    pub positions: &'a wgpu::Buffer,
}

/// Bundles `graph`'s edges, its nodes at `positions` (the same rows on the CPU and, in
/// `on_gpu`, on the GPU), by `config.method`.
pub fn bundle(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    on_gpu: OnGpu,
    dim: Dim,
    config: &BundleConfig,
    progress: impl FnMut(u32, u32),
) -> Result<Paths, GpuError> {
    let paths = Paths::new(gpu, on_gpu.edges, graph.edge_count() as u32)?;
    match config.method {
        BundleMethod::Hierarchy => paths.write(gpu, &hierarchy::paths(graph, positions, config.strength)),
        BundleMethod::Density => {
            let resolution = config.resolution(dim);
            let grid = Grid::new(&Bounds::of(positions), graph.node_count(), dim, resolution);
            gpu.check_binding("the bundling density grid (a smaller --bundle-resolution fits)", grid.cells() * 4)?;
            gpu.kernel::<Bundler>().run(gpu, &paths, on_gpu.positions, &schedule(&grid, config), progress)?;
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_the_layout_with_room_for_the_first_kernel() {
        let bounds = Bounds { min: Vec3::new(-1.0, -2.0, 0.0), max: Vec3::new(3.0, 0.0, 0.0) };
        // 200 nodes in 4 x 2: a spacing of 0.2, five cells of 0.04.
        let grid = Grid::new(&bounds, 200, Dim::Two, 100);
        assert_eq!(grid.cell, 0.04);
        assert!((grid.start_radius - 5.0).abs() < 1e-4);
        assert_eq!(grid.dims, [100 + 2 * 6, 50 + 2 * 6, 1]);
        assert!((grid.origin.x - (-1.0 - 0.04 * 6.0)).abs() < 1e-5);
        let schedule = schedule(&grid, &BundleConfig::default());
        assert_eq!(schedule.len(), 15);
        assert!((schedule[0].radius - 5.0).abs() < 1e-4 && (schedule[14].radius - END_RADIUS).abs() < 1e-4);
        assert!(schedule.windows(2).all(|w| w[1].radius < w[0].radius));
        assert_eq!(schedule.iter().filter(|p| p.last == 1).count(), 1);
        // Few nodes: the first kernel is capped at 15% of the resolution.
        assert!((Grid::new(&bounds, 2, Dim::Two, 100).start_radius - 15.0).abs() < 1e-4);
        let cube = Bounds { min: Vec3::ZERO, max: Vec3::ONE };
        assert_eq!(Grid::new(&cube, 1000, Dim::Three, 64).dims, [64 + 2 * 8, 80, 80]);
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Bundle, "Params") as usize,
            std::mem::size_of::<Params>(),
            "Params in Bundle"
        );
    }
}
