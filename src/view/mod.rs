//! A laid-out graph on the GPU, ready to draw ([`GraphView`]): its positions (on the CPU
//! and in the buffer the scene reads), the style and the bounds a camera frames, the
//! renderer's scene with the edges uploaded, the bundled paths once asked for, and K-hop
//! highlights. It is built in one call and serves the window, pictures, SVG, video and
//! the benchmarks alike; [`picture`] makes pictures in one call, and [`Glide`] moves the
//! drawn nodes from one layout to another (a collapse or an expand, in the window and in
//! videos).

pub mod drawing;
pub mod picture;

use glam::Vec2;

use crate::bundle::{self, BundleConfig, OnGpu, Paths};
use crate::geom::{Bounds, Dim, Position};
use crate::gpu::{CsrBuffers, Gpu, GpuError};
use crate::graph::{Direction, Graph};
use crate::khop::{self, KHop, Neighbourhoods, gather_direction};
use crate::render::{Camera, EdgeColoring, Renderer, Scene, Style};

pub use drawing::{Drawing, drawing};
pub use picture::{Look, Phase, annotated_picture, picture, side_by_side, snapshot};

/// A graph laid out and uploaded, ready to draw.
pub struct GraphView {
    pub dim: Dim,
    /// The positions on the CPU, as last read.
    pub positions: Vec<Position>,
    /// The positions the scene draws (a running force layout's own buffer).
    pub buffer: wgpu::Buffer,
    /// What a camera frames: the nodes' bounds, grown to hold whole boxes once settled.
    pub bounds: Bounds,
    pub scene: Scene,
    /// The bundled paths the scene holds, if any.
    pub paths: Option<Paths>,
    /// The K-hop pass over the graph's adjacency in one direction, made on first use.
    neighbourhoods: Option<(Direction, Neighbourhoods)>,
    /// The undirected adjacency already on the GPU (a running force layout's), which
    /// K-hop queries that gather over both directions read instead of uploading their own.
    undirected: Option<CsrBuffers>,
}

