//! A UMAP-style neighbour embedding on the GPU, deterministic:
//!
//! 1. the k nearest neighbours of every row ([`super::neighbours`], on the GPU: exact, or
//!    NN-descent for large embeddings);
//! 2. UMAP's fuzzy weights (a per-node distance offset and scale, so each row's weights
//!    sum to log2 k), symmetrised (w + w' - w w') into a CSR graph, on the CPU;
//! 3. a start from the PCA projection, scaled to +-10;
//! 4. epochs of shaders/umap.wgsl: each node gathers the pull of its weighted neighbours
//!    and the push of hashed negative samples and moves itself, reading one position
//!    buffer and writing the other. The learning rate falls linearly to 0. As all terms
//!    act at once, the step is divided by the node's pulls, and more epochs make up for
//!    the shorter steps.
//!
//! [`cpu_epoch`] is the reference of one epoch.

use bytemuck::{Pod, Zeroable};
use glam::Vec4;

use super::{EmbedPasses, Embedding, cpu::distance, neighbours, pca};
use crate::gpu::{
    Gpu, GpuError, Kernel, Shader, bind_group_layout, compute_pipelines, dispatch_size, read_buffer, storage_entry,
    uniform_entry,
};

const WG: u32 = 64;
/// Each term of the gradient is clipped to this, per axis, as in UMAP.
const CLIP: f32 = 4.0;
/// UMAP's curve parameters for min_dist = 0.1, spread = 1.
pub const A: f32 = 1.576_943_5;
pub const B: f32 = 0.895_060_6;
/// Epochs dispatched between two progress reports.
const BATCH: u32 = 25;

/// Mirrors `Epoch` in umap.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct EpochUniforms {
    nodes: u32,
    negatives: u32,
    epoch: u32,
    dims: u32,
    a: f32,
    b: f32,
    alpha: f32,
    seed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UmapConfig {
    /// 2 or 3.
    pub dim: usize,
    /// Neighbours per row (at most [`super::MAX_K`]).
    pub k: usize,
    pub epochs: u32,
    /// Negative samples per node and epoch.
    pub negatives: u32,
    /// Varies the negative samples: another seed, another (equally good) projection.
    pub seed: u32,
}

impl UmapConfig {
    /// UMAP's 15 neighbours and 5 negative samples; 2000 epochs up to 10,000 rows and 500
    /// beyond (four times UMAP's: the gathered steps are smaller than its sampled ones).
    pub fn for_rows(rows: usize, dim: usize) -> UmapConfig {
        let epochs = if rows <= 10_000 { 2000 } else { 500 };
        UmapConfig { dim, k: 15.min(rows.saturating_sub(1)).max(1), epochs, negatives: 5, seed: 0 }
    }
}

/// The weighted, symmetric k-nearest-neighbour graph the epochs gather over.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyGraph {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub weights: Vec<f32>,
}

pub struct UmapPasses {
    step: wgpu::ComputePipeline,
    data_layout: wgpu::BindGroupLayout,
    epoch_layout: wgpu::BindGroupLayout,
}

impl Kernel for UmapPasses {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let data_layout = bind_group_layout(
            device,
            "UmapPasses::data_layout",
            &[
                storage_entry(0, true),
                storage_entry(1, false),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, true),
            ],
        );
        let epoch_layout = bind_group_layout(device, "UmapPasses::epoch_layout", &[uniform_entry(0, true)]);
        let [step] =
            compute_pipelines(device, "UmapPasses", Shader::Umap, &[&data_layout, &epoch_layout], ["epoch_step"]);
        UmapPasses { step, data_layout, epoch_layout }
    }
}

