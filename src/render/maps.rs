//! Conv feature maps as textures: every map (one channel's activations over its image
//! positions) coloured along the ramp into one atlas texture, and drawn by
//! [`super::Renderer`] as a square on its node, in the node's layer plane (a 3D layered
//! layout puts layers along depth, so a CNN reads as a stack of planes of maps).

use bytemuck::{Pod, Zeroable};

use super::nearest_distances;
use super::palette::ramp;

/// Largest side of a map in the atlas, in texels; larger maps are averaged down.
const MAX_TILE: usize = 32;
/// The square's side as a share of the spacing between neighbouring maps in a layer.
const FILL: f32 = 0.9;

/// One channel's map: `height` rows of `width` values, and the range its layer's colours
/// span (every map of a layer on one scale, so channels compare).
pub struct Map<'a> {
    pub node: u32,
    pub height: usize,
    pub width: usize,
    pub values: &'a [f32],
    pub range: (f32, f32),
}

/// Where a map lies in the atlas and which node it stands on. Mirrors `Tile` in
/// maps.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Tile {
    pub uv: [f32; 4],
    pub node: u32,
    /// Half the square's side in world units ([`FeatureMaps::fitted`]).
    pub half: f32,
    pad: [u32; 2],
}
const _: () = assert!(std::mem::size_of::<Tile>() == 32);

/// The maps' atlas (RGBA8 rows, `side` x `side` texels) and their tiles.
pub struct FeatureMaps {
    pub side: u32,
    pub rgba: Vec<u8>,
    pub tiles: Vec<Tile>,
}

impl std::fmt::Debug for FeatureMaps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeatureMaps({} maps in a {}-texel atlas)", self.tiles.len(), self.side)
    }
}

impl FeatureMaps {
    /// Packs `maps` into an atlas no wider than `max_side` texels: a grid of tiles of up
    /// to [`MAX_TILE`] texels, smaller when there are many maps. `None` for no maps, or
    /// for more than one texel each can have.
    pub fn new(maps: &[Map], max_side: u32) -> Option<FeatureMaps> {
        if maps.is_empty() {
            return None;
        }
        let columns = (maps.len() as f64).sqrt().ceil() as usize;
        if columns > max_side as usize {
            return None; // more maps than texels: too many to draw as textures
        }
        let largest = maps.iter().map(|m| m.height.max(m.width)).max().unwrap_or(1).max(1);
        let tile = MAX_TILE.min(largest).min(max_side as usize / columns).max(1);
        let side = columns * tile;
        let mut rgba = vec![0u8; side * side * 4];
        let mut tiles = Vec::with_capacity(maps.len());
        for (k, map) in maps.iter().enumerate() {
            let (x0, y0) = ((k % columns) * tile, (k / columns) * tile);
            // Texels per map cell: a map larger than the tile is averaged in blocks.
            let step = map.height.max(map.width).div_ceil(tile).max(1);
            let (rows, cols) = (map.height.div_ceil(step), map.width.div_ceil(step));
            let (lo, hi) = map.range;
            let span = (hi - lo).max(f32::EPSILON);
            for r in 0..rows {
                for c in 0..cols {
                    let (mut sum, mut count) = (0.0f32, 0usize);
                    for y in r * step..((r + 1) * step).min(map.height) {
                        for x in c * step..((c + 1) * step).min(map.width) {
                            if let Some(&v) = map.values.get(y * map.width + x).filter(|v| v.is_finite()) {
                                sum += v;
                                count += 1;
                            }
                        }
                    }
                    let color = if count > 0 { ramp((sum / count as f32 - lo) / span) } else { [0, 0, 0] };
                    let at = ((y0 + r) * side + x0 + c) * 4;
                    rgba[at..at + 4].copy_from_slice(&[color[0], color[1], color[2], 255]);
                }
            }
            let texel = 1.0 / side as f32;
            tiles.push(Tile {
                uv: [x0 as f32 * texel, y0 as f32 * texel, (x0 + cols) as f32 * texel, (y0 + rows) as f32 * texel],
                node: map.node,
                half: 0.0,
                pad: [0; 2],
            });
        }
        Some(FeatureMaps { side: side as u32, rgba, tiles })
    }

