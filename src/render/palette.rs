//! Colours: a 20-colour categorical palette (Tableau 10, then 10 lighter or shifted
//! companions, all distinct on the dark background), packed as RGBA8 for the GPU.

/// Background of every frame (sRGB).
pub const BACKGROUND: [f32; 3] = [0.063, 0.071, 0.094];
/// Nodes without class data.
pub const DEFAULT_NODE: [u8; 3] = [0x8f, 0xb3, 0xff];
/// Nodes whose class is -1 (unlabelled).
pub const UNLABELLED: [u8; 3] = [0x6b, 0x6f, 0x76];

const CATEGORICAL: [u32; 20] = [
    0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac, 0xa0cbe8,
    0xffbe7d, 0x8cd17d, 0xb6992d, 0x2ca02c, 0xff5c8a, 0xfabfd2, 0x17becf, 0xd4a6c8, 0xe6f598,
];

/// The colour of class `class`: the palette first, then golden-ratio hues.
pub fn class_color(class: i32) -> [u8; 3] {
    if class < 0 {
        return UNLABELLED;
    }
    match CATEGORICAL.get(class as usize) {
        Some(&rgb) => [(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8],
        None => hsv(class as f32 * 0.618_034 % 1.0, 0.55, 0.95),
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let f = |n: f32| {
        let k = (n + h * 6.0) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    };
    [f(5.0), f(3.0), f(1.0)].map(|c| (c * 255.0).round() as u8)
}

/// RGBA8 packed little-endian (r in the low byte), as WGSL's `unpack4x8unorm` reads it.
pub fn pack(rgb: [u8; 3]) -> u32 {
    u32::from_le_bytes([rgb[0], rgb[1], rgb[2], 255])
}

/// One packed colour per node: by class when classes exist, else one colour.
pub fn node_colors(classes: Option<&[i32]>, node_count: u32) -> Vec<u32> {
    match classes {
        Some(classes) => classes.iter().map(|&c| pack(class_color(c))).collect(),
        None => vec![pack(DEFAULT_NODE); node_count as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_twenty_classes_are_distinct() {
        let colors: Vec<[u8; 3]> = (0..20).map(class_color).collect();
        for (i, a) in colors.iter().enumerate() {
            for b in &colors[i + 1..] {
                let d: i32 = a.iter().zip(b).map(|(&x, &y)| (x as i32 - y as i32).abs()).sum();
                assert!(d > 60, "{a:?} vs {b:?}");
            }
        }
        assert_eq!(class_color(-1), UNLABELLED);
        assert_ne!(class_color(20), class_color(21));
    }
}
