// Force-directed layout, one iteration as a few passes over a Morton-ordered grid pyramid.
//
// bounds   : bounding box of all nodes (workgroup reduction, then integer atomics on
//            order-preserving float keys: min and max are order independent, so exact),
//            and each workgroup's sum of the largest component's positions.
// mass_centre : one workgroup sums those partial sums in a fixed order: the largest
//            component's centre of mass.
// splat    : each node adds 1 and its fixed-point offset inside its finest cell to that
//            cell (integer atomics: a histogram, the same sums in any order).
// scan_cells, scan_blocks : exclusive prefix sum of the cell counts (per block of WG
//            cells, then over the blocks), where each cell's nodes will start in `sorted`.
// finalize : finest cells -> centroid and node count; adds the block's prefix.
// scatter  : each node takes a slot in its cell's run of `sorted`. Cells are numbered
//            along the Z curve, so this is a one-digit radix sort of the nodes by Morton
//            code (the histogram is the only use of atomics).
// sort_cells : each run of at most near_exact nodes is sorted by node index, so the near
//            field sums in one order whatever order the slots were taken in, and its
//            positions are copied out in slot order.
// coarsen  : level j cells gather their 2^d children, 2^d consecutive cells (one dispatch
//            per level).
// force    : thread t takes the node in slot t, so a workgroup works on one patch of
//            space. Each node gathers repulsion from the pyramid (far field level by
//            level, near field from the nodes of the 3^d finest neighbour cells, one by
//            one; a cell of more than near_exact nodes by its centroid), springs from its
//            CSR row, and gravity, then moves at most `temperature`. Reads pos_in, writes
//            pos_out.
// Forces are the spring-electrical model of Hu's sfdp (natural length K = 1): repulsion
// C / d between every two nodes and a pull g * |w| * r, both times the node's degree + 1
// (ForceAtlas2's weighting: without it a dense connectome's core was a heap of
// overlapping nodes), and attraction d^2 along edges. w is the node's fourth position
// component: 1 in the largest connected component, pulled towards the origin; outside
// it negative, as much as holds a small component just outside the largest one, pulled
// towards the largest one's centre of mass (src/layout/multilevel.rs, hold_components).
// Pulled towards the origin, the small components pushed the largest one off to one
// side; towards the centre of its bounding box, they gathered on its sparse side (Cora's
// all right of its core, whose tendrils stretch the box).
// (ForceAtlas2's linear springs squeeze a mesh into a ring: stress 0.020 against 0.013
// on a 100 x 100 mesh, 0.027 against 0.015 on a random geometric graph.)
// A node moves at most `temperature` times the side of the bounding box, so the layout
// finds its own scale, whatever the graph's size.
// Mirrors src/layout/cpu/force.rs, which sums the same terms in the same order (it reads
// the near field's positions by node, not from the slot-order copy).

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
    near_exact: u32,      // cells of at most this many nodes repel node by node
    level_offsets: array<vec4<u32>, 4>,
}

struct Step {              // StepUniforms in src/layout/force.rs
    temperature: f32,      // largest move, as a fraction of the grid's side
    level: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Bounding box of all nodes as order keys (min inverted, then max).
@group(0) @binding(1) var<storage, read_write> bounds: array<atomic<u32>, 8>;
// Per finest cell (C of them): nodes, then first slot in `sorted`, then slots taken;
// then one prefix per block of WG cells; then `sorted`, node indices grouped by cell.
@group(0) @binding(2) var<storage, read_write> cells: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> cell_sum: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> pyramid: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> csr_offsets: array<u32>;
@group(0) @binding(6) var<storage, read> csr_targets: array<u32>;
@group(1) @binding(0) var<storage, read> pos_in: array<vec4<f32>>;
@group(1) @binding(1) var<storage, read_write> pos_out: array<vec4<f32>>;
@group(2) @binding(0) var<uniform> step: Step;

#include "common/dispatch.wgsl"

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
var<workgroup> wg_mass: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn bounds_pass(@builtin(global_invocation_id) gid: vec3<u32>,
               @builtin(num_workgroups) groups: vec3<u32>,
               @builtin(local_invocation_index) li: u32) {
    let i = flat_index(gid, groups);
    var lo = vec3<f32>(3.0e38);
    var hi = vec3<f32>(-3.0e38);
    var mass = vec4<f32>(0.0);
    if i < params.node_count {
        lo = pos_in[i].xyz;
        hi = lo;
        if pos_in[i].w > 0.0 {
            mass = vec4<f32>(lo, 1.0);
        }
    }
    wg_lo[li] = lo;
    wg_hi[li] = hi;
    wg_mass[li] = mass;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if li < s {
            wg_lo[li] = min(wg_lo[li], wg_lo[li + s]);
            wg_hi[li] = max(wg_hi[li], wg_hi[li + s]);
            wg_mass[li] += wg_mass[li + s];
        }
        workgroupBarrier();
    }
    if li == 0u && i < params.node_count {
        for (var a = 0u; a < 3u; a++) {
            // min is stored inverted so that a zero-cleared buffer means "nothing yet".
            atomicMax(&bounds[a], ~order_key(wg_lo[0][a]));
            atomicMax(&bounds[4u + a], order_key(wg_hi[0][a]));
        }
        pyramid[partials_at() + i / WG] = wg_mass[0];
    }
}

