//! Graph layout: a GPU force-directed pass with its CPU reference, a layered layout for
//! DAGs, and edge bundling ([`bundle`]) on the laid-out nodes.
//!
//! The force layout's GPU side ([`force`]) and reference ([`cpu::force`]) implement the
//! same algorithm step for step, driven by the shared [`ForceParams`] (the grid pyramid's
//! geometry and the force constants) and cooling schedule. [`layered`] places model DAGs
//! in layers. Positions are `[x, y, z, 0]` rows (z = 0 in 2D), so one buffer layout serves
//! 2D and 3D and the renderer reads them as they are (the force layout's GPU buffer keeps
//! each node's gravity weight in the fourth component; read back, it is 0).

pub mod coordinates;
pub mod cpu;
pub mod force;
pub mod gpu_sweep;
pub mod landmark_mds;
pub mod layered;
pub mod multilevel;
pub mod quality;

use bytemuck::{Pod, Zeroable};

use crate::geom::Dim;
use crate::gpu::{Gpu, GpuError};
use crate::graph::Graph;

/// Which layout places the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutKind {
    /// Force-directed, for general graphs.
    Force,
    /// Layers along the data flow, for DAGs such as model graphs.
    Layered,
    /// Layered for model files, force-directed otherwise.
    Auto,
}

impl LayoutKind {
    /// Resolves `Auto`: layered when the graph is a model's operator graph.
    pub fn resolve(self, is_model: bool) -> LayoutKind {
        match self {
            LayoutKind::Auto if is_model => LayoutKind::Layered,
            LayoutKind::Auto => LayoutKind::Force,
            kind => kind,
        }
    }
}

/// Which way a 2D layered layout runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Flow {
    /// Left to right, wrapped back and forth into bands that fill a wide frame
    #[default]
    Bands,
    /// Left to right in one row
    Right,
    /// Top to bottom in one column
    Down,
}

/// What the user chooses about a layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutConfig {
    pub kind: LayoutKind,
    pub dim: Dim,
    /// Force layout: iterations to run.
    pub iterations: u32,
    /// Force layout: seed of the coarsening order, the first MDS pivot and the jitter.
    pub seed: u64,
    /// Layered layout in 2D: which way the layers run.
    pub flow: Flow,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig { kind: LayoutKind::Force, dim: Dim::Two, iterations: 150, seed: 1, flow: Flow::Bands }
    }
}

/// Most levels the grid pyramid can have (2D: 1024 cells a side, 3D: 128).
pub const MAX_LEVELS: usize = 16;
/// Fixed-point scale of a node's offset inside its finest cell, for the integer splat.
pub const FIXED_SCALE: f32 = 1024.0;
/// Finest cells with at most this many nodes repel node by node in the near field (the
/// nodes of a denser cell by its centroid). With the centroid alone, nodes of a cell could
/// sit on top of each other: on Cora 8% did, within a thousandth of the layout's width.
pub const NEAR_EXACT: u32 = 64;
/// The spring-electrical model (Hu's sfdp, natural length 1): a node of degree k is
/// pushed by every other at distance d with `REPULSION * (k + 1) / d`; an edge pulls its
/// ends together with d^2.
pub const REPULSION: f32 = 1.0;
/// Pull of `GRAVITY * (k + 1) * |w| * r` on a node of degree k: the largest component
/// (w = 1) towards the origin, the others towards its centre with the weight
/// [`multilevel::hold_components`] gives them. Weak, so it does not squeeze the largest
/// component into a disc: weighted by degree, 0.1 raised a random geometric graph's
/// stress from 0.013 to 0.023; 0.02 keeps it at 0.013.
pub const GRAVITY: f32 = 0.02;
/// Repulsion is capped at this distance, so coincident nodes do not explode.
pub const MIN_DISTANCE: f32 = 0.01;

