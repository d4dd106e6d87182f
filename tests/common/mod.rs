//! Helpers shared by the integration tests: paths to real data and small generated graphs.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use netlens::graph::Graph;

/// A file of the project's shared real data (`../shared/data` beside the checkout).
pub fn shared_data(relative: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(relative);
    assert!(path.exists(), "{} is missing: the tests read the shared real data sets", path.display());
    path
}

/// A file in this repository's data/ folder.
pub fn repo_data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(relative)
}

/// A connected random graph: a ring (so it is connected) plus `extra` seeded chords.
pub fn ring_with_chords(nodes: u32, extra: u32, seed: u64) -> Graph {
    let mut g = Graph::with_nodes(nodes, false);
    for v in 0..nodes {
        g.push_edge(v, (v + 1) % nodes);
    }
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    for _ in 0..extra {
        let (a, b) = (next() % nodes, next() % nodes);
        if a != b {
            g.push_edge(a, b);
        }
    }
    g
}

/// A scratch folder unique to one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netlens-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}
