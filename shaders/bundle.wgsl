// Image-based edge bundling (the KDEEB / CUBu family) in 2D and 3D. Every edge is a
// polyline of POINTS points, its ends fixed on its nodes. One iteration:
//
// clear   : zero the density grid.
// splat   : each edge adds its interior points to the grid's cells (integer atomics, so
//           the sums do not depend on the order of the invocations).
// blur_x/y/z: a separable Epanechnikov kernel of `params.radius` cells, gathered per cell:
//           counts -> a (x), a -> b (y), b -> a (z; in 2D, with one layer, a copy).
// advance : each edge moves its interior points up the density (the kernel's mean shift,
//           capped at half the radius), smooths its polyline (Laplacian) and resamples it
//           to even spacing, all in registers, so edges never read each other's points.
//           No point strays from its straight line by more than MAX_DEVIATION times the
//           edge's length, so short edges do not detour into distant bundles.
//           The last iteration stores the density at each point in `w` and its maximum in
//           `peak` (as f32 bits: non-negative floats order like their bits).
// The kernel radius shrinks from one iteration to the next (the schedule is on the CPU).
// Mirrors src/bundle/cpu.rs.

const WG: u32 = 64u;
const POINTS: u32 = 16u;            // POINTS in src/bundle/mod.rs: per edge, ends included
const SPLAT_SCALE: f32 = 16.0;      // SPLAT_SCALE there: fixed-point units per cell of ink
const MAX_SPLAT: f32 = 256.0;       // MAX_SPLAT there: most units one point adds
const MAX_DEVIATION: f32 = 0.4;     // MAX_DEVIATION there: how far from its straight line

struct Params {                     // Params in src/bundle/mod.rs
    origin: vec3<f32>,              // world position of the grid's first corner
    cell: f32,                      // side of a cell, world units
    dims: vec3<u32>,                // cells per axis (dims.z = 1 in 2D)
    last: u32,                      // 1 on the final iteration
    radius: f32,                    // kernel radius, cells
    gain: f32,                      // mean-shift gain (the user's strength)
    smoothing: f32,                 // Laplacian weight per pass
    pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> positions: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> edges: array<vec2<u32>>;          // this chunk's
@group(0) @binding(3) var<storage, read_write> points: array<vec4<f32>>;   // this chunk's
@group(0) @binding(4) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> density_a: array<f32>;
@group(0) @binding(6) var<storage, read_write> density_b: array<f32>;
@group(0) @binding(7) var<storage, read_write> peak: atomic<u32>;

#include "common/dispatch.wgsl"

fn cell_count() -> u32 {
    return params.dims.x * params.dims.y * params.dims.z;
}

@compute @workgroup_size(WG)
fn init(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = flat_index(gid, groups);
    if e >= arrayLength(&edges) {
        return;
    }
    let a = positions[edges[e].x].xyz;
    let b = positions[edges[e].y].xyz;
    let last = f32(POINTS - 1u);
    for (var j = 0u; j < POINTS; j++) {
        points[e * POINTS + j] = vec4<f32>(mix(a, b, f32(j) / last), 0.0);
    }
}

@compute @workgroup_size(WG)
fn clear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let c = flat_index(gid, groups);
    if c < cell_count() {
        atomicStore(&counts[c], 0u);
    }
    if c == 0u {
        atomicStore(&peak, 0u);
    }
}

/// The cell holding world point `p`, clamped to the grid.
fn cell_of(p: vec3<f32>) -> u32 {
    let u = clamp(vec3<i32>(floor((p - params.origin) / params.cell)), vec3<i32>(0), vec3<i32>(params.dims) - 1);
    return (u32(u.z) * params.dims.y + u32(u.y)) * params.dims.x + u32(u.x);
}

