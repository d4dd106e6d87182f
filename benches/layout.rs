//! Layout benchmark: netlens against Graphviz in the same run, on generated graphs and Cora.
//! Force layout vs `sfdp` (time and sampled stress), layered layout vs `dot` (time and
//! straight-line crossings of the drawn edges). Graphviz comes from Debian's `graphviz`;
//! without it only netlens's figures print; the real finite-element meshes come from
//! Debian's `libmetis-doc`, where installed. Run with `cargo bench --bench layout`
//! (`-- --quick` for the small sizes only, `-- --large` adds 200k to 1M nodes, netlens
//! alone; `-- --layered` runs the layered part only; other words pick the force rows
//! whose names hold them: `-- --large 5M`). Each layered row also times the
//! barycenter sweeps on the GPU against the CPU's, in the same run.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use netlens::geom::Dim;
use netlens::gpu::Gpu;
use netlens::graph::Graph;
use netlens::graph::generate::{barabasi_albert, grid, layered_dag, random_geometric};
use netlens::layout::layered::layered;
use netlens::layout::quality::measure;
use netlens::layout::{Flow, LayoutConfig, LayoutKind, place};

/// Runs a Graphviz engine on `graph`; returns its wall time and node positions.
fn graphviz(engine: &str, graph: &Graph) -> Option<(f64, Vec<[f32; 4]>)> {
    let dir = std::env::temp_dir().join(format!("netlens-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("g.gv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).ok()?);
    let (kind, arrow) = if graph.directed { ("digraph", "->") } else { ("graph", "--") };
    writeln!(file, "{kind} G {{").ok()?;
    for v in 0..graph.node_count() {
        writeln!(file, "{v};").ok()?;
    }
    for (a, b) in graph.src.iter().zip(&graph.dst) {
        writeln!(file, "{a} {arrow} {b};").ok()?;
    }
    writeln!(file, "}}").ok()?;
    drop(file);
    let start = Instant::now();
    let out = Command::new(engine).args(["-Tplain"]).arg(&path).output().ok()?;
    let seconds = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return None;
    }
    let mut positions = vec![[0f32; 4]; graph.node_count() as usize];
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 4 && f[0] == "node" {
            let (Ok(id), Ok(x), Ok(y)) = (f[1].parse::<usize>(), f[2].parse::<f32>(), f[3].parse::<f32>()) else {
                continue;
            };
            positions[id] = [x, y, 0.0, 0.0];
        }
    }
    Some((seconds, positions))
}

/// Pairs of edges whose straight segments cross (sharing no end), O(E^2).
fn straight_crossings(graph: &Graph, p: &[[f32; 4]]) -> u64 {
    let segments: Vec<(u32, u32, [f32; 4])> = graph
        .src
        .iter()
        .zip(&graph.dst)
        .map(|(&a, &b)| {
            let (pa, pb) = (p[a as usize], p[b as usize]);
            (a, b, [pa[0], pa[1], pb[0], pb[1]])
        })
        .collect();
    let orient =
        |ax: f32, ay: f32, bx: f32, by: f32, cx: f32, cy: f32| ((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)).signum();
    let mut count = 0;
    for (i, &(a, b, s)) in segments.iter().enumerate() {
        for &(c, d, t) in &segments[i + 1..] {
            if a == c || a == d || b == c || b == d {
                continue;
            }
            let o1 = orient(s[0], s[1], s[2], s[3], t[0], t[1]);
            let o2 = orient(s[0], s[1], s[2], s[3], t[2], t[3]);
            let o3 = orient(t[0], t[1], t[2], t[3], s[0], s[1]);
            let o4 = orient(t[0], t[1], t[2], t[3], s[2], s[3]);
            if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
                count += 1;
            }
        }
    }
    count
}

/// Where Debian's libmetis-doc puts its finite-element meshes.
const METIS_GRAPHS: &str = "/usr/share/doc/libmetis-dev/examples/graphs";

