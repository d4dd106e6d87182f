//! Files for other tools: `netlens export` to GraphML and GEXF read back by networkx,
//! DOT drawn by Graphviz at the given positions, JSON and Parquet tables; `netlens layout`
//! positions as CSV and Parquet equal to its `.npy`; bad outputs are errors before any
//! work, and nothing the user has is overwritten.

use crate::common::{self, error_line, netlens};

use std::path::Path;

/// Positions `layout -o pos.npy` writes for `args`, as rows of x, y.
fn layout_npy(graph: &str, extra: &[&str], dir: &Path) -> Vec<[f32; 2]> {
    let args = [&["layout", graph, "-o", "pos.npy", "--force"][..], extra].concat();
    let out = netlens(&args, dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let npy = npyz::NpyFile::new(std::fs::File::open(dir.join("pos.npy")).unwrap()).unwrap();
    npy.into_vec::<f32>().unwrap().chunks(2).map(|c| [c[0], c[1]]).collect()
}

/// Every column of a Parquet file, as text per row (read with the parquet crate).
fn parquet_columns(path: &Path) -> Vec<(String, Vec<String>)> {
    use arrow_array::cast::AsArray;
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for (i, field) in batch.schema().fields().iter().enumerate() {
            if columns.len() <= i {
                columns.push((field.name().clone(), Vec::new()));
            }
            let array = batch.column(i);
            let texts: Vec<String> = match array.data_type() {
                arrow_schema::DataType::Float32 => array
                    .as_primitive::<arrow_array::types::Float32Type>()
                    .values()
                    .iter()
                    .map(f32::to_string)
                    .collect(),
                arrow_schema::DataType::UInt32 => {
                    array.as_primitive::<arrow_array::types::UInt32Type>().values().iter().map(u32::to_string).collect()
                }
                arrow_schema::DataType::Int32 => {
                    array.as_primitive::<arrow_array::types::Int32Type>().values().iter().map(i32::to_string).collect()
                }
                _ => array.as_string::<i32>().iter().map(|s| s.unwrap_or("").to_owned()).collect(),
            };
            columns[i].1.extend(texts);
        }
    }
    columns
}