/// Constants of one layout run, shared by GPU and CPU. Mirrors `Params` in force.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct ForceParams {
    pub node_count: u32,
    pub dim: u32,
    /// Levels of the grid pyramid; level 0 is the finest.
    pub levels: u32,
    /// Cells a side at level 0, a power of two >= 4.
    pub res0: u32,
    pub repulsion: f32,
    pub gravity: f32,
    pub min_distance: f32,
    /// [`NEAR_EXACT`].
    pub near_exact: u32,
    /// Index of each level's first cell in the pyramid buffer.
    pub level_offsets: [u32; MAX_LEVELS],
}
const _: () = assert!(std::mem::size_of::<ForceParams>() == 96);

impl ForceParams {
    pub fn new(node_count: u32, dim: Dim) -> Self {
        let n = node_count.max(1) as f64;
        let (side, max) = match dim {
            Dim::Two => (n.sqrt(), 1024),
            Dim::Three => (n.cbrt(), 128),
        };
        // About four nodes a finest cell in 2D (eight in 3D): one node a cell cost a fifth
        // more time for the same stress on meshes and random geometric graphs.
        let res0 = ((side / 2.0).ceil() as u32).next_power_of_two().clamp(4, max);
        let levels = res0.trailing_zeros() - 1; // down to 4 cells a side
        let mut level_offsets = [0; MAX_LEVELS];
        let mut total = 0;
        for (j, offset) in level_offsets.iter_mut().enumerate().take(levels as usize) {
            *offset = total;
            total += (res0 >> j).pow(dim.count());
        }
        ForceParams {
            node_count,
            dim: dim.count(),
            levels,
            res0,
            repulsion: REPULSION,
            gravity: GRAVITY,
            min_distance: MIN_DISTANCE,
            near_exact: NEAR_EXACT,
            level_offsets,
        }
    }

    pub fn cells(&self, level: u32) -> u32 {
        (self.res0 >> level).pow(self.dim)
    }

    pub fn pyramid_cells(&self) -> u32 {
        (0..self.levels).map(|j| self.cells(j)).sum()
    }
}

/// Largest first step on the coarsest level, as a fraction of its extent: it starts from
/// landmark MDS positions, whose shape is right, so the forces only need to refine it
/// (0.1 refolded some of them).
pub const START_TEMPERATURE: f32 = 0.05;
/// Largest first step when refining positions prolonged from a coarser level.
pub const REFINE_TEMPERATURE: f32 = 0.02;

/// The cooling schedule: the largest move of a node in each iteration, as a fraction of
/// the layout's current extent, geometric from `start` down to 0.05%. Relative steps let
/// the layout grow or shrink to its natural scale quickly and settle at any scale.
pub fn temperatures(iterations: u32, start: f32) -> Vec<f32> {
    let end = 0.0005f32;
    let iterations = iterations.max(1);
    (0..iterations)
        .map(|i| {
            let t = i as f32 / (iterations - 1).max(1) as f32;
            start * (end / start).powf(t)
        })
        .collect()
}

/// Side of the box the initial positions fill: room for every node at unit spacing.
fn initial_extent(node_count: u32, dim: Dim) -> f32 {
    let n = node_count.max(1) as f32;
    match dim {
        Dim::Two => n.sqrt(),
        Dim::Three => n.cbrt(),
    }
}

/// Seeded uniform positions in a centred box (gravity weight 1); the same seed gives the
/// same layout.
pub fn initial_positions(node_count: u32, config: &LayoutConfig) -> Vec<[f32; 4]> {
    let extent = initial_extent(node_count, config.dim);
    let mut state = config.seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        // splitmix64: a full-period generator, enough for initial positions.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * extent
    };
    (0..node_count)
        .map(|_| {
            let x = next();
            let y = next();
            let z = if config.dim == Dim::Three { next() } else { 0.0 };
            [x, y, z, 1.0]
        })
        .collect()
}

/// A finished layout.
pub struct Placed {
    /// `[x, y, z, 0]` per node.
    pub positions: Vec<[f32; 4]>,
    /// Force-layout iterations run (0 for the layered layout).
    pub iterations: u32,
    /// Edge crossings between adjacent layers (layered layout only).
    pub crossings: Option<u64>,
    /// How far the force layout had settled: the mean distance a node moved per
    /// iteration over the last batch of iterations, in mean edge lengths (force only).
    pub final_step: Option<f32>,
}

