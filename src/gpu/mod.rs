//! The GPU context, in one place: adapter choice, device creation, shaders, buffers.
//!
//! [`Gpu::new`] enumerates the adapters of the allowed backends (all, or the one named by
//! `NETLENS_BACKEND`), keeps those that can run our passes (compute shaders, storage
//! buffers read from vertex shaders) and, for a window, present to its surface, then
//! prefers hardware over software: discrete, integrated, virtual, other, CPU. The device
//! gets the adapter's own limits, so big graphs can use big buffers.

mod readback;
pub mod shaders;

pub use readback::{map_read, read_buffer};
pub use shaders::Shader;
#[cfg(test)]
pub use shaders::wgsl_struct_size;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use thiserror::Error;
use wgpu::util::DeviceExt;

use crate::graph::{Csr, Graph};

/// The environment variable that forces a backend.
pub const BACKEND_VAR: &str = "NETLENS_BACKEND";

#[derive(Debug, Error)]
pub enum GpuError {
    #[error("{BACKEND_VAR}={0:?} names no backend; use one of vulkan, gl, metal, dx12")]
    UnknownBackend(String),
    #[error(
        "no usable graphics adapter found{0}; on Linux without a GPU install Mesa's software drivers (Debian: mesa-vulkan-drivers, or libegl1-mesa for GL)"
    )]
    NoAdapter(String),
    #[error("could not create a device on {adapter}: {error}")]
    Device { adapter: String, error: wgpu::RequestDeviceError },
    #[error("the GPU reported an error (out of memory?): {0}")]
    Validation(String),
    #[error("reading GPU memory back failed: {0}")]
    Readback(String),
    #[error("{what} needs {needed} bytes in one buffer binding; this adapter allows {limit}")]
    TooLarge { what: &'static str, needed: u64, limit: u64 },
}

/// A device and queue on the chosen adapter.
pub struct Gpu {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// The first error the device reported outside an error scope (out of memory, most
    /// likely), returned by the next [`Gpu::wait`] instead of wgpu's default panic.
    uncaptured: Arc<Mutex<Option<String>>>,
    /// Every pass's pipelines, built on first use ([`Gpu::kernel`]): per kernel type, a
    /// `HashMap<K::Key, Arc<K>>`.
    kernels: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

/// A pass's long-lived GPU objects (pipelines, bind-group layouts), built once per device
/// and shared by every run of the pass; per-run data (buffers, bind groups) lives apart.
/// `Key` tells variants apart, such as a renderer's target format.
pub trait Kernel: Send + Sync + 'static {
    type Key: Hash + Eq + Send + 'static;
    fn build(device: &wgpu::Device, key: &Self::Key) -> Self;
}

/// What `netlens info --gpu` prints.
#[derive(Debug, Clone, Serialize)]
pub struct AdapterReport {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub max_buffer_size: u64,
    pub max_storage_buffer_binding_size: u64,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_compute_invocations_per_workgroup: u32,
    pub max_compute_workgroup_storage_size: u32,
    pub max_texture_dimension_2d: u32,
}

impl fmt::Display for AdapterReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "adapter   {} ({}, {})", self.name, self.backend, self.device_type)?;
        writeln!(f, "driver    {}", self.driver)?;
        writeln!(f, "max buffer size                  {}", bytes(self.max_buffer_size))?;
        writeln!(f, "max storage buffer binding       {}", bytes(self.max_storage_buffer_binding_size))?;
        writeln!(f, "max workgroups per dimension     {}", self.max_compute_workgroups_per_dimension)?;
        writeln!(f, "max invocations per workgroup    {}", self.max_compute_invocations_per_workgroup)?;
        writeln!(f, "max workgroup memory             {}", bytes(self.max_compute_workgroup_storage_size as u64))?;
        write!(f, "max texture size                 {}", self.max_texture_dimension_2d)
    }
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n => format!("{} KiB", n >> 10),
    }
}

fn device_type_rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

fn backend_rank(b: wgpu::Backend) -> u8 {
    match b {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    }
}

