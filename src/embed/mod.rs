//! Node embeddings (one row of numbers per node, such as a GNN layer's output) on the GPU:
//! a PCA projection to 2D or 3D, the exact k nearest neighbours of every row, and the
//! measures of how an embedding agrees with its graph ([`metrics`]).
//!
//! [`EmbedPasses`] owns the pipelines of shaders/embed.wgsl (create once per device). PCA
//! sums columns and the covariance on the GPU in chunks of rows, finds the top principal
//! axes of the small dims x dims covariance on the CPU (subspace iteration), then projects
//! every row on the GPU. [`cpu`] is the reference the tests compare against.

pub mod cpu;
pub mod metrics;
pub mod nndescent;
pub mod umap;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use crate::gpu::{
    Gpu, GpuError, Kernel, Shader, bind_group_layout, compute_pipelines, dispatch, read_buffer, storage_entry,
    uniform_entry,
};
use crate::graph::Embedding;

/// The most neighbours [`knn`] keeps per row.
pub const MAX_K: usize = 32;
/// The widest embedding read.
pub const MAX_DIMS: usize = 4096;
/// Up to this many rows [`neighbours`] is exact; beyond, NN-descent.
pub const EXACT_ROWS: usize = 20_000;
const WG: u32 = 64;
/// Rows per partial sum (a shader loop: Mesa's software drivers end loops after 65535
/// turns).
const CHUNK: u32 = 1024;
/// The most floats of partial sums held on the GPU at once.
const MAX_PARTIALS: u64 = 1 << 24;
/// Loop turns one k-nearest-neighbour dispatch may take per row, under that limit.
const KNN_TURNS: u64 = 60_000;

/// Mirrors `Params` in embed.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
struct Params {
    rows: u32,
    dims: u32,
    chunk: u32,
    k: u32,
    out_dims: u32,
    /// The first chunk or candidate row of a dispatch, and how many.
    first: u32,
    count: u32,
    /// Rows in the first values binding ([`Values`]).
    split: u32,
}

/// An embedding's values on the GPU: one storage binding, or two where the values pass
/// the adapter's binding limit (Mesa's lavapipe allows 128 MiB); rows before `split` are
/// in the first.
pub(crate) struct Values {
    pub first: wgpu::Buffer,
    pub rest: wgpu::Buffer,
    pub split: u32,
}

impl Values {
    /// Uploads the values, split where they pass `limit` bytes (default: the adapter's).
    pub fn upload(gpu: &Gpu, embedding: &Embedding, limit: Option<u64>) -> Result<Values, GpuError> {
        let limit = limit.unwrap_or(gpu.device.limits().max_storage_buffer_binding_size);
        let row = embedding.dims as u64 * 4;
        let split = (limit / row).min(embedding.rows as u64) as usize;
        let total = embedding.values.len() as u64 * 4;
        if (embedding.rows - split) as u64 * row > limit {
            return Err(GpuError::TooLarge {
                what: "the embedding (rows x dims x 4 bytes, in two bindings)",
                needed: total,
                limit: 2 * limit,
            });
        }
        let (first, rest) = embedding.values.split_at(split * embedding.dims);
        Ok(Values {
            first: gpu.storage_buffer("Embed::values", first, wgpu::BufferUsages::empty())?,
            rest: gpu.storage_buffer("Embed::values (rest)", rest, wgpu::BufferUsages::empty())?,
            split: split as u32,
        })
    }
}

/// A PCA projection.
#[derive(Debug, Clone)]
pub struct Pca {
    /// `[x, y, z, 0]` per row (z = 0 in 2D).
    pub positions: Vec<[f32; 4]>,
    /// The variance along each axis, largest first.
    pub variance: Vec<f64>,
    /// The total variance of the embedding, so `variance[i] / total_variance` is the share
    /// an axis explains.
    pub total_variance: f64,
}

pub struct EmbedPasses {
    column_sums: wgpu::ComputePipeline,
    covariance: wgpu::ComputePipeline,
    project: wgpu::ComputePipeline,
    knn: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

impl Kernel for EmbedPasses {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let layout = bind_group_layout(
            device,
            "EmbedPasses::layout",
            &[
                storage_entry(0, true),
                uniform_entry(1, false),
                storage_entry(2, true),
                storage_entry(3, false),
                storage_entry(4, true),
                storage_entry(5, false),
                storage_entry(6, false),
                storage_entry(7, true),
            ],
        );
        let [column_sums, covariance, project, knn] = compute_pipelines(
            device,
            "EmbedPasses",
            Shader::Embed,
            &[&layout],
            ["column_sums", "covariance", "project", "knn"],
        );
        EmbedPasses { column_sums, covariance, project, knn, layout }
    }
}

