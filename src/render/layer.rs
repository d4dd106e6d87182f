//! The edge layer: how much edge crosses each pixel of a frame and in what colour, drawn
//! onto the frame tone-mapped against the overdraw the frame really has (tone.wgsl).
//!
//! Edges reach the layer at one of two levels ([`EdgeLevel`]): as anti-aliased lines added
//! into a float texture (edges.wgsl), or, when edges far outnumber the pixels they cover,
//! as a density image splatted by a compute pass (density.wgsl), one invocation an edge
//! and no triangles. Either way `measure` sums the frame's covered weight and the resolve
//! gives each pixel an opacity that grows with its weight over that mean, so a frame of
//! ten edges and one of ten million read alike: dense places denser, never a saturated
//! sheet.

use bytemuck::{Pod, Zeroable};

use super::{EdgeColoring, Scene};
use crate::geom::Bounds;
use crate::gpu::{Gpu, GpuError, bind_group_layout, buffer_entry, storage_entry};

/// The float format lines add their colour times weight, and weight, into.
pub const LINES_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// The format lines add their weight without emphasis (highlight, pointer) into: what the
/// layer's mean is measured on, so a highlighted neighbourhood or a hovered edge stands
/// out against the rest instead of raising the mean.
pub const PLAIN_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;
/// Pixels a side of a cell of the density level's colour grid. `COARSE` in the shaders.
pub const COARSE: u32 = 8;
/// Edges per pixel of the graph's extent on screen above which [`EdgeDetail::Auto`] draws
/// the density level: single edges cannot be told apart there.
pub const DENSITY_EDGES_PER_PIXEL: f32 = 2.0;
/// Edges above which a moving camera draws the density level, refining to lines when it
/// stops ([`super::Scene::moving`]).
pub const MOVING_DENSITY_EDGES: usize = 200_000;

/// How edges reach the edge layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EdgeDetail {
    /// Lines where single edges can be told apart, a density image where edges far
    /// outnumber the pixels the graph covers (more than 2 a pixel)
    #[default]
    Auto,
    /// Every edge as an anti-aliased line, however many
    Lines,
    /// The density image: how much edge crosses each pixel, coloured by the edges there
    Density,
}

/// The level a frame's edges are drawn at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeLevel {
    Lines,
    Density,
}

impl EdgeLevel {
    /// The level's name, as `bench render` prints it.
    pub fn name(self) -> &'static str {
        match self {
            EdgeLevel::Lines => "lines",
            EdgeLevel::Density => "density",
        }
    }
}

impl EdgeDetail {
    /// The level for `edges` edges drawn by `clip_from_world` into `viewport` pixels,
    /// their nodes within `extent`; `moving`: the camera is moving.
    pub fn level(
        self,
        edges: usize,
        extent: &Bounds,
        clip_from_world: glam::Mat4,
        viewport: glam::Vec2,
        moving: bool,
    ) -> EdgeLevel {
        let dense = match self {
            EdgeDetail::Lines => false,
            EdgeDetail::Density => true,
            EdgeDetail::Auto => {
                (moving && edges > MOVING_DENSITY_EDGES)
                    || edges as f32 > DENSITY_EDGES_PER_PIXEL * screen_area(extent, clip_from_world, viewport)
            }
        };
        if dense { EdgeLevel::Density } else { EdgeLevel::Lines }
    }
}