/// UMAP's fuzzy weights of each row's `k` nearest (`neighbours`, nearest first),
/// symmetrised.
pub fn fuzzy_graph(embedding: &Embedding, neighbours: &[u32], k: usize) -> FuzzyGraph {
    let n = embedding.rows;
    let target = (k as f64).log2();
    let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(2 * n * k);
    let mut d = vec![0.0f64; k];
    for i in 0..n {
        let row = &neighbours[i * k..(i + 1) * k];
        for (dj, &j) in d.iter_mut().zip(row) {
            *dj = (distance(embedding, i, j as usize) as f64).sqrt();
        }
        let rho = d.iter().copied().find(|&x| x > 0.0).unwrap_or(0.0);
        let mass = |sigma: f64| d.iter().map(|&x| (-(x - rho).max(0.0) / sigma).exp()).sum::<f64>();
        // Binary search for the scale whose weights sum to log2 k.
        let (mut lo, mut hi, mut sigma) = (0.0f64, f64::INFINITY, 1.0f64);
        for _ in 0..64 {
            let m = mass(sigma);
            if (m - target).abs() < 1e-5 {
                break;
            }
            if m > target {
                hi = sigma;
                sigma = (lo + hi) / 2.0;
            } else {
                lo = sigma;
                sigma = if hi.is_infinite() { sigma * 2.0 } else { (lo + hi) / 2.0 };
            }
        }
        let mean_distance = d.iter().sum::<f64>() / k as f64;
        let sigma = sigma.max(1e-3 * mean_distance).max(1e-12);
        for (&dj, &j) in d.iter().zip(row) {
            let w = (-(dj - rho).max(0.0) / sigma).exp() as f32;
            edges.push((i as u32, j, w));
            edges.push((j, i as u32, w));
        }
    }
    // Both directions of a pair meet after sorting: w + w' - w w'.
    edges.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    let mut offsets = vec![0u32; n + 1];
    let (mut targets, mut weights) = (Vec::with_capacity(edges.len()), Vec::with_capacity(edges.len()));
    let mut e = 0;
    while e < edges.len() {
        let (i, j, w) = edges[e];
        let same = edges[e..].iter().take_while(|x| x.0 == i && x.1 == j).count();
        let w = if same >= 2 { w + edges[e + 1].2 - w * edges[e + 1].2 } else { w };
        targets.push(j);
        weights.push(w);
        offsets[i as usize + 1] += 1;
        e += same;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    FuzzyGraph { offsets, targets, weights }
}

/// The starting layout: the PCA projection scaled so its largest coordinate is 10.
fn start(gpu: &Gpu, passes: &EmbedPasses, embedding: &Embedding, dim: usize) -> Result<Vec<[f32; 4]>, GpuError> {
    let mut positions = pca(gpu, passes, embedding, dim)?.positions;
    let largest = positions.iter().flat_map(|p| p[..3].iter()).fold(0.0f32, |m, &x| m.max(x.abs()));
    let scale = if largest > 0.0 { 10.0 / largest } else { 1.0 };
    positions.iter_mut().for_each(|p| p.iter_mut().for_each(|x| *x *= scale));
    Ok(positions)
}

/// The learning rate of epoch `e` of `epochs`.
fn alpha(e: u32, epochs: u32) -> f32 {
    1.0 - e as f32 / epochs as f32
}

/// Projects the rows to `config.dim` dimensions; `progress(done, total)` follows the
/// epochs.
pub fn umap(
    gpu: &Gpu,
    passes: &EmbedPasses,
    umap_passes: &UmapPasses,
    embedding: &Embedding,
    config: &UmapConfig,
    mut progress: impl FnMut(u32, u32),
) -> Result<Vec<[f32; 4]>, GpuError> {
    let neighbours = neighbours(gpu, passes, embedding, config.k)?;
    let graph = fuzzy_graph(embedding, &neighbours, config.k);
    let positions = start(gpu, passes, embedding, config.dim)?;
    run_epochs(gpu, umap_passes, &graph, positions, config, 0..config.epochs, &mut progress)
}

/// Runs `epochs` (numbers out of `config.epochs`, for the learning rate and the samples)
/// from `positions` on the GPU.
pub fn run_epochs(
    gpu: &Gpu,
    umap_passes: &UmapPasses,
    graph: &FuzzyGraph,
    positions: Vec<[f32; 4]>,
    config: &UmapConfig,
    epochs: std::ops::Range<u32>,
    progress: &mut impl FnMut(u32, u32),
) -> Result<Vec<[f32; 4]>, GpuError> {
    let n = positions.len() as u32;
    let usage = wgpu::BufferUsages::COPY_SRC;
    let buffers = [
        gpu.storage_buffer("Umap::positions", &positions, usage)?,
        gpu.storage_buffer("Umap::positions", &positions, usage)?,
    ];
    let offsets = gpu.storage_buffer("Umap::offsets", &graph.offsets, wgpu::BufferUsages::empty())?;
    let targets = gpu.storage_buffer("Umap::targets", &graph.targets, wgpu::BufferUsages::empty())?;
    let weights = gpu.storage_buffer("Umap::weights", &graph.weights, wgpu::BufferUsages::empty())?;
    let data = |from: usize| {
        let entries: Vec<wgpu::BindGroupEntry> = [&buffers[from], &buffers[1 - from], &offsets, &targets, &weights]
            .into_iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("Umap::data"),
            layout: &umap_passes.data_layout,
            entries: &entries,
        })
    };
    let groups = [data(0), data(1)];
    let stride =
        gpu.device.limits().min_uniform_buffer_offset_alignment.max(std::mem::size_of::<EpochUniforms>() as u32);
    let uniforms = crate::gpu::uniform_buffer(&gpu.device, "Umap::epochs", BATCH as u64 * stride as u64);
    let epoch_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("Umap::epoch"),
        layout: &umap_passes.epoch_layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &uniforms,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<EpochUniforms>() as u64),
            }),
        }],
    });
    let mut bytes = Vec::with_capacity(BATCH as usize * stride as usize);
    let mut current = 0;
    let total = epochs.len() as u32;
    let mut start = epochs.start;
    while start < epochs.end {
        let end = (start + BATCH).min(epochs.end);
        bytes.clear();
        for e in start..end {
            let entry = EpochUniforms {
                nodes: n,
                negatives: config.negatives,
                epoch: e,
                dims: config.dim as u32,
                a: A,
                b: B,
                alpha: alpha(e, config.epochs),
                seed: config.seed,
            };
            bytes.extend_from_slice(bytemuck::bytes_of(&entry));
            bytes.resize(bytes.len().next_multiple_of(stride as usize), 0);
        }
        gpu.queue.write_buffer(&uniforms, 0, &bytes);
        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("Umap") });
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("Umap"), timestamp_writes: None });
            pass.set_pipeline(&umap_passes.step);
            let (x, y) = dispatch_size(n, WG);
            for slot in 0..end - start {
                pass.set_bind_group(0, &groups[current], &[]);
                pass.set_bind_group(1, &epoch_group, &[slot * stride]);
                pass.dispatch_workgroups(x, y, 1);
                current = 1 - current;
            }
        }
        gpu.queue.submit([encoder.finish()]);
        gpu.wait()?;
        progress(end - epochs.start, total);
        start = end;
    }
    let bytes = read_buffer(gpu, &buffers[current], n as u64 * 16)?;
    Ok(bytemuck::pod_collect_to_vec(&bytes))
}

