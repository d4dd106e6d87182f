//! Edge lists: one edge a line, TSV, CSV or whitespace separated.
//!
//! `#` and `%` start comment lines; blank lines are skipped; fields are trimmed (real CSVs
//! pad them). The separator is the first of tab, comma, semicolon found on the first data
//! line, else runs of whitespace. The first line is a header when it names its columns
//! (`source,target,...`), or when its id fields or its extra fields are words where the
//! second line has numbers. Ids are integers (node indices, 0-based) when the first edge's
//! are; otherwise every id is a name, numbered in order of first appearance and kept as a
//! label. The third column, or the one a header calls `weight`, is the weight; further
//! numeric columns become edge columns, and columns of words are ignored.

use std::io::BufRead;

use super::ids::NodeIds;
use super::{LoadError, Source};
use crate::graph::{Column, Graph};

pub(super) const ID_HEADERS: &[&str] = &[
    "source",
    "target",
    "src",
    "dst",
    "from",
    "to",
    "u",
    "v",
    "node1",
    "node2",
    "id1",
    "id2",
    "head",
    "tail",
    "pre",
    "post",
    "source_id",
    "target_id",
    "from_id",
    "to_id",
    "i",
    "j",
];
pub(super) const WEIGHT_HEADERS: &[&str] = &["weight", "weights", "w", "value", "strength", "count"];

#[derive(Clone, Copy)]
enum Separator {
    Char(char),
    Whitespace,
}

impl Separator {
    fn detect(line: &str) -> Self {
        ['\t', ',', ';'].into_iter().find(|&c| line.contains(c)).map_or(Separator::Whitespace, Separator::Char)
    }

    fn split<'a>(self, line: &'a str, out: &mut Vec<&'a str>) {
        out.clear();
        match self {
            Separator::Char(c) => out.extend(line.split(c).map(str::trim)),
            Separator::Whitespace => out.extend(line.split_whitespace()),
        }
    }
}

/// What each column beyond the two ids holds.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Weight,
    /// Index into the edge columns.
    Extra(usize),
    Ignored,
}

/// The node of one id field: an integer where ids are indices (a word there is an error),
/// else a name.
fn resolve(ids: &mut NodeIds, field: &str) -> Result<u32, String> {
    match ids {
        NodeIds::Indices { .. } => match field.parse::<i64>() {
            Ok(id) => ids.index(id),
            Err(_) => ids.name(field),
        },
        NodeIds::Names { .. } => ids.name(field),
    }
}

fn is_number(s: &str) -> bool {
    s.parse::<f64>().is_ok()
}

fn is_index(s: &str) -> bool {
    s.parse::<u64>().is_ok()
}

fn is_header(first: &[&str], second: Option<&[&str]>) -> bool {
    let names_ids = first.iter().take(2).any(|f| ID_HEADERS.contains(&f.to_ascii_lowercase().as_str()));
    let Some(second) = second else {
        return names_ids;
    };
    let words_over_indices = !is_index(first[0]) && !is_index(first[1]) && is_index(second[0]) && is_index(second[1]);
    let words_over_numbers =
        first.iter().zip(second).skip(2).any(|(a, b)| !a.is_empty() && !is_number(a) && is_number(b));
    names_ids || words_over_indices || words_over_numbers
}

/// Reads an edge list. See the module documentation for the rules.
pub fn read(reader: impl BufRead, source: &Source) -> Result<Graph, LoadError> {
    let mut parser = Parser { source, separator: None, pending: None, state: None, graph: Graph::default() };
    for (index, line) in reader.lines().enumerate() {
        let line_no = index as u64 + 1;
        let line = line.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                LoadError::line(source, line_no, "not UTF-8 text (is this really an edge list?)")
            }
            _ => LoadError::io(source, e),
        })?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') || text.starts_with('%') {
            continue;
        }
        let separator = *parser.separator.get_or_insert_with(|| Separator::detect(text));
        let mut fields = Vec::new();
        separator.split(text, &mut fields);
        if fields.len() < 2 {
            return Err(LoadError::line(
                source,
                line_no,
                format!("expected a source and a target, found {} field", fields.len()),
            ));
        }
        parser.take(line_no, &fields)?;
    }
    parser.finish()
}

struct Parser<'s> {
    source: &'s Source,
    separator: Option<Separator>,
    /// The first data line, held until the second decides whether it is a header.
    pending: Option<(u64, Vec<String>)>,
    state: Option<State>,
    graph: Graph,
}

/// Decided once the first edge line is known.
struct State {
    ids: NodeIds,
    roles: Vec<Role>,
}