/// The backends allowed by `NETLENS_BACKEND`, or all.
pub fn backends_from_env() -> Result<wgpu::Backends, GpuError> {
    match std::env::var(BACKEND_VAR) {
        Err(_) => Ok(wgpu::Backends::all()),
        Ok(name) => match name.trim().to_ascii_lowercase().as_str() {
            "vulkan" | "vk" => Ok(wgpu::Backends::VULKAN),
            "gl" | "gles" | "opengl" => Ok(wgpu::Backends::GL),
            "metal" => Ok(wgpu::Backends::METAL),
            "dx12" | "d3d12" => Ok(wgpu::Backends::DX12),
            _ => Err(GpuError::UnknownBackend(name)),
        },
    }
}

/// Whether an adapter can run netlens: compute, and storage buffers in vertex shaders.
fn usable(adapter: &wgpu::Adapter) -> bool {
    let downlevel = adapter.get_downlevel_capabilities();
    downlevel.flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS | wgpu::DownlevelFlags::VERTEX_STORAGE)
        && adapter.limits().max_storage_buffers_per_shader_stage >= 8
}

impl Gpu {
    /// The kernel `K` for `key` on this device: built on the first call, shared after.
    pub fn kernel_for<K: Kernel>(&self, key: K::Key) -> Arc<K> {
        let mut kernels = self.kernels.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let of_type = kernels
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(HashMap::<K::Key, Arc<K>>::new()))
            .downcast_mut::<HashMap<K::Key, Arc<K>>>()
            .expect("kernels are stored under their own type");
        let built = of_type.entry(key).or_insert_with_key(|key| Arc::new(K::build(&self.device, key)));
        Arc::clone(built)
    }

    /// The kernel `K`, which has one variant.
    pub fn kernel<K: Kernel<Key = ()>>(&self) -> Arc<K> {
        self.kernel_for(())
    }

    /// A device for offscreen work (layout, PNG, video). Native backends are tried before
    /// GL, whose EGL probe is slow and noisy when a native adapter exists anyway.
    pub fn headless() -> Result<Gpu, GpuError> {
        let allowed = backends_from_env()?;
        let mut last = GpuError::NoAdapter(String::new());
        for backends in [allowed - wgpu::Backends::GL, allowed & wgpu::Backends::GL] {
            if backends.is_empty() {
                continue;
            }
            let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
                backends,
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            });
            match Gpu::new(instance, None) {
                Err(error @ GpuError::NoAdapter(_)) => last = error,
                other => return other,
            }
        }
        Err(last)
    }

    /// A device on `instance` (created for the allowed backends) whose adapter can
    /// present to `surface`, when given.
    pub fn new(instance: wgpu::Instance, surface: Option<&wgpu::Surface<'_>>) -> Result<Gpu, GpuError> {
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        let found = adapters.len();
        adapters.retain(|a| usable(a) && surface.is_none_or(|s| a.is_surface_supported(s)));
        adapters.sort_by_key(|a| {
            let info = a.get_info();
            (device_type_rank(info.device_type), backend_rank(info.backend))
        });
        let Some(adapter) = adapters.into_iter().next() else {
            let detail = match (found, std::env::var(BACKEND_VAR)) {
                (0, Ok(b)) => format!(" for {BACKEND_VAR}={b}"),
                (0, Err(_)) => String::new(),
                (n, _) => format!(
                    " ({n} found, none with compute and vertex storage{})",
                    if surface.is_some() { " that presents to this window" } else { "" }
                ),
            };
            return Err(GpuError::NoAdapter(detail));
        };
        let desc = wgpu::DeviceDescriptor {
            label: Some("netlens.device"),
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|error| GpuError::Device { adapter: adapter.get_info().name, error })?;
        let uncaptured = Arc::new(Mutex::new(None));
        let slot = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.get_or_insert_with(|| error.to_string());
        }));
        Ok(Gpu { instance, adapter, device, queue, uncaptured, kernels: Mutex::default() })
    }

    /// Whether the adapter is a GPU rather than a CPU driver (lavapipe, llvmpipe), where
    /// passes that walk data in one workgroup lose to the CPU.
    pub fn is_hardware(&self) -> bool {
        self.adapter.get_info().device_type != wgpu::DeviceType::Cpu
    }

    pub fn report(&self) -> AdapterReport {
        let info = self.adapter.get_info();
        let limits = self.device.limits();
        AdapterReport {
            name: info.name,
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_owned(),
            max_buffer_size: limits.max_buffer_size,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
            max_texture_dimension_2d: limits.max_texture_dimension_2d,
        }
    }

    /// A storage buffer holding `data`, checked against the binding limit.
    pub fn storage_buffer<T: bytemuck::Pod>(
        &self,
        label: &'static str,
        data: &[T],
        extra: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        self.check_binding(label, bytes.len() as u64)?;
        // wgpu rejects zero-sized bindings: keep at least one element's worth.
        let contents: &[u8] = if bytes.is_empty() { &[0; 16] } else { bytes };
        Ok(self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
        }))
    }

    /// A graph's edges as `(source, target)` pairs, uploaded once per graph (a scene holds
    /// them, and bundling reads the scene's), interleaved in slices so the temporary stays
    /// small however many edges there are.
    pub fn upload_edge_pairs(&self, graph: &Graph, label: &'static str) -> Result<wgpu::Buffer, GpuError> {
        let bytes = graph.edge_count() as u64 * 8;
        let limit = self.device.limits().max_buffer_size;
        if bytes > limit {
            return Err(GpuError::TooLarge { what: "the edge list", needed: bytes, limit });
        }
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        const SLICE: usize = 1 << 20;
        let mut pairs = Vec::with_capacity(SLICE.min(graph.edge_count()));
        for start in (0..graph.edge_count()).step_by(SLICE) {
            let end = (start + SLICE).min(graph.edge_count());
            pairs.clear();
            pairs.extend(graph.src[start..end].iter().zip(&graph.dst[start..end]).map(|(&a, &b)| [a, b]));
            self.queue.write_buffer(&buffer, start as u64 * 8, bytemuck::cast_slice(&pairs));
        }
        Ok(buffer)
    }

    /// A graph's adjacency on the GPU, for every pass that walks it.
    pub fn upload_csr(&self, csr: &Csr) -> Result<CsrBuffers, GpuError> {
        Ok(CsrBuffers {
            offsets: self.storage_buffer("netlens.csr_offsets", &csr.offsets, wgpu::BufferUsages::empty())?,
            targets: self.storage_buffer("netlens.csr_targets", &csr.targets, wgpu::BufferUsages::empty())?,
            node_count: csr.offsets.len().saturating_sub(1) as u32,
        })
    }

    /// A zeroed storage buffer of `size` bytes, checked against the binding limit.
    pub fn zeroed_storage(
        &self,
        label: &'static str,
        size: u64,
        extra: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        self.check_binding(label, size)?;
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
            mapped_at_creation: false,
        }))
    }

    pub fn check_binding(&self, what: &'static str, needed: u64) -> Result<(), GpuError> {
        let limit = self.device.limits().max_storage_buffer_binding_size;
        if needed > limit {
            return Err(GpuError::TooLarge { what, needed, limit });
        }
        Ok(())
    }

    /// Waits for all submitted work; reports any error the device raised meanwhile.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Readback(e.to_string()))?;
        match self.uncaptured.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(message) => Err(GpuError::Validation(message)),
            None => Ok(()),
        }
    }
}

