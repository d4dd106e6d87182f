//! GPU force-directed layout: the passes of shaders/force.wgsl, driven iteration by
//! iteration.
//!
//! [`ForceLayout`] owns the pipelines and bind-group layouts (create once per device);
//! [`ForceRun`] owns one graph's buffers and bind groups and advances the layout in
//! batches, so a window can show it converging. Positions ping-pong between two buffers;
//! iterations run in pairs, so after every batch the result is in [`ForceRun::positions`].

use bytemuck::{Pod, Zeroable};

use glam::Vec3;

use super::ForceParams;

use crate::geom::Bounds;
use crate::geom::Dim;
use crate::gpu::{
    CsrBuffers, Gpu, GpuError, Kernel, Shader, bind_group_layout, compute_pipelines, dispatch_size, read_buffer,
    storage_entry, uniform_entry,
};

const WG: u32 = 64;

/// One entry of the dynamic-offset uniform buffer. Mirrors `Step` in force.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct StepUniforms {
    temperature: f32,
    level: u32,
}

pub struct ForceLayout {
    bounds: wgpu::ComputePipeline,
    mass_centre: wgpu::ComputePipeline,
    splat: wgpu::ComputePipeline,
    scan_cells: wgpu::ComputePipeline,
    scan_blocks: wgpu::ComputePipeline,
    finalize: wgpu::ComputePipeline,
    scatter: wgpu::ComputePipeline,
    sort_cells: wgpu::ComputePipeline,
    coarsen: wgpu::ComputePipeline,
    force: wgpu::ComputePipeline,
    shared_layout: wgpu::BindGroupLayout,
    positions_layout: wgpu::BindGroupLayout,
    step_layout: wgpu::BindGroupLayout,
}

impl Kernel for ForceLayout {
    type Key = ();

    fn build(device: &wgpu::Device, _: &()) -> Self {
        let shared_layout = bind_group_layout(
            device,
            "ForceLayout::shared_layout",
            &[
                uniform_entry(0, false),
                storage_entry(1, false),
                storage_entry(2, false),
                storage_entry(3, false),
                storage_entry(4, false),
                storage_entry(5, true),
                storage_entry(6, true),
            ],
        );
        let positions_layout = bind_group_layout(
            device,
            "ForceLayout::positions_layout",
            &[storage_entry(0, true), storage_entry(1, false)],
        );
        let step_layout = bind_group_layout(device, "ForceLayout::step_layout", &[uniform_entry(0, true)]);
        let [bounds, mass_centre, splat, scan_cells, scan_blocks, finalize, scatter, sort_cells, coarsen, force] =
            compute_pipelines(
                device,
                "ForceLayout",
                Shader::Force,
                &[&shared_layout, &positions_layout, &step_layout],
                [
                    "bounds_pass",
                    "mass_centre",
                    "splat",
                    "scan_cells",
                    "scan_blocks",
                    "finalize",
                    "scatter",
                    "sort_cells",
                    "coarsen",
                    "force",
                ],
            );
        ForceLayout {
            bounds,
            mass_centre,
            splat,
            scan_cells,
            scan_blocks,
            finalize,
            scatter,
            sort_cells,
            coarsen,
            force,
            shared_layout,
            positions_layout,
            step_layout,
        }
    }
}

/// One graph's layout in progress on the GPU.
pub struct ForceRun {
    /// The adjacency the springs pull along, which K-hop queries may share.
    pub adjacency: CsrBuffers,
    params: ForceParams,
    positions: [wgpu::Buffer; 2],
    bounds: wgpu::Buffer,
    /// Per finest cell its node count, first slot and slots taken; block prefixes; node
    /// indices grouped by cell (the `cells` layout in force.wgsl).
    cells: wgpu::Buffer,
    cell_sum: wgpu::Buffer,
    shared: wgpu::BindGroup,
    /// `[0]` reads positions[0] and writes positions[1]; `[1]` the reverse.
    ping_pong: [wgpu::BindGroup; 2],
    step: wgpu::BindGroup,
    step_stride: u32,
    iterations: u32,
    done: u32,
}

