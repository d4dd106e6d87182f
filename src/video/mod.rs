//! Recording: a tour rendered headless frame by frame into a [`Sink`] (MP4, GIF or PNGs),
//! with the title card, captions and the name of the layer in view drawn over the graph by
//! the egui overlay. Frame `i` shows the tour at `i / fps` seconds, so the same input gives
//! the same frames on every run.

pub mod sink;
pub mod tour;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use glam::{Vec2, Vec3};

use crate::gpu::Gpu;
use crate::graph::{Direction, Graph};
use crate::khop::{KHop, Neighbourhoods};
use crate::layout::{Dim, LayoutConfig, Placed, place};
use crate::render::overlay::Overlay;
use crate::render::{Bounds, Camera, OffscreenTarget, Renderer, Style, frame};
use sink::Sink;
use tour::{Event, Stage, TITLE_SECONDS, Tour};

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
}

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

/// What is happening in the phase `progress` reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Layout,
    Frames,
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
) -> Result<Report> {
    let target = OffscreenTarget::new(gpu, options.size)?;
    let start = Instant::now();
    let Placed { positions, .. } =
        place(gpu, graph, config, |done, total| progress(Phase::Layout, done as u64, total as u64))?;
    let layout = start.elapsed();

    let three_d = config.dim == Dim::Three;
    let viewport = Vec2::new(options.size.0 as f32, options.size.1 as f32);
    let bounds = Bounds::of(&positions);
    let style = Style::for_layout(graph.node_count(), graph.edge_count(), &bounds, three_d);
    let stage = Stage { graph, positions: &positions, three_d, viewport, min_radius: style.node_radius * 12.0 };
    let tour = match &options.tour {
        Some(path) => Tour::load(path, &stage, options.duration)?,
        None => {
            let seconds = options.duration.unwrap_or(AUTOMATIC_SECONDS);
            Tour::automatic(&stage, options.is_model, seconds, options.title.clone())
        }
    };

    let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::empty())?;
    let renderer = Renderer::new(&gpu.device, frame::FORMAT);
    let mut scene = renderer.scene(gpu, graph, &buffer, style)?;
    let mut overlay = Overlay::new(&gpu.device, frame::FORMAT);
    // Text scales with the frame: 720 lines is egui's own size.
    let pixels_per_point = options.size.1 as f32 / 720.0;
    overlay.ctx.set_zoom_factor(pixels_per_point);
    let whole = Camera::fit(&bounds, three_d, viewport);
    let namer = LayerNamer::new(graph, &positions);

    let frames = ((tour.duration * options.fps as f32).round() as u64).max(1);
    let khop = KHop::new(&gpu.device);
    let mut highlight = Highlight { seeds: Vec::new(), hops: 1, direction: Direction::Both, neighbourhoods: None };
    let mut next_event = 0;
    let mut rgba = Vec::new();
    let (mut render, mut encode) = (Duration::ZERO, Duration::ZERO);
    for i in 0..frames {
        let t = i as f32 / options.fps as f32;
        let begun = Instant::now();
        let mut changed = false;
        while let Some((_, event)) = tour.events.get(next_event).filter(|(at, _)| *at <= t) {
            changed |= highlight.apply(event);
            next_event += 1;
        }
        if changed {
            scene.highlight = highlight.show(gpu, &khop, graph, &scene)?;
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
            };
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(viewport.x, viewport.y) / pixels_per_point);
        let raw = egui::RawInput { screen_rect: Some(screen), time: Some(t as f64), ..Default::default() };
        let output = overlay.ctx.run_ui(raw, |ui| texts.show(ui.ctx(), screen));
        let mut prepared = overlay.prepare(gpu, output, options.size);
        target.render_into(gpu, &renderer, &scene, &camera, Some((&overlay, &mut prepared)), &mut rgba)?;
        overlay.finish(prepared);
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

/// The selection a tour has made so far, and its K-hop pass once it needs one.
struct Highlight {
    seeds: Vec<u32>,
    hops: u32,
    direction: Direction,
    neighbourhoods: Option<(Direction, Neighbourhoods)>,
}

impl Highlight {
    /// Takes in an event; says whether the highlight changed.
    fn apply(&mut self, event: &Event) -> bool {
        let (hops, direction) = match event {
            Event::Select { seeds, hops, direction } => {
                self.seeds = seeds.clone();
                (hops, direction)
            }
            Event::Highlight { hops, direction } => (hops, direction),
            Event::Caption { .. } => return false,
        };
        self.hops = hops.unwrap_or(self.hops);
        self.direction = direction.unwrap_or(self.direction);
        true
    }

    /// Runs the K-hop pass into the scene's hops buffer; returns the scene's highlight.
    fn show(
        &mut self,
        gpu: &Gpu,
        khop: &KHop,
        graph: &Graph,
        scene: &crate::render::Scene,
    ) -> Result<Option<u32>, crate::gpu::GpuError> {
        if self.seeds.is_empty() {
            return Ok(None);
        }
        if self.neighbourhoods.as_ref().is_none_or(|(d, _)| *d != self.direction) {
            let n = Neighbourhoods::new(gpu, khop, graph, self.direction, scene.hops().clone())?;
            self.neighbourhoods = Some((self.direction, n));
        }
        let (_, neighbourhoods) = self.neighbourhoods.as_mut().expect("made above");
        neighbourhoods.select(gpu, khop, &self.seeds, self.hops)?;
        Ok(Some(self.hops))
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
    }
}
