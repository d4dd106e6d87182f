//! Columnar tables: Apache Parquet and Arrow IPC (`.arrow`, `.feather` v2), one file or a
//! folder of part files as Spark, Dask and pyarrow write them, as edge tables
//! ([`read_edges`]) and vertex tables ([`attach_vertices`]).
//!
//! Only the columns in use are read (a projection), one record batch at a time, so memory
//! grows with the graph, not with the file. Parts are read in name order; names starting
//! with `_` or `.` (`_SUCCESS`, `.crc` files) are skipped, as Hadoop's readers do.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatchReader};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::edgelist::{ID_HEADERS, WEIGHT_HEADERS};
use super::ids::NodeIds;
use super::{LoadError, Source};
use crate::graph::{Column, Graph, MAX_NODES, StringTable, TextColumn};

/// Rows per record batch: large enough for long strides, small enough to bound memory.
const BATCH_ROWS: usize = 64 * 1024;

/// Which columns of an edge table hold the ends and the weight; `None`: found by name.
#[derive(Debug, Clone, Default)]
pub struct EdgeColumns {
    pub src: Option<String>,
    pub dst: Option<String>,
    pub weight: Option<String>,
}

/// The storage of one part file, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Parquet,
    /// Arrow IPC file format (`.arrow`, Feather v2).
    ArrowFile,
    /// Arrow IPC stream format.
    ArrowStream,
}

impl Storage {
    pub fn detect(head: &[u8]) -> Option<Storage> {
        if head.starts_with(b"PAR1") {
            Some(Storage::Parquet)
        } else if head.starts_with(b"ARROW1") {
            Some(Storage::ArrowFile)
        } else if head.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
            Some(Storage::ArrowStream)
        } else {
            None
        }
    }

    fn of(path: &Path) -> Result<Option<Storage>, LoadError> {
        let source = Source::File(path.to_owned());
        let mut head = [0u8; 6];
        let mut file = File::open(path).map_err(|e| LoadError::io(&source, e))?;
        let read = file.read(&mut head).map_err(|e| LoadError::io(&source, e))?;
        Ok(Storage::detect(&head[..read]))
    }
}

/// Whether `dir` holds part files of a table (directly or in partition folders).
pub fn is_table_folder(dir: &Path) -> bool {
    parts(dir).is_ok_and(|parts| !parts.is_empty())
}

/// The part files of the table at `path`: the file itself, or the folder's Parquet and
/// Arrow files (partition folders such as `community=3/` included), in name order.
fn parts(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let source = Source::File(path.to_owned());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| LoadError::io(&source, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with(['_', '.'])))
        .collect();
    entries.sort();
    let mut found = Vec::new();
    for entry in entries {
        if entry.is_dir() {
            found.extend(parts(&entry)?);
        } else if Storage::of(&entry)?.is_some() {
            found.push(entry);
        }
    }
    Ok(found)
}

/// A part's whole schema, and its record batches of only the columns `wanted` picks.
fn open_part(
    part: &Path,
    wanted: impl FnOnce(&SchemaRef) -> Result<Vec<usize>, String>,
) -> Result<(SchemaRef, Box<dyn RecordBatchReader>), LoadError> {
    let source = Source::File(part.to_owned());
    let invalid = |e: &dyn std::fmt::Display| LoadError::invalid(&source, e.to_string());
    let file = File::open(part).map_err(|e| LoadError::io(&source, e))?;
    match Storage::of(part)? {
        Some(Storage::Parquet) => {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|e| invalid(&format!("is not a readable Parquet file: {e}")))?;
            let schema = builder.schema().clone();
            let columns = wanted(&schema).map_err(|m| invalid(&m))?;
            let mask = ProjectionMask::roots(builder.parquet_schema(), columns);
            let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(|e| invalid(&e))?;
            Ok((schema, Box::new(reader)))
        }
        Some(storage @ (Storage::ArrowFile | Storage::ArrowStream)) => {
            // Opened twice: for the schema, then with the projection it picks.
            let open = |projection: Option<Vec<usize>>| -> Result<Box<dyn RecordBatchReader>, ArrowError> {
                let reader = BufReader::new(File::open(part)?);
                Ok(match storage {
                    Storage::ArrowFile => Box::new(arrow_ipc::reader::FileReader::try_new(reader, projection)?),
                    _ => Box::new(arrow_ipc::reader::StreamReader::try_new(reader, projection)?),
                })
            };
            let schema = open(None).map_err(|e| invalid(&format!("is not a readable Arrow IPC file: {e}")))?.schema();
            let columns = wanted(&schema).map_err(|m| invalid(&m))?;
            let reader = open(Some(columns)).map_err(|e| invalid(&e))?;
            Ok((schema, Box::new(reader)))
        }
        None => Err(invalid(&"is neither a Parquet file (PAR1) nor an Arrow IPC file (ARROW1)")),
    }
}

