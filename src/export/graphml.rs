//! GraphML for Gephi, Cytoscape, yEd and networkx (`read_graphml`): every node and edge
//! with the columns of [`Table::nodes`] and [`Table::edges`] as typed keys. Gephi reads
//! `x`, `y`, `z`, `size` and `r`, `g`, `b` as the layout and the colours; bundled paths
//! are an edge key `path` of `x y` control points.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::table::{Table, Values};
use super::{write_with, xml_text};
use crate::bundle::POINTS;
use crate::graph::Graph;
use crate::view::Drawing;

fn key_type(values: &Values) -> &'static str {
    match values {
        Values::Index(_) | Values::Integer(_) => "int",
        Values::Real(_) => "double",
        Values::Text(_) => "string",
    }
}

/// Writes `graph` as `drawing` draws it to `path`.
pub fn write(path: &Path, graph: &Graph, drawing: &Drawing) -> std::io::Result<()> {
    let mut nodes = Table::nodes(graph, drawing);
    if let Some(Values::Text(colors)) = nodes.get("color").cloned() {
        for (i, channel) in ["r", "g", "b"].iter().enumerate() {
            let values =
                colors.iter().map(|c| i32::from_str_radix(&c[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0)).collect();
            nodes.columns.push((channel.to_string(), Values::Integer(values)));
        }
    }
    let edges = Table::edges(graph);
    write_with(path, |file| {
        let mut out = BufWriter::new(file);
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
        )?;
        // The ids are node indices already: `id` is not a key.
        let node_keys: Vec<&(String, Values)> = nodes.columns.iter().filter(|(name, _)| name != "id").collect();
        for (k, (name, values)) in node_keys.iter().enumerate() {
            let (name, kind) = (xml_text(name), key_type(values));
            writeln!(out, r#"  <key id="n{k}" for="node" attr.name="{name}" attr.type="{kind}"/>"#)?;
        }
        let edge_keys: Vec<&(String, Values)> =
            edges.columns.iter().filter(|(name, _)| name != "source" && name != "target").collect();
        for (k, (name, values)) in edge_keys.iter().enumerate() {
            let (name, kind) = (xml_text(name), key_type(values));
            writeln!(out, r#"  <key id="e{k}" for="edge" attr.name="{name}" attr.type="{kind}"/>"#)?;
        }
        if drawing.paths.is_some() {
            writeln!(out, r#"  <key id="path" for="edge" attr.name="path" attr.type="string"/>"#)?;
        }
        let direction = if graph.directed { "directed" } else { "undirected" };
        writeln!(out, r#"  <graph id="netlens" edgedefault="{direction}">"#)?;
        for v in 0..nodes.rows() {
            write!(out, r#"    <node id="{v}">"#)?;
            for (k, (_, values)) in node_keys.iter().enumerate() {
                let text = values.text(v);
                if !text.is_empty() {
                    write!(out, r#"<data key="n{k}">{}</data>"#, xml_text(&text))?;
                }
            }
            writeln!(out, "</node>")?;
        }
        let dim = drawing.dim.count() as usize;
        for e in 0..edges.rows() {
            write!(out, r#"    <edge id="e{e}" source="{}" target="{}">"#, graph.src[e], graph.dst[e])?;
            for (k, (_, values)) in edge_keys.iter().enumerate() {
                let text = values.text(e);
                if !text.is_empty() {
                    write!(out, r#"<data key="e{k}">{text}</data>"#)?;
                }
            }
            if let Some(paths) = &drawing.paths {
                let points = &paths[e * POINTS as usize..(e + 1) * POINTS as usize];
                let coords: Vec<String> = points.iter().flat_map(|p| p[..dim].iter().map(f32::to_string)).collect();
                write!(out, r#"<data key="path">{}</data>"#, coords.join(" "))?;
            }
            writeln!(out, "</edge>")?;
        }
        writeln!(out, "  </graph>\n</graphml>")?;
        out.flush()
    })
}
