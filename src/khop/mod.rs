//! K-hop neighbourhoods on the GPU: which nodes lie within K hops of a selection, and how
//! many at each distance.
//!
//! [`KHop`] owns the pipelines of shaders/khop.wgsl (create once per device);
//! [`Neighbourhoods`] owns one graph's adjacency on the GPU and a `hops` buffer, one
//! `u32` per node (hops from the nearest seed, or [`UNREACHED`]). The renderer reads that
//! buffer to highlight the neighbourhood, so a selection never leaves the GPU. [`cpu`]
//! is the reference the tests compare against.

use bytemuck::{Pod, Zeroable};

use crate::gpu::{
    CsrBuffers, Gpu, GpuError, Kernel, Shader, bind_group_layout, compute_pipelines, dispatch_size, read_buffer,
    storage_entry, uniform_entry,
};
use crate::graph::bfs::UNREACHED;
use crate::graph::{Direction, Graph};

/// What to highlight: the nodes within `hops` of the seeds, following `direction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Node indices.
    pub seeds: Vec<u32>,
    pub hops: u32,
    pub direction: Direction,
}

/// The largest K a query may ask for (the GPU histogram has a bin per hop).
pub const MAX_HOPS: u32 = 64;

const WG: u32 = 64;

/// One entry of the dynamic-offset uniform buffer. Mirrors `Step` in khop.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct StepUniforms {
    hop: u32,
    items: u32,
}

pub struct KHop {
    clear: wgpu::ComputePipeline,
    seed: wgpu::ComputePipeline,
    expand: wgpu::ComputePipeline,
    count: wgpu::ComputePipeline,
    data_layout: wgpu::BindGroupLayout,
    step_layout: wgpu::BindGroupLayout,
}

impl Kernel for KHop {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let data_layout = bind_group_layout(
            device,
            "KHop::data_layout",
            &[
                storage_entry(0, false),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, false),
            ],
        );
        let step_layout = bind_group_layout(device, "KHop::step_layout", &[uniform_entry(0, true)]);
        let [clear, seed, expand, count] = compute_pipelines(
            device,
            "KHop",
            Shader::KHop,
            &[&data_layout, &step_layout],
            ["clear", "seed", "expand", "count"],
        );
        KHop { clear, seed, expand, count, data_layout, step_layout }
    }
}

/// A `hops` buffer for `node_count` nodes (all [`UNREACHED`] until a query runs), for
/// [`Neighbourhoods::new`] and the renderer.
pub fn hops_buffer(gpu: &Gpu, node_count: u32) -> Result<wgpu::Buffer, GpuError> {
    gpu.storage_buffer("netlens.hops", &vec![UNREACHED; node_count as usize], wgpu::BufferUsages::COPY_SRC)
}

/// The adjacency a K-hop step gathers over: a node is reached from the nodes its
/// gather row lists. Out-neighbourhoods follow edges forward, so a node gathers from its
/// sources (the in-CSR); undirected graphs ignore the direction.
pub fn gather_direction(graph: &Graph, direction: Direction) -> Direction {
    match direction {
        _ if !graph.directed => Direction::Both,
        Direction::Out => Direction::In,
        Direction::In => Direction::Out,
        Direction::Both => Direction::Both,
    }
}

/// `graph`'s adjacency for neighbourhoods in `direction` on the GPU (the rows a step
/// gathers over, [`gather_direction`]).
pub fn adjacency(gpu: &Gpu, graph: &Graph, direction: Direction) -> Result<CsrBuffers, GpuError> {
    gpu.upload_csr(&graph.csr(gather_direction(graph, direction)))
}

/// One graph's adjacency in one direction, ready for K-hop queries.
pub struct Neighbourhoods {
    adjacency: CsrBuffers,
    hops: wgpu::Buffer,
    counts: wgpu::Buffer,
    seeds: wgpu::Buffer,
    data: wgpu::BindGroup,
    steps: wgpu::Buffer,
    step: wgpu::BindGroup,
    step_stride: u32,
    last_hops: u32,
}

