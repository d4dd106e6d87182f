//! Cameras: a flat pan/zoom camera for 2D layouts and an orbit camera for 3D, which also
//! flies (moves with its eye, looks around from it). Both give `clip_from_world` for a
//! viewport in pixels; interaction works in pixels, and [`Camera::lerp`] animates between
//! two views.

use glam::camera::rh::{proj::directx as proj, view};
use glam::{Mat4, Vec2, Vec3};

use crate::geom::{Bounds, Dim};

const FOV_Y: f32 = std::f32::consts::FRAC_PI_4;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Camera {
    Flat { center: Vec2, pixels_per_unit: f32 },
    Orbit { target: Vec3, distance: f32, yaw: f32, pitch: f32 },
}

impl Camera {
    /// The camera that shows all of `bounds` with a margin.
    pub fn fit(bounds: &Bounds, dim: Dim, viewport: Vec2) -> Camera {
        let size = bounds.size().max(Vec3::splat(1e-3));
        if dim == Dim::Three {
            // Back off until every corner of the box is inside the frustum, with a margin:
            // a flat or long box fills the frame instead of its bounding sphere.
            let (yaw, pitch) = (0.6f32, 0.35f32);
            let toward_eye = Vec3::new(pitch.cos() * yaw.sin(), pitch.sin(), pitch.cos() * yaw.cos());
            let right = (-toward_eye).cross(Vec3::Y).normalize();
            let up = right.cross(-toward_eye);
            let tan_y = (FOV_Y * 0.5).tan();
            let tan_x = tan_y * viewport.x / viewport.y.max(1.0);
            let distance = (0..8)
                .map(|k| {
                    let corner = Vec3::new(
                        if k & 1 == 0 { bounds.min.x } else { bounds.max.x },
                        if k & 2 == 0 { bounds.min.y } else { bounds.max.y },
                        if k & 4 == 0 { bounds.min.z } else { bounds.max.z },
                    ) - bounds.center();
                    let depth = corner.dot(toward_eye);
                    (depth + corner.dot(right).abs() / tan_x).max(depth + corner.dot(up).abs() / tan_y)
                })
                .fold(size.length() * 0.05, f32::max)
                * 1.08;
            Camera::Orbit { target: bounds.center(), distance, yaw, pitch }
        } else {
            let pixels_per_unit = (viewport.x / size.x).min(viewport.y / size.y) * 0.94;
            Camera::Flat { center: bounds.center().truncate(), pixels_per_unit }
        }
    }

    pub fn clip_from_world(&self, viewport: Vec2) -> Mat4 {
        match *self {
            Camera::Flat { center, pixels_per_unit } => {
                let half = viewport * 0.5 / pixels_per_unit;
                proj::orthographic(
                    center.x - half.x,
                    center.x + half.x,
                    center.y - half.y,
                    center.y + half.y,
                    -1.0,
                    1.0,
                )
            }
            Camera::Orbit { target, distance, .. } => {
                let eye = self.eye();
                let world_to_view = view::look_at_mat4(eye, target, Vec3::Y);
                proj::perspective(FOV_Y, viewport.x / viewport.y.max(1.0), distance * 0.01, distance * 10.0)
                    * world_to_view
            }
        }
    }

    /// Pixels per world unit at the target: the flat scale, or the focal length over the
    /// distance. Node sizes derive from it.
    pub fn focal_px(&self, viewport: Vec2) -> f32 {
        match *self {
            Camera::Flat { pixels_per_unit, .. } => pixels_per_unit,
            Camera::Orbit { .. } => viewport.y * 0.5 / (FOV_Y * 0.5).tan(),
        }
    }

    /// The pixel where `point` appears (y down), or `None` behind the camera.
    pub fn project(&self, point: Vec3, viewport: Vec2) -> Option<Vec2> {
        let clip = self.clip_from_world(viewport) * point.extend(1.0);
        if clip.w <= 1e-6 || clip.z < 0.0 {
            return None;
        }
        let ndc = clip.truncate().truncate() / clip.w;
        Some(Vec2::new((ndc.x + 1.0) * 0.5 * viewport.x, (1.0 - ndc.y) * 0.5 * viewport.y))
    }

    /// A camera centred on `point`, close enough that a sphere of `radius` around it fills
    /// about a third of the view; the orbit keeps its direction.
    pub fn focus(&self, point: Vec3, radius: f32, viewport: Vec2) -> Camera {
        let radius = radius.max(1e-6);
        match *self {
            Camera::Flat { .. } => {
                Camera::Flat { center: point.truncate(), pixels_per_unit: viewport.min_element() / (6.0 * radius) }
            }
            Camera::Orbit { yaw, pitch, .. } => {
                let distance = 3.0 * radius / (FOV_Y * 0.5).tan();
                Camera::Orbit { target: point, distance, yaw, pitch }
            }
        }
    }

