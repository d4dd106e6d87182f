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
use crate::render::maps::FeatureMaps;
use crate::render::palette::{ColorBy, SizeBy};
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
#[derive(Debug, Clone, Default)]
pub struct Look<'a> {
    /// Highlight this K-hop neighbourhood.
    pub selection: Option<&'a Selection>,
    /// Draw the edges bundled.
    pub bundle: Option<BundleConfig>,
    pub edge_coloring: EdgeColoring,
    /// Colour the nodes by this instead of their class.
    pub color_by: Option<ColorBy>,
    /// Conv feature maps to draw on their nodes.
    pub feature_maps: Option<&'a FeatureMaps>,
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
    let renderer = Renderer::new(&gpu.device, frame::FORMAT);
    let (style, framed) =
        Style::for_layout(graph.node_count(), graph.edge_count(), bounds, three_d).settled(graph, positions, bounds);
    let style = Style { edge_coloring: look.edge_coloring, ..style };
    let camera = Camera::fit(&framed, three_d, Vec2::new(size.0 as f32, size.1 as f32));
    let mut scene = renderer.scene(gpu, graph, &buffer, style)?;
    if let Some(color_by) = &look.color_by {
        scene.set_colors(&gpu.queue, &color_by.colors(graph));
    }
    if let Some(maps) = look.feature_maps {
        renderer.set_feature_maps(gpu, &mut scene, maps, positions)?;
        let mut sizes = SizeBy::Uniform.sizes(graph);
        maps.hide_nodes(&mut sizes);
        scene.set_sizes(&gpu.queue, &sizes);
    }
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

/// A text over a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Where, in layout units.
    pub at: [f32; 2],
    pub text: String,
    /// Left of the point (right-aligned), else right of it.
    pub left: bool,
    /// A title, always shown; other texts (labels) show when `row` is legible.
    pub title: bool,
}

/// Renders `graph` at `positions` (2D) fitted to `size` as `look` says, with `texts`
/// painted over it: labels at the height of `row` layout units when that is legible,
/// titles always: RGBA8 rows, top first.
pub fn annotated_picture(
    gpu: &Gpu,
    graph: &Graph,
    positions: &[[f32; 4]],
    size: (u32, u32),
    look: &Look,
    texts: &[Text],
    row: f32,
) -> Result<Vec<u8>, GpuError> {
    use crate::render::overlay::{Overlay, paint_texts};
    let target = OffscreenTarget::new(gpu, size)?;
    let buffer = gpu.storage_buffer("netlens.positions", positions, wgpu::BufferUsages::empty())?;
    let viewport = Vec2::new(size.0 as f32, size.1 as f32);
    // Room for the texts: the bounds grow by a fifth on each side.
    let mut bounds = Bounds::of(positions);
    let margin = bounds.size() * 0.2;
    bounds.min -= margin;
    bounds.max += margin;
    let camera = Camera::fit(&bounds, false, viewport);
    let renderer = Renderer::new(&gpu.device, frame::FORMAT);
    let unframed = Bounds::of(positions);
    let (plain, _) = Style::for_layout(graph.node_count(), graph.edge_count(), &unframed, false)
        .settled(graph, positions, &unframed);
    // Nodes small beside their texts.
    let style = Style {
        edge_coloring: look.edge_coloring,
        edge_width_px: 1.5,
        node_radius: plain.node_radius.min(row * 0.15),
        ..plain
    };
    let scene = renderer.scene(gpu, graph, &buffer, style)?;
    let label_px = row * camera.focal_px(viewport) * 0.75;
    let place = |title: bool| -> Vec<(egui::Pos2, String, bool)> {
        texts
            .iter()
            .filter(|t| t.title == title)
            .filter_map(|t| {
                let at = camera.project(glam::Vec3::new(t.at[0], t.at[1], 0.0), viewport)?;
                Some((egui::pos2(at.x, at.y), t.text.clone(), t.left))
            })
            .collect()
    };
    let (labels, titles) = (if label_px >= 6.0 { place(false) } else { Vec::new() }, place(true));
    let mut overlay = Overlay::new(&gpu.device, frame::FORMAT);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(viewport.x, viewport.y));
    let raw = egui::RawInput { screen_rect: Some(screen), ..Default::default() };
    let output = overlay.ctx.run_ui(raw, |ui| {
        paint_texts(ui.ctx(), &labels, label_px.clamp(7.0, 20.0));
        paint_texts(ui.ctx(), &titles, (size.1 as f32 / 60.0).clamp(11.0, 24.0));
    });
    let mut prepared = overlay.prepare(gpu, output, size);
    let mut rgba = Vec::new();
    target.render_into(gpu, &renderer, &scene, &camera, Some((&overlay, &mut prepared)), &mut rgba)?;
    overlay.finish(prepared);
    Ok(rgba)
}
