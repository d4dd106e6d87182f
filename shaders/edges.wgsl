// Edges as instanced screen-space quads of a given pixel width, anti-aliased across the
// width, added into the edge layer (src/render/layer.rs): each fragment adds its colour
// times its coverage, and its coverage, so the layer holds how much edge crosses each
// pixel and in what colour; tone.wgsl then turns that into opacity. `vs` draws straight
// edges: each instance reads its (source, target) pair and both positions. `vs_path`
// draws bundled edges as curves: each edge has (POINTS - 1) * SUB instances, pieces of a
// Catmull-Rom spline through its path's points, morphed from the straight line by
// `bundle_mix` and weighted by the bundle density stored with the points; an edge short
// on screen uses only the first few instances. Colours blend the end nodes' colours along
// the edge, show its direction on screen as a hue, or its weight on the ramp, weighing as
// it is heavy. Under a K-hop highlight, edges inside the neighbourhood weigh more and the
// rest darken. `vs_pick`, `vs_path_pick` and `fs_id` draw widened edges as ids for picking.

const POINTS: u32 = 16u;   // POINTS in src/bundle/mod.rs
const SUB: u32 = 2u;       // PATH_PIECES in src/render/mod.rs

#include "common/view.wgsl"
#include "common/edge_emphasis.wgsl"
#include "common/chunk.wgsl"

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> colors: array<u32>;
@group(0) @binding(3) var<storage, read> hops: array<u32>;   // from the K-hop pass
@group(0) @binding(5) var<storage, read> edge_weights: array<f32>;  // 0..=1 per edge, or one for all
@group(1) @binding(0) var<storage, read> edges: array<vec2<u32>>;
@group(1) @binding(1) var<storage, read> path_points: array<vec4<f32>>;  // vs_path only
@group(1) @binding(2) var<storage, read> peak: u32;                      // vs_path only
@group(1) @binding(3) var<uniform> chunk: Chunk;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) side_px: f32,
    @location(1) color: vec4<f32>,
    @location(2) @interpolate(flat) half_width: f32,
    @location(3) @interpolate(flat) id: u32,
    /// The edge's weight without its emphasis: what the layer's mean is measured on.
    @location(4) @interpolate(flat) plain: f32,
}

/// What a fragment adds to the edge layer's two targets.
struct Added {
    @location(0) color: vec4<f32>,   // colour times weight, and weight (with emphasis)
    @location(1) plain: f32,         // weight without emphasis
}

/// Ids of edges in the picking target: this bit, and the edge's index. Nodes write their
/// index + 1 (below 2^27). EDGE_ID in src/render/mod.rs.
const EDGE_ID: u32 = 0x80000000u;
/// Edges are this wide in the picking target, so a pointer finds them.
const PICK_WIDTH_PX: f32 = 6.0;

/// A hue for direction `d` (screen pixels, y up): the colour wheel at its angle.
fn direction_color(d: vec2<f32>) -> vec3<f32> {
    let h = (atan2(d.y, d.x) / 6.2831853 + 1.0) * 6.0;
    let k = (vec3<f32>(5.0, 3.0, 1.0) + h) % 6.0;
    return 1.0 - 0.75 * clamp(min(k, 4.0 - k), vec3<f32>(0.0), vec3<f32>(1.0));
}

/// The sequential ramp of src/render/palette.rs (RAMP) at `t` in 0..=1.
fn ramp(t: f32) -> vec3<f32> {
    var stops = array<vec3<f32>, 6>(
        vec3<f32>(72.0, 61.0, 139.0),
        vec3<f32>(59.0, 108.0, 168.0),
        vec3<f32>(33.0, 145.0, 140.0),
        vec3<f32>(53.0, 183.0, 121.0),
        vec3<f32>(144.0, 215.0, 67.0),
        vec3<f32>(253.0, 231.0, 37.0),
    );
    let x = clamp(t, 0.0, 1.0) * 5.0;
    let i = min(u32(floor(x)), 4u);
    return mix(stops[i], stops[i + 1u], x - f32(i)) / 255.0;
}

