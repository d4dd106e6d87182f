//! What the keys, the mouse and the side panel ask for, carried out on the window's state.

use super::*;

impl State {
    pub(super) fn apply(&mut self, action: Action) -> Result<(), GpuError> {
        let viewport = self.viewport();
        match action {
            Action::Pan(_) | Action::Orbit(_) | Action::Zoom { .. }
                if !self.rig.fly && self.pointer.and_then(|p| self.in_linked(p)).is_some() =>
            {
                let local = self.pointer.and_then(|p| self.in_linked(p));
                let zoom_at = match action {
                    Action::Zoom { at, .. } => at.and_then(|a| self.in_linked(a)).or(local),
                    _ => None,
                };
                let linked = self.linked.as_mut().expect("a split has an embedding view");
                let size = linked.size();
                let view = Vec2::new(size.0 as f32, size.1 as f32);
                match action {
                    Action::Pan(delta) | Action::Orbit(delta) => linked.camera.pan(delta, view),
                    Action::Zoom { factor, .. } => linked.camera.zoom(factor, zoom_at.unwrap_or(view * 0.5), view),
                    _ => unreachable!("matched above"),
                }
                self.surface.window.request_redraw();
                return Ok(());
            }
            Action::Pan(_) | Action::Orbit(_) | Action::Zoom { .. } => {
                self.rig.handle(&action, viewport);
            }
            Action::Fit => {
                self.rig.fit(self.fitted());
                self.resize_linked(true);
            }
            Action::TogglePause => self.session.paused = !self.session.paused,
            Action::Click { at, add } => {
                let hit = self.pick(at)?;
                match hit {
                    Some(Hit::Node(v)) => self.select(vec![v], add)?,
                    Some(Hit::Edge(e)) => {
                        let graph = self.session.graph();
                        let ends = vec![graph.src[e as usize], graph.dst[e as usize]];
                        self.select(ends, add)?
                    }
                    None if !add => self.select(Vec::new(), false)?,
                    None => {}
                }
            }
            Action::Hover(Some(at)) => {
                self.hover_at = Some(at);
                self.pointer = Some(at);
            }
            Action::Hover(None) => {
                self.hover_at = None;
                self.hover = None;
                self.pointer = None;
            }
            Action::ClearSelection => self.select(Vec::new(), false)?,
            Action::Hops(delta) => {
                self.session.selection.hops =
                    self.session.selection.hops.saturating_add_signed(delta).min(SLIDER_MAX_HOPS);
                self.update_selection()?;
            }
            Action::FlyToSelection => self.fly_to_selection(),
            Action::ToggleFly => self.rig.fly = !self.rig.fly,
            Action::ToggleBundle => self.toggle_bundle(),
            Action::Screenshot => self.screenshot()?,
            Action::RecordTour => self.toggle_capture(),
            Action::NextEmbedding => {
                if let Some(linked) = &mut self.linked {
                    linked.next(&self.gpu, &self.renderer, &self.session.full_graph)?;
                    linked.scene.set_colors(&self.gpu.queue, &self.session.color_by.colors(&self.session.full_graph));
                    linked.mirror(&self.gpu, &self.session.shown.view.scene);
                }
            }
            Action::AddKeyframe => self.add_keyframe(),
            Action::ToggleTraining => {
                if let Some(training) = &mut self.training {
                    training.toggle();
                }
            }
            Action::Quit => {} // handled by the event loop
        }
        self.surface.window.request_redraw();
        Ok(())
    }

    pub(super) fn apply_ui(&mut self, action: UiAction) -> Result<(), GpuError> {
        match action {
            UiAction::Select { nodes, fly } => {
                self.select(nodes, false)?;
                if fly {
                    self.fly_to_selection();
                }
            }
            UiAction::SetHops(k) => {
                self.session.selection.hops = k;
                self.update_selection()?;
            }
            UiAction::SetDirection(direction) => {
                self.session.selection.direction = direction;
                self.update_selection()?;
            }
            UiAction::ColorBy(color_by) => {
                let colors = color_by.colors(self.session.graph());
                self.session.shown.view.scene.set_colors(&self.gpu.queue, &colors);
                if let Some(linked) = &self.linked {
                    linked.scene.set_colors(&self.gpu.queue, &colors);
                }
                self.session.color_by = color_by;
            }
            UiAction::SizeBy(size_by) => {
                self.session.size_by = size_by;
                self.session.shown.view.scene.set_sizes(&self.gpu.queue, &self.sizes());
            }
            UiAction::Collapse(_) if self.linked.is_some() => {
                self.message = "groups stay expanded beside an embedding (one row per node)".into();
            }
            UiAction::Collapse(depth) => {
                let collapsed = depth.map(|d| {
                    let at_depth = (0..self.session.full_graph.groups.len() as GroupId)
                        .filter(|&g| self.session.full_graph.groups.depth(g) == d)
                        .collect();
                    Collapsed::new(&self.session.full_graph, at_depth, Some(d))
                });
                self.set_collapsed(collapsed)?;
            }
            UiAction::CollapseGroup(_) | UiAction::ExpandGroup(_) if self.linked.is_some() => {
                self.message = "groups stay expanded beside an embedding (one row per node)".into();
            }
            UiAction::CollapseGroup(path) | UiAction::ExpandGroup(path) => {
                let Ok(group) = self.session.full_graph.groups.find(&path) else {
                    self.message = format!("no group {path}");
                    return Ok(());
                };
                let mut groups = self.session.collapsed.as_ref().map(|c| c.groups.clone()).unwrap_or_default();
                if !groups.remove(&group) {
                    groups.insert(group);
                }
                let collapsed = (!groups.is_empty()).then(|| Collapsed::new(&self.session.full_graph, groups, None));
                self.set_collapsed(collapsed)?;
            }
            UiAction::ToggleDim => {
                self.session.config.dim = match self.session.config.dim {
                    Dim::Two => Dim::Three,
                    Dim::Three => Dim::Two,
                };
                self.reshow(None)?;
            }
            UiAction::TogglePause => self.session.paused = !self.session.paused,
            UiAction::TrainingAt(at) => {
                if let Some(training) = &mut self.training {
                    (training.at, training.playing, training.stale) = (at.clamp(0.0, 1.0), false, true);
                }
            }
            UiAction::TrainingShow(show) => {
                if let Some(training) = &mut self.training {
                    (training.show, training.stale) = (show, true);
                }
            }
            UiAction::ToggleTraining => self.apply(Action::ToggleTraining)?,
            UiAction::ToggleFly => self.rig.fly = !self.rig.fly,
            UiAction::ToggleBundle => self.toggle_bundle(),
            UiAction::Fit => self.apply(Action::Fit)?,
            UiAction::Screenshot => self.screenshot()?,
            UiAction::ScreenshotSvg => self.screenshot_svg()?,
        }
        self.surface.window.request_redraw();
        Ok(())
    }
}
