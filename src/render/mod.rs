//! Instanced rendering of a laid-out graph, shared by the window, PNG output and tests.
//!
//! [`Renderer`] owns the node and edge pipelines for one colour format (create once);
//! [`Scene`] owns one graph's GPU data: colours, the edge list in chunks that fit a storage
//! binding, and the view uniforms. Positions are the layout's own buffer, read in the
//! vertex shaders. A frame first adds its edges into the target's [`EdgeLayer`]
//! ([`Renderer::add_edges`]), then draws the layer tone-mapped, nodes over it, and conv
//! feature maps where a scene has them ([`maps`]).

pub mod annotate;
pub mod camera;
pub mod frame;
pub mod layer;
pub mod maps;
pub mod overlay;
pub mod palette;

use bytemuck::{Pod, Zeroable};
use glam::Vec2;

pub use camera::Camera;
pub use frame::OffscreenTarget;
pub use layer::{EdgeDetail, EdgeLayer, EdgeLevel};

use crate::bundle::{POINTS, Paths};
use crate::geom::{Bounds, Dim};
use crate::gpu::{Gpu, GpuError, Kernel, Shader, bind_group_layout, buffer_entry, compute_pipelines};
use crate::graph::Graph;
use crate::khop;

pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Per-frame view data. Mirrors `View` in nodes.wgsl and edges.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct ViewUniforms {
    clip_from_world: [[f32; 4]; 4],
    viewport: [f32; 2],
    node_radius: f32,
    focal_px: f32,
    edge_width_px: f32,
    edge_alpha: f32,
    shaded: u32,
    /// Nodes within this many hops of the selection stand out; [`NO_HIGHLIGHT`]: none.
    highlight_hops: u32,
    background: [f32; 4],
    /// The node under the pointer, ringed; [`NO_HIGHLIGHT`]: none.
    hovered: u32,
    /// 0: straight edges; 1: bundled paths; between: the morph.
    bundle_mix: f32,
    edge_coloring: u32,
    /// The edge under the pointer, drawn brighter; [`NO_HIGHLIGHT`]: none.
    hovered_edge: u32,
}
const _: () = assert!(std::mem::size_of::<ViewUniforms>() == 128);

/// `highlight_hops` when nothing is selected.
const NO_HIGHLIGHT: u32 = u32::MAX;

/// Where a chunk of edges starts in the graph's edge list. Mirrors `Chunk` in edges.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct ChunkUniforms {
    first: u32,
    pad: [u32; 3],
}
const _: () = assert!(std::mem::size_of::<ChunkUniforms>() == 16);

/// In the picking target, edges write this bit and their index; nodes their index + 1.
/// `EDGE_ID` in edges.wgsl.
pub const EDGE_ID: u32 = 1 << 31;

/// What colours an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EdgeColoring {
    /// A blend of its end nodes' colours along it
    #[default]
    Nodes,
    /// Its direction on screen, as a hue (bundles running opposite ways part by colour)
    Direction,
    /// Its weight (the weight column of an edge list, a model's connection strength,
    /// attention): along the ramp, and the heavier the more opaque
    Weight,
}

/// Pieces each span of a bundled path is drawn in. `SUB` in edges.wgsl.
pub const PATH_PIECES: u32 = 2;

/// The largest flat node radius as a share of the median nearest-neighbour distance
/// ([`Style::fit_density`]).
pub const DENSITY_RADIUS: f32 = 0.25;

/// How a scene looks, independent of the camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Node radius in layout units.
    pub node_radius: f32,
    pub edge_width_px: f32,
    /// The opacity of a pixel crossed by the frame's mean weight of edges (the edge layer
    /// tone-maps every pixel against it); 0 draws no edges.
    pub edge_alpha: f32,
    /// Sphere impostors with perspective size (3D) instead of flat discs.
    pub shaded: bool,
    pub edge_coloring: EdgeColoring,
    pub edge_detail: EdgeDetail,
}

/// [`Style::edge_alpha`] by default: the mean covered pixel half opaque, so a lone edge
/// reads clearly and a pixel ten times as crowded is 0.76 opaque (tone.wgsl).
pub const EDGE_ALPHA: f32 = 0.5;

impl Style {
    /// Defaults for a graph laid out within `bounds`: nodes a quarter of the typical
    /// spacing between nodes (an eighth in 3D, where nodes overlap in depth).
    pub fn for_layout(node_count: u32, bounds: &Bounds, dim: Dim) -> Style {
        let spacing = bounds.spacing(node_count, dim);
        let three_d = dim == Dim::Three;
        Style {
            node_radius: if three_d { 0.12 } else { 0.25 } * spacing.max(1e-6),
            edge_width_px: 1.0,
            edge_alpha: EDGE_ALPHA,
            shaded: three_d,
            edge_coloring: EdgeColoring::Nodes,
            edge_detail: EdgeDetail::Auto,
        }
    }
}