/// The force layout of the finest level, ready to run: every coarser level has been laid
/// out (coarsest from random positions with the full schedule, each finer one from its
/// coarse positions with a third of it, cooler) and its positions prolonged.
pub struct ForceStart {
    pub run: force::ForceRun,
    /// Iterations already run on coarser levels, and all of them with the finest.
    pub done_before: u32,
    pub total: u32,
}

/// Iterations of a level that refines positions it was given: a third of the coarsest's.
fn refine_iterations(config: &LayoutConfig) -> u32 {
    (config.iterations / 3).max(2).next_multiple_of(2)
}

/// Lays out the coarser levels of `levels` and returns the finest one's run, not yet
/// advanced; `progress(done, total)` follows the coarse levels.
pub fn start_force(
    gpu: &Gpu,
    layout: &force::ForceLayout,
    levels: &[multilevel::Level],
    config: &LayoutConfig,
    progress: &mut impl FnMut(u32, u32),
) -> Result<ForceStart, GpuError> {
    let refine = refine_iterations(config);
    let total = config.iterations.max(2).next_multiple_of(2) + refine * (levels.len() as u32 - 1);
    let coarsest = levels.len() - 1;
    let mut positions =
        landmark_mds::landmark_mds(&levels[coarsest].csr, &levels[coarsest].component, config.dim, config.seed);
    // Level k's schedule, after prolonging the positions from level k + 1 if it exists.
    let prepare = |k: usize, positions: &mut Vec<[f32; 4]>| {
        if k == coarsest {
            // Every node pulled alike (w = 1) until the layout has its own scale; finer
            // levels then hold small components near the largest.
            return temperatures(config.iterations, START_TEMPERATURE);
        }
        *positions = multilevel::prolong(positions, &levels[k + 1].fine_to_coarse, config.dim, config.seed);
        multilevel::hold_components(positions, &levels[k].component);
        temperatures(refine, REFINE_TEMPERATURE)
    };
    let mut done = 0;
    for k in (1..=coarsest).rev() {
        let schedule = prepare(k, &mut positions);
        let csr = gpu.upload_csr(&levels[k].csr)?;
        let mut run = force::ForceRun::new(gpu, layout, &csr, &positions, config.dim, schedule)?;
        while !run.is_done() {
            run.advance(gpu, layout, BATCH);
            gpu.wait()?;
            progress(done + run.progress().0, total);
        }
        done += run.progress().1;
        positions = run.read_positions(gpu)?;
    }
    let schedule = prepare(0, &mut positions);
    let run = force::ForceRun::new(gpu, layout, &gpu.upload_csr(&levels[0].csr)?, &positions, config.dim, schedule)?;
    Ok(ForceStart { run, done_before: done, total })
}

/// Positions for a new view of a graph from an old view of the same full graph, where
/// `old_of[v]` and `new_of[v]` are the shown nodes full node `v` belongs to (its own, or
/// its collapsed group's): a new node starts at the mean old position of its members, so a
/// collapsed group sits where its nodes were and an expanded group's nodes start where the
/// group was (nudged apart by a seeded hundredth of the node spacing).
pub fn carry_positions(
    old: &[[f32; 4]],
    old_of: &[u32],
    new_of: &[u32],
    new_count: u32,
    dim: Dim,
    seed: u64,
) -> Vec<[f32; 4]> {
    let mut sums = vec![[0f32; 4]; new_count as usize];
    for (&o, &n) in old_of.iter().zip(new_of) {
        let (p, sum) = (old[o as usize], &mut sums[n as usize]);
        for a in 0..3 {
            sum[a] += p[a];
        }
        sum[3] += 1.0;
    }
    let spacing = multilevel::typical_spacing(old, dim);
    let mut random = crate::graph::generate::Lcg(seed ^ 0x6a09_e667_f3bc_c909);
    sums.iter()
        .map(|sum| {
            let count = sum[3].max(1.0);
            let mut p = [sum[0] / count, sum[1] / count, sum[2] / count, 0.0];
            for x in &mut p[..dim.count() as usize] {
                *x += (random.unit() - 0.5) * 0.01 * spacing;
            }
            p
        })
        .collect()
}