/// A bind-group layout entry for a buffer.
pub fn buffer_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BufferBindingType,
    dynamic: bool,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer { ty, has_dynamic_offset: dynamic, min_binding_size: None },
        count: None,
    }
}

/// A bind-group layout of `entries`.
pub fn bind_group_layout(
    device: &wgpu::Device,
    label: &'static str,
    entries: &[wgpu::BindGroupLayoutEntry],
) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(label), entries })
}

/// A storage buffer binding of compute shaders.
pub fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(binding, wgpu::ShaderStages::COMPUTE, wgpu::BufferBindingType::Storage { read_only }, false)
}

/// A uniform buffer of `size` bytes, written with `Queue::write_buffer`.
pub fn uniform_buffer(device: &wgpu::Device, label: &str, size: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// A uniform buffer binding of compute shaders; `dynamic`: bound with an offset.
pub fn uniform_entry(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(binding, wgpu::ShaderStages::COMPUTE, wgpu::BufferBindingType::Uniform, dynamic)
}

/// Binds `buffers` to bindings 0, 1, ... of `layout` (group 0) and queues one dispatch of
/// `pipeline` over `invocations`, in workgroups of `workgroup_size`.
pub fn dispatch(
    gpu: &Gpu,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    layout: &wgpu::BindGroupLayout,
    buffers: &[&wgpu::Buffer],
    invocations: u32,
    workgroup_size: u32,
) {
    let entries: Vec<wgpu::BindGroupEntry> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    let group =
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some(label), layout, entries: &entries });
    let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        let (x, y) = dispatch_size(invocations, workgroup_size);
        pass.dispatch_workgroups(x, y, 1);
    }
    gpu.queue.submit([encoder.finish()]);
}

