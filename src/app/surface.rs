//! The window and what it presents to: the surface configured for the window's size, and
//! the depth buffer of the same size. It opens the GPU that can present there.

use std::sync::Arc;

use glam::Vec2;
use winit::dpi::PhysicalSize;
use winit::event_loop::ActiveEventLoop;
use winit::window::Window;

use super::AppError;
use crate::gpu::{Gpu, GpuError, backends_from_env};
use crate::render::depth_view;

pub struct WindowSurface {
    pub window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    /// The depth buffer the scene draws with, the window's size.
    pub depth: wgpu::TextureView,
}

impl WindowSurface {
    /// Opens a window titled `title` of `size` pixels, and the GPU that presents to it.
    pub fn open(event_loop: &ActiveEventLoop, title: &str, size: (u32, u32)) -> Result<(WindowSurface, Gpu), AppError> {
        let attributes =
            Window::default_attributes().with_title(title).with_inner_size(PhysicalSize::new(size.0, size.1));
        let window = Arc::new(event_loop.create_window(attributes)?);
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backends_from_env()?,
            ..wgpu::InstanceDescriptor::new_with_display_handle(Box::new(event_loop.owned_display_handle()))
        });
        let surface = instance.create_surface(window.clone())?;
        let gpu = Gpu::new(instance, Some(&surface))?;
        let caps = surface.get_capabilities(&gpu.adapter);
        // Blend in sRGB space like the offscreen path, so window and PNG look the same.
        let format = caps.formats.iter().copied().find(|f| !f.is_srgb()).unwrap_or(caps.formats[0]);
        let size = window.inner_size();
        let mut config = surface
            .get_default_config(&gpu.adapter, size.width.max(1), size.height.max(1))
            .ok_or_else(|| GpuError::NoAdapter(" that presents to this window".into()))?;
        config.format = format;
        config.present_mode = wgpu::PresentMode::AutoVsync;
        surface.configure(&gpu.device, &config);
        let depth = depth_view(&gpu.device, (config.width, config.height));
        Ok((WindowSurface { window, surface, config, depth }, gpu))
    }

    pub fn format(&self) -> wgpu::TextureFormat {
        self.config.format
    }

    pub fn size(&self) -> (u32, u32) {
        (self.config.width, self.config.height)
    }

    pub fn viewport(&self) -> Vec2 {
        Vec2::new(self.config.width as f32, self.config.height as f32)
    }

    /// Follows the window to `size`; false while it is minimised (the old configuration
    /// stays until it comes back).
    pub fn resize(&mut self, gpu: &Gpu, size: PhysicalSize<u32>) -> bool {
        if size.width == 0 || size.height == 0 {
            return false;
        }
        self.config.width = size.width;
        self.config.height = size.height;
        self.surface.configure(&gpu.device, &self.config);
        self.depth = depth_view(&gpu.device, (size.width, size.height));
        true
    }

    /// The texture to draw the next frame into, or none this time: an outdated surface is
    /// reconfigured and a timed-out one retried on the next redraw; an occluded one waits
    /// for the next event.
    pub fn next_frame(&mut self, gpu: &Gpu) -> Option<wgpu::SurfaceTexture> {
        match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(frame) | wgpu::CurrentSurfaceTexture::Suboptimal(frame) => Some(frame),
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&gpu.device, &self.config);
                self.window.request_redraw();
                None
            }
            wgpu::CurrentSurfaceTexture::Timeout => {
                self.window.request_redraw();
                None
            }
            _ => None,
        }
    }
}
