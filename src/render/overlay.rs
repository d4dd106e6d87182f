//! egui drawn over a frame: the window's side panel, and the captions, title cards and
//! layer names burnt into recorded videos. One [`Overlay`] per target; each frame runs the
//! UI, [`Overlay::prepare`]s its meshes, paints them in the frame's pass, then frees them.

use crate::gpu::Gpu;

use super::DEPTH_FORMAT;

/// An egui context and the wgpu renderer that draws its output.
pub struct Overlay {
    pub ctx: egui::Context,
    renderer: egui_wgpu::Renderer,
}

/// One frame's egui output, uploaded and ready to paint.
pub struct Prepared {
    jobs: Vec<egui::ClippedPrimitive>,
    screen: egui_wgpu::ScreenDescriptor,
    free: Vec<egui::TextureId>,
    /// Uploads egui asks for, to submit before the frame's own commands.
    pub commands: Vec<wgpu::CommandBuffer>,
}

impl Overlay {
    /// An overlay for targets of colour `format` (with netlens's depth buffer).
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Overlay {
        let renderer = egui_wgpu::Renderer::new(
            device,
            format,
            egui_wgpu::RendererOptions { depth_stencil_format: Some(DEPTH_FORMAT), ..Default::default() },
        );
        Overlay { ctx: egui::Context::default(), renderer }
    }

    /// Tessellates `output` and uploads its textures and meshes for a frame of `size`
    /// pixels.
    pub fn prepare(&mut self, gpu: &Gpu, mut output: egui::FullOutput, size: (u32, u32)) -> Prepared {
        let jobs = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let screen =
            egui_wgpu::ScreenDescriptor { size_in_pixels: [size.0, size.1], pixels_per_point: output.pixels_per_point };
        for (id, deltas) in &output.textures_delta.set {
            for delta in deltas {
                self.renderer.update_texture(&gpu.device, &gpu.queue, *id, delta);
            }
        }
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("netlens.overlay") });
        let mut commands = self.renderer.update_buffers(&gpu.device, &gpu.queue, &mut encoder, &jobs, &screen);
        commands.push(encoder.finish());
        let free = std::mem::take(&mut output.textures_delta.free).into_iter().collect();
        output.textures_delta.clear(); // applied above
        Prepared { jobs, screen, free, commands }
    }

    /// Draws a prepared frame into `pass` (after the scene, so it lies on top).
    pub fn paint(&self, pass: &mut wgpu::RenderPass<'static>, prepared: &Prepared) {
        self.renderer.render(pass, &prepared.jobs, &prepared.screen);
    }

    /// Frees the textures egui no longer needs, once the frame is submitted.
    pub fn finish(&mut self, prepared: Prepared) {
        for id in &prepared.free {
            self.renderer.free_texture(id);
        }
    }
}

/// Paints `texts` (a point in pixels, y down; the text; whether it sits left of the point)
/// in `size`-pixel type onto a foreground layer of `ctx` (one pixel a point).
pub fn paint_texts(ctx: &egui::Context, texts: &[(egui::Pos2, String, bool)], size: f32) {
    use egui::{Align2, Color32, FontId, Id, LayerId, Order};
    let painter = ctx.layer_painter(LayerId::new(Order::Foreground, Id::unique("netlens.texts")));
    for (at, text, left) in texts {
        let anchor = if *left { Align2::RIGHT_CENTER } else { Align2::LEFT_CENTER };
        painter.text(*at, anchor, text, FontId::proportional(size), Color32::from_gray(225));
    }
}
