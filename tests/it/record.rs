//! `netlens record`: short tours of the bundled Cora graph and a real ONNX model, recorded
//! to MP4 (decoded back with openh264), GIF (decoded with the gif crate) and PNG frames;
//! frame counts, sizes, motion along the path, identical files on a second run, tour
//! files with selections and captions, and clear errors for bad input.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn netlens(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netlens")).args(args).current_dir(dir).output().expect("netlens runs")
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn fails(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// The payload of the first box named `name` at or below this level (containers only
/// where `containers` lists them).
fn find_box<'a>(data: &'a [u8], path: &[&str]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let name = std::str::from_utf8(&data[at + 4..at + 8]).unwrap_or("");
        assert!(size >= 8 && at + size <= data.len(), "a well-formed box");
        let body = &data[at + 8..at + size];
        if name == path[0] {
            return if path.len() == 1 { Some(body) } else { find_box(body, &path[1..]) };
        }
        at += size;
    }
    None
}

/// An MP4's H.264 track decoded: (sample count, frames as RGB8, width, height).
fn decode_mp4(path: &Path) -> (usize, Vec<Vec<u8>>, usize, usize) {
    let data = std::fs::read(path).unwrap();
    let stbl = find_box(&data, &["moov", "trak", "mdia", "minf", "stbl"]).expect("a sample table");
    let stsz = find_box(stbl, &["stsz"]).expect("sample sizes");
    let samples = u32::from_be_bytes(stsz[8..12].try_into().unwrap()) as usize;
    let stsd = find_box(stbl, &["stsd"]).expect("sample descriptions");
    let avc1 = &stsd[8 + 8..]; // version+flags, entry count; then the avc1 entry's body
    let width = u16::from_be_bytes(avc1[24..26].try_into().unwrap()) as usize;
    let height = u16::from_be_bytes(avc1[26..28].try_into().unwrap()) as usize;
    let avcc = find_box(&avc1[78..], &["avcC"]).expect("avcC");
    // Annex B: the parameter sets, then every sample's length-prefixed NAL units.
    let mut stream = Vec::new();
    let sps_len = u16::from_be_bytes(avcc[6..8].try_into().unwrap()) as usize;
    let sps = &avcc[8..8 + sps_len];
    let pps_len = u16::from_be_bytes(avcc[9 + sps_len..11 + sps_len].try_into().unwrap()) as usize;
    let pps = &avcc[11 + sps_len..11 + sps_len + pps_len];
    for nal in [sps, pps] {
        stream.extend_from_slice(&[0, 0, 0, 1]);
        stream.extend_from_slice(nal);
    }
    let mdat = find_box(&data, &["mdat"]).expect("media data");
    let mut at = 0;
    while at + 4 <= mdat.len() {
        let len = u32::from_be_bytes(mdat[at..at + 4].try_into().unwrap()) as usize;
        stream.extend_from_slice(&[0, 0, 0, 1]);
        stream.extend_from_slice(&mdat[at + 4..at + 4 + len]);
        at += 4 + len;
    }
    let mut decoder = openh264::decoder::Decoder::new().expect("a decoder");
    let mut frames = Vec::new();
    for nal in openh264::nal_units(&stream) {
        if let Some(yuv) = decoder.decode(nal).expect("decodes") {
            let mut rgb = vec![0; width * height * 3];
            yuv.write_rgb8(&mut rgb);
            frames.push(rgb);
        }
    }
    for yuv in decoder.flush_remaining().expect("flushes") {
        let mut rgb = vec![0; width * height * 3];
        yuv.write_rgb8(&mut rgb);
        frames.push(rgb);
    }
    (samples, frames, width, height)
}

fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| (x as i32 - y as i32).unsigned_abs() as f64).sum::<f64>() / a.len() as f64
}