impl Parser<'_> {
    fn take(&mut self, line: u64, fields: &[&str]) -> Result<(), LoadError> {
        if self.state.is_some() {
            return self.edge(line, fields);
        }
        match self.pending.take() {
            None => {
                self.pending = Some((line, fields.iter().map(|f| f.to_string()).collect()));
                Ok(())
            }
            Some((first_line, first)) => {
                let first: Vec<&str> = first.iter().map(String::as_str).collect();
                self.start(first_line, &first, Some(fields))?;
                self.edge(line, fields)
            }
        }
    }

    /// Decides header, id kind and column roles from the first one or two lines.
    fn start(&mut self, first_line: u64, first: &[&str], second: Option<&[&str]>) -> Result<(), LoadError> {
        let header = is_header(first, second);
        let data = if header { second } else { Some(first) };
        let ids = match data {
            Some(d) if !(is_index(d[0]) && is_index(d[1])) => NodeIds::names(),
            _ => NodeIds::indices(),
        };
        let width = first.len().max(second.map_or(0, <[&str]>::len));
        let name_of = |k: usize| {
            if header { first.get(k).map(|s| s.to_string()) } else { None }
        };
        let weight_col = (2..width)
            .find(|&k| name_of(k).is_some_and(|n| WEIGHT_HEADERS.contains(&n.to_ascii_lowercase().as_str())))
            .or(Some(2).filter(|_| width > 2));
        let mut roles = Vec::new();
        for k in 2..width {
            let numeric = data.is_some_and(|d| d.get(k).is_some_and(|v| v.is_empty() || is_number(v)));
            let role = if !numeric {
                Role::Ignored
            } else if Some(k) == weight_col {
                self.graph.weights = Some(Vec::new());
                Role::Weight
            } else {
                let name = name_of(k).unwrap_or_else(|| format!("column{}", k + 1));
                self.graph.edge_columns.push(Column { name, width: 1, values: Vec::new() });
                Role::Extra(self.graph.edge_columns.len() - 1)
            };
            roles.push(role);
        }
        self.state = Some(State { ids, roles });
        if !header {
            self.edge(first_line, first)?;
        }
        Ok(())
    }

    fn edge(&mut self, line: u64, fields: &[&str]) -> Result<(), LoadError> {
        let state = self.state.as_mut().expect("edge lines follow start");
        let a = resolve(&mut state.ids, fields[0]).map_err(|m| LoadError::line(self.source, line, m))?;
        let b = resolve(&mut state.ids, fields[1]).map_err(|m| LoadError::line(self.source, line, m))?;
        self.graph.src.push(a);
        self.graph.dst.push(b);
        for (k, &role) in state.roles.iter().enumerate() {
            let field = fields.get(k + 2).copied().unwrap_or("");
            let value = || -> Result<f32, LoadError> {
                if field.is_empty() {
                    return Ok(f32::NAN);
                }
                field.parse::<f32>().map_err(|_| {
                    LoadError::line(self.source, line, format!("column {} should be a number, found '{field}'", k + 3))
                })
            };
            match role {
                Role::Weight => {
                    if field.is_empty() {
                        return Err(LoadError::line(self.source, line, format!("missing weight in column {}", k + 3)));
                    }
                    let w = value()?;
                    self.graph.weights.as_mut().expect("weight role has weights").push(w);
                }
                Role::Extra(c) => {
                    let v = value()?;
                    self.graph.edge_columns[c].values.push(v);
                }
                Role::Ignored => {}
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Graph, LoadError> {
        if let Some((line, first)) = self.pending.take() {
            let first: Vec<&str> = first.iter().map(String::as_str).collect();
            self.start(line, &first, None)?;
        }
        let Some(state) = self.state else {
            return Err(LoadError::invalid(self.source, "holds no edges"));
        };
        let mut graph = self.graph;
        graph.directed = true;
        state.ids.finish(&mut graph);
        Ok(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Graph, LoadError> {
        read(text.as_bytes(), &Source::Bundled("test"))
    }

    #[test]
    fn tsv_with_comments_and_integer_ids() {
        let g = parse("# a comment\n% another\n0\t1\n\n1\t3\n").unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!((g.src.as_slice(), g.dst.as_slice()), (&[0, 1][..], &[1, 3][..]));
        assert!(g.weights.is_none());
        assert!(g.ids_are_indices);
    }

    #[test]
    fn csv_with_header_weights_extra_and_padded_fields() {
        let g = parse("source, target, weight, kind, delay\n a , b , 2.5, chem, 1\nb,c,0.5,elec,\n").unwrap();
        assert_eq!(g.node_count(), 3);
        let labels = g.nodes.labels.as_ref().unwrap();
        assert_eq!((labels.get(0), labels.get(2)), (Some("a"), Some("c")));
        assert_eq!(g.weights.as_deref(), Some(&[2.5, 0.5][..]));
        assert_eq!(g.edge_columns.len(), 1, "the word column is ignored");
        assert_eq!(g.edge_columns[0].name, "delay");
        assert_eq!(g.edge_columns[0].values[0], 1.0);
        assert!(g.edge_columns[0].values[1].is_nan());
    }

    #[test]
    fn header_detected_by_shape_and_weight_by_name() {
        let g = parse("a b strength\n0 1 3\n2 0 4\n").unwrap();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.weights.as_deref(), Some(&[3.0, 4.0][..]));
        let g = parse("x;y;delay;w\n0;1;3;9\n").unwrap();
        assert_eq!(g.weights.as_deref(), Some(&[9.0][..]), "a column named w beats the third");
        assert_eq!(g.edge_columns[0].name, "delay");
    }

    #[test]
    fn string_ids_that_look_numeric_later_stay_names() {
        let g = parse("alice bob\nbob 7\n").unwrap();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.nodes.labels.as_ref().unwrap().get(2), Some("7"));
    }

    #[test]
    fn single_line_file() {
        let g = parse("5 2").unwrap();
        assert_eq!(g.node_count(), 6);
        assert_eq!(g.edge_count(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("0 1\n1 2\n2 x\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "<bundled test>:3: 'x' is not an integer node id (the first edge used integer ids, so all must be 0-based integers)"
        );
        let e = parse("0 1\n-1 2\n").unwrap_err().to_string();
        assert!(e.starts_with("<bundled test>:2: '-1' is a negative node id"), "{e}");
        let e = parse("0 1\n7\n").unwrap_err().to_string();
        assert!(e.starts_with("<bundled test>:2: expected a source and a target"), "{e}");
        let e = parse("0 1 1.0\n1 2 heavy\n").unwrap_err().to_string();
        assert!(e.starts_with("<bundled test>:2: column 3 should be a number"), "{e}");
        let e = parse("0 99999999999\n").unwrap_err().to_string();
        assert!(e.contains("beyond the"), "{e}");
        let e = parse("# only comments\n").unwrap_err().to_string();
        assert_eq!(e, "<bundled test>: holds no edges");
    }
}
