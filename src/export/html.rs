//! The browser view: a drawn graph as one binary scene ([`scene`]: a JSON header, then
//! typed arrays of positions, colours, edges, paths and node columns, gzip-compressed)
//! and the page that shows it ([`page`]: `web/`'s HTML, CSS and JavaScript, embedded in
//! the binary at build time). `export -o view.html` writes both in one self-contained file
//! (the scene as base64 inside the page); `serve` sends the page and the scene apart.
//!
//! The page decodes the scene with the browser's own `DecompressionStream`, so it needs
//! no library and no network.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Value, json};

use super::table::{Table, Values};
use super::write_with;
use crate::bundle::POINTS;
use crate::graph::{Direction, Graph};
use crate::khop::Selection;
use crate::render::palette::{BACKGROUND, ColorBy, Legend, RAMP, hex, pack};
use crate::view::Drawing;

const PAGE: &str = include_str!("../../web/index.html");
const STYLE: &str = include_str!("../../web/viewer.css");
/// The page's script: its parts in order (one module once in the page).
const SCRIPT: &str =
    concat!(include_str!("../../web/scene.js"), include_str!("../../web/gl.js"), include_str!("../../web/viewer.js"));

/// The first bytes of a scene, before its header's length.
pub const MAGIC: &[u8; 4] = b"NLV1";

/// Colourings a page offers at most (each is 4 bytes a node).
const MAX_COLORINGS: usize = 24;

/// An embedding shown beside the graph, linked to it.
pub struct LinkedEmbedding {
    /// What the pane is called ("gcn_hidden.npy (umap)").
    pub name: String,
    /// 2D position per node.
    pub positions: Vec<[f32; 4]>,
}

/// What a page shows: a drawn graph, the selection it opens with, and an embedding.
pub struct PageScene<'a> {
    pub title: String,
    pub graph: &'a Graph,
    pub drawing: &'a Drawing,
    pub selection: Option<&'a Selection>,
    pub embedding: Option<&'a LinkedEmbedding>,
}

/// Typed arrays laid end to end, each at a multiple of 4 bytes.
#[derive(Default)]
struct Sections {
    bytes: Vec<u8>,
    index: serde_json::Map<String, Value>,
}

impl Sections {
    fn push<T: bytemuck::Pod>(&mut self, name: &str, kind: &str, values: &[T]) -> String {
        let offset = self.bytes.len();
        let bytes: &[u8] = bytemuck::cast_slice(values);
        self.bytes.extend_from_slice(bytes);
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
        self.index.insert(name.to_owned(), json!({ "offset": offset, "bytes": bytes.len(), "type": kind }));
        name.to_owned()
    }

    /// Strings as UTF-8 joined by NUL (a NUL inside a string becomes a space).
    fn push_text(&mut self, name: &str, values: impl Iterator<Item = String>) -> String {
        let mut text = Vec::new();
        for (i, value) in values.enumerate() {
            if i > 0 {
                text.push(0);
            }
            text.extend(value.bytes().map(|b| if b == 0 { b' ' } else { b }));
        }
        self.push(name, "text", &text)
    }
}

#[derive(Serialize)]
struct Coloring {
    name: String,
    section: String,
    legend: Value,
}

fn legend_json(legend: Legend) -> Value {
    match legend {
        Legend::Categories(entries) => json!({
            "kind": "categories",
            "entries": entries.into_iter().map(|(name, color, count)| json!([name, hex(color), count])).collect::<Vec<_>>(),
        }),
        Legend::Ramp { low, high, log } => json!({
            "kind": "ramp", "low": low, "high": high, "log": log,
            "stops": RAMP.iter().map(|&rgb| hex(pack(rgb))).collect::<Vec<_>>(),
        }),
        Legend::None => Value::Null,
    }
}

