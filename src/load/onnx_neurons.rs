//! ONNX models at the neuron level: the operator graph recast as a module DAG, with the
//! initializers as the weights.
//!
//! MatMul and Gemm with a 2-D initializer are Linear modules (MatMul's and untransposed
//! Gemm's weights are stored inputs-first), Conv a convolution (each unit's inputs are its
//! kernel over every input channel), Gather from a 2-D initializer an embedding,
//! com.microsoft attention operators their heads, Concat joins channels, arithmetic and
//! normalisations act channel by channel, and every other operator passes its input's
//! channels through. Graph inputs start with their channels (dimension 1 of 4-D image
//! tensors, else the last). Weights are read from raw bytes or float lists in the model,
//! or from its external data file, memory-mapped; subgraph bodies are not expanded.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use memmap2::Mmap;
use prost::bytes::Bytes;

use super::neurons::WeightSource;
use super::onnx_proto::{ModelProto, TensorProto, ValueInfoProto};
use super::transformer::{Hyper, ModuleDag, ModuleNode, Op, Tensor, Weight};
use super::{LoadError, ModelSummary, Source};

/// Where an initializer's bytes are.
enum Data {
    Inline(Bytes),
    External { map: usize, range: std::ops::Range<usize> },
}

/// The initializers of a model, as a weight source.
#[derive(Default)]
pub struct OnnxWeights {
    tensors: HashMap<String, (Data, &'static str)>,
    maps: Vec<Mmap>,
}

impl WeightSource for OnnxWeights {
    fn bytes(&self, tensor: &str) -> Option<(&[u8], &str)> {
        let (data, dtype) = self.tensors.get(tensor)?;
        let bytes = match data {
            Data::Inline(bytes) => bytes.as_ref(),
            Data::External { map, range } => self.maps[*map].get(range.clone())?,
        };
        Some((bytes, dtype))
    }
}

/// The dtype names the neuron level decodes, by TensorProto.DataType.
fn dtype(code: i32) -> Option<&'static str> {
    match code {
        1 => Some("F32"),
        10 => Some("F16"),
        11 => Some("F64"),
        16 => Some("BF16"),
        _ => None,
    }
}

impl OnnxWeights {
    /// The initializers of `model`'s main graph (external data relative to `dir`) that
    /// decode as floats, with their shapes and dtypes.
    pub fn of(model: &ModelProto, dir: &Path) -> (OnnxWeights, Vec<Tensor>) {
        let mut weights = OnnxWeights::default();
        let mut maps = HashMap::new();
        let mut tensors = Vec::new();
        for t in model.graph.iter().flat_map(|g| &g.initializer) {
            weights.add(t, dir, &mut maps);
            if let Some(&(_, dtype)) = weights.tensors.get(&t.name) {
                let shape = t.dims.iter().map(|&d| d.max(0) as u64).collect();
                tensors.push(Tensor { name: t.name.clone(), shape, dtype: dtype.to_owned() });
            }
        }
        (weights, tensors)
    }

    fn add(&mut self, tensor: &TensorProto, dir: &Path, maps: &mut HashMap<String, usize>) {
        let Some(dtype) = dtype(tensor.data_type) else { return };
        let entry = |key: &str| tensor.external_data.iter().find(|e| e.key == key).map(|e| e.value.as_str());
        let data = if tensor.data_location == 1 {
            let Some(location) = entry("location").filter(|l| !l.contains("..") && !l.starts_with('/')) else { return };
            let map = match maps.get(location) {
                Some(&m) => m,
                None => {
                    // SAFETY: read-only map of a file netlens does not modify.
                    let Some(map) = File::open(dir.join(location)).ok().and_then(|f| unsafe { Mmap::map(&f) }.ok())
                    else {
                        return;
                    };
                    self.maps.push(map);
                    maps.insert(location.to_owned(), self.maps.len() - 1);
                    self.maps.len() - 1
                }
            };
            let offset: usize = entry("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let length: usize = match entry("length").and_then(|l| l.parse().ok()) {
                Some(length) => length,
                None => self.maps[map].len().saturating_sub(offset),
            };
            Data::External { map, range: offset..offset.saturating_add(length) }
        } else if !tensor.raw_data.is_empty() {
            Data::Inline(tensor.raw_data.clone())
        } else if !tensor.float_data.is_empty() && dtype == "F32" {
            Data::Inline(tensor.float_data.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>().into())
        } else {
            return;
        };
        self.tensors.insert(tensor.name.clone(), (data, dtype));
    }
}

