//! PyTorch exported programs (`torch.export.save`, `.pt2`) as operator graphs, without
//! Python and without ONNX.
//!
//! A `.pt2` is a zip whose `<name>/models/model.json` (`serialized_exported_program.json`
//! in torch 2.5 and before) is the serialized ExportedProgram of
//! `torch/_export/serde/schema.py`: the graph's nodes with their aten targets, argument
//! tensors and output tensors, the tensors' dtypes and sizes, and the signature that says
//! which graph inputs are the user's and which are parameters, buffers and constants.
//! Every call becomes a node of its operator type (`aten.conv2d.default` is `conv2d`),
//! every user input and output a node; tensors give the edges. Parameters, buffers and
//! constants are attached to the operators that read them (counted once in the model's
//! total), and each node's `nn_module_stack` gives the group hierarchy (`encoder >
//! layers.0 > self_attn`). The graph reads only the program; [`open_weights`] maps the
//! weights torch stores raw in the archive, for `diff` and for the neuron level, whose
//! layers [`module_dag`] finds in the same program.

use std::io::{Read, Seek};
use std::ops::Range;
use std::path::Path;

use std::collections::HashMap;

use serde_json::Value;

use super::neurons::WeightSource;
use super::op_graph::{NodeTable, Param, Scopes, element_count};
use super::transformer::{ModuleDag, ModuleNode, Op, Tensor, Weight};
use super::{LoadError, ModelSummary, Source};
use crate::graph::Graph;

/// The largest JSON member read (the program or the weights' config, not the weights).
const MAX_PROGRAM_BYTES: u64 = 1 << 30;

/// `torch/_export/serde/schema.py`'s ScalarType, by value.
fn dtype_name(code: i64) -> &'static str {
    match code {
        1 => "uint8",
        2 => "int8",
        3 => "int16",
        4 => "int32",
        5 => "int64",
        6 => "float16",
        7 => "float32",
        8 => "float64",
        9 => "complex32",
        10 => "complex64",
        11 => "complex128",
        12 => "bool",
        13 => "bfloat16",
        28 => "uint16",
        29 => "float8_e4m3fn",
        30 => "float8_e5m2",
        _ => "?",
    }
}

/// Reads the exported program in the zip `archive`.
pub fn read(archive: impl Read + Seek, source: &Source) -> Result<(Graph, ModelSummary), LoadError> {
    let json = program_json(archive, source)?;
    Ok(op_graph(&Program::parse(&json, source)?))
}

/// The module DAG of the exported program at `path`, for the neuron level: linear,
/// convolution and embedding calls with a stored weight are layers (torch keeps weights
/// outputs-first, `[out, in, ...]`), normalisations, arithmetic and concatenation act
/// channel by channel, every other call passes its input's channels through, and
/// `nn_module_stack` gives the groups. Graph inputs start with their channels
/// (dimension 1 of a 4-D tensor, else the last).
pub fn module_dag(path: &Path) -> Result<(ModuleDag, ModelSummary), LoadError> {
    let source = Source::File(path.to_owned());
    let file = std::fs::File::open(path).map_err(|e| LoadError::io(&source, e))?;
    let json = program_json(std::io::BufReader::new(file), &source)?;
    let program = Program::parse(&json, &source)?;
    let mut dag = ModuleDag::default();
    let mut scopes = Scopes::default();
    let mut producers: HashMap<&str, u32> = HashMap::new();
    for &name in &program.user_inputs {
        let dims = program.shape(name).map(|(dims, _)| dims).unwrap_or_default();
        let channels = if dims.len() == 4 { dims.get(1) } else { dims.last() };
        let width = channels.and_then(|&c| u64::try_from(c).ok()).filter(|&c| c > 0);
        dag.nodes.push(ModuleNode::operator(name.to_owned(), Op::Input, None, Vec::new(), width));
        producers.insert(name, (dag.nodes.len() - 1) as u32);
    }
    for call in &program.calls {
        let inputs: Vec<u32> = call.inputs.iter().filter_map(|i| producers.get(i).copied()).collect();
        // The first stored tensor read with `dims` dimensions: the layer's weight.
        let weight = |dims: std::ops::RangeInclusive<usize>| {
            call.inputs.iter().find_map(|i| {
                let stored = program.stored.get(i).filter(|s| dims.contains(&s.dims.len()))?;
                let shape = stored.dims.iter().map(|&d| d.max(0) as u64).collect();
                Some(Weight { tensor: stored.param.name.clone(), shape, transposed: false, part: None })
            })
        };
        let layer = |op: Op, weight: Option<Weight>| match weight {
            Some(w) => (op, Some(w)),
            None => (Op::Module, None),
        };
        let (op, weight) = match call.kind.as_str() {
            "linear" => layer(Op::Linear, weight(2..=2)),
            "conv1d" | "conv2d" | "conv3d" | "convolution" => layer(Op::Conv, weight(3..=5)),
            "embedding" => layer(Op::Embedding, weight(2..=2)),
            "add" | "sub" | "add_" | "maximum" | "minimum" => (Op::Add, None),
            "mul" | "div" | "mul_" | "where" => (Op::Mul, None),
            "layer_norm"
            | "batch_norm"
            | "group_norm"
            | "instance_norm"
            | "rms_norm"
            | "_native_batch_norm_legit_no_training"
            | "native_layer_norm" => (Op::Norm, None),
            "cat" | "concat" => (Op::Concat, None),
            _ => (Op::Module, None),
        };
        let mut module = ModuleNode::operator(call.label.to_owned(), op, weight, inputs, None);
        module.group = scopes.nested(&mut dag.groups, &call.scopes);
        dag.nodes.push(module);
        for &output in &call.outputs {
            producers.insert(output, (dag.nodes.len() - 1) as u32);
        }
    }
    Ok((dag, program.summary))
}

