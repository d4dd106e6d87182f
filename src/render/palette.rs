//! Colours and sizes: a 20-colour categorical palette (Tableau 10, then 10 lighter or
//! shifted companions, all distinct on the dark background), a sequential ramp for
//! numbers, the colourings a user can pick ([`ColorBy`]), packed as RGBA8 for the GPU, and
//! the node sizes ([`SizeBy`]).

use std::collections::BTreeMap;

use crate::graph::{Direction, Graph, MEMBERS, box_side};

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

/// The colour of a packed RGBA8 as `#rrggbb`.
pub fn hex(color: u32) -> String {
    let [r, g, b, _] = color.to_le_bytes();
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One packed colour per node: by class when classes exist, else one colour.
pub fn node_colors(classes: Option<&[i32]>, node_count: u32) -> Vec<u32> {
    match classes {
        Some(classes) => classes.iter().map(|&c| pack(class_color(c))).collect(),
        None => vec![pack(DEFAULT_NODE); node_count as usize],
    }
}

/// Stops of a perceptually ordered ramp (viridis, brightened at the low end so it stays
/// visible on the dark background).
pub const RAMP: [[u8; 3]; 6] = [
    [0x48, 0x3d, 0x8b],
    [0x3b, 0x6c, 0xa8],
    [0x21, 0x91, 0x8c],
    [0x35, 0xb7, 0x79],
    [0x90, 0xd7, 0x43],
    [0xfd, 0xe7, 0x25],
];

/// The ramp's colour at `t` in 0..=1 (clamped).
pub fn ramp(t: f32) -> [u8; 3] {
    let x = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f32;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f32;
    std::array::from_fn(|c| (RAMP[i][c] as f32 * (1.0 - f) + RAMP[i + 1][c] as f32 * f).round() as u8)
}

/// What decides a node's colour.
#[derive(Debug, Clone, PartialEq)]
pub enum ColorBy {
    /// The class (labels, operator types), or one colour without classes.
    Class,
    /// Degree, on a log scale.
    Degree,
    /// The innermost group (module, layer).
    Group,
    /// The first value of a numeric node column, by name (parameter counts, features).
    Column(String),
}

impl ColorBy {
    /// The choices `graph` offers.
    pub fn choices(graph: &Graph) -> Vec<ColorBy> {
        let mut choices = vec![ColorBy::Class, ColorBy::Degree];
        if !graph.groups.is_empty() {
            choices.push(ColorBy::Group);
        }
        choices.extend(graph.nodes.columns.iter().map(|c| ColorBy::Column(c.name.clone())));
        choices
    }

    pub fn name(&self) -> String {
        match self {
            ColorBy::Class => "class".into(),
            ColorBy::Degree => "degree".into(),
            ColorBy::Group => "group".into(),
            ColorBy::Column(name) => name.clone(),
        }
    }

    /// One packed colour per node.
    pub fn colors(&self, graph: &Graph) -> Vec<u32> {
        let n = graph.node_count() as usize;
        // A node without a value is grey, not the ramp's low end.
        let numbers = |values: Vec<f32>| -> Vec<u32> {
            values.into_iter().map(|t| pack(if t.is_nan() { UNLABELLED } else { ramp(t) })).collect()
        };
        match self {
            ColorBy::Class => node_colors(graph.nodes.classes.as_deref(), graph.node_count()),
            ColorBy::Degree => numbers(degrees(graph)),
            ColorBy::Group => (0..n as u32)
                .map(|v| pack(graph.groups.group_of(v).map_or(UNLABELLED, |g| class_color(g as i32))))
                .collect(),
            ColorBy::Column(name) => match column(graph, name) {
                Some(values) => numbers(values),
                None => node_colors(None, graph.node_count()),
            },
        }
    }
}

/// What a colouring means, for a legend: named colours with their node counts (most
/// frequent first), or the ramp between the values at its ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Legend {
    Categories(Vec<(String, u32, usize)>),
    Ramp {
        low: f32,
        high: f32,
        log: bool,
    },
    /// One colour for every node: nothing to explain.
    None,
}

impl ColorBy {
    /// What [`ColorBy::colors`] means on `graph`.
    pub fn legend(&self, graph: &Graph) -> Legend {
        let categories = |of: &dyn Fn(u32) -> Option<(String, [u8; 3])>| {
            let mut counts: BTreeMap<String, ([u8; 3], usize)> = BTreeMap::new();
            for v in 0..graph.node_count() {
                if let Some((name, rgb)) = of(v) {
                    counts.entry(name).or_insert((rgb, 0)).1 += 1;
                }
            }
            let mut entries: Vec<(String, u32, usize)> =
                counts.into_iter().map(|(name, (rgb, count))| (name, pack(rgb), count)).collect();
            entries.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
            Legend::Categories(entries)
        };
        let ramp = |values: &[f32], log: bool| match range(values) {
            Some((low, high)) => Legend::Ramp { low, high, log },
            None => Legend::None,
        };
        match self {
            ColorBy::Class => match &graph.nodes.classes {
                Some(classes) => categories(&|v| {
                    let class = classes[v as usize];
                    let name =
                        usize::try_from(class).ok().and_then(|c| graph.nodes.class_names.as_ref()?.get(c)).map_or_else(
                            || if class < 0 { "none".to_owned() } else { format!("class {class}") },
                            str::to_owned,
                        );
                    Some((name, class_color(class)))
                }),
                None => Legend::None,
            },
            ColorBy::Degree => {
                let csr = graph.csr(Direction::Both);
                ramp(&(0..graph.node_count()).map(|v| csr.degree(v) as f32).collect::<Vec<f32>>(), true)
            }
            ColorBy::Group => categories(&|v| {
                let g = graph.groups.group_of(v)?;
                Some((graph.groups.groups[g as usize].name.clone(), class_color(g as i32)))
            }),
            ColorBy::Column(name) => match graph.nodes.columns.iter().find(|c| &c.name == name) {
                Some(column) => {
                    ramp(&column.values.chunks(column.width.max(1)).map(|row| row[0]).collect::<Vec<f32>>(), false)
                }
                None => Legend::None,
            },
        }
    }
}

