//! Tours: a camera path through keyframes plus actions at given times (select with K hops,
//! captions), read from a TOML file or made up for the graph ([`Tour::automatic`]).
//!
//! A tour file:
//! ```toml
//! title = "ResNet-50"              # a title card over the first seconds (optional)
//! subtitle = "from pixels to classes"
//! duration = 12.0                  # seconds; default: the last keyframe's time
//!
//! [[key]]                          # keyframes, in time order
//! t = 0.0                          # no target: the whole graph
//! [[key]]
//! t = 4.0
//! look_at = "layer2"               # a group (name, or path with /) or a node (name or index)
//! zoom = 1.5                       # > 1 closer, < 1 farther (default 1)
//! ease = "smooth"                  # how the move into this key goes: linear, smooth, in, out
//! [[key]]
//! t = 8.0
//! target = [0.0, 1.0, 0.0]         # a point; with radius = the world units framed
//! radius = 5.0
//! yaw = 40.0                       # degrees, 3D only (as are pitch = ...)
//! # eye = [10.0, 5.0, 10.0]        # 3D: the camera's own position, looking at the target
//!
//! [[at]]                           # actions
//! t = 4.5
//! select = ["35"]                  # nodes; [] clears the selection
//! hops = 2                         # K of the highlight (default 1); alone, changes K
//! direction = "both"               # out, in or both
//! [[at]]
//! t = 5.0
//! caption = "The 2-hop neighbourhood of paper 35"
//! for = 3.0                        # seconds shown (default: until the next caption)
//! [[at]]
//! t = 6.0
//! collapse = 1                     # every group 1 level down becomes one node; expand = true undoes it
//! [[at]]
//! t = 8.0
//! bundle = true                    # edges glide into bundles (false: back to straight)
//! ```

use std::path::Path;

use glam::{Vec2, Vec3};
use serde::Deserialize;

use crate::geom::{Bounds, Dim};
use crate::graph::{Direction, Graph};
use crate::layout::layered;
use crate::render::Camera;

use super::VideoError;

/// How long the title card stays, in seconds (it fades out over the last half second).
pub const TITLE_SECONDS: f32 = 3.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TourFile {
    title: Option<String>,
    subtitle: Option<String>,
    duration: Option<f32>,
    #[serde(default)]
    key: Vec<KeySpec>,
    #[serde(default)]
    at: Vec<ActionSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    t: f32,
    look_at: Option<String>,
    target: Option<[f32; 3]>,
    eye: Option<[f32; 3]>,
    radius: Option<f32>,
    zoom: Option<f32>,
    yaw: Option<f32>,
    pitch: Option<f32>,
    #[serde(default)]
    ease: Ease,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionSpec {
    t: f32,
    select: Option<Vec<String>>,
    hops: Option<u32>,
    direction: Option<Direction>,
    caption: Option<String>,
    #[serde(rename = "for")]
    seconds: Option<f32>,
    collapse: Option<usize>,
    expand: Option<bool>,
    bundle: Option<bool>,
}

/// How a move into a keyframe speeds up and slows down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ease {
    Linear,
    /// Slow at both ends.
    #[default]
    Smooth,
    /// Slow start.
    In,
    /// Slow end.
    Out,
}

