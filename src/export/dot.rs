//! Graphviz DOT with the layout as `pos` (points, pinned with `!`): `neato -n` draws the
//! nodes where netlens placed them, in netlens' colours and sizes; bundled edges carry
//! their path as `pos` spline points (16 a path: five cubic spans), which `neato -n2`
//! draws as given.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::write_with;
use crate::bundle::POINTS;
use crate::graph::Graph;
use crate::render::palette::hex;
use crate::render::palette::{BACKGROUND, pack};
use crate::view::Drawing;

/// Points along the drawing's longer side: ten inches.
const SIDE_POINTS: f32 = 720.0;

/// A DOT id: the text quoted, quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// Writes `graph` as `drawing` draws it (2D: x and y) to `path`.
pub fn write(path: &Path, graph: &Graph, drawing: &Drawing) -> std::io::Result<()> {
    let (lo, hi) = (drawing.bounds.min, drawing.bounds.max);
    let scale = SIDE_POINTS / (hi.x - lo.x).max(hi.y - lo.y).max(1e-6);
    let at = |p: &[f32]| format!("{:.2},{:.2}", (p[0] - lo.x) * scale, (p[1] - lo.y) * scale);
    write_with(path, |file| {
        let mut out = BufWriter::new(file);
        let (kind, arrow) = if graph.directed { ("digraph", "->") } else { ("graph", "--") };
        let background = hex(pack(BACKGROUND.map(|c| (c * 255.0).round() as u8)));
        writeln!(out, "{kind} netlens {{")?;
        writeln!(out, "  graph [outputorder=edgesfirst, bgcolor=\"{background}\"];")?;
        writeln!(out, "  node [shape=circle, style=filled, fixedsize=true, label=\"\", penwidth=0];")?;
        writeln!(out, "  edge [color=\"#8890a080\", arrowsize=0.4];")?;
        for v in 0..graph.node_count() {
            let width = 2.0 * drawing.radius(v) * scale / 72.0;
            let shape = if drawing.sizes[v as usize] < 0.0 { ", shape=box" } else { "" };
            write!(
                out,
                "  {v} [pos=\"{}!\", width={width:.3}, fillcolor=\"{}\"{shape}, tooltip={}",
                at(&drawing.positions[v as usize]),
                hex(drawing.colors[v as usize]),
                quoted(&graph.node_name(v))
            )?;
            if let Some(classes) = &graph.nodes.classes {
                write!(out, ", class=\"class{}\"", classes[v as usize])?;
            }
            writeln!(out, "];")?;
        }
        for (e, (&a, &b)) in graph.src.iter().zip(&graph.dst).enumerate() {
            let mut attributes = Vec::new();
            if let Some(weights) = &graph.weights {
                attributes.push(format!("edge_weight=\"{}\"", weights[e]));
            }
            if let Some(paths) = &drawing.paths {
                let points = &paths[e * POINTS as usize..(e + 1) * POINTS as usize];
                let points: Vec<String> = points.iter().map(|p| at(p)).collect();
                attributes.push(format!("pos=\"{}\"", points.join(" ")));
            }
            match attributes.is_empty() {
                true => writeln!(out, "  {a} {arrow} {b};")?,
                false => writeln!(out, "  {a} {arrow} {b} [{}];", attributes.join(", "))?,
            }
        }
        writeln!(out, "}}")?;
        out.flush()
    })
}
