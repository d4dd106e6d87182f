//! One call from a graph to pixels: the layout run to the end (GPU force layout, or the
//! layered layout for DAGs), then one offscreen frame fitted to the result, with an
//! optional K-hop highlight. `netlens
//! render`, the window-less fallback of `netlens view`, and the tests all go through
//! [`snapshot`].

use std::time::{Duration, Instant};

use glam::Vec2;

use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::khop::{KHop, Neighbourhoods, Selection};
use crate::layout::{Dim, LayoutConfig, Placed, place};
use crate::render::{Bounds, Camera, OffscreenTarget, Renderer, Style, frame};

pub struct Snapshot {
    /// RGBA8 rows, top first.
    pub rgba: Vec<u8>,
    pub size: (u32, u32),
    /// Final positions, `[x, y, z, 0]` per node.
    pub positions: Vec<[f32; 4]>,
    /// Force-layout iterations run (0 for the layered layout).
    pub iterations: u32,
    pub layout_time: Duration,
    pub frame_time: Duration,
}

/// Lays `graph` out and renders it at `size`, the K-hop neighbourhood of `selection`
/// highlighted; `progress(done, total)` is called after every batch of iterations.
pub fn snapshot(
    gpu: &Gpu,
    graph: &Graph,
    config: &LayoutConfig,
    size: (u32, u32),
    selection: Option<&Selection>,
    mut progress: impl FnMut(u32, u32),
) -> Result<Snapshot, GpuError> {
    OffscreenTarget::new(gpu, size)?; // checks the size before the long part
    let start = Instant::now();
    let Placed { positions, iterations, .. } = place(gpu, graph, config, &mut progress)?;
    let layout_time = start.elapsed();
    let start = Instant::now();
    let rgba = picture(gpu, graph, &positions, &Bounds::of(&positions), config.dim == Dim::Three, size, selection)?;
    Ok(Snapshot { rgba, size, positions, iterations, layout_time, frame_time: start.elapsed() })
}

/// Renders `graph` with its nodes at `positions` (`[x, y, z, _]`), `bounds` fitted to
/// `size`, the K-hop neighbourhood of `selection` highlighted: RGBA8 rows, top first.
pub fn picture(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    bounds: &Bounds,
    three_d: bool,
    size: (u32, u32),
    selection: Option<&Selection>,
) -> Result<Vec<u8>, GpuError> {
    let target = OffscreenTarget::new(gpu, size)?;
    let buffer = gpu.storage_buffer("netlens.positions", positions, wgpu::BufferUsages::empty())?;
    let camera = Camera::fit(bounds, three_d, Vec2::new(size.0 as f32, size.1 as f32));
    let renderer = Renderer::new(&gpu.device, frame::FORMAT);
    let style = Style::for_layout(graph.node_count(), graph.edge_count(), bounds, three_d);
    let mut scene = renderer.scene(gpu, graph, &buffer, style)?;
    if let Some(selection) = selection {
        let khop = KHop::new(&gpu.device);
        let mut neighbourhoods = Neighbourhoods::new(gpu, &khop, graph, selection.direction, scene.hops().clone())?;
        neighbourhoods.select(gpu, &khop, &selection.seeds, selection.hops)?;
        scene.highlight = Some(selection.hops);
    }
    target.render(gpu, &renderer, &scene, &camera)
}