/// What decides a node's size.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeBy {
    /// All alike.
    Uniform,
    /// Degree, on a log scale.
    Degree,
    /// The first value of a numeric node column, by name (parameter counts, scores).
    Column(String),
}

impl SizeBy {
    /// The choices `graph` offers.
    pub fn choices(graph: &Graph) -> Vec<SizeBy> {
        let mut choices = vec![SizeBy::Uniform, SizeBy::Degree];
        choices.extend(graph.nodes.columns.iter().map(|c| SizeBy::Column(c.name.clone())));
        choices
    }

    pub fn name(&self) -> String {
        match self {
            SizeBy::Uniform => "uniform".into(),
            SizeBy::Degree => "degree".into(),
            SizeBy::Column(name) => name.clone(),
        }
    }

    /// One radius factor per node, from half to twice the plain size: the area grows with
    /// the value. A collapsed group's factor is negative: it is drawn as a box, whose side
    /// grows with the nodes inside it when all are alike (two members: 1.3 times a node,
    /// a hundred or more: 3 times).
    pub fn sizes(&self, graph: &Graph) -> Vec<f32> {
        let values = match self {
            SizeBy::Uniform => None,
            SizeBy::Degree => Some(degrees(graph)),
            SizeBy::Column(name) => column(graph, name),
        };
        let mut sizes: Vec<f32> = match values {
            Some(values) => values.into_iter().map(|t| if t.is_nan() { 1.0 } else { 0.5 + 1.5 * t.sqrt() }).collect(),
            None => vec![1.0; graph.node_count() as usize],
        };
        if let Some(members) = graph.nodes.columns.iter().find(|c| c.name == MEMBERS && c.width == 1) {
            for (size, &count) in sizes.iter_mut().zip(&members.values) {
                if count > 0.0 {
                    let factor = if *self == SizeBy::Uniform { box_side(count) } else { *size };
                    *size = -factor;
                }
            }
        }
        sizes
    }
}

/// Each node's degree, on a log scale, [`scaled`] to 0..=1.
fn degrees(graph: &Graph) -> Vec<f32> {
    let csr = graph.csr(Direction::Both);
    scaled(&(0..graph.node_count()).map(|v| (csr.degree(v) as f32 + 1.0).ln()).collect::<Vec<f32>>())
}

/// The first value of each node's row in the numeric column `name`, [`scaled`] to 0..=1.
fn column(graph: &Graph, name: &str) -> Option<Vec<f32>> {
    let column = graph.nodes.columns.iter().find(|c| c.name == name)?;
    Some(scaled(&column.values.chunks(column.width.max(1)).map(|row| row[0]).collect::<Vec<f32>>()))
}

/// The 2nd and 98th percentiles of the finite `values`: the ends of the ramp.
fn range(values: &[f32]) -> Option<(f32, f32)> {
    let mut sorted: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f32::total_cmp);
    let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize];
    Some((at(0.02), at(0.98)))
}

/// Values mapped to 0..=1 between their 2nd and 98th percentiles, so one outlier does not
/// flatten the rest; non-finite values map to NaN (no value).
fn scaled(values: &[f32]) -> Vec<f32> {
    let Some((lo, hi)) = range(values) else {
        return vec![f32::NAN; values.len()];
    };
    let span = (hi - lo).max(f32::EPSILON);
    values.iter().map(|&v| if v.is_finite() { ((v - lo) / span).clamp(0.0, 1.0) } else { f32::NAN }).collect()
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

    #[test]
    fn degree_colouring_runs_along_the_ramp() {
        let mut g = Graph::with_nodes(4, false);
        for (a, b) in [(0, 1), (0, 2), (0, 3)] {
            g.push_edge(a, b);
        }
        let colors = ColorBy::Degree.colors(&g);
        assert_eq!(colors[0], pack(ramp(1.0)), "the hub is brightest");
        assert_eq!(colors[1], pack(ramp(0.0)));
        assert_eq!((ramp(-1.0), ramp(0.0), ramp(1.0), ramp(2.0)), (RAMP[0], RAMP[0], RAMP[5], RAMP[5]));
        assert_eq!(ColorBy::choices(&g), [ColorBy::Class, ColorBy::Degree]);
        let sizes = SizeBy::Degree.sizes(&g);
        assert_eq!((sizes[0], sizes[1]), (2.0, 0.5), "the hub is largest");
        assert!(SizeBy::Uniform.sizes(&g).iter().all(|&s| s == 1.0));
    }

    #[test]
    fn collapsed_groups_are_boxes_that_grow_with_their_members() {
        let mut g = Graph::with_nodes(4, true);
        g.push_edge(0, 1);
        g.nodes.columns.push(crate::graph::Column {
            name: MEMBERS.into(),
            width: 1,
            values: vec![0.0, 2.0, 100.0, 1e9],
        });
        let sizes = SizeBy::Uniform.sizes(&g);
        assert_eq!(sizes[0], 1.0, "an ordinary node stays a disc");
        assert!((sizes[1] + 1.3).abs() < 1e-6 && sizes[2] < -2.9 && sizes[3] == -3.0, "{sizes:?}");
        assert!(SizeBy::Degree.sizes(&g)[1] < 0.0, "sized by degree, still a box");
    }
}
