//! Node embeddings: the GPU's PCA and k-nearest-neighbour passes against their CPU
//! references on Cora's and CiteSeer's GCN embeddings, PCA against a known answer, the
//! agreement measure on a hand-made case, and the `project` and `gnn` commands.

use crate::common;

use std::process::{Command, Output};

use netlens::embed::nndescent::DescentPasses;
use netlens::embed::umap::{self, UmapConfig, UmapPasses};
use netlens::embed::{self, EmbedPasses, cpu, metrics};
use netlens::gpu::Gpu;
use netlens::graph::Embedding;
use netlens::graph::Graph;

fn gcn_hidden(set: &str) -> Embedding {
    let path = common::shared_data(&format!("{set}/gcn_hidden.npy"));
    netlens::load::load_embedding(&path, None).expect("the GCN embedding loads")
}

#[test]
fn pca_on_the_gpu_matches_the_cpu() {
    let gpu = Gpu::headless().expect("an adapter");
    let passes = gpu.kernel::<EmbedPasses>();
    for set in ["cora", "citeseer"] {
        let embedding = gcn_hidden(set);
        for dim in [2, 3] {
            let gpu_pca = embed::pca(&gpu, &passes, &embedding, dim).unwrap();
            let reference = cpu::pca(&embedding, dim);
            let spread = reference.iter().flat_map(|p| p[..dim].iter()).fold(0.0f32, |m, &x| m.max(x.abs()));
            let worst = gpu_pca
                .positions
                .iter()
                .zip(&reference)
                .flat_map(|(a, b)| (0..dim).map(move |c| (a[c] - b[c]).abs()))
                .fold(0.0f32, f32::max);
            println!("{set} {dim}D: largest difference {worst:.2e} of a spread of {spread:.2}");
            assert!(worst <= 1e-4 * spread, "{set} {dim}D: the GPU projection differs by {worst}");
            let shares: f64 = gpu_pca.variance.iter().sum::<f64>() / gpu_pca.total_variance;
            assert!(shares > 0.0 && shares <= 1.0 + 1e-9);
        }
    }
}

#[test]
fn pca_finds_the_axis_of_a_stretched_cloud() {
    // 500 points spread 10 times wider along (1, 2, 2) / 3 than across it.
    let axis = [1.0f32 / 3.0, 2.0 / 3.0, 2.0 / 3.0];
    let across = [2.0f32 / 3.0, 1.0 / 3.0, -2.0 / 3.0];
    let values: Vec<f32> = (0..500)
        .flat_map(|i| {
            let along = ((i * 37 % 500) as f32 / 500.0 - 0.5) * 10.0;
            let side = ((i * 91 % 500) as f32 / 500.0 - 0.5) * 1.0;
            (0..3).map(move |c| along * axis[c] + side * across[c] + 5.0)
        })
        .collect();
    let embedding = Embedding { rows: 500, dims: 3, values };
    let gpu = Gpu::headless().expect("an adapter");
    let pca = embed::pca(&gpu, &gpu.kernel::<EmbedPasses>(), &embedding, 2).unwrap();
    let ratio = pca.variance[0] / pca.variance[1];
    assert!((ratio - 100.0).abs() < 5.0, "variance ratio {ratio}, expected about 100");
    // The first coordinate is the position along the axis, from the mean (up to sign).
    let along = |i: usize| ((i * 37 % 500) as f32 / 500.0 - 0.5) * 10.0;
    let mean = (0..500).map(along).sum::<f32>() / 500.0;
    let sign = pca.positions[0][0].signum() * (along(0) - mean).signum();
    for (i, p) in pca.positions.iter().enumerate() {
        let expected = sign * (along(i) - mean);
        assert!((p[0] - expected).abs() < 1e-2, "row {i}: {} vs {expected}", p[0]);
    }
}