impl Style {
    /// The style for a graph settled at `positions`, and the bounds to fit a frame to:
    /// nodes small enough that collapsed groups' boxes clear their neighbours
    /// ([`Style::fit_boxes`]), and `bounds` grown to hold whole boxes ([`box_bounds`]).
    pub fn settled(self, graph: &Graph, positions: &[[f32; 4]], bounds: &Bounds) -> (Style, Bounds) {
        let style = self.fit_density(graph, positions).fit_boxes(graph, positions);
        (style, box_bounds(bounds, &style, graph))
    }

    /// The style with flat discs no wider than a quarter of the typical distance from a
    /// node to its nearest neighbour (the median over up to 100k nodes), so on dense
    /// graphs, where force layouts pack nodes far closer than the average spacing, the
    /// edges between them stay visible. Models (graphs with groups), laid out in layers
    /// with their edges running between them, and 3D spheres keep their size.
    fn fit_density(mut self, graph: &Graph, positions: &[[f32; 4]]) -> Style {
        if self.shaded || positions.len() < 2 || !graph.groups.is_empty() {
            return self;
        }
        let stride = positions.len().div_ceil(100_000);
        let sample: Vec<usize> = (0..positions.len()).step_by(stride).collect();
        let mut nearest: Vec<f32> =
            nearest_distances(positions, &sample).into_iter().filter(|d| d.is_finite() && *d > 0.0).collect();
        if !nearest.is_empty() {
            let middle = nearest.len() / 2;
            let median = *nearest.select_nth_unstable_by(middle, f32::total_cmp).1;
            self.node_radius = self.node_radius.min(DENSITY_RADIUS * median);
        }
        self
    }

    /// The style with nodes small enough that collapsed groups' boxes, up to three nodes
    /// wide ([`crate::graph::box_side`]), keep clear of their nearest neighbours at
    /// `positions` (nine in ten of them do): the spacing that sizes nodes leaves no room
    /// for boxes, and a chain of encoder blocks would overlap. Graphs without boxes keep
    /// their size.
    fn fit_boxes(mut self, graph: &Graph, positions: &[[f32; 4]]) -> Style {
        let widths = graph.node_widths();
        let boxes: Vec<usize> = (0..widths.len()).filter(|&v| widths[v] > 1.0).collect();
        let mut caps: Vec<f32> = boxes
            .iter()
            .zip(nearest_distances(positions, &boxes))
            .filter(|(_, d)| d.is_finite() && *d > 0.0)
            .map(|(&v, d)| 0.45 * d / widths[v])
            .collect();
        if !caps.is_empty() {
            let tenth = caps.len() / 10;
            self.node_radius = self.node_radius.min(*caps.select_nth_unstable_by(tenth, f32::total_cmp).1);
        }
        self
    }
}

/// `bounds` grown by the half side of the widest box (a collapsed group), so a frame
/// fitted to it holds whole boxes, not only their centres; unchanged without boxes or in
/// 3D (where the fit leaves room).
fn box_bounds(bounds: &Bounds, style: &Style, graph: &Graph) -> Bounds {
    let widest = graph.node_widths().into_iter().fold(1.0, f32::max);
    let mut grown = *bounds;
    if widest > 1.0 && !style.shaded {
        let reach = glam::Vec3::new(1.0, 1.0, 0.0) * style.node_radius * widest;
        grown.min -= reach;
        grown.max += reach;
    }
    grown
}