impl Neighbourhoods {
    /// Queries over `adjacency` (from [`adjacency`], or a force layout's of an undirected
    /// neighbourhood) that write `hops` (from [`hops_buffer`]).
    pub fn new(gpu: &Gpu, khop: &KHop, adjacency: &CsrBuffers, hops: wgpu::Buffer) -> Result<Self, GpuError> {
        let counts =
            gpu.zeroed_storage("Neighbourhoods::counts", (MAX_HOPS as u64 + 1) * 4, wgpu::BufferUsages::COPY_SRC)?;
        let seeds = gpu.zeroed_storage("Neighbourhoods::seeds", 16, wgpu::BufferUsages::empty())?;
        let step_stride =
            gpu.device.limits().min_uniform_buffer_offset_alignment.max(std::mem::size_of::<StepUniforms>() as u32);
        let steps = crate::gpu::uniform_buffer(
            &gpu.device,
            "Neighbourhoods::steps",
            (MAX_HOPS as u64 + 3) * step_stride as u64,
        );
        let step = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("Neighbourhoods::step"),
            layout: &khop.step_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &steps,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<StepUniforms>() as u64),
                }),
            }],
        });
        let data = data_group(gpu, khop, [&hops, &adjacency.offsets, &adjacency.targets, &seeds, &counts]);
        Ok(Neighbourhoods {
            adjacency: adjacency.clone(),
            hops,
            counts,
            seeds,
            data,
            steps,
            step,
            step_stride,
            last_hops: 0,
        })
    }

    /// The buffer queries write: one `u32` per node.
    pub fn hops(&self) -> &wgpu::Buffer {
        &self.hops
    }

    /// Submits a query: every node within `max_hops` (at most [`MAX_HOPS`]) of the
    /// nearest seed gets its distance in [`Self::hops`], and the histogram is counted.
    /// Seeds must be node indices.
    pub fn select(&mut self, gpu: &Gpu, khop: &KHop, seeds: &[u32], max_hops: u32) -> Result<(), GpuError> {
        let max_hops = max_hops.min(MAX_HOPS);
        assert!(seeds.iter().all(|&s| s < self.adjacency.node_count), "seeds are node indices");
        let seed_bytes = seeds.len() as u64 * 4;
        if seed_bytes > self.seeds.size() {
            gpu.check_binding("the selection", seed_bytes)?;
            self.seeds = gpu.zeroed_storage(
                "Neighbourhoods::seeds",
                seed_bytes.next_power_of_two(),
                wgpu::BufferUsages::empty(),
            )?;
            self.data = data_group(
                gpu,
                khop,
                [&self.hops, &self.adjacency.offsets, &self.adjacency.targets, &self.seeds, &self.counts],
            );
        }
        if !seeds.is_empty() {
            gpu.queue.write_buffer(&self.seeds, 0, bytemuck::cast_slice(seeds));
        }
        // Entries: clear, seed, one per hop (hop h at entry h + 1), then the count (K bins).
        let n = self.adjacency.node_count;
        let mut bytes = Vec::new();
        let entries = [StepUniforms { hop: 0, items: n }, StepUniforms { hop: 0, items: seeds.len() as u32 }]
            .into_iter()
            .chain((1..=max_hops).map(|hop| StepUniforms { hop, items: n }))
            .chain([StepUniforms { hop: max_hops, items: n }]);
        for entry in entries {
            bytes.extend_from_slice(bytemuck::bytes_of(&entry));
            bytes.resize(bytes.len().next_multiple_of(self.step_stride as usize), 0);
        }
        gpu.queue.write_buffer(&self.steps, 0, &bytes);

        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("Neighbourhoods::select") });
        encoder.clear_buffer(&self.counts, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("Neighbourhoods::select"),
                timestamp_writes: None,
            });
            pass.set_bind_group(0, &self.data, &[]);
            let mut dispatch = |pipeline: &wgpu::ComputePipeline, entry: u32, items: u32| {
                pass.set_pipeline(pipeline);
                pass.set_bind_group(1, &self.step, &[entry * self.step_stride]);
                let (x, y) = dispatch_size(items, WG);
                pass.dispatch_workgroups(x, y, 1);
            };
            dispatch(&khop.clear, 0, n);
            if !seeds.is_empty() {
                dispatch(&khop.seed, 1, seeds.len() as u32);
            }
            for hop in 1..=max_hops {
                dispatch(&khop.expand, hop + 1, n);
            }
            dispatch(&khop.count, max_hops + 2, n);
        }
        gpu.queue.submit([encoder.finish()]);
        self.last_hops = max_hops;
        Ok(())
    }

    /// The last query's histogram: nodes at exactly 0, 1, ..., K hops.
    pub fn read_counts(&self, gpu: &Gpu) -> Result<Vec<u64>, GpuError> {
        let bins = self.last_hops as u64 + 1;
        let bytes = read_buffer(gpu, &self.counts, bins * 4)?;
        Ok(bytemuck::pod_collect_to_vec::<u8, u32>(&bytes).into_iter().map(u64::from).collect())
    }

    /// The last query's hop per node (for tests and exports).
    pub fn read_hops(&self, gpu: &Gpu) -> Result<Vec<u32>, GpuError> {
        let bytes = read_buffer(gpu, &self.hops, self.adjacency.node_count as u64 * 4)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }
}

fn data_group(gpu: &Gpu, khop: &KHop, buffers: [&wgpu::Buffer; 5]) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("Neighbourhoods::data"),
        layout: &khop.data_layout,
        entries: &entries,
    })
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::KHop, "Step") as usize,
            std::mem::size_of::<StepUniforms>(),
            "Step in KHop"
        );
    }
}