/// What a column's values are, as far as a graph cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Float,
    Text,
    Other,
}

fn kind(data_type: &DataType) -> Kind {
    match data_type {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Kind::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Boolean => Kind::Float,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Text,
        DataType::Dictionary(_, values) if kind(values) == Kind::Text => Kind::Text,
        _ => Kind::Other,
    }
}

/// One value of an id or attribute column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value<'a> {
    Integer(i64),
    Float(f64),
    Text(&'a str),
    Null,
}

/// Calls `each` with every value of `array` in row order; an error for unsupported types
/// and for integers beyond i64.
fn for_each_value(array: &dyn Array, each: &mut dyn FnMut(usize, Value) -> Result<(), String>) -> Result<(), String> {
    macro_rules! primitive {
        ($t:ty, $to:expr) => {
            if let Some(values) = array.as_primitive_opt::<$t>() {
                for (row, v) in values.iter().enumerate() {
                    each(row, v.map_or(Value::Null, $to))?;
                }
                return Ok(());
            }
        };
    }
    primitive!(Int8Type, |v| Value::Integer(v.into()));
    primitive!(Int16Type, |v| Value::Integer(v.into()));
    primitive!(Int32Type, |v| Value::Integer(v.into()));
    primitive!(Int64Type, Value::Integer);
    primitive!(UInt8Type, |v| Value::Integer(v.into()));
    primitive!(UInt16Type, |v| Value::Integer(v.into()));
    primitive!(UInt32Type, |v| Value::Integer(v.into()));
    primitive!(UInt64Type, |v: u64| Value::Integer(i64::try_from(v).unwrap_or(i64::MAX)));
    primitive!(Float16Type, |v: half::f16| Value::Float(v.into()));
    primitive!(Float32Type, |v| Value::Float(v.into()));
    primitive!(Float64Type, Value::Float);
    if let Some(values) = array.as_boolean_opt() {
        for (row, v) in values.iter().enumerate() {
            each(row, v.map_or(Value::Null, |b| Value::Float(f64::from(u8::from(b)))))?;
        }
        return Ok(());
    }
    macro_rules! strings {
        ($values:expr) => {
            for (row, v) in $values.iter().enumerate() {
                each(row, v.map_or(Value::Null, Value::Text))?;
            }
            return Ok(());
        };
    }
    if let Some(values) = array.as_string_opt::<i32>() {
        strings!(values);
    }
    if let Some(values) = array.as_string_opt::<i64>() {
        strings!(values);
    }
    if let Some(values) = array.as_string_view_opt() {
        strings!(values);
    }
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let mut names = Vec::new();
        for_each_value(dictionary.values().as_ref(), &mut |_, v| {
            names.push(match v {
                Value::Text(text) => Some(text.to_owned()),
                _ => None,
            });
            Ok(())
        })?;
        for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
            let value = match (dictionary.keys().is_null(row), names.get(key)) {
                (false, Some(Some(name))) => Value::Text(name),
                _ => Value::Null,
            };
            each(row, value)?;
        }
        return Ok(());
    }
    Err(format!("holds {} values, which netlens cannot read as ids or attributes", array.data_type()))
}

/// The names of a schema's columns, for messages.
fn column_list(schema: &SchemaRef) -> String {
    let names: Vec<String> = schema.fields().iter().map(|f| format!("{} ({})", f.name(), f.data_type())).collect();
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

fn find(schema: &SchemaRef, name: &str) -> Option<usize> {
    let fields = schema.fields();
    fields
        .iter()
        .position(|f| f.name() == name)
        .or_else(|| fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)))
}

