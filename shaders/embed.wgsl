// Node embeddings: the passes of a PCA projection and an exact k-nearest-neighbour search.
// Every invocation gathers what it needs and writes only its own outputs: no atomics, and
// the same result on every run.
//
// column_sums : sum of each column over one chunk of rows (partials; the CPU adds chunks).
// covariance  : sum of (x_i - m_i)(x_j - m_j) over one chunk of rows, for i <= j.
// project     : each row centred and multiplied by the basis (dims x out_dims).
// knn         : each row scans all rows and keeps its k nearest (squared Euclidean,
//               ties to the lower index), nearest first.
// Mirrors src/embed/cpu.rs.

const WG: u32 = 64u;
const MAX_K: u32 = 32u;            // embed::MAX_K

struct Params {                    // Params in src/embed/mod.rs
    rows: u32,
    dims: u32,
    chunk: u32,                    // rows per partial sum
    chunks: u32,
    k: u32,
    out_dims: u32,
}

@group(0) @binding(0) var<storage, read> values: array<f32>;      // rows x dims
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> mean: array<f32>;        // dims
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read> basis: array<f32>;       // dims x out_dims
@group(0) @binding(5) var<storage, read_write> projected: array<f32>; // rows x out_dims
@group(0) @binding(6) var<storage, read_write> neighbours: array<u32>; // rows x k

fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WG;
}

@compute @workgroup_size(WG)
fn column_sums(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let id = flat_index(gid, groups);
    if id >= params.dims * params.chunks {
        return;
    }
    let c = id % params.dims;
    let chunk = id / params.dims;
    let end = min((chunk + 1u) * params.chunk, params.rows);
    var sum = 0.0;
    for (var r = chunk * params.chunk; r < end; r++) {
        sum += values[r * params.dims + c];
    }
    partial[id] = sum;
}

@compute @workgroup_size(WG)
fn covariance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let id = flat_index(gid, groups);
    let cells = params.dims * params.dims;
    if id >= cells * params.chunks {
        return;
    }
    let i = (id % cells) / params.dims;
    let j = id % params.dims;
    if j < i {
        return;                    // the lower triangle mirrors the upper
    }
    let chunk = id / cells;
    let end = min((chunk + 1u) * params.chunk, params.rows);
    let mi = mean[i];
    let mj = mean[j];
    var sum = 0.0;
    for (var r = chunk * params.chunk; r < end; r++) {
        sum += (values[r * params.dims + i] - mi) * (values[r * params.dims + j] - mj);
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
            sum += (values[r * params.dims + c] - mean[c]) * basis[c * params.out_dims + o];
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
    var best_d: array<f32, MAX_K>;
    var best_i: array<u32, MAX_K>;
    let k = params.k;
    for (var n = 0u; n < k; n++) {
        best_d[n] = 3.0e38;
        best_i[n] = 0xffffffffu;
    }
    for (var s = 0u; s < params.rows; s++) {
        if s == r {
            continue;
        }
        var d = 0.0;
        for (var c = 0u; c < params.dims; c++) {
            let diff = values[r * params.dims + c] - values[s * params.dims + c];
            d += diff * diff;
        }
        // Rows come in index order, so a tie never displaces the earlier row.
        if d < best_d[k - 1u] {
            var at = k - 1u;
            while at > 0u && best_d[at - 1u] > d {
                best_d[at] = best_d[at - 1u];
                best_i[at] = best_i[at - 1u];
                at -= 1u;
            }
            best_d[at] = d;
            best_i[at] = s;
        }
    }
    for (var n = 0u; n < k; n++) {
        neighbours[r * k + n] = best_i[n];
    }
}
