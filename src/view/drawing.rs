//! A picture's content on the CPU ([`Drawing`]): where every node lies and how it is
//! drawn (colour, radius, box or disc), the bundled paths, and the K-hop highlight, as the
//! GPU would draw them. SVG and the interchange formats (GraphML, GEXF, DOT, JSON, tables)
//! write it; [`drawing`] makes it in one call.

use std::time::{Duration, Instant};

use super::{GraphView, Look, Phase};
use crate::geom::{Bounds, Dim, Position};
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::layout::{LayoutConfig, Placed, place};
use crate::render::palette::{SizeBy, node_colors};
use crate::render::{Renderer, Style, frame};

/// A laid-out graph as a picture shows it.
pub struct Drawing {
    pub dim: Dim,
    /// `[x, y, z, _]` per node, as the layout placed them.
    pub positions: Vec<Position>,
    /// The frame the picture fits, grown to hold whole boxes.
    pub bounds: Bounds,
    pub style: Style,
    /// Packed RGBA8 per node ([`crate::render::palette::pack`]).
    pub colors: Vec<u32>,
    /// Radius factor per node ([`SizeBy::sizes`]: negative for a collapsed group's box);
    /// times `style.node_radius`, the radius in layout units.
    pub sizes: Vec<f32>,
    /// Bundled paths, [`crate::bundle::POINTS`] `[x, y, z, _]` per edge, source first.
    pub paths: Option<Vec<[f32; 4]>>,
    /// Hops from the selection per node (`u32::MAX`: not reached), and K.
    pub hops: Option<(Vec<u32>, u32)>,
    /// Force-layout iterations run (0 for the layered layout).
    pub iterations: u32,
    pub layout_time: Duration,
    pub bundle_time: Duration,
}

impl Drawing {
    /// A node's radius in layout units.
    pub fn radius(&self, v: u32) -> f32 {
        self.style.node_radius * self.sizes[v as usize].abs()
    }

    /// Whether the highlight leaves `v` out (drawn faded).
    pub fn faded(&self, v: u32) -> bool {
        self.hops.as_ref().is_some_and(|(hops, k)| hops[v as usize] > *k)
    }
}

/// Lays `graph` out as `config` says and draws it as `look` says, on the CPU side:
/// `progress(phase, done, total)` follows the layout, then the bundling.
pub fn drawing(
    gpu: &Gpu,
    graph: &Graph,
    config: &LayoutConfig,
    look: &Look,
    mut progress: impl FnMut(Phase, u64, u64),
) -> Result<Drawing, GpuError> {
    let start = Instant::now();
    let Placed { positions, iterations, .. } =
        place(gpu, graph, config, |done, total| progress(Phase::Layout, done as u64, total as u64))?;
    let layout_time = start.elapsed();
    let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
    let bounds = Bounds::of(&positions);
    let mut view = GraphView::new(gpu, &renderer, graph, positions, bounds, config.dim, look.edge_coloring)?;
    view.settle(graph);
    let start = Instant::now();
    let paths = match &look.bundle {
        Some(bundle) => {
            let paths = view.bundle(gpu, &renderer, graph, bundle, |done, total| {
                progress(Phase::Bundle, done as u64, total as u64)
            })?;
            Some(paths.read(gpu)?)
        }
        None => None,
    };
    let bundle_time = start.elapsed();
    let hops = look.selection.map(|s| (crate::graph::bfs::hops(&graph.csr(s.direction), &s.seeds, s.hops), s.hops));
    let colors = match &look.color_by {
        Some(color_by) => color_by.colors(graph),
        None => node_colors(graph.nodes.classes.as_deref(), graph.node_count()),
    };
    Ok(Drawing {
        dim: config.dim,
        positions: view.positions,
        bounds: view.bounds,
        style: view.scene.style,
        colors,
        sizes: SizeBy::Uniform.sizes(graph),
        paths,
        hops,
        iterations,
        layout_time,
        bundle_time,
    })
}