#[test]
fn records_cora_to_mp4_exactly_and_identically() {
    let dir = common::scratch("record-mp4");
    let args = ["record", "-o", "tour.mp4", "--size", "192x108", "--fps", "10", "--duration", "2.5"];
    let stderr = ok(&netlens(&dir, &args));
    assert!(stderr.contains("25 frames"), "{stderr}");
    let (samples, frames, width, height) = decode_mp4(&dir.join("tour.mp4"));
    assert_eq!((samples, frames.len(), width, height), (25, 25, 192, 108));
    // The automatic 2D tour: the whole graph, then a zoom to the best-connected node.
    let moved = mean_difference(&frames[0], &frames[15]);
    println!("mean pixel difference, frame 1 to 16: {moved:.2}");
    assert!(moved > 2.0, "the camera moves ({moved})");

    std::fs::rename(dir.join("tour.mp4"), dir.join("first.mp4")).unwrap();
    ok(&netlens(&dir, &args));
    assert!(
        std::fs::read(dir.join("first.mp4")).unwrap() == std::fs::read(dir.join("tour.mp4")).unwrap(),
        "two runs give the same file"
    );
    let stderr = fails(&netlens(&dir, &args));
    assert!(stderr.contains("tour.mp4 exists; pass --force"), "{stderr}");
    assert!(!dir.join("tour.mp4.partial").exists());
}

#[test]
fn records_a_model_tour_to_gif_and_frames() {
    let dir = common::scratch("record-gif");
    let model = common::repo_data("onnx/light_resnet50.onnx");
    let model = model.to_str().unwrap();
    ok(&netlens(&dir, &["record", model, "-o", "resnet.gif", "--size", "160x90", "--fps", "5", "--duration", "3"]));
    let mut decoder = gif::DecodeOptions::new();
    decoder.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = decoder.read_info(std::fs::File::open(dir.join("resnet.gif")).unwrap()).unwrap();
    assert_eq!((decoder.width(), decoder.height()), (160, 90));
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.delay, 20, "5 fps is 20 hundredths a frame");
        frames.push(frame.buffer.to_vec());
    }
    assert_eq!(frames.len(), 15);
    assert!(mean_difference(&frames[0], &frames[7]) > 2.0, "the camera flies along the model");

    ok(&netlens(&dir, &["record", model, "-o", "frames", "--size", "160x90", "--fps", "4", "--duration", "1"]));
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("frames")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let last = names.last().unwrap().file_name().unwrap().to_owned();
    assert_eq!((names.len(), last.to_str().unwrap()), (4, "frame-000004.png"));
    assert_eq!(image::open(&names[0]).unwrap().to_rgb8().dimensions(), (160, 90));
    let stderr = fails(&netlens(&dir, &["record", model, "-o", "frames", "--size", "160x90", "--duration", "1"]));
    assert!(stderr.contains("frames is not empty; pass --force"), "{stderr}");
}

const TOUR: &str = r#"
title = "Cora"
subtitle = "a citation graph"
duration = 4.0

[[key]]
t = 0.0
[[key]]
t = 3.0
look_at = "35"
zoom = 0.5
ease = "out"

[[at]]
t = 3.5
select = ["35"]
hops = 2
[[at]]
t = 3.5
caption = "Paper 35 and the papers within two citations"
"#;

/// Near-white pixels: the title and caption text and the selection's ring.
fn white(image: &image::RgbImage) -> usize {
    image.pixels().filter(|p| p.0.iter().all(|&c| c > 235)).count()
}

#[test]
fn a_tour_file_selects_and_captions() {
    let dir = common::scratch("record-tour");
    std::fs::write(dir.join("tour.toml"), TOUR).unwrap();
    ok(&netlens(&dir, &["record", "--tour", "tour.toml", "-o", "frames", "--size", "640x360", "--fps", "2"]));
    let frame = |i: u32| image::open(dir.join(format!("frames/frame-{i:06}.png"))).unwrap().to_rgb8();
    let count = std::fs::read_dir(dir.join("frames")).unwrap().count();
    assert_eq!(count, 8, "the file's duration: 4 s at 2 fps");
    // Frame 1 (0 s) has the title card, frame 7 (3 s) nothing over the graph, frame 8
    // (3.5 s) the caption and the selection's ring.
    let (title, plain, selected) = (white(&frame(1)), white(&frame(7)), white(&frame(8)));
    println!("white pixels: title card {title}, between {plain}, selection and caption {selected}");
    assert!(title > plain + 50, "the title card shows at the start");
    assert!(selected > plain + 100, "the selection's ring and the caption show at 3.5 s");
}