/// The distance from each node of `queries` to its nearest other node at `positions`
/// (infinite when it has none). A uniform grid of about one node a cell answers each
/// query from its own cell and the rings around it: linear in the node count.
pub fn nearest_distances(positions: &[[f32; 4]], queries: &[usize]) -> Vec<f32> {
    let n = positions.len();
    let bounds = Bounds::of(positions);
    let size = bounds.size();
    let dims = if size.z > size.max_element() * 1e-3 { 3 } else { 2 };
    let volume: f32 = size.to_array()[..dims].iter().map(|&s| s.max(size.max_element() * 1e-3)).product();
    if n < 2 || !(volume > 0.0 && volume.is_finite()) {
        return vec![f32::INFINITY; queries.len()];
    }
    let cell = (volume / n as f32).powf(1.0 / dims as f32);
    let key = |p: &[f32; 4]| -> [i64; 3] {
        let mut k = [0i64; 3];
        for (d, slot) in k.iter_mut().enumerate().take(dims) {
            *slot = ((p[d] - bounds.min[d]) / cell).floor() as i64;
        }
        k
    };
    let mut grid: std::collections::HashMap<[i64; 3], Vec<u32>> = std::collections::HashMap::new();
    for (i, p) in positions.iter().enumerate() {
        grid.entry(key(p)).or_default().push(i as u32);
    }
    let rings = (size.max_element() / cell).ceil() as i64 + 1;
    let distance = |a: &[f32; 4], b: &[f32; 4]| (0..dims).map(|d| (a[d] - b[d]).powi(2)).sum::<f32>().sqrt();
    queries
        .iter()
        .map(|&i| {
            let (p, home) = (&positions[i], key(&positions[i]));
            let mut best = f32::INFINITY;
            // Ring by ring; nothing beyond ring r is nearer than r cells.
            for ring in 0..=rings {
                let deep = if dims == 3 { ring } else { 0 };
                for dx in -ring..=ring {
                    for dy in -ring..=ring {
                        for dz in -deep..=deep {
                            if dx.abs().max(dy.abs()).max(dz.abs()) != ring {
                                continue;
                            }
                            for &j in grid.get(&[home[0] + dx, home[1] + dy, home[2] + dz]).into_iter().flatten() {
                                if j as usize != i {
                                    best = best.min(distance(p, &positions[j as usize]));
                                }
                            }
                        }
                    }
                }
                if best <= ring as f32 * cell {
                    break;
                }
            }
            best
        })
        .collect()
}

/// The format of the picking target: node index + 1 per pixel, 0 for none.
pub const ID_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;

pub struct Renderer {
    nodes: wgpu::RenderPipeline,
    /// Edges added into an [`EdgeLayer`]'s lines, straight and bundled ([`Paths`] drawn as
    /// curves).
    edges: wgpu::RenderPipeline,
    edge_paths: wgpu::RenderPipeline,
    /// The density level: edges splatted into an [`EdgeLayer`]'s grids.
    splat: wgpu::ComputePipeline,
    /// The layer's covered weight summed ([`EdgeLayer`]'s totals).
    measure: wgpu::ComputePipeline,
    /// The layer drawn onto the frame, tone-mapped.
    resolve: wgpu::RenderPipeline,
    /// Nodes and edges into an [`ID_FORMAT`] target, for picking.
    node_ids: wgpu::RenderPipeline,
    edge_ids: wgpu::RenderPipeline,
    edge_path_ids: wgpu::RenderPipeline,
    /// Feature maps: textured squares on their nodes ([`maps::FeatureMaps`]).
    maps: wgpu::RenderPipeline,
    maps_layout: wgpu::BindGroupLayout,
    view_layout: wgpu::BindGroupLayout,
    edge_layout: wgpu::BindGroupLayout,
    path_layout: wgpu::BindGroupLayout,
    /// tone.wgsl's group 0 and density.wgsl's group 2 ([`EdgeLayer`]).
    tone_layout: wgpu::BindGroupLayout,
    density_layout: wgpu::BindGroupLayout,
}

