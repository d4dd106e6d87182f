//! The layers of the crate (the table in `lib.rs`), and the test that keeps them true: it
//! reads every source file's `crate::` paths and fails on one that points to a module of
//! the same or a higher layer.

use std::path::Path;

/// Every top-level module with its layer; a module may use only modules of lower layers.
const LAYERS: &[(&str, u32)] = &[
    ("geom", 0),
    ("graph", 1),
    ("gpu", 2),
    ("load", 2),
    ("layout", 3),
    ("bundle", 3),
    ("khop", 3),
    ("embed", 3),
    ("render", 4),
    ("view", 5),
    ("analysis", 6),
    ("export", 7),
    ("app", 8),
    ("bench", 8),
    ("cli", 9),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(name, _)| *name == module).map(|&(_, layer)| layer)
}

/// The top-level modules a file's code names through `crate::`, comments left out.
fn uses(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            visit(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    visit(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut modules = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if ["lib", "main", "layering"].contains(&module) {
            continue;
        }
        modules += 1;
        let own = layer(module).unwrap_or_else(|| panic!("src/{module}: add it to LAYERS in layering.rs"));
        let source = std::fs::read_to_string(file).expect("a readable source file");
        for used in uses(&source) {
            if used == module {
                continue;
            }
            let theirs = layer(&used).unwrap_or_else(|| panic!("{}: crate::{used} is no module", file.display()));
            if theirs >= own {
                upward.push(format!("{} (layer {own}) uses crate::{used} (layer {theirs})", relative.display()));
            }
        }
    }
    assert!(modules > 50, "read {modules} files: the walk found the sources");
    upward.sort();
    upward.dedup();
    assert!(upward.is_empty(), "imports that point up or sideways:\n{}", upward.join("\n"));
}

#[test]
fn the_reader_finds_paths_in_code_and_skips_comments() {
    let source = "use crate::graph::Graph; // crate::app\nlet x = crate::geom::Bounds::of(&p);\n// crate::cli";
    assert_eq!(uses(source), ["graph", "geom"]);
}
