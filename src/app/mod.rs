//! The interactive window: winit's event loop around the same layout and renderer that
//! `netlens render` uses, with an egui panel on the side.
//!
//! The force layout advances a few iterations every frame, so the graph visibly
//! converges; until the user moves the camera it follows the layout's bounding box. A
//! layered layout is computed once before the graph shows. Clicking picks a node through
//! an id buffer ([`pick`]); its K-hop neighbourhood is found on the GPU and highlighted
//! without leaving it. The window redraws continuously only while something changes
//! (layout running, camera moving, egui animating), and otherwise waits for input. With
//! an embedding ([`linked`]) the area splits: the graph left, the embedding right, one
//! selection and highlight in both.

mod actions;
mod capture;
mod collapse;
mod controls;
mod frame_rate;
mod linked;
mod pick;
mod playback;
mod rig;
mod session;
mod surface;
mod ui;

pub use linked::EmbeddingView;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};
use thiserror::Error;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::WindowId;

use crate::analysis::training::{Run, Show};
use crate::bundle::BundleConfig;
use crate::export::video::tour::TourWriter;
use crate::export::{fresh_path, svg, write_png};
use crate::geom::Dim;
use crate::gpu::{Gpu, GpuError};
use crate::graph::{Direction, Graph, GroupId};
use crate::khop::Selection;
use crate::layout::force::{ForceLayout, ForceRun};
use crate::layout::{LayoutConfig, LayoutKind, carry_positions};
use crate::render::frame::OffscreenTarget;
use crate::render::maps::FeatureMaps;
use crate::render::overlay::Overlay;
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{Camera, EdgeColoring, EdgeDetail, EdgeLayer, Renderer, Style, begin_pass};
use crate::view::{Glide, step_toward};
use capture::{CAPTURE_INTERVAL, Capture};
use collapse::{Collapsed, hierarchy_depth, visible};
use controls::{Action, Controls};
use linked::Linked;
use pick::{Hit, Picker};
use playback::Training;
use rig::CameraRig;
use session::{Session, show};
use surface::WindowSurface;
use ui::{Panel, SLIDER_MAX_HOPS, UiAction};

/// Iterations of the layout run per frame: enough to converge in seconds, few enough
/// to keep the window responsive on a software adapter.
const ITERATIONS_PER_FRAME: u32 = 4;
/// How long nodes glide from their old places to a new layered layout (collapse, expand).
const GLIDE: Duration = Duration::from_millis(600);
/// How long edges take to morph between straight and bundled.
const BUNDLE_MORPH: Duration = Duration::from_millis(700);
/// While a layout runs, labels and picking use positions read back this often.
const POSITIONS_REFRESH: Duration = Duration::from_millis(500);

