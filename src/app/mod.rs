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

mod controls;
mod linked;
mod pick;
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
use winit::window::{Window, WindowId};

use crate::gpu::{Gpu, GpuError, backends_from_env};
use crate::graph::{Direction, Graph, GroupId};
use crate::khop::{KHop, Neighbourhoods, Selection};
use crate::layout::bundle::{self, BundleConfig, Paths};
use crate::layout::force::{ForceLayout, ForceRun};
use crate::layout::layered::layered;
use crate::layout::{Dim, LayoutConfig, LayoutKind, carry_positions, multilevel, refine_force, start_force};
use crate::render::frame::{OffscreenTarget, fresh_path, write_png};
use crate::render::maps::FeatureMaps;
use crate::render::overlay::Overlay;
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{Bounds, Camera, EdgeColoring, Renderer, Scene, Style, begin_pass, depth_view, svg};
use crate::training::{Run, Show};
use crate::video::tour::TourWriter;
use controls::{Action, Controls};
use linked::Linked;
use pick::{Hit, Picker};
use ui::{Panel, SLIDER_MAX_HOPS, UiAction};

/// Iterations of the layout run per frame: enough to converge in seconds, few enough
/// to keep the window responsive on a software adapter.
const ITERATIONS_PER_FRAME: u32 = 4;
/// How long "fly to" takes.
const TRANSITION: Duration = Duration::from_millis(600);
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

/// One shown graph on the GPU: its layout, scene and K-hop adjacency. Rebuilt when the
/// graph or the layout's dimension changes.
struct Shown {
    force: Option<ForceRun>,
    scene: Scene,
    neighbourhoods: Neighbourhoods,
    bounds: Bounds,
    /// Positions on the CPU, for labels and "fly to"; refreshed while the layout runs.
    positions: Vec<[f32; 4]>,
    positions_read: Instant,
    /// The positions on the GPU (the layout's own buffer while it runs).
    positions_buffer: wgpu::Buffer,
    /// Whether the scene holds bundled paths for the positions as they are.
    paths_fresh: bool,
    /// The bundled paths the scene draws, if any.
    paths: Option<Paths>,
}

/// Nodes gliding from where a collapse or expand found them to a new layered layout.
struct Glide {
    from: Vec<[f32; 4]>,
    started: Instant,
    /// The positions of the current frame (reused).
    frame: Vec<[f32; 4]>,
}

/// Seconds the window's playback of a training run takes from one checkpoint to the next.
const SECONDS_PER_CHECKPOINT: f32 = 2.0;

/// A training run played on the full graph's edges.
struct Training {
    run: Run,
    show: Show,
    /// Where along the run, 0 (first checkpoint) to 1 (last).
    at: f32,
    playing: bool,
    /// The edge values at `at`, and the nearest checkpoint's name.
    edges: Vec<f32>,
    checkpoint: String,
    /// Whether the scene still lacks `edges` (after a move, or a new scene).
    stale: bool,
}

impl Training {
    /// Moves playback on by `dt` seconds; it stops at the last checkpoint.
    fn advance(&mut self, dt: f32) {
        if self.playing {
            let span = SECONDS_PER_CHECKPOINT * (self.run.count().max(2) - 1) as f32;
            self.at = (self.at + dt / span).min(1.0);
            self.playing = self.at < 1.0;
            self.stale = true;
        }
    }

    /// Starts or stops playback; from the start again once it has reached the end.
    fn toggle(&mut self) {
        if !self.playing && self.at >= 1.0 {
            self.at = 0.0;
        }
        self.playing = !self.playing;
        self.stale = true;
    }
}

/// How often a tour being recorded (R) takes a keyframe.
const CAPTURE_INTERVAL: Duration = Duration::from_millis(250);

/// A tour being written from the window.
struct Capture {
    writer: TourWriter,
    started: Instant,
    last_key: Instant,
    last_camera: Camera,
}

/// The egui overlay and its winit input.
struct Egui {
    overlay: Overlay,
    input: egui_winit::State,
}

/// Everything that exists while the window is open.
struct State {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    surface_config: wgpu::SurfaceConfiguration,
    depth: wgpu::TextureView,
    gpu: Gpu,
    adapter: String,
    renderer: Renderer,
    force_layout: ForceLayout,
    khop: KHop,
    picker: Picker,
    egui: Egui,
    /// The graph as loaded, and the collapsed one while groups are collapsed.
    full_graph: Graph,
    collapsed: Option<Collapsed>,
    max_depth: usize,
    config: LayoutConfig,
    shown: Shown,
    camera: Camera,
    /// "Fly to": from, to, start.
    transition: Option<(Camera, Camera, Instant)>,
    /// The camera follows the layout until the user moves it.
    follow_layout: bool,
    paused: bool,
    /// Positions given instead of a layout ([`ViewOptions::positions`]).
    given: Option<Vec<[f32; 4]>>,
    /// How edges bundle, and whether they should be drawn bundled (B).
    bundle: BundleConfig,
    bundled: bool,
    fly: bool,
    /// Fly speed in view sizes per second.
    fly_speed: f32,
    controls: Controls,
    selection: Vec<u32>,
    hops: u32,
    direction: Direction,
    reached: Vec<u64>,
    hover: Option<Hit>,
    hover_at: Option<Vec2>,
    color_by: ColorBy,
    size_by: SizeBy,
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
    /// Nodes gliding into a new layered layout.
    glide: Option<Glide>,
    /// Where the pointer last was: drags and the wheel act on the view under it.
    pointer: Option<Vec2>,
    frames: u32,
    last_frame: Instant,
    fps: f32,
}