impl Renderer {
    /// Uploads a graph's colours and edges and binds them to `positions` (one `[x, y, z, 0]`
    /// row per node, e.g. [`crate::layout::force::ForceRun::positions`]). The scene's
    /// [`Scene::hops`] buffer takes K-hop results ([`crate::khop::Neighbourhoods`]) for
    /// [`Scene::highlight`].
    /// `extent` bounds the nodes (what [`EdgeDetail::Auto`] measures edges per pixel by).
    pub fn scene(
        &self,
        gpu: &Gpu,
        graph: &Graph,
        positions: &wgpu::Buffer,
        extent: &Bounds,
        style: Style,
    ) -> Result<Scene, GpuError> {
        let device = &gpu.device;
        let colors = palette::node_colors(graph.nodes.classes.as_deref(), graph.node_count());
        let colors = gpu.storage_buffer("Scene::colors", &colors, wgpu::BufferUsages::empty())?;
        let hops = khop::hops_buffer(gpu, graph.node_count())?;
        let sizes = palette::SizeBy::Uniform.sizes(graph);
        let sizes = gpu.storage_buffer("Scene::sizes", &sizes, wgpu::BufferUsages::empty())?;
        // One weight for all edges when the graph has none: 4 bytes an edge would not fit
        // one binding beyond 33M edges on some adapters.
        let weights = match graph.weights {
            Some(_) => edge_weights(graph),
            None => vec![1.0],
        };
        let edge_weights = gpu.storage_buffer("Scene::edge_weights", &weights, wgpu::BufferUsages::empty())?;
        let view = crate::gpu::uniform_buffer(device, "Scene::view", std::mem::size_of::<ViewUniforms>() as u64);
        let view_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("Scene::view_group"),
            layout: &self.view_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: view.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: positions.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: colors.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: hops.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 4, resource: sizes.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 5, resource: edge_weights.as_entire_binding() },
            ],
        });
        let edges = gpu.upload_edge_pairs(graph, "Scene::edges")?;
        let edge_chunks = self.edge_chunks(gpu, &edges, graph.edge_count() as u64);
        Ok(Scene {
            edges,
            view,
            view_group,
            colors,
            sizes,
            edge_weights,
            edge_chunks,
            hops,
            node_count: graph.node_count(),
            edge_count: graph.edge_count(),
            extent: *extent,
            moving: false,
            level: std::cell::Cell::new(EdgeLevel::Lines),
            style,
            highlight: None,
            hovered: None,
            hovered_edge: None,
            paths: Vec::new(),
            bundle_mix: 0.0,
            maps: None,
        })
    }

    /// Gives `scene` feature maps to draw on their nodes, which lie at `positions`.
    pub fn set_feature_maps(
        &self,
        gpu: &Gpu,
        scene: &mut Scene,
        maps: &maps::FeatureMaps,
        positions: &[[f32; 4]],
    ) -> Result<(), GpuError> {
        use wgpu::util::DeviceExt;
        let device = &gpu.device;
        let size = wgpu::Extent3d { width: maps.side, height: maps.side, depth_or_array_layers: 1 };
        let texture = device.create_texture_with_data(
            &gpu.queue,
            &wgpu::TextureDescriptor {
                label: Some("Scene::maps_atlas"),
                size,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: wgpu::TextureFormat::Rgba8Unorm,
                usage: wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            },
            wgpu::util::TextureDataOrder::LayerMajor,
            &maps.rgba,
        );
        // Nearest texels: a map's cells stay crisp squares, as the activations are.
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("Scene::maps_sampler"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            ..Default::default()
        });
        let tiles = gpu.storage_buffer("Scene::map_tiles", &maps.fitted(positions), wgpu::BufferUsages::empty())?;
        let view = texture.create_view(&Default::default());
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("Scene::maps"),
            layout: &self.maps_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: tiles.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::TextureView(&view) },
                wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::Sampler(&sampler) },
            ],
        });
        scene.maps = Some((group, maps.tiles.len() as u32));
        Ok(())
    }

    /// Binds bundled edge paths to `scene` (made for the same graph and positions); they
    /// are drawn while [`Scene::bundle_mix`] is above 0.
    pub fn set_paths(&self, gpu: &Gpu, scene: &mut Scene, paths: &Paths) {
        scene.paths = paths
            .chunks
            .iter()
            .map(|range| {
                let [edges, points] = paths.bindings(range);
                let first = chunk_uniforms(gpu, range.start);
                let group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("Scene::path_chunk"),
                    layout: &self.path_layout,
                    entries: &[
                        wgpu::BindGroupEntry { binding: 0, resource: edges },
                        wgpu::BindGroupEntry { binding: 1, resource: points },
                        wgpu::BindGroupEntry { binding: 2, resource: paths.peak.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 3, resource: first.as_entire_binding() },
                    ],
                });
                (group, range.end - range.start)
            })
            .collect();
    }

    /// Binds the `total` edge pairs in `buffer` in chunks that each fit the storage
    /// binding limit.
    fn edge_chunks(&self, gpu: &Gpu, buffer: &wgpu::Buffer, total: u64) -> Vec<(wgpu::BindGroup, u32)> {
        let limits = gpu.device.limits();
        let align = limits.min_storage_buffer_offset_alignment as u64;
        let per_chunk = (limits.max_storage_buffer_binding_size / 8) / (align / 8).max(1) * (align / 8).max(1);
        let mut chunks = Vec::new();
        let mut first = 0;
        while first < total {
            let count = per_chunk.min(total - first);
            let start = chunk_uniforms(gpu, first as u32);
            let group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("Scene::edge_chunk"),
                layout: &self.edge_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer,
                            offset: first * 8,
                            size: wgpu::BufferSize::new(count * 8),
                        }),
                    },
                    wgpu::BindGroupEntry { binding: 3, resource: start.as_entire_binding() },
                ],
            });
            chunks.push((group, count as u32));
            first += count;
        }
        chunks
    }

    /// Records the scene's draws into `pass`: its edges from `layer` (filled by
    /// [`Renderer::add_edges`] this frame), tone-mapped, then nodes and feature maps.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, scene: &Scene, layer: &EdgeLayer) {
        if scene.draws_edges() {
            pass.set_pipeline(&self.resolve);
            pass.set_bind_group(0, &layer.tone_group, &[]);
            pass.draw(0..3, 0..1);
        }
        pass.set_bind_group(0, &scene.view_group, &[]);
        pass.set_pipeline(&self.nodes);
        pass.draw(0..4, 0..scene.node_count);
        if let Some((group, count)) = &scene.maps {
            pass.set_pipeline(&self.maps);
            pass.set_bind_group(1, group, &[]);
            pass.draw(0..4, 0..*count);
        }
    }

    /// Records the scene's edges and nodes as ids into a pass on an [`ID_FORMAT`] target:
    /// nodes as their index + 1, edges as [`EDGE_ID`] and their index, nodes on top.
    pub fn draw_ids(&self, pass: &mut wgpu::RenderPass<'_>, scene: &Scene) {
        pass.set_bind_group(0, &scene.view_group, &[]);
        self.draw_edges(pass, scene, [&self.edge_ids, &self.edge_path_ids]);
        pass.set_pipeline(&self.node_ids);
        pass.draw(0..4, 0..scene.node_count);
    }

    /// Records the edges with `[straight, bundled]` pipelines: bundled paths while the
    /// scene shows them, straight edges otherwise.
    fn draw_edges(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        scene: &Scene,
        [straight, bundled]: [&wgpu::RenderPipeline; 2],
    ) {
        if !scene.draws_edges() {
            return;
        }
        if !scene.paths_hidden() {
            pass.set_pipeline(bundled);
            let pieces = (POINTS - 1) * PATH_PIECES;
            for (group, count) in &scene.paths {
                pass.set_bind_group(1, group, &[]);
                pass.draw(0..6, 0..*count * pieces);
            }
        } else {
            pass.set_pipeline(straight);
            for (group, count) in &scene.edge_chunks {
                pass.set_bind_group(1, group, &[]);
                pass.draw(0..6, 0..*count);
            }
        }
    }
}