#[derive(Debug, Error)]
pub enum AppError {
    #[error("cannot start the window system: {0}")]
    EventLoop(#[from] winit::error::EventLoopError),
    #[error("cannot open a window: {0}")]
    Window(#[from] winit::error::OsError),
    #[error("cannot draw into the window: {0}")]
    Surface(#[from] wgpu::CreateSurfaceError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Whether a window system is reachable (X11 or Wayland on Linux).
pub fn display_available() -> bool {
    if cfg!(target_os = "linux") {
        ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
    } else {
        true
    }
}

pub struct ViewOptions {
    pub size: (u32, u32),
    pub title: String,
    /// Nodes selected when the window opens (perhaps none), K and the direction.
    pub selection: Selection,
    /// Close after this many presented frames.
    pub exit_after_frames: Option<u32>,
    /// Print "presented frame N" to stderr for each frame.
    pub report_frames: bool,
    /// Embeddings to show beside the graph (N switches between them).
    pub embeddings: Vec<EmbeddingView>,
    /// How edges bundle when bundling is on (B), and whether it starts on.
    pub bundle: BundleConfig,
    pub bundled: bool,
    pub edge_coloring: EdgeColoring,
    pub edge_detail: EdgeDetail,
    /// 2D positions to show the graph at instead of laying it out (as `netlens attention`
    /// draws them).
    pub positions: Option<Vec<[f32; 4]>>,
    /// A training run to play on the edges (the panel's slider, T), and what they show.
    pub training: Option<(Run, Show)>,
    /// What colours the nodes when the window opens.
    pub color_by: ColorBy,
    /// Conv feature maps drawn on their nodes (while nothing is collapsed).
    pub feature_maps: Option<FeatureMaps>,
}

impl ViewOptions {
    /// A window of `size` titled `title` showing the graph plainly: nothing selected (K 1,
    /// both ways), straight edges coloured by their ends, nodes by class; closed after
    /// `exit_after_frames` and reporting frames as asked (scripts and tests). Callers
    /// change what they need.
    pub fn new(size: (u32, u32), title: String, exit_after_frames: Option<u32>, report_frames: bool) -> ViewOptions {
        ViewOptions {
            size,
            title,
            selection: Selection { seeds: Vec::new(), hops: 1, direction: Direction::Both },
            exit_after_frames,
            report_frames,
            embeddings: Vec::new(),
            bundle: BundleConfig::default(),
            bundled: false,
            edge_coloring: EdgeColoring::Nodes,
            edge_detail: EdgeDetail::Auto,
            positions: None,
            training: None,
            color_by: ColorBy::Class,
            feature_maps: None,
        }
    }
}

/// Opens the window and runs until it is closed.
pub fn run(graph: Graph, config: LayoutConfig, options: ViewOptions) -> Result<(), AppError> {
    let event_loop = EventLoop::new()?;
    let mut app = App { graph: Some(graph), config, options, state: None, error: None };
    event_loop.run_app(&mut app)?;
    match app.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

struct App {
    /// The graph until the window opens and takes it.
    graph: Option<Graph>,
    config: LayoutConfig,
    options: ViewOptions,
    state: Option<State>,
    error: Option<AppError>,
}

/// The egui overlay and its winit input.
struct Egui {
    overlay: Overlay,
    input: egui_winit::State,
}

/// Everything that exists while the window is open.
struct State {
    surface: WindowSurface,
    gpu: Gpu,
    adapter: String,
    renderer: Arc<Renderer>,
    /// The frame's edges before they are drawn onto it; the window's size.
    layer: EdgeLayer,
    picker: Picker,
    egui: Egui,
    /// What is shown: the graph, its layout, the selection.
    session: Session,
    rig: CameraRig,
    controls: Controls,
    hover: Option<Hit>,
    hover_at: Option<Vec2>,
    panel: Panel,
    message: String,
    /// The camera path being written into a tour file (R).
    capture: Option<Capture>,
    /// This session's keyframe file (K) and what it holds.
    keyframes: Option<(PathBuf, TourWriter)>,
    /// Pixels the side panel covers on the left; the camera fits the rest.
    panel_width: f32,
    /// The embedding beside the graph.
    linked: Option<Linked>,
    /// A training run played on the edges.
    training: Option<Training>,
    /// Feature maps for the full graph's conv channels.
    feature_maps: Option<FeatureMaps>,
    /// Where the pointer last was: drags and the wheel act on the view under it.
    pointer: Option<Vec2>,
    frames: u32,
    last_frame: Instant,
    /// Frames presented, for the frame rate the panel shows.
    frame_rate: frame_rate::FrameRate,
    /// The camera the last frame was drawn from.
    drawn_camera: Option<Camera>,
}

impl App {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<State, AppError> {
        let (surface, gpu) = WindowSurface::open(event_loop, &self.options.title, self.options.size)?;
        let format = surface.format();
        let renderer = gpu.kernel_for::<Renderer>(format);
        let full_graph = self.graph.take().expect("the window opens once");
        let mut selection = self.options.selection.clone();
        selection.hops = selection.hops.min(SLIDER_MAX_HOPS);
        let (color_by, size_by) = (self.options.color_by.clone(), SizeBy::Uniform);
        let edge_coloring = self.options.edge_coloring;
        let mut shown = show(
            &gpu,
            &renderer,
            &full_graph,
            &self.config,
            &color_by,
            &size_by,
            edge_coloring,
            self.options.positions.as_deref(),
            None,
        )?;
        shown.view.scene.style.edge_detail = self.options.edge_detail;
        let camera = Camera::fit(&shown.view.bounds, self.config.dim, surface.viewport());
        let overlay = Overlay::new(&gpu.device, format);
        let input = egui_winit::State::new(
            overlay.ctx.clone(),
            egui::ViewportId::ROOT,
            &surface.window,
            Some(surface.window.scale_factor() as f32),
            None,
            Some(gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let report = gpu.report();
        let panel = Panel::new(&full_graph);
        let mut state = State {
            layer: EdgeLayer::new(&gpu, &renderer, surface.size())?,
            picker: Picker::new(&gpu, surface.size()),
            surface,
            adapter: format!("{} ({})", report.name, report.backend),
            gpu,
            renderer,
            egui: Egui { overlay, input },
            session: Session {
                max_depth: hierarchy_depth(&full_graph),
                full_graph,
                collapsed: None,
                config: self.config,
                shown,
                paused: false,
                given: self.options.positions.take(),
                bundle: self.options.bundle,
                bundled: self.options.bundled,
                selection,
                reached: Vec::new(),
                color_by,
                size_by,
                glide: None,
            },
            rig: CameraRig::new(camera),
            controls: Controls::default(),
            hover: None,
            hover_at: None,
            panel,
            message: String::new(),
            capture: None,
            keyframes: None,
            panel_width: 0.0,
            linked: None,
            training: self.options.training.take().map(|(run, show)| Training {
                run,
                show,
                at: 0.0,
                playing: false,
                edges: Vec::new(),
                checkpoint: String::new(),
                stale: true,
            }),
            feature_maps: self.options.feature_maps.take(),
            pointer: None,
            frames: 0,
            last_frame: Instant::now(),
            frame_rate: frame_rate::FrameRate::default(),
            drawn_camera: None,
        };
        let views = std::mem::take(&mut self.options.embeddings);
        if !views.is_empty() {
            let size = state.linked_size((state.size().0 / 2) as f32);
            state.linked = Some(Linked::new(&state.gpu, &state.renderer, &state.session.full_graph, views, size)?);
        }
        state.show_feature_maps()?;
        state.update_selection()?;
        state.surface.window.request_redraw();
        Ok(state)
    }

    fn fail(&mut self, event_loop: &ActiveEventLoop, error: AppError) {
        self.error = Some(error);
        event_loop.exit();
    }
}

impl State {
    fn viewport(&self) -> Vec2 {
        self.surface.viewport()
    }

    fn size(&self) -> (u32, u32) {
        self.surface.size()
    }

    /// The node or edge under window pixel `at`, in whichever view it lies.
    fn pick(&self, at: Vec2) -> Result<Option<Hit>, GpuError> {
        if let (Some(local), Some(linked)) = (self.in_linked(at), &self.linked) {
            return linked.pick(&self.gpu, &self.renderer, local);
        }
        self.session.shown.view.scene.set_view(&self.gpu.queue, &self.rig.camera, self.picker.size());
        self.picker.pick(&self.gpu, &self.renderer, &self.session.shown.view.scene, at.x as u32, at.y as u32)
    }

    /// Where the embedding's view begins, when there is one: halfway across the area right
    /// of the panel.
    fn split(&self) -> Option<f32> {
        self.linked.is_some().then(|| {
            let width = self.surface.viewport().x;
            (self.panel_width + (width - self.panel_width) * 0.5).round()
        })
    }

    /// The embedding view's size for a split at `split`.
    fn linked_size(&self, split: f32) -> (u32, u32) {
        ((self.viewport().x - split).max(1.0) as u32, self.size().1)
    }

    /// Whether `at` (window pixels) lies in the embedding's view; then also where in it.
    fn in_linked(&self, at: Vec2) -> Option<Vec2> {
        let split = self.split()?;
        (at.x >= split).then(|| Vec2::new(at.x - split, at.y))
    }

    /// The camera that shows the whole layout right of the panel (and left of the split).
    fn fitted(&self) -> Camera {
        let viewport = self.viewport();
        let right = self.split().unwrap_or(viewport.x);
        let free = Vec2::new((right - self.panel_width).max(viewport.x * 0.25), viewport.y);
        let mut camera = Camera::fit(&self.session.shown.view.bounds, self.session.config.dim, free);
        // Fitted around the window's centre; moved to the centre of the free area.
        camera.pan(Vec2::new((self.panel_width + right - viewport.x) * 0.5, 0.0), viewport);
        camera
    }

    fn resize(&mut self, size: PhysicalSize<u32>) {
        if !self.surface.resize(&self.gpu, size) {
            return;
        }
        self.picker = Picker::new(&self.gpu, (size.width, size.height));
        match EdgeLayer::new(&self.gpu, &self.renderer, (size.width, size.height)) {
            Ok(layer) => self.layer = layer,
            Err(error) => self.message = format!("edges not redrawn at this size: {error}"),
        }
        self.resize_linked(false);
        self.surface.window.request_redraw();
    }

    /// Sizes the embedding's view to the split (and refits its camera with `fit`).
    fn resize_linked(&mut self, fit: bool) {
        if let Some(split) = self.split() {
            let size = self.linked_size(split);
            if let Some(linked) = &mut self.linked {
                linked.resize(&self.gpu, size, fit);
            }
        }
    }

    fn animating(&self) -> bool {
        (!self.session.paused && self.session.layout_running())
            || self.session.shown.view.scene.bundle_mix != self.session.bundle_target()
            || self.controls.dragging()
            || self.rig.moving(self.controls.fly_motion())
            || self.training.as_ref().is_some_and(|t| t.playing)
            || self.session.glide.is_some()
    }

    fn toggle_bundle(&mut self) {
        self.session.bundled = !self.session.bundled;
        if self.session.bundled && !self.session.paused && self.session.layout_running() {
            self.message = "edges bundle when the layout settles (Space pauses it)".into();
        }
    }

    /// Bundles the edges once the layout has settled (if asked), and moves the morph
    /// between straight and bundled edges one frame on.
    fn step_bundle(&mut self, dt: f32) -> Result<(), GpuError> {
        let target = self.session.bundle_target();
        if target > 0.0 && !self.session.shown.paths_fresh {
            let started = Instant::now();
            let graph = visible(&self.session.full_graph, &self.session.collapsed);
            let shown = &mut self.session.shown;
            if let Some(run) = shown.force.as_ref().filter(|run| !run.is_done()) {
                shown.view.positions = run.read_positions(&self.gpu)?; // paused: as they stand
            }
            shown.view.bundle(&self.gpu, &self.renderer, graph, &self.session.bundle, |_, _| {})?;
            shown.paths_fresh = true;
            shown.view.scene.bundle_mix = 0.0;
            let method = self.session.bundle.method.name();
            self.message = format!("{method} bundling: {:.2} s", started.elapsed().as_secs_f64());
        }
        let mix = &mut self.session.shown.view.scene.bundle_mix;
        *mix = step_toward(*mix, target, dt / BUNDLE_MORPH.as_secs_f32());
        Ok(())
    }

    /// Runs the K-hop query for the selection and highlights it (or clears the highlight).
    fn update_selection(&mut self) -> Result<(), GpuError> {
        let n = self.session.graph().node_count();
        self.session.selection.seeds.retain(|&v| v < n);
        if let Some(capture) = &mut self.capture
            && self.session.collapsed.is_none()
        {
            let graph = &self.session.full_graph;
            let ids: Vec<String> = self
                .session
                .selection
                .seeds
                .iter()
                .map(|&v| match graph.nodes.labels.as_ref().and_then(|l| l.get(v as usize)).filter(|s| !s.is_empty()) {
                    Some(name) if !graph.ids_are_indices => name.to_owned(),
                    _ => v.to_string(),
                })
                .collect();
            capture.writer.select(capture.started.elapsed().as_secs_f32(), &ids, self.session.selection.hops);
        }
        let graph = visible(&self.session.full_graph, &self.session.collapsed);
        self.session.shown.view.highlight(
            &self.gpu,
            graph,
            &self.session.selection.seeds,
            self.session.selection.hops,
            self.session.selection.direction,
        )?;
        self.session.reached = self.session.shown.view.reached(&self.gpu)?;
        if let Some(linked) = &mut self.linked {
            linked.mirror(&self.gpu, &self.session.shown.view.scene);
        }
        Ok(())
    }

    /// Starts a smooth camera move to the selection.
    fn fly_to_selection(&mut self) {
        let positions = &self.session.shown.view.positions;
        let points: Vec<Vec3> = self
            .session
            .selection
            .seeds
            .iter()
            .filter_map(|&v| positions.get(v as usize))
            .map(|p| Vec3::from_slice(&p[..3]))
            .collect();
        let min_radius = self.session.shown.view.scene.style.node_radius * 12.0;
        let Some(to) = self.rig.camera.frame(&points, min_radius, self.viewport()) else {
            return;
        };
        self.rig.fly_to(to);
    }

    fn select(&mut self, nodes: Vec<u32>, add: bool) -> Result<(), GpuError> {
        self.session.set_seeds(nodes, add);
        self.update_selection()
    }

    /// Node sizes as the panel says, with the nodes that show a feature map hidden under
    /// it.
    fn sizes(&self) -> Vec<f32> {
        let mut sizes = self.session.size_by.sizes(self.session.graph());
        if let Some(maps) = self.feature_maps.as_ref().filter(|_| self.session.collapsed.is_none()) {
            maps.hide_nodes(&mut sizes);
        }
        sizes
    }

    /// Gives the shown scene its feature maps, at the nodes' positions: on the full graph
    /// only (a collapsed group stands for many channels).
    fn show_feature_maps(&mut self) -> Result<(), GpuError> {
        if let Some(maps) = self.feature_maps.as_ref().filter(|_| self.session.collapsed.is_none()) {
            self.renderer.set_feature_maps(
                &self.gpu,
                &mut self.session.shown.view.scene,
                maps,
                &self.session.shown.view.positions,
            )?;
            self.session.shown.view.scene.set_sizes(&self.gpu.queue, &self.sizes());
        }
        Ok(())
    }

    /// Advances the layout and the camera by one frame's worth.
    fn step(&mut self, dt: f32) -> Result<(), GpuError> {
        let viewport = self.viewport();
        if !self.session.paused && self.session.layout_running() {
            let run = self.session.shown.force.as_mut().expect("running");
            run.advance(&self.gpu, &self.gpu.kernel::<ForceLayout>(), ITERATIONS_PER_FRAME);
            self.session.shown.view.bounds = run.read_bounds(&self.gpu)?;
            let n = self.session.graph().node_count();
            let scene = &mut self.session.shown.view.scene;
            let Style { edge_coloring, edge_detail, .. } = scene.style;
            scene.style = Style {
                edge_coloring,
                edge_detail,
                ..Style::for_layout(n, &self.session.shown.view.bounds, self.session.config.dim)
            };
            scene.extent = self.session.shown.view.bounds;
            self.session.shown.paths_fresh = false;
            if self.rig.following() {
                self.rig.camera = self.fitted();
            }
            let done = !self.session.layout_running();
            if done || self.session.shown.positions_read.elapsed() >= POSITIONS_REFRESH {
                let run = self.session.shown.force.as_ref().expect("a force layout");
                self.session.shown.view.positions = run.read_positions(&self.gpu)?;
                self.session.shown.positions_read = Instant::now();
                let graph = visible(&self.session.full_graph, &self.session.collapsed);
                if done {
                    (self.session.shown.view.scene.style, self.session.shown.view.bounds) =
                        self.session.shown.view.scene.style.settled(
                            graph,
                            &self.session.shown.view.positions,
                            &self.session.shown.view.bounds,
                        );
                    if self.rig.following() {
                        self.rig.camera = self.fitted();
                    }
                }
            }
        }
        self.step_glide();
        self.step_bundle(dt)?;
        self.step_training(dt);
        let boost = if self.controls.shift() { 4.0 } else { 1.0 };
        self.rig.step(self.controls.fly_motion(), boost, dt, viewport);
        if let Some(at) = self.hover_at.take()
            && !self.controls.dragging()
        {
            self.hover = self.pick(at)?;
        }
        Ok(())
    }

    /// Advances, draws and presents one frame. Returns whether one was shown, and whether
    /// egui wants another soon.
    fn redraw(&mut self) -> Result<(bool, bool), GpuError> {
        let now = Instant::now();
        let dt = now.duration_since(self.last_frame).as_secs_f32().min(0.1);
        self.last_frame = now;
        self.step(dt)?;
        if let Some(capture) = &mut self.capture
            && capture.last_key.elapsed() >= CAPTURE_INTERVAL
        {
            let viewport = self.surface.viewport();
            let t = capture.started.elapsed().as_secs_f32();
            if capture.last_key.elapsed() >= 2 * CAPTURE_INTERVAL {
                // Nothing was drawn for a while: the camera held still until just now.
                capture.writer.key(t - CAPTURE_INTERVAL.as_secs_f32(), &capture.last_camera, viewport);
            }
            capture.writer.key(t, &self.rig.camera, viewport);
            capture.last_key = Instant::now();
            capture.last_camera = self.rig.camera;
        }

        let raw = self.egui.input.take_egui_input(&self.surface.window);
        let graph = visible(&self.session.full_graph, &self.session.collapsed);
        let frame_info = ui::Frame {
            graph,
            selection: &self.session.selection.seeds,
            hops: self.session.selection.hops,
            direction: self.session.selection.direction,
            reached: &self.session.reached,
            hover: self.hover,
            rate: self.frame_rate.rate(now),
            adapter: &self.adapter,
            edge_level: self.session.shown.view.scene.edge_level(),
            layout_progress: self.session.shown.force.as_ref().filter(|run| !run.is_done()).map(ForceRun::progress),
            paused: self.session.paused,
            fly: self.rig.fly,
            bundled: self.session.bundled,
            dim: self.session.config.dim,
            collapse: self.session.collapsed.as_ref().and_then(|c| c.depth),
            collapsed_groups: self.session.collapsed.as_ref().map_or(0, |c| c.groups.len()),
            expandable: self.session.expandable(),
            max_depth: self.session.max_depth,
            color_by: &self.session.color_by,
            size_by: &self.session.size_by,
            message: &self.message,
            camera: &self.rig.camera,
            node_radius: self.session.shown.view.scene.style.node_radius,
            viewport: self.surface.viewport(),
            positions: Some(&self.session.shown.view.positions),
            embedding: self.split().zip(self.linked.as_ref()).map(|(split, linked)| ui::EmbeddingPane {
                split,
                name: &linked.name,
                agreement: linked.agreement(),
            }),
            training: self.training.as_ref().map(|t| ui::TrainingPane {
                at: t.at,
                checkpoints: t.run.count(),
                checkpoint: &t.checkpoint,
                playing: t.playing,
                show: t.show,
                shown: self.session.collapsed.is_none(),
            }),
        };
        let (mut actions, mut panel_width) = (Vec::new(), self.panel_width);
        let panel = &mut self.panel;
        let mut output = self.egui.overlay.ctx.run_ui(raw, |ui| (actions, panel_width) = panel.show(ui, &frame_info));
        if (panel_width - self.panel_width).abs() > 0.5 {
            self.panel_width = panel_width;
            self.resize_linked(true);
            if self.rig.following() {
                self.rig.camera = self.fitted();
                self.surface.window.request_redraw();
            }
        }
        self.egui.input.handle_platform_output(&self.surface.window, std::mem::take(&mut output.platform_output));
        let repaint = output.viewport_output.get(&egui::ViewportId::ROOT).is_some_and(|v| v.repaint_delay.is_zero());
        for action in actions {
            self.apply_ui(action)?;
        }

        let Some(frame) = self.surface.next_frame(&self.gpu) else { return Ok((false, repaint)) };
        let view = frame.texture.create_view(&Default::default());
        self.session.shown.view.scene.hovered = self.hover.and_then(Hit::node);
        self.session.shown.view.scene.hovered_edge = self.hover.and_then(Hit::edge);
        // While the camera moves a large graph's edges are drawn at the density level; the
        // first frame after it stops redraws them as lines.
        let moving = self.drawn_camera.is_some_and(|drawn| drawn != self.rig.camera);
        self.drawn_camera = Some(self.rig.camera);
        self.session.shown.view.scene.moving = moving;
        if moving {
            self.surface.window.request_redraw();
        }
        self.session.shown.view.scene.set_view(&self.gpu.queue, &self.rig.camera, self.size());
        if let Some(linked) = &mut self.linked {
            linked.scene.hovered = self.hover.and_then(Hit::node);
            linked.scene.set_view(&self.gpu.queue, &linked.camera, linked.size());
        }
        let size = self.size();
        let mut prepared = self.egui.overlay.prepare(&self.gpu, output, size);
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("window.frame") });
        // Each pane: its scene, viewport and scissor. The graph left of the split (its
        // camera frames the whole window), the embedding right of it.
        let (width, height) = size;
        let whole = [0, 0, width, height];
        let graph = &self.session.shown.view.scene;
        let panes = match (self.split(), &self.linked) {
            (Some(split), Some(linked)) => {
                let split = (split as u32).min(width - 1);
                let right = [split, 0, width - split, height];
                vec![(graph, whole, [0, 0, split, height]), (&linked.scene, right, right)]
            }
            _ => vec![(graph, whole, whole)],
        };
        self.renderer.add_edges(&self.gpu, &mut encoder, &self.layer, &panes);
        {
            let mut pass = begin_pass(&mut encoder, &view, &self.surface.depth).forget_lifetime();
            for &(scene, [x, y, w, h], [sx, sy, sw, sh]) in &panes {
                pass.set_viewport(x as f32, y as f32, w as f32, h as f32, 0.0, 1.0);
                pass.set_scissor_rect(sx, sy, sw, sh);
                self.renderer.draw(&mut pass, scene, &self.layer);
            }
            pass.set_viewport(0.0, 0.0, width as f32, height as f32, 0.0, 1.0);
            pass.set_scissor_rect(0, 0, width, height);
            self.egui.overlay.paint(&mut pass, &prepared);
        }
        self.gpu.queue.submit(prepared.commands.drain(..).chain([encoder.finish()]));
        self.surface.window.pre_present_notify();
        self.gpu.queue.present(frame);
        self.frame_rate.presented(Instant::now());
        self.egui.overlay.finish(prepared);
        self.frames += 1;
        Ok((true, repaint))
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.state.is_some() {
            return;
        }
        match self.open(event_loop) {
            Ok(state) => self.state = Some(state),
            Err(error) => self.fail(event_loop, error),
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        let result = match event {
            WindowEvent::CloseRequested => {
                event_loop.exit();
                Ok(())
            }
            WindowEvent::Resized(size) => {
                state.resize(size);
                Ok(())
            }
            WindowEvent::RedrawRequested => state.redraw().map(|(presented, repaint)| {
                if self.options.report_frames {
                    match presented {
                        true => {
                            eprintln!("presented frame {}: {}", state.frames, state.frame_rate.rate(Instant::now()))
                        }
                        false => eprintln!("frame not presented (surface timeout, occluded or outdated)"),
                    }
                }
                if self.options.exit_after_frames.is_some_and(|n| state.frames >= n) {
                    event_loop.exit();
                } else if repaint || state.animating() {
                    state.surface.window.request_redraw();
                }
            }),
            other => {
                let response = state.egui.input.on_window_event(&state.surface.window, &other);
                if response.repaint {
                    state.surface.window.request_redraw();
                }
                if response.consumed {
                    Ok(())
                } else {
                    match state.controls.handle(&other) {
                        Some(Action::Quit) => {
                            event_loop.exit();
                            Ok(())
                        }
                        Some(Action::Hover(_)) if state.egui.overlay.ctx.is_pointer_over_egui() => {
                            state.hover = None;
                            Ok(())
                        }
                        Some(action) => state.apply(action),
                        None => Ok(()),
                    }
                }
            }
        };
        if let Err(error) = result {
            self.fail(event_loop, error.into());
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        event_loop.set_control_flow(ControlFlow::Wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collapsed_group_knows_its_node() {
        // block > a, b (two nodes each) and an ungrouped output, chained.
        let mut g = Graph::with_nodes(5, true);
        for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 4)] {
            g.push_edge(a, b);
        }
        let block = g.groups.add("block", None);
        let (a, b) = (g.groups.add("a", Some(block)), g.groups.add("b", Some(block)));
        for (v, group) in [(0, a), (1, a), (2, b), (3, b)] {
            g.groups.assign(v, group);
        }
        let collapsed = Collapsed::new(&g, BTreeSet::from([b]), None);
        assert_eq!(collapsed.graph.node_count(), 4);
        assert_eq!(collapsed.group_of_node, HashMap::from([(2, b)]));
        assert_eq!(g.groups.find("block/b"), Ok(b));
        assert_eq!(hierarchy_depth(&g), 2);
    }
}