impl App {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<State, AppError> {
        let attributes = Window::default_attributes()
            .with_title(&self.options.title)
            .with_inner_size(PhysicalSize::new(self.options.size.0, self.options.size.1));
        let window = Arc::new(event_loop.create_window(attributes)?);
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backends_from_env()?,
            ..wgpu::InstanceDescriptor::new_with_display_handle(Box::new(event_loop.owned_display_handle()))
        });
        let surface = instance.create_surface(window.clone())?;
        let gpu = Gpu::new(instance, Some(&surface))?;
        let caps = surface.get_capabilities(&gpu.adapter);
        // Blend in sRGB space like the offscreen path, so window and PNG look the same.
        let format = caps.formats.iter().copied().find(|f| !f.is_srgb()).unwrap_or(caps.formats[0]);
        let size = window.inner_size();
        let mut surface_config = surface
            .get_default_config(&gpu.adapter, size.width.max(1), size.height.max(1))
            .ok_or_else(|| GpuError::NoAdapter(" that presents to this window".into()))?;
        surface_config.format = format;
        surface_config.present_mode = wgpu::PresentMode::AutoVsync;
        surface.configure(&gpu.device, &surface_config);

        let renderer = Renderer::new(&gpu.device, format);
        let force_layout = ForceLayout::new(&gpu.device);
        let khop = KHop::new(&gpu.device);
        let full_graph = self.graph.take().expect("the window opens once");
        let selection = std::mem::take(&mut self.options.selection.seeds);
        let (hops, direction) = (self.options.selection.hops, self.options.selection.direction);
        let (color_by, size_by) = (self.options.color_by.clone(), SizeBy::Uniform);
        let edge_coloring = self.options.edge_coloring;
        let shown = show(
            &gpu,
            &renderer,
            &force_layout,
            &khop,
            &full_graph,
            &self.config,
            direction,
            &color_by,
            &size_by,
            edge_coloring,
            self.options.positions.as_deref(),
            None,
        )?;
        let viewport = Vec2::new(surface_config.width as f32, surface_config.height as f32);
        let camera = Camera::fit(&shown.bounds, self.config.dim == Dim::Three, viewport);
        let overlay = Overlay::new(&gpu.device, format);
        let input = egui_winit::State::new(
            overlay.ctx.clone(),
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            Some(gpu.device.limits().max_texture_dimension_2d as usize),
        );
        let report = gpu.report();
        let mut panel = Panel::new(&full_graph);
        panel.positions_changed(&full_graph, &shown.positions);
        let mut state = State {
            depth: depth_view(&gpu.device, (surface_config.width, surface_config.height)),
            picker: Picker::new(&gpu, (surface_config.width, surface_config.height)),
            window,
            surface,
            surface_config,
            adapter: format!("{} ({})", report.name, report.backend),
            gpu,
            renderer,
            force_layout,
            khop,
            egui: Egui { overlay, input },
            max_depth: hierarchy_depth(&full_graph),
            full_graph,
            collapsed: None,
            config: self.config,
            shown,
            camera,
            transition: None,
            follow_layout: true,
            paused: false,
            given: self.options.positions.take(),
            bundle: self.options.bundle,
            bundled: self.options.bundled,
            fly: false,
            fly_speed: 0.5,
            controls: Controls::default(),
            hops: hops.min(SLIDER_MAX_HOPS),
            selection,
            direction,
            reached: Vec::new(),
            hover: None,
            hover_at: None,
            color_by,
            size_by,
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
            glide: None,
            pointer: None,
            frames: 0,
            last_frame: Instant::now(),
            fps: 0.0,
        };
        let views = std::mem::take(&mut self.options.embeddings);
        if !views.is_empty() {
            let size = state.linked_size((state.surface_config.width / 2) as f32);
            state.linked = Some(Linked::new(&state.gpu, &state.renderer, &state.full_graph, views, size)?);
        }
        state.show_feature_maps()?;
        state.update_selection()?;
        state.window.request_redraw();
        Ok(state)
    }

    fn fail(&mut self, event_loop: &ActiveEventLoop, error: AppError) {
        self.error = Some(error);
        event_loop.exit();
    }
}