/// A force layout of `graph` that refines `start` (from [`carry_positions`]) on the graph
/// itself, cool, without the coarse levels: an incremental re-layout, so what the user
/// saw stays where it was.
pub fn refine_force(
    gpu: &Gpu,
    layout: &force::ForceLayout,
    graph: &Graph,
    mut start: Vec<[f32; 4]>,
    config: &LayoutConfig,
) -> Result<force::ForceRun, GpuError> {
    let csr = graph.csr(crate::graph::Direction::Both);
    multilevel::hold_components(&mut start, &multilevel::components(&csr));
    force::ForceRun::new(
        gpu,
        layout,
        &gpu.upload_csr(&csr)?,
        &start,
        config.dim,
        temperatures(refine_iterations(config), REFINE_TEMPERATURE),
    )
}

/// Iterations submitted between progress reports.
const BATCH: u32 = 10;

/// Runs the layout `config` chooses to the end: the GPU force layout, reporting
/// `progress(done, total)` after every batch of iterations, or the layered layout.
pub fn place(
    gpu: &Gpu,
    graph: &Graph,
    config: &LayoutConfig,
    mut progress: impl FnMut(u32, u32),
) -> Result<Placed, GpuError> {
    match config.kind {
        LayoutKind::Layered => {
            let layout = layered::layered(graph, config.dim, config.flow, None, gpu.is_hardware().then_some(gpu))?;
            Ok(Placed {
                positions: layout.positions,
                iterations: 0,
                crossings: Some(layout.crossings),
                final_step: None,
            })
        }
        LayoutKind::Force | LayoutKind::Auto => {
            let layout = gpu.kernel::<force::ForceLayout>();
            let levels = multilevel::hierarchy(graph, config.seed);
            let mut run = start_force(gpu, &layout, &levels, config, &mut progress)?;
            let (before, total) = (run.done_before, run.total);
            let mut last_batch = None;
            while !run.run.is_done() {
                let (done, all) = run.run.progress();
                if all - done <= BATCH {
                    last_batch = Some((run.run.read_positions(gpu)?, done));
                }
                run.run.advance(gpu, &layout, BATCH);
                gpu.wait()?;
                progress(before + run.run.progress().0, total);
            }
            let positions = run.run.read_positions(gpu)?;
            let final_step = last_batch.map(|(earlier, done)| {
                let steps = (run.run.progress().0 - done).max(1);
                quality::mean_move(graph, &earlier, &positions) / steps as f32
            });
            Ok(Placed { positions, iterations: total, crossings: None, final_step })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyramid_geometry() {
        let p = ForceParams::new(10_000, Dim::Two);
        assert_eq!((p.res0, p.levels), (64, 5));
        assert_eq!(p.level_offsets[1], 64 * 64);
        assert_eq!(p.pyramid_cells(), (0..5).map(|j| (64u32 >> j).pow(2)).sum::<u32>());
        let p = ForceParams::new(3, Dim::Three);
        assert_eq!((p.res0, p.levels), (4, 1));
        let p = ForceParams::new(50_000_000, Dim::Two);
        assert_eq!(p.res0, 1024);
    }

    #[test]
    fn schedule_cools_and_positions_are_seeded() {
        let config = LayoutConfig::default();
        let t = temperatures(config.iterations, START_TEMPERATURE);
        assert_eq!(t.len(), 150);
        assert!(t.windows(2).all(|w| w[1] < w[0]));
        assert_eq!(initial_positions(50, &config), initial_positions(50, &config));
        let other = LayoutConfig { seed: 2, ..config };
        assert_ne!(initial_positions(50, &config), initial_positions(50, &other));
        assert!(initial_positions(50, &config).iter().all(|p| p[2] == 0.0 && p[0].abs() <= 3.6));
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Force, "Params") as usize,
            std::mem::size_of::<ForceParams>(),
            "Params in Force"
        );
    }
}
