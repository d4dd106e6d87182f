// K-hop neighbourhoods by level-synchronous breadth-first search, pulled rather than
// pushed: in pass k every node not yet reached scans its own CSR row and takes hop k if
// a neighbour has hop k - 1. Each invocation writes only its own node, so there are no
// atomics and no races, and the result is the same on every run. A node reached in the
// same pass reads as k, never k - 1, so the order of invocations does not matter.
//
// clear  : every node unreached.
// seed   : the seeds at hop 0.
// expand : one hop (dispatched k times, with step.hop = 1..k).
// count  : a histogram of hops 0..step.hop (workgroup bins, then one atomic per bin).
// Mirrors src/graph/bfs.rs.

const WG: u32 = 64u;
const UNREACHED: u32 = 0xffffffffu;
const MAX_BINS: u32 = 65u;         // MAX_HOPS + 1 in src/khop/mod.rs

struct Step {                      // StepUniforms in src/khop/mod.rs
    hop: u32,
    items: u32,                    // nodes, or seeds for `seed`
}

@group(0) @binding(0) var<storage, read_write> hops: array<u32>;
@group(0) @binding(1) var<storage, read> csr_offsets: array<u32>;
@group(0) @binding(2) var<storage, read> csr_targets: array<u32>;
@group(0) @binding(3) var<storage, read> seeds: array<u32>;
@group(0) @binding(4) var<storage, read_write> counts: array<atomic<u32>>;
@group(1) @binding(0) var<uniform> step: Step;

var<workgroup> bins: array<atomic<u32>, MAX_BINS>;

#include "common/dispatch.wgsl"

@compute @workgroup_size(WG)
fn clear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let v = flat_index(gid, groups);
    if v < step.items {
        hops[v] = UNREACHED;
    }
}

@compute @workgroup_size(WG)
fn seed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i < step.items {
        hops[seeds[i]] = 0u;
    }
}

@compute @workgroup_size(WG)
fn expand(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let v = flat_index(gid, groups);
    if v >= step.items || hops[v] != UNREACHED {
        return;
    }
    let previous = step.hop - 1u;
    for (var e = csr_offsets[v]; e < csr_offsets[v + 1u]; e++) {
        if hops[csr_targets[e]] == previous {
            hops[v] = step.hop;
            return;
        }
    }
}

@compute @workgroup_size(WG)
fn count(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    for (var b = local; b < MAX_BINS; b += WG) {
        atomicStore(&bins[b], 0u);
    }
    workgroupBarrier();
    let v = flat_index(gid, groups);
    if v < step.items {
        let h = hops[v];
        if h <= step.hop {
            atomicAdd(&bins[h], 1u);
        }
    }
    workgroupBarrier();
    for (var b = local; b <= step.hop; b += WG) {
        let n = atomicLoad(&bins[b]);
        if n > 0u {
            atomicAdd(&counts[b], n);
        }
    }
}
