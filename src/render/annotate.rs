//! Text and boxes that explain a picture: node labels (the operator type and a short
//! name, or the name), placed most important first where they overlap nothing placed
//! before; group boxes with their titles, nested, drawn behind the nodes; and a legend of
//! what colour means, in the corner that covers the fewest nodes. Built on the CPU from
//! the laid-out graph and the camera ([`Annotations::build`], which measures text with
//! egui's fonts), then painted through egui (PNG, video) or written as SVG.

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Stroke, pos2, vec2};
use glam::{Vec2, Vec3};

use super::Camera;
use super::palette::{BACKGROUND, ColorBy, Legend, RAMP, hex, pack};
use crate::graph::Graph;

/// Which nodes are labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LabelsText {
    /// No node labels (group titles and the legend stay)
    None,
    /// The most important nodes that fit, as many as the picture holds legibly
    #[default]
    Auto,
    /// Every node whose label fits without overlapping another
    All,
}

/// Whether a legend explains the colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LegendMode {
    None,
    /// Where colour carries meaning (classes, operator types, groups, a ramp)
    #[default]
    Auto,
}

/// What text a picture carries (by default none: the bare drawing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    pub labels: LabelsText,
    pub legend: LegendMode,
    /// Group boxes and titles.
    pub groups: bool,
}

impl TextOptions {
    /// No text at all: the bare drawing.
    pub const NONE: TextOptions = TextOptions { labels: LabelsText::None, legend: LegendMode::None, groups: false };

    pub fn any(&self) -> bool {
        *self != TextOptions::NONE
    }
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        TextOptions::NONE
    }
}

/// What the annotations describe.
pub struct Subject<'a> {
    pub graph: &'a Graph,
    /// `[x, y, z, _]` per node.
    pub positions: &'a [[f32; 4]],
    /// Radius per node in layout units.
    pub radii: &'a [f32],
    /// What the nodes' colours mean.
    pub coloring: &'a ColorBy,
    /// Hops from the selection per node, and K: nodes further away get no label.
    pub hops: Option<(&'a [u32], u32)>,
    /// Edges drawn straight (arrowheads and shapes follow the line; bundled curves get
    /// none).
    pub straight: bool,
    /// The nodes to label, most important first; `None`: the selection, then by degree.
    pub ranked: Option<&'a [u32]>,
    /// Where annotations may go, in pixels; `None`: the whole picture.
    pub area: Option<Rect>,
}

/// A group's box in pixels (y down), its title, and its depth (0: outermost).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBox {
    pub rect: Rect,
    pub title: Option<Label>,
    pub depth: usize,
}

/// A text and the rectangle it fills, in pixels (y down).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub rect: Rect,
    pub text: String,
}

/// One row of a legend.
#[derive(Debug, Clone, PartialEq)]
pub enum LegendRow {
    Swatch { color: u32, name: String, count: usize },
    Ramp { low: f32, high: f32, log: bool },
    More(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendBox {
    pub rect: Rect,
    pub title: String,
    pub rows: Vec<LegendRow>,
}

/// Everything a picture says in words, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotations {
    /// Type size of labels, in pixels.
    pub font_px: f32,
    /// Outermost first, so inner boxes paint over outer ones.
    pub boxes: Vec<GroupBox>,
    pub labels: Vec<Label>,
    /// Arrowheads of directed edges (sparse drawings with labels): tip, then the two back
    /// corners.
    pub arrows: Vec<[Pos2; 3]>,
    /// Tensor shapes on the edges of operator graphs, in smaller type.
    pub edge_labels: Vec<Label>,
    pub legend: Option<LegendBox>,
}

/// Legend rows shown before "and N more".
const LEGEND_ROWS: usize = 10;
/// Deepest group that gets a box.
const MAX_BOX_DEPTH: usize = 3;
/// Most boxes a picture draws (outermost first).
const MAX_BOXES: usize = 80;
/// Most label candidates tried: beyond them the picture is full anyway.
const MAX_TRIED: usize = 6000;
/// Directed graphs with more edges on screen than this get no arrowheads: they would be
/// a texture, not a direction.
const MAX_ARROWS: usize = 4000;
/// Edges per node in view above which a drawing gets no arrowheads.
const SPARSE_EDGES_PER_NODE: usize = 3;
/// Edge labels' type size against node labels'.
const EDGE_TYPE: f32 = 0.8;

fn rgb(color: u32) -> Color32 {
    let [r, g, b, _] = color.to_le_bytes();
    Color32::from_rgb(r, g, b)
}

fn background() -> Color32 {
    let [r, g, b] = BACKGROUND.map(|c| (c * 255.0).round() as u8);
    Color32::from_rgb(r, g, b)
}

/// The last part of a dotted or slashed name that is not `skip` (an operator's type).
fn short_name<'a>(name: &'a str, skip: &str) -> &'a str {
    name.split(['/', '.', ':']).rev().find(|part| !part.is_empty() && !part.eq_ignore_ascii_case(skip)).unwrap_or("")
}

