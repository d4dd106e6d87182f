//! Attention maps as weighted token-to-token edges, drawn like BertViz's views on the GPU:
//! a head view (one layer and head: the tokens in two columns, queries left and keys
//! right, each query joined to the keys it attends to) and a model view (every layer and
//! head in a grid of small head views). Edges carry the attention weight and are drawn
//! along the ramp, opaque as they are heavy; rows keep their `top_k` strongest keys above
//! `min_weight`, so thousands of tokens stay drawable.

use std::path::Path;

use crate::graph::{Graph, StringTable};
use crate::load::{LoadError, Source, weights};
use crate::view::picture::Text;

/// Attention weights, `[layer][head][query][key]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    pub layers: usize,
    pub heads: usize,
    pub tokens: usize,
    values: Vec<f32>,
}

impl Attention {
    pub fn new(layers: usize, heads: usize, tokens: usize, values: Vec<f32>) -> Attention {
        assert_eq!(values.len(), layers * heads * tokens * tokens, "one value per layer, head, query and key");
        Attention { layers, heads, tokens, values }
    }

    /// Query `i`'s weights over the keys, in layer `l`, head `h`.
    pub fn row(&self, l: usize, h: usize, i: usize) -> &[f32] {
        let t = self.tokens;
        let start = ((l * self.heads + h) * t + i) * t;
        &self.values[start..start + t]
    }
}

/// Reads attention from a .npy array of `[layers, heads, T, T]`, `[heads, T, T]` or
/// `[T, T]` (a leading batch dimension of 1 is dropped), or from a safetensors file of
/// such tensors (one per layer, in name order, as transformers returns them).
pub fn load(path: &Path) -> Result<Attention, LoadError> {
    let source = Source::File(path.to_owned());
    let pieces: Vec<(Vec<u64>, Vec<f32>)> = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        vec![crate::load::load_array(path, 5)?]
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("safetensors")) {
        let store = weights::open(path)?;
        let mut tensors: Vec<_> = store.tensors.iter().filter(|t| t.shape.len() >= 2).collect();
        tensors.sort_by_key(|t| natural(&t.name));
        tensors
            .into_iter()
            .map(|t| {
                let mut values = Vec::new();
                if let Some(mut pieces) = store.pieces(t) {
                    while let Some(piece) = pieces.next_piece() {
                        values.extend_from_slice(piece);
                    }
                }
                (t.shape.clone(), values)
            })
            .collect()
    } else {
        return Err(LoadError::invalid(&source, "attention is read from .npy or .safetensors files"));
    };
    let mut layers = 0;
    let (mut heads, mut tokens) = (None, None);
    let mut values = Vec::new();
    for (shape, piece) in pieces {
        let mut dims: Vec<u64> = shape.clone();
        while dims.len() > 2 && dims[0] == 1 && dims.len() > 3 {
            dims.remove(0); // a batch of one
        }
        let (l, h, t, k) = match *dims.as_slice() {
            [t, k] => (1, 1, t, k),
            [h, t, k] => (1, h, t, k),
            [l, h, t, k] => (l, h, t, k),
            _ => {
                return Err(LoadError::invalid(
                    &source,
                    format!("has an array of shape {shape:?}; expected [layers, heads, T, T]"),
                ));
            }
        };
        if t != k || t == 0 {
            return Err(LoadError::invalid(&source, format!("has an array of shape {shape:?}: attention is T x T")));
        }
        if heads.is_some_and(|x| x != h) || tokens.is_some_and(|x| x != t) {
            return Err(LoadError::invalid(
                &source,
                format!("mixes shapes: {shape:?} after {:?} heads of {:?} tokens", heads, tokens),
            ));
        }
        if piece.len() as u64 != l * h * t * t {
            return Err(LoadError::invalid(&source, format!("an array of shape {shape:?} could not be read in full")));
        }
        if let Some(v) = piece.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(LoadError::invalid(
                &source,
                format!("holds {v}: attention weights are finite and not negative"),
            ));
        }
        heads = Some(h);
        tokens = Some(t);
        layers += l as usize;
        values.extend(piece);
    }
    match (heads, tokens) {
        (Some(h), Some(t)) => Ok(Attention::new(layers, h as usize, t as usize, values)),
        _ => Err(LoadError::invalid(&source, "holds no attention arrays")),
    }
}

/// A name split into text and numbers, so `layer.10` sorts after `layer.9`.
fn natural(name: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let (mut text, mut number) = (String::new(), None::<u64>);
    for c in name.chars() {
        match (c.to_digit(10), number) {
            (Some(d), n) => number = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as u64)),
            (None, Some(n)) => {
                parts.push((std::mem::take(&mut text), n));
                number = None;
                text.push(c);
            }
            (None, None) => text.push(c),
        }
    }
    parts.push((text, number.unwrap_or(0)));
    parts
}

/// Which heads to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// One layer and head, full size.
    Head { layer: usize, head: usize },
    /// Every layer (rows) and head (columns).
    Model,
}

/// Which edges to keep: per query, its `top_k` strongest keys of at least `min_weight`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keep {
    pub min_weight: f32,
    pub top_k: usize,
}