@compute @workgroup_size(WG)
fn splat(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = flat_index(gid, groups);
    if e >= arrayLength(&edges) {
        return;
    }
    let base = e * POINTS;
    let a = points[base].xyz;
    let b = points[base + POINTS - 1u].xyz;
    // Each point stands for the ink between samples: long edges weigh more per point.
    let spacing = length(b - a) / f32(POINTS - 1u) / params.cell;
    let weight = u32(round(clamp(spacing, 1.0 / SPLAT_SCALE, MAX_SPLAT / SPLAT_SCALE) * SPLAT_SCALE));
    for (var j = 1u; j + 1u < POINTS; j++) {
        atomicAdd(&counts[cell_of(points[base + j].xyz)], weight);
    }
}

/// The Epanechnikov weight of an offset of `d` cells.
fn kernel(d: f32) -> f32 {
    let x = d / params.radius;
    return max(1.0 - x * x, 0.0);
}

/// The grid coordinates of cell `c`.
fn coords(c: u32) -> vec3<i32> {
    let x = c % params.dims.x;
    let y = (c / params.dims.x) % params.dims.y;
    return vec3<i32>(i32(x), i32(y), i32(c / (params.dims.x * params.dims.y)));
}

fn index_of(u: vec3<i32>) -> u32 {
    return (u32(u.z) * params.dims.y + u32(u.y)) * params.dims.x + u32(u.x);
}

/// Sum over the offsets -reach..=reach along `axis` (0, 1, 2) that stay inside the grid.
fn window(u: vec3<i32>, axis: u32) -> vec2<i32> {
    let reach = i32(floor(params.radius));
    let size = i32(params.dims[axis]);
    return vec2<i32>(max(-reach, -u[axis]), min(reach, size - 1 - u[axis]));
}

@compute @workgroup_size(WG)
fn blur_x(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let c = flat_index(gid, groups);
    if c >= cell_count() {
        return;
    }
    let u = coords(c);
    let w = window(u, 0u);
    var sum = 0.0;
    for (var d = w.x; d <= w.y; d++) {
        sum += kernel(f32(d)) * f32(atomicLoad(&counts[index_of(u + vec3<i32>(d, 0, 0))]));
    }
    density_a[c] = sum / SPLAT_SCALE;
}

@compute @workgroup_size(WG)
fn blur_y(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let c = flat_index(gid, groups);
    if c >= cell_count() {
        return;
    }
    let u = coords(c);
    let w = window(u, 1u);
    var sum = 0.0;
    for (var d = w.x; d <= w.y; d++) {
        sum += kernel(f32(d)) * density_a[index_of(u + vec3<i32>(0, d, 0))];
    }
    density_b[c] = sum;
}

@compute @workgroup_size(WG)
fn blur_z(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let c = flat_index(gid, groups);
    if c >= cell_count() {
        return;
    }
    let u = coords(c);
    let w = window(u, 2u);
    var sum = 0.0;
    for (var d = w.x; d <= w.y; d++) {
        sum += kernel(f32(d)) * density_b[index_of(u + vec3<i32>(0, 0, d))];
    }
    density_a[c] = sum;
}

/// The density at grid coordinate `g` (cell centres at whole numbers), interpolated
/// between the cells around it, clamped to the grid.
fn sample(g: vec3<f32>) -> f32 {
    let top = vec3<f32>(params.dims) - 1.0;
    let q = clamp(g, vec3<f32>(0.0), top);
    let lo = vec3<i32>(floor(q));
    let hi = min(lo + 1, vec3<i32>(params.dims) - 1);
    let f = q - vec3<f32>(lo);
    let c00 = mix(density_a[index_of(lo)], density_a[index_of(vec3<i32>(hi.x, lo.y, lo.z))], f.x);
    let c10 = mix(density_a[index_of(vec3<i32>(lo.x, hi.y, lo.z))], density_a[index_of(vec3<i32>(hi.x, hi.y, lo.z))], f.x);
    let c01 = mix(density_a[index_of(vec3<i32>(lo.x, lo.y, hi.z))], density_a[index_of(vec3<i32>(hi.x, lo.y, hi.z))], f.x);
    let c11 = mix(density_a[index_of(vec3<i32>(lo.x, hi.y, hi.z))], density_a[index_of(hi)], f.x);
    return mix(mix(c00, c10, f.y), mix(c01, c11, f.y), f.z);
}