#[test]
fn a_tour_bundles_the_edges() {
    let dir = common::scratch("record-bundle");
    let tour = "[[key]]\nt = 0\n[[key]]\nt = 3\n[[at]]\nt = 1\nbundle = true\n";
    std::fs::write(dir.join("tour.toml"), tour).unwrap();
    let mlp = common::repo_data("onnx/digits_mlp.onnx");
    let args = ["record", mlp.to_str().unwrap(), "--level", "neurons", "--tour", "tour.toml", "-o", "frames"];
    ok(&netlens(&dir, &[&args[..], &["--size", "320x180", "--fps", "4"]].concat()));
    let frame = |i: u32| image::open(dir.join(format!("frames/frame-{i:06}.png"))).unwrap().to_rgb8().into_raw();
    // Straight until 1 s (frames 1-5), gliding for a second, bundled from 2 s (frame 9).
    let (before, during, after, last) = (frame(4), frame(7), frame(10), frame(12));
    let glide = mean_difference(&before, &during);
    let settled = mean_difference(&after, &last);
    println!("mean difference: straight to gliding {glide:.3}, bundled frames {settled:.3}");
    assert!(glide > 0.5, "the edges move into their bundles");
    assert!(settled < glide / 4.0, "and then stay");
}

#[test]
fn checkpoints_of_a_training_run_animate_the_weights() {
    let dir = common::scratch("record-training");
    let path = |f: &str| common::repo_data(&format!("onnx/{f}")).to_str().unwrap().to_owned();
    let (early, late, deeper) =
        (path("digits_mlp_early.onnx"), path("digits_mlp.onnx"), path("digits_mlp_deeper.onnx"));
    let tour = "[[key]]\nt = 0\n[[key]]\nt = 2\n";
    std::fs::write(dir.join("still.toml"), tour).unwrap();
    let args =
        ["record", &late, "--level", "neurons", "--checkpoints", &early, &late, "--tour", "still.toml", "-o", "frames"];
    ok(&netlens(&dir, &[&args[..], &["--size", "320x180", "--fps", "2"]].concat()));
    let frame = |i: u32| image::open(dir.join(format!("frames/frame-{i:06}.png"))).unwrap().to_rgb8().into_raw();
    let (first, second, last) = (frame(1), frame(2), frame(4));
    let (step, whole) = (mean_difference(&first, &second), mean_difference(&first, &last));
    println!("mean difference: first to second frame {step:.3}, first to last {whole:.3}");
    assert!(whole > 1.0 && whole > step, "the weights change from the early checkpoint to the late one");

    // --training-edges change: the first frame shows no change yet, the last the run's.
    let args = ["record", &late, "--level", "neurons", "--checkpoints", &early, &late, "--training-edges", "change"];
    let more = ["--tour", "still.toml", "-o", "change", "--size", "320x180", "--fps", "2"];
    ok(&netlens(&dir, &[&args[..], &more[..]].concat()));
    let changed = |i: u32| image::open(dir.join(format!("change/frame-{i:06}.png"))).unwrap().to_rgb8().into_raw();
    let (unmoved, moved) = (mean_difference(&changed(1), &first), mean_difference(&changed(1), &changed(4)));
    println!("change view: first frame against the weights view {unmoved:.3}, first to last {moved:.3}");
    assert!(unmoved > 0.5 && moved > 1.0, "edges start dark and light up as their weights move");

    let stderr = fails(&netlens(&dir, &["record", &late, "--checkpoints", &early, "-o", "x.mp4", "--size", "64x64"]));
    assert!(stderr.contains("checkpoints need --level neurons"), "{stderr}");
    let stderr = fails(&netlens(&dir, &["view", &late, "--checkpoints", &early]));
    assert!(stderr.contains("checkpoints need --level neurons"), "view checks them before the display: {stderr}");
    let args = ["record", &late, "--level", "neurons", "--checkpoints", &deeper, "-o", "x.mp4", "--size", "64x64"];
    let stderr = fails(&netlens(&dir, &args));
    assert!(
        stderr.contains("digits_mlp_deeper.onnx: has 330 nodes") && stderr.contains("share its architecture"),
        "{stderr}"
    );
    assert!(!dir.join("x.mp4").exists() && !dir.join("x.mp4.partial").exists());
}

