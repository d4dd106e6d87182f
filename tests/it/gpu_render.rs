//! Tier 2: offscreen renders on the software adapter, checked by their properties.

use crate::common;

use netlens::geom::Dim;
use netlens::gpu::Gpu;
use netlens::layout::LayoutConfig;
use netlens::load;
use netlens::render::palette::{BACKGROUND, class_color};
use netlens::view::{Look, snapshot};

const SIZE: (u32, u32) = (640, 480);

fn cora_with_shared_labels() -> netlens::graph::Graph {
    let mut loaded = load::load_graph(&common::shared_data("cora/edges.tsv")).unwrap();
    load::attach_labels(&mut loaded.graph, &common::shared_data("cora/labels.npy")).unwrap();
    loaded.graph
}

fn pixels(rgba: &[u8]) -> impl Iterator<Item = (usize, [u8; 3])> + '_ {
    rgba.chunks_exact(4).enumerate().map(|(i, p)| (i, [p[0], p[1], p[2]]))
}

fn close(a: [u8; 3], b: [u8; 3], tolerance: i32) -> bool {
    a.iter().zip(&b).all(|(&x, &y)| (x as i32 - y as i32).abs() <= tolerance)
}

fn background() -> [u8; 3] {
    BACKGROUND.map(|c| (c * 255.0).round() as u8)
}

#[test]
fn cora_shows_seven_class_colours_spread_over_the_frame() {
    let gpu = Gpu::headless().unwrap();
    let graph = cora_with_shared_labels();
    let shot = snapshot(&gpu, &graph, &LayoutConfig::default(), SIZE, &Look::default(), |_, _, _| {}).unwrap();
    assert_eq!(shot.rgba.len(), (SIZE.0 * SIZE.1 * 4) as usize);

    // Every class colour is drawn: disc centres carry the exact palette colour (edges,
    // tone-mapped, never quite reach it), about a pixel for each of the smallest class's
    // 180 nodes.
    for class in 0..7 {
        let colour = class_color(class);
        let count = pixels(&shot.rgba).filter(|&(_, p)| close(p, colour, 2)).count();
        println!("class {class}: {count} pixels");
        assert!(count > 150, "class {class} ({colour:?}) covers only {count} pixels");
    }

    // Spread: drawn pixels reach across most of the frame, and most cells of a coarse
    // grid over the drawing hold some of them (no collapsed clump).
    let bg = background();
    let drawn: Vec<(u32, u32)> = pixels(&shot.rgba)
        .filter(|&(_, p)| !close(p, bg, 6))
        .map(|(i, _)| (i as u32 % SIZE.0, i as u32 / SIZE.0))
        .collect();
    let (x0, x1) = (drawn.iter().map(|p| p.0).min().unwrap(), drawn.iter().map(|p| p.0).max().unwrap());
    let (y0, y1) = (drawn.iter().map(|p| p.1).min().unwrap(), drawn.iter().map(|p| p.1).max().unwrap());
    println!("drawn box x {x0}..{x1}, y {y0}..{y1}");
    assert!(y1 - y0 > SIZE.1 * 8 / 10, "the layout fills the frame's height");
    let mut cells = [[false; 10]; 10];
    for &(x, y) in &drawn {
        if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
            cells[((y - y0) * 10 / (y1 - y0)) as usize][((x - x0) * 10 / (x1 - x0)) as usize] = true;
        }
    }
    let filled = cells.iter().flatten().filter(|&&c| c).count();
    println!("{filled} of 100 cells hold drawn pixels");
    assert!(filled >= 70, "nodes are spread out over the drawing ({filled}/100 cells)");

    // The nodes themselves are spread: few sit on top of each other (within a thousandth
    // of the layout's width).
    let (lo, hi) = shot.positions.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
    let unit = (hi - lo) / 1000.0;
    let mut sorted: Vec<(i64, i64)> =
        shot.positions.iter().map(|p| ((p[0] / unit) as i64, (p[1] / unit) as i64)).collect();
    sorted.sort_unstable();
    sorted.dedup();
    assert!(
        sorted.len() as f64 > 0.95 * graph.node_count() as f64,
        "{} distinct spots for {} nodes",
        sorted.len(),
        graph.node_count()
    );
}

