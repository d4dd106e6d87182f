//! Morton (Z-order) numbering of grid cells, shared by the force layout's grid pyramid
//! (force.wgsl's `cell_index`) and NN-descent's spatial start.

/// A grid cell's number in Morton order (`cell_index` in force.wgsl): the bits of x, y
/// (and z in 3D) interleaved, x's lowest; up to 16 bits an axis in 2D, 10 in 3D. A cell's
/// children at the next finer level are the 2^dim numbers after its own shifted left by
/// dim, and cells close on the Z curve are close in space.
pub fn cell_index(c: glam::UVec3, dim: u32) -> u32 {
    if dim == 3 { spread3(c.x) | (spread3(c.y) << 1) | (spread3(c.z) << 2) } else { spread2(c.x) | (spread2(c.y) << 1) }
}

/// The cell that [`cell_index`] numbers `idx`.
pub fn cell_coords(idx: u32, dim: u32) -> glam::UVec3 {
    if dim == 3 {
        glam::UVec3::new(compact3(idx), compact3(idx >> 1), compact3(idx >> 2))
    } else {
        glam::UVec3::new(compact2(idx), compact2(idx >> 1), 0)
    }
}

fn spread2(v: u32) -> u32 {
    let mut x = v & 0xffff;
    x = (x | (x << 8)) & 0x00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333;
    (x | (x << 1)) & 0x5555_5555
}

fn spread3(v: u32) -> u32 {
    let mut x = v & 0x3ff;
    x = (x | (x << 16)) & 0x0300_00ff;
    x = (x | (x << 8)) & 0x0300_f00f;
    x = (x | (x << 4)) & 0x030c_30c3;
    (x | (x << 2)) & 0x0924_9249
}

fn compact2(v: u32) -> u32 {
    let mut x = v & 0x5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333;
    x = (x | (x >> 2)) & 0x0f0f_0f0f;
    x = (x | (x >> 4)) & 0x00ff_00ff;
    (x | (x >> 8)) & 0xffff
}

fn compact3(v: u32) -> u32 {
    let mut x = v & 0x0924_9249;
    x = (x | (x >> 2)) & 0x030c_30c3;
    x = (x | (x >> 4)) & 0x0300_f00f;
    x = (x | (x >> 8)) & 0x0300_00ff;
    (x | (x >> 16)) & 0x3ff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_cells_round_trip_and_keep_children_together() {
        for (dim, side) in [(2u32, 1024u32), (3, 128)] {
            let mut seen = vec![false; side.pow(dim) as usize];
            let zs = if dim == 3 { side } else { 1 };
            for z in 0..zs {
                for y in 0..side {
                    for x in 0..side {
                        let c = glam::UVec3::new(x, y, z);
                        let idx = cell_index(c, dim);
                        assert!(!std::mem::replace(&mut seen[idx as usize], true), "{c} numbered twice");
                        assert_eq!(cell_coords(idx, dim), c);
                        // The parent's number is the child's without its last dim bits.
                        assert_eq!(cell_index(c >> 1, dim), idx >> dim);
                    }
                }
            }
            assert!(seen.iter().all(|&s| s), "every cell of a {dim}D grid numbered");
        }
    }
}