fn channels(info: &ValueInfoProto) -> Option<u64> {
    let dims = &info.r#type.as_ref()?.tensor_type.as_ref()?.shape.as_ref()?.dim;
    let dim = if dims.len() == 4 { dims.get(1) } else { dims.last() }?;
    dim.dim_value.and_then(|v| u64::try_from(v).ok()).filter(|&v| v > 0)
}

fn op_of(op_type: &str) -> Op {
    match op_type {
        "Add" | "Sub" | "Sum" | "Mean" | "Max" | "Min" => Op::Add,
        "Mul" | "Div" | "Where" => Op::Mul,
        "BatchNormalization"
        | "LayerNormalization"
        | "InstanceNormalization"
        | "GroupNormalization"
        | "SkipLayerNormalization"
        | "SimplifiedLayerNormalization"
        | "RMSNormalization"
        | "LpNormalization" => Op::Norm,
        "Concat" => Op::Concat,
        "Attention" | "MultiHeadAttention" | "GroupQueryAttention" => Op::Attention,
        _ => Op::Module,
    }
}

/// The module DAG of a decoded model's main graph, its weights, and the hyper-parameters
/// of `summary` (heads for attention operators).
pub fn module_dag(
    model: &ModelProto,
    summary: &ModelSummary,
    dir: &Path,
    source: &Source,
) -> Result<(ModuleDag, OnnxWeights), LoadError> {
    let graph = model.graph.as_ref().ok_or_else(|| LoadError::invalid(source, "is an ONNX model without a graph"))?;
    let mut weights = OnnxWeights::default();
    let mut maps = HashMap::new();
    let initializers: HashMap<&str, &TensorProto> = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in &graph.initializer {
        weights.add(t, dir, &mut maps);
    }
    let hyper = Hyper {
        model_type: String::new(),
        layers: summary.layers.unwrap_or(0),
        hidden: summary.hidden.unwrap_or(0),
        heads: summary.heads.unwrap_or(0),
        kv_heads: summary.kv_heads.or(summary.heads).unwrap_or(0),
        ..Default::default()
    };
    let mut dag = ModuleDag { hyper, ..Default::default() };
    let mut producers: HashMap<&str, u32> = HashMap::new();
    for input in graph.input.iter().filter(|i| !initializers.contains_key(i.name.as_str())) {
        dag.nodes.push(ModuleNode::operator(input.name.clone(), Op::Input, None, Vec::new(), channels(input)));
        producers.insert(&input.name, (dag.nodes.len() - 1) as u32);
    }
    for n in &graph.node {
        let inputs: Vec<u32> = n.input.iter().filter_map(|i| producers.get(i.as_str()).copied()).collect();
        let weight_of = |index: usize, transposed: bool| {
            let t = initializers.get(n.input.get(index)?.as_str())?;
            let shape: Vec<u64> = t.dims.iter().map(|&d| d.max(0) as u64).collect();
            Some(Weight { tensor: t.name.clone(), shape, transposed, part: None })
        };
        let transpose_b = n.attribute.iter().any(|a| a.name == "transB" && a.i != 0);
        let (op, weight) = match n.op_type.as_str() {
            "MatMul" => match weight_of(1, true).filter(|w| w.shape.len() == 2) {
                Some(w) => (Op::Linear, Some(w)),
                None => (Op::Module, None),
            },
            "Gemm" => match weight_of(1, !transpose_b).filter(|w| w.shape.len() == 2) {
                Some(w) => (Op::Linear, Some(w)),
                None => (Op::Module, None),
            },
            "Conv" => match weight_of(1, false).filter(|w| w.shape.len() >= 3) {
                Some(w) => (Op::Conv, Some(w)),
                None => (Op::Module, None),
            },
            "Gather" => match weight_of(0, false).filter(|w| w.shape.len() == 2) {
                Some(w) => (Op::Embedding, Some(w)),
                None => (Op::Module, None),
            },
            other => (op_of(other), None),
        };
        let name = if n.name.is_empty() {
            n.output.first().cloned().unwrap_or_else(|| n.op_type.clone())
        } else {
            n.name.clone()
        };
        dag.nodes.push(ModuleNode::operator(name, op, weight, inputs, None));
        for output in n.output.iter().filter(|o| !o.is_empty()) {
            producers.insert(output, (dag.nodes.len() - 1) as u32);
        }
    }
    Ok((dag, weights))
}
