//! Inside a model: run an ONNX model on the CPU for an input (tract, a pure-Rust
//! inference engine) and keep every operator's output, or read activations another tool
//! saved, keyed by layer name; then put the values on the graph: each neuron of the
//! neuron level (a unit, or a channel averaged over its positions) gets its activation,
//! each operator the mean absolute value of its output.

use std::collections::HashMap;
use std::path::Path;

use tract_onnx::prelude::*;

use serde::Serialize;

use crate::graph::{Coarsened, Graph, Likeness, MEMBERS};
use crate::load::{self, LoadError, Source, weights};
use crate::render::maps::{FeatureMaps, Map};

/// Every operator's (or layer's) output for one input or a batch, by name.
pub struct Activations {
    outputs: HashMap<String, (Vec<usize>, Vec<f32>)>,
    /// The model's own outputs, in order: name, shape and values (none for saved
    /// activations).
    pub results: Vec<(String, Vec<usize>, Vec<f32>)>,
    /// Saved tensors that were not used, each with the reason.
    pub unused: Vec<String>,
}

/// The layers of `graph` and their neuron counts: a neuron-level node `name[i]` counts
/// towards layer `name`; any other node is a layer of its own (an operator) with none.
fn layers_of(graph: &Graph) -> HashMap<String, usize> {
    let mut layers: HashMap<String, usize> = HashMap::new();
    for v in 0..graph.node_count() {
        let name = graph.node_name(v);
        match neuron(&name) {
            Some((layer, i)) => {
                let count = layers.entry(layer.to_owned()).or_default();
                *count = (*count).max(i + 1);
            }
            None => {
                layers.entry(name).or_default();
            }
        }
    }
    layers
}

/// A neuron-level name `layer[i]`, split.
fn neuron(name: &str) -> Option<(&str, usize)> {
    let (layer, i) = name.strip_suffix(']')?.rsplit_once('[')?;
    Some((layer, i.parse().ok()?))
}

/// Reads activations saved by another tool (PyTorch forward hooks, say) for `graph`: a
/// safetensors file of tensors named after its layers (at the neuron level, the module
/// paths: `encoder.layer.0.intermediate.dense`), a `.npy` file named after one layer, or
/// a folder of such files. A tensor holds one input or a batch: channels on axis 1 of a
/// 4-D tensor, else on the last axis. Tensors that name no layer, or whose channels are
/// not the layer's neurons, are listed in `unused`; none matching is an error.
pub fn saved(path: &Path, graph: &Graph) -> Result<Activations, LoadError> {
    let source = Source::File(path.to_owned());
    let mut tensors: Vec<(String, Vec<u64>, Vec<f32>)> = Vec::new();
    let npy = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let layers = layers_of(graph);
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| LoadError::io(&source, e))?;
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| npy(p)).collect();
        files.sort();
        for file in files {
            // Only the files named after a layer are read: memory stays with what is shown.
            if layers.contains_key(&stem(&file)) {
                let (shape, values) = load::load_array(&file, 6)?;
                tensors.push((stem(&file), shape, values));
            } else {
                tensors.push((stem(&file), Vec::new(), Vec::new()));
            }
        }
    } else if npy(path) {
        let (shape, values) = load::load_array(path, 6)?;
        tensors.push((stem(path), shape, values));
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("safetensors")) {
        let store = weights::open(path)?;
        for t in &store.tensors {
            let mut values = Vec::new();
            if layers.contains_key(&t.name)
                && let Some(mut pieces) = store.pieces(t)
            {
                while let Some(piece) = pieces.next_piece() {
                    values.extend_from_slice(piece);
                }
            }
            tensors.push((t.name.clone(), t.shape.clone(), values));
        }
    } else {
        return Err(LoadError::invalid(
            &source,
            "saved activations are read from a .safetensors file, a .npy file or a folder of .npy files",
        ));
    }
    let mut outputs = HashMap::new();
    let mut unused = Vec::new();
    for (name, shape, values) in tensors {
        let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
        let why = match layers.get(&name) {
            None => Some("names no layer of the model".to_owned()),
            Some(_) if shape.iter().product::<usize>() != values.len() || values.is_empty() => {
                Some("could not be read in full".to_owned())
            }
            Some(&neurons) if neurons > 0 && shape.get(channel_axis(&shape)) != Some(&neurons) => {
                Some(format!("has shape {shape:?}, but the layer has {neurons} neurons"))
            }
            Some(_) => None,
        };
        match why {
            Some(why) => unused.push(format!("{name}: {why}")),
            None => {
                outputs.insert(name, (shape, values));
            }
        }
    }
    if outputs.is_empty() {
        let mut examples: Vec<&String> = layers.iter().filter(|(_, n)| **n > 0).map(|(l, _)| l).collect();
        examples.sort();
        examples.truncate(3);
        let examples: Vec<&str> = examples.iter().map(|s| s.as_str()).collect();
        return Err(LoadError::invalid(
            &source,
            format!(
                "none of its {} tensors fits a layer of the model ({}); layers are named like {}",
                unused.len(),
                unused.iter().take(3).cloned().collect::<Vec<_>>().join("; "),
                examples.join(", ")
            ),
        ));
    }
    Ok(Activations { outputs, results: Vec::new(), unused })
}