fn to_screen(clip: vec4<f32>) -> vec2<f32> {
    return clip.xy / clip.w * view.viewport * 0.5;
}

/// A piece of an edge in clip space: from `a` to `b`, of the edge whose ends are at
/// `ea` and `eb`, from `t0` to `t1` along it.
struct Piece {
    a: vec4<f32>,
    b: vec4<f32>,
    ea: vec4<f32>,
    eb: vec4<f32>,
    t0: f32,
    t1: f32,
}

fn clip_of(world: vec3<f32>) -> vec4<f32> {
    return view.clip_from_world * vec4<f32>(world, 1.0);
}

/// Vertex `v` of a quad `width` pixels wide along `p`, a piece of edge `i` (of this
/// chunk; its ends `e`), its alpha scaled by `shade`.
fn piece(v: u32, i: u32, e: vec2<u32>, span: Piece, shade: f32, width: f32) -> VertexOut {
    var out: VertexOut;
    let a = span.a;
    let b = span.b;
    let ea = span.ea;
    let eb = span.eb;
    let t0 = span.t0;
    let t1 = span.t1;
    if a.w <= 1e-6 || b.w <= 1e-6 || ea.w <= 1e-6 || eb.w <= 1e-6 {
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0); // crosses behind the camera: skip
        return out;
    }
    let half_viewport = view.viewport * 0.5;
    let sa = to_screen(a);
    let sb = to_screen(b);
    let along = sb - sa;
    let len = length(along);
    var dir = vec2<f32>(1.0, 0.0);
    if len > 1e-4 { dir = along / len; }
    let normal = vec2<f32>(-dir.y, dir.x);
    // Two triangles: t picks the end, s the side.
    let t = f32((0x32u >> v) & 1u);       // vertices 0..5 -> ends 0,1,0,0,1,1
    let s = f32((0x2cu >> v) & 1u) * 2.0 - 1.0; // sides -1,-1,1,1,1,-1
    let id = chunk.first + i;
    var half_width = width * 0.5 + 0.5; // coverage reaches 0 there
    if id == view.hovered_edge {
        half_width += 1.0;
    }
    let p = mix(sa, sb, t) + normal * s * half_width;
    let depth = mix(a.z / a.w, b.z / b.w, t);
    out.clip = vec4<f32>(p / half_viewport, depth, 1.0);
    out.side_px = s * half_width;
    out.half_width = half_width;
    out.id = id;
    let chord = to_screen(eb) - to_screen(ea);
    var rgb = vec3<f32>(0.0);
    var weight = 1.0;
    if view.edge_coloring == 1u {
        rgb = direction_color(chord);
    } else if view.edge_coloring == 2u {
        let w = edge_weights[min(id, arrayLength(&edge_weights) - 1u)]; // one for all: no weights
        rgb = ramp(w);
        weight = mix(0.04, 1.0, w);
    } else {
        rgb = mix(unpack4x8unorm(colors[e.x]).rgb, unpack4x8unorm(colors[e.y]).rgb, mix(t0, t1, t));
    }
    // Edges shorter than a pixel weigh less: a zoomed-out dense graph stays readable.
    weight *= clamp(length(chord), 0.25, 1.0) * shade;
    let emphasis = edge_emphasis(e, id);
    out.color = vec4<f32>(select(rgb * emphasis.x, HOVERED_EDGE, id == view.hovered_edge), weight * emphasis.y);
    out.plain = weight;
    return out;
}

fn straight(v: u32, i: u32, width: f32) -> VertexOut {
    let e = edges[i];
    // A straight edge is its own one piece: its ends are projected once.
    let a = clip_of(positions[e.x].xyz);
    let b = clip_of(positions[e.y].xyz);
    return piece(v, i, e, Piece(a, b, a, b, 0.0, 1.0), 1.0, width);
}

@vertex
fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> VertexOut {
    return straight(v, i, view.edge_width_px);
}