/// `layout -o FILE.csv` and `-o FILE.parquet` write what `-o FILE.npy` writes, value for
/// value, with the ids and names a spreadsheet needs (the connectome's neurons have
/// string ids).
#[test]
fn layout_writes_csv_and_parquet_positions_equal_to_the_npy() {
    let dir = common::scratch("layout-tables");
    let fly = common::repo_data("drosophila/left_edges.csv");
    let fly = fly.to_str().unwrap();
    let positions = layout_npy(fly, &["--iterations", "60"], &dir);
    for output in ["pos.csv", "pos.parquet"] {
        let out = netlens(&["layout", fly, "--iterations", "60", "-o", output], &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(dir.join("pos.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,name,x,y"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), positions.len());
    for (v, row) in rows.iter().enumerate() {
        assert_eq!(row[0], v.to_string());
        assert!(!row[1].is_empty(), "row {v} has no name");
        let xy: Vec<f32> = row[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert_eq!(xy, positions[v], "row {v}");
    }
    let columns = parquet_columns(&dir.join("pos.parquet"));
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["id", "name", "x", "y"]);
    for (v, p) in positions.iter().enumerate() {
        assert_eq!(columns[1].1[v], rows[v][1]);
        assert_eq!([columns[2].1[v].parse::<f32>().unwrap(), columns[3].1[v].parse().unwrap()], *p, "row {v}");
    }
    assert!(
        error_line(&netlens(&["layout", fly, "-o", "pos.txt"], &dir))
            .contains("pos.txt: the positions go to a .npy, .csv or .parquet file")
    );
}

/// networkx reads the GraphML, GEXF and node-link JSON of Cora with every node and edge,
/// at the positions `netlens layout` writes for the same seed; the hop column marks the
/// selection.
#[test]
fn graphml_gexf_and_json_open_in_networkx_at_the_layout_positions() {
    let dir = common::scratch("export-networkx");
    let cora = common::shared_data("cora");
    let edges = cora.join("edges.tsv");
    let edges = edges.to_str().unwrap();
    let labels = cora.join("labels.npy");
    let common_args = ["--undirected", "--labels", labels.to_str().unwrap(), "--seed", "3"];
    let positions = layout_npy(edges, &common_args, &dir);
    let args = [
        &["export", edges][..],
        &common_args,
        &["-o", "cora.graphml", "-o", "cora.gexf", "-o", "cora.json", "--select", "35", "--hops", "2"],
    ]
    .concat();
    let out = netlens(&args, &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let script = r#"
import json, sys
import networkx as nx
graphs = {
    "graphml": nx.read_graphml("cora.graphml"),
    "gexf": nx.read_gexf("cora.gexf"),
    "json": nx.node_link_graph(json.load(open("cora.json")), edges="links"),
}
report = {}
for name, g in graphs.items():
    def xy(v):
        data = g.nodes[v]
        if "viz" in data:
            return [data["viz"]["position"]["x"], data["viz"]["position"]["y"]]
        return [data["x"], data["y"]]
    ids = sorted(g.nodes, key=int)
    report[name] = {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "directed": g.is_directed(),
        "xy": [xy(v) for v in ids],
        "hop": [g.nodes[v]["hop"] for v in ids],
        "class": [g.nodes[v]["class"] for v in ids],
    }
json.dump(report, sys.stdout)
"#;
    let out =
        std::process::Command::new("python3").args(["-c", script]).current_dir(&dir).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "networkx could not read the exports (pip install networkx): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let khop = netlens(&["khop", edges, "--undirected", "--node", "35", "--hops", "2", "--json"], &dir);
    let reached: Vec<u64> = serde_json::from_slice::<serde_json::Value>(&khop.stdout).unwrap()["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    for format in ["graphml", "gexf", "json"] {
        let r = &report[format];
        assert_eq!((r["nodes"].as_u64(), r["edges"].as_u64()), (Some(2708), Some(5278)), "{format}");
        assert_eq!(r["directed"], false, "{format}");
        for (v, p) in positions.iter().enumerate() {
            // networkx holds doubles; the file's digits read back the f32 exactly.
            let xy = [r["xy"][v][0].as_f64().unwrap() as f32, r["xy"][v][1].as_f64().unwrap() as f32];
            assert_eq!(xy, *p, "{format} node {v}");
        }
        let hops: Vec<i64> = r["hop"].as_array().unwrap().iter().map(|h| h.as_i64().unwrap()).collect();
        let per_hop: Vec<u64> = (0..=2).map(|k| hops.iter().filter(|&&h| h == k).count() as u64).collect();
        assert_eq!(per_hop, reached, "{format}");
        assert_eq!(r["class"].as_array().unwrap().iter().filter(|c| c.as_i64() == Some(-1)).count(), 0, "{format}");
    }
}

/// Graphviz accepts the DOT and, with `neato -n`, keeps every node where netlens put it
/// (up to a shift of the whole drawing); bundled edges are splines it draws with -n2.
#[test]
fn dot_is_drawn_by_graphviz_at_the_given_positions() {
    let dir = common::scratch("export-dot");
    let fly = common::repo_data("drosophila/left_edges.csv");
    let out = netlens(&["export", fly.to_str().unwrap(), "--iterations", "60", "-o", "fly.dot", "-o", "fly.csv"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new("neato")
        .args(["-n", "-Tplain", "fly.dot"])
        .current_dir(&dir)
        .output()
        .expect("Graphviz's neato runs (apt-get install graphviz)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plain = String::from_utf8(out.stdout).unwrap();
    // `node NAME X Y ...`, inches.
    let placed: Vec<(usize, f64, f64)> = plain
        .lines()
        .filter_map(|l| l.strip_prefix("node "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].parse().unwrap(), f[1].parse::<f64>().unwrap() * 72.0, f[2].parse::<f64>().unwrap() * 72.0)
        })
        .collect();
    let dot = std::fs::read_to_string(dir.join("fly.dot")).unwrap();
    let given: std::collections::HashMap<usize, (f64, f64)> = dot
        .lines()
        .filter_map(|l| {
            let (id, rest) = l.trim().split_once(" [pos=\"")?;
            let (x, rest) = rest.split_once(',')?;
            let y = rest.split_once('!')?.0;
            Some((id.parse().ok()?, (x.parse().ok()?, y.parse().ok()?)))
        })
        .collect();
    assert_eq!(placed.len(), 209);
    assert_eq!(given.len(), 209);
    let (n0, x0, y0) = placed[0];
    let shift = (x0 - given[&n0].0, y0 - given[&n0].1);
    for (v, x, y) in placed {
        let (gx, gy) = given[&v];
        assert!(
            (x - gx - shift.0).abs() < 0.5 && (y - gy - shift.1).abs() < 0.5,
            "node {v}: ({x}, {y}) vs ({gx}, {gy})"
        );
    }
    // Bundled: every edge has 16 spline points, and neato -n2 draws them as given.
    let out = netlens(&["export", fly.to_str().unwrap(), "--iterations", "60", "--bundle", "-o", "bundled.dot"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("bundled.dot")).unwrap();
    let edges: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(edges.len(), 7425);
    assert!(edges.iter().all(|l| l.split("pos=\"").nth(1).is_some_and(|p| p.split(' ').count() == 16)));
    let out = std::process::Command::new("neato")
        .args(["-n2", "-Tpng", "-o", "bundled.png", "bundled.dot"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A model's tables carry its operators' types, groups and parameters, each column under
/// its own name; the edge table holds every edge.
#[test]
fn model_exports_carry_types_groups_and_unique_columns() {
    let dir = common::scratch("export-model");
    let model = common::repo_data("onnx/digits_cnn.onnx");
    let out = netlens(
        &["export", model.to_str().unwrap(), "-o", "cnn.parquet", "-o", "cnn.cyjs", "--edge-table", "edges.csv"],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let columns = parquet_columns(&dir.join("cnn.parquet"));
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in ["id", "name", "x", "y", "class", "class_name", "group", "degree"] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let types = &columns.iter().find(|(n, _)| n == "class_name").unwrap().1;
    assert!(types.iter().any(|t| t == "Conv"), "{types:?}");
    let cyjs: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("cnn.cyjs")).unwrap()).unwrap();
    assert_eq!(cyjs["elements"]["nodes"].as_array().unwrap().len(), columns[0].1.len());
    let edges = std::fs::read_to_string(dir.join("edges.csv")).unwrap();
    assert!(edges.starts_with("source,target\n"), "{edges}");
    assert_eq!(edges.lines().count() - 1, cyjs["elements"]["edges"].as_array().unwrap().len());
}

#[test]
fn bad_outputs_are_errors_before_the_work_and_keep_what_exists() {
    let dir = common::scratch("export-bad");
    std::fs::write(dir.join("mine.graphml"), "precious").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["export", "-o", "g.xyz"], "g.xyz: unknown format"),
        (&["export", "-o", "mine.graphml"], "mine.graphml exists; pass --force"),
        (&["export", "-o", "g.gexf", "--edge-table", "e.json"], "e.json: the edge table is a .csv or a .parquet file"),
        (&["export", "--dim", "3", "-o", "g.dot"], "g.dot: DOT holds 2D positions"),
        (&["export", "-o", "no/such/dir/g.gexf"], "folder no/such/dir does not exist"),
    ];
    for (args, wanted) in cases {
        let line = error_line(&netlens(args, &dir));
        assert!(line.contains(wanted), "{args:?}: {line}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("mine.graphml")).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing else written");
    // --format writes any name in the format asked for.
    let out = netlens(&["export", "-o", "cora.xml", "--format", "graphml", "--iterations", "20"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(dir.join("cora.xml")).unwrap().contains("<graphml"));
}
