//! CPU reference of force.wgsl: the same passes (bounds, integer splat, nodes grouped by
//! Morton-ordered cell, pyramid, gather of forces) in the same order, one node or cell at
//! a time.

use glam::{UVec3, Vec3, Vec4};

use crate::geom::cell_coords;
use crate::geom::cell_index;
use crate::graph::Csr;
use crate::layout::{FIXED_SCALE, ForceParams};

/// Workgroup size of force.wgsl.
const WG: usize = 64;

/// The grid frame derived from the bounding box, as `grid_frame` in force.wgsl computes it.
#[derive(Debug, Clone, Copy)]
struct Frame {
    origin: Vec3,
    cell: f32,
    /// The largest component's centre of mass (`main_centre` in force.wgsl).
    main_centre: Vec3,
}

pub struct CpuForce<'a> {
    params: ForceParams,
    csr: &'a Csr,
    positions: Vec<[f32; 4]>,
    next: Vec<[f32; 4]>,
    /// Nodes per finest cell.
    tally: Vec<u32>,
    /// Each finest cell's first slot in `sorted`.
    start: Vec<u32>,
    /// Node indices grouped by cell, in index order within a cell.
    sorted: Vec<u32>,
    sum: Vec<u32>,
    pyramid: Vec<[f32; 4]>,
}

impl<'a> CpuForce<'a> {
    pub fn new(params: ForceParams, csr: &'a Csr, positions: Vec<[f32; 4]>) -> Self {
        let cells0 = params.cells(0) as usize;
        CpuForce {
            next: positions.clone(),
            positions,
            tally: vec![0; cells0],
            start: vec![0; cells0],
            sorted: vec![0; params.node_count as usize],
            sum: vec![0; cells0 * params.dim as usize],
            pyramid: vec![[0.0; 4]; params.pyramid_cells() as usize],
            params,
            csr,
        }
    }

    pub fn positions(&self) -> &[[f32; 4]] {
        &self.positions
    }

    /// One iteration at `temperature`.
    pub fn iterate(&mut self, temperature: f32) {
        let frame = self.frame();
        self.splat(frame);
        self.group_by_cell(frame);
        self.finalize(frame);
        for level in 1..self.params.levels {
            self.coarsen(level);
        }
        for i in 0..self.params.node_count as usize {
            self.next[i] = self.force(i, frame, temperature);
        }
        std::mem::swap(&mut self.positions, &mut self.next);
    }

    fn dim(&self) -> usize {
        self.params.dim as usize
    }

    fn frame(&self) -> Frame {
        let mut lo = Vec3::splat(f32::MAX);
        let mut hi = Vec3::splat(-f32::MAX);
        for p in &self.positions {
            lo = lo.min(xyz(p));
            hi = hi.max(xyz(p));
        }
        let main_centre = self.mass_centre();
        let ext = hi - lo;
        let mut side = ext.x.max(ext.y);
        if self.params.dim == 3 {
            side = side.max(ext.z);
        }
        side = side.max(1e-6);
        if self.params.dim == 2 {
            lo.z = 0.0;
        }
        Frame { origin: lo, cell: side / self.params.res0 as f32, main_centre }
    }

    /// The largest component's centre of mass, summed as `bounds_pass` and
    /// `mass_centre` in force.wgsl sum it: a tree over each workgroup of nodes, then each
    /// lane of one workgroup summing every WG-th partial in order, then a tree.
    fn mass_centre(&self) -> Vec3 {
        fn tree(lanes: &mut [Vec4; WG]) -> Vec4 {
            let mut s = WG / 2;
            while s > 0 {
                for li in 0..s {
                    lanes[li] += lanes[li + s];
                }
                s /= 2;
            }
            lanes[0]
        }
        let n = self.positions.len();
        let blocks = n.div_ceil(WG);
        let partials: Vec<Vec4> = (0..blocks)
            .map(|b| {
                tree(&mut std::array::from_fn(|li| match self.positions.get(b * WG + li) {
                    Some(p) if p[3] > 0.0 => xyz(p).extend(1.0),
                    _ => Vec4::ZERO,
                }))
            })
            .collect();
        let total =
            tree(&mut std::array::from_fn(|li| partials.iter().skip(li).step_by(WG).fold(Vec4::ZERO, |s, &p| s + p)));
        total.truncate() / total.w.max(1.0)
    }

