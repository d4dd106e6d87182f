//! Tables of nodes and of edges ([`Table`]): what every interchange format writes about
//! a drawn graph, built once ([`Table::nodes`], [`Table::edges`]) and written as CSV or
//! Parquet here, or as GraphML, GEXF and JSON attributes by their writers.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int32Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};

use super::write_with;
use crate::geom::Position;
use crate::graph::Graph;
use crate::render::palette::hex;
use crate::view::Drawing;

/// One column's values, a row per node or per edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Index(Vec<u32>),
    Integer(Vec<i32>),
    Real(Vec<f32>),
    Text(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Index(v) => v.len(),
            Values::Integer(v) => v.len(),
            Values::Real(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as text: integers as they are, reals with every digit an f32 needs to read
    /// back the same (empty for NaN).
    pub fn text(&self, i: usize) -> String {
        match self {
            Values::Index(v) => v[i].to_string(),
            Values::Integer(v) => v[i].to_string(),
            Values::Real(v) if v[i].is_nan() => String::new(),
            Values::Real(v) => (v[i] + 0.0).to_string(), // -0 reads as 0
            Values::Text(v) => v[i].clone(),
        }
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<(String, Values)>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    pub fn get(&self, name: &str) -> Option<&Values> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn push(&mut self, name: &str, values: Values) {
        self.columns.push((name.to_owned(), values));
    }

    /// Adds a column under `name`, or `name_2`, `name_3`, ... where that is taken (a model's
    /// parameter count and its parameter list are both `params`).
    fn push_unique(&mut self, name: &str, values: Values) {
        let free = (1..)
            .map(|i| if i == 1 { name.to_owned() } else { format!("{name}_{i}") })
            .find(|candidate| self.get(candidate).is_none())
            .expect("some name is free");
        self.columns.push((free, values));
    }

    /// `id`, `name` and the coordinates (`x`, `y`, and `z` in 3D) of every node.
    pub fn positions(graph: &Graph, positions: &[Position], dim: usize) -> Table {
        let n = graph.node_count() as usize;
        let mut table = Table::default();
        table.push("id", Values::Index((0..n as u32).collect()));
        let names = (0..n).map(|v| graph.nodes.labels.as_ref().and_then(|l| l.get(v)).unwrap_or("").to_owned());
        table.push("name", Values::Text(names.collect()));
        for (axis, name) in ["x", "y", "z"][..dim].iter().enumerate() {
            table.push(name, Values::Real(positions.iter().map(|p| p[axis]).collect()));
        }
        table
    }

    /// Every node as drawn: [`Table::positions`], then `size` (radius in layout units),
    /// `color`, `class` (and `class_name`) where there are classes, `group` (the group
    /// path, `/`-separated) where there are groups, `degree` (in plus out), `hop` (from the
    /// selection, -1 beyond K) with a selection, and the graph's one-wide numeric and text
    /// node columns.
    pub fn nodes(graph: &Graph, drawing: &Drawing) -> Table {
        let n = graph.node_count();
        let mut table = Table::positions(graph, &drawing.positions, drawing.dim.count() as usize);
        table.push("size", Values::Real((0..n).map(|v| drawing.radius(v)).collect()));
        table.push("color", Values::Text(drawing.colors.iter().map(|&c| hex(c)).collect()));
        if let Some(classes) = &graph.nodes.classes {
            table.push("class", Values::Integer(classes.clone()));
            if let Some(names) = &graph.nodes.class_names {
                let name = |c: i32| usize::try_from(c).ok().and_then(|c| names.get(c)).unwrap_or("").to_owned();
                table.push("class_name", Values::Text(classes.iter().map(|&c| name(c)).collect()));
            }
        }
        if !graph.groups.is_empty() {
            let path = |v: u32| graph.groups.group_of(v).map(|g| graph.groups.path(g).join("/")).unwrap_or_default();
            table.push("group", Values::Text((0..n).map(path).collect()));
        }
        table.push("degree", Values::Index(graph.degrees()));
        if let Some((hops, k)) = &drawing.hops {
            table.push("hop", Values::Integer(hops.iter().map(|&h| if h <= *k { h as i32 } else { -1 }).collect()));
        }
        for column in graph.nodes.columns.iter().filter(|c| c.width == 1) {
            table.push_unique(&column.name, Values::Real(column.values.clone()));
        }
        for column in &graph.nodes.text_columns {
            let values = (0..n as usize).map(|v| column.values.get(v).unwrap_or("").to_owned()).collect();
            table.push_unique(&column.name, Values::Text(values));
        }
        table
    }

    /// Every edge: `source`, `target` (node ids), `weight` where the graph has weights,
    /// and its one-wide edge columns.
    pub fn edges(graph: &Graph) -> Table {
        let mut table = Table::default();
        table.push("source", Values::Index(graph.src.clone()));
        table.push("target", Values::Index(graph.dst.clone()));
        if let Some(weights) = &graph.weights {
            table.push("weight", Values::Real(weights.clone()));
        }
        for column in graph.edge_columns.iter().filter(|c| c.width == 1 && c.name != "weight") {
            table.push(&column.name, Values::Real(column.values.clone()));
        }
        table
    }

    /// Writes the table as CSV: a header, then a row a line (RFC 4180 quoting).
    pub fn write_csv(&self, path: &Path) -> std::io::Result<()> {
        write_with(path, |file| {
            let mut out = BufWriter::new(file);
            let header: Vec<String> = self.columns.iter().map(|(name, _)| csv_field(name).into_owned()).collect();
            writeln!(out, "{}", header.join(","))?;
            for row in 0..self.rows() {
                for (i, (_, values)) in self.columns.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(csv_field(&values.text(row)).as_bytes())?;
                }
                out.write_all(b"\n")?;
            }
            out.flush()
        })
    }

    /// Writes the table as Parquet (snappy), in row groups of a million rows.
    pub fn write_parquet(&self, path: &Path) -> std::io::Result<()> {
        const GROUP: usize = 1 << 20;
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|(name, values)| {
                let data_type = match values {
                    Values::Index(_) => DataType::UInt32,
                    Values::Integer(_) => DataType::Int32,
                    Values::Real(_) => DataType::Float32,
                    Values::Text(_) => DataType::Utf8,
                };
                Field::new(name, data_type, false)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(GROUP))
            .build();
        write_with(path, |file| {
            let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(properties))
                .map_err(std::io::Error::other)?;
            for start in (0..self.rows()).step_by(GROUP) {
                let end = (start + GROUP).min(self.rows());
                let arrays: Vec<ArrayRef> = self
                    .columns
                    .iter()
                    .map(|(_, values)| -> ArrayRef {
                        match values {
                            Values::Index(v) => Arc::new(UInt32Array::from(v[start..end].to_vec())),
                            Values::Integer(v) => Arc::new(Int32Array::from(v[start..end].to_vec())),
                            Values::Real(v) => Arc::new(Float32Array::from(v[start..end].to_vec())),
                            Values::Text(v) => Arc::new(StringArray::from_iter_values(&v[start..end])),
                        }
                    })
                    .collect();
                let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(std::io::Error::other)?;
                writer.write(&batch).map_err(std::io::Error::other)?;
            }
            writer.close().map_err(std::io::Error::other)?;
            Ok(())
        })
    }
}

/// A CSV field, quoted where it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_where_they_must_be() {
        assert_eq!(csv_field("K0"), "K0");
        assert_eq!(csv_field(""), "");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn reals_read_back_the_same_and_nan_is_empty() {
        let values = Values::Real(vec![0.1, f32::NAN, -3.5e-7]);
        assert_eq!(values.text(0).parse::<f32>().unwrap(), 0.1);
        assert_eq!(values.text(1), "");
        assert_eq!(values.text(2).parse::<f32>().unwrap(), -3.5e-7);
        assert_eq!(hex(u32::from_le_bytes([0x12, 0xab, 0x00, 0xff])), "#12ab00");
    }
}
