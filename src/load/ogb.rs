//! Open Graph Benchmark node-property datasets, as their folders lie on disk after the
//! download: `raw/edge.csv.gz` (one `source,target` a line), `raw/num-node-list.csv.gz`,
//! `raw/node-feat.csv.gz` (a row of features per node), `raw/node-label.csv.gz` (a class
//! per node, `nan` for none) and `split/<name>/{train,valid,test}.csv.gz` (node indices).
//!
//! Whether the edges are directed is not in the folder: OGB's own `master.csv` says it
//! (`add_inverse_edge`), and [`KNOWN`] copies that column for the node-property datasets.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{LoadError, Source, compressed, edgelist, table};
use crate::graph::{Column, Graph, SPLIT_PARTS};

/// OGB's `add_inverse_edge` per node-property dataset (ogb/nodeproppred/master.csv, ogb
/// 1.3.6): `true` means the stored edges are one direction of an undirected graph.
const KNOWN: &[(&str, bool)] =
    &[("ogbn-proteins", true), ("ogbn-products", true), ("ogbn-arxiv", false), ("ogbn-papers100M", false)];

/// What the folder held besides the edges, for `info`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    /// The dataset's name, from its folder (`ogbn-arxiv`).
    pub dataset: String,
    /// Width of the node features (`feat`), where the folder has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
    /// Whether the edges are directed, and who says so.
    pub direction: String,
}

/// A split's name (its folder) and its sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    pub name: String,
    pub train: usize,
    pub valid: usize,
    pub test: usize,
}

/// The dataset root at or just inside `dir`: a folder with a `raw/` folder of OGB files
/// (`edge.csv.gz`, `num-node-list.csv.gz`, `node-label.csv.gz`) or beside a `split/`.
pub fn root(dir: &Path) -> Option<PathBuf> {
    let is_root = |d: &Path| {
        let raw = d.join("raw");
        raw.is_dir()
            && (["edge.csv", "num-node-list.csv", "node-label.csv"].iter().any(|name| file(&raw, name).is_some())
                || d.join("split").is_dir())
    };
    if is_root(dir) {
        return Some(dir.to_owned());
    }
    let mut inside: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(|e| Some(e.ok()?.path())).collect();
    inside.sort();
    inside.into_iter().find(|d| d.is_dir() && is_root(d))
}

/// `dir/name.gz`, else `dir/name`, where it exists.
fn file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(format!("{name}.gz")), dir.join(name)].into_iter().find(|p| p.is_file())
}

/// The dataset's name from its root folder: `ogbn_arxiv` and `ogbn-arxiv` are both
/// `ogbn-arxiv`.
fn name_of(root: &Path) -> String {
    root.file_name().map(|n| n.to_string_lossy().replace('_', "-")).unwrap_or_default()
}

fn open(path: &Path) -> Result<(Box<dyn BufRead + Send>, Source), LoadError> {
    let (reader, _, source) = compressed::open(path)?;
    Ok((reader, source))
}