/// The source, target and weight columns of an edge table, by `chosen` or by name: a pair
/// such as `src`/`dst` or `source`/`target`, else the first two id columns (integers or
/// text); the weight is a numeric column called `weight` (or the like), else the first
/// other numeric column, as an edge list's third column is.
fn edge_columns(schema: &SchemaRef, chosen: &EdgeColumns) -> Result<(usize, usize, Option<usize>), String> {
    let named = |name: &str, what: &str| {
        find(schema, name)
            .ok_or_else(|| format!("has no column '{name}' for {what}; its columns: {}", column_list(schema)))
    };
    let is_id = |i: usize| matches!(kind(schema.field(i).data_type()), Kind::Integer | Kind::Text);
    let ends = match (&chosen.src, &chosen.dst) {
        (Some(src), Some(dst)) => (named(src, "--src")?, named(dst, "--dst")?),
        (Some(_), None) | (None, Some(_)) => return Err("give both --src and --dst, or neither".to_owned()),
        (None, None) => ID_HEADERS
            .chunks(2)
            .find_map(|pair| Some((find(schema, pair[0])?, find(schema, pair[1])?)))
            .or_else(|| {
                let mut ids = (0..schema.fields().len()).filter(|&i| is_id(i));
                Some((ids.next()?, ids.next()?))
            })
            .ok_or_else(|| {
                format!(
                    "has no pair of id columns (src/dst, source/target, or two integer or text columns); its columns: {}",
                    column_list(schema)
                )
            })?,
    };
    for end in [ends.0, ends.1] {
        if !is_id(end) {
            let field = schema.field(end);
            return Err(format!(
                "column '{}' holds {}: node ids must be integers or text",
                field.name(),
                field.data_type()
            ));
        }
    }
    let (a, b) = (kind(schema.field(ends.0).data_type()), kind(schema.field(ends.1).data_type()));
    if a != b {
        return Err(format!(
            "columns '{}' and '{}' hold ids of different kinds ({} and {})",
            schema.field(ends.0).name(),
            schema.field(ends.1).name(),
            schema.field(ends.0).data_type(),
            schema.field(ends.1).data_type()
        ));
    }
    let numeric = |i: usize| matches!(kind(schema.field(i).data_type()), Kind::Integer | Kind::Float);
    let weight = match &chosen.weight {
        Some(name) => {
            let i = named(name, "--weight")?;
            if !numeric(i) {
                return Err(format!("column '{name}' holds {}: weights must be numbers", schema.field(i).data_type()));
            }
            Some(i)
        }
        None => WEIGHT_HEADERS
            .iter()
            .filter_map(|name| find(schema, name))
            .find(|&i| numeric(i))
            .or_else(|| (0..schema.fields().len()).find(|&i| i != ends.0 && i != ends.1 && numeric(i))),
    };
    Ok((ends.0, ends.1, weight))
}

/// The node of one id value.
fn node_of(ids: &mut NodeIds, value: Value) -> Result<u32, String> {
    match value {
        Value::Integer(id) => ids.index(id),
        Value::Text(name) => ids.name(name),
        Value::Float(_) | Value::Null => Err("missing node id (null)".to_owned()),
    }
}

fn number(value: Value) -> f32 {
    match value {
        Value::Integer(v) => v as f32,
        Value::Float(v) => v as f32,
        Value::Text(_) | Value::Null => f32::NAN,
    }
}

thread_local! {
    /// Set while a [`guarded`] read runs on this thread.
    static GUARDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a [`guarded`] read: a panic hook stays quiet then, as
/// the panic becomes an error.
pub fn guarding() -> bool {
    GUARDING.with(|g| g.get())
}

/// Runs `read` on the arrow-rs readers, which assert (panic) on some damaged files instead
/// of returning an error (a flipped byte in a Feather file's buffer offsets): such a panic
/// becomes an error that names the file.
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, LoadError>) -> Result<T, LoadError> {
    let outer = GUARDING.with(|g| g.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDING.with(|g| g.set(outer));
    outcome.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("an inconsistent value");
        Err(LoadError::invalid(&Source::File(path.to_owned()), format!("is damaged: the reader failed on {why}")))
    })
}

/// Reads an edge table (a Parquet or Arrow file, or a folder of part files) as a directed
/// graph; ids that are integers are node indices, text ids are names.
pub fn read_edges(path: &Path, chosen: &EdgeColumns) -> Result<Graph, LoadError> {
    guarded(path, || read_edges_unguarded(path, chosen))
}

