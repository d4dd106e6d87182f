//! Capturing what the window shows: a tour written from the camera (R, K) and
//! screenshots as PNG (P) or SVG.

use super::*;

/// How often a tour being recorded (R) takes a keyframe.
pub(super) const CAPTURE_INTERVAL: Duration = Duration::from_millis(250);

/// A tour being written from the window.
pub(super) struct Capture {
    pub(super) writer: TourWriter,
    pub(super) started: Instant,
    pub(super) last_key: Instant,
    pub(super) last_camera: Camera,
}

impl State {
    /// R: starts writing the camera path (a keyframe every [`CAPTURE_INTERVAL`]) and the
    /// selections into a tour, or stops and saves it in the current folder.
    pub(super) fn toggle_capture(&mut self) {
        let viewport = self.viewport();
        match self.capture.take() {
            None => {
                let mut writer =
                    TourWriter::new("recorded in netlens view: netlens record GRAPH --tour THIS_FILE -o tour.mp4");
                writer.key(0.0, &self.rig.camera, viewport);
                let now = Instant::now();
                self.capture = Some(Capture { writer, started: now, last_key: now, last_camera: self.rig.camera });
                self.message = "recording the camera into a tour (R stops)".into();
            }
            Some(mut capture) => {
                capture.writer.key(capture.started.elapsed().as_secs_f32(), &self.rig.camera, viewport);
                let path = fresh_path("netlens-recording", "toml");
                self.message = match std::fs::write(&path, capture.writer.text()) {
                    Ok(()) => format!("saved {}: render it with netlens record --tour", path.display()),
                    Err(e) => format!("cannot write {}: {e}", path.display()),
                };
            }
        }
    }

    /// K: appends the camera as a keyframe, 3 s after the last, to this session's tour file.
    pub(super) fn add_keyframe(&mut self) {
        let viewport = self.viewport();
        let (path, writer) = self.keyframes.get_or_insert_with(|| {
            (fresh_path("netlens-tour", "toml"), TourWriter::new("keyframes added in netlens view with K"))
        });
        writer.key(3.0 * writer.keys() as f32, &self.rig.camera, viewport);
        self.message = match std::fs::write(&*path, writer.text()) {
            Ok(()) => format!("keyframe {} added to {}", writer.keys(), path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
    }

    /// Saves what the window shows (without the panel) as a PNG in the current folder.
    pub(super) fn screenshot(&mut self) -> Result<(), GpuError> {
        let size = self.size();
        let target = OffscreenTarget::new(&self.gpu, size)?;
        let rgba = target.render(&self.gpu, &self.renderer, &self.session.shown.view.scene, &self.rig.camera)?;
        let path = fresh_path("netlens-screenshot", "png");
        self.message = match write_png(&path, size, &rgba) {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
        Ok(())
    }

    /// Writes what the graph's view shows (2D) as `netlens-screenshot.svg`, never
    /// overwriting.
    pub(super) fn screenshot_svg(&mut self) -> Result<(), GpuError> {
        let graph = visible(&self.session.full_graph, &self.session.collapsed);
        let shown = &self.session.shown;
        let colors = self.session.color_by.colors(graph);
        let sizes = self.session.size_by.sizes(graph);
        let paths = match &shown.view.paths {
            Some(paths) if shown.view.scene.bundle_mix >= 0.5 => Some(paths.read(&self.gpu)?),
            _ => None,
        };
        let hops = match shown.view.scene.highlight {
            Some(k) => {
                let bytes = crate::gpu::read_buffer(&self.gpu, shown.view.scene.hops(), graph.node_count() as u64 * 4)?;
                Some((bytemuck::cast_slice::<u8, u32>(&bytes).to_vec(), k))
            }
            None => None,
        };
        let scene = svg::SvgScene {
            graph,
            positions: &shown.view.positions,
            colors: &colors,
            sizes: &sizes,
            style: shown.view.scene.style,
            paths: paths.as_deref(),
            highlight: hops.as_ref().map(|(h, k)| (h.as_slice(), *k)),
            annotations: None,
        };
        let path = fresh_path("netlens-screenshot", "svg");
        self.message = match svg::write(&path, &scene, &self.rig.camera, self.size()) {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        };
        Ok(())
    }
}