/// Runs the ONNX model at `path` on `input` (a shape and its values, C order).
pub fn run(path: &Path, input: &(Vec<u64>, Vec<f32>)) -> Result<Activations, LoadError> {
    let source = Source::File(path.to_owned());
    let fail = |what: &str, e: TractError| LoadError::invalid(&source, format!("{what}: {e:#}"));
    let mut model = tract_onnx::onnx().model_for_path(path).map_err(|e| fail("cannot be read by tract", e))?;
    let results: Vec<OutletId> = model.output_outlets().map_err(|e| fail("has no outputs", e))?.to_vec();
    let mut outlets: Vec<OutletId> =
        model.nodes().iter().filter(|n| !n.outputs.is_empty()).map(|n| OutletId::new(n.id, 0)).collect();
    outlets.retain(|o| !results.contains(o));
    let first_result = outlets.len();
    outlets.extend(&results);
    let names: Vec<String> = outlets.iter().map(|o| model.node(o.node).name.clone()).collect();
    model.select_output_outlets(&outlets).map_err(|e| fail("cannot expose its operators' outputs", e))?;
    let shape: Vec<usize> = input.0.iter().map(|&d| d as usize).collect();
    let model = model
        .with_input_fact(0, f32::fact(&shape).into())
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| fail(&format!("cannot run on an input of shape {shape:?}"), e))?;
    let tensor = Tensor::from_shape(&shape, &input.1).map_err(|e| fail("cannot take the input", e))?;
    let values = model.run(tvec!(tensor.into())).map_err(|e| fail("failed to run", e))?;
    let mut outputs = HashMap::new();
    let mut results = Vec::new();
    for (k, (name, value)) in names.into_iter().zip(values.iter()).enumerate() {
        let Ok(value) = value.cast_to::<f32>() else { continue };
        let Ok(view) = value.to_plain_array_view::<f32>() else { continue };
        let flat: Vec<f32> = view.iter().copied().collect();
        if k >= first_result {
            results.push((name.clone(), value.shape().to_vec(), flat.clone()));
        }
        outputs.insert(name, (value.shape().to_vec(), flat));
    }
    Ok(Activations { outputs, results, unused: Vec::new() })
}

/// The channel axis of an output: 1 for 4-D image tensors, else the last (as the neuron
/// level counts channels).
fn channel_axis(shape: &[usize]) -> usize {
    if shape.len() == 4 { 1 } else { shape.len().saturating_sub(1) }
}

