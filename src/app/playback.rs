//! A training run played on the window's edges: where along the run, and the edge values
//! there.

use super::*;

/// Seconds the window's playback of a training run takes from one checkpoint to the next.
pub(super) const SECONDS_PER_CHECKPOINT: f32 = 2.0;

/// A training run played on the full graph's edges.
pub(super) struct Training {
    pub(super) run: Run,
    pub(super) show: Show,
    /// Where along the run, 0 (first checkpoint) to 1 (last).
    pub(super) at: f32,
    pub(super) playing: bool,
    /// The edge values at `at`, and the nearest checkpoint's name.
    pub(super) edges: Vec<f32>,
    pub(super) checkpoint: String,
    /// Whether the scene still lacks `edges` (after a move, or a new scene).
    pub(super) stale: bool,
}

impl Training {
    /// Moves playback on by `dt` seconds; it stops at the last checkpoint.
    pub(super) fn advance(&mut self, dt: f32) {
        if self.playing {
            let span = SECONDS_PER_CHECKPOINT * (self.run.count().max(2) - 1) as f32;
            self.at = (self.at + dt / span).min(1.0);
            self.playing = self.at < 1.0;
            self.stale = true;
        }
    }

    /// Starts or stops playback; from the start again once it has reached the end.
    pub(super) fn toggle(&mut self) {
        if !self.playing && self.at >= 1.0 {
            self.at = 0.0;
        }
        self.playing = !self.playing;
        self.stale = true;
    }
}

impl State {
    /// Plays the training run on by `dt` and gives the scene its edges when they changed:
    /// on the full graph only (a collapsed view shows its own summed weights).
    pub(super) fn step_training(&mut self, dt: f32) {
        let Some(training) = &mut self.training else { return };
        training.advance(dt);
        if training.stale && self.session.collapsed.is_none() {
            let name = training.run.at(training.at, training.show, &mut training.edges);
            if training.checkpoint != name {
                training.checkpoint.clear();
                training.checkpoint.push_str(name);
            }
            self.session.shown.view.scene.set_edge_weights(&self.gpu.queue, &training.edges);
            training.stale = false;
        }
    }
}
