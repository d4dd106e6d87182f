//! Recording: a tour rendered headless frame by frame into a [`Sink`] (MP4, GIF or PNGs),
//! with the title card, captions and the name of the layer in view drawn over the graph by
//! the egui overlay. Frame `i` shows the tour at `i / fps` seconds, so the same input gives
//! the same frames on every run.

pub mod sink;
pub mod tour;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};
use thiserror::Error;

use crate::analysis::training::{Run, Show};
use crate::bundle::BundleConfig;
use crate::geom::{Bounds, Dim, Position};
use crate::gpu::{Gpu, GpuError};
use crate::graph::{Coarsened, Direction, Graph};
use crate::khop::Selection;
use crate::layout::{LayoutConfig, Placed, place};
use crate::render::annotate::{Annotations, LabelsText, LegendMode, Subject, TextOptions};
use crate::render::frame::Layers;
use crate::render::overlay::Overlay;
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{Camera, EdgeColoring, EdgeDetail, OffscreenTarget, Renderer, Style, frame};
use crate::view::{Glide, GraphView, Phase, step_toward};
use sink::Sink;
use tour::{Event, Stage, TITLE_SECONDS, Tour};

/// Why a recording failed; every message names the file it concerns.
#[derive(Debug, Error)]
pub enum VideoError {
    /// The output cannot take the recording as asked (it exists, is not empty, has another
    /// extension, or a size the format cannot hold).
    #[error("{0}")]
    Output(String),
    #[error("{}: cannot {what}: {source}", path.display())]
    Io { path: PathBuf, what: &'static str, source: std::io::Error },
    /// The encoder or the muxer refused a frame or the file.
    #[error("{0}")]
    Encode(String),
    /// The tour file does not parse or names what the graph does not have.
    #[error("{}: {message}", path.display())]
    Tour { path: PathBuf, message: String },
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

impl VideoError {
    pub fn io(path: &Path, what: &'static str, source: std::io::Error) -> VideoError {
        VideoError::Io { path: path.to_owned(), what, source }
    }
}

/// Length of an automatic tour when no duration is given, in seconds.
pub const AUTOMATIC_SECONDS: f32 = 10.0;

pub struct Options {
    pub size: (u32, u32),
    pub fps: u32,
    /// Seconds; default: the tour file's, or [`AUTOMATIC_SECONDS`].
    pub duration: Option<f32>,
    /// A tour file; `None`: an automatic tour.
    pub tour: Option<PathBuf>,
    /// The title card of an automatic tour: title and subtitle.
    pub title: (String, Option<String>),
    /// Whether the graph is a model (its automatic tour flies from inputs to outputs).
    pub is_model: bool,
    /// How edges bundle (for `bundle` actions), and whether they start bundled.
    pub bundle: BundleConfig,
    pub bundled: bool,
    pub edge_coloring: EdgeColoring,
    pub edge_detail: EdgeDetail,
    /// A training run to play over the video (its edges as it says), or the graph's own
    /// weights, still.
    pub training: Option<(Run, Show)>,
}

/// Graphs larger than this are recorded without labels and group boxes (placing them
/// every frame would cost more than the frame).
const MAX_LABELLED_NODES: u32 = 100_000;

/// What text a video's frames carry besides its title, captions and layer names: labels
/// and group boxes (the corners are the cards').
const VIDEO_TEXT: TextOptions = TextOptions { labels: LabelsText::Auto, legend: LegendMode::None, groups: true };

/// Seconds the edges take to glide into their bundles or out of them.
pub const BUNDLE_SECONDS: f32 = 1.0;

/// What a recording did, and where its time went.
#[derive(Debug)]
pub struct Report {
    pub frames: u64,
    pub duration: f32,
    pub layout: Duration,
    /// Drawing and reading back the frames.
    pub render: Duration,
    /// Encoding and writing them.
    pub encode: Duration,
}

/// Lays `graph` out, then records the tour into `sink`; `progress(phase, done, total)`
/// follows both phases.
pub fn record(
    gpu: &Gpu,
    graph: &Graph,
    config: &LayoutConfig,
    options: &Options,
    sink: &mut Sink,
    mut progress: impl FnMut(Phase, u64, u64),
) -> Result<Report, VideoError> {
    let target = OffscreenTarget::new(gpu, options.size)?;
    let start = Instant::now();
    let Placed { positions, .. } =
        place(gpu, graph, config, |done, total| progress(Phase::Layout, done as u64, total as u64))?;
    let layout = start.elapsed();

    let viewport = Vec2::new(options.size.0 as f32, options.size.1 as f32);
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let mut shown = Level::new(gpu, &renderer, graph, &positions, None, config.dim, options.edge_coloring, None)?;
    shown.view.scene.style.edge_detail = options.edge_detail;
    let (style, bounds) = (shown.view.scene.style, shown.view.bounds);
    let stage = Stage { graph, positions: &positions, dim: config.dim, viewport, min_radius: style.node_radius * 12.0 };
    let tour = match &options.tour {
        Some(path) => Tour::load(path, &stage, options.duration)?,
        None => {
            let seconds = options.duration.unwrap_or(AUTOMATIC_SECONDS);
            Tour::automatic(&stage, options.is_model, seconds, options.title.clone())
        }
    };

    let mut morph: Option<Morph> = None;
    let mut overlay = Overlay::new(&gpu.device, frame::FORMAT);
    // Text scales with the frame: 720 lines is egui's own size.
    let pixels_per_point = options.size.1 as f32 / 720.0;
    overlay.ctx.set_zoom_factor(pixels_per_point);
    let mut under = Overlay::new(&gpu.device, frame::FORMAT);
    under.ctx.set_zoom_factor(pixels_per_point);
    let labelled = graph.node_count() <= MAX_LABELLED_NODES;
    let radii: Vec<f32> = SizeBy::Uniform.sizes(graph).iter().map(|s| s.abs() * style.node_radius).collect();
    let mut hops: Option<Vec<u32>> = None;
    let whole = Camera::fit(&bounds, config.dim, viewport);
    let namer = LayerNamer::new(graph, &positions);

    let frames = ((tour.duration * options.fps as f32).round() as u64).max(1);
    let mut selection = Selection { seeds: Vec::new(), hops: 1, direction: Direction::Both };
    let mut blended = Vec::new();
    let mut next_event = 0;
    let mut bundle_target = if options.bundled { 1.0 } else { 0.0 };
    let mut bundle_mix = bundle_target;
    let mut rgba = Vec::new();
    let (mut render, mut encode) = (Duration::ZERO, Duration::ZERO);
    for i in 0..frames {
        let t = i as f32 / options.fps as f32;
        let begun = Instant::now();
        let mut changed = false;
        while let Some((_, event)) = tour.events.get(next_event).filter(|(at, _)| *at <= t) {
            match event {
                Event::Bundle(on) => bundle_target = if *on { 1.0 } else { 0.0 },
                Event::Select { hops, direction, .. } | Event::Highlight { hops, direction } => {
                    if let Event::Select { seeds, .. } = event {
                        selection.seeds.clone_from(seeds);
                    }
                    selection.hops = hops.unwrap_or(selection.hops);
                    selection.direction = direction.unwrap_or(selection.direction);
                    changed = true;
                }
                Event::Collapse(depth) if *depth != shown.depth => {
                    let level = Level::new(
                        gpu,
                        &renderer,
                        graph,
                        &positions,
                        *depth,
                        config.dim,
                        style.edge_coloring,
                        Some(style),
                    )?;
                    morph = Some(Morph::new(std::mem::replace(&mut shown, level), &shown, t));
                    changed = true;
                }
                Event::Collapse(_) | Event::Caption { .. } => {}
            }
            next_event += 1;
        }
        if changed {
            shown.show(gpu, graph, &selection)?;
        }
        // Edges bundle on a settled level; while nodes glide they are drawn straight.
        if bundle_target > 0.0 && morph.is_none() {
            shown.bundle(gpu, &renderer, graph, &options.bundle)?;
        }
        bundle_mix = step_toward(bundle_mix, bundle_target, 1.0 / (options.fps as f32 * BUNDLE_SECONDS));
        shown.view.scene.bundle_mix = if morph.is_some() { 0.0 } else { bundle_mix };
        // Training: the edges at this moment of the run (on the full graph).
        let checkpoint = options
            .training
            .as_ref()
            .map(|(run, show)| run.at(i as f32 / (frames - 1).max(1) as f32, *show, &mut blended).to_owned());
        if checkpoint.is_some() && shown.depth.is_none() {
            shown.view.scene.set_edge_weights(&gpu.queue, &blended);
        }
        let at_rest = morph.is_none();
        let (mut scene, mut morphed_in) = (&shown.view.scene, false);
        if let Some(Morph { before, since, collapsing, glide }) = &mut morph {
            before.view.scene.bundle_mix = 0.0;
            // Times are frame counts over fps: the frame that ends the morph lands on 1
            // give or take a rounding.
            let s = ((t - *since) / MORPH_SECONDS + 1e-4).min(1.0);
            let fine = if *collapsing { &*before } else { &shown };
            glide.write(gpu, &fine.view.buffer, s);
            if s < 1.0 {
                scene = &fine.view.scene;
            } else {
                morphed_in = true;
            }
        }
        let camera = tour.camera_at(t);
        let texts =
            Texts {
                title: tour.title.as_ref().filter(|_| t < TITLE_SECONDS).map(|(title, subtitle)| {
                    (title.as_str(), subtitle.as_deref(), ((TITLE_SECONDS - t) / 0.5).min(1.0))
                }),
                caption: tour.events[..next_event].iter().rev().find_map(|(_, e)| match e {
                    Event::Caption { text, until } if t < *until => Some(text.as_str()),
                    _ => None,
                }),
                layer: namer.as_ref().filter(|_| closer_than(&camera, &whole, 1.5)).and_then(|n| n.name_at(&camera)),
                checkpoint: checkpoint.as_deref(),
            };
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(viewport.x, viewport.y) / pixels_per_point);
        let raw = egui::RawInput { screen_rect: Some(screen), time: Some(t as f64), ..Default::default() };
        if changed {
            hops = (!selection.seeds.is_empty())
                .then(|| crate::graph::bfs::hops(&graph.csr(selection.direction), &selection.seeds, selection.hops));
        }
        // Labels and group boxes on the whole graph at rest (not while levels morph).
        let subject = (labelled && shown.depth.is_none() && (at_rest || morphed_in)).then(|| Subject {
            graph,
            positions: &shown.view.positions,
            radii: &radii,
            coloring: &ColorBy::Class,
            hops: hops.as_deref().map(|h| (h, selection.hops)),
            straight: bundle_mix == 0.0,
            ranked: None,
            area: None,
        });
        let mut placed = None;
        let output = overlay.ctx.run_ui(raw.clone(), |ui| {
            if let Some(subject) = &subject {
                let painter =
                    ui.ctx().layer_painter(egui::LayerId::new(egui::Order::Middle, egui::Id::unique("netlens.labels")));
                // Placed in pixels; egui draws this overlay zoomed, in points.
                let mut measure = |text: &str, px: f32| {
                    let font = egui::FontId::proportional(px / pixels_per_point);
                    painter.layout_no_wrap(text.to_owned(), font, egui::Color32::WHITE).size() * pixels_per_point
                };
                let annotations = Annotations::build(subject, &camera, viewport, VIDEO_TEXT, &mut measure)
                    .scaled(1.0 / pixels_per_point);
                annotations.paint_over(&painter);
                placed = Some(annotations);
            }
            texts.show(ui.ctx(), screen);
        });
        let mut prepared = overlay.prepare(gpu, output, options.size);
        let boxes = placed.map(|placed| {
            let output = under.ctx.run_ui(raw, |ui| {
                let layer = egui::LayerId::new(egui::Order::Background, egui::Id::unique("netlens.boxes"));
                placed.paint_under(&ui.ctx().layer_painter(layer));
            });
            under.prepare(gpu, output, options.size)
        });
        let mut boxes = boxes;
        let layers = Layers { under: boxes.as_mut().map(|b| (&under, b)), over: Some((&overlay, &mut prepared)) };
        target.render_into(gpu, &renderer, scene, &camera, layers, &mut rgba)?;
        overlay.finish(prepared);
        if let Some(boxes) = boxes {
            under.finish(boxes);
        }
        if morphed_in {
            morph = None;
        }
        let rendered = Instant::now();
        render += rendered - begun;
        sink.push(&rgba)?;
        encode += rendered.elapsed();
        progress(Phase::Frames, i + 1, frames);
    }
    Ok(Report { frames, duration: tour.duration, layout, render, encode })
}

/// Whether `camera` shows the scene at least `factor` times closer than `whole` does.
fn closer_than(camera: &Camera, whole: &Camera, factor: f32) -> bool {
    match (camera, whole) {
        (Camera::Flat { pixels_per_unit: a, .. }, Camera::Flat { pixels_per_unit: b, .. }) => *a >= b * factor,
        (Camera::Orbit { distance: a, .. }, Camera::Orbit { distance: b, .. }) => a * factor <= *b,
        _ => false,
    }
}

/// How long a collapse or expand takes: members glide into their group's node, or out.
const MORPH_SECONDS: f32 = 0.8;

/// Whether detail `a` shows more than `b` (`None`: nothing collapsed).
fn finer(a: Option<usize>, b: Option<usize>) -> bool {
    match (a, b) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

/// The graph as the tour shows it: whole, or collapsed at a depth with every group's node
/// at the mean of its members, on the GPU ([`GraphView`]).
struct Level {
    depth: Option<usize>,
    /// The collapsed graph and the node of every full node in it; `None`: the full graph.
    collapsed: Option<Coarsened>,
    /// A full-graph node inside each node (itself, when nothing is collapsed).
    first_member: Vec<u32>,
    view: GraphView,
}

impl Level {
    /// The level at `depth`, drawn in `style` (every level alike), or settled in its own
    /// style (the whole graph, first).
    #[allow(clippy::too_many_arguments)]
    fn new(
        gpu: &Gpu,
        renderer: &Renderer,
        full: &Graph,
        full_positions: &[Position],
        depth: Option<usize>,
        dim: Dim,
        edge_coloring: EdgeColoring,
        style: Option<Style>,
    ) -> Result<Level, GpuError> {
        let collapsed = depth.map(|d| full.collapse(d));
        let (positions, first_member) = match &collapsed {
            None => (full_positions.to_vec(), (0..full.node_count()).collect()),
            Some(c) => {
                let means = c.means(bytemuck::cast_slice(full_positions), 4);
                (bytemuck::cast_slice(&means).to_vec(), c.first_members())
            }
        };
        let graph = Level::graph(&collapsed, full);
        let bounds = Bounds::of(&positions);
        let mut view = GraphView::new(gpu, renderer, graph, positions, bounds, dim, edge_coloring)?;
        match style {
            Some(style) => view.scene.style = style,
            None => view.settle(graph),
        }
        Ok(Level { depth, collapsed, first_member, view })
    }

    /// This level's graph: `full`, or the collapsed one.
    fn graph<'a>(collapsed: &'a Option<Coarsened>, full: &'a Graph) -> &'a Graph {
        collapsed.as_ref().map_or(full, |c| &c.graph)
    }

    /// Bundles this level's edges, once.
    fn bundle(&mut self, gpu: &Gpu, renderer: &Renderer, full: &Graph, config: &BundleConfig) -> Result<(), GpuError> {
        if self.view.paths.is_none() {
            self.view.bundle(gpu, renderer, Level::graph(&self.collapsed, full), config, |_, _| {})?;
        }
        Ok(())
    }

    /// This level's node that full-graph node `v` lies in.
    fn node_of(&self, v: u32) -> u32 {
        self.collapsed.as_ref().map_or(v, |c| c.node_of[v as usize])
    }

    /// Highlights `selection` (full-graph seeds) on this level.
    fn show(&mut self, gpu: &Gpu, full: &Graph, selection: &Selection) -> Result<(), GpuError> {
        let mut seeds: Vec<u32> = selection.seeds.iter().map(|&v| self.node_of(v)).collect();
        seeds.sort_unstable();
        seeds.dedup();
        self.view.highlight(gpu, Level::graph(&self.collapsed, full), &seeds, selection.hops, selection.direction)
    }
}

/// A collapse or expand under way: the finer level's nodes glide into their groups' nodes,
/// or out of them.
struct Morph {
    /// The level shown before.
    before: Level,
    /// When it began, in seconds of the tour.
    since: f32,
    /// Whether the level shown now is the coarser one.
    collapsing: bool,
    /// The finer level's nodes, from where they stand to their group's node (collapsing),
    /// or back (expanding).
    glide: Glide,
}

impl Morph {
    fn new(before: Level, now: &Level, since: f32) -> Morph {
        let collapsing = finer(before.depth, now.depth);
        let (fine, coarse) = if collapsing { (&before, now) } else { (now, &before) };
        let own = fine.view.positions.clone();
        let into =
            (0..own.len()).map(|v| coarse.view.positions[coarse.node_of(fine.first_member[v]) as usize]).collect();
        let glide = if collapsing { Glide::new(own, into) } else { Glide::new(into, own) };
        Morph { before, since, collapsing, glide }
    }
}

/// Names the group in the middle of the view: the innermost group of the grouped node
/// nearest the camera's target, as a path.
struct LayerNamer<'a> {
    graph: &'a Graph,
    /// Grouped nodes and their positions.
    nodes: Vec<(u32, Vec3)>,
}

impl<'a> LayerNamer<'a> {
    /// `None` for graphs without groups.
    fn new(graph: &'a Graph, positions: &[[f32; 4]]) -> Option<Self> {
        let nodes: Vec<(u32, Vec3)> = (0..graph.node_count())
            .filter(|&v| graph.groups.group_of(v).is_some())
            .map(|v| (v, Vec3::from_slice(&positions[v as usize][..3])))
            .collect();
        (!nodes.is_empty()).then_some(LayerNamer { graph, nodes })
    }

