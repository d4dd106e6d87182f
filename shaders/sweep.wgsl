// Barycenter sweeps of the layered layout, layer by layer on the GPU: one workgroup walks
// the layers in sweep order (down: 1, 2, ...; up: the last but one back to 0). For each
// layer its threads gather every node's key, the mean rank of its neighbours in the layer
// just placed (or its own rank when it has none), as an exact fraction sum / count; sort
// the layer by key with a bitonic sort in the scratch buffer, ties by current rank (so
// as a stable sort would); and write the new order and ranks. Fractions compare by
// cross-multiplying in 64 bits, so the order is exact and equals the CPU reference,
// `sweep` in src/layout/layered.rs, to the node.

const WG: u32 = 256u;

struct Params {               // SweepParams in src/layout/gpu_sweep.rs
    downward: u32,
    layer_count: u32,
    /// Where the down-neighbour rows start in `offsets` (node count + 1).
    down_rows: u32,
    pad: u32,
}

struct Slot {                 // a node of the layer being sorted; count 0 pads
    sum: u32,
    count: u32,
    rank: u32,
    node: u32,
}

@group(0) @binding(0) var<storage, read_write> rank: array<u32>;        // per node, dummies too
@group(0) @binding(1) var<storage, read_write> members: array<u32>;     // layers, one after another
@group(0) @binding(2) var<storage, read> layer_start: array<u32>;       // layer_count + 1
@group(0) @binding(3) var<storage, read> offsets: array<u32>;           // up rows, then down rows
@group(0) @binding(4) var<storage, read> targets: array<u32>;
@group(0) @binding(5) var<storage, read_write> slots: array<Slot>;      // the widest layer, padded
@group(0) @binding(6) var<uniform> params: Params;

var<workgroup> shared_start: u32;
var<workgroup> shared_size: u32;

// a * b as (high, low) 32-bit halves.
fn mul64(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return vec2<u32>(p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), (p00 & 0xffffu) | (mid << 16u));
}

fn less64(x: vec2<u32>, y: vec2<u32>) -> bool {
    return x.x < y.x || (x.x == y.x && x.y < y.y);
}

// Whether slot `a` goes before slot `b`: the smaller key, then the smaller current rank;
// padding last.
fn before(a: Slot, b: Slot) -> bool {
    if a.count == 0u || b.count == 0u {
        return b.count == 0u && a.count != 0u;
    }
    let left = mul64(a.sum, b.count);
    let right = mul64(b.sum, a.count);
    if less64(left, right) {
        return true;
    }
    if less64(right, left) {
        return false;
    }
    return a.rank < b.rank;
}

fn barrier() {
    storageBarrier();
    workgroupBarrier();
}

@compute @workgroup_size(WG)
fn sweep(@builtin(local_invocation_index) t: u32) {
    let count = params.layer_count;
    for (var step = 1u; step < count; step++) {
        let l = select(count - 1u - step, step, params.downward == 1u);
        if t == 0u {
            shared_start = layer_start[l];
            shared_size = layer_start[l + 1u] - layer_start[l];
        }
        let start = workgroupUniformLoad(&shared_start);
        let size = workgroupUniformLoad(&shared_size);
        var padded = 1u;
        while padded < size {
            padded = padded << 1u;
        }
        // Keys.
        for (var i = t; i < padded; i += WG) {
            if i < size {
                let v = members[start + i];
                let row = select(params.down_rows + v, v, params.downward == 1u);
                let first = offsets[row];
                let last = offsets[row + 1u];
                var sum = rank[v];
                var n = 1u;
                if last > first {
                    sum = 0u;
                    for (var e = first; e < last; e++) {
                        sum += rank[targets[e]];
                    }
                    n = last - first;
                }
                slots[i] = Slot(sum, n, rank[v], v);
            } else {
                slots[i] = Slot(0u, 0u, 0xffffffffu, 0u);
            }
        }
        barrier();
        // Bitonic sort of the padded layer.
        for (var k = 2u; k <= padded; k = k << 1u) {
            for (var j = k >> 1u; j > 0u; j = j >> 1u) {
                for (var i = t; i < padded; i += WG) {
                    let other = i ^ j;
                    if other > i {
                        let a = slots[i];
                        let b = slots[other];
                        let ascending = (i & k) == 0u;
                        if (ascending && before(b, a)) || (!ascending && before(a, b)) {
                            slots[i] = b;
                            slots[other] = a;
                        }
                    }
                }
                barrier();
            }
        }
        // The new order and ranks.
        for (var i = t; i < size; i += WG) {
            let v = slots[i].node;
            members[start + i] = v;
            rank[v] = i;
        }
        barrier();
    }
}