/// A METIS graph file (first line: nodes and edges; then one line of 1-based neighbours
/// per node) as an undirected graph; `None` when it is missing or malformed.
fn metis_graph(path: &std::path::Path) -> Option<Graph> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines().filter(|l| !l.trim_start().starts_with('%'));
    let n: u32 = lines.next()?.split_whitespace().next()?.parse().ok()?;
    let mut g = Graph::with_nodes(n, false);
    for (v, line) in lines.take(n as usize).enumerate() {
        for w in line.split_whitespace() {
            let w: u32 = w.parse::<u32>().ok()?.checked_sub(1)?;
            if (v as u32) < w && w < n {
                g.push_edge(v as u32, w);
            }
        }
    }
    Some(g)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let large = std::env::args().any(|a| a == "--large");
    let layered_only = std::env::args().any(|a| a == "--layered");
    let gpu = Gpu::headless().expect("an adapter");
    let report = gpu.report();
    println!(
        "netlens on {} ({}); Graphviz {}",
        report.name,
        report.backend,
        if graphviz("sfdp", &grid(2, 2)).is_some() { "found" } else { "not found: netlens only" }
    );

    let cora = netlens::load::bundled_cora().graph;
    let mut force_cases: Vec<(String, Graph)> = vec![
        ("cora".into(), cora),
        ("grid 100x100".into(), grid(100, 100)),
        ("geometric 10k".into(), random_geometric(10_000, 6.0, 1)),
        ("barabasi-albert 10k".into(), barabasi_albert(10_000, 1)),
    ];
    if !quick {
        force_cases.push(("grid 224x224 (50k)".into(), grid(224, 224)));
        force_cases.push(("geometric 50k".into(), random_geometric(50_000, 6.0, 2)));
        // Real finite-element meshes (Debian's libmetis-doc), where installed.
        for name in ["4elt", "copter2"] {
            if let Some(g) = metis_graph(&std::path::Path::new(METIS_GRAPHS).join(format!("{name}.graph"))) {
                force_cases.push((format!("metis {name}"), g));
            }
        }
    }
    // Past what sfdp finishes in minutes here: netlens alone.
    let mut large_cases: Vec<(String, Graph)> = Vec::new();
    if large {
        if let Some(g) = metis_graph(&std::path::Path::new(METIS_GRAPHS).join("mdual.graph")) {
            large_cases.push(("metis mdual".into(), g));
        }
        large_cases.push(("geometric 200k".into(), random_geometric(200_000, 6.0, 3)));
        large_cases.push(("grid 1000x1000 (1M)".into(), grid(1000, 1000)));
        // The GPU target: 1M nodes and 5M edges converged in under 10 s.
        large_cases.push(("geometric 1M, 5M edges".into(), random_geometric(1_000_000, 10.0, 4)));
    }
    if layered_only {
        (force_cases, large_cases) = (Vec::new(), Vec::new());
    }
    // Free arguments pick the force rows whose names hold one of them.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if !filters.is_empty() {
        let picked = |(name, _): &(String, Graph)| filters.iter().any(|f| name.contains(f.as_str()));
        force_cases.retain(picked);
        large_cases.retain(picked);
    }
    let config = LayoutConfig { kind: LayoutKind::Force, dim: Dim::Two, ..Default::default() };
    for (name, g) in &force_cases {
        let start = Instant::now();
        let placed = place(&gpu, g, &config, |_, _| {}).expect("layout");
        let ours = start.elapsed().as_secs_f64();
        let stress = measure(g, &placed.positions, 1).stress;
        let mut line = format!(
            "force   {name:<22} {:>7} nodes {:>7} edges: netlens {ours:7.2} s stress {stress:.3}",
            g.node_count(),
            g.edge_count()
        );
        if let Some((theirs, positions)) = graphviz("sfdp", g) {
            let their_stress = measure(g, &positions, 1).stress;
            line += &format!(
                " | sfdp {theirs:7.2} s stress {their_stress:.3} | sfdp/netlens time {:.2}x, netlens/sfdp stress {:.2}",
                theirs / ours,
                stress / their_stress
            );
        }
        println!("{line}");
    }
    for (name, g) in &large_cases {
        let start = Instant::now();
        let placed = place(&gpu, g, &config, |_, _| {}).expect("layout");
        let ours = start.elapsed().as_secs_f64();
        let stress = measure(g, &placed.positions, 1).stress;
        println!(
            "force   {name:<22} {:>7} nodes {:>7} edges: netlens {ours:7.2} s stress {stress:.3}, final step {:.3} (sfdp not run)",
            g.node_count(),
            g.edge_count(),
            placed.final_step.unwrap_or(f32::NAN)
        );
    }

    // One row, no bands or folded layers: the drawing dot makes, so straight-line
    // crossings compare like for like.
    let config = LayoutConfig { kind: LayoutKind::Layered, dim: Dim::Two, flow: Flow::Right, ..Default::default() };
    let mut layered_cases = vec![(2_000, 40), (5_000, 60)];
    if !quick {
        layered_cases.push((50_000, 200));
    }
    for (n, layers) in layered_cases {
        let g = layered_dag(n, layers, 3);
        let start = Instant::now();
        let placed = place(&gpu, &g, &config, |_, _| {}).expect("layout");
        let ours = start.elapsed().as_secs_f64();
        let mut line = format!(
            "layered dag {n:>6} nodes {:>6} edges, {layers} layers: netlens {ours:6.2} s, {} crossings (through dummies)",
            g.edge_count(),
            placed.crossings.unwrap_or(0)
        );
        // The same layout with its sweeps on the GPU, then on the CPU: one order, two times.
        let start = Instant::now();
        let on_gpu = layered(&g, Dim::Two, Flow::Right, None, Some(&gpu)).expect("GPU sweeps");
        let gpu_time = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let on_cpu = layered(&g, Dim::Two, Flow::Right, None, None).expect("CPU sweeps");
        let cpu_time = start.elapsed().as_secs_f64();
        assert_eq!(on_gpu.positions, on_cpu.positions, "GPU and CPU sweeps agree");
        line +=
            &format!("; sweeps on the GPU {gpu_time:.2} s, on the CPU {cpu_time:.2} s ({:.2}x)", cpu_time / gpu_time);
        if n <= 5_000 {
            let straight = straight_crossings(&g, &placed.positions);
            line += &format!(", {straight} straight");
            if let Some((theirs, positions)) = graphviz("dot", &g) {
                let their_straight = straight_crossings(&g, &positions);
                line += &format!(
                    " | dot {theirs:6.2} s, {their_straight} straight | dot/netlens time {:.1}x, netlens/dot crossings {:.2}",
                    theirs / ours,
                    straight as f64 / their_straight.max(1) as f64
                );
            }
        }
        println!("{line}");
    }
}