    /// The orbit camera at `eye` looking at `target`.
    pub fn looking(eye: Vec3, target: Vec3) -> Camera {
        let offset = eye - target;
        let distance = offset.length().max(1e-6);
        let pitch = (offset.y / distance).clamp(-1.0, 1.0).asin().clamp(-1.5, 1.5);
        Camera::Orbit { target, distance, yaw: offset.x.atan2(offset.z), pitch }
    }

    /// The radius that [`Camera::focus`] frames to give this camera's closeness.
    pub fn framed_radius(&self, viewport: Vec2) -> f32 {
        match *self {
            Camera::Flat { pixels_per_unit, .. } => viewport.min_element() / (6.0 * pixels_per_unit),
            Camera::Orbit { distance, .. } => distance * (FOV_Y * 0.5).tan() / 3.0,
        }
    }

    /// A camera like `self` centred on the mean of `points`, their spread from it (at least
    /// `min_radius`) filling about a third of the view; `None` without points.
    pub fn frame(&self, points: &[Vec3], min_radius: f32, viewport: Vec2) -> Option<Camera> {
        if points.is_empty() {
            return None;
        }
        let centre = points.iter().sum::<Vec3>() / points.len() as f32;
        let spread = points.iter().map(|p| p.distance(centre)).fold(0.0, f32::max);
        Some(self.focus(centre, spread.max(min_radius), viewport))
    }

    /// The camera `t` (0..=1) of the way from `self` to `to`: positions linearly, scales
    /// geometrically, so a zoom feels even. Different kinds jump at the end.
    pub fn lerp(&self, to: &Camera, t: f32) -> Camera {
        let geometric = |a: f32, b: f32| a * (b / a).powf(t);
        match (*self, *to) {
            (Camera::Flat { center: c0, pixels_per_unit: s0 }, Camera::Flat { center: c1, pixels_per_unit: s1 }) => {
                Camera::Flat { center: c0.lerp(c1, t), pixels_per_unit: geometric(s0, s1) }
            }
            (
                Camera::Orbit { target: t0, distance: d0, yaw: y0, pitch: p0 },
                Camera::Orbit { target: t1, distance: d1, yaw: y1, pitch: p1 },
            ) => Camera::Orbit {
                target: t0.lerp(t1, t),
                distance: geometric(d0, d1),
                yaw: y0 + (y1 - y0) * t,
                pitch: p0 + (p1 - p0) * t,
            },
            _ if t >= 1.0 => *to,
            _ => *self,
        }
    }

    /// Flies: moves by `motion` (right, up, forward) in units of the view's size (the
    /// distance to the target in 3D, the visible height in 2D, where forward zooms).
    pub fn fly(&mut self, motion: Vec3, viewport: Vec2) {
        let eye = self.eye();
        match self {
            Camera::Flat { .. } => {
                let pixels = Vec2::new(-motion.x, motion.y) * viewport.y;
                self.pan(pixels, viewport);
                self.zoom((motion.z * 2.0).exp(), viewport * 0.5, viewport);
            }
            Camera::Orbit { target, distance, .. } => {
                let forward = (*target - eye).normalize();
                let right = forward.cross(Vec3::Y).normalize_or(Vec3::X);
                let up = right.cross(forward);
                *target += (right * motion.x + up * motion.y + forward * motion.z) * *distance;
            }
        }
    }

    /// Turns the view around the eye by a drag of `delta` pixels (mouse look); the flat
    /// camera pans.
    pub fn look(&mut self, delta: Vec2, viewport: Vec2) {
        let eye = self.eye();
        match self {
            Camera::Flat { .. } => self.pan(delta, viewport),
            Camera::Orbit { target, distance, yaw, pitch } => {
                *yaw += delta.x * 0.004;
                *pitch = (*pitch - delta.y * 0.004).clamp(-1.5, 1.5);
                let back = Vec3::new(pitch.cos() * yaw.sin(), pitch.sin(), pitch.cos() * yaw.cos());
                *target = eye - back * *distance;
            }
        }
    }

    fn eye(&self) -> Vec3 {
        match *self {
            Camera::Flat { center, .. } => center.extend(1.0),
            Camera::Orbit { target, distance, yaw, pitch } => {
                target + distance * Vec3::new(pitch.cos() * yaw.sin(), pitch.sin(), pitch.cos() * yaw.cos())
            }
        }
    }

    /// Moves the view by a drag of `delta` pixels (screen y down).
    pub fn pan(&mut self, delta: Vec2, viewport: Vec2) {
        let eye = self.eye();
        match self {
            Camera::Flat { center, pixels_per_unit } => {
                *center += Vec2::new(-delta.x, delta.y) / *pixels_per_unit;
            }
            Camera::Orbit { target, distance, .. } => {
                let forward = (*target - eye).normalize();
                let right = forward.cross(Vec3::Y).normalize_or(Vec3::X);
                let up = right.cross(forward);
                let scale = 2.0 * *distance * (FOV_Y * 0.5).tan() / viewport.y;
                *target += (-delta.x * right + delta.y * up) * scale;
            }
        }
    }