#[test]
fn same_seed_same_pixels_other_seed_other_pixels() {
    let gpu = Gpu::headless().unwrap();
    let graph = load::bundled_cora().graph;
    let config = LayoutConfig { iterations: 60, ..Default::default() };
    let first = snapshot(&gpu, &graph, &config, SIZE, &Look::default(), |_, _, _| {}).unwrap();
    let second = snapshot(&gpu, &graph, &config, SIZE, &Look::default(), |_, _, _| {}).unwrap();
    assert!(first.rgba == second.rgba, "two runs with one seed differ");
    let other =
        snapshot(&gpu, &graph, &LayoutConfig { seed: 9, ..config }, SIZE, &Look::default(), |_, _, _| {}).unwrap();
    assert!(first.rgba != other.rgba, "another seed gives another layout");
}

#[test]
fn three_d_renders_shaded_spheres() {
    let gpu = Gpu::headless().unwrap();
    let graph = load::bundled_cora().graph;
    let config = LayoutConfig { dim: Dim::Three, iterations: 100, ..Default::default() };
    let shot = snapshot(&gpu, &graph, &config, SIZE, &Look::default(), |_, _, _| {}).unwrap();
    assert!(shot.positions.iter().any(|p| p[2] != 0.0), "3D layouts use depth");
    // Shading gives each class many tones, flat discs only a few.
    let mut tones: Vec<[u8; 3]> = pixels(&shot.rgba).map(|(_, p)| p).collect();
    tones.sort_unstable();
    tones.dedup();
    println!("{} distinct colours", tones.len());
    assert!(tones.len() > 2000, "sphere shading shows ({} colours)", tones.len());
}

#[test]
fn oversized_frames_are_refused_cleanly() {
    let gpu = Gpu::headless().unwrap();
    let graph = load::bundled_cora().graph;
    let error = snapshot(&gpu, &graph, &LayoutConfig::default(), (100_000, 10), &Look::default(), |_, _, _| {})
        .err()
        .expect("too large");
    assert!(error.to_string().contains("the frame"), "{error}");
}

#[test]
fn a_feature_map_is_drawn_on_its_node_row_zero_on_top() {
    use netlens::geom::Bounds;
    use netlens::render::Camera;
    use netlens::render::maps::{FeatureMaps, Map};
    use netlens::render::palette::ramp;
    let gpu = Gpu::headless().unwrap();
    let mut graph = netlens::graph::Graph::with_nodes(2, true);
    graph.push_edge(0, 1);
    let positions = [[0.0, 0.0, 0.0, 0.0], [4.0, 0.0, 0.0, 0.0]];
    // A 2 x 2 map on node 0: rows [0, 1] and [2, 3], coloured over 0..3.
    let values = [0.0, 1.0, 2.0, 3.0];
    let maps =
        FeatureMaps::new(&[Map { node: 0, height: 2, width: 2, values: &values, range: (0.0, 3.0) }], 8192).unwrap();
    let look = Look { feature_maps: Some(&maps), ..Look::default() };
    let bounds = Bounds::of(&positions);
    let rgba =
        netlens::view::picture(&gpu, &graph, &positions, &bounds, netlens::geom::Dim::Two, SIZE, &look, |_, _| {})
            .unwrap();
    // The square's side is 0.9 of the gap to the nearest map, and node 0 has none: it
    // takes 0.9 world units. Its quadrants' centres sit a quarter of that from the node.
    let viewport = glam::Vec2::new(SIZE.0 as f32, SIZE.1 as f32);
    let camera = Camera::fit(&bounds, Dim::Two, viewport);
    let at = |x: f32, y: f32| {
        let p = camera.project(glam::Vec3::new(x, y, 0.0), viewport).unwrap();
        let i = (p.y.round() as usize * SIZE.0 as usize + p.x.round() as usize) * 4;
        [rgba[i], rgba[i + 1], rgba[i + 2]]
    };
    let q = 0.9 / 4.0;
    assert_eq!(at(-q, q), ramp(0.0), "row 0, column 0: top left");
    assert_eq!(at(q, q), ramp(1.0 / 3.0), "row 0, column 1: top right");
    assert_eq!(at(-q, -q), ramp(2.0 / 3.0), "row 1, column 0: bottom left");
    assert_eq!(at(q, -q), ramp(1.0), "row 1, column 1: bottom right");
    // Node 1 has no map: its disc is drawn as usual.
    assert_ne!(at(4.0, 0.0), background());
}

