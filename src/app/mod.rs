//! The interactive window: winit's event loop around the same layout and renderer that
//! `netlens render` uses.
//!
//! The force layout advances a few iterations every frame, so the graph visibly
//! converges; until the user moves the camera it follows the layout's bounding box. A
//! layered layout is computed once before the window opens. The window redraws
//! continuously only while something changes (layout running, drag), and otherwise waits
//! for input.

mod controls;

use std::sync::Arc;

use glam::Vec2;
use thiserror::Error;
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use crate::gpu::{Gpu, GpuError, backends_from_env};
use crate::graph::Graph;
use crate::layout::force::{ForceLayout, ForceRun};
use crate::layout::layered::layered;
use crate::layout::{Dim, LayoutConfig, LayoutKind, multilevel, start_force};
use crate::render::{Bounds, Camera, Renderer, Scene, Style, begin_pass, depth_view};
use controls::{Action, Controls};

/// Iterations of the layout run per frame: enough to converge in seconds, few enough
/// to keep the window responsive on a software adapter.
const ITERATIONS_PER_FRAME: u32 = 4;

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
    /// Close after this many presented frames.
    pub exit_after_frames: Option<u32>,
    /// Print "presented frame N" to stderr for each frame.
    pub report_frames: bool,
}

/// Opens the window and runs until it is closed.
pub fn run(graph: Graph, config: LayoutConfig, options: ViewOptions) -> Result<(), AppError> {
    let event_loop = EventLoop::new()?;
    let mut app = App { graph, config, options, state: None, error: None };
    event_loop.run_app(&mut app)?;
    match app.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

struct App {
    graph: Graph,
    config: LayoutConfig,
    options: ViewOptions,
    state: Option<State>,
    error: Option<AppError>,
}

/// Everything that exists while the window is open.
struct State {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    surface_config: wgpu::SurfaceConfiguration,
    depth: wgpu::TextureView,
    gpu: Gpu,
    /// The running force layout; `None` for a layered layout, placed once.
    force: Option<(ForceLayout, ForceRun)>,
    /// The layout's current bounds.
    bounds: Bounds,
    renderer: Renderer,
    scene: Scene,
    camera: Camera,
    /// Nodes and edges, for the style as the layout changes scale.
    graph_size: (u32, usize),
    /// The camera follows the layout until the user moves it.
    follow_layout: bool,
    paused: bool,
    controls: Controls,
    frames: u32,
}

impl App {
    fn open(&self, event_loop: &ActiveEventLoop) -> Result<State, AppError> {
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

        let (force, positions, bounds) = match self.config.kind {
            LayoutKind::Layered => {
                let positions = layered(&self.graph, self.config.dim).positions;
                let buffer = gpu.storage_buffer("netlens.positions", &positions, wgpu::BufferUsages::empty())?;
                (None, buffer, Bounds::of(&positions))
            }
            LayoutKind::Force | LayoutKind::Auto => {
                // The coarse levels take a fraction of the time: they run before the window
                // shows, and the finest level converges on screen.
                let layout = ForceLayout::new(&gpu.device);
                let levels = multilevel::hierarchy(&self.graph);
                let run = start_force(&gpu, &layout, &levels, &self.config, &mut |_, _| {})?.run;
                let buffer = run.positions().clone();
                let bounds = Bounds::of(&run.read_positions(&gpu)?);
                (Some((layout, run)), buffer, bounds)
            }
        };
        let three_d = self.config.dim == Dim::Three;
        let renderer = Renderer::new(&gpu.device, format);
        let style = Style::for_layout(self.graph.node_count(), self.graph.edge_count(), &bounds, three_d);
        let scene = renderer.scene(&gpu, &self.graph, &positions, style)?;
        let viewport = Vec2::new(surface_config.width as f32, surface_config.height as f32);
        let camera = Camera::fit(&bounds, three_d, viewport);
        window.request_redraw();
        Ok(State {
            depth: depth_view(&gpu.device, (surface_config.width, surface_config.height)),
            window,
            surface,
            surface_config,
            gpu,
            force,
            bounds,
            renderer,
            scene,
            camera,
            graph_size: (self.graph.node_count(), self.graph.edge_count()),
            follow_layout: true,
            paused: false,
            controls: Controls::default(),
            frames: 0,
        })
    }

    fn fail(&mut self, event_loop: &ActiveEventLoop, error: AppError) {
        self.error = Some(error);
        event_loop.exit();
    }
}

impl State {
    fn viewport(&self) -> Vec2 {
        Vec2::new(self.surface_config.width as f32, self.surface_config.height as f32)
    }

    fn resize(&mut self, size: PhysicalSize<u32>) {
        if size.width == 0 || size.height == 0 {
            return; // minimised: keep the old configuration until it comes back
        }
        self.surface_config.width = size.width;
        self.surface_config.height = size.height;
        self.surface.configure(&self.gpu.device, &self.surface_config);
        self.depth = depth_view(&self.gpu.device, (size.width, size.height));
        self.window.request_redraw();
    }

    fn animating(&self) -> bool {
        (!self.paused && self.force.as_ref().is_some_and(|(_, run)| !run.is_done())) || self.controls.dragging()
    }

    /// Advances the layout, draws and presents one frame. Returns whether one was shown.
    fn redraw(&mut self) -> Result<bool, GpuError> {
        if let Some((layout, run)) = self.force.as_mut().filter(|(_, run)| !self.paused && !run.is_done()) {
            run.advance(&self.gpu, layout, ITERATIONS_PER_FRAME);
            self.bounds = run.read_bounds(&self.gpu)?;
            let three_d = self.scene.style.shaded;
            self.scene.style = Style::for_layout(self.graph_size.0, self.graph_size.1, &self.bounds, three_d);
            if self.follow_layout {
                self.camera = Camera::fit(&self.bounds, three_d, self.viewport());
            }
        }
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame) | wgpu::CurrentSurfaceTexture::Suboptimal(frame) => frame,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.gpu.device, &self.surface_config);
                self.window.request_redraw();
                return Ok(false);
            }
            _ => return Ok(false), // timeout or occluded: try again on the next event
        };
        let view = frame.texture.create_view(&Default::default());
        self.scene.set_view(&self.gpu.queue, &self.camera, (self.surface_config.width, self.surface_config.height));
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("window.frame") });
        {
            let mut pass = begin_pass(&mut encoder, &view, &self.depth);
            self.renderer.draw(&mut pass, &self.scene);
        }
        self.gpu.queue.submit([encoder.finish()]);
        self.window.pre_present_notify();
        self.gpu.queue.present(frame);
        self.frames += 1;
        Ok(true)
    }

    fn apply(&mut self, action: Action) {
        let viewport = self.viewport();
        match action {
            Action::Pan(delta) => self.camera.pan(delta, viewport),
            Action::Orbit(delta) => self.camera.orbit(delta, viewport),
            Action::Zoom { factor, at } => self.camera.zoom(factor, at.unwrap_or(viewport * 0.5), viewport),
            Action::Fit => {
                self.follow_layout = true;
                self.camera = Camera::fit(&self.bounds, self.scene.style.shaded, viewport);
            }
            Action::TogglePause => self.paused = !self.paused,
            Action::Quit => {} // handled by the event loop
        }
        if matches!(action, Action::Pan(_) | Action::Orbit(_) | Action::Zoom { .. }) {
            self.follow_layout = false;
        }
        self.window.request_redraw();
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
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => state.resize(size),
            WindowEvent::RedrawRequested => match state.redraw() {
                Ok(presented) => {
                    if presented && self.options.report_frames {
                        eprintln!("presented frame {}", state.frames);
                    }
                    if self.options.exit_after_frames.is_some_and(|n| state.frames >= n) {
                        event_loop.exit();
                    } else if state.animating() {
                        state.window.request_redraw();
                    }
                }
                Err(error) => self.fail(event_loop, error.into()),
            },
            other => match state.controls.handle(&other) {
                Some(Action::Quit) => event_loop.exit(),
                Some(action) => state.apply(action),
                None => {}
            },
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        event_loop.set_control_flow(ControlFlow::Wait);
    }
}
