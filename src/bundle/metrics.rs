//! How much bundling tidies a drawing: ink (the drawn length of all edges, and the pixels
//! they cover in a 1024-pixel picture of the layout's x-y plane) before and after, and
//! distortion (each edge's path length over its straight length, averaged).

use serde::Serialize;

use crate::bundle::POINTS;
use crate::geom::Bounds;
use crate::graph::Graph;

/// Pixels along the longer side of the picture in which covered pixels are counted.
pub const PICTURE_PIXELS: u32 = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BundleMetrics {
    /// Total length of the straight edges, layout units.
    pub ink_straight: f64,
    /// Total length of the bundled paths.
    pub ink_bundled: f64,
    /// Pixels covered by one-pixel straight edges in the picture.
    pub pixels_straight: u64,
    /// Pixels covered by the bundled paths.
    pub pixels_bundled: u64,
    /// `pixels_bundled / pixels_straight`: below 1 is less clutter.
    pub pixel_ratio: f64,
    /// Mean over edges of path length over straight length (edges of length 0 left out).
    pub distortion: f64,
}

/// Measures `paths` ([`POINTS`] rows per edge) against `graph`'s straight edges, its nodes
/// at `positions`.
pub fn measure(graph: &Graph, positions: &[[f32; 4]], paths: &[[f32; 4]]) -> BundleMetrics {
    let n = POINTS as usize;
    let length =
        |a: [f32; 4], b: [f32; 4]| -> f64 { ((0..3).map(|c| ((b[c] - a[c]) as f64).powi(2)).sum::<f64>()).sqrt() };
    let mut straight_picture = Picture::new(positions);
    let mut bundled_picture = Picture::new(positions);
    let (mut ink_straight, mut ink_bundled, mut distortion, mut measured) = (0.0, 0.0, 0.0, 0usize);
    for (e, (&a, &b)) in graph.src.iter().zip(&graph.dst).enumerate() {
        let (a, b) = (positions[a as usize], positions[b as usize]);
        let path = &paths[e * n..(e + 1) * n];
        let straight = length(a, b);
        let bundled: f64 = path.windows(2).map(|w| length(w[0], w[1])).sum();
        ink_straight += straight;
        ink_bundled += bundled;
        if straight > 0.0 {
            distortion += bundled / straight;
            measured += 1;
        }
        straight_picture.line(a, b);
        path.windows(2).for_each(|w| bundled_picture.line(w[0], w[1]));
    }
    let (pixels_straight, pixels_bundled) = (straight_picture.covered(), bundled_picture.covered());
    BundleMetrics {
        ink_straight,
        ink_bundled,
        pixels_straight,
        pixels_bundled,
        pixel_ratio: pixels_bundled as f64 / pixels_straight.max(1) as f64,
        distortion: if measured > 0 { distortion / measured as f64 } else { 1.0 },
    }
}

/// A one-bit picture of the layout's x-y plane.
struct Picture {
    bits: Vec<u64>,
    width: usize,
    height: usize,
    min: [f32; 2],
    scale: f32,
}

impl Picture {
    fn new(positions: &[[f32; 4]]) -> Picture {
        let bounds = Bounds::of(positions);
        let size = bounds.size();
        let longest = size.x.max(size.y);
        let scale = if longest > 0.0 { (PICTURE_PIXELS - 1) as f32 / longest } else { 1.0 };
        let width = (size.x * scale).ceil() as usize + 1;
        let height = (size.y * scale).ceil() as usize + 1;
        Picture {
            bits: vec![0; (width * height).div_ceil(64)],
            width,
            height,
            min: [bounds.min.x, bounds.min.y],
            scale,
        }
    }

    fn pixel(&self, p: [f32; 4]) -> (f32, f32) {
        ((p[0] - self.min[0]) * self.scale, (p[1] - self.min[1]) * self.scale)
    }

    /// Sets the pixels a one-pixel line from `a` to `b` crosses (a DDA, one step a pixel).
    fn line(&mut self, a: [f32; 4], b: [f32; 4]) {
        let ((x0, y0), (x1, y1)) = (self.pixel(a), self.pixel(b));
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f32 / steps as f32;
            let x = (x0 + (x1 - x0) * t).round().clamp(0.0, (self.width - 1) as f32) as usize;
            let y = (y0 + (y1 - y0) * t).round().clamp(0.0, (self.height - 1) as f32) as usize;
            let i = y * self.width + x;
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    fn covered(&self) -> u64 {
        self.bits.iter().map(|w| w.count_ones() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_parallel_edges_merged_into_one_line_cover_half_the_pixels() {
        let mut graph = Graph::with_nodes(4, true);
        graph.push_edge(0, 1);
        graph.push_edge(2, 3);
        let positions = [[0.0, 0.0, 0.0, 0.0], [10.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [10.0, 2.0, 0.0, 0.0]];
        let n = POINTS as usize;
        let straight: Vec<[f32; 4]> = [(0, 1), (2, 3)]
            .iter()
            .flat_map(|&(a, b): &(usize, usize)| {
                (0..n).map(move |j| {
                    let t = j as f32 / (n - 1) as f32;
                    let (p, q) = (positions[a], positions[b]);
                    [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, 0.0, 0.0]
                })
            })
            .collect();
        let same = measure(&graph, &positions, &straight);
        assert_eq!(same.pixels_straight, same.pixels_bundled);
        assert!((same.distortion - 1.0).abs() < 1e-6 && (same.ink_straight - 20.0).abs() < 1e-6);
        // Both edges squeezed onto y = 1 between their ends' first and last steps.
        let squeezed: Vec<[f32; 4]> = straight
            .iter()
            .enumerate()
            .map(|(i, p)| if i % n == 0 || i % n == n - 1 { *p } else { [p[0], 1.0, 0.0, 0.0] })
            .collect();
        let merged = measure(&graph, &positions, &squeezed);
        assert!(merged.pixel_ratio < 0.7, "{merged:?}");
        assert!(merged.distortion > 1.0);
    }
}
