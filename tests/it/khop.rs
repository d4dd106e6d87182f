//! K-hop neighbourhoods: the GPU pass against its CPU reference and against petgraph's
//! shortest paths on the real citation graphs, the `khop` command, and the highlight in
//! `render --select`.

use crate::common;

use std::process::Command;

use netlens::gpu::Gpu;
use netlens::graph::bfs::{self, UNREACHED};
use netlens::graph::generate::barabasi_albert;
use netlens::graph::{Direction, Graph};
use netlens::khop::{KHop, Neighbourhoods, adjacency, gather_direction, hops_buffer};
use netlens::load;
use petgraph::graph::{DiGraph, NodeIndex, UnGraph};

/// Hops from `seed` by petgraph's Dijkstra with unit weights: an independent oracle.
fn petgraph_counts(graph: &Graph, seed: u32, k: u32, direction: Direction) -> Vec<u64> {
    let edges = graph.src.iter().zip(&graph.dst).map(|(&a, &b)| match direction {
        Direction::In => (b, a),
        _ => (a, b),
    });
    let distances = if graph.directed && direction != Direction::Both {
        let mut g = DiGraph::<(), ()>::with_capacity(graph.node_count() as usize, graph.edge_count());
        g.extend_with_edges(edges);
        fill(&mut g, graph.node_count());
        petgraph::algo::dijkstra(&g, NodeIndex::new(seed as usize), None, |_| 1u32)
    } else {
        let mut g = UnGraph::<(), ()>::with_capacity(graph.node_count() as usize, graph.edge_count());
        g.extend_with_edges(edges);
        fill(&mut g, graph.node_count());
        petgraph::algo::dijkstra(&g, NodeIndex::new(seed as usize), None, |_| 1u32)
    };
    let mut counts = vec![0u64; k as usize + 1];
    for d in distances.values().filter(|&&d| d <= k) {
        counts[*d as usize] += 1;
    }
    counts
}

fn fill<D: petgraph::EdgeType>(g: &mut petgraph::Graph<(), (), D>, n: u32) {
    while g.node_count() < n as usize {
        g.add_node(());
    }
}

fn citeseer(directed: bool) -> Graph {
    let mut graph = load::load_graph(&common::shared_data("citeseer/edges.tsv")).unwrap().graph;
    graph.directed = directed;
    graph
}

#[test]
fn gpu_hops_equal_the_cpu_reference_and_petgraph() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let khop = gpu.kernel::<KHop>();
    let cora = load::bundled_cora().graph;
    let cases = [
        ("cora", cora, vec![(vec![35], Direction::Both)]),
        (
            "citeseer directed",
            citeseer(true),
            vec![(vec![0], Direction::Out), (vec![1000], Direction::In), (vec![7], Direction::Both)],
        ),
        ("barabasi-albert 20k", barabasi_albert(20_000, 5), vec![(vec![3, 19_999, 12_345], Direction::Both)]),
    ];
    for (name, graph, queries) in cases {
        for (seeds, direction) in queries {
            let mut hoods = Neighbourhoods::new(
                &gpu,
                &khop,
                &adjacency(&gpu, &graph, direction).unwrap(),
                hops_buffer(&gpu, graph.node_count()).unwrap(),
            )
            .unwrap();
            let reference = graph.csr(match gather_direction(&graph, direction) {
                // The CPU search pushes along the direction the GPU pulls against.
                Direction::In => Direction::Out,
                Direction::Out => Direction::In,
                Direction::Both => Direction::Both,
            });
            for k in [0, 1, 2, 5, 10] {
                hoods.select(&gpu, &khop, &seeds, k).unwrap();
                let on_gpu = hoods.read_hops(&gpu).unwrap();
                let on_cpu = bfs::hops(&reference, &seeds, k);
                assert_eq!(on_gpu, on_cpu, "{name}, seeds {seeds:?}, {direction:?}, K = {k}: hops differ");
                let counts = hoods.read_counts(&gpu).unwrap();
                assert_eq!(counts, bfs::counts(&on_cpu, k), "{name} K = {k}: GPU histogram");
                if let [seed] = seeds[..] {
                    assert_eq!(counts, petgraph_counts(&graph, seed, k, direction), "{name} K = {k}: petgraph");
                }
                assert_eq!(on_gpu.iter().filter(|&&h| h == 0).count(), seeds.len());
            }
            println!("{name} {seeds:?} {direction:?}: {:?}", hoods.read_counts(&gpu).unwrap());
        }
    }
}