/// Compute pipelines for the entry points `entries` of `shader`, sharing one pipeline
/// layout over the bind group `layouts` (group 0, 1, ...); labelled `owner::entry`.
pub fn compute_pipelines<const N: usize>(
    device: &wgpu::Device,
    owner: &str,
    shader: Shader,
    layouts: &[&wgpu::BindGroupLayout],
    entries: [&str; N],
) -> [wgpu::ComputePipeline; N] {
    let groups: Vec<Option<&wgpu::BindGroupLayout>> = layouts.iter().map(|&l| Some(l)).collect();
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(&format!("{owner}::pipeline_layout")),
        bind_group_layouts: &groups,
        immediate_size: 0,
    });
    let module = shader.module(device);
    entries.map(|entry| {
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&format!("{owner}::{entry}")),
            layout: Some(&layout),
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        })
    })
}

/// Workgroups for `n` invocations of `workgroup_size`, folded into two dimensions when one
/// is not enough. Shaders recover the index as `gid.x + gid.y * num_workgroups.x * size`.
pub fn dispatch_size(n: u32, workgroup_size: u32) -> (u32, u32) {
    const MAX: u32 = 65535;
    let groups = n.div_ceil(workgroup_size).max(1);
    if groups <= MAX { (groups, 1) } else { (MAX, groups.div_ceil(MAX)) }
}

/// A graph's adjacency in one direction on the GPU ([`Gpu::upload_csr`]): uploaded once
/// per graph and shared by the passes that read it (the force layout's springs and K-hop
/// queries); cloning shares the buffers.
#[derive(Clone)]
pub struct CsrBuffers {
    pub offsets: wgpu::Buffer,
    pub targets: wgpu::Buffer,
    pub node_count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_folds_past_the_dimension_limit() {
        assert_eq!(dispatch_size(0, 64), (1, 1));
        assert_eq!(dispatch_size(65, 64), (2, 1));
        let (x, y) = dispatch_size(10_000_000, 64);
        assert!(x <= 65535 && y > 1 && x as u64 * y as u64 * 64 >= 10_000_000);
    }
}

#[cfg(test)]
mod kernel_tests {
    use super::*;

    struct Counted(u32);

    static BUILT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

    impl Kernel for Counted {
        type Key = u32;
        fn build(_: &wgpu::Device, key: &u32) -> Counted {
            BUILT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Counted(*key)
        }
    }

    #[test]
    fn kernels_are_built_once_per_key() {
        let gpu = Gpu::headless().expect("an adapter: a GPU, lavapipe or llvmpipe");
        let (a, b, c) = (gpu.kernel_for::<Counted>(1), gpu.kernel_for::<Counted>(1), gpu.kernel_for::<Counted>(2));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!((a.0, c.0), (1, 2));
        assert_eq!(BUILT.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
