//! Mouse and keyboard to actions. Drag or arrows orbit (3D) or pan (2D); right-drag,
//! Shift-drag or Shift-arrows pan; the wheel zooms at the cursor; +/- zoom; F or Home fits.
//! Click selects a node (Shift-click adds), Backspace clears, [ and ] change K, Enter
//! flies to the selection. V toggles fly mode: WASD/QE move, drag looks, the wheel sets
//! the speed, Shift is fast. Space pauses the layout, P saves a screenshot, R starts and
//! stops writing the camera path into a tour file, K adds the camera to one as a keyframe,
//! N shows the next embedding (netlens gnn), Esc quits.

use glam::{Vec2, Vec3};
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::keyboard::{Key, NamedKey};

/// Pixels an arrow key pans by.
const KEY_PAN: f32 = 60.0;
/// Zoom factor of one wheel notch or key press.
const ZOOM_STEP: f32 = 1.2;
/// A press and release closer than this many pixels is a click, not a drag.
const CLICK_SLOP: f32 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Pan(Vec2),
    Orbit(Vec2),
    Zoom {
        factor: f32,
        at: Option<Vec2>,
    },
    Fit,
    TogglePause,
    /// Draw the edges bundled, or straight again.
    ToggleBundle,
    /// Pick the node at this pixel; `add` keeps the current selection.
    Click {
        at: Vec2,
        add: bool,
    },
    /// The cursor rests here (hover), or left the window (`None`).
    Hover(Option<Vec2>),
    ClearSelection,
    /// Change K by this much.
    Hops(i32),
    FlyToSelection,
    ToggleFly,
    Screenshot,
    /// Start or stop writing the camera's path and the selections into a tour file.
    RecordTour,
    /// Append the camera as a keyframe to this session's tour file.
    AddKeyframe,
    /// Play or pause the training run (T).
    ToggleTraining,
    /// Show the next embedding beside the graph (`netlens gnn` with several).
    NextEmbedding,
    Quit,
}

#[derive(Debug, Default)]
pub struct Controls {
    cursor: Option<Vec2>,
    pressed_at: Option<Vec2>,
    left: bool,
    right: bool,
    shift: bool,
    /// Fly keys held: W, A, S, D, Q, E.
    held: [bool; 6],
}

const FLY_KEYS: [&str; 6] = ["w", "a", "s", "d", "q", "e"];

impl Controls {
    /// Arrow keys orbit, or pan with Shift.
    fn turn(&self, delta: Vec2) -> Action {
        if self.shift { Action::Pan(delta) } else { Action::Orbit(delta) }
    }

    pub fn dragging(&self) -> bool {
        self.left || self.right
    }

    pub fn shift(&self) -> bool {
        self.shift
    }

    /// The direction the held fly keys ask for: (right, up, forward), each -1..=1.
    pub fn fly_motion(&self) -> Vec3 {
        let axis = |plus: usize, minus: usize| self.held[plus] as i32 as f32 - self.held[minus] as i32 as f32;
        Vec3::new(axis(3, 1), axis(5, 4), axis(0, 2))
    }

    /// Forgets held keys and buttons (when the window loses focus).
    pub fn release_all(&mut self) {
        *self = Controls { cursor: self.cursor, ..Default::default() };
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
                    Some(Action::Hover(Some(p)))
                }
            }
            WindowEvent::CursorLeft { .. } => {
                self.cursor = None;
                Some(Action::Hover(None))
            }
            WindowEvent::Focused(false) => {
                self.release_all();
                None
            }
            WindowEvent::MouseInput { state, button, .. } => {
                let pressed = *state == ElementState::Pressed;
                match button {
                    MouseButton::Left => {
                        self.left = pressed;
                        if pressed {
                            self.pressed_at = self.cursor;
                        } else if let (Some(start), Some(at)) = (self.pressed_at.take(), self.cursor)
                            && start.distance(at) < CLICK_SLOP
                        {
                            return Some(Action::Click { at, add: self.shift });
                        }
                    }
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
            WindowEvent::KeyboardInput { event, is_synthetic, .. } => {
                let pressed = event.state == ElementState::Pressed;
                if let Key::Character(c) = &event.logical_key
                    && let Some(i) = FLY_KEYS.iter().position(|k| c.eq_ignore_ascii_case(k))
                {
                    self.held[i] = pressed;
                    return None;
                }
                // A synthetic press is a key already down when the window gained focus
                // (X11): held, not pressed here, so it acts on nothing; the real press
                // that may follow would toggle the same thing back.
                if !pressed || *is_synthetic {
                    return None;
                }
                match &event.logical_key {
                    Key::Named(NamedKey::Escape) => Some(Action::Quit),
                    Key::Named(NamedKey::ArrowLeft) => Some(self.turn(Vec2::new(KEY_PAN, 0.0))),
                    Key::Named(NamedKey::ArrowRight) => Some(self.turn(Vec2::new(-KEY_PAN, 0.0))),
                    Key::Named(NamedKey::ArrowUp) => Some(self.turn(Vec2::new(0.0, KEY_PAN))),
                    Key::Named(NamedKey::ArrowDown) => Some(self.turn(Vec2::new(0.0, -KEY_PAN))),
                    Key::Named(NamedKey::Home) => Some(Action::Fit),
                    Key::Named(NamedKey::Space) => Some(Action::TogglePause),
                    Key::Named(NamedKey::Backspace | NamedKey::Delete) => Some(Action::ClearSelection),
                    Key::Named(NamedKey::Enter) => Some(Action::FlyToSelection),
                    Key::Character(c) => match c.as_str() {
                        "+" | "=" => Some(Action::Zoom { factor: ZOOM_STEP, at: None }),
                        "-" | "_" => Some(Action::Zoom { factor: 1.0 / ZOOM_STEP, at: None }),
                        "f" | "F" => Some(Action::Fit),
                        "]" => Some(Action::Hops(1)),
                        "[" => Some(Action::Hops(-1)),
                        "v" | "V" => Some(Action::ToggleFly),
                        "b" | "B" => Some(Action::ToggleBundle),
                        "p" | "P" => Some(Action::Screenshot),
                        "r" | "R" => Some(Action::RecordTour),
                        "k" | "K" => Some(Action::AddKeyframe),
                        "n" | "N" => Some(Action::NextEmbedding),
                        "t" | "T" => Some(Action::ToggleTraining),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
