// Where a chunk of edges starts in the graph's edge list (group 1, binding 3 of the
// shaders that read edges in chunks that each fit a storage binding).

struct Chunk {             // ChunkUniforms in src/render/mod.rs
    first: u32,            // the index of this chunk's first edge in the graph
    pad0: u32,             // uniform buffers bind 16 bytes at least
    pad1: u32,
    pad2: u32,
}
