//! Mouse and keyboard to camera actions: drag or arrows orbit (3D) or pan (2D),
//! right-drag, Shift-drag or Shift-arrows pan, the wheel zooms at the cursor, +/- zoom,
//! F fits, Space pauses the layout, Esc quits.

use glam::Vec2;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::keyboard::{Key, NamedKey};

/// Pixels an arrow key pans by.
const KEY_PAN: f32 = 60.0;
/// Zoom factor of one wheel notch or key press.
const ZOOM_STEP: f32 = 1.2;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Pan(Vec2),
    Orbit(Vec2),
    Zoom { factor: f32, at: Option<Vec2> },
    Fit,
    TogglePause,
    Quit,
}

#[derive(Debug, Default)]
pub struct Controls {
    cursor: Option<Vec2>,
    left: bool,
    right: bool,
    shift: bool,
}

impl Controls {
    /// Arrow keys orbit, or pan with Shift.
    fn turn(&self, delta: Vec2) -> Action {
        if self.shift { Action::Pan(delta) } else { Action::Orbit(delta) }
    }

    pub fn dragging(&self) -> bool {
        self.left || self.right
    }

    pub fn handle(&mut self, event: &WindowEvent) -> Option<Action> {
        match event {
            WindowEvent::CursorMoved { position, .. } => {
                let p = Vec2::new(position.x as f32, position.y as f32);
                let delta = p - self.cursor.replace(p)?;
                if self.right || (self.left && self.shift) {
                    Some(Action::Pan(delta))
                } else if self.left {
                    Some(Action::Orbit(delta))
                } else {
                    None
                }
            }
            WindowEvent::CursorLeft { .. } => {
                self.cursor = None;
                None
            }
            WindowEvent::MouseInput { state, button, .. } => {
                let pressed = *state == ElementState::Pressed;
                match button {
                    MouseButton::Left => self.left = pressed,
                    MouseButton::Right | MouseButton::Middle => self.right = pressed,
                    _ => {}
                }
                None
            }
            WindowEvent::MouseWheel { delta, .. } => {
                let notches = match delta {
                    MouseScrollDelta::LineDelta(_, y) => *y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / 40.0,
                };
                Some(Action::Zoom { factor: ZOOM_STEP.powf(notches), at: self.cursor })
            }
            WindowEvent::ModifiersChanged(modifiers) => {
                self.shift = modifiers.state().shift_key();
                None
            }
            WindowEvent::KeyboardInput { event, .. } if event.state == ElementState::Pressed => {
                match &event.logical_key {
                    Key::Named(NamedKey::Escape) => Some(Action::Quit),
                    Key::Named(NamedKey::ArrowLeft) => Some(self.turn(Vec2::new(KEY_PAN, 0.0))),
                    Key::Named(NamedKey::ArrowRight) => Some(self.turn(Vec2::new(-KEY_PAN, 0.0))),
                    Key::Named(NamedKey::ArrowUp) => Some(self.turn(Vec2::new(0.0, KEY_PAN))),
                    Key::Named(NamedKey::ArrowDown) => Some(self.turn(Vec2::new(0.0, -KEY_PAN))),
                    Key::Named(NamedKey::Home) => Some(Action::Fit),
                    Key::Named(NamedKey::Space) => Some(Action::TogglePause),
                    Key::Character(c) => match c.as_str() {
                        "+" | "=" => Some(Action::Zoom { factor: ZOOM_STEP, at: None }),
                        "-" | "_" => Some(Action::Zoom { factor: 1.0 / ZOOM_STEP, at: None }),
                        "f" | "F" => Some(Action::Fit),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
