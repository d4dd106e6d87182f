//! How an embedding agrees with its graph, and how well a projection keeps the
//! embedding's neighbourhoods.
//!
//! - Agreement of a node: the Jaccard overlap between its K-hop neighbourhood in the graph
//!   (itself excluded) and as many of its nearest neighbours in embedding space (at most
//!   `k`). 1: the embedding puts exactly its graph neighbours closest; 0: none of them.
//! - Trustworthiness at k (Venna and Kaski): 1 minus a normalised penalty for the points a
//!   projection puts among a point's k nearest that are not among them in the embedding,
//!   by how far down the embedding's ranking they are. 1 is perfect.

use serde::Serialize;

use super::Embedding;
use super::cpu::distance;
use crate::graph::{Direction, Graph, SPLIT_PARTS};

/// Bins of the agreement histogram, over [0, 1].
pub const BINS: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub hops: u32,
    pub k: usize,
    /// Nodes with a neighbourhood to compare (isolated nodes have none).
    pub nodes: usize,
    pub mean: f64,
    /// Nodes per tenth of [0, 1] (1 falls in the last bin).
    pub histogram: [u64; BINS],
    /// The nodes that agree least, worst first (the larger neighbourhood first on a tie).
    pub most_disagreeing: Vec<u32>,
    #[serde(skip)]
    pub per_node: Vec<Option<f32>>,
}

/// How predicted classes fare against the labels, and how the embedding agrees with its
/// graph where they are right and where they are wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Predictions {
    pub accuracy: f64,
    /// Nodes with a label (not -1).
    pub labelled: usize,
    /// Mean agreement of the rightly and of the wrongly predicted nodes.
    pub agreement_right: f64,
    pub agreement_wrong: f64,
    pub wrong: usize,
    /// Accuracy on each part of the split (train, valid, test), where there is a split.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_split: Vec<PartAccuracy>,
}

/// Accuracy on one part of a split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartAccuracy {
    pub part: &'static str,
    pub accuracy: f64,
    /// Labelled nodes in the part.
    pub labelled: usize,
}

impl Predictions {
    /// `labels` and `pred` hold a class per node (-1 in `labels`: none); `per_node` is the
    /// agreement of each node ([`Agreement::per_node`]); `split`, a part per node (1 train,
    /// 2 valid, 3 test, else none) where there is one.
    pub fn of(labels: &[i32], pred: &[i32], per_node: &[Option<f32>], split: Option<&[i32]>) -> Predictions {
        let rows = labels.len().min(pred.len());
        let mean_of = |right: bool| {
            let scores: Vec<f64> = (0..rows)
                .filter(|&v| labels[v] >= 0 && (pred[v] == labels[v]) == right)
                .filter_map(|v| per_node[v].map(f64::from))
                .collect();
            (scores.iter().sum::<f64>() / scores.len().max(1) as f64, scores.len())
        };
        let labelled = labels.iter().filter(|&&l| l >= 0).count();
        let right = (0..rows).filter(|&v| labels[v] >= 0 && pred[v] == labels[v]).count();
        let ((agreement_right, _), (agreement_wrong, wrong)) = (mean_of(true), mean_of(false));
        Predictions {
            accuracy: right as f64 / labelled.max(1) as f64,
            labelled,
            agreement_right,
            agreement_wrong,
            wrong,
            by_split: split.map(|split| by_split(labels, pred, split)).unwrap_or_default(),
        }
    }
}

/// Accuracy per part of `split`, for the parts that hold labelled nodes.
fn by_split(labels: &[i32], pred: &[i32], split: &[i32]) -> Vec<PartAccuracy> {
    let rows = labels.len().min(pred.len()).min(split.len());
    (1..=SPLIT_PARTS.len() as i32)
        .filter_map(|code| {
            let nodes: Vec<usize> = (0..rows).filter(|&v| split[v] == code && labels[v] >= 0).collect();
            let right = nodes.iter().filter(|&&v| pred[v] == labels[v]).count();
            (!nodes.is_empty()).then(|| PartAccuracy {
                part: SPLIT_PARTS[code as usize - 1],
                accuracy: right as f64 / nodes.len() as f64,
                labelled: nodes.len(),
            })
        })
        .collect()
}

