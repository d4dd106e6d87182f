// Node embeddings: the passes of a PCA projection and an exact k-nearest-neighbour search.
// Every invocation gathers what it needs and writes only its own outputs: no atomics, and
// the same result on every run. Long loops are cut into dispatches over a range
// (`first`, `count`): Mesa's software drivers end any shader loop after 65535 turns.
//
// column_sums : sum of each column over one chunk of rows, for `count` chunks from chunk
//               `first` (partials; the CPU adds the chunks).
// covariance  : sum of (x_i - m_i)(x_j - m_j) over one chunk of rows, for i <= j, likewise.
// project     : each row centred and multiplied by the basis (dims x out_dims).
// knn         : each row scans rows `first` .. `first + count` and keeps its k nearest so
//               far (squared Euclidean, ties to the lower index), nearest first; the
//               distances go to `partial`. Dispatched once per range, in order.
// Mirrors src/embed/cpu.rs.

const WG: u32 = 64u;

struct Params {                    // Params in src/embed/mod.rs
    rows: u32,
    dims: u32,
    chunk: u32,                    // rows per partial sum
    k: u32,
    out_dims: u32,
    first: u32,                    // the first chunk or candidate row of this dispatch
    count: u32,                    // chunks or candidate rows in this dispatch
    split: u32,                    // rows in `values`; the rest are in `values_rest`
}

@group(0) @binding(0) var<storage, read> values: array<f32>;      // rows x dims, up to `split`
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> mean: array<f32>;        // dims
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read> basis: array<f32>;       // dims x out_dims
@group(0) @binding(5) var<storage, read_write> projected: array<f32>; // rows x out_dims
@group(0) @binding(6) var<storage, read_write> neighbours: array<u32>; // rows x k
@group(0) @binding(7) var<storage, read> values_rest: array<f32>; // rows from `split` on

// Element c of row r: embeddings past one binding's limit come in two.
fn value(r: u32, c: u32) -> f32 {
    if r < params.split {
        return values[r * params.dims + c];
    }
    return values_rest[(r - params.split) * params.dims + c];
}

#include "common/dispatch.wgsl"

@compute @workgroup_size(WG)
fn column_sums(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let id = flat_index(gid, groups);
    if id >= params.dims * params.count {
        return;
    }
    let c = id % params.dims;
    let chunk = params.first + id / params.dims;
    let end = min((chunk + 1u) * params.chunk, params.rows);
    var sum = 0.0;
    for (var r = chunk * params.chunk; r < end; r++) {
        sum += value(r, c);
    }
    partial[id] = sum;
}

@compute @workgroup_size(WG)
fn covariance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let id = flat_index(gid, groups);
    let cells = params.dims * params.dims;
    if id >= cells * params.count {
        return;
    }
    let i = (id % cells) / params.dims;
    let j = id % params.dims;
    if j < i {
        return;                    // the lower triangle mirrors the upper
    }
    let chunk = params.first + id / cells;
    let end = min((chunk + 1u) * params.chunk, params.rows);
    let mi = mean[i];
    let mj = mean[j];
    var sum = 0.0;
    for (var r = chunk * params.chunk; r < end; r++) {
        sum += (value(r, i) - mi) * (value(r, j) - mj);
    }
    partial[id] = sum;
}

@compute @workgroup_size(WG)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = flat_index(gid, groups);
    if r >= params.rows {
        return;
    }
    for (var o = 0u; o < params.out_dims; o++) {
        var sum = 0.0;
        for (var c = 0u; c < params.dims; c++) {
            sum += (value(r, c) - mean[c]) * basis[c * params.out_dims + o];
        }
        projected[r * params.out_dims + o] = sum;
    }
}

@compute @workgroup_size(WG)
fn knn(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = flat_index(gid, groups);
    if r >= params.rows {
        return;
    }
    // The row's list lives in its own slots of the outputs (distances in `partial`):
    // nearest first, kept sorted by insertion.
    let k = params.k;
    let base = r * k;
    if params.first == 0u {
        for (var n = 0u; n < k; n++) {
            partial[base + n] = 3.0e38;
            neighbours[base + n] = 0xffffffffu;
        }
    }
    let end = min(params.first + params.count, params.rows);
    for (var s = params.first; s < end; s++) {
        var d = 0.0;
        for (var c = 0u; c < params.dims; c++) {
            let diff = value(r, c) - value(s, c);
            d += diff * diff;
        }
        // Rows come in index order, so a tie never displaces the earlier row.
        if s != r && d < partial[base + k - 1u] {
            var at = k - 1u;
            for (var shifts = 0u; shifts + 1u < k; shifts++) {
                if partial[base + at - 1u] <= d {
                    break;
                }
                partial[base + at] = partial[base + at - 1u];
                neighbours[base + at] = neighbours[base + at - 1u];
                at -= 1u;
            }
            partial[base + at] = d;
            neighbours[base + at] = s;
        }
    }
}
