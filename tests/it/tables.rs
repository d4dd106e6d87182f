//! Columnar and dataset inputs: the pyarrow tables in data/tables (Parquet part folders,
//! zstd and gzip Parquet, Feather) read as the same graph as the TSV they were written
//! from; vertex tables attach names, classes and columns; an OGB folder built from Cora
//! brings its labels and split to `gnn`; damaged inputs are one-line errors.

use crate::common::{self, compress, error_line, info, netlens};

use std::path::Path;

fn tables(name: &str) -> std::path::PathBuf {
    common::repo_data(&format!("tables/{name}"))
}

/// `info --json` without the file's name and format: what every encoding must agree on.
fn counts(path: &Path, dir: &Path) -> serde_json::Value {
    let mut value = info(path, dir);
    value.as_object_mut().unwrap().remove("format");
    value
}

#[test]
fn parquet_parts_arrow_and_compressed_text_read_as_the_plain_tsv() {
    let dir = common::scratch("tables-same");
    let tsv = tables("generated.tsv");
    let expected = counts(&tsv, &dir);
    assert_eq!(expected["nodes"], 600);
    assert_eq!(expected["edges"], 2400);
    assert_eq!(expected["weighted"], true);
    let csv = dir.join("generated.csv");
    std::fs::write(&csv, std::fs::read_to_string(&tsv).unwrap().replace('\t', ",")).unwrap();
    let csv_gz = dir.join("generated.csv.gz");
    let tsv_zst = dir.join("generated.tsv.zst");
    compress("gzip", &["-c"], &csv, &csv_gz);
    compress("zstd", &["-c", "-q"], &tsv, &tsv_zst);
    for path in [
        tables("generated-parts"),
        tables("generated.zstd.parquet"),
        tables("generated.gzip.parquet"),
        tables("generated.feather"),
        csv_gz,
        tsv_zst,
    ] {
        assert_eq!(counts(&path, &dir), expected, "{}", path.display());
    }
    assert_eq!(info(&tables("generated-parts"), &dir)["format"], "parquet");
    assert_eq!(info(&tables("generated.feather"), &dir)["format"], "arrow");
}