/// Agreement of every node; `neighbours` holds each row's `k` nearest, nearest first.
pub fn agreement(graph: &Graph, neighbours: &[u32], k: usize, hops: u32) -> Agreement {
    let n = graph.node_count() as usize;
    let adjacency = graph.csr(Direction::Both);
    // stamp[u] == v + 1: u lies in v's neighbourhood (no clearing between nodes).
    let mut stamp = vec![0u32; n];
    let (mut frontier, mut next, mut members) = (Vec::new(), Vec::new(), Vec::new());
    let mut per_node = Vec::with_capacity(n);
    let mut sizes = vec![0usize; n];
    for v in 0..n as u32 {
        members.clear();
        frontier.clear();
        frontier.push(v);
        stamp[v as usize] = v + 1;
        for _ in 0..hops {
            next.clear();
            for &u in &frontier {
                for &w in adjacency.neighbours(u) {
                    if stamp[w as usize] != v + 1 {
                        stamp[w as usize] = v + 1;
                        members.push(w);
                        next.push(w);
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
        }
        sizes[v as usize] = members.len();
        if members.is_empty() {
            per_node.push(None);
            continue;
        }
        let row = &neighbours[v as usize * k..(v as usize + 1) * k];
        let nearest = &row[..members.len().min(k)];
        let shared = nearest.iter().filter(|&&u| stamp[u as usize] == v + 1).count();
        per_node.push(Some(shared as f32 / (members.len() + nearest.len() - shared) as f32));
    }
    let scored: Vec<(u32, f32)> = per_node.iter().enumerate().filter_map(|(v, s)| s.map(|s| (v as u32, s))).collect();
    let mut histogram = [0u64; BINS];
    for &(_, s) in &scored {
        histogram[((s * BINS as f32) as usize).min(BINS - 1)] += 1;
    }
    let mean = scored.iter().map(|&(_, s)| s as f64).sum::<f64>() / scored.len().max(1) as f64;
    let mut worst = scored.clone();
    worst.sort_by(|a, b| a.1.total_cmp(&b.1).then(sizes[b.0 as usize].cmp(&sizes[a.0 as usize])).then(a.0.cmp(&b.0)));
    let most_disagreeing = worst.iter().take(10).map(|&(v, _)| v).collect();
    Agreement { hops, k, nodes: scored.len(), mean, histogram, most_disagreeing, per_node }
}

/// Trustworthiness at `k` of `positions` (`[x, y, z, _]` per row) as a view of
/// `embedding`, over at most `sample` evenly spaced rows (each costs a pass over all
/// rows).
pub fn trustworthiness(embedding: &Embedding, positions: &[[f32; 4]], k: usize, sample: usize) -> f64 {
    let n = embedding.rows;
    if n < 3 * k + 2 {
        return 1.0;
    }
    let step = n.div_ceil(sample.clamp(1, n));
    let rows: Vec<usize> = (0..n).step_by(step).collect();
    let projected = |a: usize, b: usize| -> f32 {
        (0..3).map(|c| (positions[a][c] - positions[b][c]) * (positions[a][c] - positions[b][c])).sum()
    };
    let mut penalty = 0.0f64;
    let mut rank = vec![0usize; n];
    let mut order: Vec<(f32, u32)> = Vec::with_capacity(n);
    for &i in &rows {
        order.clear();
        order.extend((0..n).filter(|&j| j != i).map(|j| (distance(embedding, i, j), j as u32)));
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (r, &(_, j)) in order.iter().enumerate() {
            rank[j as usize] = r + 1;
        }
        order.clear();
        order.extend((0..n).filter(|&j| j != i).map(|j| (projected(i, j), j as u32)));
        order.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        penalty += order[..k].iter().map(|&(_, j)| rank[j as usize].saturating_sub(k) as f64).sum::<f64>();
    }
    let (n, k) = (n as f64, k as f64);
    1.0 - 2.0 / (rows.len() as f64 * k * (2.0 * n - 3.0 * k - 1.0)) * penalty
}
