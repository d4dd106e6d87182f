//! GGUF files (llama.cpp; versions 2 and 3, little-endian): header, metadata, tensor
//! infos, and the byte size of every quantisation type.
//!
//! The file is memory-mapped and read through a cursor that checks every length against
//! what is left, and every tensor's data must lie inside the file, so a truncated or
//! hostile file (a string or array longer than the file,
//! a count no file could hold, nesting past a few levels) is an error naming the file and
//! the offset, never a panic or a large allocation. The architecture
//! (`general.architecture`) and its hyper-parameters choose the module-DAG template;
//! tensor dimensions are stored innermost first and reversed into numpy order.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use super::neurons::WeightSource;
use super::transformer::{Hyper, Tensor};
use super::{LoadError, Source};

/// Block size (elements) and block bytes of each ggml type, as in gguf-py's
/// GGML_QUANT_SIZES; `None` for retired or unknown type numbers.
pub fn type_size(ggml_type: u32) -> Option<(&'static str, u64, u64)> {
    Some(match ggml_type {
        0 => ("F32", 1, 4),
        1 => ("F16", 1, 2),
        2 => ("Q4_0", 32, 18),
        3 => ("Q4_1", 32, 20),
        6 => ("Q5_0", 32, 22),
        7 => ("Q5_1", 32, 24),
        8 => ("Q8_0", 32, 34),
        9 => ("Q8_1", 32, 40),
        10 => ("Q2_K", 256, 84),
        11 => ("Q3_K", 256, 110),
        12 => ("Q4_K", 256, 144),
        13 => ("Q5_K", 256, 176),
        14 => ("Q6_K", 256, 210),
        15 => ("Q8_K", 256, 292),
        16 => ("IQ2_XXS", 256, 66),
        17 => ("IQ2_XS", 256, 74),
        18 => ("IQ3_XXS", 256, 98),
        19 => ("IQ1_S", 256, 50),
        20 => ("IQ4_NL", 32, 18),
        21 => ("IQ3_S", 256, 110),
        22 => ("IQ2_S", 256, 82),
        23 => ("IQ4_XS", 256, 136),
        24 => ("I8", 1, 1),
        25 => ("I16", 1, 2),
        26 => ("I32", 1, 4),
        27 => ("I64", 1, 8),
        28 => ("F64", 1, 8),
        29 => ("IQ1_M", 256, 56),
        30 => ("BF16", 1, 2),
        34 => ("TQ1_0", 256, 54),
        35 => ("TQ2_0", 256, 66),
        39 => ("MXFP4", 32, 17),
        40 => ("NVFP4", 64, 36),
        41 => ("Q1_0", 128, 18),
        _ => return None,
    })
}

/// A metadata value, as much of it as netlens uses: numbers and strings; arrays keep
/// their length only.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i128),
    Float(f64),
    Bool(bool),
    Text(String),
    Array { len: u64 },
}

/// A parsed GGUF header.
#[derive(Debug, Clone, PartialEq)]
pub struct Gguf {
    pub version: u32,
    pub metadata: BTreeMap<String, Value>,
    pub tensors: Vec<Tensor>,
    /// Bytes of every tensor's data, by its type and shape.
    pub tensor_bytes: Vec<u64>,
    /// Where every tensor's data starts in the file.
    pub data_offsets: Vec<u64>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    source: &'a Source,
}

const MAX_NESTING: u32 = 8;

