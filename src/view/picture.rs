//! One call from a graph to pixels: the layout run to the end (GPU force layout, or the
//! layered layout for DAGs), the edges bundled if asked, then one offscreen frame fitted
//! to the result, with an optional K-hop highlight ([`Look`]). `netlens render`, the
//! window-less fallback of `netlens view`, and the tests all go through [`snapshot`];
//! [`picture`] draws positions already known, and [`side_by_side`] puts pictures in a
//! row.

use std::time::{Duration, Instant};

use glam::Vec2;

use super::GraphView;
use crate::bundle::BundleConfig;
use crate::geom::{Bounds, Dim, Position};
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::khop::Selection;
use crate::layout::{LayoutConfig, Placed, place};
use crate::render::annotate::{Annotations, Subject, TextOptions};
use crate::render::frame::Layers;
use crate::render::maps::FeatureMaps;
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{Camera, EdgeColoring, EdgeDetail, OffscreenTarget, Renderer, Style, frame};

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
    pub edge_detail: EdgeDetail,
    /// Colour the nodes by this instead of their class.
    pub color_by: Option<ColorBy>,
    /// Conv feature maps to draw on their nodes.
    pub feature_maps: Option<&'a FeatureMaps>,
    /// Labels, group boxes and legend.
    pub text: TextOptions,
}

impl Look<'_> {
    /// Gives `view` this look: colours, feature maps, bundled edges (`progress(done,
    /// total)` follows the bundling) and the highlight.
    pub fn apply(
        &self,
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        view: &mut GraphView,
        progress: impl FnMut(u32, u32),
    ) -> Result<(), GpuError> {
        view.scene.style.edge_detail = self.edge_detail;
        if let Some(color_by) = &self.color_by {
            view.scene.set_colors(&gpu.queue, &color_by.colors(graph));
        }
        if let Some(maps) = self.feature_maps {
            renderer.set_feature_maps(gpu, &mut view.scene, maps, &view.positions)?;
            let mut sizes = SizeBy::Uniform.sizes(graph);
            maps.hide_nodes(&mut sizes);
            view.scene.set_sizes(&gpu.queue, &sizes);
        }
        if let Some(config) = &self.bundle {
            view.bundle(gpu, renderer, graph, config, progress)?;
            view.scene.bundle_mix = 1.0;
        }
        if let Some(selection) = self.selection {
            view.highlight(gpu, graph, &selection.seeds, selection.hops, selection.direction)?;
        }
        Ok(())
    }
}