/// The shader's hash of a negative sample.
fn hash(x: u32) -> u32 {
    let state = x.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// CPU reference of epoch `e`: the positions after it.
pub fn cpu_epoch(graph: &FuzzyGraph, positions: &[[f32; 4]], config: &UmapConfig, e: u32) -> Vec<[f32; 4]> {
    let n = positions.len();
    let clip = |v: Vec4| v.clamp(Vec4::splat(-CLIP), Vec4::splat(CLIP));
    (0..n)
        .map(|i| {
            let yi = Vec4::from_array(positions[i]);
            let mut delta = Vec4::ZERO;
            let mut strength = 0.0;
            for edge in graph.offsets[i] as usize..graph.offsets[i + 1] as usize {
                let diff = yi - Vec4::from_array(positions[graph.targets[edge] as usize]);
                let d2 = diff.dot(diff);
                if d2 > 0.0 {
                    let coeff = -2.0 * A * B * d2.powf(B - 1.0) / (A * d2.powf(B) + 1.0);
                    delta += 2.0 * graph.weights[edge] * clip(coeff * diff);
                }
                strength += graph.weights[edge];
            }
            let share = strength;
            for s in 0..config.negatives {
                let draw =
                    hash((i as u32).wrapping_mul(977).wrapping_add(e)) ^ s.wrapping_mul(2_654_435_761) ^ config.seed;
                let k = (hash(draw) % n as u32) as usize;
                if k == i {
                    continue;
                }
                let diff = yi - Vec4::from_array(positions[k]);
                let d2 = diff.dot(diff);
                let push = if d2 > 0.0 {
                    clip(2.0 * B / ((0.001 + d2) * (A * d2.powf(B) + 1.0)) * diff)
                } else {
                    Vec4::new(CLIP, CLIP, CLIP, 0.0)
                };
                delta += share * push;
            }
            let mut moved = yi + alpha(e, config.epochs) * delta / (2.0 * strength).max(1e-6);
            if config.dim < 3 {
                moved.z = 0.0;
            }
            moved.w = 0.0;
            moved.to_array()
        })
        .collect()
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Umap, "Epoch") as usize,
            std::mem::size_of::<EpochUniforms>(),
            "Epoch in Umap"
        );
    }
}