impl Ease {
    pub fn apply(self, t: f32) -> f32 {
        match self {
            Ease::Linear => t,
            Ease::Smooth => t * t * (3.0 - 2.0 * t),
            Ease::In => t * t,
            Ease::Out => t * (2.0 - t),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub t: f32,
    pub camera: Camera,
    pub ease: Ease,
}

/// Something that happens at a moment of the tour.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Select these nodes (none: clear) and highlight their neighbourhood.
    Select { seeds: Vec<u32>, hops: Option<u32>, direction: Option<Direction> },
    /// Change K or the direction of the current highlight.
    Highlight { hops: Option<u32>, direction: Option<Direction> },
    /// Show a caption until `until` seconds.
    Caption { text: String, until: f32 },
    /// Collapse every group at this depth into one node (`None`: expand all).
    Collapse(Option<usize>),
    /// Morph the edges into their bundles (`true`) or back to straight lines.
    Bundle(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    pub title: Option<(String, Option<String>)>,
    pub duration: f32,
    /// At least one, in time order.
    pub keys: Vec<Key>,
    /// In time order.
    pub events: Vec<(f32, Event)>,
}

/// What a tour needs to know of the laid-out graph to resolve names and frame things.
pub struct Stage<'a> {
    pub graph: &'a Graph,
    pub positions: &'a [[f32; 4]],
    pub dim: Dim,
    pub viewport: Vec2,
    /// The smallest radius to frame around one node, in world units.
    pub min_radius: f32,
}

impl Stage<'_> {
    /// What a stretch of a model's nodes is: the group of its middle node and its most
    /// frequent operator types, "encoder › layers.0 › self_attn · 3 transpose, 3 view".
    fn describe(&self, stretch: &[u32]) -> String {
        let graph = self.graph;
        let middle = stretch[stretch.len() / 2];
        let place = match graph.groups.group_of(middle) {
            Some(group) => graph.groups.path(group).join(" › "),
            None => graph.node_name(middle),
        };
        let (Some(classes), Some(names)) = (&graph.nodes.classes, &graph.nodes.class_names) else { return place };
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for &v in stretch {
            if let Some(name) = usize::try_from(classes[v as usize]).ok().and_then(|c| names.get(c)) {
                *counts.entry(name).or_default() += 1;
            }
        }
        let mut kinds: Vec<(&str, usize)> = counts.into_iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let kinds: Vec<String> = kinds.iter().take(3).map(|(name, count)| format!("{count} {name}")).collect();
        if kinds.is_empty() { place } else { format!("{place} · {}", kinds.join(", ")) }
    }

    fn point(&self, v: u32) -> Vec3 {
        Vec3::from_slice(&self.positions[v as usize][..3])
    }

    fn whole(&self) -> Camera {
        Camera::fit(&Bounds::of(self.positions), self.dim, self.viewport)
    }

    /// The camera that frames `nodes` (the whole graph when empty) around `centre`
    /// (default: their mean): the `share` of them nearest it fill the view, so a few far
    /// ones do not zoom it out.
    fn framing(&self, nodes: &[u32], centre: Option<u32>, share: f32) -> Camera {
        if nodes.is_empty() {
            return self.whole();
        }
        let points: Vec<Vec3> = nodes.iter().map(|&v| self.point(v)).collect();
        let centre = centre.map_or_else(|| points.iter().sum::<Vec3>() / points.len() as f32, |v| self.point(v));
        let mut distances: Vec<f32> = points.iter().map(|p| p.distance(centre)).collect();
        let nearest = ((distances.len() - 1) as f32 * share) as usize;
        let (_, radius, _) = distances.select_nth_unstable_by(nearest, f32::total_cmp);
        let radius = Vec3::splat(radius.max(self.min_radius));
        Camera::fit(&Bounds { min: centre - radius, max: centre + radius }, self.dim, self.viewport)
    }

    /// The nodes `name` means: a group's members, else one node.
    fn resolve(&self, name: &str) -> Result<Vec<u32>, String> {
        match self.graph.groups.find(name) {
            Ok(g) => {
                Some(self.graph.groups.members(g)).filter(|m| !m.is_empty()).ok_or(format!("group '{name}' is empty"))
            }
            Err(group_error) => match self.graph.find_node(name) {
                Ok(v) => Ok(vec![v]),
                Err(_) if !self.graph.groups.groups.is_empty() => Err(group_error),
                Err(node_error) => Err(node_error.to_string()),
            },
        }
    }
}

impl Tour {
    /// Reads a tour file and resolves its names against the graph on `stage`; `duration`
    /// overrides the file's.
    pub fn load(path: &Path, stage: &Stage, duration: Option<f32>) -> Result<Tour, VideoError> {
        let text = std::fs::read_to_string(path).map_err(|e| VideoError::io(path, "read the tour", e))?;
        Tour::parse(&text, stage, duration).map_err(|message| VideoError::Tour { path: path.to_owned(), message })
    }