impl Kernel for Renderer {
    type Key = wgpu::TextureFormat;

    fn build(device: &wgpu::Device, format: &wgpu::TextureFormat) -> Self {
        let format = *format;
        let stages = wgpu::ShaderStages::VERTEX_FRAGMENT | wgpu::ShaderStages::COMPUTE;
        let entry = |binding, ty| buffer_entry(binding, stages, ty, false);
        let read_only = wgpu::BufferBindingType::Storage { read_only: true };
        let view_layout = bind_group_layout(
            device,
            "Renderer::view_layout",
            &[
                entry(0, wgpu::BufferBindingType::Uniform),
                entry(1, read_only),
                entry(2, read_only),
                entry(3, read_only),
                entry(4, read_only),
                entry(5, read_only),
            ],
        );
        let edge_layout = bind_group_layout(
            device,
            "Renderer::edge_layout",
            &[entry(0, read_only), entry(3, wgpu::BufferBindingType::Uniform)],
        );
        let path_layout = bind_group_layout(
            device,
            "Renderer::path_layout",
            &[
                entry(0, read_only),
                entry(1, read_only),
                entry(2, read_only),
                entry(3, wgpu::BufferBindingType::Uniform),
            ],
        );
        let maps_layout = bind_group_layout(
            device,
            "Renderer::maps_layout",
            &[
                buffer_entry(0, wgpu::ShaderStages::VERTEX, read_only, false),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        );
        let (tone_layout, density_layout) = layer::bind_group_layouts(device);
        let [splat] = compute_pipelines(
            device,
            "Renderer",
            Shader::Density,
            &[&view_layout, &edge_layout, &density_layout],
            ["splat"],
        );
        let [measure] = compute_pipelines(device, "Renderer", Shader::Tone, &[&tone_layout], ["measure"]);
        // `depth`: None for targets without depth (the edge layer), else whether to write it.
        let pipeline =
            |(shader, vertex): (Shader, &str),
             layouts: &[Option<&wgpu::BindGroupLayout>],
             topology,
             depth: Option<bool>,
             (fragment, targets): (&str, &[(wgpu::TextureFormat, Option<wgpu::BlendState>)])| {
                let module = shader.module(device);
                let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some(shader.file_name()),
                    bind_group_layouts: layouts,
                    immediate_size: 0,
                });
                device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some(&format!("Renderer::{}", shader.file_name())),
                    layout: Some(&layout),
                    vertex: wgpu::VertexState {
                        module: &module,
                        entry_point: Some(vertex),
                        compilation_options: Default::default(),
                        buffers: &[],
                    },
                    primitive: wgpu::PrimitiveState { topology, ..Default::default() },
                    depth_stencil: depth.map(|write| wgpu::DepthStencilState {
                        format: DEPTH_FORMAT,
                        depth_write_enabled: Some(write),
                        depth_compare: Some(wgpu::CompareFunction::LessEqual),
                        stencil: Default::default(),
                        bias: Default::default(),
                    }),
                    multisample: Default::default(),
                    fragment: Some(wgpu::FragmentState {
                        module: &module,
                        entry_point: Some(fragment),
                        compilation_options: Default::default(),
                        targets: &targets
                            .iter()
                            .map(|&(format, blend)| {
                                Some(wgpu::ColorTargetState { format, blend, write_mask: wgpu::ColorWrites::ALL })
                            })
                            .collect::<Vec<_>>(),
                    }),
                    multiview_mask: None,
                    cache: None,
                })
            };
        let blended: (&str, &[_]) = ("fs", &[(format, Some(wgpu::BlendState::ALPHA_BLENDING))]);
        let add = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::One,
            operation: wgpu::BlendOperation::Add,
        };
        let add = Some(wgpu::BlendState { color: add, alpha: add });
        let added: (&str, &[_]) = ("fs", &[(layer::LINES_FORMAT, add), (layer::PLAIN_FORMAT, add)]);
        let strip = wgpu::PrimitiveTopology::TriangleStrip;
        let list = wgpu::PrimitiveTopology::TriangleList;
        Renderer {
            nodes: pipeline((Shader::Nodes, "vs"), &[Some(&view_layout)], strip, Some(true), blended),
            edges: pipeline((Shader::Edges, "vs"), &[Some(&view_layout), Some(&edge_layout)], list, None, added),
            edge_paths: pipeline(
                (Shader::Edges, "vs_path"),
                &[Some(&view_layout), Some(&path_layout)],
                list,
                None,
                added,
            ),
            splat,
            measure,
            resolve: pipeline((Shader::Tone, "vs"), &[Some(&tone_layout)], list, Some(false), blended),
            node_ids: pipeline(
                (Shader::Nodes, "vs"),
                &[Some(&view_layout)],
                strip,
                Some(true),
                ("fs_id", &[(ID_FORMAT, None)]),
            ),
            edge_ids: pipeline(
                (Shader::Edges, "vs_pick"),
                &[Some(&view_layout), Some(&edge_layout)],
                list,
                Some(false),
                ("fs_id", &[(ID_FORMAT, None)]),
            ),
            edge_path_ids: pipeline(
                (Shader::Edges, "vs_path_pick"),
                &[Some(&view_layout), Some(&path_layout)],
                list,
                Some(false),
                ("fs_id", &[(ID_FORMAT, None)]),
            ),
            maps: pipeline(
                (Shader::Maps, "vs"),
                &[Some(&view_layout), Some(&maps_layout)],
                strip,
                Some(true),
                ("fs", &[(format, None)]),
            ),
            maps_layout,
            view_layout,
            edge_layout,
            path_layout,
            tone_layout,
            density_layout,
        }
    }
}