/// The serialized ExportedProgram in the zip `archive`, as JSON.
fn program_json(archive: impl Read + Seek, source: &Source) -> Result<Value, LoadError> {
    let invalid = |m: String| LoadError::invalid(source, m);
    let mut zip = zip::ZipArchive::new(archive)
        .map_err(|e| invalid(format!("is not a readable zip archive, as a .pt2 is ({e})")))?;
    let names = zip
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| invalid(format!("has an unreadable entry name ({e})")))?;
    let program = names
        .iter()
        .find(|n| n.ends_with("/models/model.json"))
        .or_else(|| names.iter().find(|n| n.contains("/models/") && n.ends_with(".json")))
        .or_else(|| names.iter().find(|n| n.ends_with("serialized_exported_program.json")))
        .cloned();
    let Some(program) = program else {
        if names.iter().any(|n| n.ends_with("data.pkl")) {
            return Err(invalid(
                "is a torch.save checkpoint (pickled tensors), not an exported program; write one with \
                 torch.export.save(torch.export.export(model, example_inputs), \"model.pt2\")"
                    .to_owned(),
            ));
        }
        return Err(invalid("holds no exported program (models/model.json)".to_owned()));
    };
    member_json(&mut zip, &program, source)
}

/// The JSON document in the archive member `name`, read only up to [`MAX_PROGRAM_BYTES`]
/// (a member that says it is larger is an error before any reading).
fn member_json<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str, source: &Source) -> Result<Value, LoadError> {
    let invalid = |m: String| LoadError::invalid(source, m);
    let mut entry = zip.by_name(name).map_err(|e| invalid(format!("{name}: {e}")))?;
    if entry.size() > MAX_PROGRAM_BYTES {
        return Err(invalid(format!("{name} says it holds {} bytes, more than netlens reads", entry.size())));
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    (&mut entry)
        .take(MAX_PROGRAM_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(format!("{name} cannot be read: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| invalid(format!("{name} is not valid JSON: {e}")))
}

/// The names of the tensors an argument holds (`as_tensor`, `as_tensors`, optional ones),
/// however deep.
fn tensor_names<'a>(arg: &'a Value, out: &mut Vec<&'a str>) {
    match arg {
        Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("as_tensors" | "as_optional_tensors", Value::Array(items)) => {
                        for item in items {
                            match item.get("name").and_then(Value::as_str) {
                                Some(name) => out.push(name),
                                None => tensor_names(item, out),
                            }
                        }
                    }
                    ("as_tensor" | "as_optional_tensor", Value::Object(t)) => {
                        if let Some(name) = t.get("name").and_then(Value::as_str) {
                            out.push(name);
                        } else {
                            tensor_names(value, out);
                        }
                    }
                    _ => tensor_names(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| tensor_names(item, out)),
        _ => {}
    }
}

/// A tensor's sizes (`as_int`, or `?` for a symbolic size) and dtype.
fn shape_of(meta: &Value) -> (Vec<i64>, String) {
    let sizes: Vec<Option<i64>> = meta
        .get("sizes")
        .and_then(Value::as_array)
        .map(|sizes| sizes.iter().map(|s| s.get("as_int").and_then(Value::as_i64)).collect())
        .unwrap_or_default();
    let dims: Vec<String> = sizes.iter().map(|s| s.map_or("?".to_owned(), |d| d.to_string())).collect();
    let dtype = dtype_name(meta.get("dtype").and_then(Value::as_i64).unwrap_or(0));
    (sizes.iter().map(|s| s.unwrap_or(0)).collect(), format!("[{}] {dtype}", dims.join("x")))
}

/// The operator type of a call target: `torch.ops.aten.conv2d.default` is `conv2d`; other
/// namespaces keep theirs (`higher_order.cond`).
fn op_type(target: &str) -> String {
    let target = target.strip_prefix("torch.ops.").unwrap_or(target);
    let parts: Vec<&str> = target.split('.').collect();
    match parts.as_slice() {
        ["aten", op, ..] => (*op).to_owned(),
        [namespace, op, _overload] => format!("{namespace}.{op}"),
        _ => target.to_owned(),
    }
}

/// The module paths of an `nn_module_stack` (`key,path,type;...`), outermost first,
/// without the root module.
fn module_paths(stack: &str) -> Vec<&str> {
    stack
        .split(';')
        .filter_map(|entry| {
            let (_, rest) = entry.split_once(',')?;
            let (path, _) = rest.rsplit_once(',')?;
            (!path.is_empty()).then_some(path)
        })
        .collect()
}

/// A parameter, buffer or constant the program reads.
struct Stored {
    param: Param,
    dims: Vec<i64>,
}

/// One call of the program.
struct Call<'a> {
    label: &'a str,
    /// The operator type (`conv2d`).
    kind: String,
    inputs: Vec<&'a str>,
    outputs: Vec<&'a str>,
    /// The modules it runs in, outermost first, named as groups (`layers.0`, `self_attn`).
    scopes: Vec<String>,
}

/// An exported program read once: its calls, its user inputs and outputs, the tensors it
/// stores by their graph names, and what it says of the model as a whole.
struct Program<'a> {
    tensors: Option<&'a serde_json::Map<String, Value>>,
    stored: HashMap<&'a str, Stored>,
    user_inputs: Vec<&'a str>,
    calls: Vec<Call<'a>>,
    outputs: Vec<&'a str>,
    summary: ModelSummary,
}

impl<'a> Program<'a> {
    fn parse(program: &'a Value, source: &Source) -> Result<Program<'a>, LoadError> {
        let module = program.get("graph_module").unwrap_or(program);
        let graph = module
            .get("graph")
            .ok_or_else(|| LoadError::invalid(source, "holds a program without a graph (graph_module.graph)"))?;
        let mut parsed = Program {
            tensors: graph.get("tensor_values").and_then(Value::as_object),
            stored: HashMap::new(),
            user_inputs: Vec::new(),
            calls: Vec::new(),
            outputs: Vec::new(),
            summary: ModelSummary::default(),
        };
        if let Some(version) = program.get("torch_version").and_then(Value::as_str) {
            parsed.summary.producer = format!("PyTorch {version} (torch.export)");
        }
        // The signature: which graph inputs are parameters, buffers and constants, and
        // which are the user's.
        let specs = module.pointer("/signature/input_specs").and_then(Value::as_array);
        for spec in specs.into_iter().flatten() {
            let Some((kind, body)) = spec.as_object().and_then(|o| o.iter().next()) else { continue };
            let arg = body.get("arg");
            let name = arg.and_then(|a| a.get("name").or_else(|| a.pointer("/as_tensor/name"))).and_then(Value::as_str);
            let Some(name) = name else { continue };
            let real_name = ["parameter_name", "buffer_name", "tensor_constant_name"]
                .iter()
                .find_map(|key| body.get(*key).and_then(Value::as_str));
            match (kind.as_str(), real_name) {
                ("user_input", _) => parsed.user_inputs.push(name),
                (_, Some(real_name)) => {
                    let (dims, text) = parsed.shape(name).unwrap_or_default();
                    let count = element_count(&dims);
                    parsed.summary.params = parsed.summary.params.saturating_add(count);
                    let description = format!("{real_name} {text}");
                    let param = Param { name: real_name.to_owned(), count, description };
                    parsed.stored.insert(name, Stored { param, dims });
                }
                _ => {}
            }
        }
        for node in graph.get("nodes").and_then(Value::as_array).into_iter().flatten() {
            let target = node.get("target").and_then(Value::as_str).unwrap_or("?");
            let kind = op_type(target);
            *parsed.summary.ops.entry(kind.clone()).or_insert(0) += 1;
            let mut inputs = Vec::new();
            for input in node.get("inputs").and_then(Value::as_array).into_iter().flatten() {
                tensor_names(input.get("arg").unwrap_or(input), &mut inputs);
            }
            let mut outputs = Vec::new();
            tensor_names(node.get("outputs").unwrap_or(&Value::Null), &mut outputs);
            let label = node.get("name").and_then(Value::as_str).or(outputs.first().copied()).unwrap_or("?");
            let stack = node.pointer("/metadata/nn_module_stack").and_then(Value::as_str).unwrap_or("");
            let mut scopes = Vec::new();
            let mut outer = "";
            for path in module_paths(stack) {
                let inner = path.strip_prefix(outer).and_then(|p| p.strip_prefix('.')).unwrap_or(path);
                // A Sequential's or ModuleList's child `0` is `block.0`, as ONNX names it.
                scopes.push(match inner.bytes().all(|b| b.is_ascii_digit()) {
                    true => format!("{}.{inner}", outer.rsplit('.').next().unwrap_or(outer)),
                    false => inner.to_owned(),
                });
                outer = path;
            }
            parsed.calls.push(Call { label, kind, inputs, outputs, scopes });
        }
        for spec in module.pointer("/signature/output_specs").and_then(Value::as_array).into_iter().flatten() {
            if let Some(body) = spec.get("user_output") {
                tensor_names(body, &mut parsed.outputs);
            }
        }
        Ok(parsed)
    }

    /// A tensor's sizes and its `[AxB] dtype` text.
    fn shape(&self, name: &str) -> Option<(Vec<i64>, String)> {
        self.tensors.and_then(|t| t.get(name)).map(shape_of)
    }

    fn shape_text(&self, name: &str) -> String {
        self.shape(name).map(|(_, text)| text).unwrap_or_default()
    }
}

/// The operator graph: a node per call, user input and output; stored tensors on the
/// calls that read them; tensors as edges; modules as groups.
fn op_graph(program: &Program<'_>) -> (Graph, ModelSummary) {
    let mut table = NodeTable::default();
    let mut producers: HashMap<&str, u32> = HashMap::new();
    for &name in &program.user_inputs {
        let id = table.add(name, "Input", &program.shape_text(name), &[]);
        producers.insert(name, id);
    }
    for call in &program.calls {
        let read: Vec<Param> =
            call.inputs.iter().filter_map(|i| program.stored.get(i)).map(|s| s.param.clone()).collect();
        let out_shape = call.outputs.first().map(|o| program.shape_text(o)).unwrap_or_default();
        let id = table.add(call.label, &call.kind, &out_shape, &read);
        if let Some(g) = table.nested(&call.scopes) {
            table.graph.groups.assign(id, g);
        }
        for input in &call.inputs {
            if let Some(&from) = producers.get(input) {
                table.graph.push_edge(from, id);
            }
        }
        for &output in &call.outputs {
            producers.insert(output, id);
        }
    }
    for &name in &program.outputs {
        let id = table.add(name, "Output", &program.shape_text(name), &[]);
        if let Some(&from) = producers.get(name) {
            table.graph.push_edge(from, id);
        }
    }
    (table.finish(), program.summary.clone())
}

/// The weights of an exported program, memory-mapped: the parameters and buffers torch
/// stores raw and uncompressed (`data/weights/weight_N`, described by
/// `model_weights_config.json`), by their real names (`mlp.0.weight`).
pub struct Pt2Weights {
    map: memmap2::Mmap,
    tensors: Vec<(Tensor, Range<usize>)>,
}

impl WeightSource for Pt2Weights {
    fn bytes(&self, name: &str) -> Option<(&[u8], &str)> {
        let (tensor, range) = self.tensors.iter().find(|(t, _)| t.name == name)?;
        Some((self.map.get(range.clone())?, tensor.dtype.as_str()))
    }
}

/// The floating-point weights of the `.pt2` at `path` that are stored contiguous and raw
/// (pickled or strided ones, and integers, are left out), with their tensors.
pub fn open_weights(path: &Path) -> Result<(Pt2Weights, Vec<Tensor>), LoadError> {
    let source = Source::File(path.to_owned());
    let invalid = |m: String| LoadError::invalid(&source, m);
    let file = std::fs::File::open(path).map_err(|e| LoadError::io(&source, e))?;
    // SAFETY: read-only; a file changed while netlens reads it gives wrong values, not UB
    // in safe code that only copies bytes out of the map.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| LoadError::io(&source, e))?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&map[..]))
        .map_err(|e| invalid(format!("is not a readable zip archive, as a .pt2 is ({e})")))?;
    let config_name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with("/data/weights/model_weights_config.json"))
        .map(|n| n.into_owned())
        .ok_or_else(|| invalid("holds no weights (data/weights/model_weights_config.json)".to_owned()))?;
    let prefix = config_name.trim_end_matches("model_weights_config.json").to_owned();
    let config = member_json(&mut zip, &config_name, &source)?;
    let mut tensors = Vec::new();
    for (name, entry) in config.get("config").and_then(Value::as_object).into_iter().flatten() {
        let meta = entry.get("tensor_meta").unwrap_or(&Value::Null);
        let (dtype, width) = match meta.get("dtype").and_then(Value::as_i64) {
            Some(7) => ("F32", 4),
            Some(6) => ("F16", 2),
            Some(13) => ("BF16", 2),
            Some(8) => ("F64", 8),
            _ => continue,
        };
        let (dims, _) = shape_of(meta);
        let shape: Vec<u64> = dims.iter().map(|&d| d.max(0) as u64).collect();
        // Contiguous from offset 0: strides are the running products of the sizes.
        let strides: Vec<Option<i64>> = meta
            .get("strides")
            .and_then(Value::as_array)
            .map(|s| s.iter().map(|v| v.get("as_int").and_then(Value::as_i64)).collect())
            .unwrap_or_default();
        let mut expected = 1i64;
        let mut contiguous = strides.len() == dims.len();
        for (stride, &size) in strides.iter().zip(&dims).rev() {
            contiguous &= size <= 1 || *stride == Some(expected);
            expected = expected.saturating_mul(size);
        }
        let offset = meta.pointer("/storage_offset/as_int").and_then(Value::as_i64).unwrap_or(0);
        let pickled = entry.get("use_pickle").and_then(Value::as_bool).unwrap_or(false);
        let Some(stored) = entry.get("path_name").and_then(Value::as_str) else { continue };
        if pickled || !contiguous || offset != 0 {
            continue;
        }
        let Ok(member) = zip.by_name(&format!("{prefix}{stored}")) else { continue };
        let bytes = element_count(&dims).saturating_mul(width);
        let stored_raw = member.compression() == zip::CompressionMethod::Stored;
        if let Some(start) = member.data_start().filter(|_| stored_raw && member.size() >= bytes) {
            let range = start as usize..(start.saturating_add(bytes)) as usize;
            tensors.push((Tensor { name: name.clone(), shape, dtype: dtype.to_owned() }, range));
        }
    }
    let list = tensors.iter().map(|(t, _)| t.clone()).collect();
    Ok((Pt2Weights { map, tensors }, list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_module_stacks_read_as_torch_writes_them() {
        assert_eq!(op_type("torch.ops.aten.conv2d.default"), "conv2d");
        assert_eq!(op_type("torch.ops.aten.flatten.using_ints"), "flatten");
        assert_eq!(op_type("torch.ops.higher_order.cond"), "higher_order.cond");
        assert_eq!(op_type("_operator.getitem"), "_operator.getitem");
        let stack = "L__self__,,__main__.Net;L__self__block,block,torch.nn.modules.container.Sequential;\
                     L__self__block.0,block.0,torch.nn.modules.linear.Linear";
        assert_eq!(module_paths(stack), ["block", "block.0"]);
        let json: Value = serde_json::from_str(r#"{"as_tensors": [{"name": "a"}, {"name": "b"}]}"#).unwrap();
        let mut names = Vec::new();
        tensor_names(&json, &mut names);
        assert_eq!(names, ["a", "b"]);
    }
}