/// The buffers one run of a pass binds; `None`: a pass that does not use it (bound to a
/// small placeholder of its own, as a writable binding may share with nothing).
struct Bindings<'a> {
    values: &'a Values,
    params: &'a wgpu::Buffer,
    mean: Option<&'a wgpu::Buffer>,
    partial: Option<&'a wgpu::Buffer>,
    basis: Option<&'a wgpu::Buffer>,
    projected: Option<&'a wgpu::Buffer>,
    neighbours: Option<&'a wgpu::Buffer>,
}

fn params_buffer(gpu: &Gpu) -> wgpu::Buffer {
    gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("EmbedPasses::params"),
        contents: bytemuck::bytes_of(&Params::default()),
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    })
}

/// Sets `params` and queues `pipeline` over `invocations` (the queue keeps the order).
fn run(
    gpu: &Gpu,
    passes: &EmbedPasses,
    pipeline: &wgpu::ComputePipeline,
    b: &Bindings,
    params: Params,
    invocations: u64,
) -> Result<(), GpuError> {
    gpu.queue.write_buffer(b.params, 0, bytemuck::bytes_of(&params));
    let invocations = u32::try_from(invocations).map_err(|_| GpuError::TooLarge {
        what: "an embedding pass (invocations)",
        needed: invocations,
        limit: u32::MAX as u64,
    })?;
    let slots = [
        Some(&b.values.first),
        Some(b.params),
        b.mean,
        b.partial,
        b.basis,
        b.projected,
        b.neighbours,
        Some(&b.values.rest),
    ];
    let placeholders: Vec<wgpu::Buffer> = slots
        .iter()
        .filter(|s| s.is_none())
        .map(|_| gpu.zeroed_storage("EmbedPasses::unused", 16, wgpu::BufferUsages::empty()))
        .collect::<Result<_, _>>()?;
    let mut spare = placeholders.iter();
    let buffers: Vec<&wgpu::Buffer> =
        slots.into_iter().map(|b| b.unwrap_or_else(|| spare.next().expect("one placeholder per empty slot"))).collect();
    dispatch(gpu, "EmbedPasses", pipeline, &passes.layout, &buffers, invocations, WG);
    Ok(())
}

fn read_f32(gpu: &Gpu, buffer: &wgpu::Buffer, count: usize) -> Result<Vec<f32>, GpuError> {
    Ok(bytemuck::cast_slice(&read_buffer(gpu, buffer, count as u64 * 4)?).to_vec())
}

/// The embedding's width is one netlens handles ([`Values::upload`] checks its size).
fn check(embedding: &Embedding) -> Result<(), GpuError> {
    if embedding.dims == 0 || embedding.dims > MAX_DIMS {
        return Err(GpuError::TooLarge {
            what: "an embedding's width",
            needed: embedding.dims as u64,
            limit: MAX_DIMS as u64,
        });
    }
    Ok(())
}

/// Projects the rows onto their `out_dims` (2 or 3) principal axes.
pub fn pca(gpu: &Gpu, passes: &EmbedPasses, embedding: &Embedding, out_dims: usize) -> Result<Pca, GpuError> {
    check(embedding)?;
    pca_of(gpu, passes, embedding, &Values::upload(gpu, embedding, None)?, out_dims)
}