#[test]
fn nearest_neighbours_on_the_gpu_match_the_cpu() {
    let gpu = Gpu::headless().expect("an adapter");
    let passes = gpu.kernel::<EmbedPasses>();
    // CiteSeer with k = 32 takes the search past the software drivers' limit of 65535
    // turns of a shader loop: the candidates come in several dispatches.
    for (set, k) in [("cora", 10), ("citeseer", 32)] {
        let embedding = gcn_hidden(set);
        let found = embed::knn(&gpu, &passes, &embedding, k).unwrap();
        let reference = cpu::knn(&embedding, k);
        assert_eq!(found.len(), embedding.rows * k);
        let same = found.iter().zip(&reference).filter(|(a, b)| a == b).count();
        println!("{set}, k = {k}: {same} of {} neighbours identical", found.len());
        // Rounding may swap two neighbours at equal distance; the distances must agree.
        assert!(same as f64 >= 0.99 * found.len() as f64);
        for r in 0..embedding.rows {
            for n in 0..k {
                let (a, b) = (found[r * k + n] as usize, reference[r * k + n] as usize);
                let (da, db) = (cpu::distance(&embedding, r, a), cpu::distance(&embedding, r, b));
                assert!((da - db).abs() <= 1e-5 * db.max(1e-6), "{set} row {r}, neighbour {n}: {da} vs {db}");
            }
        }
    }
}

/// The share of the exact neighbours an approximate search finds.
fn recall(found: &[u32], exact: &[u32], k: usize) -> f64 {
    let hits: usize =
        found.chunks(k).zip(exact.chunks(k)).map(|(f, e)| f.iter().filter(|v| e.contains(v)).count()).sum();
    hits as f64 / exact.len() as f64
}

#[test]
fn nn_descent_finds_most_exact_neighbours() {
    let gpu = Gpu::headless().expect("an adapter");
    let passes = gpu.kernel::<EmbedPasses>();
    let descent = gpu.kernel::<DescentPasses>();
    let k = 15;
    for (name, embedding) in
        [("citeseer", gcn_hidden("citeseer")), ("blobs 6000 x 32", netlens::graph::generate::blobs(6000, 32, 3))]
    {
        let found = embed::nndescent::approximate_knn(&gpu, &passes, &descent, &embedding, k).unwrap();
        let exact = embed::knn(&gpu, &passes, &embedding, k).unwrap();
        let r = recall(&found, &exact, k);
        println!("{name}: NN-descent recall {r:.4}");
        assert!(r >= 0.9, "{name}: recall {r}");
        // Lists are sorted, without repeats or the row itself.
        for (row, list) in found.chunks(k).enumerate() {
            let d: Vec<f32> = list.iter().map(|&v| cpu::distance(&embedding, row, v as usize)).collect();
            assert!(d.windows(2).all(|w| w[0] <= w[1]), "row {row}: nearest first");
            assert!(
                !list.contains(&(row as u32)) && (1..k).all(|i| !list[..i].contains(&list[i])),
                "row {row}: {list:?}"
            );
        }
        let again = embed::nndescent::approximate_knn(&gpu, &passes, &descent, &embedding, k).unwrap();
        assert!(again == found, "{name}: the same neighbours on every run");
    }
}

#[test]
fn agreement_is_the_jaccard_overlap_of_neighbourhoods() {
    // A path 0-1-2-3 and an isolated node 4; embedding neighbours chosen by hand.
    let mut graph = Graph::with_nodes(5, false);
    for (a, b) in [(0, 1), (1, 2), (2, 3)] {
        graph.push_edge(a, b);
    }
    let k = 2;
    let neighbours = [1, 2, 3, 0, 1, 3, 0, 1, 0, 1];
    let a = metrics::agreement(&graph, &neighbours, k, 1);
    // 0: {1} vs {1}: 1. 1: {0, 2} vs {3, 0}: 1/3. 2: {1, 3} vs {1, 3}: 1. 3: {2} vs {0}: 0.
    let per_node: Vec<Option<f32>> = a.per_node.clone();
    assert_eq!(per_node, [Some(1.0), Some(1.0 / 3.0), Some(1.0), Some(0.0), None]);
    assert_eq!(a.nodes, 4);
    assert!((a.mean - (1.0 + 1.0 / 3.0 + 1.0) / 4.0).abs() < 1e-6);
    assert_eq!(a.histogram, [1, 0, 0, 1, 0, 0, 0, 0, 0, 2]);
    assert_eq!(a.most_disagreeing, [3, 1, 2, 0], "worst first; on a tie the larger neighbourhood");
    let two_hops = metrics::agreement(&graph, &neighbours, k, 2);
    // 0 within 2 hops: {1, 2}, its 2 nearest {1, 2}: 1.
    assert_eq!(two_hops.per_node[0], Some(1.0));
}

