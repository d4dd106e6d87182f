// Force-directed layout, one iteration as five passes over a grid pyramid.
//
// bounds   : bounding box of all nodes (workgroup reduction, then integer atomics on
//            order-preserving float keys: min and max are order independent, so exact).
// splat    : each node adds 1, its mass (degree + 1) and its fixed-point offset inside
//            its finest cell to that cell (integer atomics: a histogram, the same sums
//            in any order).
// finalize : finest cells -> centroid and mass.
// coarsen  : level j cells gather their 2^d children (one dispatch per level).
// force    : each node gathers repulsion from the pyramid (far field level by level,
//            near field from the 3^d finest neighbours), springs from its CSR row, and
//            gravity, then moves at most `temperature`. Reads pos_in, writes pos_out.
// Forces are ForceAtlas2's: repulsion kr * m_i * m_j / d with mass m = degree + 1,
// linear attraction along edges, and its "strong gravity" kg * m_i * r towards the
// origin. A node moves at most `temperature` times the side of the bounding box, so
// the layout finds its own scale, whatever the graph's size.
// Mirrors src/layout/cpu/force.rs line for line.

const WG: u32 = 64u;
const FIXED_SCALE: f32 = 1024.0;

struct Params {            // ForceParams in src/layout/mod.rs
    node_count: u32,
    dim: u32,
    levels: u32,
    res0: u32,
    repulsion: f32,
    gravity: f32,
    min_distance: f32,
    pad: f32,
    level_offsets: array<vec4<u32>, 4>,
}

struct Step {              // StepUniforms in src/layout/force.rs
    temperature: f32,      // largest move, as a fraction of the grid's side
    level: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> bounds: array<atomic<u32>, 8>;
@group(0) @binding(2) var<storage, read_write> cell_tally: array<atomic<u32>>; // count, mass
@group(0) @binding(3) var<storage, read_write> cell_sum: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> pyramid: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> csr_offsets: array<u32>;
@group(0) @binding(6) var<storage, read> csr_targets: array<u32>;
@group(1) @binding(0) var<storage, read> pos_in: array<vec4<f32>>;
@group(1) @binding(1) var<storage, read_write> pos_out: array<vec4<f32>>;
@group(2) @binding(0) var<uniform> step: Step;

fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WG;
}

fn level_offset(j: u32) -> u32 {
    return params.level_offsets[j / 4u][j % 4u];
}

// Float -> u32 key with the same order, so integer atomics compute float min and max.
fn order_key(f: f32) -> u32 {
    let b = bitcast<u32>(f);
    if (b & 0x80000000u) != 0u { return ~b; }
    return b | 0x80000000u;
}

fn from_order_key(k: u32) -> f32 {
    if (k & 0x80000000u) != 0u { return bitcast<f32>(k & 0x7fffffffu); }
    return bitcast<f32>(~k);
}

var<workgroup> wg_lo: array<vec3<f32>, WG>;
var<workgroup> wg_hi: array<vec3<f32>, WG>;

@compute @workgroup_size(WG)
fn bounds_pass(@builtin(global_invocation_id) gid: vec3<u32>,
               @builtin(num_workgroups) groups: vec3<u32>,
               @builtin(local_invocation_index) li: u32) {
    let i = flat_index(gid, groups);
    var lo = vec3<f32>(3.0e38);
    var hi = vec3<f32>(-3.0e38);
    if i < params.node_count {
        lo = pos_in[i].xyz;
        hi = lo;
    }
    wg_lo[li] = lo;
    wg_hi[li] = hi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if li < s {
            wg_lo[li] = min(wg_lo[li], wg_lo[li + s]);
            wg_hi[li] = max(wg_hi[li], wg_hi[li + s]);
        }
        workgroupBarrier();
    }
    if li == 0u {
        for (var a = 0u; a < 3u; a++) {
            // min is stored inverted so that a zero-cleared buffer means "nothing yet".
            atomicMax(&bounds[a], ~order_key(wg_lo[0][a]));
            atomicMax(&bounds[4u + a], order_key(wg_hi[0][a]));
        }
    }
}

struct Frame {
    origin: vec3<f32>,
    cell: f32,
}