/// The pixels the box `extent` covers on screen (its projected corners' bounding
/// rectangle, at least one pixel); the whole viewport when a corner lies behind the
/// camera.
fn screen_area(extent: &Bounds, clip_from_world: glam::Mat4, viewport: glam::Vec2) -> f32 {
    let (mut lo, mut hi) = (glam::Vec2::splat(f32::INFINITY), glam::Vec2::splat(f32::NEG_INFINITY));
    for corner in 0..8 {
        let pick = |bit: u32, a: f32, b: f32| if corner & bit == 0 { a } else { b };
        let world = glam::Vec3::new(
            pick(1, extent.min.x, extent.max.x),
            pick(2, extent.min.y, extent.max.y),
            pick(4, extent.min.z, extent.max.z),
        );
        let clip = clip_from_world * world.extend(1.0);
        if clip.w <= 1e-6 {
            return viewport.x * viewport.y;
        }
        let px = (clip.truncate().truncate() / clip.w + 1.0) * 0.5 * viewport;
        (lo, hi) = (lo.min(px), hi.max(px));
    }
    let size = hi - lo;
    (size.x.max(1.0) * size.y.max(1.0)).max(1.0)
}

/// The samples density.wgsl's `splat` takes of the edge from `a` to `b` (pixels, y down)
/// in a frame of `size`, on the CPU: the part inside the frame (Liang-Barsky), one sample
/// a pixel along the longer axis (at most 1024), each a pixel's index and its share of the
/// edge's length (an edge shorter than a pixel weighs 0.25 in all).
pub fn edge_samples(a: glam::Vec2, b: glam::Vec2, size: (u32, u32)) -> impl Iterator<Item = (usize, f32)> {
    let frame = glam::Vec2::new(size.0 as f32, size.1 as f32);
    let d = b - a;
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for axis in 0..2 {
        if d[axis].abs() < 1e-6 {
            if a[axis] < 0.0 || a[axis] >= frame[axis] {
                (t0, t1) = (1.0, 0.0);
            }
        } else {
            let (u0, u1) = ((0.0 - a[axis]) / d[axis], (frame[axis] - a[axis]) / d[axis]);
            t0 = t0.max(u0.min(u1));
            t1 = t1.min(u0.max(u1));
        }
    }
    let samples = match t0 <= t1 {
        true => (((t1 - t0) * d.x.abs().max(d.y.abs())).ceil() as u32).clamp(1, 1024),
        false => 0,
    };
    let each = ((t1 - t0) * a.distance(b)).max(0.25) / samples.max(1) as f32;
    (0..samples).map(move |k| {
        let p = a + d * (t0 + (t1 - t0) * (k as f32 + 0.5) / samples as f32);
        let (x, y) = ((p.x.max(0.0) as u32).min(size.0 - 1), (p.y.max(0.0) as u32).min(size.1 - 1));
        ((y * size.0 + x) as usize, each)
    })
}

/// The mean number of `segments` (pixel coordinates) crossing each pixel they cross in a
/// frame of `size`: the overdraw the edge layer measures on the GPU, on the CPU, sampled
/// as density.wgsl samples ([`edge_samples`]). 1 when nothing is covered.
pub fn expected_overdraw(segments: impl Iterator<Item = (glam::Vec2, glam::Vec2)>, size: (u32, u32)) -> f32 {
    let mut counts = vec![0.0f32; size.0 as usize * size.1 as usize];
    for (a, b) in segments {
        for (pixel, weight) in edge_samples(a, b, size) {
            counts[pixel] += weight;
        }
    }
    let (sum, covered) = counts.iter().filter(|&&c| c > 0.0).fold((0.0, 0u64), |(s, n), &c| (s + c as f64, n + 1));
    if covered == 0 { 1.0 } else { (sum / covered as f64).max(1.0) as f32 }
}

/// The opacity one of many edges needs so that `overdraw` of them over one another
/// (blended one on another, as in SVG) reach `alpha`, the mean covered pixel's opacity
/// the edge layer gives.
pub fn edge_opacity(alpha: f32, overdraw: f32) -> f32 {
    1.0 - (1.0 - alpha.clamp(0.0, 0.99)).powf(1.0 / overdraw.max(1.0))
}

/// Mirrors `Tone` in tone.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(super) struct ToneUniforms {
    pub size: [u32; 2],
    /// The mean covered pixel's opacity.
    pub alpha: f32,
    /// 1: opacity from the weight itself (edges coloured by weight).
    pub absolute: u32,
}
const _: () = assert!(std::mem::size_of::<ToneUniforms>() == 16);