    /// Sets the size of every node with a map to 0, which hides it ([`super::palette::SizeBy`]
    /// sizes): a channel is drawn as its map, which its node would cover.
    pub fn hide_nodes(&self, sizes: &mut [f32]) {
        for tile in &self.tiles {
            sizes[tile.node as usize] = 0.0;
        }
    }

    /// The tiles with their nodes at `positions`, every square sized to fill [`FILL`] of
    /// the distance to the nearest other map in its layer plane (the maps at the same
    /// depth), so neighbours never overlap.
    pub fn fitted(&self, positions: &[[f32; 4]]) -> Vec<Tile> {
        let at = |k: usize| positions.get(self.tiles[k].node as usize).copied().unwrap_or_default();
        // Each map's nearest neighbour among the maps of its plane (one depth).
        let mut order: Vec<usize> = (0..self.tiles.len()).collect();
        order.sort_by(|&a, &b| at(a)[2].total_cmp(&at(b)[2]));
        let mut nearest = vec![f32::INFINITY; self.tiles.len()];
        for plane in order.chunk_by(|&a, &b| at(a)[2] == at(b)[2]) {
            let points: Vec<[f32; 4]> = plane.iter().map(|&k| at(k)).collect();
            let everyone: Vec<usize> = (0..points.len()).collect();
            for (&k, d) in plane.iter().zip(nearest_distances(&points, &everyone)) {
                nearest[k] = d;
            }
        }
        // A map alone in its plane takes the size its neighbours elsewhere have.
        let typical = nearest.iter().copied().filter(|d| d.is_finite() && *d > 0.0).fold(f32::INFINITY, f32::min);
        let fallback = if typical.is_finite() { typical } else { 1.0 };
        let mut tiles = self.tiles.clone();
        for (tile, d) in tiles.iter_mut().zip(nearest) {
            let d = if d.is_finite() && d > 0.0 { d } else { fallback };
            tile.half = d * FILL * 0.5;
        }
        tiles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_pack_into_tiles_coloured_by_their_layer_range() {
        let small = [0.0, 1.0, 2.0, 3.0]; // 2 x 2
        let large: Vec<f32> = (0..64 * 64).map(|i| (i / 64) as f32).collect(); // rows 0..63
        let maps = [
            Map { node: 3, height: 2, width: 2, values: &small, range: (0.0, 3.0) },
            Map { node: 5, height: 64, width: 64, values: &large, range: (0.0, 63.0) },
        ];
        let atlas = FeatureMaps::new(&maps, 8192).unwrap();
        assert_eq!(atlas.side, 2 * MAX_TILE as u32, "two columns of 32-texel tiles");
        let texel = |x: usize, y: usize| {
            let at = (y * atlas.side as usize + x) * 4;
            [atlas.rgba[at], atlas.rgba[at + 1], atlas.rgba[at + 2]]
        };
        assert_eq!((texel(0, 0), texel(1, 1)), (ramp(0.0), ramp(1.0)));
        // The 64 x 64 map is averaged in 2 x 2 blocks: its first row holds rows 0 and 1.
        assert_eq!(texel(32, 0), ramp(0.5 / 63.0));
        assert_eq!(atlas.tiles[0].uv[2], 2.0 / 64.0, "the small map's rectangle is its own size");
        assert_eq!(atlas.tiles[1].uv, [0.5, 0.0, 1.0, 0.5]);
        assert!(FeatureMaps::new(&[], 8192).is_none());
    }

    #[test]
    fn squares_fill_the_gap_to_their_nearest_neighbour_in_the_plane() {
        let values = [0.0];
        let map = |node| Map { node, height: 1, width: 1, values: &values, range: (0.0, 1.0) };
        let atlas = FeatureMaps::new(&[map(0), map(1), map(2), map(3)], 8192).unwrap();
        // Nodes 0 and 1 two apart in the plane z = 0, node 2 at (0, 0.5) in it too, node
        // 3 alone at z = -4.
        let positions = [[0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, -4.0, 0.0]];
        let halves: Vec<f32> = atlas.fitted(&positions).iter().map(|t| t.half).collect();
        assert_eq!(halves, [0.225, 0.9, 0.225, 0.225]);
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(wgsl_struct_size(Shader::Maps, "Tile") as usize, std::mem::size_of::<Tile>(), "Tile in Maps");
    }
}
