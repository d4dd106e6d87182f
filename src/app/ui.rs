//! The window's egui layer: a side panel (statistics, search, selection and K-hop,
//! hierarchy, colours, layout, screenshot), a tooltip for the node under the cursor, and
//! labels on the most important visible nodes and groups, placed so they never overlap.
//! It reads the state it is given and answers with [`UiAction`]s for the window to apply.

use egui::{Color32, FontId, Rect};
use glam::Vec2;

use super::pick::Hit;
use crate::analysis::training::Show;
use crate::embed::metrics::Agreement;
use crate::geom::Dim;
use crate::graph::{Direction, Graph};
use crate::khop::MAX_HOPS;
use crate::render::annotate::{Annotations, LabelsText, LegendMode, Subject, TextOptions};
use crate::render::palette::{ColorBy, SizeBy};
use crate::render::{Camera, EdgeLevel};

/// The most K the slider and keys offer.
pub const SLIDER_MAX_HOPS: u32 = 10;
const _: () = assert!(SLIDER_MAX_HOPS <= MAX_HOPS);
/// Search results listed (all matches can still be selected at once).
const LISTED_MATCHES: usize = 200;
/// Named nodes considered for labels, most connected first.
const LABEL_CANDIDATES: usize = 5000;

/// The window's text: labels, group boxes and legend, as pictures have them.
const WINDOW_TEXT: TextOptions = TextOptions { labels: LabelsText::Auto, legend: LegendMode::Auto, groups: true };

/// What the user asked for through the panel.
#[derive(Debug, Clone, PartialEq)]
pub enum UiAction {
    /// Select these nodes; `fly` moves the camera to them.
    Select {
        nodes: Vec<u32>,
        fly: bool,
    },
    SetHops(u32),
    SetDirection(Direction),
    ColorBy(ColorBy),
    SizeBy(SizeBy),
    /// Show groups this many levels down as single nodes (`None`: everything expanded).
    Collapse(Option<usize>),
    /// Collapse this group (a path, a/b/c) into one node, or expand it again.
    CollapseGroup(String),
    ExpandGroup(String),
    ToggleDim,
    TogglePause,
    /// Move the training run to this point, 0 (first checkpoint) to 1 (last).
    TrainingAt(f32),
    TrainingShow(Show),
    ToggleTraining,
    ToggleFly,
    ToggleBundle,
    Fit,
    Screenshot,
    /// Save the view as an SVG (2D).
    ScreenshotSvg,
}

/// Everything the panel shows that the window owns.
pub struct Frame<'a> {
    pub graph: &'a Graph,
    pub selection: &'a [u32],
    pub hops: u32,
    pub direction: Direction,
    /// Nodes at 0, 1, ..., K hops from the selection.
    pub reached: &'a [u64],
    /// The node or edge under the pointer.
    pub hover: Option<Hit>,
    pub rate: super::frame_rate::Rate,
    pub adapter: &'a str,
    /// How the last frame drew the edges.
    pub edge_level: EdgeLevel,
    /// Iterations done and in all, while a force layout runs.
    pub layout_progress: Option<(u32, u32)>,
    pub paused: bool,
    pub fly: bool,
    /// Whether edges are (to be) drawn bundled.
    pub bundled: bool,
    pub dim: Dim,
    /// The depth at which every group is collapsed, if that is what is collapsed.
    pub collapse: Option<usize>,
    /// How many groups are collapsed (0: everything is expanded).
    pub collapsed_groups: usize,
    /// The path of the collapsed group the first selected node stands for.
    pub expandable: Option<String>,
    pub max_depth: usize,
    pub color_by: &'a ColorBy,
    pub size_by: &'a SizeBy,
    pub message: &'a str,
    /// Camera, viewport in pixels, node positions and radius (layout units), for labels.
    pub camera: &'a Camera,
    pub node_radius: f32,
    pub viewport: Vec2,
    pub positions: Option<&'a [[f32; 4]]>,
    /// The embedding beside the graph, if any.
    pub embedding: Option<EmbeddingPane<'a>>,
    /// The training run played on the edges, if any.
    pub training: Option<TrainingPane<'a>>,
}