pub struct Snapshot {
    /// RGBA8 rows, top first.
    pub rgba: Vec<u8>,
    pub size: (u32, u32),
    /// Final positions, `[x, y, z, 0]` per node.
    pub positions: Vec<Position>,
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
    let rgba = picture(gpu, graph, &positions, &Bounds::of(&positions), config.dim, size, look, |done, total| {
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
    positions: &[Position],
    bounds: &Bounds,
    dim: Dim,
    size: (u32, u32),
    look: &Look,
    progress: impl FnMut(u32, u32),
) -> Result<Vec<u8>, GpuError> {
    let target = OffscreenTarget::new(gpu, size)?;
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let mut view = GraphView::new(gpu, &renderer, graph, positions.to_vec(), *bounds, dim, look.edge_coloring)?;
    view.settle(graph);
    look.apply(gpu, &renderer, graph, &mut view, progress)?;
    let camera = view.camera(size);
    if !look.text.any() {
        return target.render(gpu, &renderer, &view.scene, &camera);
    }
    let radii: Vec<f32> = SizeBy::Uniform.sizes(graph).iter().map(|s| s.abs() * view.scene.style.node_radius).collect();
    let hops = look.selection.map(|s| (crate::graph::bfs::hops(&graph.csr(s.direction), &s.seeds, s.hops), s.hops));
    let coloring = look.color_by.clone().unwrap_or(ColorBy::Class);
    let subject = Subject {
        graph,
        positions: &view.positions,
        radii: &radii,
        coloring: &coloring,
        hops: hops.as_ref().map(|(h, k)| (h.as_slice(), *k)),
        straight: look.bundle.is_none(),
        ranked: None,
        area: None,
    };
    render_annotated(gpu, &target, &renderer, &view.scene, &camera, &subject, look.text)
}

/// Renders `scene` from `camera` into `target` with the annotations of `subject`: group
/// boxes under the scene, labels and legend over it.
fn render_annotated(
    gpu: &Gpu,
    target: &OffscreenTarget,
    renderer: &Renderer,
    scene: &crate::render::Scene,
    camera: &Camera,
    subject: &Subject,
    text: TextOptions,
) -> Result<Vec<u8>, GpuError> {
    use crate::render::overlay::Overlay;
    use egui::{Color32, FontId, Id, LayerId, Order};
    let size = target.size();
    let viewport = Vec2::new(size.0 as f32, size.1 as f32);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(viewport.x, viewport.y));
    let raw = || egui::RawInput { screen_rect: Some(screen), ..Default::default() };
    let layer = LayerId::new(Order::Foreground, Id::unique("netlens.annotations"));
    let mut over = Overlay::new(&gpu.device, frame::FORMAT);
    let mut placed = None;
    let output = over.ctx.run_ui(raw(), |ui| {
        let painter = ui.ctx().layer_painter(layer);
        let mut measure = |text: &str, px: f32| {
            painter.layout_no_wrap(text.to_owned(), FontId::proportional(px), Color32::WHITE).size()
        };
        let annotations = Annotations::build(subject, camera, viewport, text, &mut measure);
        annotations.paint_over(&painter);
        placed = Some(annotations);
    });
    let mut over_prepared = over.prepare(gpu, output, size);
    let mut under = Overlay::new(&gpu.device, frame::FORMAT);
    let placed = placed.expect("egui runs the frame's closure");
    let output = under.ctx.run_ui(raw(), |ui| placed.paint_under(&ui.ctx().layer_painter(layer)));
    let mut under_prepared = under.prepare(gpu, output, size);
    let mut rgba = Vec::new();
    let layers = Layers { under: Some((&under, &mut under_prepared)), over: Some((&over, &mut over_prepared)) };
    target.render_into(gpu, renderer, scene, camera, layers, &mut rgba)?;
    over.finish(over_prepared);
    under.finish(under_prepared);
    Ok(rgba)
}

/// Pictures of one height side by side, left to right: RGBA8 rows of their summed width.
pub fn side_by_side(images: &[Vec<u8>], pane: (u32, u32)) -> Vec<u8> {
    let row = pane.0 as usize * 4;
    let mut rgba = Vec::with_capacity(row * images.len() * pane.1 as usize);
    for y in 0..pane.1 as usize {
        for image in images {
            rgba.extend_from_slice(&image[y * row..(y + 1) * row]);
        }
    }
    rgba
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
    positions: &[Position],
    size: (u32, u32),
    look: &Look,
    texts: &[Text],
    row: f32,
) -> Result<Vec<u8>, GpuError> {
    use crate::render::overlay::{Overlay, paint_texts};
    let target = OffscreenTarget::new(gpu, size)?;
    let viewport = Vec2::new(size.0 as f32, size.1 as f32);
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let unframed = Bounds::of(positions);
    let mut view = GraphView::new(gpu, &renderer, graph, positions.to_vec(), unframed, Dim::Two, look.edge_coloring)?;
    view.settle(graph);
    // Nodes small beside their texts.
    let plain = view.scene.style;
    view.scene.style = Style { edge_width_px: 1.5, node_radius: plain.node_radius.min(row * 0.15), ..plain };
    // Room for the texts: the bounds grow by a fifth on each side.
    let mut bounds = unframed;
    let margin = bounds.size() * 0.2;
    bounds.min -= margin;
    bounds.max += margin;
    let camera = Camera::fit(&bounds, Dim::Two, viewport);
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
    target.render_into(gpu, &renderer, &view.scene, &camera, Layers::over(&overlay, &mut prepared), &mut rgba)?;
    overlay.finish(prepared);
    Ok(rgba)
}
