//! Approximate k nearest neighbours for embeddings too large for the exact search's
//! N x N distances: NN-descent on the GPU (shaders/nndescent.wgsl).
//!
//! 1. Start: each row takes the nearest of the rows beside it in two sorted orders, by the
//!    Morton code of the 3-D PCA projection and by a projection onto a fixed direction.
//! 2. Rounds: each row tries the neighbours of its neighbours and keeps the k nearest.
//!
//! Every step gathers and double-buffers, so the result is the same on every run. The
//! tests measure its recall against the exact search ([`super::knn`]).

use bytemuck::{Pod, Zeroable};

use super::{EmbedPasses, Embedding, MAX_K, Values, check, pca};
use crate::geom::cell_index;
use crate::gpu::{
    Gpu, GpuError, Kernel, Shader, bind_group_layout, compute_pipelines, dispatch, read_buffer, storage_entry,
    uniform_entry,
};

const WG: u32 = 64;
const NONE: u32 = u32::MAX;
/// Loop turns one dispatch may take per row: Mesa's software drivers end a shader's
/// loops after 65535.
const TURNS: u64 = 60_000;
/// Places either side of a row in each sorted order whose rows it starts from.
const WIDTH: u32 = 32;
/// Rounds of neighbours-of-neighbours.
pub const ROUNDS: u32 = 6;

/// Mirrors `Params` in nndescent.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
struct Params {
    rows: u32,
    dims: u32,
    k: u32,
    width: u32,
    first: u32,
    count: u32,
    reset: u32,
    split: u32,
}

pub struct DescentPasses {
    window: wgpu::ComputePipeline,
    descend: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

impl Kernel for DescentPasses {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let layout = bind_group_layout(
            device,
            "DescentPasses::layout",
            &[
                storage_entry(0, true),
                uniform_entry(1, false),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, true),
                storage_entry(5, true),
                storage_entry(6, false),
                storage_entry(7, false),
                storage_entry(8, true),
            ],
        );
        let [window, descend] =
            compute_pipelines(device, "DescentPasses", Shader::NnDescent, &[&layout], ["window", "descend"]);
        DescentPasses { window, descend, layout }
    }
}

/// Rows in the order of a key, and the place of every row in that order.
struct Order {
    rows: Vec<u32>,
    place: Vec<u32>,
}

fn sorted_by<K: Ord + Copy>(keys: &[K]) -> Order {
    let mut rows: Vec<u32> = (0..keys.len() as u32).collect();
    rows.sort_by_key(|&v| (keys[v as usize], v));
    let mut place = vec![0u32; keys.len()];
    for (at, &v) in rows.iter().enumerate() {
        place[v as usize] = at as u32;
    }
    Order { rows, place }
}

/// The Morton code of a point of the unit cube, 10 bits an axis.
fn morton(p: [f32; 3]) -> u32 {
    let axis = |x: f32| (x.clamp(0.0, 1.0) * 1023.0) as u32;
    cell_index(glam::UVec3::new(axis(p[0]), axis(p[1]), axis(p[2])), 3)
}

/// The two starting orders: by Morton code of the 3-D PCA projection, and by the
/// projection onto a fixed direction through all dimensions.
fn orders(gpu: &Gpu, passes: &EmbedPasses, embedding: &Embedding) -> Result<[Order; 2], GpuError> {
    let projected = pca(gpu, passes, embedding, 3.min(embedding.dims))?.positions;
    let (mut lo, mut hi) = ([f32::MAX; 3], [f32::MIN; 3]);
    for p in &projected {
        for c in 0..3 {
            lo[c] = lo[c].min(p[c]);
            hi[c] = hi[c].max(p[c]);
        }
    }
    let unit = |p: &[f32; 4], c: usize| (p[c] - lo[c]) / (hi[c] - lo[c]).max(1e-12);
    let codes: Vec<u32> = projected.iter().map(|p| morton([unit(p, 0), unit(p, 1), unit(p, 2)])).collect();
    // A fixed direction with every dimension in it, by the golden ratio.
    let direction: Vec<f32> = (0..embedding.dims).map(|c| ((c as f32 + 1.0) * 0.618_034).fract() - 0.5).collect();
    let along: Vec<i64> = (0..embedding.rows)
        .map(|r| {
            let x: f32 = embedding.row(r).iter().zip(&direction).map(|(a, b)| a * b).sum();
            (x as f64 * 1e6) as i64
        })
        .collect();
    Ok([sorted_by(&codes), sorted_by(&along)])
}