/// An attention view as a graph with its positions, and where its texts go.
pub struct Drawing {
    pub graph: Graph,
    pub positions: Vec<[f32; 4]>,
    pub texts: Vec<Text>,
}

/// Vertical distance between tokens, in layout units.
pub const ROW: f32 = 1.0;

/// The graph of `view`: per head, the tokens twice (queries left, keys right), joined by
/// the kept weights; `tokens` label the head view's columns.
pub fn draw(attention: &Attention, tokens: &[String], view: View, keep: Keep) -> Drawing {
    let t = attention.tokens;
    let gap = (t as f32 * 0.35).max(6.0) * ROW;
    let panels: Vec<(usize, usize, f32, f32)> = match view {
        View::Head { layer, head } => vec![(layer, head, 0.0, 0.0)],
        View::Model => {
            let (dx, dy) = (gap * 1.6, t as f32 * ROW * 1.3);
            (0..attention.layers)
                .flat_map(|l| (0..attention.heads).map(move |h| (l, h, h as f32 * dx, -(l as f32) * dy)))
                .collect()
        }
    };
    let mut graph = Graph::with_nodes((panels.len() * 2 * t) as u32, true);
    let mut positions = Vec::with_capacity(panels.len() * 2 * t);
    let mut labels = StringTable::default();
    let mut weights = Vec::new();
    let mut kept: Vec<(usize, f32)> = Vec::with_capacity(t);
    let mut texts = Vec::new();
    for (p, &(l, h, x, y)) in panels.iter().enumerate() {
        let first = (p * 2 * t) as u32;
        for side in 0..2 {
            for i in 0..t {
                positions.push([x + side as f32 * gap, y - i as f32 * ROW, 0.0, 0.0]);
                labels.push(tokens.get(i).map_or("", String::as_str));
            }
        }
        for i in 0..t {
            kept.clear();
            kept.extend(attention.row(l, h, i).iter().copied().enumerate().filter(|&(_, w)| w >= keep.min_weight));
            if kept.len() > keep.top_k {
                kept.select_nth_unstable_by(keep.top_k, |a, b| b.1.total_cmp(&a.1));
                kept.truncate(keep.top_k);
            }
            kept.sort_unstable_by_key(|&(j, _)| j);
            for &(j, w) in &kept {
                graph.push_edge(first + i as u32, first + (t + j) as u32);
                weights.push(w);
            }
        }
        match view {
            View::Head { .. } => {
                for (i, token) in tokens.iter().enumerate().take(t) {
                    let row = y - i as f32 * ROW;
                    texts.push(Text { at: [x - 0.5 * ROW, row], text: token.clone(), left: true, title: false });
                    texts.push(Text { at: [x + gap + 0.5 * ROW, row], text: token.clone(), left: false, title: false });
                }
            }
            View::Model => {
                if l == 0 {
                    let at = [x, y + ROW * 1.5 + t as f32 * ROW * 0.05];
                    texts.push(Text { at, text: format!("head {h}"), left: false, title: true });
                }
                if h == 0 {
                    let at = [x - ROW, y - t as f32 * ROW * 0.5];
                    texts.push(Text { at, text: format!("layer {l}"), left: true, title: true });
                }
            }
        }
    }
    graph.weights = Some(weights);
    graph.nodes.labels = Some(labels);
    Drawing { graph, positions, texts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Attention {
        // 1 layer, 2 heads, 3 tokens: head 0 attends to itself, head 1 to token 0.
        let mut values = Vec::new();
        for h in 0..2 {
            for i in 0..3 {
                for j in 0..3 {
                    values.push(if h == 0 { (i == j) as u8 as f32 } else { (j == 0) as u8 as f32 * 0.9 + 0.05 });
                }
            }
        }
        Attention::new(1, 2, 3, values)
    }

    #[test]
    fn a_head_view_joins_queries_to_their_keys() {
        let tokens: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let keep = Keep { min_weight: 0.1, top_k: 8 };
        let d = draw(&tiny(), &tokens, View::Head { layer: 0, head: 1 }, keep);
        assert_eq!(d.graph.node_count(), 6);
        assert_eq!((d.graph.src.clone(), d.graph.dst.clone()), (vec![0, 1, 2], vec![3, 3, 3]), "every query to key 0");
        assert_eq!(d.graph.weights.as_ref().unwrap(), &[0.95, 0.95, 0.95]);
        assert_eq!(d.texts.len(), 6);
        assert_eq!(d.graph.node_name(4), "b");
        let d = draw(&tiny(), &tokens, View::Model, Keep { min_weight: 0.0, top_k: 1 });
        assert_eq!(d.graph.node_count(), 12);
        assert_eq!(d.graph.edge_count(), 6, "one key per query and head");
        assert_eq!(&d.graph.dst[..3], &[3, 4, 5], "head 0: the diagonal");
    }

    #[test]
    fn names_sort_by_their_numbers() {
        let mut names = vec!["layer.10", "layer.9", "layer.1"];
        names.sort_by_key(|n| natural(n));
        assert_eq!(names, ["layer.1", "layer.9", "layer.10"]);
    }
}