/// Where a training run stands, as the panel shows it.
pub struct TrainingPane<'a> {
    /// 0 (first checkpoint) to 1 (last).
    pub at: f32,
    pub checkpoints: usize,
    /// The nearest checkpoint's name.
    pub checkpoint: &'a str,
    pub playing: bool,
    pub show: Show,
    /// Whether the edges show it (not while groups are collapsed).
    pub shown: bool,
}

/// The embedding beside the graph, as the divider and the panel show it.
pub struct EmbeddingPane<'a> {
    /// Where its view begins, in window pixels.
    pub split: f32,
    pub name: &'a str,
    /// How it agrees with the graph.
    pub agreement: Option<&'a Agreement>,
}

/// State the panel keeps between frames.
pub struct Panel {
    search: String,
    matches: Vec<u32>,
    search_error: Option<String>,
    degrees: Degrees,
    labels: Labels,
}

/// In- and out-degree of every node, counted once per graph for tooltips and labels.
struct Degrees {
    incoming: Vec<u32>,
    outgoing: Vec<u32>,
}

impl Degrees {
    fn new(graph: &Graph) -> Degrees {
        let mut d =
            Degrees { incoming: vec![0; graph.node_count() as usize], outgoing: vec![0; graph.node_count() as usize] };
        for (&a, &b) in graph.src.iter().zip(&graph.dst) {
            d.outgoing[a as usize] += 1;
            d.incoming[b as usize] += 1;
        }
        d
    }

    fn total(&self, v: u32) -> u32 {
        self.incoming[v as usize] + self.outgoing[v as usize]
    }
}

impl Panel {
    pub fn new(graph: &Graph) -> Panel {
        let degrees = Degrees::new(graph);
        let labels = Labels::new(graph, &degrees);
        Panel { search: String::new(), matches: Vec::new(), search_error: None, degrees, labels }
    }

    /// The graph changed (collapse, expand): forget what refers to its nodes.
    pub fn reset(&mut self, graph: &Graph) {
        *self = Panel { search: std::mem::take(&mut self.search), ..Panel::new(graph) };
        self.run_search(graph);
    }

    fn run_search(&mut self, graph: &Graph) {
        self.matches.clear();
        self.search_error = None;
        if self.search.is_empty() {
            return;
        }
        match regex::RegexBuilder::new(&self.search).case_insensitive(true).size_limit(1 << 20).build() {
            Ok(re) => self.matches = (0..graph.node_count()).filter(|&v| re.is_match(&graph.node_name(v))).collect(),
            Err(e) => self.search_error = Some(e.to_string().lines().last().unwrap_or("invalid").to_owned()),
        }
    }