    /// Zooms by `factor` (> 1 zooms in), keeping the world point under `at_px` fixed in 2D.
    pub fn zoom(&mut self, factor: f32, at_px: Vec2, viewport: Vec2) {
        match self {
            Camera::Flat { center, pixels_per_unit } => {
                let offset = Vec2::new(at_px.x - viewport.x * 0.5, viewport.y * 0.5 - at_px.y);
                let before = *center + offset / *pixels_per_unit;
                *pixels_per_unit *= factor;
                *center = before - offset / *pixels_per_unit;
            }
            Camera::Orbit { distance, .. } => *distance /= factor,
        }
    }

    /// Turns the orbit camera by a drag of `delta` pixels; pans the flat one.
    pub fn orbit(&mut self, delta: Vec2, viewport: Vec2) {
        match self {
            Camera::Flat { .. } => self.pan(delta, viewport),
            Camera::Orbit { yaw, pitch, .. } => {
                *yaw -= delta.x * 0.008;
                *pitch = (*pitch + delta.y * 0.008).clamp(-1.5, 1.5);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looking_puts_the_eye_where_asked() {
        let (eye, target) = (Vec3::new(3.0, 2.0, -4.0), Vec3::new(1.0, 0.5, 0.0));
        assert!((Camera::looking(eye, target).eye() - eye).length() < 1e-5);
    }

    #[test]
    fn fit_puts_bounds_inside_clip_space() {
        let bounds = Bounds { min: Vec3::new(-3.0, -1.0, -2.0), max: Vec3::new(5.0, 2.0, 2.0) };
        let viewport = Vec2::new(800.0, 600.0);
        for dim in [Dim::Two, Dim::Three] {
            let three_d = dim == Dim::Three;
            let camera = Camera::fit(&bounds, dim, viewport);
            let m = camera.clip_from_world(viewport);
            for corner in 0..8 {
                let p = Vec3::new(
                    if corner & 1 == 0 { bounds.min.x } else { bounds.max.x },
                    if corner & 2 == 0 { bounds.min.y } else { bounds.max.y },
                    if three_d && corner & 4 != 0 {
                        bounds.max.z
                    } else if three_d {
                        bounds.min.z
                    } else {
                        0.0
                    },
                );
                let clip = m * p.extend(1.0);
                let ndc = clip.truncate() / clip.w;
                assert!(ndc.x.abs() <= 1.0 && ndc.y.abs() <= 1.0 && (0.0..=1.0).contains(&ndc.z), "{three_d} {ndc}");
            }
        }
    }

    #[test]
    fn look_keeps_the_eye_and_fly_moves_it_forward() {
        let viewport = Vec2::new(400.0, 300.0);
        let mut camera = Camera::Orbit { target: Vec3::ZERO, distance: 10.0, yaw: 0.3, pitch: 0.2 };
        let eye = camera.eye();
        camera.look(Vec2::new(50.0, -20.0), viewport);
        assert!((camera.eye() - eye).length() < 1e-4, "mouse look turns around the eye");
        let Camera::Orbit { target, .. } = camera else { unreachable!() };
        let before = camera.eye();
        camera.fly(Vec3::new(0.0, 0.0, 0.1), viewport);
        let moved = camera.eye() - before;
        assert!((moved.length() - 1.0).abs() < 1e-4 && moved.dot(target - before) > 0.0, "{moved}");
        let centre = camera.project(camera.eye() + (target - before).normalize() * 5.0, viewport).unwrap();
        assert!((centre - viewport * 0.5).length() < 1e-2, "straight ahead projects to the centre: {centre}");
    }

    #[test]
    fn lerp_ends_at_both_cameras() {
        let viewport = Vec2::new(400.0, 300.0);
        let a = Camera::Flat { center: Vec2::ZERO, pixels_per_unit: 1.0 };
        let b = a.focus(Vec3::new(4.0, 2.0, 0.0), 0.5, viewport);
        assert_eq!(a.lerp(&b, 0.0), a);
        assert_eq!(a.lerp(&b, 1.0), b);
        let Camera::Flat { pixels_per_unit, .. } = a.lerp(&b, 0.5) else { unreachable!() };
        assert!((pixels_per_unit - 10.0).abs() < 1e-3, "geometric middle of 1 and 100: {pixels_per_unit}");
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        let viewport = Vec2::new(400.0, 300.0);
        let mut camera = Camera::Flat { center: Vec2::ZERO, pixels_per_unit: 10.0 };
        let at = Vec2::new(300.0, 50.0);
        let world = |c: &Camera| {
            let m = c.clip_from_world(viewport).inverse();
            let ndc = Vec2::new(at.x / viewport.x * 2.0 - 1.0, 1.0 - at.y / viewport.y * 2.0);
            (m * ndc.extend(0.5).extend(1.0)).truncate().truncate()
        };
        let before = world(&camera);
        camera.zoom(2.0, at, viewport);
        assert!((world(&camera) - before).length() < 1e-4);
    }
}
