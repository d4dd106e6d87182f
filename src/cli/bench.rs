//! `netlens bench`: timings at scale against baselines measured in the same run.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;

use crate::bundle::BundleConfig;
use crate::embed;
use crate::export::video;
use crate::gpu::Gpu;
use crate::layout::{LayoutConfig, LayoutKind};
use crate::load::{self};
use crate::render::EdgeColoring;

use super::args::{parse_size, print_line};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Frame time offscreen and K-hop query time on laid-out meshes of growing size
    /// (10 edges a node), each beside a baseline: an empty frame ("x empty": frame time
    /// over it), every edge drawn as a line ("x lines": the lines' frame time over the
    /// frame's, whose edges are at the level auto picks), and the CPU's breadth-first
    /// search ("x cpu": GPU time over CPU time)
    Render(BenchRenderArgs),
    /// Recording speed: the bundled Cora's automatic tour recorded to MP4, with the time to
    /// draw and read back a frame and to encode it, and the speed against real time (video
    /// seconds over seconds spent; above 1 is faster than real time)
    Record(BenchRecordArgs),
    /// Projection of generated embeddings (20 clusters): PCA on the GPU against the CPU
    /// reference ("x cpu"), the exact k-nearest-neighbour search, and UMAP epochs on the
    /// GPU against one CPU epoch ("x cpu"), with the whole UMAP projection's time
    Project(BenchProjectArgs),
    /// Density edge bundling on laid-out meshes of growing size (10 edges a node): the
    /// whole GPU run, one GPU iteration against one iteration of the CPU reference ("x
    /// cpu"), the covered pixels kept, and a frame drawn bundled against straight
    Bundle(BenchBundleArgs),
    /// Everything at the scale of netlens's goals, as one table: force layout, a frame,
    /// a K-hop query, edge bundling, UMAP and recording, each against its baseline from
    /// the same run (a CPU reference, every edge drawn as a line, real time). The
    /// defaults (1M nodes, 10M edges) are sized for a GPU: on a software adapter try
    /// --edges 1000000
    All(BenchAllArgs),
}

#[derive(Debug, clap::Args)]
pub struct BenchAllArgs {
    /// Edges of the generated graph (a tenth as many nodes); bundling takes at most
    /// 20M, and the projection as many rows as there are nodes
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1000..=200_000_000))]
    edges: u64,
    /// Frame size in pixels, WIDTHxHEIGHT (even, for the recording)
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Print one JSON object with every timing instead of the table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchBundleArgs {
    /// Edge counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    edges: Vec<usize>,
    /// Frame size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Print one JSON object per graph instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchProjectArgs {
    /// Row counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    rows: Vec<usize>,
    /// Dimensions of the generated embeddings
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=embed::MAX_DIMS as i64))]
    dims: u32,
    /// Print one JSON object per size instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchRecordArgs {
    /// Frame size in pixels, WIDTHxHEIGHT (even, for H.264)
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Frames a second
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=240))]
    fps: u32,
    /// Seconds of video
    #[arg(long, default_value_t = 4.0)]
    seconds: f32,
    /// Print one JSON object instead of a line
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchRenderArgs {
    /// Edge counts to time, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
    edges: Vec<usize>,
    /// Frame size in pixels, WIDTHxHEIGHT
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    size: (u32, u32),
    /// Most frames timed per graph (fewer when frames are slow); the median is reported
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..=1000))]
    frames: u32,
    /// Also write each graph's frame as a PNG into this folder (render-EDGES.png)
    #[arg(long, value_name = "DIR")]
    png: Option<std::path::PathBuf>,
    /// Print one JSON object per graph instead of a table
    #[arg(long)]
    json: bool,
}

fn bench_project(args: BenchProjectArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        print_line(format_args!(
            "netlens bench project on {} ({}), {} dimensions",
            report.name, report.backend, args.dims
        ))?;
        print_line(format_args!(
            "{:>9} {:>9} {:>8} {:>10} {:>9} {:>7} {:>9} {:>8} {:>9}",
            "rows", "pca ms", "x cpu", "knn ms", "fuzzy ms", "epochs", "epoch ms", "x cpu", "umap s"
        ))?;
    }
    for &rows in &args.rows {
        if !(32..=crate::graph::MAX_NODES as usize).contains(&rows) {
            bail!("--rows {rows}: from 32 to {} rows", crate::graph::MAX_NODES);
        }
        let t = crate::bench::project(&gpu, rows, args.dims as usize)?;
        if args.json {
            print_line(format_args!("{}", serde_json::to_string(&t)?))?;
        } else {
            print_line(format_args!(
                "{:>9} {:>9.1} {:>8.3} {:>10.1} {:>9.1} {:>7} {:>9.3} {:>8.3} {:>9.2}",
                t.rows,
                t.pca_gpu_ms,
                t.pca_gpu_ms / t.pca_cpu_ms,
                t.knn_gpu_ms,
                t.fuzzy_ms,
                t.epochs,
                t.epoch_gpu_ms,
                t.epoch_gpu_ms / t.epoch_cpu_ms,
                t.umap_total_ms / 1e3
            ))?;
        }
    }
    Ok(())
}

