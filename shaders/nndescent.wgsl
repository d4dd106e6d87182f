// Approximate k nearest neighbours for large embeddings: NN-descent, gathered.
//
// Each row keeps its k best candidates so far, nearest first (indices in `*_neighbours`,
// squared distances in `*_distances`), and inserts a candidate only if it is nearer than
// the last and not yet listed. Rows read the previous round's lists and write their own
// into the other buffers, so no row sees another's half-made list and every run gives
// the same result.
//
// window  : candidates from a sorted order of the rows (by a space-filling key): the rows
//           up to `width` places before and after a row. Into `out`.
// descend : candidates are the neighbours of a row's neighbours, read from `in`; the row's
//           own list is copied from `in` to `out` first (`reset`).
// Long loops are cut into dispatches over (`first`, `count`): Mesa's software drivers end
// any shader loop after 65535 turns. Mirrors src/embed/nndescent.rs.

const WG: u32 = 64u;
const NONE: u32 = 0xffffffffu;

struct Params {                    // Params in src/embed/nndescent.rs
    rows: u32,
    dims: u32,
    k: u32,
    width: u32,                    // window: places either side
    first: u32,                    // window: first offset; descend: first slot of the list
    count: u32,
    reset: u32,                    // 1: start this row's list afresh (window) or from `in` (descend)
    split: u32,                    // rows in `values`; the rest are in `values_rest`
}

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> order: array<u32>;        // rows by key
@group(0) @binding(3) var<storage, read> rank: array<u32>;         // place of each row in `order`
@group(0) @binding(4) var<storage, read> in_neighbours: array<u32>;
@group(0) @binding(5) var<storage, read> in_distances: array<f32>;
@group(0) @binding(6) var<storage, read_write> out_neighbours: array<u32>;
@group(0) @binding(7) var<storage, read_write> out_distances: array<f32>;
@group(0) @binding(8) var<storage, read> values_rest: array<f32>;

// Element c of row r: embeddings past one binding's limit come in two.
fn value(r: u32, c: u32) -> f32 {
    if r < params.split {
        return values[r * params.dims + c];
    }
    return values_rest[(r - params.split) * params.dims + c];
}

#include "common/dispatch.wgsl"

fn distance(a: u32, b: u32) -> f32 {
    var d = 0.0;
    for (var c = 0u; c < params.dims; c++) {
        let diff = value(a, c) - value(b, c);
        d += diff * diff;
    }
    return d;
}

// Inserts candidate `s` into row `r`'s list in `out`, unless it is listed or too far.
fn offer(r: u32, s: u32) {
    if s == r || s == NONE {
        return;
    }
    let k = params.k;
    let base = r * k;
    let d = distance(r, s);
    if d >= out_distances[base + k - 1u] {
        return;
    }
    for (var n = 0u; n < k; n++) {
        if out_neighbours[base + n] == s {
            return;
        }
    }
    var at = k - 1u;
    for (var shifts = 0u; shifts + 1u < k; shifts++) {
        if out_distances[base + at - 1u] <= d {
            break;
        }
        out_distances[base + at] = out_distances[base + at - 1u];
        out_neighbours[base + at] = out_neighbours[base + at - 1u];
        at -= 1u;
    }
    out_distances[base + at] = d;
    out_neighbours[base + at] = s;
}

@compute @workgroup_size(WG)
fn window(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = flat_index(gid, groups);
    if r >= params.rows {
        return;
    }
    let base = r * params.k;
    if params.reset == 1u {
        for (var n = 0u; n < params.k; n++) {
            out_neighbours[base + n] = NONE;
            out_distances[base + n] = 3.0e38;
        }
    }
    // Offsets -width .. width (but 0) of the row's place, this dispatch's share of them.
    let place = i32(rank[r]);
    let end = min(params.first + params.count, 2u * params.width);
    for (var i = params.first; i < end; i++) {
        var offset = i32(i) - i32(params.width);
        if offset >= 0 {
            offset += 1;
        }
        let p = place + offset;
        if p >= 0 && p < i32(params.rows) {
            offer(r, order[p]);
        }
    }
}

@compute @workgroup_size(WG)
fn descend(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = flat_index(gid, groups);
    if r >= params.rows {
        return;
    }
    let k = params.k;
    let base = r * k;
    if params.reset == 1u {
        for (var n = 0u; n < k; n++) {
            out_neighbours[base + n] = in_neighbours[base + n];
            out_distances[base + n] = in_distances[base + n];
        }
    }
    let end = min(params.first + params.count, k);
    for (var j = params.first; j < end; j++) {
        let u = in_neighbours[base + j];
        if u == NONE {
            continue;
        }
        for (var n = 0u; n < k; n++) {
            offer(r, in_neighbours[u * k + n]);
        }
    }
}