/// A node's label: its operator type with a short name where there are types, else its
/// name; none for a neuron (`layer[7]`: its layer's box says what it is).
fn node_text(graph: &Graph, v: u32) -> Option<String> {
    let name = graph.nodes.labels.as_ref().and_then(|l| l.get(v as usize)).unwrap_or("");
    if name.ends_with(']') {
        return None;
    }
    let kind = graph
        .nodes
        .class_names
        .as_ref()
        .zip(graph.nodes.classes.as_ref())
        .and_then(|(names, classes)| names.get(usize::try_from(classes[v as usize]).ok()?))
        .filter(|_| !graph.groups.is_empty());
    match kind {
        Some(kind) => {
            // "linear1" says more than "Linear"; "linear_3" says nothing more.
            let short = short_name(name, kind);
            let numbered = short.len() > kind.len()
                && short[..kind.len()].eq_ignore_ascii_case(kind)
                && short[kind.len()..].strip_prefix('_').is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
            Some(match short.is_empty() || short.eq_ignore_ascii_case(kind) || numbered {
                true => kind.to_owned(),
                false => format!("{kind} · {short}"),
            })
        }
        None if name.is_empty() => None,
        None => Some(name.to_owned()),
    }
}

impl Annotations {
    /// Places the annotations of `subject` seen by `camera` in a `viewport`-pixel picture;
    /// `measure(text, size)` is the size of a text in pixels.
    pub fn build(
        subject: &Subject,
        camera: &Camera,
        viewport: Vec2,
        options: TextOptions,
        measure: &mut dyn FnMut(&str, f32) -> egui::Vec2,
    ) -> Annotations {
        let graph = subject.graph;
        let n = graph.node_count() as usize;
        let font_px = (viewport.y / 1080.0 * 16.0).clamp(11.0, 30.0);
        let frame = subject.area.unwrap_or(Rect::from_min_size(Pos2::ZERO, vec2(viewport.x, viewport.y)));
        let focal = camera.focal_px(viewport);
        let clip_from_world = camera.clip_from_world(viewport);
        // Each node on screen: centre and radius in pixels (None: behind the camera).
        let screen: Vec<Option<(Pos2, f32)>> = (0..n)
            .map(|v| {
                let p = Vec3::new(subject.positions[v][0], subject.positions[v][1], subject.positions[v][2]);
                let at = camera.project(p, viewport)?;
                let w = (clip_from_world * p.extend(1.0)).w.max(1e-6);
                Some((pos2(at.x, at.y), (subject.radii[v] * focal / w).max(1.0)))
            })
            .collect();
        let mut p = Placing { screen, frame, font_px, measure, taken: Vec::new() };
        let legend = match options.legend {
            LegendMode::Auto => legend(subject, &mut p),
            LegendMode::None => None,
        };
        p.taken.extend(legend.as_ref().map(|l| l.rect));
        let boxes = if options.groups { boxes(subject, &mut p) } else { Vec::new() };
        let labels = match options.labels {
            LabelsText::None => Vec::new(),
            _ => labels(subject, options.labels, &mut p),
        };
        let (arrows, edge_labels) = match subject.straight && options.labels != LabelsText::None {
            true => edges(subject, &mut p),
            false => (Vec::new(), Vec::new()),
        };
        Annotations { font_px, boxes, labels, arrows, edge_labels, legend }
    }

    /// [`Annotations::build`] with text measured by egui's own fonts outside any frame
    /// (for SVG, which has no frame to paint).
    pub fn measured(subject: &Subject, camera: &Camera, viewport: Vec2, options: TextOptions) -> Annotations {
        let ctx = egui::Context::default();
        let mut built = None;
        let _ = ctx.run_ui(egui::RawInput::default(), |ui| {
            let painter = ui.painter();
            let mut measure = |text: &str, px: f32| {
                painter.layout_no_wrap(text.to_owned(), FontId::proportional(px), Color32::WHITE).size()
            };
            built = Some(Annotations::build(subject, camera, viewport, options, &mut measure));
        });
        built.expect("egui runs the frame's closure")
    }