/// A uniform buffer saying a chunk of edges starts at edge `first`.
fn chunk_uniforms(gpu: &Gpu, first: u32) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("Scene::chunk"),
        contents: bytemuck::bytes_of(&ChunkUniforms { first, pad: [0; 3] }),
        usage: wgpu::BufferUsages::UNIFORM,
    })
}

/// One graph's render data.
pub struct Scene {
    /// The edges as `(source, target)` pairs, uploaded once; bundling reads them too.
    pub edges: wgpu::Buffer,
    view: wgpu::Buffer,
    view_group: wgpu::BindGroup,
    colors: wgpu::Buffer,
    /// One radius factor per node ([`palette::SizeBy`]).
    sizes: wgpu::Buffer,
    /// One weight per edge, 0..=1 ([`edge_weights`]); one for all when the graph has none.
    edge_weights: wgpu::Buffer,
    edge_chunks: Vec<(wgpu::BindGroup, u32)>,
    hops: wgpu::Buffer,
    node_count: u32,
    edge_count: usize,
    /// Bounds of the nodes: [`EdgeDetail::Auto`] measures edges per pixel by them.
    pub extent: Bounds,
    /// The camera is moving: [`EdgeDetail::Auto`] draws a large graph's density level
    /// until it stops.
    pub moving: bool,
    /// The level [`Scene::set_view`] chose for the edges.
    level: std::cell::Cell<EdgeLevel>,
    pub style: Style,
    /// Highlight the nodes whose [`Scene::hops`] entry is at most this (and the edges
    /// between them), dimming the rest; `None` draws everything alike.
    pub highlight: Option<u32>,
    /// The node under the pointer, drawn with a ring.
    pub hovered: Option<u32>,
    /// The edge under the pointer, drawn brighter.
    pub hovered_edge: Option<u32>,
    /// Bundled paths in chunks ([`Renderer::set_paths`]); empty: none.
    paths: Vec<(wgpu::BindGroup, u32)>,
    /// How far edges are drawn along their bundled paths: 0 straight, 1 bundled.
    pub bundle_mix: f32,
    /// Feature maps ([`Renderer::set_feature_maps`]) and how many.
    maps: Option<(wgpu::BindGroup, u32)>,
}