// One workgroup: the largest component's centre of mass from the workgroups' partial
// sums, each lane summing every WG-th one in order, then a tree: the same sums in the
// same order every time, without float atomics.
@compute @workgroup_size(WG)
fn mass_centre(@builtin(local_invocation_index) li: u32) {
    let blocks = node_blocks();
    var sum = vec4<f32>(0.0);
    for (var b = li; b < blocks; b += WG) {
        sum += pyramid[partials_at() + b];
    }
    wg_mass[li] = sum;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if li < s {
            wg_mass[li] += wg_mass[li + s];
        }
        workgroupBarrier();
    }
    if li == 0u {
        let total = wg_mass[0];
        pyramid[partials_at() + blocks] = vec4<f32>(total.xyz / max(total.w, 1.0), total.w);
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

// The largest component's centre of mass (`mass_centre`).
fn main_centre() -> vec3<f32> {
    return pyramid[partials_at() + node_blocks()].xyz;
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

// Cells are numbered in Morton order at every level: x's bit lowest, then y's (then
// z's). A cell's 2^d children are the 2^d consecutive numbers after its own shifted left
// by d, and the nodes grouped by cell lie in `sorted` along the Z curve, so neighbouring
// threads of the force pass read neighbouring cells.
fn spread2(v: u32) -> u32 {
    var x = v & 0xffffu;
    x = (x | (x << 8u)) & 0x00ff00ffu;
    x = (x | (x << 4u)) & 0x0f0f0f0fu;
    x = (x | (x << 2u)) & 0x33333333u;
    return (x | (x << 1u)) & 0x55555555u;
}

fn spread3(v: u32) -> u32 {
    var x = v & 0x3ffu;
    x = (x | (x << 16u)) & 0x030000ffu;
    x = (x | (x << 8u)) & 0x0300f00fu;
    x = (x | (x << 4u)) & 0x030c30c3u;
    return (x | (x << 2u)) & 0x09249249u;
}

fn compact2(v: u32) -> u32 {
    var x = v & 0x55555555u;
    x = (x | (x >> 1u)) & 0x33333333u;
    x = (x | (x >> 2u)) & 0x0f0f0f0fu;
    x = (x | (x >> 4u)) & 0x00ff00ffu;
    return (x | (x >> 8u)) & 0xffffu;
}

fn compact3(v: u32) -> u32 {
    var x = v & 0x09249249u;
    x = (x | (x >> 2u)) & 0x030c30c3u;
    x = (x | (x >> 4u)) & 0x0300f00fu;
    x = (x | (x >> 8u)) & 0x030000ffu;
    return (x | (x >> 16u)) & 0x3ffu;
}

fn cell_index(c: vec3<u32>) -> u32 {
    if params.dim == 3u { return spread3(c.x) | (spread3(c.y) << 1u) | (spread3(c.z) << 2u); }
    return spread2(c.x) | (spread2(c.y) << 1u);
}

fn cell_coords(idx: u32) -> vec3<u32> {
    if params.dim == 3u { return vec3<u32>(compact3(idx), compact3(idx >> 1u), compact3(idx >> 2u)); }
    return vec3<u32>(compact2(idx), compact2(idx >> 1u), 0u);
}

@compute @workgroup_size(WG)
fn splat(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= params.node_count { return; }
    let placed = place(pos_in[i].xyz, grid_frame());
    let idx = cell_index(placed.cell);
    atomicAdd(&cells[idx], 1u);
    for (var a = 0u; a < params.dim; a++) {
        atomicAdd(&cell_sum[idx * params.dim + a], placed.fixed[a]);
    }
}

// Centroid of `count` nodes with fixed-point offsets summing to `sum`, and the count.
fn centroid(c: vec3<u32>, count: u32, sum: vec3<u32>, frame: Frame) -> vec4<f32> {
    if count == 0u { return vec4<f32>(0.0); }
    let p = frame.origin + (vec3<f32>(c) + vec3<f32>(sum) / (FIXED_SCALE * f32(count))) * frame.cell;
    return vec4<f32>(p, f32(count));
}

fn sum_at(idx: u32) -> vec3<u32> {
    let d = params.dim;
    var s = vec3<u32>(atomicLoad(&cell_sum[idx * d]), atomicLoad(&cell_sum[idx * d + 1u]), 0u);
    if d == 3u { s.z = atomicLoad(&cell_sum[idx * d + 2u]); }
    return s;
}

fn level_cells(j: u32) -> u32 {
    let res = params.res0 >> j;
    if params.dim == 3u { return res * res * res; }
    return res * res;
}

// Sections of `cells` (see its declaration).
fn tally(cell: u32) -> u32 {
    return atomicLoad(&cells[cell]);
}

fn run_start(cell: u32) -> u32 {
    return atomicLoad(&cells[level_cells(0u) + cell]);
}

fn blocks_at() -> u32 {
    return 3u * level_cells(0u);
}

fn block_count() -> u32 {
    return (level_cells(0u) + WG - 1u) / WG;
}

// Where `pyramid` keeps, after its levels, the positions of the nodes in cells of at
// most near_exact nodes, at their slots in `sorted`.
fn near_at() -> u32 {
    return level_offset(params.levels - 1u) + level_cells(params.levels - 1u);
}

// Workgroups of nodes in the bounds pass.
fn node_blocks() -> u32 {
    return (params.node_count + WG - 1u) / WG;
}

// Where `pyramid` keeps, after the near field's positions, each workgroup's sum of the
// largest component's positions and count, then their centre of mass.
fn partials_at() -> u32 {
    return near_at() + params.node_count;
}

fn sorted_at() -> u32 {
    return blocks_at() + block_count();
}

var<workgroup> wg_scan: array<u32, WG>;

// Exclusive scan of `value` over the workgroup (Hillis-Steele): this lane's prefix.
fn workgroup_scan(li: u32, value: u32) -> u32 {
    wg_scan[li] = value;
    workgroupBarrier();
    for (var s = 1u; s < WG; s = s * 2u) {
        var add = 0u;
        if li >= s { add = wg_scan[li - s]; }
        workgroupBarrier();
        wg_scan[li] += add;
        workgroupBarrier();
    }
    return wg_scan[li] - value;
}

@compute @workgroup_size(WG)
fn scan_cells(@builtin(global_invocation_id) gid: vec3<u32>,
              @builtin(num_workgroups) groups: vec3<u32>,
              @builtin(local_invocation_index) li: u32) {
    let idx = flat_index(gid, groups);
    let cells0 = level_cells(0u);
    var count = 0u;
    if idx < cells0 { count = tally(idx); }
    let prefix = workgroup_scan(li, count);
    if idx < cells0 {
        atomicStore(&cells[cells0 + idx], prefix);
    }
    if li == WG - 1u && idx / WG < block_count() {
        atomicStore(&cells[blocks_at() + idx / WG], prefix + count);
    }
}

// One workgroup: each lane sums a stretch of blocks, the lanes scan their sums, and each
// lane writes its stretch's exclusive prefixes.
@compute @workgroup_size(WG)
fn scan_blocks(@builtin(local_invocation_index) li: u32) {
    let blocks = block_count();
    let stretch = (blocks + WG - 1u) / WG;
    let first = min(li * stretch, blocks);
    let last = min(first + stretch, blocks);
    let base = blocks_at();
    var sum = 0u;
    for (var b = first; b < last; b++) {
        sum += atomicLoad(&cells[base + b]);
    }
    var running = workgroup_scan(li, sum);
    for (var b = first; b < last; b++) {
        let count = atomicLoad(&cells[base + b]);
        atomicStore(&cells[base + b], running);
        running += count;
    }
}

@compute @workgroup_size(WG)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if i >= params.node_count { return; }
    let cell = cell_index(place(pos_in[i].xyz, grid_frame()).cell);
    let slot = run_start(cell) + atomicAdd(&cells[2u * level_cells(0u) + cell], 1u);
    atomicStore(&cells[sorted_at() + slot], i);
}

@compute @workgroup_size(WG)
fn sort_cells(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let idx = flat_index(gid, groups);
    if idx >= level_cells(0u) { return; }
    let count = tally(idx);
    if count == 0u || count > params.near_exact { return; }
    let first = sorted_at() + run_start(idx);
    for (var a = 1u; a < count; a++) {
        let v = atomicLoad(&cells[first + a]);
        var b = a;
        loop {
            if b == 0u { break; }
            let u = atomicLoad(&cells[first + b - 1u]);
            if u <= v { break; }
            atomicStore(&cells[first + b], u);
            b -= 1u;
        }
        atomicStore(&cells[first + b], v);
    }
    // The run's positions, for the near field to read in slot order.
    let near = near_at() + run_start(idx);
    for (var a = 0u; a < count; a++) {
        pyramid[near + a] = vec4<f32>(pos_in[atomicLoad(&cells[first + a])].xyz, 1.0);
    }
}

@compute @workgroup_size(WG)
fn finalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let idx = flat_index(gid, groups);
    if idx >= level_cells(0u) { return; }
    pyramid[idx] = centroid(cell_coords(idx), tally(idx), sum_at(idx), grid_frame());
    let start = level_cells(0u) + idx;
    atomicStore(&cells[start], atomicLoad(&cells[start]) + atomicLoad(&cells[blocks_at() + idx / WG]));
}