/// The bind group layouts of an [`EdgeLayer`]: tone.wgsl's group 0 (the layer, read by
/// `measure` and the resolve) and density.wgsl's group 2 (the grids `splat` adds into).
pub(super) fn bind_group_layouts(device: &wgpu::Device) -> (wgpu::BindGroupLayout, wgpu::BindGroupLayout) {
    let writable = wgpu::BufferBindingType::Storage { read_only: false };
    let stages = wgpu::ShaderStages::FRAGMENT | wgpu::ShaderStages::COMPUTE;
    let texture = |binding| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: stages,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: false },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    };
    let tone = bind_group_layout(
        device,
        "Renderer::tone_layout",
        &[
            texture(0),
            buffer_entry(1, stages, writable, false),
            buffer_entry(2, stages, writable, false),
            buffer_entry(3, stages, writable, false),
            buffer_entry(4, stages, wgpu::BufferBindingType::Uniform, false),
            texture(5),
        ],
    );
    let density =
        bind_group_layout(device, "Renderer::density_layout", &[storage_entry(0, false), storage_entry(1, false)]);
    (tone, density)
}

/// One frame size's edge layer: create with the target, once per size.
pub struct EdgeLayer {
    pub(super) lines: wgpu::TextureView,
    pub(super) plain: wgpu::TextureView,
    pub(super) counts: wgpu::Buffer,
    pub(super) tints: wgpu::Buffer,
    pub(super) totals: wgpu::Buffer,
    pub(super) tone: wgpu::Buffer,
    /// tone.wgsl's group 0: the layer, read by `measure` and the resolve.
    pub(super) tone_group: wgpu::BindGroup,
    /// density.wgsl's group 2: the grids `splat` adds into.
    pub(super) density_group: wgpu::BindGroup,
    pub(super) size: (u32, u32),
    /// The density level drew into `counts` last frame: clear it before lines alone.
    pub(super) density_drawn: std::cell::Cell<bool>,
}

impl EdgeLayer {
    /// A layer for frames of `size` pixels, drawn by `renderer`.
    pub fn new(gpu: &Gpu, renderer: &super::Renderer, size: (u32, u32)) -> Result<EdgeLayer, GpuError> {
        let device = &gpu.device;
        let lines =
            super::target_texture(device, "EdgeLayer::lines", size, LINES_FORMAT, wgpu::TextureUsages::TEXTURE_BINDING)
                .create_view(&Default::default());
        let plain =
            super::target_texture(device, "EdgeLayer::plain", size, PLAIN_FORMAT, wgpu::TextureUsages::TEXTURE_BINDING)
                .create_view(&Default::default());
        let pixels = size.0 as u64 * size.1 as u64;
        let cells = (size.0.div_ceil(COARSE) as u64) * (size.1.div_ceil(COARSE) as u64);
        let storage = wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC;
        let counts = gpu.zeroed_storage("EdgeLayer::counts", pixels * 4, storage)?;
        let tints = gpu.zeroed_storage("EdgeLayer::tints", cells * 16, storage)?;
        let totals = gpu.zeroed_storage("EdgeLayer::totals", 16, storage)?;
        let tone = crate::gpu::uniform_buffer(device, "EdgeLayer::tone", std::mem::size_of::<ToneUniforms>() as u64);
        let tone_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("EdgeLayer::tone_group"),
            layout: &renderer.tone_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&lines) },
                wgpu::BindGroupEntry { binding: 1, resource: counts.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: tints.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: totals.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 4, resource: tone.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 5, resource: wgpu::BindingResource::TextureView(&plain) },
            ],
        });
        let density_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("EdgeLayer::density_group"),
            layout: &renderer.density_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: counts.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: tints.as_entire_binding() },
            ],
        });
        Ok(EdgeLayer {
            lines,
            plain,
            counts,
            tints,
            totals,
            tone,
            tone_group,
            density_group,
            size,
            density_drawn: std::cell::Cell::new(false),
        })
    }
}