fn grid_frame() -> Frame {
    var lo = vec3<f32>(0.0);
    var hi = vec3<f32>(0.0);
    for (var a = 0u; a < 3u; a++) {
        lo[a] = from_order_key(~atomicLoad(&bounds[a]));
        hi[a] = from_order_key(atomicLoad(&bounds[4u + a]));
    }
    let ext = hi - lo;
    var side = max(ext.x, ext.y);
    if params.dim == 3u { side = max(side, ext.z); }
    side = max(side, 1e-6);
    if params.dim == 2u { lo.z = 0.0; }
    return Frame(lo, side / f32(params.res0));
}

struct Placed {
    cell: vec3<u32>,
    fixed: vec3<u32>,
}

fn place(p: vec3<f32>, frame: Frame) -> Placed {
    let u = (p - frame.origin) / frame.cell;
    var c = clamp(floor(u), vec3<f32>(0.0), vec3<f32>(f32(params.res0 - 1u)));
    if params.dim == 2u { c.z = 0.0; }
    let frac = clamp(u - c, vec3<f32>(0.0), vec3<f32>(1.0));
    return Placed(vec3<u32>(c), vec3<u32>(floor(frac * FIXED_SCALE + 0.5)));
}

fn linear(c: vec3<u32>, res: u32) -> u32 {
    return c.x + res * (c.y + res * c.z);
}

@compute @workgroup_size(WG)
fn splat(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= params.node_count { return; }
    let placed = place(pos_in[i].xyz, grid_frame());
    let idx = linear(placed.cell, params.res0);
    atomicAdd(&cell_tally[2u * idx], 1u);
    atomicAdd(&cell_tally[2u * idx + 1u], node_mass(i));
    for (var a = 0u; a < params.dim; a++) {
        atomicAdd(&cell_sum[idx * params.dim + a], placed.fixed[a]);
    }
}

fn node_mass(i: u32) -> u32 {
    return csr_offsets[i + 1u] - csr_offsets[i] + 1u;
}

// Centroid of `count` nodes with fixed-point offsets summing to `sum`, and their mass.
fn centroid(c: vec3<u32>, count: u32, mass: u32, sum: vec3<u32>, frame: Frame) -> vec4<f32> {
    if count == 0u { return vec4<f32>(0.0); }
    let p = frame.origin + (vec3<f32>(c) + vec3<f32>(sum) / (FIXED_SCALE * f32(count))) * frame.cell;
    return vec4<f32>(p, f32(mass));
}

fn sum_at(idx: u32) -> vec3<u32> {
    let d = params.dim;
    var s = vec3<u32>(atomicLoad(&cell_sum[idx * d]), atomicLoad(&cell_sum[idx * d + 1u]), 0u);
    if d == 3u { s.z = atomicLoad(&cell_sum[idx * d + 2u]); }
    return s;
}

fn coords(idx: u32, res: u32) -> vec3<u32> {
    return vec3<u32>(idx % res, (idx / res) % res, idx / (res * res));
}

fn level_cells(j: u32) -> u32 {
    let res = params.res0 >> j;
    if params.dim == 3u { return res * res * res; }
    return res * res;
}

@compute @workgroup_size(WG)
fn finalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let idx = flat_index(gid, groups);
    if idx >= level_cells(0u) { return; }
    let c = coords(idx, params.res0);
    pyramid[idx] = centroid(c, atomicLoad(&cell_tally[2u * idx]), atomicLoad(&cell_tally[2u * idx + 1u]), sum_at(idx), grid_frame());
}

@compute @workgroup_size(WG)
fn coarsen(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let idx = flat_index(gid, groups);
    let level = step.level;
    if idx >= level_cells(level) { return; }
    let res = params.res0 >> level;
    let fine = res * 2u;
    let fine_base = level_offset(level - 1u);
    let c = coords(idx, res);
    var zs = 1u;
    if params.dim == 3u { zs = 2u; }
    var weighted = vec3<f32>(0.0);
    var mass = 0.0;
    for (var dz = 0u; dz < zs; dz++) {
        for (var dy = 0u; dy < 2u; dy++) {
            for (var dx = 0u; dx < 2u; dx++) {
                let child = c * 2u + vec3<u32>(dx, dy, dz);
                let cell = pyramid[fine_base + linear(child, fine)];
                weighted += cell.xyz * cell.w;
                mass += cell.w;
            }
        }
    }
    var p = vec3<f32>(0.0);
    if mass > 0.0 { p = weighted / mass; }
    pyramid[level_offset(level) + idx] = vec4<f32>(p, mass);
}

