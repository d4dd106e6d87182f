// Edges as instanced screen-space quads of a given pixel width, anti-aliased across the
// width, coloured by a blend of their end nodes' colours at a global alpha. Each instance
// reads its (source, target) pair and both positions from storage buffers. Under a K-hop
// highlight, edges inside the neighbourhood brighten and the rest fade.

struct View {              // ViewUniforms in src/render/mod.rs
    clip_from_world: mat4x4<f32>,
    viewport: vec2<f32>,
    node_radius: f32,
    focal_px: f32,
    edge_width_px: f32,
    edge_alpha: f32,
    shaded: u32,
    highlight_hops: u32,
    background: vec4<f32>,
    hovered: u32,
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> colors: array<u32>;
@group(0) @binding(3) var<storage, read> hops: array<u32>;   // from the K-hop pass
@group(1) @binding(0) var<storage, read> edges: array<vec2<u32>>;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) side_px: f32,
    @location(1) color: vec4<f32>,
}

@vertex
fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> VertexOut {
    var out: VertexOut;
    let e = edges[i];
    let a = view.clip_from_world * vec4<f32>(positions[e.x].xyz, 1.0);
    let b = view.clip_from_world * vec4<f32>(positions[e.y].xyz, 1.0);
    if a.w <= 1e-6 || b.w <= 1e-6 {
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0); // crosses behind the camera: skip
        return out;
    }
    let half_viewport = view.viewport * 0.5;
    let sa = a.xy / a.w * half_viewport;
    let sb = b.xy / b.w * half_viewport;
    let along = sb - sa;
    let len = length(along);
    var dir = vec2<f32>(1.0, 0.0);
    if len > 1e-4 { dir = along / len; }
    let normal = vec2<f32>(-dir.y, dir.x);
    // Two triangles: t picks the end, s the side.
    let t = f32((0x32u >> v) & 1u);       // vertices 0..5 -> ends 0,1,0,0,1,1
    let s = f32((0x2cu >> v) & 1u) * 2.0 - 1.0; // sides -1,-1,1,1,1,-1
    let half_width = view.edge_width_px * 0.5 + 0.5; // coverage reaches 0 there
    let p = mix(sa, sb, t) + normal * s * half_width;
    let depth = mix(a.z / a.w, b.z / b.w, t);
    out.clip = vec4<f32>(p / half_viewport, depth, 1.0);
    out.side_px = s * half_width;
    let ca = unpack4x8unorm(colors[e.x]);
    let cb = unpack4x8unorm(colors[e.y]);
    // Edges shorter than a pixel fade out: a zoomed-out dense graph stays readable.
    var alpha = view.edge_alpha * clamp(len, 0.25, 1.0);
    if view.highlight_hops != 0xffffffffu {
        let inside = hops[e.x] <= view.highlight_hops && hops[e.y] <= view.highlight_hops;
        alpha = select(alpha * 0.2, max(alpha * 3.0, 0.5), inside);
    }
    out.color = vec4<f32>(mix(ca.rgb, cb.rgb, t), alpha);
    return out;
}

@fragment
fn fs(in: VertexOut) -> @location(0) vec4<f32> {
    let coverage = clamp(view.edge_width_px * 0.5 + 0.5 - abs(in.side_px), 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    return vec4<f32>(in.color.rgb, in.color.a * coverage);
}
