//! Weight decoding for the neuron level: plain floats element by element, and ggml's
//! block-quantised types (Q4_0 ... Q8_0, Q2_K ... Q6_K) block by block, ported from
//! gguf-py's `dequantize_blocks` and checked against it in the tests.

use npyz::half::f16;

/// How a dtype is stored: `block` elements in `bytes` bytes, decoded by `decode`, which
/// appends the block's values.
#[derive(Clone, Copy)]
pub struct Codec {
    pub block: usize,
    pub bytes: usize,
    pub decode: fn(&[u8], &mut Vec<f32>),
}

fn half(b: &[u8]) -> f32 {
    f16::from_le_bytes([b[0], b[1]]).to_f32()
}

/// The codec of a dtype name (safetensors' `F32`, ggml's `Q4_K`, ...); `None` for types
/// the neuron level does not decode (integers, IQ and ternary types).
pub fn codec(dtype: &str) -> Option<Codec> {
    let codec = |block, bytes, decode| Some(Codec { block, bytes, decode });
    match dtype {
        "F32" => codec(1, 4, |b, out| out.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        "F16" => codec(1, 2, |b, out| out.push(half(b))),
        "BF16" => codec(1, 2, |b, out| out.push(f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16))),
        "F64" => codec(1, 8, |b, out| out.push(f64::from_le_bytes(b[..8].try_into().expect("8 bytes")) as f32)),
        "Q8_0" => codec(32, 34, |b, out| {
            let d = half(b);
            out.extend(b[2..34].iter().map(|&q| q as i8 as f32 * d));
        }),
        "Q4_0" => codec(32, 18, |b, out| {
            let d = half(b);
            for s in [0, 4] {
                out.extend(b[2..18].iter().map(|&q| (((q >> s) & 0xF) as i8 - 8) as f32 * d));
            }
        }),
        "Q4_1" => codec(32, 20, |b, out| {
            let (d, m) = (half(b), half(&b[2..]));
            for s in [0, 4] {
                out.extend(b[4..20].iter().map(|&q| d * ((q >> s) & 0xF) as f32 + m));
            }
        }),
        "Q5_0" => codec(32, 22, |b, out| {
            let d = half(b);
            let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
            for i in 0..32 {
                let low = (b[6 + i % 16] >> (4 * (i / 16))) & 0xF;
                let high = ((qh >> i) & 1) as u8;
                out.push(d * ((low | (high << 4)) as i8 - 16) as f32);
            }
        }),
        "Q5_1" => codec(32, 24, |b, out| {
            let (d, m) = (half(b), half(&b[2..]));
            let qh = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            for i in 0..32 {
                let low = (b[8 + i % 16] >> (4 * (i / 16))) & 0xF;
                let high = ((qh >> i) & 1) as u8;
                out.push(d * (low | (high << 4)) as f32 + m);
            }
        }),
        "Q2_K" => codec(256, 84, |b, out| {
            let (scales, qs) = (&b[0..16], &b[16..80]);
            let (d, dmin) = (half(&b[80..]), half(&b[82..]));
            for i in 0..256 {
                let (g, s, l) = (i / 128, (i % 128) / 32, i % 32);
                let q = (qs[g * 32 + l] >> (2 * s)) & 3;
                let sc = scales[i / 16];
                out.push(d * (sc & 0xF) as f32 * q as f32 - dmin * (sc >> 4) as f32);
            }
        }),
        "Q3_K" => codec(256, 110, |b, out| {
            let (hmask, qs, scales) = (&b[0..32], &b[32..96], &b[96..108]);
            let d = half(&b[108..]);
            let scale = |k: usize| {
                let low = scales[k % 8] >> (4 * (k / 8));
                let high = scales[8 + k % 4] >> (2 * (k / 4));
                (((low & 0xF) | ((high & 3) << 4)) as i8 - 32) as f32
            };
            for i in 0..256 {
                let (g, s, l) = (i / 128, (i % 128) / 32, i % 32);
                let low = (qs[g * 32 + l] >> (2 * s)) & 3;
                let high = ((hmask[i % 32] >> (i / 32)) & 1) ^ 1;
                out.push(d * scale(i / 16) * (low as i8 - (high << 2) as i8) as f32);
            }
        }),
        "Q4_K" => codec(256, 144, |b, out| k_quant(b, &b[16..144], None, out)),
        "Q5_K" => codec(256, 176, |b, out| k_quant(b, &b[48..176], Some(&b[16..48]), out)),
        "Q6_K" => codec(256, 210, |b, out| {
            let (ql, qh, scales) = (&b[0..128], &b[128..192], &b[192..208]);
            let d = half(&b[208..]);
            for i in 0..256 {
                let (g, within) = (i / 128, i % 128);
                let low = (ql[g * 64 + within % 64] >> (4 * (within / 64))) & 0xF;
                let high = (qh[g * 32 + within % 32] >> (2 * (within / 32))) & 3;
                out.push(d * scales[i / 16] as i8 as f32 * ((low | (high << 4)) as i8 - 32) as f32);
            }
        }),
        _ => None,
    }
}

/// Q4_K and Q5_K: eight sub-blocks of 32 with 6-bit scales and minimums.
fn k_quant(b: &[u8], qs: &[u8], qh: Option<&[u8]>, out: &mut Vec<f32>) {
    let (d, dmin, scales) = (half(b), half(&b[2..]), &b[4..16]);
    let scale_min = |k: usize| {
        let (dk, mk, md) = (scales[k % 4], scales[4 + k % 4], scales[8 + k % 4]);
        if k < 4 { (dk & 0x3F, mk & 0x3F) } else { ((md & 0x0F) | ((dk >> 2) & 0x30), (md >> 4) | ((mk >> 2) & 0x30)) }
    };
    for i in 0..256 {
        let (g, s, l) = (i / 64, (i % 64) / 32, i % 32);
        let mut q = (qs[g * 32 + l] >> (4 * s)) & 0xF;
        if let Some(qh) = qh {
            q |= ((qh[l] >> (i / 32)) & 1) << 4;
        }
        let (sc, m) = scale_min(i / 32);
        out.push(d * sc as f32 * q as f32 - dmin * m as f32);
    }
}