fn pca_of(
    gpu: &Gpu,
    passes: &EmbedPasses,
    embedding: &Embedding,
    values: &Values,
    out_dims: usize,
) -> Result<Pca, GpuError> {
    let (rows, d) = (embedding.rows as u32, embedding.dims);
    let chunks = rows.div_ceil(CHUNK).max(1);
    let base = Params {
        rows,
        dims: d as u32,
        chunk: CHUNK,
        out_dims: out_dims as u32,
        split: values.split,
        ..Params::default()
    };
    let params = params_buffer(gpu);
    // Column sums, then the covariance's upper triangle, each in batches of chunks whose
    // partial sums fit the buffer.
    let sums = partial_sums(gpu, passes, values, &params, None, base, d as u64, chunks)?;
    let mean: Vec<f64> = sums.iter().map(|s| s / rows.max(1) as f64).collect();
    let mean_f32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
    let mean_buffer = gpu.storage_buffer("EmbedPasses::mean", &mean_f32, wgpu::BufferUsages::empty())?;
    let upper = partial_sums(gpu, passes, values, &params, Some(&mean_buffer), base, (d * d) as u64, chunks)?;
    let mut covariance = vec![0.0f64; d * d];
    for (cell, value) in covariance.iter_mut().enumerate() {
        let (i, j) = (cell / d, cell % d);
        *value = upper[i.min(j) * d + i.max(j)] / (rows.max(2) - 1) as f64;
    }
    let (axes, variance) = principal_axes(&covariance, d, out_dims);

    let basis: Vec<f32> = (0..d).flat_map(|c| axes.iter().map(move |axis| axis[c] as f32)).collect();
    let basis_buffer = gpu.storage_buffer("EmbedPasses::basis", &basis, wgpu::BufferUsages::empty())?;
    let projected =
        gpu.zeroed_storage("EmbedPasses::projected", rows as u64 * out_dims as u64 * 4, wgpu::BufferUsages::COPY_SRC)?;
    let b = Bindings {
        values,
        params: &params,
        mean: Some(&mean_buffer),
        partial: None,
        basis: Some(&basis_buffer),
        projected: Some(&projected),
        neighbours: None,
    };
    run(gpu, passes, &passes.project, &b, base, rows as u64)?;
    let flat = read_f32(gpu, &projected, rows as usize * out_dims)?;
    let positions = flat
        .chunks_exact(out_dims)
        .map(|p| [p[0], p.get(1).copied().unwrap_or(0.0), p.get(2).copied().unwrap_or(0.0), 0.0])
        .collect();
    let total_variance = (0..d).map(|i| covariance[i * d + i]).sum();
    Ok(Pca { positions, variance, total_variance })
}

/// Sums over all chunks of rows: the column sums (`mean` not given, `cells` = dims) or
/// the centred products (`cells` = dims x dims), added up in f64 on the CPU.
#[allow(clippy::too_many_arguments)]
fn partial_sums(
    gpu: &Gpu,
    passes: &EmbedPasses,
    values: &Values,
    params: &wgpu::Buffer,
    mean: Option<&wgpu::Buffer>,
    base: Params,
    cells: u64,
    chunks: u32,
) -> Result<Vec<f64>, GpuError> {
    let batch = (MAX_PARTIALS / cells).clamp(1, chunks as u64) as u32;
    let partial = gpu.zeroed_storage("EmbedPasses::partial", cells * batch as u64 * 4, wgpu::BufferUsages::COPY_SRC)?;
    let b = Bindings { values, params, mean, partial: Some(&partial), basis: None, projected: None, neighbours: None };
    let pipeline = if mean.is_some() { &passes.covariance } else { &passes.column_sums };
    let mut totals = vec![0.0f64; cells as usize];
    let mut first = 0;
    while first < chunks {
        let count = batch.min(chunks - first);
        run(gpu, passes, pipeline, &b, Params { first, count, ..base }, cells * count as u64)?;
        let sums = read_f32(gpu, &partial, (cells * count as u64) as usize)?;
        for (i, &s) in sums.iter().enumerate() {
            totals[i % cells as usize] += s as f64;
        }
        first += count;
    }
    Ok(totals)
}

/// The `k` nearest other rows of every row (squared Euclidean distance, ties to the lower
/// index), nearest first: `rows x k` indices. `k` is at most [`MAX_K`] and less than the
/// rows.
pub fn knn(gpu: &Gpu, passes: &EmbedPasses, embedding: &Embedding, k: usize) -> Result<Vec<u32>, GpuError> {
    check(embedding)?;
    assert!((1..=MAX_K).contains(&k) && k < embedding.rows, "k from 1 to MAX_K, below the rows");
    knn_of(gpu, passes, embedding, &Values::upload(gpu, embedding, None)?, k)
}

fn knn_of(
    gpu: &Gpu,
    passes: &EmbedPasses,
    embedding: &Embedding,
    values: &Values,
    k: usize,
) -> Result<Vec<u32>, GpuError> {
    let rows = embedding.rows as u32;
    let slots = rows as u64 * k as u64 * 4;
    let neighbours = gpu.zeroed_storage("EmbedPasses::neighbours", slots, wgpu::BufferUsages::COPY_SRC)?;
    let distances = gpu.zeroed_storage("EmbedPasses::distances", slots, wgpu::BufferUsages::empty())?;
    let params = params_buffer(gpu);
    let b = Bindings {
        values,
        params: &params,
        mean: None,
        partial: Some(&distances),
        basis: None,
        projected: None,
        neighbours: Some(&neighbours),
    };
    // Candidates in ranges short enough for the software drivers' loop limit.
    let tile = (KNN_TURNS / (embedding.dims + k + 2) as u64).max(1) as u32;
    let mut first = 0;
    while first < rows {
        let count = tile.min(rows - first);
        let params = Params {
            rows,
            dims: embedding.dims as u32,
            k: k as u32,
            first,
            count,
            split: values.split,
            ..Params::default()
        };
        run(gpu, passes, &passes.knn, &b, params, rows as u64)?;
        first += count;
    }
    Ok(bytemuck::cast_slice(&read_buffer(gpu, &neighbours, slots)?).to_vec())
}