impl Scene {
    /// Whether the scene has edges to draw.
    fn draws_edges(&self) -> bool {
        self.edge_count > 0 && self.style.edge_alpha > 0.0
    }

    /// Whether edges are drawn straight (no bundled paths shown).
    fn paths_hidden(&self) -> bool {
        self.bundle_mix <= 0.0 || self.paths.is_empty()
    }

    /// The level the edges were drawn at in the last view set ([`Scene::set_view`]).
    pub fn edge_level(&self) -> EdgeLevel {
        self.level.get()
    }

    /// Replaces the node colours (one packed RGBA8 per node, see [`palette::ColorBy`]).
    pub fn set_colors(&self, queue: &wgpu::Queue, colors: &[u32]) {
        debug_assert_eq!(colors.len(), self.node_count as usize);
        queue.write_buffer(&self.colors, 0, bytemuck::cast_slice(colors));
    }

    /// Replaces the edge weights [`EdgeColoring::Weight`] shows (one per edge, 0..=1), of
    /// a graph that has weights (one without has one weight for all, which stays).
    pub fn set_edge_weights(&self, queue: &wgpu::Queue, weights: &[f32]) {
        let bytes = bytemuck::cast_slice(weights);
        debug_assert!(bytes.len() as u64 <= self.edge_weights.size(), "a graph without weights");
        if bytes.len() as u64 <= self.edge_weights.size() {
            queue.write_buffer(&self.edge_weights, 0, bytes);
        }
    }

    /// Replaces the node sizes (one radius factor per node, negative for a box, see
    /// [`palette::SizeBy::sizes`]).
    pub fn set_sizes(&self, queue: &wgpu::Queue, sizes: &[f32]) {
        debug_assert_eq!(sizes.len(), self.node_count as usize);
        queue.write_buffer(&self.sizes, 0, bytemuck::cast_slice(sizes));
    }

    /// One `u32` per node: hops from the selection, written by K-hop queries.
    pub fn hops(&self) -> &wgpu::Buffer {
        &self.hops
    }

    /// Writes the view uniforms for `camera` and a viewport of `size` pixels.
    pub fn set_view(&self, queue: &wgpu::Queue, camera: &Camera, size: (u32, u32)) {
        let viewport = Vec2::new(size.0 as f32, size.1 as f32);
        let focal_px = camera.focal_px(viewport);
        let node_radius = if self.style.shaded {
            self.style.node_radius
        } else {
            // At least a tenth of the frame's spacing per node (from 0.75 to 2 pixels),
            // so nodes that density keeps small still show.
            let spacing_px = (viewport.x * viewport.y / self.node_count.max(1) as f32).sqrt();
            let least = (0.1 * spacing_px).clamp(0.75, 2.0);
            (self.style.node_radius * focal_px).clamp(least, 24.0)
        };
        let clip_from_world = camera.clip_from_world(viewport);
        let level = self.style.edge_detail.level(self.edge_count, &self.extent, clip_from_world, viewport, self.moving);
        self.level.set(level);
        let uniforms = ViewUniforms {
            clip_from_world: clip_from_world.to_cols_array_2d(),
            viewport: viewport.into(),
            node_radius,
            focal_px,
            edge_width_px: self.style.edge_width_px,
            edge_alpha: self.style.edge_alpha,
            shaded: self.style.shaded as u32,
            highlight_hops: self.highlight.unwrap_or(NO_HIGHLIGHT),
            background: [palette::BACKGROUND[0], palette::BACKGROUND[1], palette::BACKGROUND[2], 1.0],
            hovered: self.hovered.unwrap_or(NO_HIGHLIGHT),
            bundle_mix: self.bundle_mix,
            edge_coloring: self.style.edge_coloring as u32,
            hovered_edge: self.hovered_edge.unwrap_or(NO_HIGHLIGHT),
        };
        queue.write_buffer(&self.view, 0, bytemuck::bytes_of(&uniforms));
    }
}

