//! The embedding beside the graph (`netlens gnn`): a second view of the same nodes at
//! their projected positions, with its own camera and picker, the graph's colours and
//! the same K-hop highlight. The window splits the area right of the panel in two: the
//! graph on the left, the embedding on the right.

use glam::Vec2;

use super::pick::{Hit, Picker};
use crate::embed::metrics::Agreement;
use crate::geom::{Bounds, Dim};
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::render::{Camera, Renderer, Scene, Style};

/// An embedding's projection to show beside the graph.
pub struct EmbeddingView {
    /// `[x, y, 0, 0]` per node.
    pub positions: Vec<[f32; 4]>,
    /// What the view shows, e.g. "gcn_hidden.npy (umap)".
    pub name: String,
    /// How the embedding agrees with the graph, for the panel.
    pub agreement: Option<Agreement>,
}

pub struct Linked {
    pub scene: Scene,
    pub camera: Camera,
    /// The title of the view: which embedding, and how to switch.
    pub name: String,
    bounds: Bounds,
    picker: Picker,
    /// Every embedding given, and which one shows.
    views: Vec<EmbeddingView>,
    current: usize,
}

impl Linked {
    /// The nodes of `graph` (without its edges, which would hide the embedding's
    /// structure) at the first view's positions, for a view of `size` pixels.
    pub fn new(
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        views: Vec<EmbeddingView>,
        size: (u32, u32),
    ) -> Result<Linked, GpuError> {
        let (scene, bounds) = Self::scene(gpu, renderer, graph, &views[0])?;
        let camera = Camera::fit(&bounds, Dim::Two, Vec2::new(size.0 as f32, size.1 as f32));
        let name = Self::title(&views, 0);
        Ok(Linked { scene, camera, name, bounds, picker: Picker::new(gpu, size), views, current: 0 })
    }

    fn scene(gpu: &Gpu, renderer: &Renderer, graph: &Graph, view: &EmbeddingView) -> Result<(Scene, Bounds), GpuError> {
        let points = graph.without_edges();
        let buffer = gpu.storage_buffer("Linked::positions", &view.positions, wgpu::BufferUsages::empty())?;
        let bounds = Bounds::of_bulk(&view.positions);
        let style = Style::for_layout(points.node_count(), &bounds, Dim::Two);
        Ok((renderer.scene(gpu, &points, &buffer, &bounds, style)?, bounds))
    }

    fn title(views: &[EmbeddingView], current: usize) -> String {
        match views.len() {
            1 => views[0].name.clone(),
            n => format!("{} ({} of {n}; N switches)", views[current].name, current + 1),
        }
    }

    /// Shows the next embedding, refitted; the caller sets its colours and highlight.
    pub fn next(&mut self, gpu: &Gpu, renderer: &Renderer, graph: &Graph) -> Result<(), GpuError> {
        self.current = (self.current + 1) % self.views.len();
        let (scene, bounds) = Self::scene(gpu, renderer, graph, &self.views[self.current])?;
        self.scene = scene;
        self.bounds = bounds;
        self.name = Self::title(&self.views, self.current);
        self.resize(gpu, self.picker.size(), true);
        Ok(())
    }

    /// How the embedding on show agrees with the graph.
    pub fn agreement(&self) -> Option<&Agreement> {
        self.views[self.current].agreement.as_ref()
    }

    pub fn size(&self) -> (u32, u32) {
        self.picker.size()
    }

    /// Follows a new view size (the window's, or the split's); `fit` also refits the camera.
    pub fn resize(&mut self, gpu: &Gpu, size: (u32, u32), fit: bool) {
        if size != self.picker.size() {
            self.picker = Picker::new(gpu, size);
        }
        if fit {
            self.camera = Camera::fit(&self.bounds, Dim::Two, Vec2::new(size.0 as f32, size.1 as f32));
        }
    }

    /// The node drawn at `at`, in this view's pixels.
    pub fn pick(&self, gpu: &Gpu, renderer: &Renderer, at: Vec2) -> Result<Option<Hit>, GpuError> {
        if at.x < 0.0 || at.y < 0.0 {
            return Ok(None);
        }
        self.scene.set_view(&gpu.queue, &self.camera, self.picker.size());
        self.picker.pick(gpu, renderer, &self.scene, at.x as u32, at.y as u32)
    }

    /// Shows the graph scene's K-hop highlight: its hops buffer copied, its K taken.
    pub fn mirror(&mut self, gpu: &Gpu, graph_scene: &Scene) {
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("Linked::mirror") });
        encoder.copy_buffer_to_buffer(graph_scene.hops(), 0, self.scene.hops(), 0, graph_scene.hops().size());
        gpu.queue.submit([encoder.finish()]);
        self.scene.highlight = graph_scene.highlight;
    }
}