    /// Parses and resolves a tour; errors name the entry (`key 2`, `at 1`) and the problem.
    pub fn parse(text: &str, stage: &Stage, duration: Option<f32>) -> Result<Tour, String> {
        let file: TourFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.key.is_empty() {
            return Err("a tour needs at least one [[key]]".into());
        }
        let mut keys = Vec::with_capacity(file.key.len());
        for (i, spec) in file.key.iter().enumerate() {
            let key = spec.resolve(stage).map_err(|e| format!("key {} (t = {}): {e}", i + 1, spec.t))?;
            if keys.last().is_some_and(|last: &Key| key.t <= last.t) {
                return Err(format!("key {}: t = {} is not after the key before it", i + 1, spec.t));
            }
            keys.push(key);
        }
        let last_key = keys.last().expect("at least one").t;
        let duration = duration.or(file.duration).unwrap_or(last_key);
        if !(duration.is_finite() && duration > 0.0) {
            return Err(format!(
                "the duration must be positive, not {duration} (set duration = SECONDS, or pass --duration)"
            ));
        }
        let mut events = Vec::new();
        let mut specs: Vec<&ActionSpec> = file.at.iter().collect();
        specs.sort_by(|a, b| a.t.total_cmp(&b.t));
        for (i, spec) in file.at.iter().enumerate() {
            if !(spec.t.is_finite() && spec.t >= 0.0) {
                return Err(format!("at {}: t must be 0 or more, not {}", i + 1, spec.t));
            }
            let event =
                spec.resolve(stage, &specs, duration).map_err(|e| format!("at {} (t = {}): {e}", i + 1, spec.t))?;
            events.push((spec.t, event));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let title = file.title.map(|t| (t, file.subtitle));
        Ok(Tour { title, duration, keys, events })
    }

    /// A tour made up for the graph: for a model, a fly-through from its inputs to its
    /// outputs, a stop at each stretch of layers; for other graphs, an orbit around it in
    /// 3D, or in 2D a visit to the best-connected node and its 2-hop neighbourhood.
    pub fn automatic(stage: &Stage, is_model: bool, duration: f32, title: (String, Option<String>)) -> Tour {
        let whole = stage.whole();
        let n = stage.graph.node_count() as usize;
        let key = |t: f32, camera: Camera| Key { t, camera, ease: Ease::Smooth };
        let mut events = Vec::new();
        let keys = if n == 0 {
            vec![key(0.0, whole)]
        } else if is_model {
            // Stops along the layers, one a second, between views of the whole; each
            // centres on the middle node of its stretch, the nearest third of it in view.
            let layer = layered::layer_of(stage.graph);
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&v| layer[v as usize]);
            let stops = (duration as usize).saturating_sub(2).clamp(1, 24).min(n);
            let ends = duration * 0.12;
            let mut keys = vec![key(0.0, whole), key(ends, whole)];
            let spacing = (duration - 2.0 * ends) / stops as f32;
            for s in 0..stops {
                let stretch = &order[s * n / stops..(s + 1) * n / stops];
                let t = ends + spacing * (s as f32 + 0.5);
                keys.push(key(t, stage.framing(stretch, Some(stretch[stretch.len() / 2]), 0.3)));
                // Each stop says what it shows while the camera is near it.
                let text = stage.describe(stretch);
                events.push((t - 0.35 * spacing, Event::Caption { text, until: t + 0.35 * spacing }));
            }
            keys.push(key(duration, whole));
            keys
        } else if stage.dim == Dim::Three {
            let Camera::Orbit { target, distance, yaw, pitch } = whole else { unreachable!("3D fits an orbit") };
            (0..=4)
                .map(|i| {
                    let yaw = yaw + std::f32::consts::TAU * i as f32 / 4.0;
                    Key {
                        t: duration * i as f32 / 4.0,
                        camera: Camera::Orbit { target, distance, yaw, pitch },
                        ease: Ease::Linear,
                    }
                })
                .collect()
        } else {
            let both = stage.graph.csr(Direction::Both);
            let hub = (0..n as u32).max_by_key(|&v| (both.degree(v), std::cmp::Reverse(v))).expect("nodes");
            let hops = crate::graph::bfs::hops(&both, &[hub], 2);
            let near: Vec<u32> = (0..n as u32).filter(|&v| hops[v as usize] != crate::graph::bfs::UNREACHED).collect();
            let close = stage.framing(&near, Some(hub), 0.9);
            let name = stage.graph.node_name(hub);
            events.push((0.3 * duration, Event::Select { seeds: vec![hub], hops: Some(2), direction: None }));
            events.push((
                0.3 * duration,
                Event::Caption { text: format!("The 2-hop neighbourhood of {name}"), until: 0.8 * duration },
            ));
            events.push((0.85 * duration, Event::Select { seeds: Vec::new(), hops: None, direction: None }));
            vec![
                key(0.0, whole),
                key(0.25 * duration, whole),
                key(0.45 * duration, close),
                key(0.75 * duration, close),
                key(duration, whole),
            ]
        };
        Tour { title: Some(title), duration, keys, events }
    }