/// Every edge's weight over the largest absolute weight (0..=1), for
/// [`EdgeColoring::Weight`]; all 1 without weights.
pub fn edge_weights(graph: &Graph) -> Vec<f32> {
    match &graph.weights {
        Some(weights) => {
            let largest = weights.iter().map(|w| w.abs()).filter(|w| w.is_finite()).fold(0.0, f32::max);
            let scale = if largest > 0.0 { 1.0 / largest } else { 0.0 };
            weights.iter().map(|w| if w.is_finite() { w.abs() * scale } else { 0.0 }).collect()
        }
        None => vec![1.0; graph.edge_count()],
    }
}

/// Begins a render pass that clears `color` to the background and `depth` to far.
pub fn begin_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    color: &wgpu::TextureView,
    depth: &wgpu::TextureView,
) -> wgpu::RenderPass<'e> {
    let [r, g, b] = palette::BACKGROUND.map(f64::from);
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("netlens.frame"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: color,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a: 1.0 }),
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
            view: depth,
            depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Discard }),
            stencil_ops: None,
        }),
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}

/// A depth texture matching a colour target of `size`.
pub fn depth_view(device: &wgpu::Device, size: (u32, u32)) -> wgpu::TextureView {
    target_texture(device, "netlens.depth", size, DEPTH_FORMAT, wgpu::TextureUsages::empty())
        .create_view(&Default::default())
}

/// A 2D texture of `size` that passes render into, plus `extra` usages (`COPY_SRC` for
/// targets read back): frames, depth, picking ids.
pub fn target_texture(
    device: &wgpu::Device,
    label: &'static str,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    extra: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width: size.0, height: size.1, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | extra,
        view_formats: &[],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Column, MEMBERS, box_side};

    #[test]
    fn nearest_distances_come_from_the_grid() {
        let positions = [[0.0, 0.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0], [10.0, 0.0, 0.0, 0.0], [10.0, 1.0, 0.0, 0.0]];
        assert_eq!(nearest_distances(&positions, &[0, 1, 2]), [5.0, 5.0, 1.0]);
        assert_eq!(nearest_distances(&positions[..1], &[0]), [f32::INFINITY]);
    }

    #[test]
    fn boxes_keep_clear_of_their_neighbours() {
        // A chain of six collapsed groups of 100 nodes, two units apart: the spacing would
        // make each box 3 x 0.5 x 2 = 3 units wide.
        let mut graph = Graph::with_nodes(6, true);
        for v in 0..5 {
            graph.push_edge(v, v + 1);
        }
        graph.nodes.columns.push(Column { name: MEMBERS.into(), width: 1, values: vec![100.0; 6] });
        let positions: Vec<[f32; 4]> = (0..6).map(|v| [2.0 * v as f32, 0.0, 0.0, 0.0]).collect();
        let bounds = Bounds::of(&positions);
        let plain = Style::for_layout(6, &bounds, Dim::Two);
        assert!(plain.node_radius * box_side(100.0) * 2.0 > 2.0, "without fitting they overlap");
        let fitted = plain.fit_boxes(&graph, &positions);
        assert!(fitted.node_radius * box_side(100.0) * 2.0 <= 2.0 * 0.9 + 1e-6, "{}", fitted.node_radius);
        // Without boxes nothing changes.
        graph.nodes.columns.clear();
        assert_eq!(plain.fit_boxes(&graph, &positions), plain);
    }
}

#[cfg(test)]
mod wgsl_twins {
    use super::*;
    use crate::gpu::{Shader, wgsl_struct_size};

    #[test]
    fn gpu_structs_are_the_size_of_their_wgsl_twins() {
        assert_eq!(
            wgsl_struct_size(Shader::Nodes, "View") as usize,
            std::mem::size_of::<ViewUniforms>(),
            "View in Nodes"
        );
        assert_eq!(
            wgsl_struct_size(Shader::Edges, "View") as usize,
            std::mem::size_of::<ViewUniforms>(),
            "View in Edges"
        );
        assert_eq!(
            wgsl_struct_size(Shader::Maps, "View") as usize,
            std::mem::size_of::<ViewUniforms>(),
            "View in Maps"
        );
        assert_eq!(
            wgsl_struct_size(Shader::Edges, "Chunk") as usize,
            std::mem::size_of::<ChunkUniforms>(),
            "Chunk in Edges"
        );
    }
}
