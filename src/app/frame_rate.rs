//! The window's frame rate as a person sees it: frames actually presented per second,
//! from the times between presents over the last second. Redraws that present nothing
//! (a surface that timed out, an occluded window) do not count, and a window that draws
//! only on change says so instead of showing a rate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back the rate looks.
const WINDOW: Duration = Duration::from_secs(1);

/// Presents in the last [`WINDOW`].
#[derive(Debug, Default)]
pub struct FrameRate {
    presented: VecDeque<Instant>,
}

/// What the window shows of its frame rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Drawing continuously: frames presented per second, and the mean time between them.
    Drawing { fps: f32, frame_ms: f32 },
    /// Fewer than three frames in the last second: the window draws on change.
    OnChange,
}

impl FrameRate {
    /// Notes a frame presented at `at`.
    pub fn presented(&mut self, at: Instant) {
        self.presented.push_back(at);
        while self.presented.front().is_some_and(|&first| at.duration_since(first) > WINDOW) {
            self.presented.pop_front();
        }
    }

    /// The rate as of `now`, over the frames presented in the last second.
    pub fn rate(&self, now: Instant) -> Rate {
        let recent: Vec<Instant> =
            self.presented.iter().copied().filter(|&t| now.saturating_duration_since(t) <= WINDOW).collect();
        match (recent.first(), recent.last()) {
            (Some(&first), Some(&last)) if recent.len() >= 3 && last > first => {
                let span = last.duration_since(first).as_secs_f32();
                let intervals = (recent.len() - 1) as f32;
                Rate::Drawing { fps: intervals / span, frame_ms: 1000.0 * span / intervals }
            }
            _ => Rate::OnChange,
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Drawing { fps, frame_ms } => write!(f, "{fps:.1} fps ({frame_ms:.1} ms a frame)"),
            Rate::OnChange => write!(f, "idle: draws on change"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_presented_frames_in_the_last_second() {
        let start = Instant::now();
        let mut rate = FrameRate::default();
        assert_eq!(rate.rate(start), Rate::OnChange);
        // 25 ms apart: 40 fps, however often the window was asked to redraw in between.
        for i in 0..60 {
            rate.presented(start + Duration::from_millis(25 * i));
        }
        let now = start + Duration::from_millis(25 * 59);
        match rate.rate(now) {
            Rate::Drawing { fps, frame_ms } => {
                assert!((fps - 40.0).abs() < 0.01, "{fps}");
                assert!((frame_ms - 25.0).abs() < 0.01, "{frame_ms}");
            }
            other => panic!("{other:?}"),
        }
        // Two seconds without a frame: the window draws on change.
        assert_eq!(rate.rate(now + Duration::from_secs(2)), Rate::OnChange);
        assert_eq!(Rate::OnChange.to_string(), "idle: draws on change");
    }
}
