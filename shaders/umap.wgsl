// One epoch of a UMAP-style neighbour embedding, gathered: every node sums the pull of
// its (symmetrised, weighted) k-nearest-neighbour graph and the push of a few nodes drawn
// by a hash of (node, epoch, draw), then moves itself. Positions are read from one buffer
// and written to another, so the result does not depend on the order of invocations.
// The forces are UMAP's (a, b from min_dist), each term clipped to +-4 per axis.
// Mirrors src/embed/umap.rs (cpu_epoch).

const WG: u32 = 64u;
const CLIP: f32 = 4.0;

struct Epoch {                     // EpochUniforms in src/embed/umap.rs
    nodes: u32,
    negatives: u32,
    epoch: u32,
    dims: u32,                     // 2 or 3
    a: f32,
    b: f32,
    alpha: f32,                    // learning rate of this epoch
    seed: u32,                     // varies the negative samples
}

@group(0) @binding(0) var<storage, read> current: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> next: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(1) @binding(0) var<uniform> epoch: Epoch;

#include "common/dispatch.wgsl"

// PCG hash: the negative samples of (node, epoch, draw).
fn hash(x: u32) -> u32 {
    let state = x * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn clip(v: vec4<f32>) -> vec4<f32> {
    return clamp(v, vec4<f32>(-CLIP), vec4<f32>(CLIP));
}

@compute @workgroup_size(WG)
fn epoch_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= epoch.nodes {
        return;
    }
    let yi = current[i];
    var delta = vec4<f32>(0.0);
    var strength = 0.0;
    for (var e = offsets[i]; e < offsets[i + 1u]; e++) {
        let diff = yi - current[targets[e]];
        let d2 = dot(diff, diff);
        if d2 > 0.0 {
            let coeff = -2.0 * epoch.a * epoch.b * pow(d2, epoch.b - 1.0) / (epoch.a * pow(d2, epoch.b) + 1.0);
            delta += 2.0 * weights[e] * clip(coeff * diff);
        }
        strength += weights[e];
    }
    // UMAP samples each edge in proportion to its weight and moves both ends (so a node
    // feels every edge twice), and follows each sample with `negatives` pushes on its
    // head: each draw stands for the node's whole weight.
    let share = strength;
    for (var s = 0u; s < epoch.negatives; s++) {
        let k = hash(hash(i * 977u + epoch.epoch) ^ (s * 2654435761u) ^ epoch.seed) % epoch.nodes;
        if k == i {
            continue;
        }
        let diff = yi - current[k];
        let d2 = dot(diff, diff);
        var push = vec4<f32>(CLIP, CLIP, CLIP, 0.0);
        if d2 > 0.0 {
            let coeff = 2.0 * epoch.b / ((0.001 + d2) * (epoch.a * pow(d2, epoch.b) + 1.0));
            push = clip(coeff * diff);
        }
        delta += share * push;
    }
    // All terms act at once (not one after another as in UMAP's SGD, where each move
    // shortens the next): divided by the node's pulls, a step stays about one term long.
    var moved = yi + epoch.alpha * delta / max(2.0 * strength, 1e-6);
    if epoch.dims < 3u {
        moved.z = 0.0;
    }
    moved.w = 0.0;
    next[i] = moved;
}
