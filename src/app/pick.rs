//! Picking through an id buffer: the edges (widened) and then the nodes drawn once more,
//! each pixel holding its node's index + 1 or its edge's index with [`EDGE_ID`], and the
//! one pixel under the cursor read back. It respects depth and drawn size exactly, in 2D
//! and 3D alike, bundled edges included, and costs one pass per pick.

use crate::gpu::{Gpu, GpuError, map_read};
use crate::render::{EDGE_ID, ID_FORMAT, Renderer, Scene, depth_view, target_texture};

/// What lies under a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Node(u32),
    /// An edge, by its index in the graph's edge list.
    Edge(u32),
}

impl Hit {
    pub fn node(self) -> Option<u32> {
        match self {
            Hit::Node(v) => Some(v),
            Hit::Edge(_) => None,
        }
    }

    pub fn edge(self) -> Option<u32> {
        match self {
            Hit::Edge(e) => Some(e),
            Hit::Node(_) => None,
        }
    }
}

pub struct Picker {
    view: wgpu::TextureView,
    texture: wgpu::Texture,
    depth: wgpu::TextureView,
    staging: wgpu::Buffer,
    size: (u32, u32),
}

impl Picker {
    pub fn new(gpu: &Gpu, size: (u32, u32)) -> Picker {
        let texture = target_texture(&gpu.device, "Picker::ids", size, ID_FORMAT, wgpu::TextureUsages::COPY_SRC);
        let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("Picker::staging"),
            size: 4,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Picker {
            view: texture.create_view(&Default::default()),
            texture,
            depth: depth_view(&gpu.device, size),
            staging,
            size,
        }
    }

    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The node or edge drawn at pixel `(x, y)`, if any. The scene's view uniforms must be
    /// set for this target's size.
    pub fn pick(&self, gpu: &Gpu, renderer: &Renderer, scene: &Scene, x: u32, y: u32) -> Result<Option<Hit>, GpuError> {
        if x >= self.size.0 || y >= self.size.1 {
            return Ok(None);
        }
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("Picker::pick") });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("Picker::pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.depth,
                    depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Discard }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            renderer.draw_ids(&mut pass, scene);
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d { x, y, z: 0 },
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.staging,
                layout: wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: None, rows_per_image: None },
            },
            wgpu::Extent3d { width: 1, height: 1, depth_or_array_layers: 1 },
        );
        gpu.queue.submit([encoder.finish()]);
        let id =
            map_read(gpu, &self.staging, 4, |bytes| u32::from_le_bytes(bytes[..4].try_into().expect("four bytes")))?;
        Ok(match id {
            0 => None,
            id if id & EDGE_ID != 0 => Some(Hit::Edge(id & !EDGE_ID)),
            id => Some(Hit::Node(id - 1)),
        })
    }
}
