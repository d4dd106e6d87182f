// The edge layer (src/render/layer.rs) onto the frame. The layer holds, for each pixel,
// how much edge crosses it and in what colour: `lines` and `plain` from edges.wgsl
// (colour times weight, and weight, added; the weight without emphasis), `counts` and
// `tints` from density.wgsl. `measure` sums the plain weight of the frame's covered
// pixels and counts them; `fs`, on a full-screen triangle, gives each pixel the opacity
// k s / (1 + k s) of s, the square root of its weight over that mean (edges per covered
// pixel: the overdraw the frame really has), with k such that the mean pixel has the
// style's edge opacity. A lone edge in a sparse drawing has that opacity; in a dense one,
// denser places stay denser instead of saturating, and the square root keeps a lone edge
// beside a crowded core visible (at 1/25 of the mean, a third of the mean's opacity). Edges coloured by weight (`absolute`) show
// their weights as they are: opacity 1 - exp(-3 x) of the weight itself.

const FIXED: f32 = 16.0;       // FIXED in density.wgsl
const COARSE: u32 = 8u;        // COARSE in density.wgsl
/// Weight below which a pixel counts as uncovered.
const COVERED: f32 = 0.02;

struct Tone {              // ToneUniforms in src/render/layer.rs
    size: vec2<u32>,
    alpha: f32,            // the mean covered pixel's opacity
    absolute: u32,         // 1: opacity from the weight itself, not over the mean
}

@group(0) @binding(0) var lines: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> counts: array<u32>;
@group(0) @binding(2) var<storage, read_write> tints: array<u32>;
@group(0) @binding(3) var<storage, read_write> totals: array<atomic<u32>>; // sum lo, sum hi, covered
@group(0) @binding(4) var<uniform> tone: Tone;
@group(0) @binding(5) var plain: texture_2d<f32>;

/// Pixel `p`'s colour (times weight) and weight.
fn layer_at(p: vec2<u32>) -> vec4<f32> {
    let drawn = textureLoad(lines, p, 0);
    let count = f32(counts[p.y * tone.size.x + p.x]) / FIXED;
    if count <= 0.0 {
        return drawn;
    }
    let columns = (tone.size.x + COARSE - 1u) / COARSE;
    let cell = 4u * ((p.y / COARSE) * columns + p.x / COARSE);
    var tint = vec3<f32>(0.7);
    if tints[cell + 3u] > 0u {
        tint = vec3<f32>(f32(tints[cell]), f32(tints[cell + 1u]), f32(tints[cell + 2u])) / (255.0 * f32(tints[cell + 3u]));
    }
    return drawn + vec4<f32>(tint * count, count);
}

var<workgroup> sums: array<f32, 256>;
var<workgroup> covered: array<u32, 256>;

@compute @workgroup_size(16, 16)
fn measure(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    var weight = 0.0;
    if gid.x < tone.size.x && gid.y < tone.size.y {
        weight = textureLoad(plain, gid.xy, 0).r + f32(counts[gid.y * tone.size.x + gid.x]) / FIXED;
    }
    let on = weight > COVERED;
    sums[lane] = select(0.0, weight, on);
    covered[lane] = select(0u, 1u, on);
    for (var half = 128u; half > 0u; half >>= 1u) {
        workgroupBarrier();
        if lane < half {
            sums[lane] += sums[lane + half];
            covered[lane] += covered[lane + half];
        }
    }
    if lane == 0u && covered[0] > 0u {
        // A 64-bit sum from two words: the carry goes to the high one.
        let add = u32(round(sums[0] * FIXED));
        let before = atomicAdd(&totals[0], add);
        if before > 0xffffffffu - add {
            atomicAdd(&totals[1], 1u);
        }
        atomicAdd(&totals[2], covered[0]);
    }
}

@vertex
fn vs(@builtin(vertex_index) v: u32) -> @builtin(position) vec4<f32> {
    let corner = vec2<f32>(f32((v << 1u) & 2u), f32(v & 2u)); // (0,0) (2,0) (0,2)
    return vec4<f32>(corner * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let here = layer_at(vec2<u32>(position.xy));
    let pixels = atomicLoad(&totals[2]);
    if here.a <= COVERED || pixels == 0u {
        discard;
    }
    let sum = (f32(atomicLoad(&totals[1])) * 4294967296.0 + f32(atomicLoad(&totals[0]))) / FIXED;
    var opacity = 1.0 - exp(-3.0 * here.a);
    if tone.absolute == 0u {
        let s = sqrt(here.a / max(sum / f32(pixels), COVERED));
        let k = tone.alpha / (1.0 - tone.alpha);
        opacity = k * s / (1.0 + k * s);
    }
    return vec4<f32>(clamp(here.rgb / here.a, vec3<f32>(0.0), vec3<f32>(1.0)), opacity);
}