fn read_edges_unguarded(path: &Path, chosen: &EdgeColumns) -> Result<Graph, LoadError> {
    let source = Source::File(path.to_owned());
    let parts = parts(path)?;
    if parts.is_empty() {
        return Err(LoadError::invalid(&source, "is a folder without Parquet or Arrow part files"));
    }
    let mut graph = Graph::with_nodes(0, true);
    let mut ids: Option<NodeIds> = None;
    let mut names: Option<[String; 3]> = None;
    for part in &parts {
        let part_source = Source::File(part.clone());
        let mut picked = None;
        let (schema, batches) = open_part(part, |schema| {
            let columns = edge_columns(schema, chosen)?;
            picked = Some(columns);
            Ok([Some(columns.0), Some(columns.1), columns.2].into_iter().flatten().collect())
        })?;
        let (s, d, w) = picked.expect("chosen while opening");
        let these = [s, d, w.unwrap_or(s)].map(|i| schema.field(i).name().clone());
        let read = if w.is_some() { these.join(", ") } else { these[..2].join(", ") };
        match &names {
            None => {
                names = Some(these.clone());
                if w.is_some() {
                    graph.weights = Some(Vec::new());
                }
            }
            Some(first) if *first != these || w.is_some() != graph.weights.is_some() => {
                let first = if graph.weights.is_some() { first.join(", ") } else { first[..2].join(", ") };
                return Err(LoadError::invalid(
                    &part_source,
                    format!("has columns {read} where the first part has {first}: the parts differ"),
                ));
            }
            Some(_) => {}
        }
        let ids = ids.get_or_insert_with(|| match kind(schema.field(s).data_type()) {
            Kind::Text => NodeIds::names(),
            _ => NodeIds::indices(),
        });
        let mut row_base = 0u64;
        for batch in batches {
            let batch = batch.map_err(|e| LoadError::invalid(&part_source, format!("cannot be read: {e}")))?;
            let column = |name: &str| batch.column_by_name(name).expect("projected column");
            for (end, name) in [(&mut graph.src, &these[0]), (&mut graph.dst, &these[1])] {
                for_each_value(column(name).as_ref(), &mut |row, value| {
                    let node = node_of(ids, value).map_err(|m| format!("row {}: {m}", row_base + row as u64))?;
                    end.push(node);
                    Ok(())
                })
                .map_err(|m| LoadError::invalid(&part_source, format!("column '{name}': {m}")))?;
            }
            if let Some(weights) = &mut graph.weights {
                for_each_value(column(&these[2]).as_ref(), &mut |row, value| match value {
                    Value::Null => Err(format!("row {}: missing weight (null)", row_base + row as u64)),
                    v => {
                        weights.push(number(v));
                        Ok(())
                    }
                })
                .map_err(|m| LoadError::invalid(&part_source, format!("column '{}': {m}", these[2])))?;
            }
            row_base += batch.num_rows() as u64;
        }
    }
    ids.expect("at least one part").finish(&mut graph);
    if graph.edge_count() == 0 {
        return Err(LoadError::invalid(&source, "holds no edges"));
    }
    Ok(graph)
}

/// Column names a vertex table's class column goes by (GraphFrames' label propagation
/// writes `label`, its connected components `component`).
const CLASS_COLUMNS: &[&str] =
    &["class", "label", "community", "component", "cluster", "category", "type", "cell_type", "node_type", "y"];
/// Column names a vertex table's id column goes by; else the first column.
const VERTEX_ID_COLUMNS: &[&str] = &["id", "node_id", "node", "vertex", "vertex_id"];

/// What a vertex table added to a graph.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VertexTable {
    pub rows: u64,
    /// Vertices no edge named, added as isolated nodes.
    pub added_nodes: u32,
    pub class_column: Option<String>,
    pub name_column: Option<String>,
    pub numeric_columns: Vec<String>,
    pub text_columns: Vec<String>,
}

/// One attribute column as read, a value per vertex row.
enum Values {
    Numbers(Vec<f32>),
    Texts(Vec<Option<String>>),
}

/// Attaches a vertex table (Parquet or Arrow, a file or a folder of parts) to `graph`:
/// its `id` column names the node of each row (an index where the edges used integer ids,
/// else a name); a `name` column gives display names, a class column (`class`, `label`,
/// `community`, `component`, ...; integers or text) colours the nodes, and every other
/// numeric or text column becomes a node column. Vertices no edge names become isolated
/// nodes. The whole table is read before `graph` changes.
pub fn attach_vertices(graph: &mut Graph, path: &Path) -> Result<VertexTable, LoadError> {
    guarded(path, || attach_vertices_unguarded(graph, path))
}