fn repel(p: vec3<f32>, cell: vec4<f32>) -> vec3<f32> {
    let d = p - cell.xyz;
    let d2 = max(dot(d, d), params.min_distance * params.min_distance);
    return d * (params.repulsion * cell.w / d2);
}

fn repel_block(p: vec3<f32>, level: u32, lo: vec3<u32>, hi: vec3<u32>, own: vec3<u32>) -> vec3<f32> {
    let res = params.res0 >> level;
    let base = level_offset(level);
    var f = vec3<f32>(0.0);
    for (var z = lo.z; z <= hi.z; z++) {
        for (var y = lo.y; y <= hi.y; y++) {
            for (var x = lo.x; x <= hi.x; x++) {
                let q = vec3<u32>(x, y, z);
                let far = abs(vec3<i32>(q) - vec3<i32>(own));
                if max(far.x, max(far.y, far.z)) > 1 {
                    let cell = pyramid[base + linear(q, res)];
                    if cell.w > 0.0 {
                        f += repel(p, cell);
                    }
                }
            }
        }
    }
    return f;
}

@compute @workgroup_size(WG)
fn force(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= params.node_count { return; }
    let frame = grid_frame();
    let p = pos_in[i].xyz;
    let placed = place(p, frame);
    let c0 = placed.cell;
    var zmask = vec3<u32>(1u, 1u, 0u);
    if params.dim == 3u { zmask = vec3<u32>(1u); }
    var f = vec3<f32>(0.0);

    // Far field.
    let top = params.levels - 1u;
    let rt = params.res0 >> top;
    f += repel_block(p, top, vec3<u32>(0u), vec3<u32>(rt - 1u) * zmask, c0 >> vec3<u32>(top));
    for (var k = 0u; k < top; k++) {
        let level = top - 1u - k;
        let res = params.res0 >> level;
        let own = c0 >> vec3<u32>(level);
        let parent = own >> vec3<u32>(1u);
        let lo = (max(parent * 2u, vec3<u32>(2u)) - vec3<u32>(2u)) * zmask;
        let hi = min(parent * 2u + vec3<u32>(3u), vec3<u32>(res - 1u)) * zmask;
        f += repel_block(p, level, lo, hi, own);
    }

    // Near field.
    let res = params.res0;
    let lo = (max(c0, vec3<u32>(1u)) - vec3<u32>(1u)) * zmask;
    let hi = min(c0 + vec3<u32>(1u), vec3<u32>(res - 1u)) * zmask;
    for (var z = lo.z; z <= hi.z; z++) {
        for (var y = lo.y; y <= hi.y; y++) {
            for (var x = lo.x; x <= hi.x; x++) {
                let q = vec3<u32>(x, y, z);
                let idx = linear(q, res);
                var cell: vec4<f32>;
                if all(q == c0) {
                    let others = atomicLoad(&cell_tally[2u * idx]) - 1u;
                    let mass = atomicLoad(&cell_tally[2u * idx + 1u]) - node_mass(i);
                    cell = centroid(c0, others, mass, sum_at(idx) - placed.fixed * zmask, frame);
                } else {
                    cell = pyramid[idx];
                }
                if cell.w > 0.0 {
                    f += repel(p, cell);
                }
            }
        }
    }

    let mass = f32(node_mass(i));
    f *= mass;

    // Springs.
    for (var e = csr_offsets[i]; e < csr_offsets[i + 1u]; e++) {
        f += pos_in[csr_targets[e]].xyz - p;
    }
    f -= p * (params.gravity * mass);

    let limit = step.temperature * frame.cell * f32(params.res0);
    let len = length(f);
    var moved = p;
    if len > 0.0 { moved = p + f * (min(len, limit) / len); }
    pos_out[i] = vec4<f32>(moved, 0.0);
}
