//! One call from a graph to pixels: the layout run to the end (GPU force layout, or the
//! layered layout for DAGs), the edges bundled if asked, then one offscreen frame fitted
//! to the result, with an optional K-hop highlight ([`Look`]). `netlens render`, the
//! window-less fallback of `netlens view`, and the tests all go through [`snapshot`].

use std::time::{Duration, Instant};

use glam::Vec2;

use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::khop::{KHop, Neighbourhoods, Selection};
use crate::layout::bundle::{self, BundleConfig};
use crate::layout::{Dim, LayoutConfig, Placed, place};
use crate::render::{Bounds, Camera, EdgeColoring, OffscreenTarget, Renderer, Style, frame};

/// The long step a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Layout,
    Bundle,
    Frames,
}

impl Phase {
    /// What a progress bar says of it.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Layout => "layout",
            Phase::Bundle => "bundle",
            Phase::Frames => "record",
        }
    }
}

/// What a picture shows beyond the laid-out graph.
#[derive(Debug, Clone, Copy, Default)]
pub struct Look<'a> {
    /// Highlight this K-hop neighbourhood.
    pub selection: Option<&'a Selection>,
    /// Draw the edges bundled.
    pub bundle: Option<BundleConfig>,
    pub edge_coloring: EdgeColoring,
}

pub struct Snapshot {
    /// RGBA8 rows, top first.
    pub rgba: Vec<u8>,
    pub size: (u32, u32),
    /// Final positions, `[x, y, z, 0]` per node.
    pub positions: Vec<[f32; 4]>,
    /// Force-layout iterations run (0 for the layered layout).
    pub iterations: u32,
    pub layout_time: Duration,
    /// Bundling and drawing.
    pub frame_time: Duration,
}

/// Lays `graph` out and renders it at `size` as `look` says; `progress(phase, done,
/// total)` is called after every batch of layout iterations, then of bundling iterations.
pub fn snapshot(
    gpu: &Gpu,
    graph: &Graph,
    config: &LayoutConfig,
    size: (u32, u32),
    look: &Look,
    mut progress: impl FnMut(Phase, u64, u64),
) -> Result<Snapshot, GpuError> {
    OffscreenTarget::new(gpu, size)?; // checks the size before the long part
    let start = Instant::now();
    let Placed { positions, iterations, .. } =
        place(gpu, graph, config, |done, total| progress(Phase::Layout, done as u64, total as u64))?;
    let layout_time = start.elapsed();
    let start = Instant::now();
    let three_d = config.dim == Dim::Three;
    let rgba = picture(gpu, graph, &positions, &Bounds::of(&positions), three_d, size, look, |done, total| {
        progress(Phase::Bundle, done as u64, total as u64)
    })?;
    Ok(Snapshot { rgba, size, positions, iterations, layout_time, frame_time: start.elapsed() })
}

/// Renders `graph` with its nodes at `positions` (`[x, y, z, _]`), `bounds` fitted to
/// `size`, as `look` says (bundling reports `progress(done, total)`): RGBA8 rows, top
/// first.
#[allow(clippy::too_many_arguments)]
pub fn picture(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    bounds: &Bounds,
    three_d: bool,
    size: (u32, u32),
    look: &Look,
    progress: impl FnMut(u32, u32),
) -> Result<Vec<u8>, GpuError> {
    let target = OffscreenTarget::new(gpu, size)?;
    let buffer = gpu.storage_buffer("netlens.positions", positions, wgpu::BufferUsages::empty())?;
    let camera = Camera::fit(bounds, three_d, Vec2::new(size.0 as f32, size.1 as f32));
    let renderer = Renderer::new(&gpu.device, frame::FORMAT);
    let style = Style {
        edge_coloring: look.edge_coloring,
        ..Style::for_layout(graph.node_count(), graph.edge_count(), bounds, three_d)
    };
    let mut scene = renderer.scene(gpu, graph, &buffer, style)?;
    if let Some(config) = &look.bundle {
        let paths = bundle::bundle(gpu, graph, positions, &buffer, three_d, config, progress)?;
        renderer.set_paths(gpu, &mut scene, &paths);
        scene.bundle_mix = 1.0;
    }
    if let Some(selection) = look.selection {
        let khop = KHop::new(&gpu.device);
        let mut neighbourhoods = Neighbourhoods::new(gpu, &khop, graph, selection.direction, scene.hops().clone())?;
        neighbourhoods.select(gpu, &khop, &selection.seeds, selection.hops)?;
        scene.highlight = Some(selection.hops);
    }
    target.render(gpu, &renderer, &scene, &camera)
}
