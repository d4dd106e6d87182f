//! Two models compared: the operators and groups added, removed and changed (matched by
//! name), and how far the weights moved, tensor by tensor and layer by layer. Weights are
//! streamed in pieces from both files at once, so memory stays bounded by a piece, not a
//! model. A checkpoint against a later one shows where training changed the network; two
//! versions of an architecture show what was added or taken out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::graph::Graph;
use crate::load::weights::Weights;

/// An operator or group only one side has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// `operator` or `group`.
    pub kind: &'static str,
    pub name: String,
    /// The operator's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
}

/// An operator both sides have, with what differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub name: String,
    /// One line per difference: `op: Conv -> ConvTranspose`, `shape: ...`.
    pub what: Vec<String>,
}

/// How far one weight tensor moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightDelta {
    pub tensor: String,
    pub shape: Vec<u64>,
    /// Root mean square of the values in A and in B.
    pub rms_a: f64,
    pub rms_b: f64,
    /// Root mean square of B - A.
    pub rms_delta: f64,
    /// `rms_delta / rms_a` (0 when A is all zeros and B equals it).
    pub relative: f64,
    pub max_abs_delta: f64,
}

/// The weight deltas of one layer (the tensors named `LAYER.something`), together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerDelta {
    pub layer: String,
    pub tensors: usize,
    pub elements: u64,
    pub rms_delta: f64,
    pub relative: f64,
}

