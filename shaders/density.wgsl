// The density level of the edge layer (src/render/layer.rs), for drawings with far more
// edges than pixels, where single edges cannot be told apart and only how much edge
// crosses each pixel shows. `splat` walks each edge across the frame, one sample a pixel
// (at most MAX_SAMPLES, each standing for its share of the edge), and adds its weight to
// the pixel's fixed-point count; it adds the edge's colour once, at its middle, to a grid
// of COARSE x COARSE-pixel cells. One invocation an edge and no triangles: the rasteriser
// would set up two for every edge. The K-hop highlight and the hovered edge show in the
// colour only.

const WG: u32 = 256u;
const FIXED: f32 = 16.0;       // FIXED in tone.wgsl: counts are weight * FIXED
const COARSE: u32 = 8u;        // COARSE in tone.wgsl and src/render/layer.rs
const MAX_SAMPLES: u32 = 1024u;

#include "common/view.wgsl"
#include "common/edge_emphasis.wgsl"
#include "common/dispatch.wgsl"
#include "common/chunk.wgsl"

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> colors: array<u32>;
@group(0) @binding(3) var<storage, read> hops: array<u32>;
@group(0) @binding(5) var<storage, read> edge_weights: array<f32>;
@group(1) @binding(0) var<storage, read> edges: array<vec2<u32>>;
@group(1) @binding(3) var<uniform> chunk: Chunk;
@group(2) @binding(0) var<storage, read_write> counts: array<atomic<u32>>;  // a pixel each
@group(2) @binding(1) var<storage, read_write> tints: array<atomic<u32>>;   // r, g, b, edges a cell

/// `clip` in pixels of the frame, y down (the rasteriser's framebuffer coordinates).
fn pixel(clip: vec4<f32>) -> vec2<f32> {
    let ndc = clip.xy / clip.w;
    return vec2<f32>(ndc.x + 1.0, 1.0 - ndc.y) * 0.5 * view.viewport;
}

@compute @workgroup_size(WG)
fn splat(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= arrayLength(&edges) {
        return;
    }
    let e = edges[i];
    let ca = view.clip_from_world * vec4<f32>(positions[e.x].xyz, 1.0);
    let cb = view.clip_from_world * vec4<f32>(positions[e.y].xyz, 1.0);
    if ca.w <= 1e-6 || cb.w <= 1e-6 {
        return; // crosses behind the camera
    }
    let a = pixel(ca);
    let b = pixel(cb);
    let length_px = distance(a, b);
    // The part of a..b inside the frame (Liang-Barsky).
    let d = b - a;
    var t0 = 0.0;
    var t1 = 1.0;
    let size = view.viewport;
    for (var axis = 0u; axis < 2u; axis++) {
        if abs(d[axis]) < 1e-6 {
            if a[axis] < 0.0 || a[axis] >= size[axis] {
                return;
            }
        } else {
            let u0 = (0.0 - a[axis]) / d[axis];
            let u1 = (size[axis] - a[axis]) / d[axis];
            t0 = max(t0, min(u0, u1));
            t1 = min(t1, max(u0, u1));
        }
    }
    if t0 > t1 {
        return;
    }
    let id = chunk.first + i;
    var weight = 1.0;
    var rgb = mix(unpack4x8unorm(colors[e.x]).rgb, unpack4x8unorm(colors[e.y]).rgb, 0.5);
    if view.edge_coloring == 2u {
        let w = edge_weights[min(id, arrayLength(&edge_weights) - 1u)]; // one for all: no weights
        weight = mix(0.04, 1.0, w);
    }
    // Emphasis shows in colour only: the counts stay plain weights, which the layer's mean
    // is measured on.
    let emphasis = edge_emphasis(e, id);
    // One sample a pixel along the longer axis, each worth its share of the edge's
    // length; an edge shorter than a pixel weighs as the lines level weighs it.
    let inside = (t1 - t0) * max(abs(d.x), abs(d.y));
    let samples = clamp(u32(ceil(inside)), 1u, MAX_SAMPLES);
    let each = weight * max((t1 - t0) * length_px, 0.25) / f32(samples);
    let add = u32(round(each * FIXED));
    let width = u32(size.x);
    let height = u32(size.y);
    for (var k = 0u; k < samples; k++) {
        let p = a + d * mix(t0, t1, (f32(k) + 0.5) / f32(samples));
        let x = min(u32(max(p.x, 0.0)), width - 1u);
        let y = min(u32(max(p.y, 0.0)), height - 1u);
        atomicAdd(&counts[y * width + x], add);
    }
    // Its colour once, where its middle is (in the frame).
    let m = a + d * (t0 + t1) * 0.5;
    let columns = (width + COARSE - 1u) / COARSE;
    let cell = 4u * ((min(u32(max(m.y, 0.0)), height - 1u) / COARSE) * columns + min(u32(max(m.x, 0.0)), width - 1u) / COARSE);
    var tint = rgb;
    if view.edge_coloring == 1u {
        tint = vec3<f32>(0.7); // direction has no single colour in a crowd of edges
    } else if view.edge_coloring == 2u {
        tint = vec3<f32>(0.55, 0.75, 0.5);
    }
    tint = select(tint * emphasis.x, HOVERED_EDGE, id == view.hovered_edge);
    let rgb8 = vec3<u32>(round(clamp(tint, vec3<f32>(0.0), vec3<f32>(1.0)) * 255.0));
    atomicAdd(&tints[cell], rgb8.x);
    atomicAdd(&tints[cell + 1u], rgb8.y);
    atomicAdd(&tints[cell + 2u], rgb8.z);
    atomicAdd(&tints[cell + 3u], 1u);
}
