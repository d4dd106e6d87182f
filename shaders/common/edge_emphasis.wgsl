// How an edge stands out, shared by the two levels of the edge layer (edges.wgsl, lines;
// density.wgsl, the density image). Reads `view`, `hops` and `view.hovered_edge`.

/// The hovered edge's colour: amber, like a hovered node's ring.
const HOVERED_EDGE: vec3<f32> = vec3<f32>(1.0, 0.85, 0.4);

/// Edge `id` (ends `e`) under the K-hop highlight and the pointer: (x) a factor on its
/// colour and (y) on its weight in the layer (the layer's mean, what opacity is measured
/// against, is taken without it). Edges outside the neighbourhood darken toward the
/// background; edges inside weigh four times as much, and the hovered edge outweighs any
/// pixel's others.
fn edge_emphasis(e: vec2<u32>, id: u32) -> vec2<f32> {
    if id == view.hovered_edge {
        return vec2<f32>(1.0, 64.0);
    }
    if view.highlight_hops == 0xffffffffu {
        return vec2<f32>(1.0, 1.0);
    }
    let inside = hops[e.x] <= view.highlight_hops && hops[e.y] <= view.highlight_hops;
    return select(vec2<f32>(0.25, 1.0), vec2<f32>(1.0, 4.0), inside);
}
