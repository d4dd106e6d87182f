//! Collapsing and expanding groups in the window: the collapsed graph, the fresh layout
//! it gets, and the glide of the nodes from where they were to where they go.

use super::*;
use crate::graph::Coarsened;

/// Groups shown as single nodes, and the graph that makes.
pub(super) struct Collapsed {
    /// The collapsed groups, as ids of the full graph's groups.
    pub(super) groups: BTreeSet<GroupId>,
    /// The depth of the slider, when the groups are all those at one depth.
    pub(super) depth: Option<usize>,
    pub(super) graph: Graph,
    /// The node of `graph` each node of the full graph belongs to.
    pub(super) node_of: Vec<u32>,
    /// The full graph's group each collapsed node stands for.
    pub(super) group_of_node: HashMap<u32, GroupId>,
}

impl Collapsed {
    pub(super) fn new(full: &Graph, groups: BTreeSet<GroupId>, depth: Option<usize>) -> Collapsed {
        let Coarsened { graph, node_of } = full.collapse_groups(&groups);
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
pub(super) fn shown_of(full: &Graph, collapsed: &Option<Collapsed>) -> Vec<u32> {
    collapsed.as_ref().map_or_else(|| (0..full.node_count()).collect(), |c| c.node_of.clone())
}

/// The graph on screen: the collapsed one while groups are collapsed. (A free function,
/// so callers can borrow other fields of the state beside it.)
pub(super) fn visible<'a>(full: &'a Graph, collapsed: &'a Option<Collapsed>) -> &'a Graph {
    collapsed.as_ref().map_or(full, |c| &c.graph)
}

/// Levels of the group hierarchy: 0 without groups.
pub(super) fn hierarchy_depth(graph: &Graph) -> usize {
    (0..graph.groups.len() as GroupId).map(|g| graph.groups.depth(g) + 1).max().unwrap_or(0)
}

impl State {
    /// Lays the shown graph out again (new graph, or new dimension) and keeps the view; a
    /// force layout refines `carried` positions when given.
    pub(super) fn reshow(&mut self, carried: Option<Vec<[f32; 4]>>) -> Result<(), GpuError> {
        let graph = visible(&self.session.full_graph, &self.session.collapsed);
        // A layered layout is computed at once: the nodes glide to it from where they were.
        let from =
            carried.clone().filter(|_| self.session.config.kind == LayoutKind::Layered && self.session.given.is_none());
        let detail = self.session.shown.view.scene.style.edge_detail;
        self.session.shown = show(
            &self.gpu,
            &self.renderer,
            graph,
            &self.session.config,
            &self.session.color_by,
            &self.session.size_by,
            self.session.shown.view.scene.style.edge_coloring,
            self.session.given.as_deref(),
            carried,
        )?;
        self.session.shown.view.scene.style.edge_detail = detail;
        self.panel.reset(graph);
        if let Some(training) = &mut self.training {
            training.stale = true; // a new scene holds the graph's own weights
        }
        self.show_feature_maps()?;
        self.session.glide =
            from.map(|from| (Glide::new(from, self.session.shown.view.positions.clone()), Instant::now()));
        self.rig.fit(self.fitted());
        self.hover = None;
        self.update_selection()
    }

    /// Shows `collapsed` (or the full graph): the rest of the graph stays where it was, a
    /// collapsed group where its nodes were, an expanded group's nodes where it was, and a
    /// force layout refines from there.
    pub(super) fn set_collapsed(&mut self, collapsed: Option<Collapsed>) -> Result<(), GpuError> {
        let old_of = shown_of(&self.session.full_graph, &self.session.collapsed);
        self.session.collapsed = collapsed;
        let new_of = shown_of(&self.session.full_graph, &self.session.collapsed);
        let count = visible(&self.session.full_graph, &self.session.collapsed).node_count();
        let carried = carry_positions(
            &self.session.shown.view.positions,
            &old_of,
            &new_of,
            count,
            self.session.config.dim,
            self.session.config.seed,
        );
        self.session.selection.seeds.clear();
        self.reshow(Some(carried))
    }

    /// Moves gliding nodes to where they are at this moment (smoothstep over [`GLIDE`]).
    pub(super) fn step_glide(&mut self) {
        let Some((glide, started)) = &mut self.session.glide else { return };
        let t = started.elapsed().as_secs_f32() / GLIDE.as_secs_f32();
        glide.write(&self.gpu, &self.session.shown.view.buffer, t);
        if t >= 1.0 {
            self.session.glide = None;
        }
    }
}