fn bench_record(args: BenchRecordArgs) -> Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0 && args.seconds <= 600.0) {
        bail!("--seconds must be more than 0 and at most 600, not {}", args.seconds);
    }
    let gpu = Gpu::headless()?;
    let result = record_timing(&gpu, &args)?;
    if args.json {
        print_line(format_args!("{result}"))?;
    } else {
        print_line(format_args!(
            "netlens bench record on {}: {} frames at {}x{} {} fps; draw+readback {:.2} ms/frame, encode {:.2} ms/frame; {:.2}x real time; {} bytes",
            result["adapter"].as_str().unwrap_or_default(),
            result["frames"],
            args.size.0,
            args.size.1,
            args.fps,
            result["render_ms_per_frame"].as_f64().unwrap_or_default(),
            result["encode_ms_per_frame"].as_f64().unwrap_or_default(),
            result["x_real_time"].as_f64().unwrap_or_default(),
            result["mp4_bytes"]
        ))?;
    }
    Ok(())
}

/// Records the bundled Cora's automatic tour as `args` say, to a temporary MP4, and
/// times it.
fn record_timing(gpu: &Gpu, args: &BenchRecordArgs) -> Result<serde_json::Value> {
    let loaded = load::bundled_cora();
    let path = std::env::temp_dir().join(format!("netlens-bench-record-{}.mp4", std::process::id()));
    let mut sink = video::sink::Sink::create(&path, args.size, args.fps, true)?;
    let options = video::Options {
        size: args.size,
        fps: args.fps,
        duration: Some(args.seconds),
        tour: None,
        title: ("cora".into(), None),
        is_model: false,
        bundle: BundleConfig::default(),
        bundled: false,
        edge_coloring: EdgeColoring::Nodes,
        edge_detail: crate::render::EdgeDetail::Auto,
        training: None,
    };
    let config = LayoutConfig { kind: LayoutKind::Force, ..LayoutConfig::default() };
    let report = video::record(gpu, &loaded.graph, &config, &options, &mut sink, |_, _, _| {})?;
    sink.finish()?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    let frames = report.frames as f64;
    let spent = (report.render + report.encode).as_secs_f64();
    Ok(json!({
        "size": format!("{}x{}", args.size.0, args.size.1),
        "fps": args.fps,
        "frames": report.frames,
        "render_ms_per_frame": report.render.as_secs_f64() * 1e3 / frames,
        "encode_ms_per_frame": report.encode.as_secs_f64() * 1e3 / frames,
        "x_real_time": report.duration as f64 / spent,
        "mp4_bytes": bytes,
        "adapter": gpu.report().name,
    }))
}

/// One row of `bench all`: what was timed, at what scale, and against what.
struct Row {
    task: &'static str,
    scale: String,
    measured: String,
    baseline: String,
    /// The measured time over the baseline's (below 1: faster).
    ratio: f64,
}

impl Row {
    /// A GPU run of `step`s timed whole and by one step, against one step of the CPU
    /// reference.
    fn steps(task: &'static str, scale: String, step: &str, whole_ms: f64, gpu_ms: f64, cpu_ms: f64) -> Row {
        Row {
            task,
            scale,
            measured: format!("{:.1} s whole, {gpu_ms:.1} ms an {step}", whole_ms / 1e3),
            baseline: format!("CPU {step} {cpu_ms:.1} ms"),
            ratio: gpu_ms / cpu_ms,
        }
    }
}