#[test]
fn bad_tours_and_outputs_are_clear_errors() {
    let dir = common::scratch("record-errors");
    let cases = [
        ("[[key]]\nt = 0\nlook_at = \"no such paper\"\n", "key 1 (t = 0): no node is named 'no such paper'"),
        ("[[key]]\nt = 0\nyaw = 10\n", "yaw and pitch turn a 3D view"),
        ("[[key]]\nt = 0\neye = [1, 2, 3]\n", "eye places a 3D camera"),
        ("[[key]]\nt = 1\n[[key]]\nt = 1\n", "key 2: t = 1 is not after the key before it"),
        ("[[key]]\nt = 0\nspeed = 3\n", "unknown field `speed`"),
        ("[[key]]\nt = 1\n[[at]]\nt = 0\n", "at 1 (t = 0): nothing to do"),
        ("title = \"x\"\n", "a tour needs at least one [[key]]"),
        ("[[key]]\nt = 1\n[[at]]\nt = 0\ncollapse = 1\n", "the graph has no groups to collapse"),
        ("[[key]]\nt = 1\n[[at]]\nt = 0\nbundle = true\ncaption = \"x\"\n", "one action per [[at]]"),
    ];
    for (text, message) in cases {
        std::fs::write(dir.join("bad.toml"), text).unwrap();
        let stderr = fails(&netlens(&dir, &["record", "--tour", "bad.toml", "-o", "out.mp4", "--size", "64x64"]));
        assert!(stderr.contains("bad.toml") && stderr.contains(message), "{text:?}: {stderr}");
        assert!(!dir.join("out.mp4").exists() && !dir.join("out.mp4.partial").exists(), "no output is left");
    }
    let stderr = fails(&netlens(&dir, &["record", "-o", "out.mp4", "--size", "65x64"]));
    assert!(stderr.contains("H.264 needs an even width and height"), "{stderr}");
    let stderr = fails(&netlens(&dir, &["record", "-o", "out.avi"]));
    assert!(stderr.contains("cannot record .avi"), "{stderr}");
    let stderr = fails(&netlens(&dir, &["record", "--tour", "missing.toml", "-o", "out.mp4"]));
    assert!(stderr.contains("missing.toml: no such tour file"), "{stderr}");
}

#[test]
fn bench_record_reports_speed_against_real_time() {
    let dir = common::scratch("record-bench");
    let out = netlens(&dir, &["bench", "record", "--size", "64x64", "--fps", "10", "--seconds", "0.5", "--json"]);
    ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["frames"], 5);
    assert!(report["x_real_time"].as_f64().unwrap() > 0.0 && report["mp4_bytes"].as_u64().unwrap() > 0, "{report}");
}

#[test]
fn a_tour_collapses_a_model_and_expands_it_again() {
    let dir = common::scratch("record-collapse");
    let tour = "duration = 3.0\n[[key]]\nt = 0\n[[at]]\nt = 0.5\ncollapse = 1\n[[at]]\nt = 2.0\nexpand = true\n";
    std::fs::write(dir.join("collapse.toml"), tour).unwrap();
    let model = common::repo_data("gguf/tiny-llama.gguf");
    let args = [
        "record",
        model.to_str().unwrap(),
        "--tour",
        "collapse.toml",
        "-o",
        "frames",
        "--size",
        "320x180",
        "--fps",
        "5",
    ];
    ok(&netlens(&dir, &args));
    let frame = |i: u32| image::open(dir.join(format!("frames/frame-{i:06}.png"))).unwrap().to_rgb8();
    let background = netlens::render::palette::BACKGROUND.map(|c| (c * 255.0).round() as u8);
    let drawn = |image: &image::RgbImage| image.pixels().filter(|p| p.0 != background).count();
    // 0.5 s: the collapse starts; 0.8 s later the two decoder layers are one node each.
    let (whole, collapsed) = (drawn(&frame(1)), drawn(&frame(8)));
    println!("drawn pixels: whole {whole}, collapsed {collapsed}");
    assert!(collapsed * 10 < whole * 8, "collapsing leaves fewer nodes to draw");
    assert!(frame(1) == frame(15), "expanded again, the graph is as it was");
}