    fn cell_of(&self, p: Vec3, frame: Frame) -> (UVec3, UVec3) {
        let u = (p - frame.origin) / frame.cell;
        let max = (self.params.res0 - 1) as f32;
        let mut c = u.floor().clamp(Vec3::ZERO, Vec3::splat(max));
        if self.params.dim == 2 {
            c.z = 0.0;
        }
        let frac = (u - c).clamp(Vec3::ZERO, Vec3::ONE);
        let q = (frac * FIXED_SCALE + 0.5).floor();
        (c.as_uvec3(), q.as_uvec3())
    }

    fn cell_index(&self, c: UVec3) -> usize {
        cell_index(c, self.params.dim) as usize
    }

    fn splat(&mut self, frame: Frame) {
        self.tally.fill(0);
        self.sum.fill(0);
        for i in 0..self.params.node_count as usize {
            let (c, q) = self.cell_of(xyz(&self.positions[i]), frame);
            let idx = self.cell_index(c);
            let dim = self.dim();
            self.tally[idx] += 1;
            for a in 0..dim {
                self.sum[idx * dim + a] += q[a];
            }
        }
    }

    /// Each cell's first slot, and the nodes grouped by cell in index order (scan_cells,
    /// scan_blocks, finalize, scatter and sort_cells in force.wgsl).
    fn group_by_cell(&mut self, frame: Frame) {
        let mut next = 0;
        for (start, &count) in self.start.iter_mut().zip(&self.tally) {
            *start = next;
            next += count;
        }
        let mut fill = self.start.clone();
        for i in 0..self.params.node_count as usize {
            let (c, _) = self.cell_of(xyz(&self.positions[i]), frame);
            let idx = self.cell_index(c);
            self.sorted[fill[idx] as usize] = i as u32;
            fill[idx] += 1;
        }
    }

    fn centroid(&self, c: UVec3, count: u32, sum: UVec3, frame: Frame) -> [f32; 4] {
        if count == 0 {
            return [0.0; 4];
        }
        let p = frame.origin + (c.as_vec3() + sum.as_vec3() / (FIXED_SCALE * count as f32)) * frame.cell;
        [p.x, p.y, p.z, count as f32]
    }

    fn sum_at(&self, idx: usize) -> UVec3 {
        let d = self.dim();
        UVec3::new(self.sum[idx * d], self.sum[idx * d + 1], if d == 3 { self.sum[idx * d + 2] } else { 0 })
    }

    fn finalize(&mut self, frame: Frame) {
        for idx in 0..self.params.cells(0) as usize {
            let c = cell_coords(idx as u32, self.params.dim);
            self.pyramid[idx] = self.centroid(c, self.tally[idx], self.sum_at(idx), frame);
        }
    }

    /// Each cell of `level` from its 2^dim children, which follow one another in Morton order.
    fn coarsen(&mut self, level: u32) {
        let base = self.params.level_offsets[level as usize] as usize;
        let fine_base = self.params.level_offsets[level as usize - 1] as usize;
        let children = 1 << self.params.dim;
        for idx in 0..self.params.cells(level) as usize {
            let mut weighted = Vec3::ZERO;
            let mut count = 0.0;
            for cell in &self.pyramid[fine_base + idx * children..][..children] {
                weighted += xyz(cell) * cell[3];
                count += cell[3];
            }
            let p = if count > 0.0 { weighted / count } else { Vec3::ZERO };
            self.pyramid[base + idx] = [p.x, p.y, p.z, count];
        }
    }

    fn repel(&self, p: Vec3, cell: [f32; 4]) -> Vec3 {
        let d = p - xyz(&cell);
        let d2 = d.dot(d).max(self.params.min_distance * self.params.min_distance);
        d * (self.params.repulsion * cell[3] / d2)
    }