fn grid_coords(p: vec3<f32>) -> vec3<f32> {
    return (p - params.origin) / params.cell - 0.5;
}

/// The kernel's mean shift at world point `p`: r^2 / (d + 2) * grad(density) / density,
/// times the gain, at most half the radius; world units.
fn shift(p: vec3<f32>) -> vec3<f32> {
    let g = grid_coords(p);
    let here = sample(g);
    if here <= 1e-6 {
        return vec3<f32>(0.0);
    }
    let three_d = params.dims.z > 1u;
    var grad = vec3<f32>(
        sample(g + vec3<f32>(1.0, 0.0, 0.0)) - sample(g - vec3<f32>(1.0, 0.0, 0.0)),
        sample(g + vec3<f32>(0.0, 1.0, 0.0)) - sample(g - vec3<f32>(0.0, 1.0, 0.0)),
        0.0,
    ) * 0.5;
    var dims = 2.0;
    if three_d {
        grad.z = (sample(g + vec3<f32>(0.0, 0.0, 1.0)) - sample(g - vec3<f32>(0.0, 0.0, 1.0))) * 0.5;
        dims = 3.0;
    }
    var m = grad / here * (params.gain * params.radius * params.radius / (dims + 2.0));
    let len = length(m);
    let cap = params.radius * 0.5;
    if len > cap {
        m *= cap / len;
    }
    return m * params.cell;
}

@compute @workgroup_size(WG)
fn advance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = flat_index(gid, groups);
    if e >= arrayLength(&edges) {
        return;
    }
    let n = POINTS;
    let base = e * n;
    var p: array<vec3<f32>, POINTS>;
    for (var j = 0u; j < n; j++) {
        p[j] = points[base + j].xyz;
    }
    // Advect.
    for (var j = 1u; j + 1u < n; j++) {
        p[j] += shift(p[j]);
    }
    // Smooth twice, each point towards the mean of its neighbours as they were.
    for (var sweep = 0u; sweep < 2u; sweep++) {
        var before = p[0];
        for (var j = 1u; j + 1u < n; j++) {
            let here = p[j];
            p[j] = mix(here, (before + p[j + 1u]) * 0.5, params.smoothing);
            before = here;
        }
    }
    // Resample to even spacing along the polyline.
    var total = 0.0;
    for (var j = 1u; j < n; j++) {
        total += length(p[j] - p[j - 1u]);
    }
    var q: array<vec3<f32>, POINTS>;
    q[0] = p[0];
    q[n - 1u] = p[n - 1u];
    var k = 0u;
    var walked = 0.0;                  // length of the polyline up to p[k]
    var piece = length(p[1] - p[0]);   // length of p[k] -> p[k + 1]
    for (var j = 1u; j + 1u < n; j++) {
        let goal = total * f32(j) / f32(n - 1u);
        while walked + piece < goal && k + 2u < n {
            walked += piece;
            k += 1u;
            piece = length(p[k + 1u] - p[k]);
        }
        let f = select(0.0, clamp((goal - walked) / piece, 0.0, 1.0), piece > 0.0);
        q[j] = mix(p[k], p[k + 1u], f);
        // Short edges stay near their straight line instead of joining a far bundle.
        let home = mix(p[0], p[n - 1u], f32(j) / f32(n - 1u));
        let off = q[j] - home;
        let reach = MAX_DEVIATION * length(p[n - 1u] - p[0]);
        let far = length(off);
        if far > reach {
            q[j] = home + off * (reach / far);
        }
    }
    for (var j = 0u; j < n; j++) {
        var w = 0.0;
        if params.last == 1u {
            w = sample(grid_coords(q[j]));
            atomicMax(&peak, bitcast<u32>(w));
        }
        points[base + j] = vec4<f32>(q[j], w);
    }
}
