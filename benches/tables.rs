//! Table loading benchmark: one random graph of 10M weighted edges written as a plain TSV
//! (the baseline) and as a folder of 8 snappy Parquet part files (as Spark writes them),
//! each loaded by `netlens info` in its own process: wall time and peak memory (GNU time's
//! maximum resident set size, where /usr/bin/time exists). Run with
//! `cargo bench --bench tables`; NETLENS_BENCH_EDGES sets another edge count.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use netlens::export::table::{Table, Values};
use netlens::graph::generate::Lcg;

const PARTS: usize = 8;

/// Seconds and peak resident kilobytes (if measurable) of `netlens info --json PATH`.
fn load(path: &Path) -> (f64, Option<u64>, serde_json::Value) {
    let netlens = env!("CARGO_BIN_EXE_netlens");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut command = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "peak-kb %M", netlens]);
        c
    } else {
        Command::new(netlens)
    };
    let start = Instant::now();
    let out = command.args(["info", "--json"]).arg(path).output().expect("netlens runs");
    let seconds = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr.lines().find_map(|l| l.strip_prefix("peak-kb ")?.trim().parse().ok());
    (seconds, peak, serde_json::from_slice(&out.stdout).expect("a JSON report"))
}

fn size_mb(path: &Path) -> f64 {
    let bytes: u64 = if path.is_dir() {
        std::fs::read_dir(path).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
    } else {
        std::fs::metadata(path).unwrap().len()
    };
    bytes as f64 / 1e6
}

fn main() {
    let edges: usize = std::env::var("NETLENS_BENCH_EDGES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let nodes = (edges / 10).max(2) as u64;
    let dir = std::env::temp_dir().join(format!("netlens-bench-tables-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("parts")).unwrap();
    let mut rng = Lcg(7);
    let src: Vec<u32> = (0..edges).map(|_| rng.below(nodes) as u32).collect();
    let dst: Vec<u32> = (0..edges).map(|_| rng.below(nodes) as u32).collect();
    let weight: Vec<f32> = (0..edges).map(|_| rng.unit()).collect();

    let tsv = dir.join("edges.tsv");
    let mut out = BufWriter::new(std::fs::File::create(&tsv).unwrap());
    writeln!(out, "src\tdst\tweight").unwrap();
    for i in 0..edges {
        writeln!(out, "{}\t{}\t{}", src[i], dst[i], weight[i]).unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let per_part = edges.div_ceil(PARTS);
    for part in 0..PARTS {
        let range = part * per_part..((part + 1) * per_part).min(edges);
        let table = Table {
            columns: vec![
                ("src".into(), Values::Index(src[range.clone()].to_vec())),
                ("dst".into(), Values::Index(dst[range.clone()].to_vec())),
                ("weight".into(), Values::Real(weight[range].to_vec())),
            ],
        };
        table.write_parquet(&dir.join(format!("parts/part-{part:05}.snappy.parquet"))).unwrap();
    }

    let (tsv_s, tsv_peak, tsv_report) = load(&tsv);
    let (pq_s, pq_peak, pq_report) = load(&dir.join("parts"));
    for key in ["nodes", "edges", "components", "degree_max"] {
        assert_eq!(tsv_report[key], pq_report[key], "{key}: both files hold one graph");
    }
    let mb = |kb: Option<u64>| kb.map_or("n/a".to_owned(), |kb| format!("{:.0} MB", kb as f64 / 1e3));
    println!(
        "{edges} edges, {nodes} nodes: TSV ({:.0} MB) info {tsv_s:.2} s, peak {} (baseline); \
         Parquet, {PARTS} snappy parts ({:.0} MB) info {pq_s:.2} s ({:.2}x the TSV's time), peak {}",
        size_mb(&tsv),
        mb(tsv_peak),
        size_mb(&dir.join("parts")),
        pq_s / tsv_s,
        mb(pq_peak)
    );
    std::fs::remove_dir_all(&dir).ok();
}