fn bench_all(args: BenchAllArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    let edges = args.edges as usize;
    let nodes = edges / crate::bench::EDGES_PER_NODE as usize;
    let started = std::time::Instant::now();
    let step = |k: u32, what: &str| {
        eprintln!("netlens bench all: [{k}/6] {what} ({:.0} s so far)", started.elapsed().as_secs_f64());
    };
    let count = |n: usize| match n {
        1_000_000.. => format!("{:.1}M", n as f64 / 1e6),
        1_000.. => format!("{:.0}k", n as f64 / 1e3),
        _ => n.to_string(),
    };
    let mut rows = Vec::new();

    step(1, &format!("force layout of {} nodes, {} edges", count(nodes), count(edges)));
    let layout = crate::bench::layout(&gpu, edges)?;
    rows.push(Row::steps(
        "force layout",
        format!("{} nodes, {} edges", count(layout.nodes as usize), count(layout.edges)),
        "iteration",
        layout.gpu_ms,
        layout.gpu_iteration_ms,
        layout.cpu_iteration_ms,
    ));

    step(2, "a frame and a K-hop query");
    let render = crate::bench::render(&gpu, edges, args.size, 5, None)?;
    let lines = render.lines_frame_ms;
    rows.push(Row {
        task: "frame",
        scale: format!("{} edges, {}x{}", count(render.edges), args.size.0, args.size.1),
        measured: format!("{:.1} ms ({})", render.frame_ms, render.edge_level),
        baseline: lines.map_or("every edge a line: not timed".into(), |ms| format!("every edge a line {ms:.1} ms")),
        ratio: lines.map_or(f64::NAN, |ms| render.frame_ms / ms),
    });
    rows.push(match &render.khop {
        Some(k) => Row {
            task: "K-hop",
            scale: format!("{} hops from {} seeds", crate::bench::BENCH_HOPS, crate::bench::BENCH_SEEDS),
            measured: format!("{:.1} ms, {} reached", k.gpu_ms, k.reached),
            baseline: format!("CPU BFS {:.1} ms", k.cpu_ms),
            ratio: k.gpu_ms / k.cpu_ms,
        },
        None => Row {
            task: "K-hop",
            scale: "-".into(),
            measured: "not run: the adjacency exceeds a buffer binding".into(),
            baseline: "-".into(),
            ratio: f64::NAN,
        },
    });

    let bundled_edges = edges.min(20_000_000);
    step(3, &format!("density bundling of {} edges", count(bundled_edges)));
    let bundle = crate::bench::bundle(&gpu, bundled_edges, args.size)?;
    rows.push(Row::steps(
        "bundling",
        format!("{} edges, {} cells", count(bundle.edges), bundle.cells),
        "iteration",
        bundle.gpu_ms,
        bundle.gpu_iteration_ms,
        bundle.cpu_iteration_ms,
    ));

    let rows_projected = nodes.clamp(32, crate::graph::MAX_NODES as usize);
    step(4, &format!("UMAP of {} rows x 64", count(rows_projected)));
    let project = crate::bench::project(&gpu, rows_projected, 64)?;
    rows.push(Row::steps(
        "UMAP",
        format!("{} rows x {}", count(project.rows), project.dims),
        "epoch",
        project.umap_total_ms,
        project.epoch_gpu_ms,
        project.epoch_cpu_ms,
    ));

    step(5, "recording Cora's tour");
    let size = (args.size.0 & !1, args.size.1 & !1);
    let record = record_timing(&gpu, &BenchRecordArgs { size, fps: 30, seconds: 4.0, json: true })?;
    let per_frame = record["render_ms_per_frame"].as_f64().unwrap_or(f64::NAN)
        + record["encode_ms_per_frame"].as_f64().unwrap_or(f64::NAN);
    rows.push(Row {
        task: "recording",
        scale: format!("{}x{} H.264, 30 fps", size.0, size.1),
        measured: format!("{per_frame:.1} ms a frame"),
        baseline: "real time 33.3 ms a frame".into(),
        ratio: per_frame / (1000.0 / 30.0),
    });
    step(6, "done");

    if args.json {
        let all = json!({
            "adapter": report.name,
            "backend": report.backend,
            "seconds": started.elapsed().as_secs_f64(),
            "layout": layout,
            "render": render,
            "bundle": bundle,
            "project": project,
            "record": record,
        });
        return print_line(format_args!("{all}"));
    }
    print_line(format_args!(
        "netlens bench all on {} ({}), {:.0} s; x baseline: time over the baseline's (below 1 is faster)",
        report.name,
        report.backend,
        started.elapsed().as_secs_f64()
    ))?;
    print_line(format_args!(
        "{:<13} {:<26} {:<38} {:<28} {:>10}",
        "task", "scale", "measured", "baseline", "x baseline"
    ))?;
    for row in rows {
        print_line(format_args!(
            "{:<13} {:<26} {:<38} {:<28} {:>10.3}",
            row.task, row.scale, row.measured, row.baseline, row.ratio
        ))?;
    }
    Ok(())
}

