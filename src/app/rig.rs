//! The window's camera rig: the camera, a smooth move to a target ("fly to"), following
//! the layout until the user takes the camera, and fly mode (WASD/QE, drag to look).

use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};

use super::controls::Action;
use crate::render::Camera;

/// How long "fly to" takes.
const TRANSITION: Duration = Duration::from_millis(600);

pub struct CameraRig {
    pub camera: Camera,
    /// A smooth move: from, to, since when.
    transition: Option<(Camera, Camera, Instant)>,
    /// The camera follows the layout until the user moves it.
    follow_layout: bool,
    /// Fly mode: the keys move the camera and a drag turns it.
    pub fly: bool,
    /// Fly speed in view sizes per second.
    fly_speed: f32,
}

impl CameraRig {
    pub fn new(camera: Camera) -> CameraRig {
        CameraRig { camera, transition: None, follow_layout: true, fly: false, fly_speed: 0.5 }
    }

    /// Shows `fitted` and follows the layout from now on.
    pub fn fit(&mut self, fitted: Camera) {
        self.follow_layout = true;
        self.transition = None;
        self.camera = fitted;
    }

    /// Whether the camera still follows the layout (the user has not moved it, and no
    /// move to a target is under way).
    pub fn following(&self) -> bool {
        self.follow_layout && self.transition.is_none()
    }

    /// Moves smoothly to `to`, and stops following the layout.
    pub fn fly_to(&mut self, to: Camera) {
        self.transition = Some((self.camera, to, Instant::now()));
        self.follow_layout = false;
    }

    /// Carries out a pan, orbit or zoom (a drag turns and the wheel sets the speed in fly
    /// mode); the user has the camera from then on. False for other actions.
    pub fn handle(&mut self, action: &Action, viewport: Vec2) -> bool {
        match *action {
            Action::Pan(delta) => self.camera.pan(delta, viewport),
            Action::Orbit(delta) if self.fly => self.camera.look(delta, viewport),
            Action::Orbit(delta) => self.camera.orbit(delta, viewport),
            Action::Zoom { factor, .. } if self.fly => self.fly_speed = (self.fly_speed * factor).clamp(0.01, 20.0),
            Action::Zoom { factor, at } => self.camera.zoom(factor, at.unwrap_or(viewport * 0.5), viewport),
            _ => return false,
        }
        self.follow_layout = false;
        self.transition = None;
        true
    }

    /// Advances fly mode by `dt` seconds of `motion` (the keys held; `boost` with Shift)
    /// and a move in progress.
    pub fn step(&mut self, motion: Vec3, boost: f32, dt: f32, viewport: Vec2) {
        if self.fly && motion != Vec3::ZERO {
            self.camera.fly(motion * self.fly_speed * boost * dt, viewport);
            self.follow_layout = false;
        }
        if let Some((from, to, start)) = self.transition {
            let t = (start.elapsed().as_secs_f32() / TRANSITION.as_secs_f32()).min(1.0);
            self.camera = from.lerp(&to, t * t * (3.0 - 2.0 * t));
            if t >= 1.0 {
                self.transition = None;
            }
        }
    }

    /// Whether the camera moves by itself next frame, given the keys held.
    pub fn moving(&self, motion: Vec3) -> bool {
        self.transition.is_some() || (self.fly && motion != Vec3::ZERO)
    }
}
