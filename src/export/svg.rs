//! 2D views as SVG: the same picture the GPU draws (edges under nodes, straight or
//! bundled, coloured alike, the K-hop highlight), as vector shapes for papers and slides.
//! Bundled paths become cubic Béziers (each Catmull-Rom span of the renderer, exactly);
//! shapes wholly outside the view are left out.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use glam::{Vec2, Vec3};

use crate::bundle::POINTS;
use crate::graph::Graph;
use crate::render::annotate::Annotations;
use crate::render::layer::{edge_opacity, expected_overdraw};
use crate::render::palette::{BACKGROUND, ramp};
use crate::render::{Camera, EdgeColoring, Style, edge_weights};
use crate::view::Drawing;

/// What an SVG shows: the parts of a scene, on the CPU.
pub struct SvgScene<'a> {
    pub graph: &'a Graph,
    /// `[x, y, z, _]` per node.
    pub positions: &'a [[f32; 4]],
    /// Packed RGBA8 per node ([`crate::render::palette::ColorBy::colors`]).
    pub colors: &'a [u32],
    /// Radius factor per node ([`crate::render::palette::SizeBy::sizes`]: negative for a
    /// collapsed group's box).
    pub sizes: &'a [f32],
    pub style: Style,
    /// Bundled paths, [`POINTS`] per edge; `None`: straight edges.
    pub paths: Option<&'a [[f32; 4]]>,
    /// Hops from the selection per node, and K: what lies further fades.
    pub highlight: Option<(&'a [u32], u32)>,
    /// Group boxes, labels and legend, placed for the picture.
    pub annotations: Option<&'a Annotations>,
}

impl<'a> SvgScene<'a> {
    /// What `drawing` of `graph` shows.
    pub fn of(graph: &'a Graph, drawing: &'a Drawing) -> SvgScene<'a> {
        SvgScene {
            graph,
            positions: &drawing.positions,
            colors: &drawing.colors,
            sizes: &drawing.sizes,
            style: drawing.style,
            paths: drawing.paths.as_deref(),
            highlight: drawing.hops.as_ref().map(|(hops, k)| (hops.as_slice(), *k)),
            annotations: None,
        }
    }
}

/// Writes `scene` seen by `camera` in a `size` picture to `path`.
pub fn write(path: &Path, scene: &SvgScene, camera: &Camera, size: (u32, u32)) -> std::io::Result<()> {
    super::write_with(path, |file| file.write_all(svg(scene, camera, size).as_bytes()))
}