impl Activations {
    /// Channel `c`'s values in `name`'s output: every position of every input in the
    /// batch, in order.
    pub fn profile(&self, name: &str, c: usize) -> Option<Vec<f32>> {
        let (shape, values) = self.outputs.get(name)?;
        let axis = channel_axis(shape);
        let channels = *shape.get(axis)?;
        if c >= channels {
            return None;
        }
        let inner: usize = shape[axis + 1..].iter().product();
        let profile: Vec<f32> =
            values.chunks(inner.max(1)).skip(c).step_by(channels).flat_map(|run| run.iter().copied()).collect();
        (!profile.is_empty()).then_some(profile)
    }

    /// Channel `c`'s mean over every other axis of `name`'s output.
    pub fn channel(&self, name: &str, c: usize) -> Option<f32> {
        let profile = self.profile(name, c)?;
        Some((profile.iter().map(|&v| v as f64).sum::<f64>() / profile.len() as f64) as f32)
    }

    /// Each node's profile (see [`Activations::profile`]), for the neurons of `graph`
    /// whose layer's output has a channel per neuron.
    pub fn profiles<'a>(&'a self, graph: &'a Graph) -> impl Fn(u32) -> Option<Vec<f32>> + 'a {
        let layers = layers_of(graph);
        move |v| {
            let name = graph.node_name(v);
            let (layer, i) = neuron(&name)?;
            if !self.fits(layer, layers[layer]) {
                return None;
            }
            self.profile(layer, i)
        }
    }

    /// The mean absolute value of `name`'s output.
    pub fn magnitude(&self, name: &str) -> Option<f32> {
        let (_, values) = self.outputs.get(name)?;
        (!values.is_empty()).then(|| (values.iter().map(|v| v.abs() as f64).sum::<f64>() / values.len() as f64) as f32)
    }

    /// Whether `layer`'s output has `neurons` channels: a flattened or reshaped output
    /// does not stand for its layer's neurons one by one.
    fn fits(&self, layer: &str, neurons: usize) -> bool {
        self.outputs.get(layer).is_some_and(|(shape, _)| shape.get(channel_axis(shape)) == Some(&neurons))
    }

    /// One value per node of `graph`: a neuron-level node `name[i]` gets channel `i` of
    /// `name`'s output (when it has as many channels as the layer has neurons), an
    /// operator its output's magnitude; NaN where nothing ran.
    pub fn on(&self, graph: &Graph) -> Vec<f32> {
        let layers = layers_of(graph);
        (0..graph.node_count())
            .map(|v| {
                let name = graph.node_name(v);
                match neuron(&name) {
                    Some((layer, i)) if self.fits(layer, layers[layer]) => self.channel(layer, i),
                    Some(_) => None,
                    None => self.magnitude(&name),
                }
                .unwrap_or(f32::NAN)
            })
            .collect()
    }

    /// The feature maps of `graph`'s conv channels: for a layer whose output is
    /// `[batch, C, H, W]` with its C neurons in the graph, each channel's H x W map for the
    /// first input of the batch, coloured on one scale per layer (its 2nd to 98th
    /// percentile), packed into an atlas of at most `max_side` texels a side.
    pub fn feature_maps(&self, graph: &Graph, max_side: u32) -> Option<FeatureMaps> {
        let layers = layers_of(graph);
        let mut ranges: HashMap<&str, (f32, f32)> = HashMap::new();
        let mut maps = Vec::new();
        for v in 0..graph.node_count() {
            let name = graph.node_name(v);
            let Some((layer, c)) = neuron(&name) else { continue };
            let Some((key, (shape, values))) = self.outputs.get_key_value(layer) else { continue };
            let &[_, channels, height, width] = shape.as_slice() else { continue };
            if channels != layers[layer] || height * width < 2 || c >= channels {
                continue;
            }
            let first = &values[..channels * height * width];
            let range = *ranges.entry(key).or_insert_with(|| {
                let mut sorted: Vec<f32> = first.iter().copied().filter(|v| v.is_finite()).collect();
                sorted.sort_by(f32::total_cmp);
                let at = |q: f32| sorted.get(((sorted.len().max(1) - 1) as f32 * q).round() as usize).copied();
                (at(0.02).unwrap_or(0.0), at(0.98).unwrap_or(1.0))
            });
            let values = &first[c * height * width..(c + 1) * height * width];
            maps.push(Map { node: v, height, width, values, range });
        }
        FeatureMaps::new(&maps, max_side)
    }
}