/// Shares of a picture: of its drawn pixels, those that are edges no node covers, and the
/// drawn pixels themselves (nodes included), for `graph` laid out as `render` lays it out,
/// straight and bundled.
fn coverage(gpu: &Gpu, graph: &netlens::graph::Graph) -> (f64, usize, usize) {
    let size = (600, 500);
    let config = LayoutConfig::default();
    let straight = snapshot(gpu, graph, &config, size, &Look::default(), |_, _, _| {}).unwrap();
    let bounds = netlens::geom::Bounds::of(&straight.positions);
    let nodes_only = netlens::view::picture(
        gpu,
        &graph.without_edges(),
        &straight.positions,
        &bounds,
        Dim::Two,
        size,
        &Look::default(),
        |_, _| {},
    )
    .unwrap();
    let bundled_look = Look { bundle: Some(netlens::bundle::BundleConfig::default()), ..Look::default() };
    let bundled =
        netlens::view::picture(gpu, graph, &straight.positions, &bounds, Dim::Two, size, &bundled_look, |_, _| {})
            .unwrap();
    let bg = background();
    let drawn = |rgba: &[u8]| pixels(rgba).filter(|&(_, p)| !close(p, bg, 2)).count();
    let node_pixels: Vec<bool> = pixels(&nodes_only).map(|(_, p)| !close(p, bg, 2)).collect();
    let visible_edges = pixels(&straight.rgba).filter(|&(i, p)| !close(p, bg, 2) && !node_pixels[i]).count();
    let covered = drawn(&straight.rgba);
    (visible_edges as f64 / covered as f64, covered, drawn(&bundled))
}

/// Node size follows density (issue 22): on the dense Drosophila connectome and on Cora,
/// most drawn pixels are edges between the nodes, not discs over them (0.35 and 0.29 when
/// nodes were sized by the average spacing alone), and bundling gathers the connectome's
/// edges into a quarter less of the picture, nodes included (0.85 of it before).
#[test]
fn edges_show_between_nodes_and_bundles_gather_them() {
    let gpu = Gpu::headless().unwrap();
    let fly = load::load_graph(&common::repo_data("drosophila/left_edges.csv")).unwrap().graph;
    for (name, graph, least_visible) in [("connectome", &fly, 0.7), ("cora", &cora_with_shared_labels(), 0.5)] {
        let (visible, straight, bundled) = coverage(&gpu, graph);
        let ratio = bundled as f64 / straight as f64;
        println!(
            "{name}: {visible:.3} of the drawn pixels are edges no node covers; drawn {straight} straight, {bundled} bundled ({ratio:.3})"
        );
        assert!(visible >= least_visible, "{name}: only {visible:.3} of the picture shows edges");
        if name == "connectome" {
            assert!(ratio <= 0.75, "{name}: bundling covers {ratio:.3} of the straight picture");
        }
    }
}

/// Three bundles of parallel edges, 1, 10 and 100 deep, side by side: the middle pixel of
/// each (on the edges' shared line, away from the nodes) and its luminance.
fn bundle_depths(gpu: &Gpu, look: &Look) -> [f32; 3] {
    let mut graph = netlens::graph::Graph::with_nodes(6, false);
    let depths = [1u32, 10, 100];
    for (b, &depth) in depths.iter().enumerate() {
        for _ in 0..depth {
            graph.push_edge(2 * b as u32, 2 * b as u32 + 1);
        }
    }
    // Nodes at y = 0, 1, 2 (bundles), x = 0 and 10.
    let positions: Vec<[f32; 4]> = (0..6).map(|v| [10.0 * (v % 2) as f32, (v / 2) as f32, 0.0, 0.0]).collect();
    let bounds = netlens::geom::Bounds::of(&positions);
    let size = (300, 200);
    let rgba = netlens::view::picture(gpu, &graph, &positions, &bounds, Dim::Two, size, look, |_, _| {}).unwrap();
    let camera = netlens::render::Camera::fit(&bounds, Dim::Two, glam::Vec2::new(size.0 as f32, size.1 as f32));
    [0, 1, 2].map(|b| {
        // The brightest pixel across the bundle's line at its middle (anti-aliasing spreads
        // a line over two rows).
        let at =
            camera.project(glam::Vec3::new(5.0, b as f32, 0.0), glam::Vec2::new(size.0 as f32, size.1 as f32)).unwrap();
        (at.y as i32 - 2..=at.y as i32 + 2)
            .map(|y| {
                let i = 4 * (y as usize * size.0 as usize + at.x as usize);
                rgba[i..i + 3].iter().map(|&c| c as f32).sum::<f32>() / 3.0
            })
            .fold(0.0, f32::max)
    })
}