    /// The camera at `t` seconds: the keyframes eased into one another, the first before
    /// it and the last after it.
    pub fn camera_at(&self, t: f32) -> Camera {
        let next = self.keys.partition_point(|k| k.t <= t);
        match (next.checked_sub(1).map(|i| &self.keys[i]), self.keys.get(next)) {
            (Some(a), Some(b)) => a.camera.lerp(&b.camera, b.ease.apply((t - a.t) / (b.t - a.t))),
            (Some(a), None) => a.camera,
            (None, Some(b)) => b.camera,
            (None, None) => unreachable!("a tour has a key"),
        }
    }
}

/// Tour text written from the window: keyframes of the camera (linear moves between them)
/// and the selections made, for `netlens record --tour`.
pub struct TourWriter {
    text: String,
    keys: usize,
    last_t: f32,
}

impl TourWriter {
    pub fn new(comment: &str) -> TourWriter {
        TourWriter { text: format!("# {comment}\n"), keys: 0, last_t: -1.0 }
    }

    pub fn keys(&self) -> usize {
        self.keys
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends `camera`, as seen in a `viewport`, as the keyframe at `t` seconds.
    pub fn key(&mut self, t: f32, camera: &Camera, viewport: Vec2) {
        use std::fmt::Write;
        let t = t.max(self.last_t + 0.01); // keys must follow one another
        self.last_t = t;
        let radius = camera.framed_radius(viewport);
        let (target, turn) = match *camera {
            Camera::Flat { center, .. } => (center.extend(0.0), String::new()),
            Camera::Orbit { target, yaw, pitch, .. } => {
                (target, format!("yaw = {:.3}\npitch = {:.3}\n", yaw.to_degrees(), pitch.to_degrees()))
            }
        };
        let [x, y, z] = target.to_array();
        let _ = write!(
            self.text,
            "\n[[key]]\nt = {t:.3}\ntarget = [{x}, {y}, {z}]\nradius = {radius}\n{turn}ease = \"linear\"\n"
        );
        self.keys += 1;
    }

    /// Appends a selection of the nodes `ids` (names or indices; none clears it) with K
    /// hops at `t` seconds.
    pub fn select(&mut self, t: f32, ids: &[String], hops: u32) {
        use std::fmt::Write;
        let ids: Vec<String> = ids.iter().map(|id| toml::Value::String(id.clone()).to_string()).collect();
        let _ = write!(self.text, "\n[[at]]\nt = {t:.3}\nselect = [{}]\nhops = {hops}\n", ids.join(", "));
    }
}

impl KeySpec {
    fn resolve(&self, stage: &Stage) -> Result<Key, String> {
        if !(self.t.is_finite() && self.t >= 0.0) {
            return Err(format!("t must be 0 or more, not {}", self.t));
        }
        let mut camera = match (&self.look_at, self.target) {
            (Some(_), Some(_)) => return Err("give look_at or target, not both".into()),
            (Some(name), None) => stage.framing(&stage.resolve(name)?, None, 0.9),
            (None, Some(point)) => {
                let radius = self.radius.unwrap_or(stage.min_radius);
                stage.whole().focus(Vec3::from(point), radius, stage.viewport)
            }
            (None, None) => stage.whole(),
        };
        if let Some(zoom) = self.zoom {
            if !(zoom.is_finite() && zoom > 0.0) {
                return Err(format!("zoom must be positive, not {zoom}"));
            }
            match &mut camera {
                Camera::Flat { pixels_per_unit, .. } => *pixels_per_unit *= zoom,
                Camera::Orbit { distance, .. } => *distance /= zoom,
            }
        }
        if let Some(eye) = self.eye {
            if self.zoom.is_some() || self.yaw.is_some() || self.pitch.is_some() || self.radius.is_some() {
                return Err("eye places the camera: drop zoom, radius, yaw and pitch".into());
            }
            return match camera {
                Camera::Orbit { target, .. } => {
                    Ok(Key { t: self.t, camera: Camera::looking(Vec3::from(eye), target), ease: self.ease })
                }
                Camera::Flat { .. } => Err("eye places a 3D camera: record with --dim 3".into()),
            };
        }
        match &mut camera {
            Camera::Orbit { yaw, pitch, .. } => {
                if let Some(degrees) = self.yaw {
                    *yaw = degrees.to_radians();
                }
                if let Some(degrees) = self.pitch {
                    *pitch = degrees.to_radians().clamp(-1.5, 1.5);
                }
            }
            Camera::Flat { .. } if self.yaw.is_some() || self.pitch.is_some() => {
                return Err("yaw and pitch turn a 3D view: record with --dim 3".into());
            }
            Camera::Flat { .. } => {}
        }
        Ok(Key { t: self.t, camera, ease: self.ease })
    }
}

impl ActionSpec {
    /// The event; `all` (sorted by time) finds when a caption gives way to the next.
    fn resolve(&self, stage: &Stage, all: &[&ActionSpec], duration: f32) -> Result<Event, String> {
        let hops = self.hops.filter(|&k| k > crate::khop::MAX_HOPS);
        if let Some(k) = hops {
            return Err(format!("hops = {k} is more than {}", crate::khop::MAX_HOPS));
        }
        let given = [
            self.select.is_some(),
            self.caption.is_some(),
            self.collapse.is_some(),
            self.expand.is_some(),
            self.bundle.is_some(),
        ];
        if given.iter().filter(|&&g| g).count() > 1 {
            return Err("one action per [[at]]: select, caption, collapse, expand or bundle".into());
        }
        if let Some(on) = self.bundle {
            return Ok(Event::Bundle(on));
        }
        if (self.collapse.is_some() || self.expand.is_some()) && stage.graph.groups.groups.is_empty() {
            return Err("the graph has no groups to collapse or expand".into());
        }
        if let Some(depth) = self.collapse {
            return Ok(Event::Collapse(Some(depth)));
        }
        if let Some(expand) = self.expand {
            return if expand { Ok(Event::Collapse(None)) } else { Err("expand = false does nothing".into()) };
        }
        match (&self.select, &self.caption) {
            (Some(_), Some(_)) => unreachable!("checked above"),
            (Some(ids), None) => {
                let mut seeds = Vec::new();
                for id in ids {
                    seeds.extend(stage.resolve(id)?);
                }
                Ok(Event::Select { seeds, hops: self.hops, direction: self.direction })
            }
            (None, Some(text)) => {
                let next = all.iter().find(|a| a.caption.is_some() && a.t > self.t).map_or(duration, |a| a.t);
                let until = match self.seconds {
                    Some(s) if !(s.is_finite() && s > 0.0) => return Err(format!("for must be positive, not {s}")),
                    Some(s) => (self.t + s).min(next),
                    None => next,
                };
                Ok(Event::Caption { text: text.clone(), until })
            }
            (None, None) if self.hops.is_some() || self.direction.is_some() => {
                Ok(Event::Highlight { hops: self.hops, direction: self.direction })
            }
            (None, None) => {
                Err("nothing to do: give select, hops, direction, caption, collapse, expand or bundle".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tour_of(graph: &Graph, positions: &[[f32; 4]]) -> Tour {
        let stage = Stage { graph, positions, dim: Dim::Two, viewport: Vec2::new(200.0, 100.0), min_radius: 0.1 };
        let text = "duration = 4\n[[key]]\nt = 0\n[[key]]\nt = 2\ntarget = [1, 0, 0]\nradius = 0.5\nease = \"linear\"\n\
                    [[at]]\nt = 1\ncaption = \"a\"\n[[at]]\nt = 3\ncaption = \"b\"\nfor = 5\n";
        Tour::parse(text, &stage, None).unwrap()
    }

    #[test]
    fn keys_interpolate_and_captions_end_at_the_next() {
        let mut graph = Graph::with_nodes(2, false);
        graph.push_edge(0, 1);
        let positions = [[-1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]];
        let tour = tour_of(&graph, &positions);
        assert_eq!(tour.duration, 4.0);
        assert_eq!(tour.camera_at(0.0), tour.keys[0].camera);
        assert_eq!(tour.camera_at(2.0), tour.keys[1].camera);
        assert_eq!(tour.camera_at(3.5), tour.keys[1].camera, "the last key holds");
        let (Camera::Flat { center: a, .. }, Camera::Flat { center: b, .. }, Camera::Flat { center: mid, .. }) =
            (tour.camera_at(0.0), tour.camera_at(2.0), tour.camera_at(1.0))
        else {
            panic!("2D cameras")
        };
        assert!((mid - (a + b) / 2.0).length() < 1e-5, "linear easing: halfway at half time");
        let captions: Vec<f32> = tour
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Caption { until, .. } => Some(*until),
                _ => None,
            })
            .collect();
        assert_eq!(captions, [3.0, 4.0], "a caption lasts until the next, for its own time, or to the end");
    }
}