/// Lays `graph` out (the coarse force levels, or the whole layered layout) and uploads
/// what drawing and K-hop queries need. A force layout refines `carried` positions
/// instead, when given (an incremental re-layout after collapsing or expanding groups).
#[allow(clippy::too_many_arguments)]
fn show(
    gpu: &Gpu,
    renderer: &Renderer,
    force_layout: &ForceLayout,
    khop: &KHop,
    graph: &Graph,
    config: &LayoutConfig,
    direction: Direction,
    color_by: &ColorBy,
    size_by: &SizeBy,
    edge_coloring: EdgeColoring,
    given: Option<&[[f32; 4]]>,
    carried: Option<Vec<[f32; 4]>>,
) -> Result<Shown, GpuError> {
    // Positions the caller drew (an attention view) serve while they fit the graph shown.
    let given = given.filter(|p| p.len() == graph.node_count() as usize && config.dim == Dim::Two);
    let (force, buffer, positions) = match config.kind {
        _ if given.is_some() => {
            let positions = given.expect("checked").to_vec();
            let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::empty())?;
            (None, buffer, positions)
        }
        LayoutKind::Layered => {
            let sweeps = gpu.is_hardware().then_some(gpu);
            let positions = layered(graph, config.dim, config.flow, carried.as_deref(), sweeps)?.positions;
            let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::empty())?;
            (None, buffer, positions)
        }
        LayoutKind::Force | LayoutKind::Auto => {
            // The coarse levels take a fraction of the time: they run before the graph
            // shows, and the finest level converges on screen.
            let run = match carried {
                Some(start) => refine_force(gpu, force_layout, graph, start, config)?,
                None => {
                    let levels = multilevel::hierarchy(graph, config.seed);
                    start_force(gpu, force_layout, &levels, config, &mut |_, _| {})?.run
                }
            };
            let positions = run.read_positions(gpu)?;
            let buffer = run.positions().clone();
            (Some(run), buffer, positions)
        }
    };
    let mut bounds = Bounds::of(&positions);
    let three_d = config.dim == Dim::Three;
    let mut style =
        Style { edge_coloring, ..Style::for_layout(graph.node_count(), graph.edge_count(), &bounds, three_d) };
    if force.is_none() {
        (style, bounds) = style.settled(graph, &positions, &bounds); // a force layout: once it settles
    }
    let scene = renderer.scene(gpu, graph, &buffer, style)?;
    if *color_by != ColorBy::Class {
        scene.set_colors(&gpu.queue, &color_by.colors(graph));
    }
    if *size_by != SizeBy::Uniform {
        scene.set_sizes(&gpu.queue, &size_by.sizes(graph));
    }
    let neighbourhoods = Neighbourhoods::new(gpu, khop, graph, direction, scene.hops().clone())?;
    Ok(Shown {
        force,
        scene,
        neighbourhoods,
        bounds,
        positions,
        positions_read: Instant::now(),
        positions_buffer: buffer,
        paths_fresh: false,
        paths: None,
    })
}

/// Groups shown as single nodes, and the graph that makes.
struct Collapsed {
    /// The collapsed groups, as ids of the full graph's groups.
    groups: BTreeSet<GroupId>,
    /// The depth of the slider, when the groups are all those at one depth.
    depth: Option<usize>,
    graph: Graph,
    /// The node of `graph` each node of the full graph belongs to.
    node_of: Vec<u32>,
    /// The full graph's group each collapsed node stands for.
    group_of_node: HashMap<u32, GroupId>,
}

impl Collapsed {
    fn new(full: &Graph, groups: BTreeSet<GroupId>, depth: Option<usize>) -> Collapsed {
        let (graph, node_of) = full.collapse_groups(&groups);
        let mut group_of_node = HashMap::new();
        for (v, &node) in node_of.iter().enumerate() {
            let chain =
                std::iter::successors(full.groups.group_of(v as u32), |&g| full.groups.groups[g as usize].parent);
            if let Some(outermost) = chain.filter(|g| groups.contains(g)).last() {
                group_of_node.insert(node, outermost);
            }
        }
        Collapsed { groups, depth, graph, node_of, group_of_node }
    }
}

/// The shown node each node of `full` belongs to.
fn shown_of(full: &Graph, collapsed: &Option<Collapsed>) -> Vec<u32> {
    collapsed.as_ref().map_or_else(|| (0..full.node_count()).collect(), |c| c.node_of.clone())
}

/// The graph on screen: the collapsed one while groups are collapsed. (A free function,
/// so callers can borrow other fields of the state beside it.)
fn visible<'a>(full: &'a Graph, collapsed: &'a Option<Collapsed>) -> &'a Graph {
    collapsed.as_ref().map_or(full, |c| &c.graph)
}

/// Levels of the group hierarchy: 0 without groups.
fn hierarchy_depth(graph: &Graph) -> usize {
    (0..graph.groups.len() as GroupId).map(|g| graph.groups.depth(g) + 1).max().unwrap_or(0)
}

impl State {
    fn viewport(&self) -> Vec2 {
        Vec2::new(self.surface_config.width as f32, self.surface_config.height as f32)
    }

    fn size(&self) -> (u32, u32) {
        (self.surface_config.width, self.surface_config.height)
    }

    /// The node or edge under window pixel `at`, in whichever view it lies.
    fn pick(&self, at: Vec2) -> Result<Option<Hit>, GpuError> {
        if let (Some(local), Some(linked)) = (self.in_linked(at), &self.linked) {
            return linked.pick(&self.gpu, &self.renderer, local);
        }
        self.shown.scene.set_view(&self.gpu.queue, &self.camera, self.picker.size());
        self.picker.pick(&self.gpu, &self.renderer, &self.shown.scene, at.x as u32, at.y as u32)
    }

    /// Where the embedding's view begins, when there is one: halfway across the area right
    /// of the panel.
    fn split(&self) -> Option<f32> {
        self.linked.is_some().then(|| {
            let width = self.surface_config.width as f32;
            (self.panel_width + (width - self.panel_width) * 0.5).round()
        })
    }

    /// The embedding view's size for a split at `split`.
    fn linked_size(&self, split: f32) -> (u32, u32) {
        ((self.surface_config.width as f32 - split).max(1.0) as u32, self.surface_config.height)
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
        let mut camera = Camera::fit(&self.shown.bounds, self.three_d(), free);
        // Fitted around the window's centre; moved to the centre of the free area.
        camera.pan(Vec2::new((self.panel_width + right - viewport.x) * 0.5, 0.0), viewport);
        camera
    }

    fn graph(&self) -> &Graph {
        visible(&self.full_graph, &self.collapsed)
    }

    fn three_d(&self) -> bool {
        self.config.dim == Dim::Three
    }

