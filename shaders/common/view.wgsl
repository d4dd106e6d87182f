// The view every drawing shader reads (group 0, binding 0): the camera, the viewport and
// how nodes, edges and highlights are drawn.

struct View {              // ViewUniforms in src/render/mod.rs (same size, checked by a test)
    clip_from_world: mat4x4<f32>,
    viewport: vec2<f32>,
    node_radius: f32,      // pixels in 2D, world units in 3D
    focal_px: f32,         // pixels per world unit at distance 1 (3D) or in the plane (2D)
    edge_width_px: f32,
    edge_alpha: f32,
    shaded: u32,           // 1: sphere impostors with perspective size
    highlight_hops: u32,   // nodes with hops <= this stand out; 0xffffffff: no highlight
    background: vec4<f32>,
    hovered: u32,          // the node under the pointer: a ring; 0xffffffff: none
    bundle_mix: f32,       // 0: straight edges, 1: the bundled paths
    edge_coloring: u32,    // 0: the end nodes' colours, 1: direction
    hovered_edge: u32,     // the edge under the pointer, drawn brighter; 0xffffffff: none
}