/// Edges add up and are tone-mapped (issue 22): a pixel crossed by 100 edges is brighter
/// than one crossed by 10, which is brighter than one crossed by one, and none is
/// saturated to the edges' full colour; the density level keeps that order.
#[test]
fn crowded_pixels_stay_brighter_never_saturated() {
    let gpu = Gpu::headless().unwrap();
    let bg = background().map(f32::from).iter().sum::<f32>() / 3.0;
    let full = netlens::render::palette::DEFAULT_NODE.map(f32::from).iter().sum::<f32>() / 3.0;
    for detail in [netlens::render::EdgeDetail::Lines, netlens::render::EdgeDetail::Density] {
        let look = Look { edge_detail: detail, ..Look::default() };
        let [one, ten, hundred] = bundle_depths(&gpu, &look);
        println!(
            "{detail:?}: background {bg:.1}, 1 edge {one:.1}, 10 edges {ten:.1}, 100 edges {hundred:.1}, full {full:.1}"
        );
        assert!(bg + 3.0 < one && one + 10.0 < ten && ten + 10.0 < hundred, "{detail:?}: denser is brighter");
        assert!(hundred < full - 2.0, "{detail:?}: 100 edges do not saturate");
    }
}

/// The density level shows what the lines show (issue 22): on the connectome at a size
/// where its edges outnumber the pixels they cover, the two pictures cover the same
/// pixels, and bright where the other is bright.
#[test]
fn the_density_level_shows_what_lines_show() {
    let gpu = Gpu::headless().unwrap();
    let fly = load::load_graph(&common::repo_data("drosophila/left_edges.csv")).unwrap().graph;
    let size = (160, 120);
    let lines = Look { edge_detail: netlens::render::EdgeDetail::Lines, ..Look::default() };
    let shot = snapshot(&gpu, &fly, &LayoutConfig::default(), size, &lines, |_, _, _| {}).unwrap();
    let bounds = netlens::geom::Bounds::of(&shot.positions);
    let density = Look { edge_detail: netlens::render::EdgeDetail::Density, ..Look::default() };
    let dense =
        netlens::view::picture(&gpu, &fly, &shot.positions, &bounds, Dim::Two, size, &density, |_, _| {}).unwrap();
    let luminance = |rgba: &[u8]| -> Vec<f32> {
        pixels(rgba).map(|(_, p)| p.iter().map(|&c| c as f32).sum::<f32>() / 3.0).collect()
    };
    let (a, b) = (luminance(&shot.rgba), luminance(&dense));
    let bg = background().map(f32::from).iter().sum::<f32>() / 3.0;
    let drawn = |l: &[f32]| l.iter().map(|&x| x > bg + 3.0).collect::<Vec<bool>>();
    let (da, db) = (drawn(&a), drawn(&b));
    let both = da.iter().zip(&db).filter(|(x, y)| **x && **y).count() as f64;
    let either = da.iter().zip(&db).filter(|(x, y)| **x || **y).count() as f64;
    let mean = |l: &[f32]| l.iter().sum::<f32>() / l.len() as f32;
    let (ma, mb) = (mean(&a), mean(&b));
    let covariance: f32 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let spread = |l: &[f32], m: f32| l.iter().map(|x| (x - m).powi(2)).sum::<f32>().sqrt();
    let correlation = covariance / (spread(&a, ma) * spread(&b, mb));
    println!("lines and density: {:.3} of drawn pixels in both; luminance correlation {correlation:.3}", both / either);
    assert!(both / either > 0.8, "the two levels cover the same pixels");
    assert!(correlation > 0.85, "bright where the other is bright");
}