@vertex
fn vs_pick(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> VertexOut {
    return straight(v, i, max(view.edge_width_px, PICK_WIDTH_PX));
}

/// Point `k` (clamped to the path) of edge `i`'s path, morphed from the straight line.
fn path_point(i: u32, e: vec2<u32>, k: i32) -> vec4<f32> {
    let j = u32(clamp(k, 0, i32(POINTS) - 1));
    let bundled = path_points[i * POINTS + j];
    let straight = mix(positions[e.x].xyz, positions[e.y].xyz, f32(j) / f32(POINTS - 1u));
    return vec4<f32>(mix(straight, bundled.xyz, view.bundle_mix), bundled.w);
}

fn catmull_rom(p0: vec4<f32>, p1: vec4<f32>, p2: vec4<f32>, p3: vec4<f32>, t: f32) -> vec4<f32> {
    let t2 = t * t;
    return 0.5 * (2.0 * p1 + (p2 - p0) * t + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t2
        + (3.0 * (p1 - p2) + p3 - p0) * t2 * t);
}

/// Edge `i`'s curve at `u` in 0..=POINTS - 1 (whole numbers on its points): position and
/// bundle density.
fn curve_at(i: u32, e: vec2<u32>, u: f32) -> vec4<f32> {
    let span = min(i32(floor(u)), i32(POINTS) - 2);
    let f = u - f32(span);
    return catmull_rom(
        path_point(i, e, span - 1),
        path_point(i, e, span),
        path_point(i, e, span + 1),
        path_point(i, e, span + 2),
        f,
    );
}

/// Pixels of curve each piece covers at most.
const PIECE_PX: f32 = 6.0;

@vertex
fn vs_path(@builtin(vertex_index) v: u32, @builtin(instance_index) instance: u32) -> VertexOut {
    return path(v, instance, view.edge_width_px);
}

@vertex
fn vs_path_pick(@builtin(vertex_index) v: u32, @builtin(instance_index) instance: u32) -> VertexOut {
    return path(v, instance, max(view.edge_width_px, PICK_WIDTH_PX));
}

fn path(v: u32, instance: u32, width: f32) -> VertexOut {
    let most = (POINTS - 1u) * SUB;
    let i = instance / most;
    let k = instance % most;
    let e = edges[i];
    // Level of detail: as many pieces as the edge's length on screen needs (one per
    // PIECE_PX pixels of its chord); the other instances draw nothing, so a zoomed-out
    // graph costs little more than straight edges.
    let ea = view.clip_from_world * vec4<f32>(positions[e.x].xyz, 1.0);
    let eb = view.clip_from_world * vec4<f32>(positions[e.y].xyz, 1.0);
    var pieces = most;
    if ea.w > 1e-6 && eb.w > 1e-6 {
        pieces = clamp(u32(ceil(length(to_screen(eb) - to_screen(ea)) / PIECE_PX)), 1u, most);
    }
    if k >= pieces {
        var out: VertexOut;
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return out;
    }
    let spans = f32(POINTS - 1u);
    let u0 = spans * f32(k) / f32(pieces);
    let u1 = spans * f32(k + 1u) / f32(pieces);
    let a = curve_at(i, e, u0);
    let b = curve_at(i, e, u1);
    // Density shading: edges in strong bundles stay bright, stray ones fade.
    var shade = 1.0;
    let top = bitcast<f32>(peak);
    if top > 0.0 {
        shade = mix(1.0, mix(0.6, 2.0, sqrt(clamp((a.w + b.w) * 0.5 / top, 0.0, 1.0))), view.bundle_mix);
    }
    return piece(v, i, e, Piece(clip_of(a.xyz), clip_of(b.xyz), ea, eb, u0 / spans, u1 / spans), shade, width);
}

@fragment
fn fs(in: VertexOut) -> Added {
    let coverage = clamp(in.half_width - abs(in.side_px), 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    let added = in.color.a * coverage;
    return Added(vec4<f32>(in.color.rgb * added, added), in.plain * coverage);
}

// Picking: the edge's id wherever its (widened) quad covers the pixel centre.
@fragment
fn fs_id(in: VertexOut) -> @location(0) u32 {
    return EDGE_ID | in.id;
}