fn attach_vertices_unguarded(graph: &mut Graph, path: &Path) -> Result<VertexTable, LoadError> {
    let source = Source::File(path.to_owned());
    let parts = parts(path)?;
    if parts.is_empty() {
        return Err(LoadError::invalid(&source, "is a folder without Parquet or Arrow part files"));
    }
    // Edges with integer ids: a vertex's id is its node index. Otherwise ids are names.
    let by_index = graph.ids_are_indices;
    let mut by_name: HashMap<String, u32> = match &graph.nodes.labels {
        Some(labels) if !by_index => {
            (0..labels.len()).filter_map(|i| Some((labels.get(i)?.to_owned(), i as u32))).collect()
        }
        _ => HashMap::new(),
    };
    let before = graph.node_count();
    let named_before = by_name.len() as u32;
    let mut report = VertexTable::default();
    let mut rows: Vec<u32> = Vec::new();
    let mut columns: Vec<(String, Values)> = Vec::new();
    let mut layout: Option<Vec<String>> = None;
    for part in &parts {
        let part_source = Source::File(part.clone());
        let mut id_at = 0;
        let (schema, batches) = open_part(part, |schema| {
            id_at = VERTEX_ID_COLUMNS.iter().find_map(|name| find(schema, name)).unwrap_or(0);
            if schema.fields().is_empty() {
                return Err("has no columns".to_owned());
            }
            Ok((0..schema.fields().len())
                .filter(|&i| i == id_at || kind(schema.field(i).data_type()) != Kind::Other)
                .collect())
        })?;
        let id_name = schema.field(id_at).name().clone();
        let attributes: Vec<String> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|&(i, f)| i != id_at && kind(f.data_type()) != Kind::Other)
            .map(|(_, f)| f.name().clone())
            .collect();
        if layout.is_none() {
            if kind(schema.field(id_at).data_type()) != Kind::Integer && by_index {
                return Err(LoadError::invalid(
                    &part_source,
                    format!(
                        "ids in column '{id_name}' are {}, but the edges use integer node indices",
                        schema.field(id_at).data_type()
                    ),
                ));
            }
            for name in &attributes {
                let field = &schema.fields()[find(&schema, name).expect("listed")];
                let values = match kind(field.data_type()) {
                    Kind::Text => Values::Texts(Vec::new()),
                    _ => Values::Numbers(Vec::new()),
                };
                columns.push((name.clone(), values));
            }
            layout = Some(attributes.clone());
        } else if layout.as_ref() != Some(&attributes) {
            return Err(LoadError::invalid(&part_source, "has other columns than the first part: the parts differ"));
        }
        let mut row_base = 0u64;
        for batch in batches {
            let batch = batch.map_err(|e| LoadError::invalid(&part_source, format!("cannot be read: {e}")))?;
            let at_row = |row: usize| row_base + row as u64;
            for_each_value(batch.column_by_name(&id_name).expect("projected").as_ref(), &mut |row, value| {
                let node = match value {
                    Value::Integer(id) if by_index => {
                        if id < 0 || id as u64 >= MAX_NODES {
                            return Err(format!("row {}: node id {id} is not a node index", at_row(row)));
                        }
                        id as u32
                    }
                    Value::Integer(_) | Value::Text(_) => {
                        let name = match value {
                            Value::Text(text) => text.to_owned(),
                            Value::Integer(id) => id.to_string(),
                            _ => unreachable!("matched above"),
                        };
                        let next = before + by_name.len() as u32 - named_before;
                        if next as u64 >= MAX_NODES && !by_name.contains_key(&name) {
                            return Err(format!("more than {MAX_NODES} nodes"));
                        }
                        *by_name.entry(name).or_insert(next)
                    }
                    Value::Null | Value::Float(_) => {
                        return Err(format!("row {}: missing or fractional id in '{id_name}'", at_row(row)));
                    }
                };
                rows.push(node);
                Ok(())
            })
            .map_err(|m| LoadError::invalid(&part_source, m))?;
            for (name, values) in &mut columns {
                let array = batch.column_by_name(name).expect("projected");
                for_each_value(array.as_ref(), &mut |_, value| {
                    match values {
                        Values::Numbers(numbers) => numbers.push(number(value)),
                        Values::Texts(texts) => texts.push(match value {
                            Value::Text(text) => Some(text.to_owned()),
                            Value::Integer(v) => Some(v.to_string()),
                            _ => None,
                        }),
                    }
                    Ok(())
                })
                .map_err(|m| LoadError::invalid(&part_source, format!("column '{name}' {m}")))?;
            }
            row_base += batch.num_rows() as u64;
        }
        report.rows += row_base;
    }
    // Size the graph to every vertex, then scatter the rows to their nodes.
    let needed = rows.iter().copied().max().map_or(0, |m| m + 1).max(before);
    if by_index {
        graph.fit_rows(needed as usize).map_err(|e| LoadError::invalid(&source, e.to_string()))?;
    } else {
        graph.ensure_nodes(needed);
        let labels = graph.nodes.labels.get_or_insert_with(StringTable::default);
        let mut new_names = vec![""; (needed - before) as usize];
        for (name, &node) in &by_name {
            if node >= before {
                new_names[(node - before) as usize] = name;
            }
        }
        while labels.len() < before as usize {
            labels.push("");
        }
        for name in new_names {
            labels.push(name);
        }
        graph.pad_node_attributes();
    }
    report.added_nodes = graph.node_count() - before;
    let n = graph.node_count() as usize;
    let mut seen = vec![false; n];
    for (row, &node) in rows.iter().enumerate() {
        if std::mem::replace(&mut seen[node as usize], true) {
            return Err(LoadError::invalid(&source, format!("row {row}: {} is listed twice", graph.node_name(node))));
        }
    }
    let class_name =
        CLASS_COLUMNS.iter().find_map(|wanted| columns.iter().position(|(name, _)| name.eq_ignore_ascii_case(wanted)));
    let name_at = columns
        .iter()
        .position(|(name, values)| name.eq_ignore_ascii_case("name") && matches!(values, Values::Texts(_)));
    for (i, (name, values)) in columns.into_iter().enumerate() {
        if Some(i) == class_name {
            let (classes, class_names) = classes_of(&rows, &values, n);
            graph.attach_classes(classes).map_err(|e| LoadError::invalid(&source, e.to_string()))?;
            graph.nodes.class_names = class_names;
            report.class_column = Some(name);
            continue;
        }
        match values {
            Values::Numbers(numbers) => {
                let mut full = vec![f32::NAN; n];
                for (&node, v) in rows.iter().zip(numbers) {
                    full[node as usize] = v;
                }
                graph
                    .attach_column(Column { name: name.clone(), width: 1, values: full })
                    .map_err(|e| LoadError::invalid(&source, e.to_string()))?;
                report.numeric_columns.push(name);
            }
            Values::Texts(texts) => {
                let mut full: Vec<Option<String>> = vec![None; n];
                for (&node, v) in rows.iter().zip(texts) {
                    full[node as usize] = v;
                }
                let mut table = StringTable::default();
                for v in &full {
                    table.push(v.as_deref().unwrap_or(""));
                }
                if Some(i) == name_at {
                    graph.nodes.labels = Some(table);
                    report.name_column = Some(name);
                } else {
                    graph.nodes.text_columns.push(TextColumn { name: name.clone(), values: table });
                    report.text_columns.push(name);
                }
            }
        }
    }
    Ok(report)
}