    /// The same annotations `factor` times the size (pixels to egui points, where egui
    /// draws zoomed).
    pub fn scaled(&self, factor: f32) -> Annotations {
        let rect =
            |r: Rect| Rect::from_min_max((r.min.to_vec2() * factor).to_pos2(), (r.max.to_vec2() * factor).to_pos2());
        let label = |l: &Label| Label { rect: rect(l.rect), text: l.text.clone() };
        Annotations {
            font_px: self.font_px * factor,
            boxes: self
                .boxes
                .iter()
                .map(|b| GroupBox { rect: rect(b.rect), title: b.title.as_ref().map(label), depth: b.depth })
                .collect(),
            labels: self.labels.iter().map(label).collect(),
            arrows: self.arrows.iter().map(|a| a.map(|p| (p.to_vec2() * factor).to_pos2())).collect(),
            edge_labels: self.edge_labels.iter().map(label).collect(),
            legend: self.legend.as_ref().map(|l| LegendBox { rect: rect(l.rect), ..l.clone() }),
        }
    }

    /// Paints the group boxes (behind the nodes).
    pub fn paint_under(&self, painter: &Painter) {
        for b in &self.boxes {
            let fill = Color32::from_white_alpha(10 + 6 * b.depth.min(3) as u8);
            painter.rect_filled(b.rect, 6.0, fill);
        }
        self.paint_outlines(painter);
    }

    /// Paints the outlines of the group boxes: where egui can only draw over the nodes
    /// (the window), a fill would tint them.
    pub fn paint_outlines(&self, painter: &Painter) {
        for b in &self.boxes {
            painter.rect_stroke(b.rect, 6.0, Stroke::new(1.0, Color32::from_white_alpha(48)), egui::StrokeKind::Inside);
        }
    }

    /// Paints the titles, labels and legend (over the nodes).
    pub fn paint_over(&self, painter: &Painter) {
        let font = FontId::proportional(self.font_px);
        let pill = background().gamma_multiply(0.82);
        for arrow in &self.arrows {
            painter.add(egui::Shape::convex_polygon(arrow.to_vec(), Color32::from_gray(205), Stroke::NONE));
        }
        let small = FontId::proportional(self.font_px * EDGE_TYPE);
        for label in &self.edge_labels {
            painter.rect_filled(label.rect, 3.0, pill);
            painter.text(
                label.rect.center(),
                Align2::CENTER_CENTER,
                &label.text,
                small.clone(),
                Color32::from_gray(175),
            );
        }
        for title in self.boxes.iter().filter_map(|b| b.title.as_ref()) {
            painter.text(
                title.rect.left_center() + vec2(self.font_px * 0.3, 0.0),
                Align2::LEFT_CENTER,
                &title.text,
                font.clone(),
                Color32::from_gray(200),
            );
        }
        for label in &self.labels {
            painter.rect_filled(label.rect, 3.0, pill);
            painter.text(
                label.rect.left_center() + vec2(self.font_px * 0.3, 0.0),
                Align2::LEFT_CENTER,
                &label.text,
                font.clone(),
                Color32::from_gray(235),
            );
        }
        if let Some(legend) = &self.legend {
            paint_legend(painter, legend, self.font_px);
        }
    }

    /// SVG elements of the group boxes (behind the nodes).
    pub fn svg_under(&self) -> String {
        let mut out = String::new();
        for b in &self.boxes {
            let opacity = (10 + 6 * b.depth.min(3)) as f32 / 255.0;
            let paint = format!(
                "rx=\"6\" fill=\"#ffffff\" fill-opacity=\"{opacity:.3}\" stroke=\"#ffffff\" stroke-opacity=\"0.19\""
            );
            out += &svg_rect("group", b.rect, &paint);
        }
        out
    }