#[test]
fn a_new_selection_replaces_the_last() {
    let gpu = Gpu::headless().expect("a GPU or software adapter");
    let khop = gpu.kernel::<KHop>();
    let graph = load::bundled_cora().graph;
    let mut hoods = Neighbourhoods::new(
        &gpu,
        &khop,
        &adjacency(&gpu, &graph, Direction::Both).unwrap(),
        hops_buffer(&gpu, graph.node_count()).unwrap(),
    )
    .unwrap();
    hoods.select(&gpu, &khop, &(0..300).collect::<Vec<u32>>(), 4).unwrap();
    hoods.select(&gpu, &khop, &[2000], 1).unwrap();
    let hops = hoods.read_hops(&gpu).unwrap();
    assert_eq!(hops, bfs::hops(&graph.csr(Direction::Both), &[2000], 1));
    assert!(hops.iter().filter(|&&h| h != UNREACHED).count() > 1);
}

fn netlens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_netlens")).args(args).output().expect("netlens runs")
}

#[test]
fn khop_command_prints_counts_per_hop() {
    let out = netlens(&["khop", "--node", "35", "--hops", "3", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let cora = load::bundled_cora().graph;
    let expected = petgraph_counts(&cora, 35, 3, Direction::Both);
    assert_eq!(report["node"], 35);
    assert_eq!(report["hops"], 3);
    assert_eq!(report["reached"], serde_json::json!(expected));
    assert_eq!(report["reached"][0], 1);

    let path = common::shared_data("citeseer/edges.tsv");
    let path = path.to_str().unwrap();
    let out = netlens(&["khop", path, "--node", "0", "--hops", "4", "--direction", "out", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["reached"], serde_json::json!(petgraph_counts(&citeseer(true), 0, 4, Direction::Out)));

    let text = netlens(&["khop", "--node", "35", "--node", "0", "--hops", "1"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("within 1 hops of 35, 0") && text.contains("2 at 0"), "{text}");
}

#[test]
fn khop_rejects_unknown_nodes() {
    let out = netlens(&["khop", "--node", "2708", "--hops", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("node 2708 is out of range: ids are 0 to 2707"), "{stderr}");
    let model = common::repo_data("onnx/small_cnn.onnx");
    let out = netlens(&["khop", model.to_str().unwrap(), "--node", "nonexistent", "--hops", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("small_cnn.onnx") && stderr.contains("no node is named 'nonexistent'"), "{stderr}");
    let out = netlens(&["khop", "--node", "1", "--hops", "65"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects K above the limit");
}

#[test]
fn render_select_highlights_the_neighbourhood() {
    let dir = common::scratch("render-select");
    let white = |dir: &std::path::Path| {
        let image = image::open(dir.join("out.png")).expect("a PNG").to_rgb8();
        image.pixels().filter(|p| p.0.iter().all(|&c| c > 235)).count()
    };
    let size = ["--size", "320x240"].map(std::ffi::OsStr::new);
    let (_, plain) = common::render_cli(&dir, &size);
    assert_eq!(white(&dir), 0, "no white ring without a selection");
    let args = ["--size", "320x240", "--select", "35", "--hops", "2"].map(std::ffi::OsStr::new);
    let (_, selected) = common::render_cli(&dir, &args);
    assert!(white(&dir) > 0, "the selected node has a white ring");
    assert!(plain > 0 && selected > 0);
}

#[test]
fn bench_render_prints_a_row_per_graph() {
    let out = netlens(&["bench", "render", "--edges", "2000,5000", "--frames", "1", "--size", "32x32", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(row["frame_ms"].as_f64().unwrap() > 0.0 && row["khop"]["cpu_ms"].as_f64().unwrap() >= 0.0);
        assert!(row["khop"]["reached"].as_u64().unwrap() >= 100, "{row}");
        // The graph's box on 32 x 32 pixels holds fewer than 2000 / 2: the density level,
        // and every edge as a line beside it.
        assert_eq!(row["edge_level"], "density", "{row}");
        assert!(row["lines_frame_ms"].as_f64().unwrap() > 0.0, "{row}");
    }
    assert_eq!(rows[1]["nodes"], 500);
}

#[test]
fn bench_all_times_every_part_against_its_baseline() {
    let out = netlens(&["bench", "all", "--edges", "2000", "--size", "64x64", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("[1/6] force layout") && stderr.contains("[6/6] done"), "progress: {stderr}");
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(all["layout"]["nodes"], 200);
    assert!(all["layout"]["cpu_iteration_ms"].as_f64().unwrap() > 0.0, "{all}");
    assert!(all["render"]["khop"]["reached"].as_u64().unwrap() >= 100, "{all}");
    assert!(all["bundle"]["cpu_iteration_ms"].as_f64().unwrap() > 0.0, "{all}");
    assert_eq!(all["project"]["rows"], 200);
    assert!(all["record"]["frames"].as_u64().unwrap() > 0, "{all}");
}
