//! A training run: checkpoints of one model, each a weight on every edge of its
//! neuron-level graph, and the edges' look at any moment of the run (blended between the
//! two checkpoints around it): the weights themselves, or how far each has moved since
//! the first checkpoint. `netlens record` plays the run over a video; the window along a
//! slider.

use crate::graph::Graph;

/// One checkpoint: a name to show, and a weight for every edge of the run's graph.
pub struct Checkpoint {
    pub name: String,
    pub weights: Vec<f32>,
}

impl Checkpoint {
    /// `other`'s weights on the edges of `graph`, matched by their ends (0 where `other`
    /// lacks an edge); an error when it has a different number of nodes, that is, another
    /// architecture.
    pub fn aligned(name: String, graph: &Graph, other: &Graph) -> Result<Checkpoint, String> {
        if other.node_count() != graph.node_count() {
            return Err(format!(
                "has {} nodes at this level, the model {}: checkpoints must share its architecture",
                other.node_count(),
                graph.node_count()
            ));
        }
        let weights = other.weights.as_deref().unwrap_or(&[]);
        let by_ends: std::collections::HashMap<(u32, u32), f32> =
            other.src.iter().zip(&other.dst).zip(weights).map(|((&a, &b), &w)| ((a, b), w)).collect();
        let weights =
            graph.src.iter().zip(&graph.dst).map(|(&a, &b)| by_ends.get(&(a, b)).copied().unwrap_or(0.0)).collect();
        Ok(Checkpoint { name, weights })
    }
}

/// What the edges show along the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Each edge's absolute weight, over the largest in the run.
    Weights,
    /// How far each edge's weight has moved since the first checkpoint, over the largest
    /// such move.
    Change,
}

/// Checkpoints in training order (at least one), with the scales that keep colours
/// comparable from one moment to the next.
pub struct Run {
    checkpoints: Vec<Checkpoint>,
    largest: f32,
    largest_change: f32,
}

impl Run {
    /// `None` for no checkpoints.
    pub fn new(checkpoints: Vec<Checkpoint>) -> Option<Run> {
        let first = checkpoints.first()?;
        let largest = checkpoints.iter().flat_map(|c| &c.weights).fold(0.0f32, |m, w| m.max(w.abs()));
        let largest_change = checkpoints
            .iter()
            .flat_map(|c| c.weights.iter().zip(&first.weights).map(|(w, w0)| (w - w0).abs()))
            .fold(0.0f32, f32::max);
        Some(Run {
            largest: largest.max(f32::MIN_POSITIVE),
            largest_change: largest_change.max(f32::MIN_POSITIVE),
            checkpoints,
        })
    }

    /// How many checkpoints the run has.
    pub fn count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The edges at `s` in 0..=1 along the run (0: the first checkpoint, 1: the last), as
    /// `show` says, each in 0..=1, into `out`; and the name of the nearest checkpoint.
    pub fn at(&self, s: f32, show: Show, out: &mut Vec<f32>) -> &str {
        let last = self.checkpoints.len() - 1;
        let at = s.clamp(0.0, 1.0) * last as f32;
        let i = (at.floor() as usize).min(last.saturating_sub(1));
        let f = if last == 0 { 0.0 } else { at - i as f32 };
        let (a, b) = (&self.checkpoints[i].weights, &self.checkpoints[(i + 1).min(last)].weights);
        let first = &self.checkpoints[0].weights;
        out.clear();
        let blended = a.iter().zip(b).map(|(&x, &y)| x * (1.0 - f) + y * f);
        match show {
            Show::Weights => out.extend(blended.map(|w| (w.abs() / self.largest).min(1.0))),
            Show::Change => {
                out.extend(blended.zip(first).map(|(w, &w0)| ((w - w0).abs() / self.largest_change).min(1.0)))
            }
        }
        &self.checkpoints[if f < 0.5 { i } else { (i + 1).min(last) }].name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Run {
        let checkpoint = |name: &str, weights: &[f32]| Checkpoint { name: name.into(), weights: weights.to_vec() };
        Run::new(vec![checkpoint("a", &[1.0, -2.0]), checkpoint("b", &[3.0, -2.0]), checkpoint("c", &[4.0, 0.0])])
            .unwrap()
    }

    #[test]
    fn weights_blend_between_the_checkpoints_around_a_moment() {
        let (run, mut out) = (run(), Vec::new());
        assert_eq!(run.at(0.0, Show::Weights, &mut out), "a");
        assert_eq!(out, [0.25, 0.5]);
        // A quarter of the way: halfway from a to b.
        assert_eq!(run.at(0.25, Show::Weights, &mut out), "b");
        assert_eq!(out, [0.5, 0.5]);
        assert_eq!(run.at(1.0, Show::Weights, &mut out), "c");
        assert_eq!(out, [1.0, 0.0]);
    }

    #[test]
    fn change_is_measured_from_the_first_checkpoint() {
        let (run, mut out) = (run(), Vec::new());
        run.at(0.0, Show::Change, &mut out);
        assert_eq!(out, [0.0, 0.0]);
        run.at(0.5, Show::Change, &mut out);
        assert_eq!(out, [2.0 / 3.0, 0.0]);
        run.at(1.0, Show::Change, &mut out);
        assert_eq!(out, [1.0, 2.0 / 3.0]);
        assert!(Run::new(Vec::new()).is_none());
    }

    #[test]
    fn checkpoints_align_by_edge_ends() {
        let mut graph = Graph::with_nodes(3, true);
        graph.push_edge(0, 1);
        graph.push_edge(1, 2);
        let mut other = Graph::with_nodes(3, true);
        other.push_edge(1, 2);
        other.weights = Some(vec![5.0]);
        assert_eq!(Checkpoint::aligned("x".into(), &graph, &other).unwrap().weights, [0.0, 5.0]);
        assert!(Checkpoint::aligned("x".into(), &graph, &Graph::with_nodes(4, true)).is_err());
    }
}
