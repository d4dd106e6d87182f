//! The `netlens` binary as a user runs it: outputs, exit codes and one-line errors.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

fn netlens(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(args)
        .current_dir(dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("netlens runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// netlens's own error line (Mesa may print unrelated noise on stderr too).
fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("netlens:")).collect();
    assert_eq!(lines.len(), 1, "one error line expected, got: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout(out)).expect("one JSON object")
}

#[test]
fn info_json_on_real_graphs() {
    let dir = common::scratch("info");
    let cora = common::shared_data("cora/edges.tsv");
    let v = json(&netlens(&["info", "--json", cora.to_str().unwrap()], &dir));
    assert_eq!(
        (v["format"].as_str(), v["nodes"].as_u64(), v["edges"].as_u64()),
        (Some("edgelist"), Some(2708), Some(5278))
    );
    assert_eq!((v["components"].as_u64(), v["degree_max"].as_u64()), (Some(78), Some(168)));

    let citeseer = common::shared_data("citeseer/edges.tsv");
    let v = json(&netlens(&["info", "--json", "--undirected", citeseer.to_str().unwrap()], &dir));
    assert_eq!(
        (v["nodes"].as_u64(), v["edges"].as_u64(), v["directed"].as_bool()),
        (Some(3327), Some(4552), Some(false))
    );

    let bundled = json(&netlens(&["info", "--json"], &dir));
    assert_eq!((bundled["nodes"].as_u64(), bundled["classes"].as_u64()), (Some(2708), Some(7)));

    let text = stdout(&netlens(&["info", cora.to_str().unwrap()], &dir));
    assert!(text.contains("nodes       2708") && text.contains("components  78"), "{text}");
}

#[test]
fn info_gpu_names_the_adapter_and_limits() {
    let dir = common::scratch("gpu");
    let v = json(&netlens(&["info", "--gpu", "--json"], &dir));
    assert!(v["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(v["max_storage_buffer_binding_size"].as_u64().unwrap() >= 128 << 20);
    let text = stdout(&netlens(&["info", "--gpu"], &dir));
    assert!(text.contains("max storage buffer binding"), "{text}");
}

#[test]
fn string_ids_csv_with_header_and_weights() {
    let dir = common::scratch("csv");
    std::fs::write(
        dir.join("syn.csv"),
        "pre, post, weight, type\n AVAL, AVAR, 12, chem\nAVAR,DVA,3,gap\nDVA,AVAL,1,chem\n",
    )
    .unwrap();
    let v = json(&netlens(&["info", "--json", "syn.csv"], &dir));
    assert_eq!(
        (v["nodes"].as_u64(), v["edges"].as_u64(), v["weighted"].as_bool(), v["named_nodes"].as_bool()),
        (Some(3), Some(3), Some(true), Some(true))
    );
}

#[test]
fn matrix_market_files() {
    let dir = common::scratch("mtx");
    std::fs::write(
        dir.join("g.mtx"),
        "%%MatrixMarket matrix coordinate real symmetric\n% a comment\n4 4 3\n2 1 1.5\n3 2 2\n4 1 0.5\n",
    )
    .unwrap();
    let v = json(&netlens(&["info", "--json", "g.mtx"], &dir));
    assert_eq!(
        (v["format"].as_str(), v["nodes"].as_u64(), v["edges"].as_u64(), v["directed"].as_bool()),
        (Some("mtx"), Some(4), Some(3), Some(false))
    );
}

#[test]
fn malformed_inputs_get_one_line_naming_file_and_line() {
    let dir = common::scratch("bad");
    std::fs::write(dir.join("bad.tsv"), "# edges\n0\t1\n1\t2\n2\toops\n").unwrap();
    std::fs::write(dir.join("bad.mtx"), "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n9 1\n").unwrap();
    std::fs::write(dir.join("short.mtx"), "%%MatrixMarket matrix coordinate pattern general\n3 3 5\n1 2\n").unwrap();
    std::fs::write(dir.join("binary.txt"), [0xff, 0xfe, 0x00, 0x41, 0x0a]).unwrap();
    let cases = [
        ("bad.tsv", "bad.tsv:4: 'oops' is not an integer node id"),
        ("bad.mtx", "bad.mtx:4: row index '9' is not in 1..=3"),
        ("short.mtx", "short.mtx: declares 5 entries but holds 1"),
        ("binary.txt", "binary.txt:1: not UTF-8 text"),
        ("missing.tsv", "missing.tsv: No such file or directory"),
    ];
    for (file, expected) in cases {
        for command in ["info", "render"] {
            let args: Vec<&str> =
                if command == "info" { vec!["info", file] } else { vec!["render", file, "-o", "x.png"] };
            let out = netlens(&args, &dir);
            assert_eq!(out.status.code(), Some(1), "{command} {file}");
            let line = error_line(&out);
            assert!(line.contains(expected), "{command} {file}: {line}");
        }
    }
    assert!(!dir.join("x.png").exists(), "no output for bad input");
}

#[test]
fn node_arrays_must_match_the_graph() {
    let dir = common::scratch("rows");
    std::fs::write(dir.join("named.csv"), "a,b\nb,c\n").unwrap();
    let labels = common::shared_data("cora/labels.npy");
    let out = netlens(&["render", "named.csv", "--labels", labels.to_str().unwrap(), "-o", "x.png"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&out).contains("labels.npy: has 2708 rows but the graph has 3 nodes"), "{}", error_line(&out));
    let out = netlens(&["render", "named.csv", "--node-data", "oops", "-o", "x.png"], &dir);
    assert!(error_line(&out).contains("should be NAME=FILE.npy"));
}

#[test]
fn render_writes_identical_pngs_and_never_overwrites_unasked() {
    let dir = common::scratch("render");
    let cora = common::shared_data("cora/edges.tsv");
    let labels = common::shared_data("cora/labels.npy");
    let render = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "render",
            cora.to_str().unwrap(),
            "--labels",
            labels.to_str().unwrap(),
            "--size",
            "320x240",
            "--iterations",
            "60",
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        netlens(&args, &dir)
    };
    assert!(render("a.png", &[]).status.success());
    assert!(render("b.png", &[]).status.success());
    let (a, b) = (std::fs::read(dir.join("a.png")).unwrap(), std::fs::read(dir.join("b.png")).unwrap());
    assert!(a == b, "same seed, same bytes");
    let decoded = image::load_from_memory(&a).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 240));

    let refused = render("a.png", &["--seed", "5"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(error_line(&refused).contains("a.png exists; pass --force"));
    assert!(std::fs::read(dir.join("a.png")).unwrap() == a, "the file is untouched");
    assert!(render("a.png", &["--seed", "5", "--force"]).status.success());
    assert!(std::fs::read(dir.join("a.png")).unwrap() != a);

    let wrong = render("a.jpg", &[]);
    assert!(error_line(&wrong).contains("must be a .png"));
    let bad_size = netlens(&["render", "-o", "c.png", "--size", "big"], &dir);
    assert_eq!(bad_size.status.code(), Some(2), "clap's usage error");
}

#[test]
fn view_without_a_display_writes_a_png_beside_existing_ones() {
    let dir = common::scratch("view");
    std::fs::write(dir.join("netlens-view.png"), b"the user's file").unwrap();
    let out = netlens(&["view", "--size", "200x150", "--iterations", "20"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(dir.join("netlens-view.png")).unwrap(), b"the user's file");
    assert!(image::open(dir.join("netlens-view-2.png")).is_ok());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote netlens-view-2.png instead"));
}

#[test]
fn help_teaches() {
    let dir = common::scratch("help");
    let text = stdout(&netlens(&["--help"], &dir));
    assert!(text.contains("Examples:") && text.contains("netlens render"), "{text}");
    let text = stdout(&netlens(&["view", "--help"], &dir));
    assert!(text.contains("Esc quits"), "{text}");
}

#[test]
fn layout_writes_positions_and_measures_them() {
    let dir = common::scratch("layout");
    let cora = common::shared_data("cora/edges.tsv");
    let out = netlens(
        &["layout", cora.to_str().unwrap(), "--iterations", "60", "-o", "pos.npy", "--metrics", "--json"],
        &dir,
    );
    let v = json(&out);
    assert_eq!((v["nodes"].as_u64(), v["layout"].as_str(), v["dim"].as_u64()), (Some(2708), Some("force"), Some(2)));
    let stress = v["stress"].as_f64().unwrap();
    let neighbourhood = v["neighbourhood"].as_f64().unwrap();
    assert!(stress > 0.0 && (0.0..=1.0).contains(&neighbourhood), "{v}");
    let npy = npyz::NpyFile::new(std::fs::File::open(dir.join("pos.npy")).unwrap()).unwrap();
    assert_eq!(npy.shape(), &[2708, 2]);
    let values: Vec<f32> = npy.into_vec().unwrap();
    assert!(values.iter().all(|v| v.is_finite()) && values.iter().any(|&v| v != 0.0));

    let refused = netlens(&["layout", cora.to_str().unwrap(), "-o", "pos.npy"], &dir);
    assert!(error_line(&refused).contains("pos.npy exists; pass --force"));
    let model = common::repo_data("onnx/light_resnet50.onnx");
    let v = json(&netlens(&["layout", model.to_str().unwrap(), "--metrics", "--json", "--dim", "3"], &dir));
    assert_eq!((v["layout"].as_str(), v["dim"].as_u64()), (Some("layered"), Some(3)));
    assert!(v["crossings"].as_u64().is_some(), "{v}");
    assert!(error_line(&netlens(&["layout"], &dir)).contains("nothing to do"));
}

#[test]
fn layout_bundles_writes_paths_and_measures_ink() {
    let dir = common::scratch("bundle-cli");
    let mlp = common::repo_data("onnx/digits_mlp.onnx");
    let mlp = mlp.to_str().unwrap();
    let args = ["layout", mlp, "--level", "neurons", "--bundle", "--paths", "paths.npy", "--metrics", "--json"];
    let v = json(&netlens(&args, &dir));
    assert_eq!((v["bundle"].as_str(), v["edges"].as_u64()), (Some("density"), Some(6560)), "{v}");
    let (pixels, distortion) = (v["pixel_ratio"].as_f64().unwrap(), v["distortion"].as_f64().unwrap());
    assert!(pixels < 0.75 && (1.0..1.5).contains(&distortion), "{v}");
    assert!(v["ink_bundled"].as_f64().unwrap() > 0.0 && v["pixels_straight"].as_u64().unwrap() > 0, "{v}");
    let npy = npyz::NpyFile::new(std::fs::File::open(dir.join("paths.npy")).unwrap()).unwrap();
    assert_eq!(npy.shape(), &[6560, 16, 2]);
    let values: Vec<f32> = npy.into_vec().unwrap();
    assert!(values.iter().all(|v| v.is_finite()));
    let v =
        json(&netlens(&["layout", mlp, "--level", "neurons", "--bundle", "hierarchy", "--metrics", "--json"], &dir));
    assert_eq!(v["bundle"].as_str(), Some("hierarchy"), "{v}");
    assert!(v["pixel_ratio"].as_f64().unwrap() < 0.75, "{v}");

    // Bundled and straight pictures differ; the bad options are one-line errors.
    assert!(
        netlens(&["render", mlp, "--level", "neurons", "-o", "straight.png", "--size", "320x200"], &dir)
            .status
            .success()
    );
    let bundled = ["render", mlp, "--level", "neurons", "--bundle", "--edge-color", "direction", "-o", "bundled.png"];
    let out = netlens(&[&bundled[..], &["--size", "320x200"]].concat(), &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundled and drawn in"));
    assert_ne!(std::fs::read(dir.join("straight.png")).unwrap(), std::fs::read(dir.join("bundled.png")).unwrap());
    let out = netlens(&["layout", mlp, "--paths", "p.npy"], &dir);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--bundle"));
    let out = netlens(&["render", "--bundle", "--bundle-strength", "9", "-o", "x.png"], &dir);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the strength is a number from 0 to 4"));
    assert!(error_line(&netlens(&["layout", mlp, "--bundle", "--paths", "paths.npy"], &dir)).contains("exists"));
}

#[test]
fn render_writes_svg_for_2d_views() {
    let dir = common::scratch("svg");
    let out = netlens(&["render", "--select", "35", "--hops", "2", "-o", "cora.svg", "--size", "800x600"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("cora.svg")).unwrap();
    assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"600\""));
    assert!(text.trim_end().ends_with("</svg>"));
    // The nodes: circles before the legend's swatches.
    let drawing = text.split("<g class=\"legend\">").next().unwrap();
    let circles = drawing.matches("<circle ").count();
    let paths = text.matches("<path ").count();
    println!("cora.svg: {circles} circles, {paths} paths, {} bytes", text.len());
    assert!(circles > 2600 && circles <= 2708, "nodes in view: {circles}");
    assert!(paths > 5000 && paths <= 5278, "edges in view: {paths}");
    assert!(text.contains(r##"stroke="#ffffff""##), "the selected node has its ring");
    let out = netlens(&["render", "--bundle", "-o", "bundled.svg", "--size", "800x600"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bundled = std::fs::read_to_string(dir.join("bundled.svg")).unwrap();
    assert_eq!(bundled.matches("<path d=\"M").count(), bundled.matches("C").count() / 15, "15 Bézier spans an edge");
    // Collapsed groups are boxes in SVG as in PNG: the digits MLP's six top groups.
    let model = common::repo_data("onnx/digits_mlp.onnx");
    let args = [
        &["render", model.to_str().unwrap(), "--level", "neurons", "--collapse", "0", "-o", "groups.svg"][..],
        &["--labels-text", "none", "--legend", "none", "--no-boxes"],
    ]
    .concat();
    let out = netlens(&args, &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let groups = std::fs::read_to_string(dir.join("groups.svg")).unwrap();
    assert_eq!(groups.matches("<rect").count(), 1 + 6, "the background and a box a group");
    assert!(error_line(&netlens(&["render", "--dim", "3", "-o", "x.svg"], &dir)).contains("SVG shows 2D layouts"));
    assert!(error_line(&netlens(&["render", "-o", "x.jpg"], &dir)).contains("must be a .png or .svg file"));
    assert!(error_line(&netlens(&["render", "-o", "cora.svg"], &dir)).contains("exists; pass --force"));
}

#[test]
fn neuron_clusters_aggregate_each_layer() {
    let dir = common::scratch("clusters");
    let mlp = common::repo_data("onnx/digits_mlp.onnx");
    let args = ["info", mlp.to_str().unwrap(), "--level", "neurons", "--clusters", "6", "--json"];
    let v = json(&netlens(&args, &dir));
    // Six layers (pixels, fc1, relu1, fc2, relu2, fc3), each of more than 6 neurons.
    assert_eq!(v["nodes"].as_u64(), Some(36), "{v}");
    let again = json(&netlens(&args, &dir));
    assert_eq!(v["edges"], again["edges"], "the same seed, the same clusters");
    let out = netlens(
        &[
            "render",
            mlp.to_str().unwrap(),
            "--level",
            "neurons",
            "--clusters",
            "4",
            "--bundle",
            "-o",
            "c.png",
            "--size",
            "320x200",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn collapsing_groups_shows_blocks() {
    let dir = common::scratch("collapse");
    let model = common::repo_data("gguf/tiny-llama.gguf");
    let blocks = json(&netlens(&["info", "--json", "--collapse", "1", model.to_str().unwrap()], &dir));
    // tokens and embedding, blk.0, blk.1, then the final norm, lm_head and output.
    assert_eq!((blocks["nodes"].as_u64(), blocks["edges"].as_u64()), (Some(7), Some(6)));
    let top = json(&netlens(&["info", "--json", "--collapse", "0", model.to_str().unwrap()], &dir));
    assert_eq!((top["nodes"].as_u64(), top["groups"].as_u64()), (Some(3), Some(0)));
    let out = netlens(&["info", "--collapse", "0"], &dir);
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no groups to collapse"));
}

/// A model with no layer readable as neurons must not pass as an empty graph: the neuron
/// level of a GGUF holding only quantised test tensors says so and exits non-zero, for
/// `info` and for the commands that draw.
#[test]
fn an_empty_neuron_level_is_an_error() {
    let dir = common::scratch("empty-neurons");
    let quants = common::repo_data("gguf/quants.gguf");
    for command in ["info", "render", "layout"] {
        let mut args = vec![command, "--level", "neurons", quants.to_str().unwrap()];
        if command != "info" {
            args.extend(["-o", if command == "render" { "out.png" } else { "out.npy" }]);
        }
        let out = netlens(&args, &dir);
        assert!(!out.status.success(), "{command}: exit code 0");
        let line = error_line(&out);
        assert!(line.contains("quants.gguf: 0 nodes at the neuron level"), "{command}: {line}");
        assert!(!dir.join("out.png").exists() && !dir.join("out.npy").exists());
    }
}

/// Without a display or a login session (no XDG_RUNTIME_DIR: SSH, containers), a render
/// that succeeds says nothing that looks like an error (Mesa's window-system probe did).
#[test]
fn a_headless_render_prints_no_error_lines() {
    let dir = common::scratch("headless-quiet");
    let out = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["render", "--size", "200x150", "--iterations", "20", "-o", "quiet.png"])
        .current_dir(&dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("netlens runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.lines().any(|l| l.trim_start().starts_with("error:") || l.contains("netlens: error")), "{stderr}");
    assert!(dir.join("quiet.png").exists());
}
