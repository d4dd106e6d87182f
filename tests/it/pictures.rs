//! Pictures that explain themselves, read as a person reads them: Tesseract OCR
//! (`tesseract-ocr`, with ImageMagick to invert and enlarge the dark pictures) finds the
//! operator types, the legend and the group titles in PNGs, and in a model's tour its
//! title card and the names of what it shows; the SVG carries the same labels, boxes and legend as elements.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::{self, netlens};

/// The words Tesseract reads in a PNG (light text on dark: inverted and doubled first).
fn words(png: &Path) -> BTreeSet<String> {
    let prepared = png.with_extension("ocr.png");
    let status = Command::new("convert")
        .arg(png)
        .args(["-colorspace", "Gray", "-negate", "-resize", "200%"])
        .arg(&prepared)
        .status()
        .expect("ImageMagick's convert runs (apt-get install imagemagick)");
    assert!(status.success());
    let out = Command::new("tesseract")
        .arg(&prepared)
        .arg("stdout")
        .output()
        .expect("tesseract runs (apt-get install tesseract-ocr)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .split(|c: char| c.is_whitespace() || c == '·')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '.').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn render(model: &str, output: &str, extra: &[&str], dir: &Path) {
    let model = common::repo_data(model);
    let args = [&["render", model.to_str().unwrap(), "-o", output, "--size", "1600x900"][..], extra].concat();
    let out = netlens(&args, dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_cnn_picture_names_its_operators() {
    let dir = common::scratch("pictures-cnn");
    render("onnx/digits_cnn.onnx", "cnn.png", &[], &dir);
    let seen = words(&dir.join("cnn.png"));
    let types: Vec<&str> = ["Conv", "Relu", "Flatten", "Gemm"].into_iter().filter(|t| seen.contains(*t)).collect();
    assert!(types.len() >= 3, "operator types read: {types:?} of {seen:?}");
    // Without labels and legend the picture says nothing.
    render("onnx/digits_cnn.onnx", "bare.png", &["--labels-text", "none", "--legend", "none", "--no-boxes"], &dir);
    let bare = words(&dir.join("bare.png"));
    assert!(!["Conv", "Relu", "Flatten", "Gemm"].iter().any(|t| bare.contains(*t)), "{bare:?}");
}

#[test]
fn a_transformer_picture_has_its_legend_and_group_titles() {
    let dir = common::scratch("pictures-encoder");
    render("pt2/tiny_encoder.pt2", "encoder.png", &[], &dir);
    let seen = words(&dir.join("encoder.png"));
    // The legend lists the most frequent operators first: view 14, transpose 12, linear 9.
    for kind in ["view", "transpose", "linear"] {
        assert!(seen.contains(kind), "{kind} not read in {seen:?}");
    }
    assert!(
        ["encoder", "layers.0", "layers.1", "self_attn"].iter().any(|g| seen.contains(*g)),
        "no group title in {seen:?}"
    );
}

#[test]
fn the_svg_carries_the_labels_boxes_and_legend() {
    let dir = common::scratch("pictures-svg");
    render("pt2/tiny_encoder.pt2", "encoder.svg", &[], &dir);
    let svg = std::fs::read_to_string(dir.join("encoder.svg")).unwrap();
    let texts = |class: &str| -> Vec<String> {
        let marker = format!("<text class=\"{class}\"");
        svg.match_indices(&marker)
            .map(|(at, _)| {
                let rest = &svg[at..];
                let start = rest.find('>').unwrap() + 1;
                rest[start..start + rest[start..].find('<').unwrap()].to_owned()
            })
            .collect()
    };
    let legend = texts("legend-entry");
    assert_eq!(legend.first().map(String::as_str), Some("view  14"), "{legend:?}");
    assert!(texts("group-title").iter().any(|t| t == "encoder" || t == "self_attn"), "{:?}", texts("group-title"));
    assert!(texts("label").len() >= 10, "{:?}", texts("label"));
    assert!(svg.matches("<rect class=\"group\"").count() >= 3);
    // Boxes lie behind the nodes: they come before the first node.
    assert!(svg.find("<rect class=\"group\"").unwrap() < svg.find("<circle").unwrap());
}

#[test]
fn the_middle_of_a_model_tour_names_what_it_shows() {
    let dir = common::scratch("pictures-tour");
    let model = common::repo_data("pt2/tiny_encoder.pt2");
    let out = netlens(
        &["record", model.to_str().unwrap(), "-o", "frames", "--size", "960x540", "--fps", "2", "--duration", "8"],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen = words(&dir.join("frames/frame-000008.png"));
    let names = ["encoder", "layers.0", "layers.1", "self_attn", "linear", "transpose", "view", "dropout", "add"];
    assert!(names.iter().any(|n| seen.contains(*n)), "no group or operator name in {seen:?}");
    // The title card says what the model is.
    let title = words(&dir.join("frames/frame-000001.png"));
    for word in ["tiny_encoder", "20.4k", "parameters", "73", "operators"] {
        assert!(title.contains(word), "{word} not read on the title card: {title:?}");
    }
}
