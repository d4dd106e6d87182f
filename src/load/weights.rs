//! Every weight tensor of a model file, by name, with its shape, and its values decoded on
//! demand in bounded pieces: ONNX initializers (inline or external data), safetensors
//! checkpoints, GGUF files and PyTorch exported programs, through the same decoders as
//! the neuron level.

use std::path::Path;

use super::dequant::codec;
use super::neurons::WeightSource;
use super::transformer::Tensor;
use super::{LoadError, Source, gguf, is_checkpoint, onnx, onnx_neurons, pt2, safetensors};

/// Values decoded per piece when streaming a tensor: memory stays bounded by this.
const PIECE: usize = 1 << 16;

/// A model file's weights.
pub struct Weights {
    source: Box<dyn WeightSource>,
    /// The tensors that decode as numbers, in file order.
    pub tensors: Vec<Tensor>,
}

/// Opens the weights of an ONNX model, a safetensors checkpoint, a GGUF file or a `.pt2`.
pub fn open(path: &Path) -> Result<Weights, LoadError> {
    let source = Source::File(path.to_owned());
    let decodes = |t: &Tensor| codec(&t.dtype).is_some();
    if is_checkpoint(path) {
        let checkpoint = safetensors::open(path)?;
        let tensors = checkpoint.tensor_list().into_iter().filter(decodes).collect();
        Ok(Weights { source: Box::new(checkpoint), tensors })
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
        let bytes = std::fs::read(path).map_err(|e| LoadError::io(&source, e))?;
        let model = onnx::decode(bytes.into(), &source)?;
        let (weights, tensors) = onnx_neurons::OnnxWeights::of(&model, path.parent().unwrap_or(Path::new(".")));
        Ok(Weights { source: Box::new(weights), tensors })
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf")) {
        let file = gguf::open(path)?;
        let tensors = file.gguf.tensors.iter().filter(|t| decodes(t)).cloned().collect();
        Ok(Weights { source: Box::new(file), tensors })
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pt2")) {
        let (weights, tensors) = pt2::open_weights(path)?;
        Ok(Weights { source: Box::new(weights), tensors })
    } else {
        Err(LoadError::invalid(
            &source,
            "weights are read from ONNX models, PyTorch exported programs (.pt2), GGUF files and safetensors checkpoints (a .safetensors file or a folder with config.json)",
        ))
    }
}

impl Weights {
    /// `tensor`'s values in order, in pieces of [`PIECE`] values (the last may be
    /// shorter): two tensors of one shape come in matching pieces, whatever their dtypes.
    /// `None` when the tensor is missing or its bytes do not hold its shape.
    pub fn pieces(&self, tensor: &Tensor) -> Option<Pieces<'_>> {
        let (bytes, _) = self.source.bytes(&tensor.name)?;
        let codec = codec(&tensor.dtype)?;
        let elements = usize::try_from(tensor.elements()).ok()?;
        let used = (elements / codec.block).checked_mul(codec.bytes)?;
        (elements.is_multiple_of(codec.block) && bytes.len() >= used).then(|| Pieces {
            blocks: bytes[..used].chunks_exact(codec.bytes),
            decode: codec.decode,
            values: Vec::with_capacity(PIECE + codec.block),
        })
    }
}

/// A tensor's values, a piece at a time ([`Weights::pieces`]).
pub struct Pieces<'a> {
    blocks: std::slice::ChunksExact<'a, u8>,
    decode: fn(&[u8], &mut Vec<f32>),
    values: Vec<f32>,
}

impl Pieces<'_> {
    /// The next piece, or `None` at the end.
    pub fn next_piece(&mut self) -> Option<&[f32]> {
        self.values.clear();
        for block in self.blocks.by_ref() {
            (self.decode)(block, &mut self.values);
            if self.values.len() >= PIECE {
                break;
            }
        }
        (!self.values.is_empty()).then_some(self.values.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_an_onnx_model_hold_its_initializers() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/onnx/digits_mlp.onnx");
        let weights = open(&path).unwrap();
        let names: Vec<&str> = weights.tensors.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]);
        assert_eq!(weights.tensors[0].shape, [64, 64]);
        let mut pieces = weights.pieces(&weights.tensors[0]).unwrap();
        let first = pieces.next_piece().unwrap().to_vec();
        assert_eq!(first.len(), 64 * 64);
        assert!(first.iter().all(|v| v.is_finite()) && first.iter().any(|&v| v != 0.0));
        assert!(pieces.next_piece().is_none());
    }
}