/// One layer's activations: the units that have one, their mean and the largest. A
/// layer is a node name before its `[index]`.
#[derive(Debug, Clone, Serialize)]
pub struct LayerStats {
    pub layer: String,
    pub units: usize,
    pub mean: f64,
    pub max: f32,
}

/// Per layer, in node order, the statistics of `values` (one per node of `graph`, NaN
/// where none).
pub fn layer_stats(graph: &Graph, values: &[f32]) -> Vec<LayerStats> {
    let mut layers: Vec<(String, usize, f64, f32)> = Vec::new();
    for (v, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }
        let name = graph.node_name(v as u32);
        let layer = name.rsplit_once('[').map_or(name.as_str(), |(l, _)| l).to_owned();
        match layers.last_mut().filter(|l| l.0 == layer) {
            Some(l) => {
                l.1 += 1;
                l.2 += value as f64;
                l.3 = l.3.max(value);
            }
            None => layers.push((layer, 1, value as f64, value)),
        }
    }
    layers
        .into_iter()
        .map(|(layer, units, sum, max)| LayerStats { layer, units, mean: sum / units as f64, max })
        .collect()
}

/// A cluster of neurons that fire alike: its node's name and its members' names.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub name: String,
    pub members: Vec<String>,
}

/// Every layer's neurons of `graph` clustered into at most `k` by how they fire
/// ([`Graph::cluster_layers`] on the activation profiles), with each cluster's activation
/// the mean of its members' `values`, and the clusters that stand for several neurons.
pub fn cluster(
    graph: &Graph,
    acts: &Activations,
    values: &[f32],
    k: usize,
    seed: u64,
) -> (Coarsened, Vec<f32>, Vec<Cluster>) {
    let profile = acts.profiles(graph);
    let clustered = graph.cluster_layers(k, seed, &Likeness::Profiles(&profile));
    let means = clustered.means(values, 1);
    let sizes = clustered.graph.nodes.columns.iter().find(|c| c.name == MEMBERS).map(|c| &c.values);
    let mut members: Vec<Vec<String>> = vec![Vec::new(); clustered.graph.node_count() as usize];
    for (v, &c) in clustered.node_of.iter().enumerate() {
        if sizes.is_some_and(|s| s[c as usize] > 0.0) {
            members[c as usize].push(graph.node_name(v as u32));
        }
    }
    let clusters = members
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(c, members)| Cluster { name: clustered.graph.node_name(c as u32), members })
        .collect();
    (clustered, means, clusters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_average_over_positions() {
        let mut outputs = HashMap::new();
        // [1, 2, 2, 1]: channel 0 holds 1 and 3, channel 1 holds 10 and 20.
        outputs.insert("conv".to_owned(), (vec![1, 2, 2, 1], vec![1.0, 3.0, 10.0, 20.0]));
        outputs.insert("fc".to_owned(), (vec![1, 3], vec![-1.0, 0.5, 2.0]));
        let a = Activations { outputs, results: Vec::new(), unused: Vec::new() };
        assert_eq!((a.channel("conv", 0), a.channel("conv", 1), a.channel("conv", 2)), (Some(2.0), Some(15.0), None));
        assert_eq!(a.channel("fc", 2), Some(2.0));
        assert_eq!(a.magnitude("fc"), Some(3.5 / 3.0));
    }
}
