//! The layered layout's barycenter sweeps on the GPU (shaders/sweep.wgsl): a round, one
//! sweep down the layers and one back up, runs as two dispatches of one workgroup that
//! walks the layers in order, each layer's keys gathered and sorted in parallel. The
//! result equals the CPU sweeps (`sweep` in [`super::layered`]) to the node: keys are exact
//! fractions of whole ranks.

use bytemuck::{Pod, Zeroable};

use crate::gpu::{
    Gpu, GpuError, Shader, bind_group_layout, compute_pipelines, read_buffer, storage_entry, uniform_entry,
};
use crate::graph::Csr;

/// Mirrors `Params` in sweep.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct SweepParams {
    downward: u32,
    layer_count: u32,
    down_rows: u32,
    pad: u32,
}

/// One layered graph's layers and neighbours on the GPU, ready for sweeps.
pub struct GpuSweeps {
    pipeline: wgpu::ComputePipeline,
    rank: wgpu::Buffer,
    members: wgpu::Buffer,
    /// The sweep down, then the sweep up.
    groups: Vec<wgpu::BindGroup>,
    /// Where each layer starts in the members, and the node count.
    layer_start: Vec<u32>,
    nodes: usize,
}

impl GpuSweeps {
    /// Uploads the layers (`members`) and each node's neighbours above (`up`) and below
    /// (`down`). `None` when a key could overflow 32 bits (a node with so many neighbours
    /// in so wide a layer that the sum of their ranks passes 2^32): the CPU sweeps then.
    pub fn new(gpu: &Gpu, members: &[Vec<u32>], up: &[Vec<u32>], down: &[Vec<u32>]) -> Result<Option<Self>, GpuError> {
        let nodes = up.len();
        let widest = members.iter().map(Vec::len).max().unwrap_or(0) as u64;
        let degree = up.iter().chain(down).map(Vec::len).max().unwrap_or(0) as u64;
        if members.len() < 2 || widest * degree.max(1) >= 1 << 32 {
            return Ok(None);
        }
        // Both sides' rows in one buffer: the upper neighbours', then the lower ones'.
        let (above, below) = (Csr::from_rows(up), Csr::from_rows(down));
        let mut offsets = above.offsets;
        offsets.extend(below.offsets.iter().map(|&o| o + above.targets.len() as u32));
        let mut targets = above.targets;
        targets.extend(below.targets);
        let mut layer_start = vec![0u32];
        for layer in members {
            layer_start.push(layer_start.last().copied().unwrap_or(0) + layer.len() as u32);
        }
        let flat: Vec<u32> = members.concat();
        let padded = widest.next_power_of_two().max(1);
        let device = &gpu.device;
        let layout = bind_group_layout(
            device,
            "GpuSweeps::layout",
            &[
                storage_entry(0, false),
                storage_entry(1, false),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, true),
                storage_entry(5, false),
                uniform_entry(6, false),
            ],
        );
        let [pipeline] = compute_pipelines(device, "GpuSweeps", Shader::Sweep, &[&layout], ["sweep"]);
        let rank = gpu.zeroed_storage("GpuSweeps::rank", nodes as u64 * 4, wgpu::BufferUsages::COPY_SRC)?;
        let order = gpu.storage_buffer("GpuSweeps::members", &flat, wgpu::BufferUsages::COPY_SRC)?;
        let starts = gpu.storage_buffer("GpuSweeps::layer_start", &layer_start, wgpu::BufferUsages::empty())?;
        let offsets = gpu.storage_buffer("GpuSweeps::offsets", &offsets, wgpu::BufferUsages::empty())?;
        let targets = gpu.storage_buffer("GpuSweeps::targets", &targets, wgpu::BufferUsages::empty())?;
        let slots = gpu.zeroed_storage("GpuSweeps::slots", padded * 16, wgpu::BufferUsages::empty())?;
        let mut groups = Vec::with_capacity(2);
        for downward in [true, false] {
            let params = SweepParams {
                downward: downward as u32,
                layer_count: members.len() as u32,
                down_rows: nodes as u32 + 1,
                pad: 0,
            };
            let params = gpu.storage_buffer("GpuSweeps::params", &[params], wgpu::BufferUsages::UNIFORM)?;
            let buffers = [&rank, &order, &starts, &offsets, &targets, &slots, &params];
            let entries: Vec<wgpu::BindGroupEntry> = buffers
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
                .collect();
            groups.push(device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("GpuSweeps::group"),
                layout: &layout,
                entries: &entries,
            }));
        }
        Ok(Some(GpuSweeps { pipeline, rank, members: order, groups, layer_start, nodes }))
    }

    /// One round: a sweep down and one up, from the layers' current order (`members`,
    /// rank `position` within each layer), which it replaces.
    pub fn round(&self, gpu: &Gpu, members: &mut [Vec<u32>], position: &mut [f32]) -> Result<(), GpuError> {
        let flat: Vec<u32> = members.concat();
        let ranks: Vec<u32> = position.iter().map(|&p| p as u32).collect();
        gpu.queue.write_buffer(&self.members, 0, bytemuck::cast_slice(&flat));
        gpu.queue.write_buffer(&self.rank, 0, bytemuck::cast_slice(&ranks));
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("GpuSweeps") });
        for group in &self.groups {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("GpuSweeps"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        gpu.queue.submit([encoder.finish()]);
        let order: Vec<u32> = bytemuck::pod_collect_to_vec(&read_buffer(gpu, &self.members, flat.len() as u64 * 4)?);
        let ranks: Vec<u32> = bytemuck::pod_collect_to_vec(&read_buffer(gpu, &self.rank, self.nodes as u64 * 4)?);
        for (l, layer) in members.iter_mut().enumerate() {
            let (start, end) = (self.layer_start[l] as usize, self.layer_start[l + 1] as usize);
            layer.copy_from_slice(&order[start..end]);
        }
        for (p, &r) in position.iter_mut().zip(&ranks) {
            *p = r as f32;
        }
        Ok(())
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Sweep, "Params") as usize,
            std::mem::size_of::<SweepParams>(),
            "Params in Sweep"
        );
    }
}