    /// Builds this frame's UI in the root `ui` and returns what the user asked for, and
    /// the panel's width in pixels (the graph's view is what lies right of it).
    pub fn show(&mut self, ui: &mut egui::Ui, frame: &Frame<'_>) -> (Vec<UiAction>, f32) {
        let mut actions = Vec::new();
        let ctx = ui.ctx().clone();
        let panel = egui::Panel::left("netlens.panel").default_size(270.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.panel(ui, frame, &mut actions));
        });
        let mut view_area = ui.available_rect_before_wrap();
        if let Some(EmbeddingPane { split, name, .. }) = frame.embedding {
            let x = split / ctx.pixels_per_point();
            let painter = ctx.layer_painter(egui::LayerId::background());
            let stroke = egui::Stroke::new(1.0, Color32::from_gray(90));
            painter.vline(x, view_area.y_range(), stroke);
            let font = egui::FontId::proportional(14.0);
            let color = Color32::from_gray(170);
            painter.text(
                view_area.left_top() + egui::vec2(10.0, 8.0),
                egui::Align2::LEFT_TOP,
                "graph",
                font.clone(),
                color,
            );
            let title = format!("embedding: {name}");
            painter.text(egui::pos2(x + 10.0, view_area.top() + 8.0), egui::Align2::LEFT_TOP, title, font, color);
            view_area.max.x = x;
        }
        self.labels.draw(&ctx, frame, view_area);
        if let (Some(hit), Some(pointer)) = (frame.hover, ctx.pointer_latest_pos()) {
            egui::Area::new(egui::Id::unique("netlens.hover"))
                .fixed_pos(pointer + egui::vec2(14.0, 14.0))
                .order(egui::Order::Tooltip)
                .interactable(false)
                .show(&ctx, |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| match hit {
                        Hit::Node(v) => describe(ui, frame.graph, &self.degrees, v),
                        Hit::Edge(e) => describe_edge(ui, frame.graph, e),
                    });
                });
        }
        (actions, panel.response.rect.width() * ctx.pixels_per_point())
    }

    fn panel(&mut self, ui: &mut egui::Ui, frame: &Frame<'_>, actions: &mut Vec<UiAction>) {
        let graph = frame.graph;
        ui.heading("netlens");
        ui.label(format!("{} nodes, {} edges", graph.node_count(), graph.edge_count()));
        ui.label(format!("{}  ·  {}", frame.rate, frame.adapter));
        if frame.edge_level == EdgeLevel::Density {
            ui.label("edges as a density image: lines when zoomed in, or once the camera stops");
        }
        if let Some((done, total)) = frame.layout_progress {
            ui.label(format!("layout {done}/{total} iterations{}", if frame.paused { " (paused)" } else { "" }));
        }
        if !frame.message.is_empty() {
            ui.label(frame.message);
        }
        if let Some(agreement) = frame.embedding.as_ref().and_then(|e| e.agreement) {
            ui.separator();
            agreement_section(ui, graph, agreement, actions);
        }
        if let Some(training) = &frame.training {
            ui.separator();
            training_section(ui, training, actions);
        }

        ui.separator();
        ui.label("Search names (regular expression)");
        if ui.text_edit_singleline(&mut self.search).changed() {
            self.run_search(graph);
        }
        if let Some(error) = &self.search_error {
            ui.colored_label(Color32::LIGHT_RED, error);
        } else if !self.search.is_empty() {
            ui.horizontal(|ui| {
                ui.label(format!("{} matches", self.matches.len()));
                if !self.matches.is_empty() && ui.button("select all").clicked() {
                    actions.push(UiAction::Select { nodes: self.matches.clone(), fly: true });
                }
            });
            for &v in self.matches.iter().take(LISTED_MATCHES) {
                if ui.selectable_label(frame.selection.contains(&v), graph.node_name(v)).clicked() {
                    actions.push(UiAction::Select { nodes: vec![v], fly: true });
                }
            }
        }

        ui.separator();
        ui.label("Selection: click a node, Shift-click adds");
        let mut hops = frame.hops;
        if ui.add(egui::Slider::new(&mut hops, 0..=SLIDER_MAX_HOPS).text("hops (K)")).changed() {
            actions.push(UiAction::SetHops(hops));
        }
        if graph.directed {
            ui.horizontal(|ui| {
                for (direction, name) in [(Direction::Out, "out"), (Direction::In, "in"), (Direction::Both, "both")] {
                    if ui.selectable_label(frame.direction == direction, name).clicked() {
                        actions.push(UiAction::SetDirection(direction));
                    }
                }
            });
        }
        if !frame.selection.is_empty() {
            let within: u64 = frame.reached.iter().sum();
            ui.label(format!("{} selected, {within} within {} hops", frame.selection.len(), frame.hops));
            let per_hop: Vec<String> = frame.reached.iter().map(u64::to_string).collect();
            ui.label(format!("per hop: {}", per_hop.join(", ")));
            ui.horizontal(|ui| {
                if ui.button("fly to").clicked() {
                    actions.push(UiAction::Select { nodes: frame.selection.to_vec(), fly: true });
                }
                if ui.button("clear").clicked() {
                    actions.push(UiAction::Select { nodes: Vec::new(), fly: false });
                }
            });
            let v = frame.selection[0];
            if let Some(group) = graph.groups.group_of(v) {
                ui.label("groups (click one to select it):");
                ui.horizontal_wrapped(|ui| {
                    let mut chain = vec![group];
                    while let Some(parent) = graph.groups.groups[*chain.last().expect("one") as usize].parent {
                        chain.push(parent);
                    }
                    for &g in chain.iter().rev() {
                        if ui.link(&graph.groups.groups[g as usize].name).clicked() {
                            actions.push(UiAction::Select { nodes: graph.groups.members(g), fly: true });
                        }
                        ui.label("›");
                    }
                });
                let path = graph.groups.path(group).join("/");
                if ui.button(format!("collapse {}", graph.groups.groups[group as usize].name)).clicked() {
                    actions.push(UiAction::CollapseGroup(path));
                }
            }
            if let Some(path) = &frame.expandable
                && ui.button(format!("expand {path}")).clicked()
            {
                actions.push(UiAction::ExpandGroup(path.clone()));
            }
            egui::CollapsingHeader::new("details")
                .default_open(true)
                .show(ui, |ui| describe(ui, graph, &self.degrees, v));
        }

        if frame.max_depth > 0 || frame.collapsed_groups > 0 {
            ui.separator();
            ui.label("Hierarchy");
            let mut expanded = frame.collapsed_groups == 0;
            if frame.collapse.is_none() && frame.collapsed_groups > 0 {
                ui.label(format!("{} groups collapsed (select one's node to expand it)", frame.collapsed_groups));
            }
            let mut depth = frame.collapse.unwrap_or(frame.max_depth.saturating_sub(1));
            ui.horizontal(|ui| {
                if ui.checkbox(&mut expanded, "expand all").changed() {
                    actions.push(UiAction::Collapse(if expanded { None } else { Some(depth) }));
                }
            });
            if !expanded
                && ui
                    .add(egui::Slider::new(&mut depth, 0..=frame.max_depth.saturating_sub(1)).text("collapse at depth"))
                    .changed()
            {
                actions.push(UiAction::Collapse(Some(depth)));
            }
        }

        ui.separator();
        let mut color_by = frame.color_by.clone();
        egui::ComboBox::from_label("colour by").selected_text(color_by.name()).show_ui(ui, |ui| {
            for choice in ColorBy::choices(graph) {
                let name = choice.name();
                ui.selectable_value(&mut color_by, choice, name);
            }
        });
        if &color_by != frame.color_by {
            actions.push(UiAction::ColorBy(color_by));
        }
        let mut size_by = frame.size_by.clone();
        egui::ComboBox::from_label("size by").selected_text(size_by.name()).show_ui(ui, |ui| {
            for choice in SizeBy::choices(graph) {
                let name = choice.name();
                ui.selectable_value(&mut size_by, choice, name);
            }
        });
        if &size_by != frame.size_by {
            actions.push(UiAction::SizeBy(size_by));
        }

        ui.separator();
        ui.horizontal_wrapped(|ui| {
            if frame.layout_progress.is_some() && ui.button(if frame.paused { "resume" } else { "pause" }).clicked() {
                actions.push(UiAction::TogglePause);
            }
            if ui
                .button(if frame.dim == Dim::Three { "2D" } else { "3D" })
                .on_hover_text("lay out again in the other dimension")
                .clicked()
            {
                actions.push(UiAction::ToggleDim);
            }
            if ui.selectable_label(frame.fly, "fly").on_hover_text("V: WASD/QE move, drag looks").clicked() {
                actions.push(UiAction::ToggleFly);
            }
            if ui
                .selectable_label(frame.bundled, "bundle")
                .on_hover_text("B: gather the edges into bundles (once the layout settles)")
                .clicked()
            {
                actions.push(UiAction::ToggleBundle);
            }
            if ui.button("fit").clicked() {
                actions.push(UiAction::Fit);
            }
            if ui.button("screenshot").on_hover_text("P: a PNG in the current folder").clicked() {
                actions.push(UiAction::Screenshot);
            }
            if frame.dim == Dim::Two
                && ui.button("SVG").on_hover_text("the view as vector shapes, in the current folder").clicked()
            {
                actions.push(UiAction::ScreenshotSvg);
            }
        });
    }
}

