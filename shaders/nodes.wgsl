// Nodes as instanced quads: anti-aliased discs in 2D, shaded sphere impostors in 3D, and
// the same discs as node ids for picking (fs_id). A negative size draws a box instead (a
// collapsed group): a square with a bevel; size 0 hides the node (a feature map stands in
// for it).
// Positions and colours are read from storage buffers by instance index, so the layout's
// buffer is drawn as it is, without a copy.

#include "common/view.wgsl"

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> colors: array<u32>;
@group(0) @binding(3) var<storage, read> hops: array<u32>;   // from the K-hop pass
@group(0) @binding(4) var<storage, read> sizes: array<f32>;  // radius factor per node; < 0: a box, 0: hidden
// binding 5, edge weights, is read by edges.wgsl only

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) offset_px: vec2<f32>,
    @location(1) @interpolate(flat) radius_px: f32,
    @location(2) color: vec4<f32>,
    @location(3) @interpolate(flat) emphasis: u32,
    @location(4) @interpolate(flat) id: u32,
    @location(5) @interpolate(flat) box_shape: u32,
}

const NO_HIGHLIGHT: u32 = 0xffffffffu;
const DIMMED: u32 = 0u;
const PLAIN: u32 = 1u;
const SEED: u32 = 2u;
const HOVERED: u32 = 3u;

// How node i looks under the K-hop highlight and the pointer.
fn emphasis(i: u32) -> u32 {
    if i == view.hovered {
        return HOVERED;
    }
    if view.highlight_hops == NO_HIGHLIGHT {
        return PLAIN;
    }
    let h = hops[i];
    if h == 0u {
        return SEED;
    }
    if h <= view.highlight_hops {
        return PLAIN;
    }
    return DIMMED;
}

@vertex
fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> VertexOut {
    var out: VertexOut;
    let center = view.clip_from_world * vec4<f32>(positions[i].xyz, 1.0);
    if center.w <= 1e-6 || sizes[i] == 0.0 {
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0); // behind the camera or hidden: outside clip space
        return out;
    }
    var radius = view.node_radius * abs(sizes[i]);
    if view.shaded == 1u {
        radius = clamp(radius * view.focal_px / center.w, 1.0, 256.0);
    }
    let e = emphasis(i);
    var color = unpack4x8unorm(colors[i]);
    var z = center.z;
    if e == DIMMED {
        color = vec4<f32>(mix(color.rgb, view.background.rgb, 0.8), color.a);
    } else if e == SEED || e == HOVERED {
        radius = max(radius * 1.6, radius + 3.0);
    }
    if view.shaded == 0u && e != DIMMED {
        z -= 0.25 * center.w; // flat layouts: the neighbourhood in front of the rest
    }
    let corner = vec2<f32>(f32(v & 1u) * 2.0 - 1.0, f32((v >> 1u) & 1u) * 2.0 - 1.0);
    let extent = radius + 1.0; // one pixel of margin for anti-aliasing
    out.clip = vec4<f32>(center.xy + corner * extent * 2.0 / view.viewport * center.w, z, center.w);
    out.offset_px = corner * extent;
    out.radius_px = radius;
    out.color = color;
    out.emphasis = e;
    out.id = i;
    out.box_shape = select(0u, 1u, sizes[i] < 0.0);
    return out;
}

// Distance from the centre in the node's own metric: round for discs, square for boxes.
fn shape_distance(in: VertexOut) -> f32 {
    if in.box_shape == 1u {
        return max(abs(in.offset_px.x), abs(in.offset_px.y));
    }
    return length(in.offset_px);
}

@fragment
fn fs(in: VertexOut) -> @location(0) vec4<f32> {
    let d = shape_distance(in);
    let r = in.radius_px;
    let coverage = clamp(r + 0.5 - d, 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    var rgb = in.color.rgb;
    if in.box_shape == 1u {
        // A bevel: lit top-left edges, shaded bottom-right ones, a darker rim.
        let edge = smoothstep(r - 0.18 * r - 1.0, r - 0.18 * r, d);
        let side = select(0.75, 1.25, in.offset_px.x + in.offset_px.y < 0.0);
        rgb = mix(rgb, min(rgb * side, vec3<f32>(1.0)), edge);
        rgb = mix(rgb, rgb * 0.5, smoothstep(r - 1.6, r - 0.6, d));
    } else if view.shaded == 1u {
        let uv = in.offset_px / r;
        let n = vec3<f32>(uv.x, uv.y, sqrt(max(1.0 - dot(uv, uv), 0.0)));
        let light = normalize(vec3<f32>(-0.4, 0.5, 0.77));
        let diffuse = max(dot(n, light), 0.0);
        let specular = pow(max(dot(reflect(-light, n), vec3<f32>(0.0, 0.0, 1.0)), 0.0), 24.0);
        rgb = rgb * (0.3 + 0.7 * diffuse) + vec3<f32>(0.35 * specular);
    } else if r > 2.5 {
        // A darker rim separates touching discs.
        rgb = mix(rgb, rgb * 0.5, smoothstep(r - 1.6, r - 0.6, d));
    }
    if in.emphasis == SEED {
        rgb = mix(rgb, vec3<f32>(1.0), smoothstep(r - 2.6, r - 1.4, d)); // a white ring
    } else if in.emphasis == HOVERED {
        rgb = mix(rgb, vec3<f32>(1.0, 0.85, 0.4), smoothstep(r - 2.6, r - 1.4, d)); // an amber ring
    }
    return vec4<f32>(rgb, in.color.a * coverage);
}

// Picking: the node's index + 1 wherever its disc covers the pixel centre (0 is "none").
@fragment
fn fs_id(in: VertexOut) -> @location(0) u32 {
    if shape_distance(in) > in.radius_px + 0.5 {
        discard;
    }
    return in.id + 1u;
}
