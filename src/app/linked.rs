//! The embedding beside the graph (`netlens gnn`): a second view of the same nodes at
//! their projected positions, with its own camera and picker, the graph's colours and
//! the same K-hop highlight. The window splits the area right of the panel in two: the
//! graph on the left, the embedding on the right.

use glam::Vec2;

use super::pick::Picker;
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::render::{Bounds, Camera, Renderer, Scene, Style};

/// An embedding's projection to show beside the graph.
pub struct EmbeddingView {
    /// `[x, y, 0, 0]` per node.
    pub positions: Vec<[f32; 4]>,
    /// What the view shows, e.g. "gcn_hidden.npy (umap)".
    pub name: String,
}

pub struct Linked {
    pub scene: Scene,
    pub camera: Camera,
    pub name: String,
    bounds: Bounds,
    picker: Picker,
}

impl Linked {
    /// The nodes of `graph` (without its edges, which would hide the embedding's
    /// structure) at the view's positions, for a view of `size` pixels.
    pub fn new(
        gpu: &Gpu,
        renderer: &Renderer,
        graph: &Graph,
        view: EmbeddingView,
        size: (u32, u32),
    ) -> Result<Linked, GpuError> {
        let mut points = graph.clone();
        points.src.clear();
        points.dst.clear();
        let buffer = gpu.storage_buffer("Linked::positions", &view.positions, wgpu::BufferUsages::empty())?;
        // The bulk of the points fills the view; a few far ones would shrink it to a speck.
        let bounds = Bounds::of_most(&view.positions, 0.005);
        let style = Style::for_layout(points.node_count(), 0, &bounds, false);
        let scene = renderer.scene(gpu, &points, &buffer, style)?;
        let camera = Camera::fit(&bounds, false, Vec2::new(size.0 as f32, size.1 as f32));
        Ok(Linked { scene, camera, name: view.name, bounds, picker: Picker::new(gpu, size) })
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
            self.camera = Camera::fit(&self.bounds, false, Vec2::new(size.0 as f32, size.1 as f32));
        }
    }

    /// The node drawn at `at`, in this view's pixels.
    pub fn pick(&self, gpu: &Gpu, renderer: &Renderer, at: Vec2) -> Result<Option<u32>, GpuError> {
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
