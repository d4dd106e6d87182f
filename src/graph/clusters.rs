//! Neuron clusters (as in CNNVis): the neurons of each layer grouped by their incoming
//! weights, or by their activations over a batch of inputs, with k-means (k-means++
//! starts from a seed, Lloyd's iterations), each cluster made a group inside its layer,
//! and every cluster collapsed into one node whose edges carry the summed weights of the
//! connections they stand for. A 1536-unit layer reads as a handful of units that behave
//! alike, and bundled edges show how they connect.

use std::collections::{BTreeSet, HashMap};

use super::generate::Lcg;
use super::{Coarsened, Graph, GroupId};

/// Lloyd's iterations of k-means.
const ITERATIONS: usize = 25;

/// What makes two neurons alike.
pub enum Likeness<'a> {
    /// Their incoming weights (the outgoing ones in layers without inputs).
    Weights,
    /// A vector per node (its activations over a batch, say), where it has one; a layer
    /// where a member has none, or one of another length, falls back to weights.
    Profiles(&'a dyn Fn(u32) -> Option<Vec<f32>>),
}

impl Graph {
    /// The graph with the nodes directly in each group (a layer of the neuron level) of
    /// more than `k` nodes clustered into at most `k` nodes by `likeness`, and the node
    /// that every node became in it; the same `seed` gives the same clusters.
    pub fn cluster_layers(&self, k: usize, seed: u64, likeness: &Likeness) -> Coarsened {
        let k = k.max(1);
        let n = self.node_count() as usize;
        let weight = |e: usize| self.weights.as_ref().map_or(1.0, |w| w[e]);
        let (mut incoming, mut outgoing) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        for (e, (&a, &b)) in self.src.iter().zip(&self.dst).enumerate() {
            incoming[b as usize].push((a, weight(e)));
            outgoing[a as usize].push((b, weight(e)));
        }
        let mut layers: HashMap<GroupId, Vec<u32>> = HashMap::new();
        for v in 0..self.node_count() {
            if let Some(g) = self.groups.group_of(v) {
                layers.entry(g).or_default().push(v);
            }
        }
        let mut layers: Vec<(GroupId, Vec<u32>)> = layers.into_iter().filter(|(_, m)| m.len() > k).collect();
        layers.sort_unstable_by_key(|(g, _)| *g);
        let mut graph = self.clone();
        let mut clusters = BTreeSet::new();
        for (layer, members) in layers {
            let profiles = match likeness {
                Likeness::Profiles(profile) => members.iter().map(|&v| profile(v)).collect::<Option<Vec<_>>>(),
                Likeness::Weights => None,
            };
            let (points, d) = match profiles.filter(|p| p.iter().all(|x| !x.is_empty() && x.len() == p[0].len())) {
                Some(profiles) => (profiles.concat(), profiles[0].len()),
                None => {
                    let inputs =
                        if members.iter().any(|&v| !incoming[v as usize].is_empty()) { &incoming } else { &outgoing };
                    weight_vectors(&members, inputs)
                }
            };
            let labels = kmeans(&points, d, k, seed ^ (layer as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let count = labels.iter().copied().max().map_or(0, |m| m + 1);
            let groups: Vec<GroupId> =
                (0..count).map(|c| graph.groups.add(format!("cluster {c}"), Some(layer))).collect();
            for (&v, &c) in members.iter().zip(&labels) {
                graph.groups.assign(v, groups[c]);
            }
            clusters.extend(groups);
        }
        graph.collapse_groups(&clusters)
    }
}

/// Dense vectors of `members`' weights over the nodes `inputs` lists for them, and
/// their length.
fn weight_vectors(members: &[u32], inputs: &[Vec<(u32, f32)>]) -> (Vec<f32>, usize) {
    let mut index: HashMap<u32, usize> = HashMap::new();
    for &v in members {
        for &(u, _) in &inputs[v as usize] {
            let next = index.len();
            index.entry(u).or_insert(next);
        }
    }
    let d = index.len().max(1);
    let mut points = vec![0f32; members.len() * d];
    for (i, &v) in members.iter().enumerate() {
        for &(u, w) in &inputs[v as usize] {
            points[i * d + index[&u]] += w;
        }
    }
    (points, d)
}

/// Cluster labels (0..k, every one used) of the points, `d` values each: k-means++
/// starts, then Lloyd's iterations.
fn kmeans(points: &[f32], d: usize, k: usize, seed: u64) -> Vec<usize> {
    let count = points.len() / d;
    let point = |i: usize| &points[i * d..(i + 1) * d];
    let distance = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
    // k-means++: each next centre drawn in proportion to the squared distance to the
    // nearest centre so far.
    let mut rng = Lcg(seed);
    let mut centres: Vec<f32> = point(rng.below(count as u64) as usize).to_vec();
    let mut nearest: Vec<f32> = (0..count).map(|i| distance(point(i), &centres[..d])).collect();
    while centres.len() / d < k {
        let total: f64 = nearest.iter().map(|&x| x as f64).sum();
        if total <= 0.0 {
            break; // every point sits on a centre: fewer distinct points than k
        }
        let mut target = rng.unit() as f64 * total;
        let pick = nearest.iter().position(|&x| {
            target -= x as f64;
            target < 0.0
        });
        let pick = pick.unwrap_or(count - 1);
        let start = centres.len();
        centres.extend_from_slice(point(pick));
        for (i, near) in nearest.iter_mut().enumerate() {
            *near = near.min(distance(point(i), &centres[start..start + d]));
        }
    }
    let k = centres.len() / d;
    let mut labels = vec![0usize; count];
    for _ in 0..ITERATIONS {
        let mut changed = false;
        for (i, label) in labels.iter_mut().enumerate() {
            let best = (0..k)
                .min_by(|&a, &b| {
                    distance(point(i), &centres[a * d..(a + 1) * d])
                        .total_cmp(&distance(point(i), &centres[b * d..(b + 1) * d]))
                })
                .unwrap_or(0);
            changed |= best != *label;
            *label = best;
        }
        let mut sums = vec![0f32; k * d];
        let mut counts = vec![0usize; k];
        for (i, &c) in labels.iter().enumerate() {
            counts[c] += 1;
            sums[c * d..(c + 1) * d].iter_mut().zip(point(i)).for_each(|(s, x)| *s += x);
        }
        for c in 0..k {
            if counts[c] > 0 {
                for (centre, sum) in centres[c * d..(c + 1) * d].iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                    *centre = sum / counts[c] as f32;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Number the clusters that are used by first appearance, so labels are 0..count.
    let mut renumber: HashMap<usize, usize> = HashMap::new();
    labels
        .iter()
        .map(|&c| {
            let next = renumber.len();
            *renumber.entry(c).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// in (1 node) -> layer of 6: three read the input with weight +1, three with -1.
    fn two_kinds() -> Graph {
        let mut g = Graph::with_nodes(7, true);
        let layer = g.groups.add("layer", None);
        let mut weights = Vec::new();
        for v in 1..7 {
            g.groups.assign(v, layer);
            g.push_edge(0, v);
            weights.push(if v <= 3 { 1.0 } else { -1.0 });
        }
        g.weights = Some(weights);
        g
    }

    #[test]
    fn neurons_that_read_alike_share_a_cluster() {
        let g = two_kinds().cluster_layers(2, 1, &Likeness::Weights).graph;
        assert_eq!(g.node_count(), 3, "the input and two clusters");
        assert_eq!(g.edge_count(), 2);
        let mut weights = g.weights.clone().unwrap();
        weights.sort_by(f32::total_cmp);
        assert_eq!(weights, [-3.0, 3.0], "each cluster's edge sums its three connections");
        let names: Vec<String> = (0..3).map(|v| g.node_name(v)).collect();
        assert!(
            names.contains(&"layer/cluster 0".to_owned()) && names.contains(&"layer/cluster 1".to_owned()),
            "{names:?}"
        );
        assert_eq!(
            two_kinds().cluster_layers(2, 1, &Likeness::Weights).graph.src,
            g.src,
            "the same seed, the same clusters"
        );
        assert_eq!(
            two_kinds().cluster_layers(6, 1, &Likeness::Weights).graph.node_count(),
            7,
            "layers of at most k stay"
        );
    }

    #[test]
    fn neurons_that_fire_alike_share_a_cluster() {
        // Weights say 1-3 and 4-6; activations say odd and even.
        let profile = |v: u32| (v > 0).then(|| if v % 2 == 1 { vec![1.0, 0.0] } else { vec![0.0, 1.0] });
        let Coarsened { graph: g, node_of: new_of } = two_kinds().cluster_layers(2, 1, &Likeness::Profiles(&profile));
        assert_eq!(g.node_count(), 3);
        assert_eq!((new_of[1], new_of[2]), (new_of[3], new_of[4]));
        assert_ne!(new_of[1], new_of[2]);
        // A member without a profile: the layer is clustered by weights.
        let partial = |v: u32| (v > 1).then(|| vec![v as f32]);
        let new_of = two_kinds().cluster_layers(2, 1, &Likeness::Profiles(&partial)).node_of;
        assert_eq!((new_of[1], new_of[4]), (new_of[3], new_of[6]));
    }
}