/// How the embedding agrees with the graph: the mean, a histogram, and the nodes that
/// agree least (click one to select it).
fn agreement_section(ui: &mut egui::Ui, graph: &Graph, agreement: &Agreement, actions: &mut Vec<UiAction>) {
    ui.label(format!(
        "agreement with the graph: {:.3} (its {}-hop neighbours among its {} nearest)",
        agreement.mean, agreement.hops, agreement.k
    ));
    let (rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width().min(240.0), 48.0), egui::Sense::hover());
    let most = agreement.histogram.iter().copied().max().unwrap_or(1).max(1) as f32;
    let bar = rect.width() / agreement.histogram.len() as f32;
    for (i, &count) in agreement.histogram.iter().enumerate() {
        let height = rect.height() * count as f32 / most;
        let x = rect.left() + i as f32 * bar;
        let fill = Color32::from_rgb(90, 150, 220);
        ui.painter().rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(x + 1.0, rect.bottom() - height),
                egui::pos2(x + bar - 1.0, rect.bottom()),
            ),
            1.0,
            fill,
        );
    }
    ui.horizontal(|ui| {
        ui.small("0");
        ui.add_space(rect.width() - 24.0);
        ui.small("1");
    });
    ui.collapsing("agree least", |ui| {
        for &v in &agreement.most_disagreeing {
            let score = agreement.per_node[v as usize].unwrap_or(0.0);
            if ui.selectable_label(false, format!("{}  ({score:.2})", graph.node_name(v))).clicked() {
                actions.push(UiAction::Select { nodes: vec![v], fly: true });
            }
        }
    });
}