    /// SVG elements of the titles, labels and legend (over the nodes).
    pub fn svg_over(&self) -> String {
        let px = self.font_px;
        let text = |x: f32, y: f32, fill: &str, class: &str, s: &str| {
            format!(
                "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"{px:.1}\" fill=\"{fill}\" dominant-baseline=\"central\">{}</text>\n",
                escape(s)
            )
        };
        let mut out = String::new();
        for [tip, left, right] in &self.arrows {
            out += &format!(
                "<polygon class=\"arrow\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"#cdcdcd\"/>\n",
                tip.x, tip.y, left.x, left.y, right.x, right.y
            );
        }
        for label in &self.edge_labels {
            let c = label.rect.center();
            out += &format!(
                "<text class=\"edge-label\" x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"{:.1}\" fill=\"#afafaf\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text>\n",
                c.x,
                c.y,
                px * EDGE_TYPE,
                escape(&label.text)
            );
        }
        for title in self.boxes.iter().filter_map(|b| b.title.as_ref()) {
            out += &text(title.rect.min.x + px * 0.3, title.rect.center().y, "#c8c8c8", "group-title", &title.text);
        }
        let background = hex(pack(BACKGROUND.map(|c| (c * 255.0).round() as u8)));
        for label in &self.labels {
            let rect = label.rect;
            out += &svg_rect("label-box", rect, &format!("rx=\"3\" fill=\"{background}\" fill-opacity=\"0.82\""));
            out += &text(rect.min.x + px * 0.3, rect.center().y, "#ebebeb", "label", &label.text);
        }
        if let Some(legend) = &self.legend {
            let rect = legend.rect;
            out += "<g class=\"legend\">";
            let paint = format!(
                "rx=\"6\" fill=\"{background}\" fill-opacity=\"0.9\" stroke=\"#ffffff\" stroke-opacity=\"0.15\""
            );
            out += &svg_rect("legend-box", rect, &paint);
            let line = px * 1.35;
            let (x, mut y) = (rect.min.x + px * 0.6, rect.min.y + px * 0.6 + line / 2.0);
            out += &text(x, y, "#a0a0a0", "legend-title", &legend.title);
            for row in &legend.rows {
                y += line;
                match row {
                    LegendRow::Swatch { color, name, count } => {
                        out += &format!(
                            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"{}\"/>\n",
                            x + px * 0.4,
                            px * 0.35,
                            hex(*color)
                        );
                        out += &text(x + px * 1.2, y, "#ebebeb", "legend-entry", &format!("{name}  {count}"));
                    }
                    LegendRow::Ramp { low, high, log } => {
                        for (i, &stop) in RAMP.iter().enumerate() {
                            let w = (rect.width() - px * 1.2) / RAMP.len() as f32;
                            let swatch =
                                Rect::from_min_size(pos2(x + i as f32 * w, y - px * 0.3), vec2(w + 0.5, px * 0.6));
                            out += &svg_rect("ramp", swatch, &format!("fill=\"{}\"", hex(pack(stop))));
                        }
                        y += line;
                        out += &text(x, y, "#ebebeb", "legend-entry", &ramp_ends(*low, *high, *log));
                    }
                    LegendRow::More(more) => out += &text(x, y, "#a0a0a0", "legend-entry", &format!("and {more} more")),
                }
            }
            out += "</g>\n";
        }
        out
    }
}

