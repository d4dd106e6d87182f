//! Graphs handed over in memory rather than read from a file (the Python package's numpy
//! arrays, networkx and PyG graphs): edge ends as two id arrays, checked as strictly as a
//! file's, and node data attached or replaced by name.

use super::{Format, LoadError, Loaded, Source};
use crate::graph::{Column, Graph, MAX_NODES, StringTable, TextColumn};

/// Edges in memory: `src[i] -> dst[i]`, ids from 0.
pub struct EdgeArrays<'a> {
    /// What the arrays are, for messages: "numpy edges", "networkx graph" ...
    pub what: &'static str,
    pub src: &'a [i64],
    pub dst: &'a [i64],
    /// The node count; without it, one more than the largest id.
    pub nodes: Option<u64>,
    pub directed: bool,
    /// A display name per node; nodes are then also found by name.
    pub names: Option<Vec<String>>,
    /// One weight per edge.
    pub weights: Option<Vec<f32>>,
}

/// The graph the arrays describe, or what is wrong with them.
pub fn graph(arrays: EdgeArrays<'_>) -> Result<Loaded, LoadError> {
    let source = Source::Memory(arrays.what);
    let invalid = |why: String| LoadError::invalid(&source, why);
    if arrays.src.len() != arrays.dst.len() {
        return Err(invalid(format!(
            "has {} sources but {} targets: one of each per edge",
            arrays.src.len(),
            arrays.dst.len()
        )));
    }
    let ids = arrays.src.iter().chain(arrays.dst);
    if let Some((i, id)) = ids.clone().enumerate().find(|(_, id)| **id < 0) {
        let (end, edge) = if i < arrays.src.len() { ("source", i) } else { ("target", i - arrays.src.len()) };
        return Err(invalid(format!("edge {edge} has {end} {id}: node ids start at 0")));
    }
    let largest = ids.copied().max().map(|m| m as u64 + 1).unwrap_or(0);
    let names_count = arrays.names.as_ref().map(|n| n.len() as u64);
    let nodes = arrays.nodes.or(names_count).unwrap_or(largest);
    if nodes > MAX_NODES {
        return Err(invalid(format!("has {nodes} nodes, more than the {MAX_NODES} netlens supports")));
    }
    if largest > nodes {
        return Err(invalid(format!(
            "names node {}, but the graph has {nodes} nodes (ids 0 to {})",
            largest - 1,
            nodes as i64 - 1
        )));
    }
    if nodes == 0 {
        return Err(invalid("holds no nodes: there is nothing to show".to_owned()));
    }
    let mut graph = Graph::with_nodes(nodes as u32, arrays.directed);
    graph.src = arrays.src.iter().map(|&v| v as u32).collect();
    graph.dst = arrays.dst.iter().map(|&v| v as u32).collect();
    if let Some(weights) = arrays.weights {
        if weights.len() != graph.edge_count() {
            return Err(invalid(format!(
                "has {} weights for {} edges: one per edge",
                weights.len(),
                graph.edge_count()
            )));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
            return Err(invalid(format!("edge {i} has weight {}: weights must be finite", weights[i])));
        }
        graph.weights = Some(weights);
    }
    match arrays.names {
        Some(names) if names.len() as u64 != nodes => {
            return Err(invalid(format!("has {} names for {nodes} nodes: one per node", names.len())));
        }
        Some(names) => graph.nodes.labels = Some(table(&names)),
        None => graph.ids_are_indices = true,
    }
    Ok(Loaded { graph, format: Format::Arrays, source: Source::Memory(arrays.what), model: None, dataset: None })
}

/// Attaches `values` (`width` a row, one row per node) as node column `name`, replacing a
/// column of that name.
pub fn set_column(loaded: &mut Loaded, name: &str, width: usize, values: Vec<f32>) -> Result<(), LoadError> {
    if width == 0 || !values.len().is_multiple_of(width) {
        return Err(LoadError::invalid(&loaded.source, format!("node data '{name}' is not {width} values a row")));
    }
    let column = Column { name: name.to_owned(), width, values };
    one_per_node(loaded, &format!("node data '{name}'"), column.rows())?;
    let columns = &mut loaded.graph.nodes.columns;
    columns.retain(|c| c.name != name);
    columns.push(column);
    Ok(())
}