/// Name, type, text and numeric columns, degree and group of node `v`.
fn describe(ui: &mut egui::Ui, graph: &Graph, degrees: &Degrees, v: u32) {
    let nodes = &graph.nodes;
    ui.strong(graph.node_name(v));
    if let (Some(classes), Some(names)) = (&nodes.classes, &nodes.class_names)
        && let Some(name) = classes.get(v as usize).and_then(|&c| names.get(c.max(0) as usize).filter(|_| c >= 0))
    {
        ui.label(format!("type: {name}"));
    } else if let Some(&class) = nodes.classes.as_ref().and_then(|c| c.get(v as usize)) {
        ui.label(format!("class: {class}"));
    }
    for column in &nodes.text_columns {
        if let Some(text) = column.values.get(v as usize).filter(|t| !t.is_empty()) {
            ui.label(format!("{}: {text}", column.name));
        }
    }
    for column in &nodes.columns {
        let row = &column.values[v as usize * column.width..(v as usize + 1) * column.width];
        let shown: Vec<String> = row.iter().take(4).map(|x| format!("{x}")).collect();
        let more = if column.width > 4 { format!(", ... ({} values)", column.width) } else { String::new() };
        ui.label(format!("{}: {}{more}", column.name, shown.join(", ")));
    }
    let (inn, out) = (degrees.incoming[v as usize], degrees.outgoing[v as usize]);
    ui.label(if graph.directed { format!("edges: {inn} in, {out} out") } else { format!("degree: {}", inn + out) });
    if let Some(g) = graph.groups.group_of(v) {
        ui.label(format!("in: {}", graph.groups.path(g).join(" › ")));
    }
}

/// An edge's tooltip: its ends, weight and other columns.
fn describe_edge(ui: &mut egui::Ui, graph: &Graph, e: u32) {
    let e = e as usize;
    let arrow = if graph.directed { "->" } else { "-" };
    ui.strong(format!("{} {arrow} {}", graph.node_name(graph.src[e]), graph.node_name(graph.dst[e])));
    if let Some(weight) = graph.weights.as_ref().and_then(|w| w.get(e)) {
        ui.label(format!("weight: {weight}"));
    }
    for column in &graph.edge_columns {
        if let Some(row) = column.values.get(e * column.width..(e + 1) * column.width) {
            let shown: Vec<String> = row.iter().take(4).map(|x| format!("{x}")).collect();
            ui.label(format!("{}: {}", column.name, shown.join(", ")));
        }
    }
    ui.label(format!("edge {e}; a click selects both ends"));
}