/// Classes per node from a class column: integers as they are (negative or missing: -1),
/// text numbered in sorted order with the texts as class names.
fn classes_of(rows: &[u32], values: &Values, n: usize) -> (Vec<i32>, Option<StringTable>) {
    let mut classes = vec![-1i32; n];
    match values {
        Values::Numbers(numbers) => {
            for (&node, &v) in rows.iter().zip(numbers) {
                if v.is_finite() && v >= 0.0 && v <= i32::MAX as f32 {
                    classes[node as usize] = v as i32;
                }
            }
            (classes, None)
        }
        Values::Texts(texts) => {
            let mut names: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
            names.sort_unstable();
            names.dedup();
            for (&node, text) in rows.iter().zip(texts) {
                if let Some(text) = text {
                    classes[node as usize] = names.binary_search(&text.as_str()).expect("listed") as i32;
                }
            }
            let mut table = StringTable::default();
            for name in names {
                table.push(name);
            }
            (classes, Some(table))
        }
    }
}

impl std::fmt::Display for VertexTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} vertices", self.rows)?;
        if let Some(name) = &self.name_column {
            write!(f, ", names from '{name}'")?;
        }
        if let Some(class) = &self.class_column {
            write!(f, ", classes from '{class}'")?;
        }
        let columns: Vec<&str> = self.numeric_columns.iter().chain(&self.text_columns).map(String::as_str).collect();
        if !columns.is_empty() {
            write!(f, ", node columns {}", columns.join(", "))?;
        }
        if self.added_nodes > 0 {
            write!(f, "; {} vertices no edge names added as isolated nodes", self.added_nodes)?;
        }
        Ok(())
    }
}