    fn resize(&mut self, size: PhysicalSize<u32>) {
        if size.width == 0 || size.height == 0 {
            return; // minimised: keep the old configuration until it comes back
        }
        self.surface_config.width = size.width;
        self.surface_config.height = size.height;
        self.surface.configure(&self.gpu.device, &self.surface_config);
        self.depth = depth_view(&self.gpu.device, (size.width, size.height));
        self.picker = Picker::new(&self.gpu, (size.width, size.height));
        self.resize_linked(false);
        self.window.request_redraw();
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

    fn layout_running(&self) -> bool {
        self.shown.force.as_ref().is_some_and(|run| !run.is_done())
    }

    fn animating(&self) -> bool {
        (!self.paused && self.layout_running())
            || self.shown.scene.bundle_mix != self.bundle_target()
            || self.controls.dragging()
            || self.transition.is_some()
            || (self.fly && self.controls.fly_motion() != Vec3::ZERO)
            || self.training.as_ref().is_some_and(|t| t.playing)
            || self.glide.is_some()
    }

    /// Where the edges' morph heads: bundled (1) when asked for and the nodes stand still
    /// (the layout has settled or is paused).
    fn bundle_target(&self) -> f32 {
        if self.bundled && (self.paused || !self.layout_running()) && self.glide.is_none() { 1.0 } else { 0.0 }
    }

    fn toggle_bundle(&mut self) {
        self.bundled = !self.bundled;
        if self.bundled && !self.paused && self.layout_running() {
            self.message = "edges bundle when the layout settles (Space pauses it)".into();
        }
    }

    /// Bundles the edges once the layout has settled (if asked), and moves the morph
    /// between straight and bundled edges one frame on.
    fn step_bundle(&mut self, dt: f32) -> Result<(), GpuError> {
        let target = self.bundle_target();
        if target > 0.0 && !self.shown.paths_fresh {
            let started = Instant::now();
            let graph = visible(&self.full_graph, &self.collapsed);
            let shown = &mut self.shown;
            if let Some(run) = shown.force.as_ref().filter(|run| !run.is_done()) {
                shown.positions = run.read_positions(&self.gpu)?; // paused: as they stand
            }
            let paths = bundle::bundle(
                &self.gpu,
                graph,
                &shown.positions,
                &shown.positions_buffer,
                self.config.dim == Dim::Three,
                &self.bundle,
                |_, _| {},
            )?;
            self.renderer.set_paths(&self.gpu, &mut shown.scene, &paths);
            shown.paths = Some(paths);
            shown.paths_fresh = true;
            shown.scene.bundle_mix = 0.0;
            let method = self.bundle.method.name();
            self.message = format!("{method} bundling: {:.2} s", started.elapsed().as_secs_f64());
        }
        let mix = &mut self.shown.scene.bundle_mix;
        let step = dt / BUNDLE_MORPH.as_secs_f32();
        *mix = if target > *mix { (*mix + step).min(target) } else { (*mix - step).max(target) };
        Ok(())
    }

    /// Lays the shown graph out again (new graph, or new dimension) and keeps the view; a
    /// force layout refines `carried` positions when given.
    fn reshow(&mut self, carried: Option<Vec<[f32; 4]>>) -> Result<(), GpuError> {
        let graph = visible(&self.full_graph, &self.collapsed);
        // A layered layout is computed at once: the nodes glide to it from where they were.
        let from = carried.clone().filter(|_| self.config.kind == LayoutKind::Layered && self.given.is_none());
        self.shown = show(
            &self.gpu,
            &self.renderer,
            &self.force_layout,
            &self.khop,
            graph,
            &self.config,
            self.direction,
            &self.color_by,
            &self.size_by,
            self.shown.scene.style.edge_coloring,
            self.given.as_deref(),
            carried,
        )?;
        self.panel.reset(graph);
        self.panel.positions_changed(graph, &self.shown.positions);
        if let Some(training) = &mut self.training {
            training.stale = true; // a new scene holds the graph's own weights
        }
        self.show_feature_maps()?;
        self.glide = from.map(|from| Glide { from, started: Instant::now(), frame: Vec::new() });
        self.follow_layout = true;
        self.camera = self.fitted();
        self.hover = None;
        self.update_selection()
    }

    /// Shows `collapsed` (or the full graph): the rest of the graph stays where it was, a
    /// collapsed group where its nodes were, an expanded group's nodes where it was, and a
    /// force layout refines from there.
    fn set_collapsed(&mut self, collapsed: Option<Collapsed>) -> Result<(), GpuError> {
        let old_of = shown_of(&self.full_graph, &self.collapsed);
        self.collapsed = collapsed;
        let new_of = shown_of(&self.full_graph, &self.collapsed);
        let count = visible(&self.full_graph, &self.collapsed).node_count();
        let carried =
            carry_positions(&self.shown.positions, &old_of, &new_of, count, self.config.dim, self.config.seed);
        self.selection.clear();
        self.reshow(Some(carried))
    }

    /// Runs the K-hop query for the selection and highlights it (or clears the highlight).
    fn update_selection(&mut self) -> Result<(), GpuError> {
        let n = self.graph().node_count();
        self.selection.retain(|&v| v < n);
        if let Some(capture) = &mut self.capture
            && self.collapsed.is_none()
        {
            let graph = &self.full_graph;
            let ids: Vec<String> = self
                .selection
                .iter()
                .map(|&v| match graph.nodes.labels.as_ref().and_then(|l| l.get(v as usize)).filter(|s| !s.is_empty()) {
                    Some(name) if !graph.ids_are_indices => name.to_owned(),
                    _ => v.to_string(),
                })
                .collect();
            capture.writer.select(capture.started.elapsed().as_secs_f32(), &ids, self.hops);
        }
        if self.selection.is_empty() {
            self.shown.scene.highlight = None;
            self.reached.clear();
        } else {
            self.shown.neighbourhoods.select(&self.gpu, &self.khop, &self.selection, self.hops)?;
            self.reached = self.shown.neighbourhoods.read_counts(&self.gpu)?;
            self.shown.scene.highlight = Some(self.hops);
        }
        if let Some(linked) = &mut self.linked {
            linked.mirror(&self.gpu, &self.shown.scene);
        }
        Ok(())
    }

    /// Starts a smooth camera move to the selection.
    fn fly_to_selection(&mut self) {
        let positions = &self.shown.positions;
        let points: Vec<Vec3> = self
            .selection
            .iter()
            .filter_map(|&v| positions.get(v as usize))
            .map(|p| Vec3::from_slice(&p[..3]))
            .collect();
        let min_radius = self.shown.scene.style.node_radius * 12.0;
        let Some(to) = self.camera.frame(&points, min_radius, self.viewport()) else {
            return;
        };
        self.transition = Some((self.camera, to, Instant::now()));
        self.follow_layout = false;
    }

    /// R: starts writing the camera path (a keyframe every [`CAPTURE_INTERVAL`]) and the
    /// selections into a tour, or stops and saves it in the current folder.
    fn toggle_capture(&mut self) {
        let viewport = self.viewport();
        match self.capture.take() {
            None => {
                let mut writer =
                    TourWriter::new("recorded in netlens view: netlens record GRAPH --tour THIS_FILE -o tour.mp4");
                writer.key(0.0, &self.camera, viewport);
                let now = Instant::now();
                self.capture = Some(Capture { writer, started: now, last_key: now, last_camera: self.camera });
                self.message = "recording the camera into a tour (R stops)".into();
            }
            Some(mut capture) => {
                capture.writer.key(capture.started.elapsed().as_secs_f32(), &self.camera, viewport);
                let path = fresh_path("netlens-recording", "toml");
                self.message = match std::fs::write(&path, capture.writer.text()) {
                    Ok(()) => format!("saved {}: render it with netlens record --tour", path.display()),
                    Err(e) => format!("cannot write {}: {e}", path.display()),
                };
            }
        }
    }

    /// K: appends the camera as a keyframe, 3 s after the last, to this session's tour file.
    fn add_keyframe(&mut self) {
        let viewport = self.viewport();
        let (path, writer) = self.keyframes.get_or_insert_with(|| {
            (fresh_path("netlens-tour", "toml"), TourWriter::new("keyframes added in netlens view with K"))
        });
        writer.key(3.0 * writer.keys() as f32, &self.camera, viewport);
        self.message = match std::fs::write(&*path, writer.text()) {
            Ok(()) => format!("keyframe {} added to {}", writer.keys(), path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
    }

    /// Saves what the window shows (without the panel) as a PNG in the current folder.
    fn screenshot(&mut self) -> Result<(), GpuError> {
        let size = self.size();
        let target = OffscreenTarget::new(&self.gpu, size)?;
        let rgba = target.render(&self.gpu, &self.renderer, &self.shown.scene, &self.camera)?;
        let path = fresh_path("netlens-screenshot", "png");
        self.message = match write_png(&path, size, &rgba) {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
        Ok(())
    }

    /// The path of the collapsed group the first selected node stands for, if it does.
    fn expandable(&self) -> Option<String> {
        let collapsed = self.collapsed.as_ref()?;
        let group = collapsed.group_of_node.get(self.selection.first()?)?;
        Some(self.full_graph.groups.path(*group).join("/"))
    }

    /// Writes what the graph's view shows (2D) as `netlens-screenshot.svg`, never
    /// overwriting.
    fn screenshot_svg(&mut self) -> Result<(), GpuError> {
        let graph = visible(&self.full_graph, &self.collapsed);
        let shown = &self.shown;
        let colors = self.color_by.colors(graph);
        let sizes = self.size_by.sizes(graph);
        let paths = match &shown.paths {
            Some(paths) if shown.scene.bundle_mix >= 0.5 => Some(paths.read(&self.gpu)?),
            _ => None,
        };
        let hops = match shown.scene.highlight {
            Some(k) => {
                let bytes = crate::gpu::read_buffer(&self.gpu, shown.scene.hops(), graph.node_count() as u64 * 4)?;
                Some((bytemuck::cast_slice::<u8, u32>(&bytes).to_vec(), k))
            }
            None => None,
        };
        let scene = svg::SvgScene {
            graph,
            positions: &shown.positions,
            colors: &colors,
            sizes: &sizes,
            style: shown.scene.style,
            paths: paths.as_deref(),
            highlight: hops.as_ref().map(|(h, k)| (h.as_slice(), *k)),
        };
        let path = fresh_path("netlens-screenshot", "svg");
        self.message = match svg::write(&path, &scene, &self.camera, self.size()) {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
        Ok(())
    }

    fn select(&mut self, nodes: Vec<u32>, add: bool) -> Result<(), GpuError> {
        if !add {
            self.selection.clear();
        }
        for v in nodes {
            if !self.selection.contains(&v) {
                self.selection.push(v);
            }
        }
        self.update_selection()
    }

    fn apply(&mut self, action: Action) -> Result<(), GpuError> {
        let viewport = self.viewport();
        match action {
            Action::Pan(_) | Action::Orbit(_) | Action::Zoom { .. }
                if !self.fly && self.pointer.and_then(|p| self.in_linked(p)).is_some() =>
            {
                let local = self.pointer.and_then(|p| self.in_linked(p));
                let zoom_at = match action {
                    Action::Zoom { at, .. } => at.and_then(|a| self.in_linked(a)).or(local),
                    _ => None,
                };
                let linked = self.linked.as_mut().expect("a split has an embedding view");
                let size = linked.size();
                let view = Vec2::new(size.0 as f32, size.1 as f32);
                match action {
                    Action::Pan(delta) | Action::Orbit(delta) => linked.camera.pan(delta, view),
                    Action::Zoom { factor, .. } => linked.camera.zoom(factor, zoom_at.unwrap_or(view * 0.5), view),
                    _ => unreachable!("matched above"),
                }
                self.window.request_redraw();
                return Ok(());
            }
            Action::Pan(delta) => self.camera.pan(delta, viewport),
            Action::Orbit(delta) if self.fly => self.camera.look(delta, viewport),
            Action::Orbit(delta) => self.camera.orbit(delta, viewport),
            Action::Zoom { factor, .. } if self.fly => self.fly_speed = (self.fly_speed * factor).clamp(0.01, 20.0),
            Action::Zoom { factor, at } => self.camera.zoom(factor, at.unwrap_or(viewport * 0.5), viewport),
            Action::Fit => {
                self.follow_layout = true;
                self.transition = None;
                self.camera = self.fitted();
                self.resize_linked(true);
            }
            Action::TogglePause => self.paused = !self.paused,
            Action::Click { at, add } => {
                let hit = self.pick(at)?;
                match hit {
                    Some(Hit::Node(v)) => self.select(vec![v], add)?,
                    Some(Hit::Edge(e)) => {
                        let graph = self.graph();
                        let ends = vec![graph.src[e as usize], graph.dst[e as usize]];
                        self.select(ends, add)?
                    }
                    None if !add => self.select(Vec::new(), false)?,
                    None => {}
                }
            }
            Action::Hover(Some(at)) => {
                self.hover_at = Some(at);
                self.pointer = Some(at);
            }
            Action::Hover(None) => {
                self.hover_at = None;
                self.hover = None;
                self.pointer = None;
            }
            Action::ClearSelection => self.select(Vec::new(), false)?,
            Action::Hops(delta) => {
                self.hops = self.hops.saturating_add_signed(delta).min(SLIDER_MAX_HOPS);
                self.update_selection()?;
            }
            Action::FlyToSelection => self.fly_to_selection(),
            Action::ToggleFly => self.fly = !self.fly,
            Action::ToggleBundle => self.toggle_bundle(),
            Action::Screenshot => self.screenshot()?,
            Action::RecordTour => self.toggle_capture(),
            Action::NextEmbedding => {
                if let Some(linked) = &mut self.linked {
                    linked.next(&self.gpu, &self.renderer, &self.full_graph)?;
                    linked.scene.set_colors(&self.gpu.queue, &self.color_by.colors(&self.full_graph));
                    linked.mirror(&self.gpu, &self.shown.scene);
                }
            }
            Action::AddKeyframe => self.add_keyframe(),
            Action::ToggleTraining => {
                if let Some(training) = &mut self.training {
                    training.toggle();
                }
            }
            Action::Quit => {} // handled by the event loop
        }
        if matches!(action, Action::Pan(_) | Action::Orbit(_) | Action::Zoom { .. }) {
            self.follow_layout = false;
            self.transition = None;
        }
        self.window.request_redraw();
        Ok(())
    }

    fn apply_ui(&mut self, action: UiAction) -> Result<(), GpuError> {
        match action {
            UiAction::Select { nodes, fly } => {
                self.select(nodes, false)?;
                if fly {
                    self.fly_to_selection();
                }
            }
            UiAction::SetHops(k) => {
                self.hops = k;
                self.update_selection()?;
            }
            UiAction::SetDirection(direction) => {
                self.direction = direction;
                let graph = visible(&self.full_graph, &self.collapsed);
                self.shown.neighbourhoods =
                    Neighbourhoods::new(&self.gpu, &self.khop, graph, direction, self.shown.scene.hops().clone())?;
                self.update_selection()?;
            }
            UiAction::ColorBy(color_by) => {
                let colors = color_by.colors(self.graph());
                self.shown.scene.set_colors(&self.gpu.queue, &colors);
                if let Some(linked) = &self.linked {
                    linked.scene.set_colors(&self.gpu.queue, &colors);
                }
                self.color_by = color_by;
            }
            UiAction::SizeBy(size_by) => {
                self.size_by = size_by;
                self.shown.scene.set_sizes(&self.gpu.queue, &self.sizes());
            }
            UiAction::Collapse(_) if self.linked.is_some() => {
                self.message = "groups stay expanded beside an embedding (one row per node)".into();
            }
            UiAction::Collapse(depth) => {
                let collapsed = depth.map(|d| {
                    let at_depth = (0..self.full_graph.groups.len() as GroupId)
                        .filter(|&g| self.full_graph.groups.depth(g) == d)
                        .collect();
                    Collapsed::new(&self.full_graph, at_depth, Some(d))
                });
                self.set_collapsed(collapsed)?;
            }
            UiAction::CollapseGroup(_) | UiAction::ExpandGroup(_) if self.linked.is_some() => {
                self.message = "groups stay expanded beside an embedding (one row per node)".into();
            }
            UiAction::CollapseGroup(path) | UiAction::ExpandGroup(path) => {
                let Ok(group) = self.full_graph.groups.find(&path) else {
                    self.message = format!("no group {path}");
                    return Ok(());
                };
                let mut groups = self.collapsed.as_ref().map(|c| c.groups.clone()).unwrap_or_default();
                if !groups.remove(&group) {
                    groups.insert(group);
                }
                let collapsed = (!groups.is_empty()).then(|| Collapsed::new(&self.full_graph, groups, None));
                self.set_collapsed(collapsed)?;
            }
            UiAction::ToggleDim => {
                self.config.dim = if self.three_d() { Dim::Two } else { Dim::Three };
                self.reshow(None)?;
            }
            UiAction::TogglePause => self.paused = !self.paused,
            UiAction::TrainingAt(at) => {
                if let Some(training) = &mut self.training {
                    (training.at, training.playing, training.stale) = (at.clamp(0.0, 1.0), false, true);
                }
            }
            UiAction::TrainingShow(show) => {
                if let Some(training) = &mut self.training {
                    (training.show, training.stale) = (show, true);
                }
            }
            UiAction::ToggleTraining => self.apply(Action::ToggleTraining)?,
            UiAction::ToggleFly => self.fly = !self.fly,
            UiAction::ToggleBundle => self.toggle_bundle(),
            UiAction::Fit => self.apply(Action::Fit)?,
            UiAction::Screenshot => self.screenshot()?,
            UiAction::ScreenshotSvg => self.screenshot_svg()?,
        }
        self.window.request_redraw();
        Ok(())
    }

    /// Node sizes as the panel says, with the nodes that show a feature map hidden under
    /// it.
    fn sizes(&self) -> Vec<f32> {
        let mut sizes = self.size_by.sizes(self.graph());
        if let Some(maps) = self.feature_maps.as_ref().filter(|_| self.collapsed.is_none()) {
            maps.hide_nodes(&mut sizes);
        }
        sizes
    }

    /// Gives the shown scene its feature maps, at the nodes' positions: on the full graph
    /// only (a collapsed group stands for many channels).
    fn show_feature_maps(&mut self) -> Result<(), GpuError> {
        if let Some(maps) = self.feature_maps.as_ref().filter(|_| self.collapsed.is_none()) {
            self.renderer.set_feature_maps(&self.gpu, &mut self.shown.scene, maps, &self.shown.positions)?;
            self.shown.scene.set_sizes(&self.gpu.queue, &self.sizes());
        }
        Ok(())
    }

    /// Moves gliding nodes to where they are at this moment (smoothstep over [`GLIDE`]).
    fn step_glide(&mut self) {
        let Some(glide) = &mut self.glide else { return };
        let t = (glide.started.elapsed().as_secs_f32() / GLIDE.as_secs_f32()).min(1.0);
        let e = t * t * (3.0 - 2.0 * t);
        let to = &self.shown.positions;
        glide.frame.clear();
        glide.frame.extend(
            glide
                .from
                .iter()
                .zip(to)
                .map(|(a, b)| [a[0] + (b[0] - a[0]) * e, a[1] + (b[1] - a[1]) * e, a[2] + (b[2] - a[2]) * e, b[3]]),
        );
        self.gpu.queue.write_buffer(&self.shown.positions_buffer, 0, bytemuck::cast_slice(&glide.frame));
        if t >= 1.0 {
            self.glide = None;
        }
    }

    /// Plays the training run on by `dt` and gives the scene its edges when they changed:
    /// on the full graph only (a collapsed view shows its own summed weights).
    fn step_training(&mut self, dt: f32) {
        let Some(training) = &mut self.training else { return };
        training.advance(dt);
        if training.stale && self.collapsed.is_none() {
            let name = training.run.at(training.at, training.show, &mut training.edges);
            if training.checkpoint != name {
                training.checkpoint.clear();
                training.checkpoint.push_str(name);
            }
            self.shown.scene.set_edge_weights(&self.gpu.queue, &training.edges);
            training.stale = false;
        }
    }

    /// Advances the layout and the camera by one frame's worth.
    fn step(&mut self, dt: f32) -> Result<(), GpuError> {
        let viewport = self.viewport();
        if !self.paused && self.layout_running() {
            let run = self.shown.force.as_mut().expect("running");
            run.advance(&self.gpu, &self.force_layout, ITERATIONS_PER_FRAME);
            self.shown.bounds = run.read_bounds(&self.gpu)?;
            let (n, e) = (self.graph().node_count(), self.graph().edge_count());
            let edge_coloring = self.shown.scene.style.edge_coloring;
            self.shown.scene.style =
                Style { edge_coloring, ..Style::for_layout(n, e, &self.shown.bounds, self.three_d()) };
            self.shown.paths_fresh = false;
            if self.follow_layout {
                self.camera = self.fitted();
            }
            let done = !self.layout_running();
            if done || self.shown.positions_read.elapsed() >= POSITIONS_REFRESH {
                let run = self.shown.force.as_ref().expect("a force layout");
                self.shown.positions = run.read_positions(&self.gpu)?;
                self.shown.positions_read = Instant::now();
                let graph = visible(&self.full_graph, &self.collapsed);
                self.panel.positions_changed(graph, &self.shown.positions);
                if done {
                    (self.shown.scene.style, self.shown.bounds) =
                        self.shown.scene.style.settled(graph, &self.shown.positions, &self.shown.bounds);
                    if self.follow_layout {
                        self.camera = self.fitted();
                    }
                }
            }
        }
        self.step_glide();
        self.step_bundle(dt)?;
        self.step_training(dt);
        if self.fly {
            let motion = self.controls.fly_motion();
            if motion != Vec3::ZERO {
                let boost = if self.controls.shift() { 4.0 } else { 1.0 };
                self.camera.fly(motion * self.fly_speed * boost * dt, viewport);
                self.follow_layout = false;
            }
        }
        if let Some((from, to, start)) = self.transition {
            let t = (start.elapsed().as_secs_f32() / TRANSITION.as_secs_f32()).min(1.0);
            self.camera = from.lerp(&to, t * t * (3.0 - 2.0 * t));
            if t >= 1.0 {
                self.transition = None;
            }
        }
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
        if dt > 0.0 {
            self.fps = if self.fps == 0.0 { 1.0 / dt } else { self.fps * 0.9 + 0.1 / dt };
        }
        self.step(dt)?;
        if let Some(capture) = &mut self.capture
            && capture.last_key.elapsed() >= CAPTURE_INTERVAL
        {
            let viewport = Vec2::new(self.surface_config.width as f32, self.surface_config.height as f32);
            let t = capture.started.elapsed().as_secs_f32();
            if capture.last_key.elapsed() >= 2 * CAPTURE_INTERVAL {
                // Nothing was drawn for a while: the camera held still until just now.
                capture.writer.key(t - CAPTURE_INTERVAL.as_secs_f32(), &capture.last_camera, viewport);
            }
            capture.writer.key(t, &self.camera, viewport);
            capture.last_key = Instant::now();
            capture.last_camera = self.camera;
        }

        let raw = self.egui.input.take_egui_input(&self.window);
        let graph = visible(&self.full_graph, &self.collapsed);
        let frame_info = ui::Frame {
            graph,
            selection: &self.selection,
            hops: self.hops,
            direction: self.direction,
            reached: &self.reached,
            hover: self.hover,
            fps: self.fps,
            adapter: &self.adapter,
            layout_progress: self.shown.force.as_ref().filter(|run| !run.is_done()).map(ForceRun::progress),
            paused: self.paused,
            fly: self.fly,
            bundled: self.bundled,
            three_d: self.config.dim == Dim::Three,
            collapse: self.collapsed.as_ref().and_then(|c| c.depth),
            collapsed_groups: self.collapsed.as_ref().map_or(0, |c| c.groups.len()),
            expandable: self.expandable(),
            max_depth: self.max_depth,
            color_by: &self.color_by,
            size_by: &self.size_by,
            message: &self.message,
            camera: &self.camera,
            viewport: Vec2::new(self.surface_config.width as f32, self.surface_config.height as f32),
            positions: Some(&self.shown.positions),
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
                shown: self.collapsed.is_none(),
            }),
        };
        let (mut actions, mut panel_width) = (Vec::new(), self.panel_width);
        let panel = &mut self.panel;
        let mut output = self.egui.overlay.ctx.run_ui(raw, |ui| (actions, panel_width) = panel.show(ui, &frame_info));
        if (panel_width - self.panel_width).abs() > 0.5 {
            self.panel_width = panel_width;
            self.resize_linked(true);
            if self.follow_layout && self.transition.is_none() {
                self.camera = self.fitted();
                self.window.request_redraw();
            }
        }
        self.egui.input.handle_platform_output(&self.window, std::mem::take(&mut output.platform_output));
        let repaint = output.viewport_output.get(&egui::ViewportId::ROOT).is_some_and(|v| v.repaint_delay.is_zero());
        for action in actions {
            self.apply_ui(action)?;
        }

        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame) | wgpu::CurrentSurfaceTexture::Suboptimal(frame) => frame,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.gpu.device, &self.surface_config);
                self.window.request_redraw();
                return Ok((false, repaint));
            }
            wgpu::CurrentSurfaceTexture::Timeout => {
                self.window.request_redraw(); // skip this frame, try the next
                return Ok((false, repaint));
            }
            _ => return Ok((false, repaint)), // occluded: try again on the next event
        };
        let view = frame.texture.create_view(&Default::default());
        self.shown.scene.hovered = self.hover.and_then(Hit::node);
        self.shown.scene.hovered_edge = self.hover.and_then(Hit::edge);
        self.shown.scene.set_view(&self.gpu.queue, &self.camera, self.size());
        if let Some(linked) = &mut self.linked {
            linked.scene.hovered = self.hover.and_then(Hit::node);
            linked.scene.set_view(&self.gpu.queue, &linked.camera, linked.size());
        }
        let size = self.size();
        let mut prepared = self.egui.overlay.prepare(&self.gpu, output, size);
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("window.frame") });
        {
            let mut pass = begin_pass(&mut encoder, &view, &self.depth).forget_lifetime();
            match (self.split(), &self.linked) {
                (Some(split), Some(linked)) => {
                    // The graph left of the split, the embedding right of it.
                    let (width, height) = size;
                    let split = (split as u32).min(width - 1);
                    pass.set_scissor_rect(0, 0, split, height);
                    self.renderer.draw(&mut pass, &self.shown.scene);
                    pass.set_viewport(split as f32, 0.0, (width - split) as f32, height as f32, 0.0, 1.0);
                    pass.set_scissor_rect(split, 0, width - split, height);
                    self.renderer.draw(&mut pass, &linked.scene);
                    pass.set_viewport(0.0, 0.0, width as f32, height as f32, 0.0, 1.0);
                    pass.set_scissor_rect(0, 0, width, height);
                }
                _ => self.renderer.draw(&mut pass, &self.shown.scene),
            }
            self.egui.overlay.paint(&mut pass, &prepared);
        }
        self.gpu.queue.submit(prepared.commands.drain(..).chain([encoder.finish()]));
        self.window.pre_present_notify();
        self.gpu.queue.present(frame);
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
                        true => eprintln!("presented frame {}", state.frames),
                        false => eprintln!("frame not presented (surface timeout, occluded or outdated)"),
                    }
                }
                if self.options.exit_after_frames.is_some_and(|n| state.frames >= n) {
                    event_loop.exit();
                } else if repaint || state.animating() {
                    state.window.request_redraw();
                }
            }),
            other => {
                let response = state.egui.input.on_window_event(&state.window, &other);
                if response.repaint {
                    state.window.request_redraw();
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