/// Labels, group boxes and the legend over the graph's view, placed as in pictures
/// ([`Annotations`]): the selection first, then named nodes by degree (chosen once per
/// graph).
struct Labels {
    /// Named nodes, most connected first.
    candidates: Vec<u32>,
    /// The selection, then the candidates: this frame's order, kept to reuse its memory.
    ranked: Vec<u32>,
    /// Radius of every node in layout units, refilled when the style's radius changes.
    radii: Vec<f32>,
}

impl Labels {
    fn new(graph: &Graph, degrees: &Degrees) -> Labels {
        let mut candidates: Vec<u32> = match &graph.nodes.labels {
            Some(labels) => {
                (0..graph.node_count()).filter(|&v| labels.get(v as usize).is_some_and(|s| !s.is_empty())).collect()
            }
            None => Vec::new(),
        };
        candidates.sort_by_key(|&v| (std::cmp::Reverse(degrees.total(v)), v));
        candidates.truncate(LABEL_CANDIDATES);
        Labels { candidates, ranked: Vec::new(), radii: Vec::new() }
    }

    /// Draws the annotations inside `screen` (points).
    fn draw(&mut self, ctx: &egui::Context, frame: &Frame<'_>, screen: Rect) {
        let Some(positions) = frame.positions else { return };
        let n = frame.graph.node_count() as usize;
        if positions.len() < n {
            return;
        }
        if self.radii.len() != n || self.radii.first() != Some(&frame.node_radius) {
            self.radii = vec![frame.node_radius; n];
        }
        self.ranked.clear();
        self.ranked.extend(frame.selection.iter().take(20));
        self.ranked.extend(&self.candidates);
        let ppp = ctx.pixels_per_point();
        let painter = ctx.layer_painter(egui::LayerId::background()).with_clip_rect(screen);
        let subject = Subject {
            graph: frame.graph,
            positions,
            radii: &self.radii,
            coloring: frame.color_by,
            hops: None,
            straight: !frame.bundled,
            ranked: Some(&self.ranked),
            area: Some(Rect::from_min_max(
                (screen.min.to_vec2() * ppp).to_pos2(),
                (screen.max.to_vec2() * ppp).to_pos2(),
            )),
        };
        // Placed in pixels; egui draws in points.
        let mut measure = |text: &str, px: f32| {
            painter.layout_no_wrap(text.to_owned(), FontId::proportional(px / ppp), Color32::WHITE).size() * ppp
        };
        let annotations = Annotations::build(&subject, frame.camera, frame.viewport, WINDOW_TEXT, &mut measure);
        let annotations = annotations.scaled(1.0 / ppp);
        annotations.paint_outlines(&painter);
        annotations.paint_over(&painter);
    }
}

/// The training run: a slider over its checkpoints, play and pause, and what the edges
/// show.
fn training_section(ui: &mut egui::Ui, training: &TrainingPane<'_>, actions: &mut Vec<UiAction>) {
    ui.label(format!("Training run: {} checkpoints", training.checkpoints));
    let last = training.checkpoints.saturating_sub(1).max(1) as f32;
    let mut step = training.at * last;
    let slider = egui::Slider::new(&mut step, 0.0..=last).text("checkpoint").show_value(false);
    if ui.add(slider).changed() {
        actions.push(UiAction::TrainingAt(step / last));
    }
    ui.horizontal(|ui| {
        if ui.button(if training.playing { "pause (T)" } else { "play (T)" }).clicked() {
            actions.push(UiAction::ToggleTraining);
        }
        ui.label(training.checkpoint);
    });
    ui.horizontal(|ui| {
        ui.label("edges:");
        for (show, name) in [(Show::Weights, "weights"), (Show::Change, "change since the first")] {
            if ui.selectable_label(training.show == show, name).clicked() {
                actions.push(UiAction::TrainingShow(show));
            }
        }
    });
    if !training.shown {
        ui.label("Expand all groups to see the run on the edges.");
    }
}