/// Reads an OGB node-property dataset folder (`dir` is its root, or the folder around
/// it): the edges, and where present the features (node column `feat`), the labels (the
/// classes; several label columns become node column `labels`) and the split (node column
/// `split`, coded as [`SPLIT_PARTS`]).
pub fn read(dir: &Path) -> Result<(Graph, Dataset), LoadError> {
    let source = Source::File(dir.to_owned());
    let root = root(dir).ok_or_else(|| LoadError::invalid(&source, "is not an OGB dataset folder (no raw/ folder)"))?;
    let raw = root.join("raw");
    if raw.join("relations").is_dir() || raw.join("triplet-type-list.csv.gz").is_file() {
        return Err(LoadError::invalid(
            &source,
            "is a heterogeneous OGB dataset (several node and edge types); netlens reads homogeneous ones",
        ));
    }
    let dataset = name_of(&root);
    let edges = file(&raw, "edge.csv").ok_or_else(|| {
        LoadError::invalid(
            &Source::File(root.clone()),
            "is an OGB dataset folder without its edges: raw/edge.csv.gz is missing",
        )
    })?;
    let (reader, edge_source) = open(&edges)?;
    let mut graph = edgelist::read(reader, &edge_source)?;
    if !graph.ids_are_indices {
        return Err(LoadError::invalid(&edge_source, "holds node names; OGB edges are node indices"));
    }
    if let Some(path) = file(&raw, "num-node-list.csv") {
        let (reader, count_source) = open(&path)?;
        let nodes = match integers(reader, &count_source)?.as_slice() {
            [n] => *n,
            _ => return Err(LoadError::invalid(&count_source, "should hold one node count (one graph)")),
        };
        if nodes < graph.node_count() as u64 {
            return Err(LoadError::invalid(
                &count_source,
                format!("says {nodes} nodes, but the edges name node {}", graph.node_count() - 1),
            ));
        }
        graph.fit_rows(nodes as usize).map_err(|e| LoadError::invalid(&count_source, e.to_string()))?;
    }
    let known = KNOWN.iter().find(|(name, _)| name.eq_ignore_ascii_case(&dataset));
    graph.directed = !known.is_some_and(|(_, inverse)| *inverse);
    let direction = match known {
        Some((_, true)) => "undirected, as OGB's master.csv says (add_inverse_edge True)".to_owned(),
        Some((_, false)) => "directed, as OGB's master.csv says (add_inverse_edge False)".to_owned(),
        None => {
            "directed as stored: OGB's master.csv does not list this name (--undirected reads both ways)".to_owned()
        }
    };
    let mut summary = Dataset { dataset, features: None, split: None, direction };
    let nodes = graph.node_count() as usize;
    if let Some((width, values)) = node_rows(&raw, "node-feat.csv", nodes)? {
        graph.attach_column(Column { name: "feat".into(), width, values }).expect("one row per node");
        summary.features = Some(width);
    }
    if let Some((width, values)) = node_rows(&raw, "node-label.csv", nodes)? {
        if width == 1 {
            let classes = values.iter().map(|&v| if v.is_finite() && v >= 0.0 { v as i32 } else { -1 }).collect();
            graph.attach_classes(classes).expect("one row per node");
        } else {
            graph.attach_column(Column { name: "labels".into(), width, values }).expect("one row per node");
        }
    }
    if let Some((split, codes)) = split(&root.join("split"), nodes)? {
        let values = codes.into_iter().map(f32::from).collect();
        graph.attach_column(Column { name: "split".into(), width: 1, values }).expect("one row per node");
        summary.split = Some(split);
    }
    Ok((graph, summary))
}

/// The rows of `dir/name[.gz]`, where it exists: their width and values, one row per
/// node.
fn node_rows(dir: &Path, name: &str, nodes: usize) -> Result<Option<(usize, Vec<f32>)>, LoadError> {
    let Some(path) = file(dir, name) else {
        return Ok(None);
    };
    let (reader, source) = open(&path)?;
    let (width, values) = table(reader, &source)?;
    let rows = values.len().checked_div(width).unwrap_or(0);
    if rows != nodes {
        return Err(LoadError::invalid(
            &source,
            format!("has {rows} rows, but the dataset has {nodes} nodes: one row per node"),
        ));
    }
    Ok(Some((width, values)))
}

/// The first split folder, and its parts as a code per node ([`SPLIT_PARTS`]).
fn split(dir: &Path, nodes: usize) -> Result<Option<(Split, Vec<u8>)>, LoadError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut folders: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).filter(|p| p.is_dir()).collect();
    folders.sort();
    let Some(folder) = folders.into_iter().find(|f| file(f, "train.csv").is_some()) else {
        return Ok(None);
    };
    let mut codes = vec![0u8; nodes];
    let mut sizes = [0; 3];
    for (part, name) in SPLIT_PARTS.iter().enumerate() {
        let Some(path) = file(&folder, &format!("{name}.csv")) else {
            continue;
        };
        let (reader, part_source) = open(&path)?;
        let values = integers(reader, &part_source)?;
        for (row, &v) in values.iter().enumerate() {
            if v >= nodes as u64 {
                return Err(LoadError::line(
                    &part_source,
                    row as u64 + 1,
                    format!("{v} is not a node index below {nodes}"),
                ));
            }
            codes[v as usize] = part as u8 + 1;
        }
        sizes[part] = values.len();
    }
    let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let [train, valid, test] = sizes;
    Ok(Some((Split { name, train, valid, test }, codes)))
}

/// One non-negative integer a line (exact where f32 would round: OGB's largest graphs
/// number 111 million nodes).
fn integers(reader: impl BufRead, source: &Source) -> Result<Vec<u64>, LoadError> {
    let mut values = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| LoadError::io(source, e))?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let value = text
            .parse::<u64>()
            .map_err(|_| LoadError::line(source, i as u64 + 1, format!("'{text}' is not a non-negative integer")))?;
        values.push(value);
    }
    Ok(values)
}