#[test]
fn trustworthiness_is_one_for_a_faithful_view() {
    let values: Vec<f32> = (0..60).flat_map(|i| [(i as f32).sin() * 3.0, (i as f32 * 0.7).cos() * 2.0]).collect();
    let embedding = Embedding { rows: 60, dims: 2, values };
    let same: Vec<[f32; 4]> = (0..60).map(|r| [embedding.row(r)[0], embedding.row(r)[1], 0.0, 0.0]).collect();
    assert!((metrics::trustworthiness(&embedding, &same, 5, 60) - 1.0).abs() < 1e-12);
    let scrambled: Vec<[f32; 4]> = (0..60).map(|r| same[(r * 17) % 60]).collect();
    assert!(metrics::trustworthiness(&embedding, &scrambled, 5, 60) < 0.8);
}

#[test]
fn an_epoch_on_the_gpu_matches_the_cpu() {
    let gpu = Gpu::headless().expect("an adapter");
    let passes = gpu.kernel::<EmbedPasses>();
    let embedding = gcn_hidden("cora");
    let config = UmapConfig::for_rows(embedding.rows, 2);
    let neighbours = embed::knn(&gpu, &passes, &embedding, config.k).unwrap();
    let graph = umap::fuzzy_graph(&embedding, &neighbours, config.k);
    let symmetric = (0..embedding.rows).all(|i| {
        (graph.offsets[i]..graph.offsets[i + 1]).all(|e| {
            let j = graph.targets[e as usize] as usize;
            (graph.offsets[j]..graph.offsets[j + 1]).any(|f| graph.targets[f as usize] as usize == i)
        })
    });
    assert!(symmetric, "the fuzzy graph holds both directions of every edge");
    let start = embed::pca(&gpu, &passes, &embedding, 2).unwrap().positions;
    let umap_passes = gpu.kernel::<UmapPasses>();
    // Epochs 0..3 on the GPU against three CPU epochs from the same start.
    let on_gpu = umap::run_epochs(&gpu, &umap_passes, &graph, start.clone(), &config, 0..3, &mut |_, _| {}).unwrap();
    let mut on_cpu = start;
    for e in 0..3 {
        on_cpu = umap::cpu_epoch(&graph, &on_cpu, &config, e);
    }
    let worst =
        on_gpu.iter().zip(&on_cpu).flat_map(|(a, b)| (0..2).map(move |c| (a[c] - b[c]).abs())).fold(0.0, f32::max);
    println!("three epochs: largest difference {worst:.2e}");
    assert!(worst < 1e-3, "GPU and CPU epochs differ by {worst}");
}

/// umap-learn 0.5.12's trustworthiness at k = 10 (scikit-learn 1.x) on the GCN embeddings,
/// the lowest of random_state 0, 1, 2 with n_neighbors=15, min_dist=0.1: Cora 0.97848,
/// 0.97804, 0.97756; CiteSeer 0.98303, 0.98290, 0.98403.
const UMAP_LEARN: [(&str, f64); 2] = [("cora", 0.97756), ("citeseer", 0.98290)];

#[test]
fn umap_keeps_neighbourhoods_as_well_as_umap_learn() {
    let gpu = Gpu::headless().expect("an adapter");
    let (passes, umap_passes) = (gpu.kernel::<EmbedPasses>(), gpu.kernel::<UmapPasses>());
    for (set, reference) in UMAP_LEARN {
        let embedding = gcn_hidden(set);
        let config = UmapConfig::for_rows(embedding.rows, 2);
        let positions = umap::umap(&gpu, &passes, &umap_passes, &embedding, &config, |_, _| {}).unwrap();
        let trust = metrics::trustworthiness(&embedding, &positions, 10, embedding.rows);
        let pca = embed::pca(&gpu, &passes, &embedding, 2).unwrap();
        let pca_trust = metrics::trustworthiness(&embedding, &pca.positions, 10, embedding.rows);
        println!(
            "{set}: trustworthiness at 10: netlens umap {trust:.5}, umap-learn {reference:.5}, pca {pca_trust:.5}"
        );
        assert!(trust >= reference, "{set}: {trust} is below umap-learn's {reference}");
        let again = umap::umap(&gpu, &passes, &umap_passes, &embedding, &config, |_, _| {}).unwrap();
        assert!(again == positions, "{set}: the same input gives the same projection");
    }
}