@compute @workgroup_size(WG)
fn coarsen(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let idx = flat_index(gid, groups);
    let level = step.level;
    if idx >= level_cells(level) { return; }
    let fine_base = level_offset(level - 1u) + (idx << params.dim);
    var weighted = vec3<f32>(0.0);
    var count = 0.0;
    for (var k = 0u; k < (1u << params.dim); k++) {
        let cell = pyramid[fine_base + k];
        weighted += cell.xyz * cell.w;
        count += cell.w;
    }
    var p = vec3<f32>(0.0);
    if count > 0.0 { p = weighted / count; }
    pyramid[level_offset(level) + idx] = vec4<f32>(p, count);
}

fn repel(p: vec3<f32>, cell: vec4<f32>) -> vec3<f32> {
    let d = p - cell.xyz;
    let d2 = max(dot(d, d), params.min_distance * params.min_distance);
    return d * (params.repulsion * cell.w / d2);
}

fn repel_block(p: vec3<f32>, level: u32, lo: vec3<u32>, hi: vec3<u32>, own: vec3<u32>) -> vec3<f32> {
    let base = level_offset(level);
    var f = vec3<f32>(0.0);
    for (var z = lo.z; z <= hi.z; z++) {
        for (var y = lo.y; y <= hi.y; y++) {
            for (var x = lo.x; x <= hi.x; x++) {
                let q = vec3<u32>(x, y, z);
                let far = abs(vec3<i32>(q) - vec3<i32>(own));
                if max(far.x, max(far.y, far.z)) > 1 {
                    let cell = pyramid[base + cell_index(q)];
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
    let t = flat_index(gid, groups);
    if t >= params.node_count { return; }
    // Threads take the nodes along the Z curve, so a workgroup reads the same few cells.
    let i = atomicLoad(&cells[sorted_at() + t]);
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

    // Near field: node by node where a cell holds at most params.near_exact nodes.
    let res = params.res0;
    let lo = (max(c0, vec3<u32>(1u)) - vec3<u32>(1u)) * zmask;
    let hi = min(c0 + vec3<u32>(1u), vec3<u32>(res - 1u)) * zmask;
    let near = near_at();
    for (var z = lo.z; z <= hi.z; z++) {
        for (var y = lo.y; y <= hi.y; y++) {
            for (var x = lo.x; x <= hi.x; x++) {
                let q = vec3<u32>(x, y, z);
                let idx = cell_index(q);
                let count = tally(idx);
                if count <= params.near_exact {
                    let first = run_start(idx);
                    for (var s = first; s < first + count; s++) {
                        if s != t {
                            f += repel(p, pyramid[near + s]);
                        }
                    }
                    continue;
                }
                var cell: vec4<f32>;
                if all(q == c0) {
                    let others = count - 1u;
                    cell = centroid(c0, others, sum_at(idx) - placed.fixed * zmask, frame);
                } else {
                    cell = pyramid[idx];
                }
                f += repel(p, cell);
            }
        }
    }

    // Repulsion and gravity weigh with the node's degree + 1, as in ForceAtlas2: hubs
    // push harder, and are held as firmly. The largest component is pulled towards the
    // origin, the others towards the largest's centre of mass.
    let held = pos_in[i].w;
    var centre = vec3<f32>(0.0);
    if held < 0.0 { centre = main_centre(); }
    f = (f - (p - centre) * (params.gravity * abs(held))) * f32(csr_offsets[i + 1u] - csr_offsets[i] + 1u);

    // Springs.
    for (var e = csr_offsets[i]; e < csr_offsets[i + 1u]; e++) {
        let d = pos_in[csr_targets[e]].xyz - p;
        f += d * length(d);
    }

    let limit = step.temperature * frame.cell * f32(params.res0);
    let len = length(f);
    var moved = p;
    if len > 0.0 { moved = p + f * (min(len, limit) / len); }
    pos_out[i] = vec4<f32>(moved, held);
}