/// The `k` (approximately) nearest other rows of every row, nearest first: `rows x k`
/// indices, like [`super::knn`] but without its N x N work.
pub fn approximate_knn(
    gpu: &Gpu,
    passes: &EmbedPasses,
    descent: &DescentPasses,
    embedding: &Embedding,
    k: usize,
) -> Result<Vec<u32>, GpuError> {
    check(embedding)?;
    assert!((1..=MAX_K).contains(&k) && k < embedding.rows, "k from 1 to MAX_K, below the rows");
    let rows = embedding.rows as u32;
    let dims = embedding.dims as u64;
    let values = Values::upload(gpu, embedding, None)?;
    let slots = rows as u64 * k as u64 * 4;
    let list = || -> Result<(wgpu::Buffer, wgpu::Buffer), GpuError> {
        let neighbours = gpu.zeroed_storage("Descent::neighbours", slots, wgpu::BufferUsages::COPY_SRC)?;
        Ok((neighbours, gpu.zeroed_storage("Descent::distances", slots, wgpu::BufferUsages::empty())?))
    };
    let lists = [list()?, list()?];
    let params = crate::gpu::uniform_buffer(&gpu.device, "Descent::params", std::mem::size_of::<Params>() as u64);
    let base = Params { rows, dims: dims as u32, k: k as u32, width: WIDTH, split: values.split, ..Params::default() };
    let run = |pipeline: &wgpu::ComputePipeline, order: (&wgpu::Buffer, &wgpu::Buffer), from: usize, p: Params| {
        gpu.queue.write_buffer(&params, 0, bytemuck::bytes_of(&p));
        let (input, output) = (&lists[from], &lists[1 - from]);
        let buffers =
            [&values.first, &params, order.0, order.1, &input.0, &input.1, &output.0, &output.1, &values.rest];
        dispatch(gpu, "Descent", pipeline, &descent.layout, &buffers, rows, WG);
    };
    // Turns per candidate: its distance, the membership check and the shifts.
    let per_candidate = dims + 2 * k as u64;
    let mut order_buffers = Vec::with_capacity(2);
    for order in orders(gpu, passes, embedding)? {
        let rows = gpu.storage_buffer("Descent::order", &order.rows, wgpu::BufferUsages::empty())?;
        order_buffers.push((rows, gpu.storage_buffer("Descent::place", &order.place, wgpu::BufferUsages::empty())?));
    }
    // The start, into lists[1] (read from lists[0], unused).
    let offsets = (TURNS / per_candidate).max(1) as u32;
    let mut reset = 1;
    for (order, rank) in &order_buffers {
        let mut first = 0;
        while first < 2 * WIDTH {
            let count = offsets.min(2 * WIDTH - first);
            run(&descent.window, (order, rank), 0, Params { first, count, reset, ..base });
            reset = 0;
            first += count;
        }
    }
    // Rounds: read lists[from], write lists[1 - from].
    let slots_per_dispatch = (TURNS / (k as u64 * per_candidate)).max(1) as u32;
    let mut from = 1;
    let (order, rank) = &order_buffers[0];
    for _ in 0..ROUNDS {
        let mut first = 0;
        while first < k as u32 {
            let count = slots_per_dispatch.min(k as u32 - first);
            run(&descent.descend, (order, rank), from, Params { first, count, reset: u32::from(first == 0), ..base });
            first += count;
        }
        from = 1 - from;
    }
    let found: Vec<u32> = bytemuck::cast_slice(&read_buffer(gpu, &lists[from].0, slots)?).to_vec();
    debug_assert!(found.iter().all(|&v| v != NONE || rows as usize <= k));
    Ok(found)
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::NnDescent, "Params") as usize,
            std::mem::size_of::<Params>(),
            "Params in NnDescent"
        );
    }
}
