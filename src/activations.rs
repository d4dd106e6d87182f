//! Inside a model: run an ONNX model on the CPU for one input (tract, a pure-Rust
//! inference engine), keep every operator's output, and put the values on the graph:
//! each neuron of the neuron level (a unit, or a channel averaged over its positions)
//! gets its activation, each operator the mean absolute value of its output.

use std::collections::HashMap;
use std::path::Path;

use tract_onnx::prelude::*;

use crate::graph::Graph;
use crate::load::{LoadError, Source};

/// Every operator's first output for one input, by operator (or graph input) name.
pub struct Activations {
    outputs: HashMap<String, (Vec<usize>, Vec<f32>)>,
    /// The model's own outputs, in order: name and values.
    pub results: Vec<(String, Vec<f32>)>,
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
            results.push((name.clone(), flat.clone()));
        }
        outputs.insert(name, (value.shape().to_vec(), flat));
    }
    Ok(Activations { outputs, results })
}

/// The channel axis of an output: 1 for 4-D image tensors, else the last (as the neuron
/// level counts channels).
fn channel_axis(shape: &[usize]) -> usize {
    if shape.len() == 4 { 1 } else { shape.len().saturating_sub(1) }
}

impl Activations {
    /// Channel `c`'s mean over every other axis of `name`'s output.
    pub fn channel(&self, name: &str, c: usize) -> Option<f32> {
        let (shape, values) = self.outputs.get(name)?;
        let axis = channel_axis(shape);
        let channels = *shape.get(axis)?;
        if c >= channels {
            return None;
        }
        let inner: usize = shape[axis + 1..].iter().product();
        let (mut sum, mut count) = (0f64, 0usize);
        for (i, &v) in values.iter().enumerate() {
            if (i / inner) % channels == c {
                sum += v as f64;
                count += 1;
            }
        }
        (count > 0).then(|| (sum / count as f64) as f32)
    }

    /// The mean absolute value of `name`'s output.
    pub fn magnitude(&self, name: &str) -> Option<f32> {
        let (_, values) = self.outputs.get(name)?;
        (!values.is_empty()).then(|| (values.iter().map(|v| v.abs() as f64).sum::<f64>() / values.len() as f64) as f32)
    }

    /// One value per node of `graph`: a neuron-level node `name[i]` gets channel `i` of
    /// `name`'s output, an operator its output's magnitude; NaN where nothing ran.
    pub fn on(&self, graph: &Graph) -> Vec<f32> {
        (0..graph.node_count())
            .map(|v| {
                let name = graph.node_name(v);
                let neuron = name.strip_suffix(']').and_then(|s| s.rsplit_once('[')).and_then(|(layer, i)| {
                    let i: usize = i.parse().ok()?;
                    self.channel(layer, i)
                });
                neuron.or_else(|| self.magnitude(&name)).unwrap_or(f32::NAN)
            })
            .collect()
    }
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
        let a = Activations { outputs, results: Vec::new() };
        assert_eq!((a.channel("conv", 0), a.channel("conv", 1), a.channel("conv", 2)), (Some(2.0), Some(15.0), None));
        assert_eq!(a.channel("fc", 2), Some(2.0));
        assert_eq!(a.magnitude("fc"), Some(3.5 / 3.0));
    }
}
