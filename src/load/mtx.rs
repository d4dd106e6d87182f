//! Matrix Market coordinate files (.mtx) as graphs: entry (i, j) is an edge i-1 -> j-1.
//!
//! Supports the `pattern`, `real`, `integer` (and `double`) fields with `general`,
//! `symmetric` and `skew-symmetric` symmetry. Symmetric files keep each stored entry once
//! as an undirected edge; values become edge weights. The node count is the larger matrix
//! dimension. Dense `array` files and complex values are rejected with a clear message.

use std::io::BufRead;

use super::{LoadError, Source};
use crate::graph::{Graph, MAX_NODES};

/// Capacity reserved up front at most, whatever the size line claims.
const MAX_RESERVE: u64 = 1 << 24;

pub fn read(reader: impl BufRead, source: &Source) -> Result<Graph, LoadError> {
    let mut lines = reader.lines().enumerate().map(|(i, l)| (i as u64 + 1, l));
    let mut next_line = || -> Result<Option<(u64, String)>, LoadError> {
        match lines.next() {
            None => Ok(None),
            Some((n, Ok(text))) => Ok(Some((n, text))),
            Some((n, Err(e))) if e.kind() == std::io::ErrorKind::InvalidData => {
                Err(LoadError::line(source, n, "not UTF-8 text"))
            }
            Some((_, Err(e))) => Err(LoadError::io(source, e)),
        }
    };

    let (_, banner) = next_line()?.ok_or_else(|| LoadError::invalid(source, "is empty"))?;
    let words: Vec<String> = banner.split_whitespace().map(str::to_ascii_lowercase).collect();
    if words.first().map(String::as_str) != Some("%%matrixmarket") || words.len() < 5 {
        return Err(LoadError::line(source, 1, "expected '%%MatrixMarket matrix coordinate <field> <symmetry>'"));
    }
    if words[1] != "matrix" {
        return Err(LoadError::line(source, 1, format!("object '{}' is not supported, only 'matrix'", words[1])));
    }
    if words[2] != "coordinate" {
        return Err(LoadError::line(
            source,
            1,
            format!("format '{}' is not supported, only sparse 'coordinate' files", words[2]),
        ));
    }
    let has_value = match words[3].as_str() {
        "pattern" => false,
        "real" | "integer" | "double" => true,
        other => {
            return Err(LoadError::line(
                source,
                1,
                format!("field '{other}' is not supported (pattern, real or integer)"),
            ));
        }
    };
    let directed = match words[4].as_str() {
        "general" => true,
        "symmetric" | "skew-symmetric" => false,
        other => {
            return Err(LoadError::line(
                source,
                1,
                format!("symmetry '{other}' is not supported (general or symmetric)"),
            ));
        }
    };

    let (size_line, size) = loop {
        let (n, text) = next_line()?.ok_or_else(|| LoadError::invalid(source, "ends before the size line"))?;
        let t = text.trim();
        if !t.is_empty() && !t.starts_with('%') {
            break (n, t.to_owned());
        }
    };
    let dims: Vec<u64> = size.split_whitespace().map(|f| f.parse::<u64>()).collect::<Result<_, _>>().map_err(|_| {
        LoadError::line(source, size_line, format!("size line should be 'rows columns entries', found '{size}'"))
    })?;
    let [rows, cols, entries] = dims[..] else {
        return Err(LoadError::line(
            source,
            size_line,
            format!("size line should be 'rows columns entries', found '{size}'"),
        ));
    };
    let nodes = rows.max(cols);
    if nodes > MAX_NODES {
        return Err(LoadError::line(
            source,
            size_line,
            format!("{nodes} rows is beyond the {MAX_NODES} nodes netlens supports"),
        ));
    }

    let mut graph = Graph::with_nodes(nodes as u32, directed);
    graph.ids_are_indices = true;
    let reserve = entries.min(MAX_RESERVE) as usize;
    graph.src.reserve(reserve);
    graph.dst.reserve(reserve);
    let mut weights = has_value.then(|| Vec::with_capacity(reserve));
    let mut seen = 0u64;
    while let Some((n, text)) = next_line()? {
        let t = text.trim();
        if t.is_empty() || t.starts_with('%') {
            continue;
        }
        if seen == entries {
            return Err(LoadError::line(source, n, format!("more entries than the {entries} the size line declares")));
        }
        let mut fields = t.split_whitespace();
        let mut index = |what: &str, bound: u64| -> Result<u32, LoadError> {
            let f = fields.next().ok_or_else(|| LoadError::line(source, n, format!("missing {what} index")))?;
            match f.parse::<u64>() {
                Ok(i) if (1..=bound).contains(&i) => Ok((i - 1) as u32),
                _ => Err(LoadError::line(source, n, format!("{what} index '{f}' is not in 1..={bound}"))),
            }
        };
        let i = index("row", rows)?;
        let j = index("column", cols)?;
        if let Some(weights) = &mut weights {
            let f = fields.next().ok_or_else(|| LoadError::line(source, n, "missing value"))?;
            let v = f.parse::<f32>().map_err(|_| LoadError::line(source, n, format!("value '{f}' is not a number")))?;
            weights.push(v);
        }
        graph.push_edge(i, j);
        seen += 1;
    }
    if seen < entries {
        return Err(LoadError::invalid(source, format!("declares {entries} entries but holds {seen}")));
    }
    graph.weights = weights;
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Graph, LoadError> {
        read(text.as_bytes(), &Source::Bundled("m"))
    }

    #[test]
    fn symmetric_pattern() {
        let g = parse("%%MatrixMarket matrix coordinate pattern symmetric\n% c\n3 3 2\n2 1\n3 2\n").unwrap();
        assert_eq!(g.node_count(), 3);
        assert!(!g.directed);
        assert_eq!((g.src.as_slice(), g.dst.as_slice()), (&[1, 2][..], &[0, 1][..]));
    }

    #[test]
    fn general_real_rectangular() {
        let g = parse("%%MatrixMarket matrix coordinate real general\n2 4 2\n1 4 0.5\n2 1 -1e2\n").unwrap();
        assert_eq!(g.node_count(), 4);
        assert!(g.directed);
        assert_eq!(g.weights.as_deref(), Some(&[0.5, -100.0][..]));
    }

    #[test]
    fn errors_name_the_line() {
        let bad = |t: &str| parse(t).unwrap_err().to_string();
        assert_eq!(
            bad("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n4 1\n"),
            "<bundled m>:3: row index '4' is not in 1..=3"
        );
        assert_eq!(
            bad("%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1\n"),
            "<bundled m>:3: missing value"
        );
        assert_eq!(
            bad("%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 1\n"),
            "<bundled m>: declares 2 entries but holds 1"
        );
        assert_eq!(
            bad("%%MatrixMarket matrix coordinate pattern general\n3 3\n"),
            "<bundled m>:2: size line should be 'rows columns entries', found '3 3'"
        );
        assert!(bad("%%MatrixMarket matrix array real general\n").contains("only sparse 'coordinate'"));
        assert!(bad("%%MatrixMarket matrix coordinate complex general\n").contains("field 'complex'"));
        assert!(
            bad("%%MatrixMarket matrix coordinate pattern general\n1 1 1\n1 1\n1 1\n")
                .starts_with("<bundled m>:4: more entries")
        );
    }
}
