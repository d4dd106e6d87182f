//! What the window shows, apart from the window itself: the graph as loaded and as
//! collapsed, its layout run and view on the GPU ([`Shown`]), the selection and the
//! neighbourhood it lights, bundling, colours and sizes. Nothing here knows winit; the
//! window's state drives it and draws it.

use std::time::Instant;

use super::collapse::{Collapsed, visible};
use crate::bundle::BundleConfig;
use crate::geom::{Bounds, Dim, Position};
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;
use crate::khop::Selection;
use crate::layout::force::{ForceLayout, ForceRun};
use crate::layout::layered::layered;
use crate::layout::{LayoutConfig, LayoutKind, multilevel, refine_force, start_force};
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{EdgeColoring, Renderer};
use crate::view::{Glide, GraphView};

/// The shown graph: its view on the GPU and, while it converges, its force layout.
/// Rebuilt when the graph or the layout's dimension changes.
pub struct Shown {
    pub force: Option<ForceRun>,
    pub view: GraphView,
    /// When the positions on the CPU were last read from a running layout.
    pub positions_read: Instant,
    /// Whether the view holds bundled paths for the positions as they are.
    pub paths_fresh: bool,
}

/// The window's session: what it shows and what the user chose, kept across frames.
pub struct Session {
    /// The graph as loaded, and the collapsed one while groups are collapsed.
    pub full_graph: Graph,
    pub collapsed: Option<Collapsed>,
    pub max_depth: usize,
    pub config: LayoutConfig,
    pub shown: Shown,
    pub paused: bool,
    /// Positions given instead of a layout ([`super::ViewOptions::positions`]).
    pub given: Option<Vec<Position>>,
    /// How edges bundle, and whether they should be drawn bundled (B).
    pub bundle: BundleConfig,
    pub bundled: bool,
    /// The selected nodes, and the neighbourhood around them that is lit.
    pub selection: Selection,
    /// Nodes the lit neighbourhood reaches at 0, 1, ..., K hops.
    pub reached: Vec<u64>,
    pub color_by: ColorBy,
    pub size_by: SizeBy,
    /// Nodes gliding into a new layered layout, since when.
    pub glide: Option<(Glide, Instant)>,
}

impl Session {
    pub fn graph(&self) -> &Graph {
        visible(&self.full_graph, &self.collapsed)
    }

    pub fn layout_running(&self) -> bool {
        self.shown.force.as_ref().is_some_and(|run| !run.is_done())
    }

    /// Where the edges' morph heads: bundled (1) when asked for and the nodes stand still
    /// (the layout has settled or is paused).
    pub fn bundle_target(&self) -> f32 {
        if self.bundled && (self.paused || !self.layout_running()) && self.glide.is_none() { 1.0 } else { 0.0 }
    }

    /// Makes `nodes` the selection's seeds, or adds them with `add`.
    pub fn set_seeds(&mut self, nodes: Vec<u32>, add: bool) {
        let seeds = &mut self.selection.seeds;
        if !add {
            seeds.clear();
        }
        for v in nodes {
            if !seeds.contains(&v) {
                seeds.push(v);
            }
        }
    }

    /// The path of the collapsed group the first selected node stands for, if it does.
    pub fn expandable(&self) -> Option<String> {
        let collapsed = self.collapsed.as_ref()?;
        let group = collapsed.group_of_node.get(self.selection.seeds.first()?)?;
        Some(self.full_graph.groups.path(*group).join("/"))
    }
}

/// Lays `graph` out as `config` says (from `carried` positions when given; a force layout
/// keeps converging on screen) and makes its view, coloured and sized as the panel says.
/// Positions the caller drew (`given`, an attention view) serve while they fit the graph.
#[allow(clippy::too_many_arguments)]
pub fn show(
    gpu: &Gpu,
    renderer: &Renderer,
    graph: &Graph,
    config: &LayoutConfig,
    color_by: &ColorBy,
    size_by: &SizeBy,
    edge_coloring: EdgeColoring,
    given: Option<&[[f32; 4]]>,
    carried: Option<Vec<[f32; 4]>>,
) -> Result<Shown, GpuError> {
    let given = given.filter(|p| p.len() == graph.node_count() as usize && config.dim == Dim::Two);
    let (force, positions) = match config.kind {
        _ if given.is_some() => (None, given.expect("checked").to_vec()),
        LayoutKind::Layered => {
            let sweeps = gpu.is_hardware().then_some(gpu);
            (None, layered(graph, config.dim, config.flow, carried.as_deref(), sweeps)?.positions)
        }
        LayoutKind::Force | LayoutKind::Auto => {
            // The coarse levels take a fraction of the time: they run before the graph
            // shows, and the finest level converges on screen.
            let force_layout = gpu.kernel::<ForceLayout>();
            let run = match carried {
                Some(start) => refine_force(gpu, &force_layout, graph, start, config)?,
                None => {
                    let levels = multilevel::hierarchy(graph, config.seed);
                    start_force(gpu, &force_layout, &levels, config, &mut |_, _| {})?.run
                }
            };
            let positions = run.read_positions(gpu)?;
            (Some(run), positions)
        }
    };
    let bounds = Bounds::of(&positions);
    let view = match &force {
        Some(run) => {
            let buffer = run.positions().clone();
            let mut view =
                GraphView::on_buffer(gpu, renderer, graph, positions, buffer, bounds, config.dim, edge_coloring)?;
            view.share_adjacency(run.adjacency.clone());
            view
        }
        None => {
            let mut view = GraphView::new(gpu, renderer, graph, positions, bounds, config.dim, edge_coloring)?;
            view.settle(graph); // a force layout: once it settles
            view
        }
    };
    if *color_by != ColorBy::Class {
        view.scene.set_colors(&gpu.queue, &color_by.colors(graph));
    }
    if *size_by != SizeBy::Uniform {
        view.scene.set_sizes(&gpu.queue, &size_by.sizes(graph));
    }
    Ok(Shown { force, view, positions_read: Instant::now(), paths_fresh: false })
}
