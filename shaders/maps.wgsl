// Feature maps as textured squares: each tile of the atlas (one conv channel's activation
// map, already coloured along the ramp) drawn on a square centred on its node, in the
// node's layer plane (x-y; 3D layered layouts put layers along z), with a dark rim.
// Positions come from the scene's position buffer, as for nodes.

#include "common/view.wgsl"

struct Tile {              // Tile in src/render/maps.rs
    uv: vec4<f32>,         // the map's rectangle in the atlas: u0, v0, u1, v1
    node: u32,
    half: f32,             // half the square's side, in world units
    pad: vec2<u32>,
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(1) @binding(0) var<storage, read> tiles: array<Tile>;
@group(1) @binding(1) var atlas: texture_2d<f32>;
@group(1) @binding(2) var atlas_sampler: sampler;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) local: vec2<f32>,  // 0..1 across the square
}

@vertex
fn vs(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> VertexOut {
    var out: VertexOut;
    let tile = tiles[i];
    let corner = vec2<f32>(f32(v & 1u), f32((v >> 1u) & 1u));
    let center = positions[tile.node].xyz;
    // Row 0 of a map at the top: y grows upwards in the world, v downwards in the atlas.
    let world = center + vec3<f32>((corner.x * 2.0 - 1.0) * tile.half, (1.0 - corner.y * 2.0) * tile.half, 0.0);
    out.clip = view.clip_from_world * vec4<f32>(world, 1.0);
    out.uv = mix(tile.uv.xy, tile.uv.zw, corner);
    out.local = corner;
    return out;
}

@fragment
fn fs(in: VertexOut) -> @location(0) vec4<f32> {
    let rgb = textureSampleLevel(atlas, atlas_sampler, in.uv, 0.0).rgb;
    let edge = min(min(in.local.x, 1.0 - in.local.x), min(in.local.y, 1.0 - in.local.y));
    let rim = fwidth(in.local.x) * 1.5;
    return vec4<f32>(select(rgb, rgb * 0.35, edge < rim), 1.0);
}