/// Weight tensors that could not be compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Unmatched {
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Same name, other shapes: (name, shape in A, shape in B).
    pub reshaped: Vec<(String, Vec<u64>, Vec<u64>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelDiff {
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub changed: Vec<Change>,
    /// Tensors in both with one shape, largest relative change first.
    pub weights: Vec<WeightDelta>,
    /// The same, by layer, largest relative change first.
    pub layers: Vec<LayerDelta>,
    pub unmatched_weights: Unmatched,
}

/// A weight moved when it changed by more than this, relative to its size.
pub const MOVED: f64 = 1e-6;

/// Node names and what describes each node: its type, and its text columns.
fn operators(graph: &Graph) -> BTreeMap<String, Vec<(String, String)>> {
    let nodes = &graph.nodes;
    (0..graph.node_count())
        .map(|v| {
            let mut traits = Vec::new();
            if let (Some(classes), Some(names)) = (&nodes.classes, &nodes.class_names) {
                let class = classes[v as usize];
                let name = if class >= 0 { names.get(class as usize) } else { None };
                traits.push(("op".to_owned(), name.unwrap_or("").to_owned()));
            }
            for column in &nodes.text_columns {
                traits.push((column.name.clone(), column.values.get(v as usize).unwrap_or("").to_owned()));
            }
            (graph.node_name(v), traits)
        })
        .collect()
}

/// The path of every group, `a/b/c`.
fn group_paths(graph: &Graph) -> BTreeSet<String> {
    (0..graph.groups.len() as u32).map(|g| graph.groups.path(g).join("/")).collect()
}

/// Compares model `a` (its graph and weights) with model `b`.
pub fn diff(a: &Graph, weights_a: &Weights, b: &Graph, weights_b: &Weights) -> ModelDiff {
    let (ops_a, ops_b) = (operators(a), operators(b));
    let op_of = |traits: &[(String, String)]| traits.iter().find(|(k, _)| k == "op").map(|(_, v)| v.clone());
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (name, traits) in &ops_b {
        if !ops_a.contains_key(name) {
            added.push(Entry { kind: "operator", name: name.clone(), op: op_of(traits) });
        }
    }
    for (name, traits) in &ops_a {
        match ops_b.get(name) {
            None => removed.push(Entry { kind: "operator", name: name.clone(), op: op_of(traits) }),
            Some(other) => {
                let theirs: HashMap<&str, &str> = other.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let what: Vec<String> = traits
                    .iter()
                    .filter_map(|(key, mine)| {
                        let theirs = theirs.get(key.as_str()).copied().unwrap_or("");
                        (mine != theirs).then(|| format!("{key}: {mine} -> {theirs}"))
                    })
                    .collect();
                if !what.is_empty() {
                    changed.push(Change { name: name.clone(), what });
                }
            }
        }
    }
    let (groups_a, groups_b) = (group_paths(a), group_paths(b));
    added.extend(groups_b.difference(&groups_a).map(|g| Entry { kind: "group", name: g.clone(), op: None }));
    removed.extend(groups_a.difference(&groups_b).map(|g| Entry { kind: "group", name: g.clone(), op: None }));

    let (weights, unmatched_weights) = weight_deltas(weights_a, weights_b);
    let layers = layer_deltas(&weights);
    ModelDiff { added, removed, changed, weights, layers, unmatched_weights }
}

/// Streams every tensor both sides have with one shape.
fn weight_deltas(a: &Weights, b: &Weights) -> (Vec<WeightDelta>, Unmatched) {
    let in_b: HashMap<&str, &crate::load::transformer::Tensor> =
        b.tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let names_a: BTreeSet<&str> = a.tensors.iter().map(|t| t.name.as_str()).collect();
    let mut unmatched = Unmatched {
        only_b: b.tensors.iter().filter(|t| !names_a.contains(t.name.as_str())).map(|t| t.name.clone()).collect(),
        ..Unmatched::default()
    };
    let mut deltas = Vec::new();
    for ta in &a.tensors {
        let Some(&tb) = in_b.get(ta.name.as_str()) else {
            unmatched.only_a.push(ta.name.clone());
            continue;
        };
        if ta.shape != tb.shape {
            unmatched.reshaped.push((ta.name.clone(), ta.shape.clone(), tb.shape.clone()));
            continue;
        }
        let (Some(mut pa), Some(mut pb)) = (a.pieces(ta), b.pieces(tb)) else {
            unmatched.reshaped.push((ta.name.clone(), ta.shape.clone(), tb.shape.clone()));
            continue;
        };
        let (mut sa, mut sb, mut sd, mut max, mut n) = (0f64, 0f64, 0f64, 0f64, 0u64);
        while let (Some(xs), Some(ys)) = (pa.next_piece(), pb.next_piece()) {
            for (&x, &y) in xs.iter().zip(ys) {
                let (x, y) = (x as f64, y as f64);
                sa += x * x;
                sb += y * y;
                sd += (y - x) * (y - x);
                max = max.max((y - x).abs());
                n += 1;
            }
        }
        let n = n.max(1) as f64;
        let (rms_a, rms_b, rms_delta) = ((sa / n).sqrt(), (sb / n).sqrt(), (sd / n).sqrt());
        let relative = if rms_a > 0.0 { rms_delta / rms_a } else { rms_delta };
        deltas.push(WeightDelta {
            tensor: ta.name.clone(),
            shape: ta.shape.clone(),
            rms_a,
            rms_b,
            rms_delta,
            relative,
            max_abs_delta: max,
        });
    }
    deltas.sort_by(|x, y| y.relative.total_cmp(&x.relative).then_with(|| x.tensor.cmp(&y.tensor)));
    (deltas, unmatched)
}

/// The layer a tensor belongs to: its name up to the last `.` (`fc1.weight` -> `fc1`).
pub fn layer_of(tensor: &str) -> &str {
    tensor.rsplit_once('.').map_or(tensor, |(layer, _)| layer)
}

fn layer_deltas(weights: &[WeightDelta]) -> Vec<LayerDelta> {
    // Sums of squares by layer: (tensors, elements, sum of squared deltas, of squared A).
    let mut sums: BTreeMap<&str, (usize, u64, f64, f64)> = BTreeMap::new();
    for w in weights {
        let n = w.shape.iter().product::<u64>().max(1);
        let entry = sums.entry(layer_of(&w.tensor)).or_default();
        entry.0 += 1;
        entry.1 += n;
        entry.2 += w.rms_delta * w.rms_delta * n as f64;
        entry.3 += w.rms_a * w.rms_a * n as f64;
    }
    let mut layers: Vec<LayerDelta> = sums
        .into_iter()
        .map(|(layer, (tensors, elements, delta, size))| {
            let rms_delta = (delta / elements as f64).sqrt();
            let rms_a = (size / elements as f64).sqrt();
            LayerDelta {
                layer: layer.to_owned(),
                tensors,
                elements,
                rms_delta,
                relative: if rms_a > 0.0 { rms_delta / rms_a } else { rms_delta },
            }
        })
        .collect();
    layers.sort_by(|x, y| y.relative.total_cmp(&x.relative).then_with(|| x.layer.cmp(&y.layer)));
    layers
}

/// How each of `b`'s nodes compares with `a`: 0 unchanged, 1 changed (its description, or
/// weights it reads moved by more than [`MOVED`]), 2 added. The names, in that order.
pub fn node_status(b: &Graph, diff: &ModelDiff) -> (Vec<i32>, [&'static str; 3]) {
    let added: BTreeSet<&str> = diff.added.iter().filter(|e| e.kind == "operator").map(|e| e.name.as_str()).collect();
    let changed: BTreeSet<&str> = diff.changed.iter().map(|c| c.name.as_str()).collect();
    let moved: BTreeSet<&str> = diff.weights.iter().filter(|w| w.relative > MOVED).map(|w| w.tensor.as_str()).collect();
    let params = b.nodes.text_columns.iter().find(|c| c.name == "params");
    let status = (0..b.node_count())
        .map(|v| {
            let name = b.node_name(v);
            let reads_moved = params.and_then(|p| p.values.get(v as usize)).is_some_and(|text| {
                text.split("; ").any(|entry| entry.split_whitespace().next().is_some_and(|t| moved.contains(t)))
            });
            if added.contains(name.as_str()) {
                2
            } else if changed.contains(name.as_str()) || reads_moved {
                1
            } else {
                0
            }
        })
        .collect();
    (status, ["unchanged", "changed", "added"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_name_prefixes() {
        assert_eq!(layer_of("encoder.layer.0.attention.self.query.weight"), "encoder.layer.0.attention.self.query");
        assert_eq!(layer_of("fc1.bias"), "fc1");
        assert_eq!(layer_of("token_embd"), "token_embd");
    }

    #[test]
    fn layer_deltas_weigh_tensors_by_size() {
        let delta = |tensor: &str, n: u64, rms_delta: f64, rms_a: f64| WeightDelta {
            tensor: tensor.into(),
            shape: vec![n],
            rms_a,
            rms_b: rms_a,
            rms_delta,
            relative: rms_delta / rms_a,
            max_abs_delta: rms_delta,
        };
        let layers = layer_deltas(&[
            delta("fc1.weight", 300, 1.0, 1.0),
            delta("fc1.bias", 100, 0.0, 1.0),
            delta("fc2.weight", 10, 0.1, 1.0),
        ]);
        assert_eq!(layers[0].layer, "fc1");
        assert_eq!((layers[0].tensors, layers[0].elements), (2, 400));
        assert!((layers[0].rms_delta - (300.0f64 / 400.0).sqrt()).abs() < 1e-12);
        assert_eq!(layers[1].layer, "fc2");
    }
}