impl super::Renderer {
    /// Records into `encoder` the edges of each pane (a scene, its viewport and scissor
    /// rectangles as `[x, y, width, height]`) added into `layer`, at the level each
    /// scene's view chose ([`Scene::set_view`]), and the layer measured. The density level
    /// draws only panes whose viewport starts at the frame's corner (the window's graph
    /// pane; others draw lines).
    pub fn add_edges(
        &self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        layer: &EdgeLayer,
        panes: &[(&Scene, [u32; 4], [u32; 4])],
    ) {
        let style = panes.first().map(|(scene, _, _)| scene.style);
        let tone = ToneUniforms {
            size: [layer.size.0, layer.size.1],
            alpha: style.map_or(0.0, |s| s.edge_alpha).clamp(0.0, 0.95),
            absolute: style.is_some_and(|s| s.edge_coloring == EdgeColoring::Weight) as u32,
        };
        gpu.queue.write_buffer(&layer.tone, 0, bytemuck::bytes_of(&tone));
        let density = |scene: &Scene, viewport: &[u32; 4]| {
            scene.level.get() == EdgeLevel::Density && viewport[..2] == [0, 0] && scene.paths_hidden()
        };
        encoder.clear_buffer(&layer.totals, 0, None);
        if panes.iter().any(|(scene, viewport, _)| density(scene, viewport)) {
            encoder.clear_buffer(&layer.counts, 0, None);
            encoder.clear_buffer(&layer.tints, 0, None);
            layer.density_drawn.set(true);
        } else if layer.density_drawn.replace(false) {
            encoder.clear_buffer(&layer.counts, 0, None);
        }
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("EdgeLayer::lines"),
                color_attachments: &[&layer.lines, &layer.plain].map(|view| {
                    Some(wgpu::RenderPassColorAttachment {
                        view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                            store: wgpu::StoreOp::Store,
                        },
                    })
                }),
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            for &(scene, [x, y, w, h], [sx, sy, sw, sh]) in panes {
                if !scene.draws_edges() || density(scene, &[x, y, w, h]) {
                    continue;
                }
                pass.set_viewport(x as f32, y as f32, w as f32, h as f32, 0.0, 1.0);
                pass.set_scissor_rect(sx, sy, sw, sh);
                pass.set_bind_group(0, &scene.view_group, &[]);
                self.draw_edges(&mut pass, scene, [&self.edges, &self.edge_paths]);
            }
        }
        let mut pass = encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("EdgeLayer"), timestamp_writes: None });
        for &(scene, viewport, _) in panes {
            if !scene.draws_edges() || !density(scene, &viewport) {
                continue;
            }
            pass.set_pipeline(&self.splat);
            pass.set_bind_group(0, &scene.view_group, &[]);
            pass.set_bind_group(2, &layer.density_group, &[]);
            for (group, count) in &scene.edge_chunks {
                pass.set_bind_group(1, group, &[]);
                let (x, y) = crate::gpu::dispatch_size(*count, 256);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
        if panes.iter().any(|(scene, _, _)| scene.draws_edges()) {
            pass.set_pipeline(&self.measure);
            pass.set_bind_group(0, &layer.tone_group, &[]);
            pass.dispatch_workgroups(layer.size.0.div_ceil(16), layer.size.1.div_ceil(16), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::Dim;
    use crate::gpu::read_buffer;
    use crate::graph::Graph;
    use crate::render::{Camera, Renderer, Style, frame, palette};
    use glam::{Mat4, Vec2, Vec4};

    const FIXED: f32 = 16.0;

    /// The CPU reference of density.wgsl's `splat` for straight edges without a
    /// highlight: each edge's weight per pixel sample, and its colour at its middle.
    fn splat_reference(
        graph: &Graph,
        positions: &[[f32; 4]],
        colors: &[u32],
        clip_from_world: Mat4,
        size: (u32, u32),
    ) -> (Vec<u32>, Vec<u32>) {
        let viewport = Vec2::new(size.0 as f32, size.1 as f32);
        let columns = size.0.div_ceil(COARSE);
        let mut counts = vec![0u32; (size.0 * size.1) as usize];
        let mut tints = vec![0u32; (columns * size.1.div_ceil(COARSE) * 4) as usize];
        let pixel = |p: &[f32; 4]| {
            let c = clip_from_world * Vec4::new(p[0], p[1], p[2], 1.0);
            Vec2::new(c.x / c.w + 1.0, 1.0 - c.y / c.w) * 0.5 * viewport
        };
        for (&s, &t) in graph.src.iter().zip(&graph.dst) {
            let (a, b) = (pixel(&positions[s as usize]), pixel(&positions[t as usize]));
            let inside = |p: Vec2| p.cmpge(Vec2::ZERO).all() && p.cmplt(viewport).all();
            assert!(inside(a) && inside(b), "the test's edges lie in the frame");
            for (pixel, weight) in edge_samples(a, b, size) {
                counts[pixel] += (weight * FIXED).round() as u32;
            }
            let m = (a + b) * 0.5;
            let cell = 4 * (((m.y as u32).min(size.1 - 1) / COARSE) * columns + (m.x as u32).min(size.0 - 1) / COARSE);
            let [ca, cb] = [s, t].map(|v| colors[v as usize].to_le_bytes());
            for c in 0..3 {
                tints[(cell + c) as usize] +=
                    ((ca[c as usize] as f32 / 255.0 + cb[c as usize] as f32 / 255.0) * 0.5 * 255.0).round() as u32;
            }
            tints[(cell + 3) as usize] += 1;
        }
        (counts, tints)
    }

    fn words(gpu: &crate::gpu::Gpu, buffer: &wgpu::Buffer) -> Vec<u32> {
        bytemuck::cast_slice(&read_buffer(gpu, buffer, buffer.size()).unwrap()).to_vec()
    }

    #[test]
    fn the_density_level_and_its_measure_match_the_cpu_reference() {
        let gpu = crate::gpu::Gpu::headless().unwrap();
        // A wheel: a hub and 24 spokes of many slopes and lengths, plus a ring, so samples
        // fall on every kind of pixel and several edges share pixels near the hub.
        let mut graph = Graph::with_nodes(25, false);
        let mut positions = vec![[0.0; 4]];
        for k in 0..24 {
            let angle = k as f32 * std::f32::consts::TAU / 24.0 + 0.1;
            let r = 3.0 + (k % 5) as f32;
            positions.push([r * angle.cos(), r * angle.sin(), 0.0, 0.0]);
            graph.push_edge(0, k + 1);
            graph.push_edge(k + 1, (k + 1) % 24 + 1);
        }
        let size = (96, 64);
        let viewport = Vec2::new(size.0 as f32, size.1 as f32);
        let extent = Bounds::of(&positions);
        let renderer = gpu.kernel_for::<Renderer>(frame::FORMAT);
        let buffer = gpu.storage_buffer("test.positions", &positions, wgpu::BufferUsages::empty()).unwrap();
        let style = Style { edge_detail: EdgeDetail::Density, ..Style::for_layout(25, &extent, Dim::Two) };
        let scene = renderer.scene(&gpu, &graph, &buffer, &extent, style).unwrap();
        let camera = Camera::fit(&extent, Dim::Two, viewport);
        scene.set_view(&gpu.queue, &camera, size);
        assert_eq!(scene.edge_level(), EdgeLevel::Density);
        let layer = EdgeLayer::new(&gpu, &renderer, size).unwrap();
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        let whole = [0, 0, size.0, size.1];
        renderer.add_edges(&gpu, &mut encoder, &layer, &[(&scene, whole, whole)]);
        gpu.queue.submit([encoder.finish()]);

        let colors = palette::node_colors(None, 25);
        let (counts, tints) = splat_reference(&graph, &positions, &colors, camera.clip_from_world(viewport), size);
        let (gpu_counts, gpu_tints) = (words(&gpu, &layer.counts), words(&gpu, &layer.tints));
        // A sample that falls within rounding of a pixel's side may land on either side;
        // no more than one in fifty pixels may differ, and the totals agree.
        let differing = counts.iter().zip(&gpu_counts).filter(|(a, b)| a != b).count();
        let touched = counts.iter().filter(|&&c| c > 0).count();
        assert!(touched > 300, "{touched} pixels touched");
        assert!(differing * 50 <= touched, "{differing} of {touched} pixels differ");
        let (sum, gpu_sum) = (counts.iter().sum::<u32>() as i64, gpu_counts.iter().sum::<u32>() as i64);
        assert!((sum - gpu_sum).abs() * 100 <= sum, "{sum} vs {gpu_sum}");
        assert_eq!(tints.chunks(4).map(|c| c[3]).sum::<u32>(), 48, "every edge's colour lands once");
        let cells_differing = tints.chunks(4).zip(gpu_tints.chunks(4)).filter(|(a, b)| a != b).count();
        assert!(cells_differing <= 2, "{cells_differing} colour cells differ");

        // measure: every covered pixel counted, their weight summed (exactly: counts are
        // whole sixteenths).
        let totals = words(&gpu, &layer.totals);
        let covered = gpu_counts.iter().filter(|&&c| c as f32 / FIXED > 0.02).count() as u32;
        assert_eq!(totals[2], covered);
        assert_eq!(totals[0] as u64 + ((totals[1] as u64) << 32), gpu_counts.iter().map(|&c| c as u64).sum::<u64>());
    }

    #[test]
    fn overdraw_counts_edges_a_covered_pixel() {
        let v = |x, y| Vec2::new(x, y);
        // Three horizontal edges along one row of ten pixels, and one crossing them.
        let row = [(v(0.0, 5.5), v(10.0, 5.5)); 3];
        assert!((expected_overdraw(row.into_iter(), (20, 20)) - 3.0).abs() < 1e-3);
        let crossing = row.into_iter().chain([(v(5.5, 0.0), v(5.5, 20.0))]);
        assert!((expected_overdraw(crossing, (20, 20)) - (30.0 + 20.0) / 29.0).abs() < 1e-3);
        assert_eq!(expected_overdraw(std::iter::empty(), (20, 20)), 1.0);
        // Blended over one another, `overdraw` edges of that opacity reach `alpha`.
        let one = edge_opacity(0.5, 4.0);
        assert!((1.0 - (1.0 - one).powi(4) - 0.5).abs() < 1e-5);
        assert_eq!(edge_opacity(0.5, 0.3), 0.5);
    }

    #[test]
    fn auto_draws_density_only_where_edges_outnumber_pixels() {
        let extent = Bounds { min: glam::Vec3::ZERO, max: glam::Vec3::new(100.0, 100.0, 0.0) };
        let viewport = Vec2::new(1000.0, 1000.0);
        let clip = Camera::fit(&extent, Dim::Two, viewport).clip_from_world(viewport);
        let area = screen_area(&extent, clip, viewport);
        assert!(area > 500.0 * 500.0 && area <= 1000.0 * 1000.0, "{area}");
        let level = |edges, moving| EdgeDetail::Auto.level(edges, &extent, clip, viewport, moving);
        assert_eq!(level(1000, false), EdgeLevel::Lines);
        assert_eq!(level((3.0 * area) as usize, false), EdgeLevel::Density);
        assert_eq!(level(MOVING_DENSITY_EDGES + 1, true), EdgeLevel::Density);
        assert_eq!(level(MOVING_DENSITY_EDGES + 1, false), EdgeLevel::Lines);
        assert_eq!(EdgeDetail::Lines.level(usize::MAX, &extent, clip, viewport, true), EdgeLevel::Lines);
    }
}