impl GraphView {
    /// `graph` with its nodes at `positions`, in a buffer of their own, its style fitted
    /// to `bounds` (not yet settled: [`GraphView::settle`]).
    pub fn new(
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        positions: Vec<Position>,
        bounds: Bounds,
        dim: Dim,
        edge_coloring: EdgeColoring,
    ) -> Result<GraphView, GpuError> {
        let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::COPY_DST)?;
        GraphView::on_buffer(gpu, renderer, graph, positions, buffer, bounds, dim, edge_coloring)
    }

    /// As [`GraphView::new`], drawing the positions in `buffer` (which a force layout
    /// moves while it runs).
    #[allow(clippy::too_many_arguments)]
    pub fn on_buffer(
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        positions: Vec<Position>,
        buffer: wgpu::Buffer,
        bounds: Bounds,
        dim: Dim,
        edge_coloring: EdgeColoring,
    ) -> Result<GraphView, GpuError> {
        let style = Style::for_layout(graph.node_count(), &bounds, dim);
        let scene = renderer.scene(gpu, graph, &buffer, &bounds, Style { edge_coloring, ..style })?;
        Ok(GraphView { dim, positions, buffer, bounds, scene, paths: None, neighbourhoods: None, undirected: None })
    }

    /// Lets K-hop queries read `adjacency`, the graph's undirected adjacency already on
    /// the GPU (a force layout's, [`crate::layout::force::ForceRun::adjacency`]).
    pub fn share_adjacency(&mut self, adjacency: CsrBuffers) {
        self.undirected = Some(adjacency);
    }

    /// Sizes the nodes for a layout that stands still (collapsed groups' boxes clear their
    /// neighbours) and grows the bounds to hold whole boxes.
    pub fn settle(&mut self, graph: &Graph) {
        (self.scene.style, self.bounds) = self.scene.style.settled(graph, &self.positions, &self.bounds);
    }

    /// The camera that shows the whole view in a `size` frame.
    pub fn camera(&self, size: (u32, u32)) -> Camera {
        Camera::fit(&self.bounds, self.dim, Vec2::new(size.0 as f32, size.1 as f32))
    }

    /// Bundles the edges at the positions as they stand, and draws them bundled from now
    /// on where the scene's `bundle_mix` says; `progress(done, total)` follows the passes.
    pub fn bundle(
        &mut self,
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        config: &BundleConfig,
        progress: impl FnMut(u32, u32),
    ) -> Result<&Paths, GpuError> {
        let on_gpu = OnGpu { edges: &self.scene.edges, positions: &self.buffer };
        let paths = bundle::bundle(gpu, graph, &self.positions, on_gpu, self.dim, config, progress)?;
        renderer.set_paths(gpu, &mut self.scene, &paths);
        Ok(self.paths.insert(paths))
    }

    /// Highlights the nodes within `hops` of `seeds` along `direction`, and the edges
    /// between them; no seeds clears the highlight. The search runs on the GPU and writes
    /// the scene's hops buffer, which the renderer reads.
    pub fn highlight(
        &mut self,
        gpu: &Gpu,
        graph: &Graph,
        seeds: &[u32],
        hops: u32,
        direction: Direction,
    ) -> Result<(), GpuError> {
        if seeds.is_empty() {
            self.scene.highlight = None;
            return Ok(());
        }
        let khop = gpu.kernel::<KHop>();
        if self.neighbourhoods.as_ref().is_none_or(|(d, _)| *d != direction) {
            let adjacency = match &self.undirected {
                Some(shared) if gather_direction(graph, direction) == Direction::Both => shared.clone(),
                _ => khop::adjacency(gpu, graph, direction)?,
            };
            let neighbourhoods = Neighbourhoods::new(gpu, &khop, &adjacency, self.scene.hops().clone())?;
            self.neighbourhoods = Some((direction, neighbourhoods));
        }
        let (_, neighbourhoods) = self.neighbourhoods.as_mut().expect("made above");
        neighbourhoods.select(gpu, &khop, seeds, hops)?;
        self.scene.highlight = Some(hops);
        Ok(())
    }

    /// How many nodes the last highlight reached at 0, 1, ..., K hops (none without one).
    pub fn reached(&self, gpu: &Gpu) -> Result<Vec<u64>, GpuError> {
        match (&self.neighbourhoods, self.scene.highlight) {
            (Some((_, neighbourhoods)), Some(_)) => neighbourhoods.read_counts(gpu),
            _ => Ok(Vec::new()),
        }
    }
}

/// `value` moved `step` towards `target`, stopping there: how edges morph between straight
/// (0) and bundled (1) a frame at a time, in the window and in videos.
pub fn step_toward(value: f32, target: f32, step: f32) -> f32 {
    if target > value { (value + step).min(target) } else { (value - step).max(target) }
}

/// Nodes moving from one layout to another: each from its place in `from` to its place in
/// `to`, eased in and out over the glide's length.
pub struct Glide {
    from: Vec<Position>,
    to: Vec<Position>,
    /// The positions of the current frame (reused).
    frame: Vec<Position>,
}

impl Glide {
    pub fn new(from: Vec<Position>, to: Vec<Position>) -> Glide {
        debug_assert_eq!(from.len(), to.len());
        Glide { from, to, frame: Vec::new() }
    }

    /// Writes the positions at `t` (0: `from`, 1: `to`; smoothstep between) into `buffer`.
    pub fn write(&mut self, gpu: &Gpu, buffer: &wgpu::Buffer, t: f32) {
        let t = t.clamp(0.0, 1.0);
        let e = t * t * (3.0 - 2.0 * t);
        self.frame.clear();
        self.frame.extend(
            self.from
                .iter()
                .zip(&self.to)
                .map(|(a, b)| [a[0] + (b[0] - a[0]) * e, a[1] + (b[1] - a[1]) * e, a[2] + (b[2] - a[2]) * e, b[3]]),
        );
        gpu.queue.write_buffer(buffer, 0, bytemuck::cast_slice(&self.frame));
    }
}