fn netlens(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netlens")).args(args).current_dir(dir).output().expect("netlens runs")
}

#[test]
fn project_and_gnn_commands() {
    let dir = common::scratch("embed-cli");
    let hidden = common::shared_data("cora/gcn_hidden.npy");
    let hidden = hidden.to_str().unwrap();
    let out = netlens(&dir, &["project", hidden, "-o", "p.npy", "--dim", "3", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["rows"].as_u64(), report["dim"].as_u64()), (Some(2708), Some(3)));
    let bytes = std::fs::read(dir.join("p.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), [2708, 3]);
    let out = netlens(&dir, &["project", hidden, "-o", "p.npy", "--method", "pca", "--dim", "3", "--force"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(dir.join("p.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();

    let cora = common::shared_data("cora/edges.tsv");
    let labels = common::shared_data("cora/labels.npy");
    let pred = common::shared_data("cora/gcn_pred.npy");
    let args = [
        "gnn",
        cora.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--embedding",
        hidden,
        "--pred",
        pred.to_str().unwrap(),
        "--metrics",
        "--json",
    ];
    let out = netlens(&dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{report}");
    let mean = report["agreement"]["mean"].as_f64().unwrap();
    assert!(mean > 0.0 && mean < 1.0);
    let histogram: u64 = report["agreement"]["histogram"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).sum();
    assert_eq!(histogram, report["agreement"]["nodes"].as_u64().unwrap());
    // meta.json: the GCN's test accuracy is 0.823; over all labelled nodes it is close.
    let accuracy = report["predictions"]["accuracy"].as_f64().unwrap();
    assert!((0.75..0.95).contains(&accuracy), "accuracy {accuracy}");
    let trust = report["view"]["trustworthiness"].as_f64().unwrap();
    assert!((0.9..=1.0).contains(&trust), "trustworthiness of the UMAP view {trust}");

    // A second embedding as CSV (the 3-D PCA): one JSON line per embedding.
    let pca3: Vec<f32> = npy.into_vec().unwrap();
    let csv: String = pca3.chunks(3).map(|r| format!("{},{},{}\n", r[0], r[1], r[2])).collect();
    std::fs::write(dir.join("pca3.csv"), format!("x,y,z\n{csv}")).unwrap();
    let out = netlens(
        &dir,
        &["gnn", "--embedding", hidden, "--embedding", "pca3.csv", "--metrics", "--json", "--epochs", "50"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0]["dims"].as_u64(), lines[1]["dims"].as_u64()), (Some(16), Some(3)));
    assert!(lines[1]["embedding"].as_str().unwrap().ends_with("pca3.csv"));

    let out = netlens(&dir, &["gnn", "--embedding", hidden, "-o", "side.png", "--size", "320x160"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(image::open(dir.join("side.png")).unwrap().to_rgb8().dimensions(), (320, 160));

    // CiteSeer's embedding has 3327 rows, the bundled Cora 2708 nodes.
    let citeseer = common::shared_data("citeseer/gcn_hidden.npy");
    std::fs::write(dir.join("garbage.npy"), "garbage").unwrap();
    let out = netlens(&dir, &["gnn", "--embedding", "garbage.npy", "--metrics"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("garbage.npy: is not a NumPy .npy file"), "{stderr}");
    let out = netlens(&dir, &["gnn", "--embedding", citeseer.to_str().unwrap(), "--metrics"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("gcn_hidden.npy: has 3327 rows, but the graph has 2708 nodes"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["gnn", "--embedding", hidden])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no display for the window"));
}

#[test]
fn bench_project_prints_a_row_per_size() {
    let dir = common::scratch("embed-bench");
    let out = netlens(&dir, &["bench", "project", "--rows", "300,600", "--dims", "8", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["rows"], 600);
    assert!(rows[1]["epoch_gpu_ms"].as_f64().unwrap() > 0.0 && rows[1]["knn_gpu_ms"].as_f64().unwrap() > 0.0);
}