fn bench_bundle(args: BenchBundleArgs) -> Result<()> {
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        print_line(format_args!(
            "netlens bench bundle on {} ({}), {}x{}",
            report.name, report.backend, args.size.0, args.size.1
        ))?;
        print_line(format_args!(
            "{:>9} {:>8} {:>8} {:>10} {:>9} {:>9} {:>7} {:>7} {:>10} {:>9}",
            "edges", "nodes", "cells", "bundle ms", "iter ms", "cpu ms", "x cpu", "pixels", "frame ms", "x straight"
        ))?;
    }
    for &edges in &args.edges {
        if edges > 20_000_000 {
            bail!("--edges {edges}: at most 20000000 edges (5 GB of paths)");
        }
        let t = crate::bench::bundle(&gpu, edges, args.size)?;
        if args.json {
            print_line(format_args!("{}", serde_json::to_string(&t)?))?;
        } else {
            print_line(format_args!(
                "{:>9} {:>8} {:>8} {:>10.1} {:>9.2} {:>9.2} {:>7.3} {:>7.3} {:>10.2} {:>9.2}",
                t.edges,
                t.nodes,
                t.cells,
                t.gpu_ms,
                t.gpu_iteration_ms,
                t.cpu_iteration_ms,
                t.gpu_iteration_ms / t.cpu_iteration_ms,
                t.pixel_ratio,
                t.bundled_frame_ms,
                t.bundled_frame_ms / t.straight_frame_ms
            ))?;
        }
    }
    Ok(())
}

fn bench_render(args: BenchRenderArgs) -> Result<()> {
    if let Some(dir) = &args.png {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot make the folder", dir.display()))?;
    }
    let gpu = Gpu::headless()?;
    let report = gpu.report();
    if !args.json {
        print_line(format_args!(
            "netlens bench render on {} ({}), {}x{}",
            report.name, report.backend, args.size.0, args.size.1
        ))?;
        print_line(format_args!(
            "{:>10} {:>9} {:>8} {:>10} {:>9} {:>10} {:>8} {:>11} {:>9} {:>9} {:>11} {:>9} {:>10} {:>7}",
            "edges",
            "nodes",
            "level",
            "frame ms",
            "x empty",
            "lines ms",
            "x lines",
            "highlit ms",
            "reached",
            "khop ms",
            "cpu bfs ms",
            "x cpu",
            "labels ms",
            "labels"
        ))?;
    }
    for &edges in &args.edges {
        if edges > 200_000_000 {
            bail!("--edges {edges}: at most 200000000 edges (1.6 GB of edge list)");
        }
        let mut picture = Vec::new();
        let t = crate::bench::render(&gpu, edges, args.size, args.frames, args.png.as_ref().map(|_| &mut picture))?;
        if let Some(dir) = &args.png {
            let path = dir.join(format!("render-{edges}.png"));
            crate::export::write_png(&path, args.size, &picture)
                .with_context(|| format!("{}: cannot write the frame", path.display()))?;
        }
        let khop = t.khop.as_ref();
        if args.json {
            print_line(format_args!("{}", serde_json::to_string(&t)?))?;
        } else {
            print_line(format_args!(
                "{:>10} {:>9} {:>8} {:>10.2} {:>9.1} {:>10} {:>8} {:>11} {:>9} {:>9} {:>11} {:>9} {:>10} {:>7}",
                t.edges,
                t.nodes,
                t.edge_level,
                t.frame_ms,
                t.frame_ms / t.empty_frame_ms,
                t.lines_frame_ms.map_or("-".into(), |ms| format!("{ms:.2}")),
                t.lines_frame_ms.map_or("-".into(), |ms| format!("{:.1}", ms / t.frame_ms)),
                khop.map_or("-".into(), |k| format!("{:.2}", k.highlighted_frame_ms)),
                khop.map_or("-".into(), |k| k.reached.to_string()),
                khop.map_or("-".into(), |k| format!("{:.2}", k.gpu_ms)),
                khop.map_or("-".into(), |k| format!("{:.2}", k.cpu_ms)),
                khop.map_or("-".into(), |k| format!("{:.3}", k.gpu_ms / k.cpu_ms)),
                t.labels_ms.map_or("-".into(), |ms| format!("{ms:.2}")),
                t.labels_placed.map_or("-".into(), |n| n.to_string())
            ))?;
        }
    }
    Ok(())
}

/// Runs one benchmark.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Render(args) => bench_render(args),
        Command::Record(args) => bench_record(args),
        Command::Project(args) => bench_project(args),
        Command::Bundle(args) => bench_bundle(args),
        Command::All(args) => bench_all(args),
    }
}