/// The scene of `page`, gzip-compressed: `NLV1`, the header's length (u32, little-endian),
/// the JSON header (counts, bounds, style, colourings with their legends, columns, groups,
/// the initial selection, and where each array lies), zero padding to 4 bytes, the arrays.
pub fn scene(page: &PageScene) -> std::io::Result<Vec<u8>> {
    let (graph, drawing) = (page.graph, page.drawing);
    let n = graph.node_count() as usize;
    let mut sections = Sections::default();
    let positions: Vec<[f32; 3]> = drawing.positions.iter().map(|p| [p[0], p[1], p[2]]).collect();
    sections.push("positions", "f32", &positions);
    let radii: Vec<f32> = (0..n as u32).map(|v| drawing.radius(v)).collect();
    sections.push("radii", "f32", &radii);
    sections.push("src", "u32", &graph.src);
    sections.push("dst", "u32", &graph.dst);
    if let Some(weights) = &graph.weights {
        sections.push("weights", "f32", weights);
    }
    if let Some(paths) = &drawing.paths {
        let points: Vec<[f32; 3]> = paths.iter().map(|p| [p[0], p[1], p[2]]).collect();
        sections.push("paths", "f32", &points);
    }
    // The colour `render` gives first, then every other colouring the graph offers.
    let mut colorings = vec![Coloring {
        name: "as drawn".into(),
        section: sections.push("color:drawn", "u32", &drawing.colors),
        legend: legend_json(ColorBy::Class.legend(graph)),
    }];
    for choice in ColorBy::choices(graph).into_iter().take(MAX_COLORINGS) {
        let name = choice.name();
        let colors = choice.colors(graph);
        colorings.push(Coloring {
            section: sections.push(&format!("color:{name}"), "u32", &colors),
            legend: legend_json(choice.legend(graph)),
            name,
        });
    }
    // Node columns for tooltips: everything a table of the nodes holds but the geometry
    // and the hops (the page counts them for its own selection).
    let table = Table::nodes(graph, drawing);
    let mut columns = Vec::new();
    for (name, values) in &table.columns {
        if ["id", "x", "y", "z", "size", "color", "hop"].contains(&name.as_str()) {
            continue;
        }
        let key = format!("column:{name}");
        let section = match values {
            Values::Index(v) => sections.push(&key, "u32", v),
            Values::Integer(v) => sections.push(&key, "i32", v),
            Values::Real(v) => sections.push(&key, "f32", v),
            Values::Text(v) => sections.push_text(&key, v.iter().cloned()),
        };
        columns.push(json!({ "name": name, "section": section }));
    }
    let groups = if graph.groups.is_empty() {
        Value::Null
    } else {
        let of: Vec<i32> = (0..n as u32).map(|v| graph.groups.group_of(v).map_or(-1, |g| g as i32)).collect();
        sections.push("group_of", "i32", &of);
        Value::from(
            graph.groups.groups.iter().map(|g| json!({ "name": g.name, "parent": g.parent })).collect::<Vec<_>>(),
        )
    };
    if let Some(embedding) = page.embedding {
        let points: Vec<[f32; 2]> = embedding.positions.iter().map(|p| [p[0], p[1]]).collect();
        sections.push("embedding", "f32", &points);
    }
    let selection = page.selection.map(|s| {
        let direction = if graph.directed { s.direction } else { Direction::Both };
        json!({ "seeds": s.seeds, "hops": s.hops, "direction": direction.name() })
    });
    let style = drawing.style;
    let header = json!({
        "title": page.title,
        "nodes": n,
        "edges": graph.edge_count(),
        "dim": drawing.dim.count(),
        "directed": graph.directed,
        "bounds": { "min": drawing.bounds.min.to_array(), "max": drawing.bounds.max.to_array() },
        "style": {
            "edgeAlpha": style.edge_alpha,
            "edgeWidth": style.edge_width_px,
            "edgeColoring": format!("{:?}", style.edge_coloring).to_lowercase(),
            "background": BACKGROUND,
        },
        "pathPoints": drawing.paths.as_ref().map(|_| POINTS),
        "colorings": colorings,
        "columns": columns,
        "groups": groups,
        "selection": selection,
        "embedding": page.embedding.map(|e| json!({ "name": e.name })),
        "sections": sections.index,
    });
    let header = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
    let mut raw = Vec::with_capacity(8 + header.len() + 3 + sections.bytes.len());
    raw.extend_from_slice(MAGIC);
    raw.extend_from_slice(&(header.len() as u32).to_le_bytes());
    raw.extend_from_slice(&header);
    while !raw.len().is_multiple_of(4) {
        raw.push(b' ');
    }
    raw.extend_from_slice(&sections.bytes);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&raw)?;
    gz.finish()
}

/// Where the page finds its scene.
pub enum SceneData<'a> {
    /// Inside the page, as base64: a self-contained file.
    Inline(&'a [u8]),
    /// At this URL, relative to the page (`netlens serve`).
    Url(&'a str),
}

/// The page: `web/index.html` with its style, script and scene put in.
pub fn page(title: &str, data: SceneData) -> String {
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let data = match data {
        SceneData::Inline(bytes) => format!(
            "<script id=\"netlens-data\" type=\"application/octet-stream\">{}</script>",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        SceneData::Url(url) => {
            format!("<script id=\"netlens-data\" type=\"application/octet-stream\" data-src=\"{url}\"></script>")
        }
    };
    // One pass, so text put in is never searched for the next placeholder.
    let mut out = String::with_capacity(PAGE.len() + STYLE.len() + SCRIPT.len() + data.len());
    let mut rest = PAGE;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find("}}").expect("web/index.html: an unclosed {{");
        match &rest[start + 2..end] {
            "title" => out.push_str(&escaped),
            "style" => out.push_str(STYLE),
            "script" => out.push_str(SCRIPT),
            "data" => out.push_str(&data),
            other => panic!("web/index.html: unknown placeholder {other}"),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Writes `scene` as one self-contained page at `path`.
pub fn write(path: &Path, scene: &PageScene) -> std::io::Result<()> {
    let bytes = self::scene(scene)?;
    write_with(path, |file| file.write_all(page(&scene.title, SceneData::Inline(&bytes)).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_holds_its_parts_and_escapes_the_title() {
        let html = page("a<b>&\"c\"", SceneData::Url("scene.bin"));
        assert!(html.contains("<title>a&lt;b&gt;&amp;&quot;c&quot;"), "{}", &html[..200]);
        assert!(html.contains("data-src=\"scene.bin\""));
        assert!(html.contains(SCRIPT) && html.contains(STYLE));
        assert!(!SCRIPT.contains("</script"), "the script would end its own element");
        assert!(!html.contains("{{"));
    }
}
