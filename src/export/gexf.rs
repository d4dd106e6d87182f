//! GEXF 1.2 for Gephi (and networkx's `read_gexf`): positions, sizes and colours as
//! `viz:` elements, the other columns of [`Table::nodes`] and [`Table::edges`] as
//! attributes, the weight as the edge's own.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::table::{Table, Values};
use super::{write_with, xml_text};
use crate::graph::Graph;
use crate::view::Drawing;

/// Columns GEXF holds in its own elements rather than as attributes.
const OWN: &[&str] = &["id", "name", "x", "y", "z", "size", "color", "source", "target", "weight"];

fn attribute_type(values: &Values) -> &'static str {
    match values {
        Values::Index(_) | Values::Integer(_) => "integer",
        Values::Real(_) => "float",
        Values::Text(_) => "string",
    }
}

fn declare(out: &mut impl Write, class: &str, columns: &[&(String, Values)]) -> std::io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    writeln!(out, r#"    <attributes class="{class}">"#)?;
    for (i, (name, values)) in columns.iter().enumerate() {
        writeln!(out, r#"      <attribute id="{i}" title="{}" type="{}"/>"#, xml_text(name), attribute_type(values))?;
    }
    writeln!(out, "    </attributes>")
}

fn attvalues(out: &mut impl Write, columns: &[&(String, Values)], row: usize) -> std::io::Result<()> {
    let values: Vec<(usize, String)> =
        columns.iter().enumerate().map(|(i, (_, v))| (i, v.text(row))).filter(|(_, t)| !t.is_empty()).collect();
    if values.is_empty() {
        return Ok(());
    }
    write!(out, "<attvalues>")?;
    for (i, text) in values {
        write!(out, r#"<attvalue for="{i}" value="{}"/>"#, xml_text(&text))?;
    }
    write!(out, "</attvalues>")
}

/// Writes `graph` as `drawing` draws it to `path`.
pub fn write(path: &Path, graph: &Graph, drawing: &Drawing) -> std::io::Result<()> {
    let nodes = Table::nodes(graph, drawing);
    let edges = Table::edges(graph);
    let node_attributes: Vec<&(String, Values)> =
        nodes.columns.iter().filter(|(n, _)| !OWN.contains(&n.as_str())).collect();
    let edge_attributes: Vec<&(String, Values)> =
        edges.columns.iter().filter(|(n, _)| !OWN.contains(&n.as_str())).collect();
    write_with(path, |file| {
        let mut out = BufWriter::new(file);
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" version="1.2">"#
        )?;
        writeln!(out, "  <meta><creator>netlens {}</creator></meta>", env!("CARGO_PKG_VERSION"))?;
        let direction = if graph.directed { "directed" } else { "undirected" };
        writeln!(out, r#"  <graph mode="static" defaultedgetype="{direction}">"#)?;
        declare(&mut out, "node", &node_attributes)?;
        declare(&mut out, "edge", &edge_attributes)?;
        writeln!(out, "    <nodes>")?;
        let dim = drawing.dim.count() as usize;
        for v in 0..nodes.rows() {
            let label = graph.nodes.labels.as_ref().and_then(|l| l.get(v)).filter(|l| !l.is_empty());
            let label = label.map_or_else(|| v.to_string(), |l| l.to_owned());
            write!(out, r#"      <node id="{v}" label="{}">"#, xml_text(&label))?;
            attvalues(&mut out, &node_attributes, v)?;
            let [r, g, b, _] = drawing.colors[v].to_le_bytes();
            let p = drawing.positions[v];
            let z = if dim == 3 { p[2] } else { 0.0 };
            write!(out, r#"<viz:color r="{r}" g="{g}" b="{b}"/><viz:position x="{}" y="{}" z="{z}"/>"#, p[0], p[1])?;
            writeln!(out, r#"<viz:size value="{}"/></node>"#, drawing.radius(v as u32))?;
        }
        writeln!(out, "    </nodes>\n    <edges>")?;
        for e in 0..edges.rows() {
            write!(out, r#"      <edge id="{e}" source="{}" target="{}""#, graph.src[e], graph.dst[e])?;
            if let Some(weights) = &graph.weights {
                write!(out, r#" weight="{}""#, weights[e])?;
            }
            write!(out, ">")?;
            attvalues(&mut out, &edge_attributes, e)?;
            writeln!(out, "</edge>")?;
        }
        writeln!(out, "    </edges>\n  </graph>\n</gexf>")?;
        out.flush()
    })
}