    /// Repulsion from every cell of `level` in `lo..=hi` that is not within one cell of `own`.
    fn repel_block(&self, p: Vec3, level: u32, lo: UVec3, hi: UVec3, own: UVec3) -> Vec3 {
        let base = self.params.level_offsets[level as usize] as usize;
        let mut f = Vec3::ZERO;
        for z in lo.z..=hi.z {
            for y in lo.y..=hi.y {
                for x in lo.x..=hi.x {
                    let q = UVec3::new(x, y, z);
                    let far = q.as_ivec3() - own.as_ivec3();
                    if far.abs().max_element() > 1 {
                        let cell = self.pyramid[base + self.cell_index(q)];
                        if cell[3] > 0.0 {
                            f += self.repel(p, cell);
                        }
                    }
                }
            }
        }
        f
    }

    fn force(&self, i: usize, frame: Frame, temperature: f32) -> [f32; 4] {
        let params = &self.params;
        let p = xyz(&self.positions[i]);
        let (c0, q0) = self.cell_of(p, frame);
        let zmask = if params.dim == 3 { UVec3::ONE } else { UVec3::new(1, 1, 0) };
        let mut f = Vec3::ZERO;

        // Far field: the whole top level, then at each finer level the children of the
        // parent's neighbours that are not neighbours themselves.
        let top = params.levels - 1;
        let rt = params.res0 >> top;
        f += self.repel_block(p, top, UVec3::ZERO, UVec3::splat(rt - 1) * zmask, c0 >> top);
        for level in (0..top).rev() {
            let res = params.res0 >> level;
            let own: UVec3 = c0 >> level;
            let parent: UVec3 = own >> 1u32;
            let lo = (parent * 2u32).saturating_sub(UVec3::splat(2)) * zmask;
            let hi = (parent * 2u32 + UVec3::splat(3)).min(UVec3::splat(res - 1)) * zmask;
            f += self.repel_block(p, level, lo, hi, own);
        }

        // Near field: the 3^d neighbourhood at level 0, node by node where a cell holds at
        // most `near_exact` nodes, otherwise by centroid (the own cell's without this node).
        let res = params.res0;
        let lo = c0.saturating_sub(UVec3::ONE) * zmask;
        let hi = (c0 + UVec3::ONE).min(UVec3::splat(res - 1)) * zmask;
        for z in lo.z..=hi.z {
            for y in lo.y..=hi.y {
                for x in lo.x..=hi.x {
                    let q = UVec3::new(x, y, z);
                    let idx = self.cell_index(q);
                    let count = self.tally[idx];
                    if count <= params.near_exact {
                        let first = self.start[idx] as usize;
                        for &j in &self.sorted[first..first + count as usize] {
                            if j as usize != i {
                                let q = self.positions[j as usize];
                                f += self.repel(p, [q[0], q[1], q[2], 1.0]);
                            }
                        }
                        continue;
                    }
                    let cell = if q == c0 {
                        self.centroid(c0, count - 1, self.sum_at(idx) - q0 * zmask, frame)
                    } else {
                        self.pyramid[idx]
                    };
                    f += self.repel(p, cell);
                }
            }
        }

        // Repulsion and gravity weigh with the node's degree + 1; the largest component
        // is pulled towards the origin, the others towards its centre.
        let held = self.positions[i][3];
        let centre = if held < 0.0 { frame.main_centre } else { Vec3::ZERO };
        f = (f - (p - centre) * (params.gravity * held.abs())) * (self.csr.degree(i as u32) + 1) as f32;

        // Springs, gathered from the node's own adjacency.
        for &j in self.csr.neighbours(i as u32) {
            let d = xyz(&self.positions[j as usize]) - p;
            f += d * d.length();
        }

        let limit = temperature * frame.cell * params.res0 as f32;
        let len = f.length();
        let moved = if len > 0.0 { p + f * (len.min(limit) / len) } else { p };
        [moved.x, moved.y, moved.z, held]
    }
}

fn xyz(p: &[f32; 4]) -> Vec3 {
    Vec3::new(p[0], p[1], p[2])
}
