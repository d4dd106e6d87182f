//! Copying GPU buffers back to the CPU through a mappable staging buffer.

use super::{Gpu, GpuError};

/// Reads `size` bytes from the start of `buffer` (which needs `COPY_SRC`).
pub fn read_buffer(gpu: &Gpu, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>, GpuError> {
    let padded = size.div_ceil(wgpu::COPY_BUFFER_ALIGNMENT) * wgpu::COPY_BUFFER_ALIGNMENT;
    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("netlens.readback"),
        size: padded.max(wgpu::COPY_BUFFER_ALIGNMENT),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder =
        gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("netlens.readback") });
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, padded);
    gpu.queue.submit([encoder.finish()]);
    map_read(gpu, &staging, padded, |bytes| bytes[..size as usize].to_vec())
}

/// Maps a `MAP_READ` buffer, waits, and hands its first `size` bytes to `read`.
pub fn map_read<R>(gpu: &Gpu, staging: &wgpu::Buffer, size: u64, read: impl FnOnce(&[u8]) -> R) -> Result<R, GpuError> {
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, ..size, move |r| {
        let _ = tx.send(r);
    });
    gpu.wait()?;
    rx.recv().map_err(|e| GpuError::Readback(e.to_string()))?.map_err(|e| GpuError::Readback(e.to_string()))?;
    let result = read(&staging.get_mapped_range(..size).map_err(|e| GpuError::Readback(e.to_string()))?);
    staging.unmap();
    Ok(result)
}
