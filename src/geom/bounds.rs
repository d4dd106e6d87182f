//! Axis-aligned bounds of a layout and the spacing its nodes would have if they filled
//! them evenly: what cameras fit, bundling grids span and node sizes follow.

use glam::Vec3;

use super::Dim;

/// Axis-aligned bounds of a layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min: Vec3,
    pub max: Vec3,
}

impl Bounds {
    pub fn of(positions: &[[f32; 4]]) -> Bounds {
        let mut b = Bounds { min: Vec3::splat(f32::MAX), max: Vec3::splat(f32::MIN) };
        for p in positions {
            let p = Vec3::new(p[0], p[1], p[2]);
            b.min = b.min.min(p);
            b.max = b.max.max(p);
        }
        if positions.is_empty() {
            b = Bounds { min: Vec3::ZERO, max: Vec3::ZERO };
        }
        b
    }

    /// The box from the 0.5% quantile to the 99.5% quantile on every axis: the bulk of
    /// the points, so a few far outliers do not shrink the rest to a speck.
    pub fn of_bulk(positions: &[[f32; 4]]) -> Bounds {
        const SHARE: f32 = 0.005;
        if positions.is_empty() {
            return Bounds::of(positions);
        }
        let mut b = Bounds { min: Vec3::ZERO, max: Vec3::ZERO };
        let mut axis = Vec::with_capacity(positions.len());
        for c in 0..3 {
            axis.clear();
            axis.extend(positions.iter().map(|p| p[c]));
            axis.sort_by(f32::total_cmp);
            let at = |q: f32| axis[((axis.len() - 1) as f32 * q).round() as usize];
            b.min[c] = at(SHARE);
            b.max[c] = at(1.0 - SHARE);
        }
        b
    }

    pub fn center(&self) -> Vec3 {
        (self.min + self.max) * 0.5
    }

    pub fn size(&self) -> Vec3 {
        self.max - self.min
    }

    /// The side of the box each of `node_count` nodes would have if they filled these
    /// bounds evenly; flat or thin bounds (a chain, a plane in 3D) use their extent along
    /// fewer axes.
    pub fn spacing(&self, node_count: u32, dim: Dim) -> f32 {
        let n = node_count.max(1) as f32;
        let mut sides: Vec<f32> = self.size().to_array()[..dim.count() as usize].to_vec();
        let longest = sides.iter().copied().fold(0.0, f32::max);
        sides.retain(|&s| s > longest * 1e-3);
        if sides.is_empty() {
            return 1.0;
        }
        let volume: f32 = sides.iter().product();
        (volume / n).powf(1.0 / sides.len() as f32)
    }
}