impl<'a> Cursor<'a> {
    fn fail(&self, message: impl Into<String>) -> LoadError {
        LoadError::invalid(self.source, format!("at byte {}: {}", self.at, message.into()))
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], LoadError> {
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err(self.fail(format!("{what} needs {n} bytes but the file has {left} left (truncated?)")));
        }
        let slice = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, LoadError> {
        Ok(u32::from_le_bytes(self.take(4, "a u32")?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Result<u64, LoadError> {
        Ok(u64::from_le_bytes(self.take(8, "a u64")?.try_into().expect("8 bytes")))
    }

    fn string(&mut self) -> Result<String, LoadError> {
        let len = self.u64()?;
        let bytes = self.take(len, "a string")?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.fail("a string is not UTF-8"))
    }

    /// Reads a value of `kind`; arrays are skipped element by element after checking that
    /// the file can hold them.
    fn value(&mut self, kind: u32, depth: u32) -> Result<Value, LoadError> {
        let scalar = |c: &mut Self, n: u64| c.take(n, "a value").map(|b| b.to_vec());
        Ok(match kind {
            0 => Value::Int(scalar(self, 1)?[0] as i128),
            1 => Value::Int(scalar(self, 1)?[0] as i8 as i128),
            2 => Value::Int(u16::from_le_bytes(scalar(self, 2)?.try_into().expect("2")) as i128),
            3 => Value::Int(i16::from_le_bytes(scalar(self, 2)?.try_into().expect("2")) as i128),
            4 => Value::Int(self.u32()? as i128),
            5 => Value::Int(self.u32()? as i32 as i128),
            6 => Value::Float(f32::from_le_bytes(scalar(self, 4)?.try_into().expect("4")) as f64),
            7 => Value::Bool(scalar(self, 1)?[0] != 0),
            8 => Value::Text(self.string()?),
            9 => {
                if depth >= MAX_NESTING {
                    return Err(self.fail("arrays nested too deep"));
                }
                let element = self.u32()?;
                let len = self.u64()?;
                let fixed = match element {
                    0 | 1 | 7 => Some(1),
                    2 | 3 => Some(2),
                    4..=6 => Some(4),
                    10..=12 => Some(8),
                    8 | 9 => None,
                    other => return Err(self.fail(format!("unknown array element type {other}"))),
                };
                match fixed {
                    Some(size) => {
                        let bytes = len.checked_mul(size).ok_or_else(|| self.fail("array too large"))?;
                        self.take(bytes, "an array")?;
                    }
                    None => {
                        // Each element takes at least 8 bytes (a length): a cheap bound first.
                        if len > (self.bytes.len() - self.at) as u64 / 8 {
                            return Err(self.fail(format!("an array of {len} elements cannot fit in the file")));
                        }
                        for _ in 0..len {
                            self.value(element, depth + 1)?;
                        }
                    }
                }
                Value::Array { len }
            }
            10 => Value::Int(self.u64()? as i128),
            11 => Value::Int(self.u64()? as i64 as i128),
            12 => Value::Float(f64::from_le_bytes(scalar(self, 8)?.try_into().expect("8"))),
            other => return Err(self.fail(format!("unknown metadata value type {other}"))),
        })
    }
}

/// Parses the header of GGUF bytes.
pub fn parse(bytes: &[u8], source: &Source) -> Result<Gguf, LoadError> {
    let mut c = Cursor { bytes, at: 0, source };
    if c.take(4, "the magic")? != b"GGUF" {
        return Err(LoadError::invalid(source, "is not a GGUF file (no GGUF magic)"));
    }
    let version = c.u32()?;
    match version {
        2 | 3 => {}
        1 => return Err(c.fail("GGUF version 1 is not supported (versions 2 and 3 are)")),
        v if v.swap_bytes() <= 3 => return Err(c.fail("big-endian GGUF is not supported")),
        v => return Err(c.fail(format!("unknown GGUF version {v}"))),
    }
    let tensor_count = c.u64()?;
    let kv_count = c.u64()?;
    // Every key-value pair takes at least 12 bytes, every tensor info at least 24.
    let left = (bytes.len() - c.at) as u64;
    if kv_count > left / 12 || tensor_count > left / 24 {
        return Err(c.fail(format!("{kv_count} metadata entries and {tensor_count} tensors cannot fit in the file")));
    }
    let mut metadata = BTreeMap::new();
    for _ in 0..kv_count {
        let key = c.string()?;
        let kind = c.u32()?;
        let value = c.value(kind, 0)?;
        metadata.insert(key, value);
    }
    let mut tensors = Vec::with_capacity(tensor_count as usize);
    let mut tensor_bytes = Vec::with_capacity(tensor_count as usize);
    let mut offsets = Vec::with_capacity(tensor_count as usize);
    for _ in 0..tensor_count {
        let name = c.string()?;
        let dims = c.u32()?;
        if dims > 4 {
            return Err(c.fail(format!("tensor '{name}' has {dims} dimensions (at most 4)")));
        }
        let mut shape = Vec::with_capacity(dims as usize);
        for _ in 0..dims {
            shape.push(c.u64()?);
        }
        shape.reverse(); // innermost first in the file; numpy order here
        let ggml_type = c.u32()?;
        let offset = c.u64()?;
        let Some((type_name, block, block_bytes)) = type_size(ggml_type) else {
            return Err(c.fail(format!("tensor '{name}' has unknown type {ggml_type}")));
        };
        let elements = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or_else(|| c.fail(format!("tensor '{name}' is too large")))?;
        if shape.last().is_some_and(|&inner| inner % block != 0) {
            return Err(
                c.fail(format!("tensor '{name}' has a row length not a multiple of {type_name}'s block of {block}"))
            );
        }
        let size = (elements / block)
            .checked_mul(block_bytes)
            .ok_or_else(|| c.fail(format!("tensor '{name}' is too large")))?;
        tensor_bytes.push(size);
        offsets.push(offset);
        tensors.push(Tensor { name, shape, dtype: type_name.to_owned() });
    }
    // The data section starts at the next multiple of the alignment; every tensor's bytes
    // must lie inside the file.
    let alignment = match metadata.get("general.alignment") {
        Some(Value::Int(a)) if *a > 0 && (*a as u64).is_power_of_two() => *a as u64,
        Some(_) => return Err(c.fail("general.alignment is not a power of two")),
        None => 32,
    };
    let data_start = (c.at as u64).div_ceil(alignment) * alignment;
    let mut data_offsets = Vec::with_capacity(tensors.len());
    for ((tensor, &offset), &size) in tensors.iter().zip(&offsets).zip(&tensor_bytes) {
        let start = data_start.checked_add(offset);
        data_offsets.push(start.unwrap_or(u64::MAX));
        if start.and_then(|v| v.checked_add(size)).is_none_or(|end| end > bytes.len() as u64) {
            return Err(LoadError::invalid(
                source,
                format!("tensor '{}' ends past the end of the file ({} bytes): truncated?", tensor.name, bytes.len()),
            ));
        }
    }
    Ok(Gguf { version, metadata, tensors, tensor_bytes, data_offsets })
}

impl Gguf {
    fn text(&self, key: &str) -> Option<&str> {
        match self.metadata.get(key)? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    fn number(&self, key: &str) -> Option<u64> {
        match self.metadata.get(key)? {
            Value::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The architecture and sizes the metadata states.
    pub fn hyper(&self) -> Hyper {
        let arch = self.text("general.architecture").unwrap_or_default().to_owned();
        let get = |key: &str| self.number(&format!("{arch}.{key}")).unwrap_or(0);
        Hyper {
            layers: get("block_count"),
            hidden: get("embedding_length"),
            heads: get("attention.head_count"),
            kv_heads: get("attention.head_count_kv"),
            head_dim: get("attention.key_length"),
            experts: get("expert_count"),
            model_type: arch,
            ..Default::default()
        }
    }
}

/// A parsed GGUF file with its mapped bytes, the neuron level's weight source.
pub struct GgufFile {
    pub gguf: Gguf,
    map: Mmap,
}

impl WeightSource for GgufFile {
    fn bytes(&self, tensor: &str) -> Option<(&[u8], &str)> {
        let g = &self.gguf;
        let i = g.tensors.iter().position(|t| t.name == tensor)?;
        let start = usize::try_from(g.data_offsets[i]).ok()?;
        let bytes = self.map.get(start..start.checked_add(usize::try_from(g.tensor_bytes[i]).ok()?)?)?;
        Some((bytes, g.tensors[i].dtype.as_str()))
    }
}

/// Opens and parses a GGUF file.
pub fn open(path: &Path) -> Result<GgufFile, LoadError> {
    let source = Source::File(path.to_owned());
    let file = File::open(path).map_err(|e| LoadError::io(&source, e))?;
    // SAFETY: read-only map of a file netlens does not modify.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| LoadError::io(&source, e))?;
    Ok(GgufFile { gguf: parse(&map, &source)?, map })
}