/// An SVG `<rect>` of `class` over `rect`, painted as `paint` says (attributes).
fn svg_rect(class: &str, rect: Rect, paint: &str) -> String {
    format!(
        "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" {paint}/>\n",
        rect.min.x,
        rect.min.y,
        rect.width(),
        rect.height()
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn number(x: f32) -> String {
    if x != 0.0 && (x.abs() >= 1e5 || x.abs() < 1e-2) {
        format!("{x:.2e}")
    } else {
        format!("{}", (x * 1000.0).round() / 1000.0)
    }
}

fn ramp_ends(low: f32, high: f32, log: bool) -> String {
    format!("{} … {}{}", number(low), number(high), if log { " (log scale)" } else { "" })
}

/// Node labels, most important first, each where it covers nothing placed before it and
/// no node; they take their place in `p.taken`.
fn labels(subject: &Subject, which: LabelsText, p: &mut Placing) -> Vec<Label> {
    let (screen, frame, font_px, measure, taken) = (&p.screen, p.frame, p.font_px, &mut *p.measure, &mut p.taken);
    let graph = subject.graph;
    let n = graph.node_count() as usize;
    let mut labels = Vec::new();
    let budget = match which {
        LabelsText::All => usize::MAX,
        _ => (frame.area() / (font_px * font_px * 140.0)) as usize,
    };
    let outside = |v: usize| subject.hops.is_some_and(|(hops, k)| hops[v] > k);
    // The caller's order as given (the window's, every frame: no copy), else made here.
    let made: Vec<u32>;
    let order: &[u32] = match subject.ranked {
        Some(ranked) => ranked,
        None => {
            let csr = graph.csr(crate::graph::Direction::Both);
            let mut order: Vec<u32> = (0..n as u32).filter(|&v| screen[v as usize].is_some()).collect();
            let seed = |v: u32| subject.hops.is_some_and(|(hops, _)| hops[v as usize] == 0);
            order.sort_by_key(|&v| (!seed(v), std::cmp::Reverse(csr.degree(v)), v));
            made = order;
            &made
        }
    };
    let pad = vec2(font_px * 0.3, font_px * 0.12);
    let discs = Discs::new(screen, frame);
    let candidates = order.iter().copied().filter(|&v| (v as usize) < n && !outside(v as usize));
    for v in candidates.take(MAX_TRIED) {
        if labels.len() >= budget {
            break;
        }
        let Some((at, radius)) = screen[v as usize] else { continue };
        if !frame.contains(at) {
            continue;
        }
        let Some(text) = node_text(graph, v) else { continue };
        let size = measure(&text, font_px) + 2.0 * pad;
        let gap = radius + font_px * 0.3;
        // Under the node (clear of edges that run along a layered model's rows),
        // then over it, right of it, left of it.
        let spots = [
            Rect::from_min_size(pos2(at.x - size.x / 2.0, at.y + gap), size),
            Rect::from_min_size(pos2(at.x - size.x / 2.0, at.y - gap - size.y), size),
            Rect::from_min_size(pos2(at.x + gap, at.y - size.y / 2.0), size),
            Rect::from_min_size(pos2(at.x - gap - size.x, at.y - size.y / 2.0), size),
        ];
        if let Some(rect) = spots
            .into_iter()
            .find(|r| frame.contains_rect(*r) && !taken.iter().any(|t| t.intersects(*r)) && !discs.covers(r))
        {
            taken.push(rect);
            labels.push(Label { rect, text });
        }
    }
    labels
}

/// What placing annotations shares: each node on screen (centre and radius in pixels),
/// the frame, the type size, the text measure, and the rectangles taken so far.
struct Placing<'m> {
    screen: Vec<Option<(Pos2, f32)>>,
    frame: Rect,
    font_px: f32,
    measure: &'m mut dyn FnMut(&str, f32) -> egui::Vec2,
    taken: Vec<Rect>,
}

/// The legend of `subject`'s colouring, sized, in the corner its nodes least cover.
fn legend(subject: &Subject, p: &mut Placing) -> Option<LegendBox> {
    let (screen, frame, font_px, measure) = (&p.screen, p.frame, p.font_px, &mut *p.measure);
    let graph = subject.graph;
    let title = match subject.coloring {
        ColorBy::Class if !graph.groups.is_empty() && graph.nodes.class_names.is_some() => "operator".to_owned(),
        other => other.name(),
    };
    let rows = match subject.coloring.legend(graph) {
        Legend::None => return None,
        Legend::Categories(entries) if entries.len() < 2 => return None,
        Legend::Categories(entries) => {
            let more = entries.len().saturating_sub(LEGEND_ROWS);
            let mut rows: Vec<LegendRow> = entries
                .into_iter()
                .take(LEGEND_ROWS)
                .map(|(name, color, count)| LegendRow::Swatch { color, name, count })
                .collect();
            if more > 0 {
                rows.push(LegendRow::More(more));
            }
            rows
        }
        Legend::Ramp { low, high, log } => vec![LegendRow::Ramp { low, high, log }],
    };
    let line = font_px * 1.35;
    let mut width = measure(&title, font_px).x;
    let mut lines = 1.0;
    for row in &rows {
        let (text, indent, count) = match row {
            LegendRow::Swatch { name, count, .. } => (format!("{name}  {count}"), font_px * 1.2, 1.0),
            LegendRow::Ramp { low, high, log } => (ramp_ends(*low, *high, *log), 0.0, 2.0),
            LegendRow::More(more) => (format!("and {more} more"), 0.0, 1.0),
        };
        width = width.max(indent + measure(&text, font_px).x);
        lines += count;
    }
    let size = vec2(width + font_px * 1.2, lines * line + font_px * 1.2);
    let margin = font_px;
    let inside = frame.shrink(margin);
    // The corner with the fewest nodes under it; bottom left on a tie.
    let corners = [Align2::LEFT_BOTTOM, Align2::RIGHT_BOTTOM, Align2::LEFT_TOP, Align2::RIGHT_TOP];
    let rect = corners
        .iter()
        .map(|corner| corner.align_size_within_rect(size, inside))
        .min_by_key(|rect| screen.iter().flatten().filter(|(at, _)| rect.expand(margin).contains(*at)).count())?;
    Some(LegendBox { rect, title, rows })
}

fn paint_legend(painter: &Painter, legend: &LegendBox, px: f32) {
    let font = FontId::proportional(px);
    painter.rect_filled(legend.rect, 6.0, background().gamma_multiply(0.9));
    painter.rect_stroke(legend.rect, 6.0, Stroke::new(1.0, Color32::from_white_alpha(38)), egui::StrokeKind::Inside);
    let line = px * 1.35;
    let x = legend.rect.min.x + px * 0.6;
    let mut y = legend.rect.min.y + px * 0.6 + line / 2.0;
    painter.text(pos2(x, y), Align2::LEFT_CENTER, &legend.title, font.clone(), Color32::from_gray(160));
    for row in &legend.rows {
        y += line;
        match row {
            LegendRow::Swatch { color, name, count } => {
                painter.circle_filled(pos2(x + px * 0.4, y), px * 0.35, rgb(*color));
                painter.text(
                    pos2(x + px * 1.2, y),
                    Align2::LEFT_CENTER,
                    format!("{name}  {count}"),
                    font.clone(),
                    Color32::from_gray(235),
                );
            }
            LegendRow::Ramp { low, high, log } => {
                let w = (legend.rect.width() - px * 1.2) / RAMP.len() as f32;
                for (i, &stop) in RAMP.iter().enumerate() {
                    let rect = Rect::from_min_size(pos2(x + i as f32 * w, y - px * 0.3), vec2(w + 0.5, px * 0.6));
                    painter.rect_filled(rect, 0.0, rgb(pack(stop)));
                }
                y += line;
                painter.text(
                    pos2(x, y),
                    Align2::LEFT_CENTER,
                    ramp_ends(*low, *high, *log),
                    font.clone(),
                    Color32::from_gray(235),
                );
            }
            LegendRow::More(more) => {
                painter.text(
                    pos2(x, y),
                    Align2::LEFT_CENTER,
                    format!("and {more} more"),
                    font.clone(),
                    Color32::from_gray(160),
                );
            }
        }
    }
}

/// The node discs on screen, in square cells, so a label can tell whether it would cover
/// one (discs under 2 pixels across hide nothing and are left out).
struct Discs {
    cell: f32,
    columns: usize,
    cells: Vec<Vec<Rect>>,
}

impl Discs {
    const CELL_PX: f32 = 64.0;

    fn new(screen: &[Option<(Pos2, f32)>], frame: Rect) -> Discs {
        let cell = Discs::CELL_PX;
        let columns = (frame.max.x / cell).ceil().max(1.0) as usize;
        let rows = (frame.max.y / cell).ceil().max(1.0) as usize;
        let mut cells = vec![Vec::new(); columns * rows];
        for &(at, r) in screen.iter().flatten().filter(|(_, r)| *r >= 1.0) {
            let disc = Rect::from_center_size(at, vec2(2.0 * r, 2.0 * r));
            if !disc.intersects(frame) {
                continue;
            }
            let (x0, x1) = ((disc.min.x / cell).max(0.0) as usize, ((disc.max.x / cell) as usize).min(columns - 1));
            let (y0, y1) = ((disc.min.y / cell).max(0.0) as usize, ((disc.max.y / cell) as usize).min(rows - 1));
            for y in y0..=y1 {
                for x in x0..=x1 {
                    cells[y * columns + x].push(disc);
                }
            }
        }
        Discs { cell, columns, cells }
    }

    /// Whether `rect` covers part of a disc.
    fn covers(&self, rect: &Rect) -> bool {
        let rows = self.cells.len() / self.columns;
        let (x0, x1) =
            ((rect.min.x / self.cell).max(0.0) as usize, ((rect.max.x / self.cell) as usize).min(self.columns - 1));
        let (y0, y1) = ((rect.min.y / self.cell).max(0.0) as usize, ((rect.max.y / self.cell) as usize).min(rows - 1));
        (y0..=y1).any(|y| (x0..=x1).any(|x| self.cells[y * self.columns + x].iter().any(|d| d.intersects(*rect))))
    }
}

/// A tensor shape as a label: `[6x1x32] float32` becomes `6×1×32`.
fn shape_text(shape: &str) -> Option<String> {
    let dims = shape.split_whitespace().next()?.trim_start_matches('[').trim_end_matches(']');
    (!dims.is_empty()).then(|| dims.replace('x', "×"))
}

/// Arrowheads at the target end of each directed edge long enough on screen, and the
/// tensor shape its source node makes on each edge it fits (operator graphs), in free
/// space only.
fn edges(subject: &Subject, p: &mut Placing) -> (Vec<[Pos2; 3]>, Vec<Label>) {
    let (screen, frame, font_px, measure, taken) = (&p.screen, p.frame, p.font_px, &mut *p.measure, &mut p.taken);
    let graph = subject.graph;
    let on_screen = |v: u32| screen[v as usize].filter(|(at, _)| frame.contains(*at));
    let visible: Vec<usize> = (0..graph.edge_count())
        .filter(|&e| on_screen(graph.src[e]).is_some() || on_screen(graph.dst[e]).is_some())
        .collect();
    let mut arrows = Vec::new();
    // Arrowheads read on sparse drawings (operator graphs); layers of neurons would grow
    // fans of them.
    let nodes_in_view = screen.iter().flatten().filter(|(at, _)| frame.contains(*at)).count();
    if graph.directed && visible.len() <= MAX_ARROWS && visible.len() <= SPARSE_EDGES_PER_NODE * nodes_in_view {
        for &e in &visible {
            let (Some((a, _)), Some((b, rb))) = (screen[graph.src[e] as usize], screen[graph.dst[e] as usize]) else {
                continue;
            };
            let d = b - a;
            let length = d.length();
            let size = (0.45 * rb).clamp(4.0, 11.0);
            if length < rb + 2.5 * size {
                continue;
            }
            let dir = d / length;
            let tip = b - dir * rb;
            let base = tip - dir * size * 1.6;
            let side = egui::vec2(-dir.y, dir.x) * size * 0.62;
            arrows.push([tip, base + side, base - side]);
        }
    }
    let mut labels = Vec::new();
    let shapes = graph.nodes.text_columns.iter().find(|c| c.name == "shape");
    if let Some(shapes) = shapes.filter(|_| !graph.groups.is_empty() && visible.len() <= MAX_ARROWS) {
        let px = font_px * EDGE_TYPE;
        for &e in &visible {
            let (a, b) = (graph.src[e], graph.dst[e]);
            let (Some((pa, ra)), Some((pb, rb))) = (screen[a as usize], screen[b as usize]) else { continue };
            let Some(text) = shapes.values.get(a as usize).and_then(shape_text) else { continue };
            let size = measure(&text, px) + vec2(px * 0.5, px * 0.1);
            // Only along a stretch of edge longer than the text, between the discs.
            if (pb - pa).length() < ra + rb + size.x + px {
                continue;
            }
            let rect = Rect::from_center_size(pa + (pb - pa) * 0.5, size);
            if frame.contains_rect(rect) && !taken.iter().any(|t| t.intersects(rect)) {
                taken.push(rect);
                labels.push(Label { rect, text });
            }
        }
    }
    (arrows, labels)
}

/// Boxes of the groups big enough to see, outermost first, with titles where they fit;
/// titles take their place in `taken`.
fn boxes(subject: &Subject, p: &mut Placing) -> Vec<GroupBox> {
    let (screen, frame, font_px, measure, taken) = (&p.screen, p.frame, p.font_px, &mut *p.measure, &mut p.taken);
    let groups = &subject.graph.groups;
    if groups.is_empty() {
        return Vec::new();
    }
    let count = groups.groups.len();
    let depth: Vec<usize> = (0..count as u32).map(|g| groups.depth(g)).collect();
    // Each group's extent: its own nodes' discs, then (deepest first) its children's boxes.
    let mut extent: Vec<Option<Rect>> = vec![None; count];
    let mut members = vec![0usize; count];
    for (v, spot) in screen.iter().enumerate() {
        if let (Some(g), Some((at, r))) = (groups.group_of(v as u32), spot) {
            let disc = Rect::from_center_size(*at, vec2(2.0 * r, 2.0 * r));
            extent[g as usize] = Some(extent[g as usize].map_or(disc, |e| e.union(disc)));
            members[g as usize] += 1;
        }
    }
    let title_h = font_px * 1.4;
    let pad = font_px * 0.5;
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(depth[g]));
    let mut padded: Vec<Option<Rect>> = vec![None; count];
    for &g in &order {
        if let Some(e) = extent[g] {
            let rect = Rect::from_min_max(e.min - vec2(pad, pad + title_h), e.max + vec2(pad, pad));
            padded[g] = Some(rect);
            if let Some(parent) = groups.groups[g].parent {
                let p = parent as usize;
                extent[p] = Some(extent[p].map_or(rect, |x| x.union(rect)));
                members[p] += members[g];
            }
        }
    }
    let mut shown: Vec<usize> = (0..count)
        .filter(|&g| depth[g] <= MAX_BOX_DEPTH && members[g] >= 2)
        .filter(|&g| {
            padded[g].is_some_and(|r| r.intersects(frame) && r.width() >= font_px && r.height() >= 2.5 * font_px)
        })
        .collect();
    shown.sort_by_key(|&g| (depth[g], g));
    shown.truncate(MAX_BOXES);
    // Titles innermost first (a layer's name says more than its block's), at the top left
    // of their box, or of its visible part.
    let mut titles: Vec<Option<Label>> = vec![None; shown.len()];
    for (i, &g) in shown.iter().enumerate().rev() {
        let rect = padded[g].expect("shown boxes have an extent");
        let name = &groups.groups[g].name;
        let size = measure(name, font_px) + vec2(font_px * 0.6, 0.0);
        let top = rect.min.y.max(frame.min.y + 2.0) + (title_h - size.y) / 2.0;
        let spot = Rect::from_min_size(pos2(rect.min.x.max(frame.min.x + 2.0) + 2.0, top), size);
        // A narrow box (a layer of neurons) lets its title run past its right side.
        let fits = spot.max.y <= rect.max.y && frame.contains_rect(spot);
        if fits && !taken.iter().any(|t| t.intersects(spot)) {
            taken.push(spot);
            titles[i] = Some(Label { rect: spot, text: name.clone() });
        }
    }
    shown
        .into_iter()
        .zip(titles)
        .map(|(g, title)| GroupBox { rect: padded[g].expect("shown boxes have an extent"), title, depth: depth[g] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_the_operator_type_and_a_name_that_adds_to_it() {
        let mut graph = Graph::with_nodes(4, true);
        let mut names = crate::graph::StringTable::default();
        for name in ["/conv1/Conv", "transpose_3", "encoder.linear1", "tokens"] {
            names.push(name);
        }
        graph.nodes.labels = Some(names);
        graph.nodes.classes = Some(vec![0, 1, 2, 3]);
        let mut kinds = crate::graph::StringTable::default();
        for kind in ["Conv", "transpose", "linear", "Input"] {
            kinds.push(kind);
        }
        graph.nodes.class_names = Some(kinds);
        let group = graph.groups.add("encoder", None);
        graph.groups.assign(2, group);
        let texts: Vec<Option<String>> = (0..4).map(|v| node_text(&graph, v)).collect();
        assert_eq!(
            texts,
            [
                Some("Conv · conv1".into()),
                Some("transpose".into()),
                Some("linear · linear1".into()),
                Some("Input · tokens".into())
            ]
        );
    }

    #[test]
    fn nothing_placed_overlaps_and_all_lies_inside_the_frame() {
        let n = 400u32;
        let mut graph = Graph::with_nodes(n, false);
        let mut names = crate::graph::StringTable::default();
        for v in 0..n {
            names.push(&format!("node_{v}"));
            if v > 0 {
                graph.push_edge(v, (v * 7919) % v);
            }
        }
        graph.nodes.labels = Some(names);
        graph.nodes.classes = Some((0..n as i32).map(|v| v % 5).collect());
        for g in 0..8 {
            let group = graph.groups.add(format!("block.{g}"), None);
            for v in g * 50..(g + 1) * 50 {
                graph.groups.assign(v, group);
            }
        }
        // Blocks side by side, nodes scattered within.
        let positions: Vec<[f32; 4]> = (0..n)
            .map(|v| {
                let (block, i) = (v / 50, v % 50);
                [block as f32 * 30.0 + (i * 37 % 20) as f32, (i * 53 % 40) as f32, 0.0, 0.0]
            })
            .collect();
        let radii = vec![0.4; n as usize];
        let viewport = Vec2::new(1600.0, 900.0);
        let camera = Camera::fit(&crate::geom::Bounds::of(&positions), crate::geom::Dim::Two, viewport);
        let subject = Subject {
            graph: &graph,
            positions: &positions,
            radii: &radii,
            coloring: &ColorBy::Class,
            hops: None,
            straight: true,
            ranked: None,
            area: None,
        };
        let frame = Rect::from_min_size(Pos2::ZERO, vec2(viewport.x, viewport.y));
        for labels in [LabelsText::Auto, LabelsText::All] {
            let options = TextOptions { labels, legend: LegendMode::Auto, groups: true };
            let mut measure = |text: &str, px: f32| vec2(0.6 * px * text.chars().count() as f32, 1.2 * px);
            let placed = Annotations::build(&subject, &camera, viewport, options, &mut measure);
            let mut rects: Vec<Rect> = placed.labels.iter().map(|l| l.rect).collect();
            rects.extend(placed.boxes.iter().filter_map(|b| b.title.as_ref().map(|t| t.rect)));
            rects.extend(placed.legend.iter().map(|l| l.rect));
            rects.extend(placed.edge_labels.iter().map(|l| l.rect));
            assert!(placed.labels.len() > 10 && placed.boxes.len() == 8 && placed.legend.is_some(), "{labels:?}");
            for (i, a) in rects.iter().enumerate() {
                assert!(frame.contains_rect(*a), "{a:?} leaves the frame");
                for b in &rects[i + 1..] {
                    assert!(!a.intersects(*b), "{labels:?}: {a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn short_names_skip_the_operator_type() {
        assert_eq!(short_name("/conv1/Conv", "Conv"), "conv1");
        assert_eq!(short_name("encoder.layers.0.linear1", "linear"), "linear1");
        assert_eq!(short_name("Relu", "Relu"), "");
    }
}