fn hex(rgb: [f32; 3]) -> String {
    let [r, g, b] = rgb.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn unpack(color: u32) -> [f32; 3] {
    [0, 8, 16].map(|shift| ((color >> shift) & 0xff) as f32 / 255.0)
}

/// The direction hue of `direction_color` in edges.wgsl (`d` in pixels, y up).
fn direction_color(d: Vec2) -> [f32; 3] {
    let h = (d.y.atan2(d.x) / std::f32::consts::TAU + 1.0) * 6.0;
    [5.0, 3.0, 1.0].map(|k: f32| {
        let k = (k + h) % 6.0;
        1.0 - 0.75 * k.min(4.0 - k).clamp(0.0, 1.0)
    })
}

/// The SVG document.
pub fn svg(scene: &SvgScene, camera: &Camera, size: (u32, u32)) -> String {
    let viewport = Vec2::new(size.0 as f32, size.1 as f32);
    let at = |p: &[f32; 4]| camera.project(Vec3::new(p[0], p[1], p[2]), viewport);
    // Each node's place in the picture, projected once for its edges and its disc.
    let screen: Vec<Option<Vec2>> = scene.positions.iter().map(at).collect();
    let visible = |a: Vec2, b: Vec2| {
        let (lo, hi) = (a.min(b), a.max(b));
        hi.x >= 0.0 && hi.y >= 0.0 && lo.x <= viewport.x && lo.y <= viewport.y
    };
    let inside = |v: u32| scene.highlight.is_none_or(|(hops, k)| hops[v as usize] <= k);
    let mut doc = String::new();
    let (w, h) = size;
    let _ = writeln!(doc, r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#);
    let _ = writeln!(doc, r#"<rect width="{w}" height="{h}" fill="{}"/>"#, hex(BACKGROUND));
    let style = &scene.style;
    if let Some(annotations) = scene.annotations {
        doc.push_str(&annotations.svg_under());
    }
    let _ = writeln!(doc, r#"<g fill="none" stroke-width="{}" stroke-linecap="round">"#, style.edge_width_px);
    let n = POINTS as usize;
    let weights = (style.edge_coloring == EdgeColoring::Weight).then(|| edge_weights(scene.graph));
    // Each edge as opaque as the overdraw of this picture asks, so the mean covered
    // pixel has the opacity the GPU's edge layer gives it.
    let chords = scene
        .graph
        .src
        .iter()
        .zip(&scene.graph.dst)
        .filter_map(|(&a, &b)| Some((screen[a as usize]?, screen[b as usize]?)));
    let one_edge = edge_opacity(style.edge_alpha, expected_overdraw(chords, size));
    for (e, (&a, &b)) in scene.graph.src.iter().zip(&scene.graph.dst).enumerate() {
        let (Some(pa), Some(pb)) = (screen[a as usize], screen[b as usize]) else {
            continue;
        };
        let path: Option<Vec<Vec2>> =
            scene.paths.map(|paths| paths[e * n..(e + 1) * n].iter().filter_map(at).collect());
        let points = path.as_deref().filter(|p| p.len() == n);
        let (lo, hi) = match points {
            Some(p) => p.iter().fold((pa, pa), |(lo, hi), &q| (lo.min(q), hi.max(q))),
            None => (pa, pb),
        };
        if !visible(lo, hi) {
            continue;
        }
        let color = match style.edge_coloring {
            EdgeColoring::Nodes => {
                let (ca, cb) = (unpack(scene.colors[a as usize]), unpack(scene.colors[b as usize]));
                [0, 1, 2].map(|c| (ca[c] + cb[c]) * 0.5)
            }
            EdgeColoring::Direction => direction_color(Vec2::new(pb.x - pa.x, pa.y - pb.y)),
            EdgeColoring::Weight => ramp(weights.as_ref().map_or(1.0, |w| w[e])).map(|c| c as f32 / 255.0),
        };
        let opacity = match &weights {
            Some(w) => 0.04 + 0.96 * w[e],
            None => one_edge,
        };
        let chord = pa.distance(pb);
        let mut alpha = opacity * chord.clamp(0.25, 1.0);
        if scene.highlight.is_some() {
            alpha = if inside(a) && inside(b) { (alpha * 3.0).max(0.5) } else { alpha * 0.2 };
        }
        let alpha = alpha.min(1.0);
        let mut d = format!("M{:.1} {:.1}", pa.x, pa.y);
        match points {
            Some(p) => {
                // Catmull-Rom through p[j], as cubic Béziers span by span.
                for j in 0..n - 1 {
                    let (p0, p1, p2, p3) = (p[j.saturating_sub(1)], p[j], p[j + 1], p[(j + 2).min(n - 1)]);
                    let (c1, c2) = (p1 + (p2 - p0) / 6.0, p2 - (p3 - p1) / 6.0);
                    let _ = write!(d, "C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}", c1.x, c1.y, c2.x, c2.y, p2.x, p2.y);
                }
            }
            None => {
                let _ = write!(d, "L{:.1} {:.1}", pb.x, pb.y);
            }
        }
        let _ = writeln!(doc, r#"<path d="{d}" stroke="{}" stroke-opacity="{alpha:.3}"/>"#, hex(color));
    }
    let _ = writeln!(doc, "</g>");
    let _ = writeln!(doc, r#"<g stroke="{}" stroke-width="0.8">"#, hex(BACKGROUND));
    let focal = camera.focal_px(viewport);
    for v in 0..scene.graph.node_count() {
        let Some(p) = screen[v as usize] else { continue };
        let size = scene.sizes[v as usize];
        let r = (style.node_radius * focal).clamp(0.75, 24.0) * size.abs();
        if !visible(p - Vec2::splat(r), p + Vec2::splat(r)) {
            continue;
        }
        let mut color = unpack(scene.colors[v as usize]);
        if !inside(v) {
            color = [0, 1, 2].map(|c| color[c] * 0.2 + BACKGROUND[c] * 0.8);
        }
        let ring = match scene.highlight {
            Some((hops, _)) if hops[v as usize] == 0 => r##" stroke="#ffffff" stroke-width="2""##,
            _ => "",
        };
        if size < 0.0 {
            // A collapsed group: a box.
            let (x, y, side) = (p.x - r, p.y - r, 2.0 * r);
            let _ = writeln!(
                doc,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{side:.2}" height="{side:.2}" fill="{}"{ring}/>"#,
                hex(color)
            );
        } else {
            let _ =
                writeln!(doc, r#"<circle cx="{:.1}" cy="{:.1}" r="{r:.2}" fill="{}"{ring}/>"#, p.x, p.y, hex(color));
        }
    }
    let _ = writeln!(doc, "</g>");
    if let Some(annotations) = scene.annotations {
        doc.push_str(&annotations.svg_over());
    }
    let _ = writeln!(doc, "</svg>");
    doc
}