impl ForceRun {
    /// Runs on the graph's adjacency `csr` (of [`crate::graph::Direction::Both`], from
    /// [`Gpu::upload_csr`]) from `initial` positions, which it uploads; `schedule` is one temperature per iteration (see
    /// [`super::temperatures`]), its length rounded up to even by repeating the last.
    pub fn new(
        gpu: &Gpu,
        layout: &ForceLayout,
        csr: &CsrBuffers,
        initial: &[[f32; 4]],
        dim: Dim,
        mut schedule: Vec<f32>,
    ) -> Result<Self, GpuError> {
        let device = &gpu.device;
        let n = initial.len() as u32;
        let params = ForceParams::new(n, dim);
        while schedule.len() < 2 || schedule.len() % 2 == 1 {
            schedule.push(schedule.last().copied().unwrap_or(0.0));
        }
        let iterations = schedule.len() as u32;

        let copy = wgpu::BufferUsages::COPY_SRC;
        let positions = [
            gpu.storage_buffer("netlens.positions", initial, copy)?,
            gpu.storage_buffer("netlens.positions_next", initial, copy)?,
        ];
        let uniform = |label, bytes: &[u8]| {
            wgpu::util::DeviceExt::create_buffer_init(
                device,
                &wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytes,
                    usage: wgpu::BufferUsages::UNIFORM,
                },
            )
        };
        let params_buffer = uniform("ForceRun::params", bytemuck::bytes_of(&params));
        let cells0 = params.cells(0) as u64;
        let bounds = gpu.zeroed_storage("ForceRun::bounds", 32, wgpu::BufferUsages::COPY_SRC)?;
        let cells = gpu.zeroed_storage(
            "ForceRun::cells",
            (3 * cells0 + cells0.div_ceil(WG as u64) + n as u64) * 4,
            wgpu::BufferUsages::empty(),
        )?;
        let cell_sum =
            gpu.zeroed_storage("ForceRun::cell_sum", cells0 * 4 * params.dim as u64, wgpu::BufferUsages::empty())?;
        // The pyramid's cells, the near field's positions in slot order, each workgroup's
        // sum of the largest component's positions, and its centre of mass.
        let pyramid = gpu.zeroed_storage(
            "ForceRun::pyramid",
            (params.pyramid_cells() as u64 + n as u64 + n.div_ceil(WG) as u64 + 1) * 16,
            wgpu::BufferUsages::empty(),
        )?;

        // Step entries: one per pyramid level (for coarsen), then one per iteration.
        let step_stride =
            device.limits().min_uniform_buffer_offset_alignment.max(std::mem::size_of::<StepUniforms>() as u32);
        let entries = (0..params.levels)
            .map(|level| StepUniforms { temperature: 0.0, level })
            .chain(schedule.iter().map(|&temperature| StepUniforms { temperature, level: 0 }));
        let mut step_bytes = Vec::new();
        for entry in entries {
            step_bytes.extend_from_slice(bytemuck::bytes_of(&entry));
            step_bytes.resize(step_bytes.len().next_multiple_of(step_stride as usize), 0);
        }
        let step_buffer = uniform("ForceRun::steps", &step_bytes);

        fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
            wgpu::BindGroupEntry { binding, resource: buffer.as_entire_binding() }
        }
        let shared = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("ForceRun::shared"),
            layout: &layout.shared_layout,
            entries: &[
                entry(0, &params_buffer),
                entry(1, &bounds),
                entry(2, &cells),
                entry(3, &cell_sum),
                entry(4, &pyramid),
                entry(5, &csr.offsets),
                entry(6, &csr.targets),
            ],
        });
        let pair = |from: usize, to: usize| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("ForceRun::ping_pong"),
                layout: &layout.positions_layout,
                entries: &[entry(0, &positions[from]), entry(1, &positions[to])],
            })
        };
        let ping_pong = [pair(0, 1), pair(1, 0)];
        let step = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("ForceRun::step"),
            layout: &layout.step_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &step_buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(std::mem::size_of::<StepUniforms>() as u64),
                }),
            }],
        });
        Ok(ForceRun {
            params,
            positions,
            bounds,
            cells,
            cell_sum,
            shared,
            ping_pong,
            step,
            step_stride,
            iterations,
            done: 0,
            adjacency: csr.clone(),
        })
    }

    /// Iterations run so far and in all.
    pub fn progress(&self) -> (u32, u32) {
        (self.done, self.iterations)
    }

    pub fn is_done(&self) -> bool {
        self.done >= self.iterations
    }

    /// The current positions, `[x, y, z, w]` per node (w: the node's gravity weight).
    pub fn positions(&self) -> &wgpu::Buffer {
        &self.positions[0]
    }

    /// Runs up to `count` more iterations (rounded up to a pair) and submits them.
    pub fn advance(&mut self, gpu: &Gpu, layout: &ForceLayout, count: u32) {
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("ForceRun::advance") });
        let end = (self.done + count.next_multiple_of(2)).min(self.iterations);
        while self.done < end {
            self.encode_iteration(&mut encoder, layout, self.done);
            self.done += 1;
        }
        gpu.queue.submit([encoder.finish()]);
    }

    fn encode_iteration(&self, encoder: &mut wgpu::CommandEncoder, layout: &ForceLayout, iteration: u32) {
        encoder.clear_buffer(&self.bounds, 0, None);
        encoder.clear_buffer(&self.cells, 0, None);
        encoder.clear_buffer(&self.cell_sum, 0, None);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("ForceRun::iteration"),
            timestamp_writes: None,
        });
        pass.set_bind_group(0, &self.shared, &[]);
        pass.set_bind_group(1, &self.ping_pong[(iteration % 2) as usize], &[]);
        let n = self.params.node_count;
        let dispatch = |pass: &mut wgpu::ComputePass<'_>, pipeline: &wgpu::ComputePipeline, step: u32, items: u32| {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(2, &self.step, &[step * self.step_stride]);
            let (x, y) = dispatch_size(items, WG);
            pass.dispatch_workgroups(x, y, 1);
        };
        let iteration_step = self.params.levels + iteration;
        dispatch(&mut pass, &layout.bounds, iteration_step, n);
        dispatch(&mut pass, &layout.mass_centre, iteration_step, WG);
        dispatch(&mut pass, &layout.splat, iteration_step, n);
        let cells0 = self.params.cells(0);
        dispatch(&mut pass, &layout.scan_cells, iteration_step, cells0);
        dispatch(&mut pass, &layout.scan_blocks, iteration_step, WG);
        dispatch(&mut pass, &layout.finalize, iteration_step, cells0);
        dispatch(&mut pass, &layout.scatter, iteration_step, n);
        dispatch(&mut pass, &layout.sort_cells, iteration_step, cells0);
        for level in 1..self.params.levels {
            dispatch(&mut pass, &layout.coarsen, level, self.params.cells(level));
        }
        dispatch(&mut pass, &layout.force, iteration_step, n);
    }

    /// The bounding box the last iteration started from (32 bytes read back: cheap enough
    /// to follow a converging layout with the camera every frame).
    pub fn read_bounds(&self, gpu: &Gpu) -> Result<Bounds, GpuError> {
        let keys: Vec<u32> = bytemuck::pod_collect_to_vec(&read_buffer(gpu, &self.bounds, 32)?);
        let axis = |a: usize| (from_order_key(!keys[a]), from_order_key(keys[4 + a]));
        let [(x0, x1), (y0, y1), (z0, z1)] = [axis(0), axis(1), axis(2)];
        Ok(Bounds { min: Vec3::new(x0, y0, z0), max: Vec3::new(x1, y1, z1) })
    }

    /// Copies the current positions back to the CPU, `[x, y, z, 0]` per node (the GPU
    /// keeps each node's gravity weight in the fourth component).
    pub fn read_positions(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        let bytes = read_buffer(gpu, self.positions(), self.params.node_count as u64 * 16)?;
        let mut positions: Vec<[f32; 4]> = bytemuck::pod_collect_to_vec(&bytes);
        for p in &mut positions {
            p[3] = 0.0;
        }
        Ok(positions)
    }
}

/// Inverse of `order_key` in force.wgsl: u32 keys that sort like the floats they encode.
fn from_order_key(key: u32) -> f32 {
    if key & 0x8000_0000 != 0 { f32::from_bits(key & 0x7fff_ffff) } else { f32::from_bits(!key) }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Force, "Step") as usize,
            std::mem::size_of::<StepUniforms>(),
            "Step in Force"
        );
    }
}
