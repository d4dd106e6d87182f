//! JSON graphs: node-link (networkx's `node_link_graph`, d3-force) and Cytoscape.js
//! (`.cyjs`, which Cytoscape desktop imports with its positions). Nodes carry the columns
//! of [`Table::nodes`], edges those of [`Table::edges`] and, bundled, their path.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::table::{Table, Values};
use super::write_with;
use crate::bundle::POINTS;
use crate::graph::Graph;
use crate::view::Drawing;

/// The JSON members of `table`'s row, skipping `skip` and missing values (NaN).
fn members(table: &Table, row: usize, skip: &[&str]) -> String {
    let mut parts = Vec::new();
    for (name, values) in table.columns.iter().filter(|(n, _)| !skip.contains(&n.as_str())) {
        let value = match values {
            Values::Index(v) => v[row].to_string(),
            Values::Integer(v) => v[row].to_string(),
            Values::Real(v) if v[row].is_finite() => v[row].to_string(),
            Values::Real(_) => continue,
            Values::Text(v) => serde_json::Value::from(v[row].as_str()).to_string(),
        };
        parts.push(format!("{}:{value}", serde_json::Value::from(name.as_str())));
    }
    parts.join(",")
}

/// The bundled path of edge `e` as `[[x, y], ...]`, where there are paths.
fn edge_path(drawing: &Drawing, e: usize, flip_y: bool) -> Option<String> {
    let paths = drawing.paths.as_ref()?;
    let dim = drawing.dim.count() as usize;
    let points: Vec<String> = paths[e * POINTS as usize..(e + 1) * POINTS as usize]
        .iter()
        .map(|p| {
            let coords: Vec<String> =
                (0..dim).map(|i| if i == 1 && flip_y { -p[i] } else { p[i] }).map(|c| c.to_string()).collect();
            format!("[{}]", coords.join(","))
        })
        .collect();
    Some(format!("[{}]", points.join(",")))
}

/// Writes node-link JSON: `{"directed", "multigraph", "graph", "nodes": [{"id", ...}],
/// "links": [{"source", "target", ...}]}`.
pub fn write_node_link(path: &Path, graph: &Graph, drawing: &Drawing) -> std::io::Result<()> {
    let nodes = Table::nodes(graph, drawing);
    let edges = Table::edges(graph);
    write_with(path, |file| {
        let mut out = BufWriter::new(file);
        writeln!(out, "{{\"directed\":{},\"multigraph\":false,\"graph\":{{}},\"nodes\":[", graph.directed)?;
        for v in 0..nodes.rows() {
            let comma = if v + 1 < nodes.rows() { "," } else { "" };
            writeln!(out, "{{{}}}{comma}", members(&nodes, v, &[]))?;
        }
        writeln!(out, "],\"links\":[")?;
        for e in 0..edges.rows() {
            let comma = if e + 1 < edges.rows() { "," } else { "" };
            let path = edge_path(drawing, e, false).map(|p| format!(",\"path\":{p}")).unwrap_or_default();
            writeln!(out, "{{{}{path}}}{comma}", members(&edges, e, &[]))?;
        }
        writeln!(out, "]}}")?;
        out.flush()
    })
}

/// Writes Cytoscape.js JSON: `{"elements": {"nodes": [{"data", "position"}], "edges":
/// [{"data"}]}}`, y pointing down as Cytoscape draws it.
pub fn write_cytoscape(path: &Path, graph: &Graph, drawing: &Drawing) -> std::io::Result<()> {
    let nodes = Table::nodes(graph, drawing);
    let edges = Table::edges(graph);
    write_with(path, |file| {
        let mut out = BufWriter::new(file);
        writeln!(
            out,
            "{{\"format_version\":\"1.0\",\"generated_by\":\"netlens\",\"target_cytoscapejs_version\":\"~2.1\","
        )?;
        writeln!(out, "\"data\":{{\"directed\":{}}},\"elements\":{{\"nodes\":[", graph.directed)?;
        for v in 0..nodes.rows() {
            let comma = if v + 1 < nodes.rows() { "," } else { "" };
            let p = drawing.positions[v];
            let data = members(&nodes, v, &["id", "x", "y", "z"]);
            writeln!(
                out,
                "{{\"data\":{{\"id\":\"{v}\",{data}}},\"position\":{{\"x\":{},\"y\":{}}}}}{comma}",
                p[0], -p[1]
            )?;
        }
        writeln!(out, "],\"edges\":[")?;
        for e in 0..edges.rows() {
            let comma = if e + 1 < edges.rows() { "," } else { "" };
            let (a, b) = (graph.src[e], graph.dst[e]);
            let rest = members(&edges, e, &["source", "target"]);
            let rest = if rest.is_empty() { rest } else { format!(",{rest}") };
            let path = edge_path(drawing, e, true).map(|p| format!(",\"path\":{p}")).unwrap_or_default();
            writeln!(out, "{{\"data\":{{\"id\":\"e{e}\",\"source\":\"{a}\",\"target\":\"{b}\"{rest}{path}}}}}{comma}")?;
        }
        writeln!(out, "]}}}}")?;
        out.flush()
    })
}