/// The `k` nearest other rows of every row, nearest first: exact ([`knn`]) up to
/// [`EXACT_ROWS`], approximate beyond ([`nndescent::approximate_knn`]).
pub fn neighbours(gpu: &Gpu, passes: &EmbedPasses, embedding: &Embedding, k: usize) -> Result<Vec<u32>, GpuError> {
    if embedding.rows <= EXACT_ROWS {
        knn(gpu, passes, embedding, k)
    } else {
        nndescent::approximate_knn(gpu, passes, &gpu.kernel::<nndescent::DescentPasses>(), embedding, k)
    }
}

/// The `count` leading eigenvectors (unit length, largest entry positive) and eigenvalues
/// of the symmetric `d x d` matrix `m`, by subspace iteration from a fixed start.
pub fn principal_axes(m: &[f64], d: usize, count: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let count = count.min(d);
    // A fixed, well-spread start: no seed, so the result is the same on every run.
    let mut q: Vec<Vec<f64>> =
        (0..count).map(|j| (0..d).map(|i| ((i * 7 + j * 13 + 1) as f64 * 0.618_034).fract() - 0.5).collect()).collect();
    orthonormalize(&mut q);
    for _ in 0..500 {
        let mut next: Vec<Vec<f64>> =
            q.iter().map(|v| (0..d).map(|i| (0..d).map(|j| m[i * d + j] * v[j]).sum()).collect()).collect();
        orthonormalize(&mut next);
        let change: f64 =
            next.iter().zip(&q).map(|(a, b)| 1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>().abs()).sum();
        q = next;
        if change < 1e-13 {
            break;
        }
    }
    let values: Vec<f64> =
        q.iter().map(|v| (0..d).map(|i| v[i] * (0..d).map(|j| m[i * d + j] * v[j]).sum::<f64>()).sum()).collect();
    // Order by eigenvalue, and fix each sign: the largest entry is positive.
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let axes = order
        .iter()
        .map(|&a| {
            let v = &q[a];
            let largest = v.iter().copied().fold(0.0f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
            v.iter().map(|&x| if largest < 0.0 { -x } else { x }).collect()
        })
        .collect();
    (axes, order.iter().map(|&a| values[a]).collect())
}

/// Modified Gram-Schmidt; a vector that vanishes is replaced by a unit axis.
fn orthonormalize(vectors: &mut [Vec<f64>]) {
    for i in 0..vectors.len() {
        for j in 0..i {
            let dot: f64 = vectors[i].iter().zip(&vectors[j]).map(|(a, b)| a * b).sum();
            let (done, rest) = vectors.split_at_mut(i);
            for (x, y) in rest[0].iter_mut().zip(&done[j]) {
                *x -= dot * y;
            }
        }
        let norm = vectors[i].iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-300 {
            vectors[i].iter_mut().for_each(|x| *x /= norm);
        } else {
            let d = vectors[i].len();
            vectors[i] = (0..d).map(|k| if k == i % d { 1.0 } else { 0.0 }).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values split over two bindings give the same results as in one.
    #[test]
    fn two_bindings_read_like_one() {
        let embedding = crate::graph::generate::blobs(300, 8, 5);
        let gpu = Gpu::headless().expect("an adapter");
        let passes = gpu.kernel::<EmbedPasses>();
        let split = Values::upload(&gpu, &embedding, Some(150 * 8 * 4)).unwrap();
        assert_eq!(split.split, 150);
        let one = Values::upload(&gpu, &embedding, None).unwrap();
        assert_eq!(one.split, 300);
        assert_eq!(
            knn_of(&gpu, &passes, &embedding, &split, 7).unwrap(),
            knn_of(&gpu, &passes, &embedding, &one, 7).unwrap()
        );
        let (a, b) = (
            pca_of(&gpu, &passes, &embedding, &split, 2).unwrap(),
            pca_of(&gpu, &passes, &embedding, &one, 2).unwrap(),
        );
        assert_eq!(a.positions, b.positions);
        assert!(
            Values::upload(&gpu, &embedding, Some(149 * 8 * 4)).is_err(),
            "more than two bindings' worth is refused"
        );
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Embed, "Params") as usize,
            std::mem::size_of::<Params>(),
            "Params in Embed"
        );
    }
}