    fn name_at(&self, camera: &Camera) -> Option<String> {
        let centre = match *camera {
            Camera::Flat { center, .. } => center.extend(0.0),
            Camera::Orbit { target, .. } => target,
        };
        let (v, _) =
            self.nodes.iter().min_by(|a, b| a.1.distance_squared(centre).total_cmp(&b.1.distance_squared(centre)))?;
        let group = self.graph.groups.group_of(*v)?;
        Some(self.graph.groups.path(group).join(" › "))
    }
}

/// The text drawn over one frame.
struct Texts<'a> {
    /// Title, subtitle, opacity.
    title: Option<(&'a str, Option<&'a str>, f32)>,
    caption: Option<&'a str>,
    layer: Option<String>,
    /// The checkpoint shown, when animating through a training run.
    checkpoint: Option<&'a str>,
}

impl Texts<'_> {
    /// Paints the texts straight onto a foreground layer of `screen` (in points): no
    /// egui windows, which stay invisible on their first frame.
    fn show(&self, ctx: &egui::Context, screen: egui::Rect) {
        use egui::{Align2, Color32, FontId, Id, LayerId, Order, vec2};
        let painter = ctx.layer_painter(LayerId::new(Order::Foreground, Id::unique("netlens.texts")));
        let card = |lines: &[(&str, f32, u8)], anchor: Align2, offset: egui::Vec2, shade: u8, opacity: f32| {
            let galleys: Vec<_> = lines
                .iter()
                .map(|&(text, size, gray)| {
                    let color = Color32::from_gray(gray).gamma_multiply(opacity);
                    painter.layout_no_wrap(text.to_owned(), FontId::proportional(size), color)
                })
                .collect();
            let (margin, gap) = (16.0, 6.0);
            let width = galleys.iter().map(|g| g.size().x).fold(0.0, f32::max);
            let height = galleys.iter().map(|g| g.size().y).sum::<f32>() + gap * (galleys.len() - 1) as f32;
            let inside = screen.shrink2(offset.abs());
            let rect = anchor.align_size_within_rect(vec2(width, height) + egui::Vec2::splat(2.0 * margin), inside);
            painter.rect_filled(rect, 8.0, Color32::from_black_alpha((shade as f32 * opacity) as u8));
            let mut y = rect.top() + margin;
            for galley in galleys {
                let x = rect.center().x - galley.size().x / 2.0;
                let line_height = galley.size().y;
                painter.galley(egui::pos2(x, y), galley, Color32::WHITE);
                y += line_height + gap;
            }
        };
        if let Some((title, subtitle, opacity)) = self.title {
            let mut lines = vec![(title, 40.0, 255)];
            lines.extend(subtitle.map(|s| (s, 22.0, 200)));
            card(&lines, Align2::CENTER_CENTER, vec2(0.0, 0.0), 210, opacity);
        }
        if let Some(caption) = self.caption {
            card(&[(caption, 26.0, 255)], Align2::CENTER_BOTTOM, vec2(0.0, 40.0), 180, 1.0);
        }
        if let Some(layer) = &self.layer {
            card(&[(layer, 18.0, 220)], Align2::LEFT_TOP, vec2(16.0, 16.0), 150, 1.0);
        }
        if let Some(checkpoint) = self.checkpoint {
            card(&[(checkpoint, 18.0, 220)], Align2::RIGHT_TOP, vec2(16.0, 16.0), 150, 1.0);
        }
    }
}
