//! The offscreen path: render a scene into a texture and read it back as RGBA8 rows.
//! PNG output, tests and recorded video frames all go through [`OffscreenTarget`].

use super::overlay::{Overlay, Prepared};
use super::{Camera, EdgeLayer, Renderer, Scene, begin_pass, depth_view, target_texture};
use crate::gpu::{Gpu, GpuError, map_read};

/// The colour format of offscreen frames: plain RGBA8, blended in sRGB space like the
/// window, so the two look the same.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// egui drawn with a frame: `under` before the scene (group boxes), `over` after it
/// (text); each prepared for the frame's size.
#[derive(Default)]
pub struct Layers<'a> {
    pub under: Option<(&'a Overlay, &'a mut Prepared)>,
    pub over: Option<(&'a Overlay, &'a mut Prepared)>,
}

impl<'a> Layers<'a> {
    /// Only text over the scene.
    pub fn over(overlay: &'a Overlay, prepared: &'a mut Prepared) -> Layers<'a> {
        Layers { under: None, over: Some((overlay, prepared)) }
    }
}

pub struct OffscreenTarget {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    depth: wgpu::TextureView,
    readback: wgpu::Buffer,
    /// The edges of a frame, before they are drawn onto it.
    layer: EdgeLayer,
    size: (u32, u32),
    padded_row: u32,
}

impl OffscreenTarget {
    pub fn new(gpu: &Gpu, size: (u32, u32)) -> Result<Self, GpuError> {
        let max = gpu.device.limits().max_texture_dimension_2d;
        if size.0 == 0 || size.1 == 0 || size.0 > max || size.1 > max {
            return Err(GpuError::TooLarge {
                what: "the frame (each side in pixels)",
                needed: size.0.max(size.1) as u64,
                limit: max as u64,
            });
        }
        let texture =
            target_texture(&gpu.device, "OffscreenTarget::color", size, FORMAT, wgpu::TextureUsages::COPY_SRC);
        let padded_row = (size.0 * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("OffscreenTarget::readback"),
            size: padded_row as u64 * size.1 as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let layer = EdgeLayer::new(gpu, &gpu.kernel_for::<Renderer>(FORMAT), size)?;
        Ok(OffscreenTarget {
            layer,
            view: texture.create_view(&Default::default()),
            depth: depth_view(&gpu.device, size),
            texture,
            readback,
            size,
            padded_row,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// Records the frame's draws between the egui layers `under` and `over` into a new
    /// encoder.
    fn encode(
        &self,
        gpu: &Gpu,
        renderer: &Renderer,
        scene: &Scene,
        camera: &Camera,
        under: Option<(&Overlay, &Prepared)>,
        over: Option<(&Overlay, &Prepared)>,
    ) -> wgpu::CommandEncoder {
        scene.set_view(&gpu.queue, camera, self.size);
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("OffscreenTarget::render") });
        let whole = [0, 0, self.size.0, self.size.1];
        renderer.add_edges(gpu, &mut encoder, &self.layer, &[(scene, whole, whole)]);
        {
            let mut pass = begin_pass(&mut encoder, &self.view, &self.depth).forget_lifetime();
            if let Some((overlay, prepared)) = under {
                overlay.paint(&mut pass, prepared);
            }
            renderer.draw(&mut pass, scene, &self.layer);
            if let Some((overlay, prepared)) = over {
                overlay.paint(&mut pass, prepared);
            }
        }
        encoder
    }

    /// Renders `scene` from `camera` and waits for the GPU, without reading the frame
    /// back: what a window's frame costs, for benchmarks.
    pub fn draw(&self, gpu: &Gpu, renderer: &Renderer, scene: &Scene, camera: &Camera) -> Result<(), GpuError> {
        gpu.queue.submit([self.encode(gpu, renderer, scene, camera, None, None).finish()]);
        gpu.wait()
    }

    /// Renders `scene` from `camera` and returns the frame as tightly packed RGBA8 rows,
    /// top row first.
    pub fn render(&self, gpu: &Gpu, renderer: &Renderer, scene: &Scene, camera: &Camera) -> Result<Vec<u8>, GpuError> {
        let mut rgba = Vec::new();
        self.render_into(gpu, renderer, scene, camera, Layers::default(), &mut rgba)?;
        Ok(rgba)
    }

    /// Renders `scene` from `camera` between the egui `layers`, into `rgba` (replacing
    /// its contents, reusing its memory): tightly packed RGBA8 rows, top row first.
    pub fn render_into(
        &self,
        gpu: &Gpu,
        renderer: &Renderer,
        scene: &Scene,
        camera: &Camera,
        layers: Layers,
        rgba: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        let Layers { mut under, mut over } = layers;
        let mut commands = Vec::new();
        for (_, prepared) in under.iter_mut().chain(over.iter_mut()) {
            commands.append(&mut prepared.commands);
        }
        let mut encoder = self.encode(
            gpu,
            renderer,
            scene,
            camera,
            under.as_ref().map(|(o, p)| (*o, &**p)),
            over.as_ref().map(|(o, p)| (*o, &**p)),
        );
        encoder.copy_texture_to_buffer(
            self.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.size.1),
                },
            },
            wgpu::Extent3d { width: self.size.0, height: self.size.1, depth_or_array_layers: 1 },
        );
        gpu.queue.submit(commands.into_iter().chain([encoder.finish()]));
        let row = self.size.0 as usize * 4;
        rgba.clear();
        map_read(gpu, &self.readback, self.readback.size(), |padded| {
            for line in padded.chunks_exact(self.padded_row as usize) {
                rgba.extend_from_slice(&line[..row]);
            }
        })
    }
}