/// Attaches one text per node as text column `name` (shown in details and exports),
/// replacing a column of that name.
pub fn set_text(loaded: &mut Loaded, name: &str, values: &[String]) -> Result<(), LoadError> {
    one_per_node(loaded, &format!("node text '{name}'"), values.len())?;
    let columns = &mut loaded.graph.nodes.text_columns;
    columns.retain(|c| c.name != name);
    columns.push(TextColumn { name: name.to_owned(), values: table(values) });
    Ok(())
}

/// Sets the class of every node (`-1` for none), and their names where given.
pub fn set_classes(loaded: &mut Loaded, classes: Vec<i32>, names: Option<&[String]>) -> Result<(), LoadError> {
    one_per_node(loaded, "labels", classes.len())?;
    if let Some(&bad) = classes.iter().find(|&&c| c < -1) {
        return Err(LoadError::invalid(&loaded.source, format!("label {bad}: classes are 0 and up, -1 for none")));
    }
    loaded.graph.nodes.classes = Some(classes);
    loaded.graph.nodes.class_names = names.map(table);
    Ok(())
}

/// An error unless `rows` gives one row per node.
fn one_per_node(loaded: &Loaded, what: &str, rows: usize) -> Result<(), LoadError> {
    let nodes = loaded.graph.node_count();
    match rows as u64 == nodes as u64 {
        true => Ok(()),
        false => {
            Err(LoadError::invalid(&loaded.source, format!("{what} has {rows} rows, but the graph has {nodes} nodes")))
        }
    }
}

fn table(values: &[String]) -> StringTable {
    let mut table = StringTable::default();
    values.iter().for_each(|v| table.push(v));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrays<'a>(src: &'a [i64], dst: &'a [i64]) -> EdgeArrays<'a> {
        EdgeArrays { what: "test arrays", src, dst, nodes: None, directed: true, names: None, weights: None }
    }

    #[test]
    fn builds_the_graph_the_arrays_describe() {
        let loaded = graph(EdgeArrays { nodes: Some(5), ..arrays(&[0, 1, 2], &[1, 2, 0]) }).unwrap();
        assert_eq!(loaded.graph.node_count(), 5);
        assert_eq!(loaded.graph.src, [0, 1, 2]);
        assert_eq!(loaded.graph.dst, [1, 2, 0]);
        assert!(loaded.graph.ids_are_indices);
        assert_eq!(loaded.source.to_string(), "<test arrays>");
        assert_eq!(graph(arrays(&[0, 3], &[1, 1])).unwrap().graph.node_count(), 4);
    }

    #[test]
    fn rejects_what_no_graph_can_be() {
        let message = |a: EdgeArrays<'_>| graph(a).unwrap_err().to_string();
        assert!(message(arrays(&[0, 1], &[1])).contains("2 sources but 1 targets"));
        assert!(message(arrays(&[0, -2], &[1, 1])).contains("edge 1 has source -2"));
        assert!(message(EdgeArrays { nodes: Some(2), ..arrays(&[0], &[5]) }).contains("names node 5"));
        assert!(message(arrays(&[], &[])).contains("holds no nodes"));
        assert!(message(EdgeArrays { weights: Some(vec![f32::NAN]), ..arrays(&[0], &[1]) }).contains("finite"));
        let names = Some(vec!["a".to_owned()]);
        assert!(message(EdgeArrays { names, nodes: Some(2), ..arrays(&[0], &[1]) }).contains("1 names for 2 nodes"));
        assert!(message(EdgeArrays { nodes: Some(MAX_NODES + 1), ..arrays(&[0], &[1]) }).contains("more than"));
    }

    #[test]
    fn node_data_replaces_by_name_and_checks_rows() {
        let mut loaded = graph(arrays(&[0, 1], &[1, 2])).unwrap();
        set_column(&mut loaded, "x", 2, vec![0.0; 6]).unwrap();
        set_column(&mut loaded, "x", 1, vec![1.0; 3]).unwrap();
        assert_eq!(loaded.graph.nodes.columns.len(), 1);
        assert_eq!(loaded.graph.nodes.columns[0].width, 1);
        assert!(set_column(&mut loaded, "y", 1, vec![1.0; 2]).is_err());
        set_text(&mut loaded, "kind", &["a".into(), "b".into(), "c".into()]).unwrap();
        assert!(set_classes(&mut loaded, vec![0, 1], None).is_err());
        assert!(set_classes(&mut loaded, vec![0, 1, -3], None).is_err());
        set_classes(&mut loaded, vec![0, -1, 1], None).unwrap();
        assert_eq!(loaded.graph.class_count(), Some(2));
    }
}