#[test]
fn columns_are_chosen_by_name_or_by_flag() {
    let dir = common::scratch("tables-columns");
    let table = tables("generated.zstd.parquet");
    let path = table.to_str().unwrap();
    // Reversed ends: node 599's only edge now leaves it.
    let khop = |extra: &[&str]| {
        let args =
            [&["khop", path, "--node", "599", "--hops", "1", "--direction", "out", "--json"][..], extra].concat();
        let out = netlens(&args, &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["reached"].clone()
    };
    let forward = khop(&[]);
    let backward = khop(&["--src", "target", "--dst", "source"]);
    assert_ne!(forward, backward);
    assert_eq!(khop(&["--src", "source", "--dst", "target", "--weight", "w"]), forward);

    let line = error_line(&netlens(&["info", path, "--src", "from", "--dst", "target"], &dir));
    assert!(line.contains("has no column 'from' for --src") && line.contains("source (Int64)"), "{line}");
    let line = error_line(&netlens(&["info", path, "--src", "source"], &dir));
    assert!(line.contains("give both --src and --dst"), "{line}");
    let tsv = tables("generated.tsv");
    let line = error_line(&netlens(&["info", tsv.to_str().unwrap(), "--src", "a", "--dst", "b"], &dir));
    assert!(line.contains("choose columns of Parquet and Arrow tables"), "{line}");
}

#[test]
fn vertex_tables_attach_names_classes_and_columns() {
    let dir = common::scratch("tables-vertices");
    let parts = tables("generated-parts");
    let vertices = tables("generated-vertices.parquet");
    let out = netlens(&["info", "--json", parts.to_str().unwrap(), "--nodes", vertices.to_str().unwrap()], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 20 vertices no edge names join as isolated nodes.
    assert_eq!(report["nodes"], 620);
    assert_eq!(report["isolated_nodes"], 20);
    assert_eq!(report["classes"], 5);
    assert_eq!(report["named_nodes"], true);
    assert_eq!(report["node_columns"], serde_json::json!([["score", 1]]));
    assert_eq!(report["text_columns"], serde_json::json!(["kind"]));
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(note.contains("names from 'name', classes from 'community'"), "{note}");
    // Names work as node ids: v599 is node 599.
    let out = netlens(
        &["khop", parts.to_str().unwrap(), "--nodes", vertices.to_str().unwrap(), "--node", "v599", "--json"],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Text ids (the connectome), a Feather vertex table with a text class column.
    let out = netlens(
        &[
            "info",
            "--json",
            tables("drosophila-parts").to_str().unwrap(),
            "--nodes",
            tables("drosophila-vertices.feather").to_str().unwrap(),
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let csv = counts(&common::repo_data("drosophila/left_edges.csv"), &dir);
    for key in ["nodes", "edges", "weighted", "degree_max", "components"] {
        assert_eq!(report[key], csv[key], "{key}");
    }
    assert_eq!(report["classes"], 4);
}

#[test]
fn damaged_and_unusable_tables_are_errors_that_name_the_file() {
    let dir = common::scratch("tables-damaged");
    let line = error_line(&netlens(&["info", tables("no-ids.parquet").to_str().unwrap()], &dir));
    assert!(line.contains("no-ids.parquet: has no pair of id columns") && line.contains("x (Float64)"), "{line}");
    for name in ["generated.zstd.parquet", "generated.feather"] {
        let bytes = std::fs::read(tables(name)).unwrap();
        for eighth in 1..8 {
            let cut = dir.join(format!("cut-{eighth}-{name}"));
            std::fs::write(&cut, &bytes[..bytes.len() * eighth / 8]).unwrap();
            let line = error_line(&netlens(&["info", cut.to_str().unwrap()], &dir));
            assert!(line.contains(&format!("cut-{eighth}-{name}")), "{line}");
        }
    }
    // Row-level problems name the column and the row; parts must agree.
    let line = error_line(&netlens(&["info", tables("null-id.parquet").to_str().unwrap()], &dir));
    assert!(line.contains("null-id.parquet: column 'src': row 2: missing node id (null)"), "{line}");
    let line = error_line(&netlens(&["info", tables("parts-differ").to_str().unwrap()], &dir));
    assert!(line.contains("part-00001.parquet: has columns a, b where the first part has src, dst"), "{line}");
    let line = error_line(&netlens(
        &[
            "info",
            tables("generated.tsv").to_str().unwrap(),
            "--nodes",
            tables("duplicate-vertices.parquet").to_str().unwrap(),
        ],
        &dir,
    ));
    assert!(line.contains("duplicate-vertices.parquet: row 2: node 1 is listed twice"), "{line}");
    // A vertex table whose ids are text, against edges with integer ids.
    let line = error_line(&netlens(
        &[
            "info",
            tables("generated.tsv").to_str().unwrap(),
            "--nodes",
            tables("drosophila-vertices.feather").to_str().unwrap(),
        ],
        &dir,
    ));
    assert!(line.contains("edges use integer node indices"), "{line}");
    // An empty folder is neither a table nor a dataset nor a checkpoint.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(!netlens(&["info", empty.to_str().unwrap()], &dir).status.success());
}

/// An OGB node-property folder made from Cora with the system's gzip: edges, 16 feature
/// columns, labels (`nan` where Cora has none) and the Planetoid split.
fn ogb_cora(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("ogbn-cora");
    let raw = root.join("raw");
    let split = root.join("split").join("planetoid");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::create_dir_all(&split).unwrap();
    let gzip = |path: &Path, text: String| {
        let plain = path.with_extension("");
        std::fs::write(&plain, text).unwrap();
        compress("gzip", &["-c"], &plain, path);
        std::fs::remove_file(plain).unwrap();
    };
    let edges = std::fs::read_to_string(common::shared_data("cora/edges.tsv")).unwrap();
    let edges: String =
        edges.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{}\n", l.replace('\t', ","))).collect();
    gzip(&raw.join("edge.csv.gz"), edges);
    let read_i64 = |name: &str| -> Vec<i64> {
        let bytes = std::fs::read(common::shared_data(name)).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        match npy.dtype() {
            npyz::DType::Plain(t) if t.size_field() == 1 => {
                npy.into_vec::<i8>().unwrap().into_iter().map(i64::from).collect()
            }
            _ => npy.into_vec::<i32>().unwrap().into_iter().map(i64::from).collect(),
        }
    };
    let labels = read_i64("cora/labels.npy");
    gzip(&raw.join("num-node-list.csv.gz"), format!("{}\n", labels.len()));
    let text: String = labels.iter().map(|&l| if l < 0 { "nan\n".to_owned() } else { format!("{l}\n") }).collect();
    gzip(&raw.join("node-label.csv.gz"), text);
    let features = {
        let bytes = std::fs::read(common::shared_data("cora/features.npy")).unwrap();
        npyz::NpyFile::new(&bytes[..]).unwrap().into_vec::<f32>().unwrap()
    };
    let width = features.len() / labels.len();
    let text: String = features
        .chunks(width)
        .map(|row| row[..16].iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    gzip(&raw.join("node-feat.csv.gz"), text);
    let parts = read_i64("cora/split.npy");
    for (code, name) in [(1, "train"), (2, "valid"), (3, "test")] {
        let text: String =
            parts.iter().enumerate().filter(|&(_, &p)| p == code).map(|(v, _)| format!("{v}\n")).collect();
        gzip(&split.join(format!("{name}.csv.gz")), text);
    }
    root
}

#[test]
fn an_ogb_folder_brings_its_labels_and_split_to_gnn() {
    let dir = common::scratch("tables-ogb");
    let root = ogb_cora(&dir);
    let report = info(&root, &dir);
    assert_eq!(report["format"], "ogb");
    assert_eq!((report["nodes"].as_u64(), report["edges"].as_u64()), (Some(2708), Some(5278)));
    assert_eq!(report["classes"], 7);
    assert_eq!(report["features"], 16);
    assert_eq!(report["split"], serde_json::json!({"name": "planetoid", "train": 140, "valid": 500, "test": 1000}));
    // The folder around the dataset's root reads the same.
    assert_eq!(info(&dir, &dir)["nodes"], 2708);

    let cora = common::shared_data("cora");
    let out = netlens(
        &[
            "gnn",
            root.to_str().unwrap(),
            "--undirected",
            "--embedding",
            cora.join("gcn_hidden.npy").to_str().unwrap(),
            "--pred",
            cora.join("gcn_pred.npy").to_str().unwrap(),
            "--method",
            "pca",
            "--json",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(cora.join("meta.json")).unwrap()).unwrap();
    let by_split = report["predictions"]["by_split"].as_array().unwrap();
    let test = by_split.iter().find(|p| p["part"] == "test").unwrap();
    assert_eq!(test["labelled"], 1000);
    let accuracy = test["accuracy"].as_f64().unwrap();
    assert!((accuracy - meta["gcn_test_accuracy"].as_f64().unwrap()).abs() < 1e-3, "{accuracy}");

    // Without its edges, the folder is an error that names what is missing.
    std::fs::remove_file(root.join("raw/edge.csv.gz")).unwrap();
    let line = error_line(&netlens(&["info", root.to_str().unwrap()], &dir));
    assert!(line.contains("ogbn-cora"), "{line}");
}

/// Flipped bytes all through a Parquet and a Feather edge table and a Parquet vertex table
/// (header, pages, footer): every copy loads or fails with an error naming the file; none
/// panics.
#[test]
fn flipped_bytes_in_tables_are_errors_not_panics() {
    let dir = common::scratch("tables-flipped");
    for name in ["generated.zstd.parquet", "generated.feather", "generated-vertices.parquet"] {
        let bytes = std::fs::read(tables(name)).unwrap();
        let path = dir.join(name);
        let (mut errors, mut loaded) = (0, 0);
        for at in (0..bytes.len()).step_by(bytes.len() / 150 + 1) {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x5a;
            std::fs::write(&path, &flipped).unwrap();
            let outcome = std::panic::catch_unwind(|| {
                if name.contains("vertices") {
                    let mut graph = netlens::load::load_graph(&tables("generated.tsv")).unwrap().graph;
                    netlens::load::columnar::attach_vertices(&mut graph, &path).map(|t| t.rows as usize)
                } else {
                    netlens::load::load_graph(&path).map(|l| l.graph.edge_count())
                }
            });
            match outcome {
                Ok(Ok(_)) => loaded += 1,
                Ok(Err(e)) => {
                    assert!(e.to_string().contains(name), "byte {at}: {e}");
                    errors += 1;
                }
                Err(_) => panic!("{name}: flipping byte {at} panicked"),
            }
        }
        assert!(errors > 0 && errors + loaded > 100, "{name}: {errors} errors, {loaded} loaded");
    }
}
