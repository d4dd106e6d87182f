//! CPU reference of bundle.wgsl: the same iteration (clear, integer splat, separable
//! Epanechnikov blur, mean-shift advection, smoothing, resampling) with the same
//! arithmetic, one edge or cell at a time.

use glam::{IVec3, Vec3};

use crate::bundle::{MAX_DEVIATION, MAX_SPLAT, POINTS, Params, SPLAT_SCALE};

const N: usize = POINTS as usize;

/// Bundles the edges `src[i] -> dst[i]` of nodes at `positions` by `schedule`: [`POINTS`]
/// `[x, y, z, density]` rows per edge, as the GPU pass leaves them.
pub fn bundle(src: &[u32], dst: &[u32], positions: &[[f32; 4]], schedule: &[Params]) -> Vec<[f32; 4]> {
    let Some(first) = schedule.first() else { return Vec::new() };
    let cells = first.dims.iter().product::<u32>() as usize;
    let mut points: Vec<[f32; 4]> = Vec::with_capacity(src.len() * N);
    for (&a, &b) in src.iter().zip(dst) {
        let (a, b) = (xyz(positions[a as usize]), xyz(positions[b as usize]));
        for j in 0..N {
            let t = j as f32 / (N - 1) as f32;
            points.push(with_w(a * (1.0 - t) + b * t, 0.0));
        }
    }
    let mut counts = vec![0u32; cells];
    let mut density_a = vec![0f32; cells];
    let mut density_b = vec![0f32; cells];
    for params in schedule {
        let grid = GridView { params };
        counts.iter_mut().for_each(|c| *c = 0);
        for path in points.chunks(N) {
            let (a, b) = (xyz(path[0]), xyz(path[N - 1]));
            let spacing = (b - a).length() / (N - 1) as f32 / params.cell;
            let weight = (spacing.clamp(1.0 / SPLAT_SCALE, MAX_SPLAT / SPLAT_SCALE) * SPLAT_SCALE).round() as u32;
            for p in &path[1..N - 1] {
                let c = grid.cell_of(xyz(*p));
                counts[c] = counts[c].wrapping_add(weight);
            }
        }
        for (c, out) in density_a.iter_mut().enumerate() {
            *out = grid.blur(c, 0, |i| counts[i] as f32) / SPLAT_SCALE;
        }
        for (c, out) in density_b.iter_mut().enumerate() {
            *out = grid.blur(c, 1, |i| density_a[i]);
        }
        for (c, out) in density_a.iter_mut().enumerate() {
            *out = grid.blur(c, 2, |i| density_b[i]);
        }
        for path in points.chunks_mut(N) {
            advance(&grid, &density_a, path);
        }
    }
    points
}

fn xyz(p: [f32; 4]) -> Vec3 {
    Vec3::new(p[0], p[1], p[2])
}

fn with_w(p: Vec3, w: f32) -> [f32; 4] {
    [p.x, p.y, p.z, w]
}

fn mix(a: f32, b: f32, t: f32) -> f32 {
    a * (1.0 - t) + b * t
}

/// The grid geometry of one iteration, as bundle.wgsl reads it from `params`.
struct GridView<'a> {
    params: &'a Params,
}

impl GridView<'_> {
    fn dims(&self) -> IVec3 {
        IVec3::from_array(self.params.dims.map(|d| d as i32))
    }

    fn index_of(&self, u: IVec3) -> usize {
        let d = self.params.dims;
        ((u.z as u32 * d[1] + u.y as u32) * d[0] + u.x as u32) as usize
    }

    fn cell_of(&self, p: Vec3) -> usize {
        let u = ((p - Vec3::from(self.params.origin)) / self.params.cell).floor();
        self.index_of(u.as_ivec3().clamp(IVec3::ZERO, self.dims() - 1))
    }

    fn kernel(&self, d: f32) -> f32 {
        let x = d / self.params.radius;
        (1.0 - x * x).max(0.0)
    }

    /// Cell `c`'s sum of `value` over the kernel's reach along `axis`.
    fn blur(&self, c: usize, axis: usize, value: impl Fn(usize) -> f32) -> f32 {
        let d = self.params.dims;
        let c = c as u32;
        let u = IVec3::new((c % d[0]) as i32, ((c / d[0]) % d[1]) as i32, (c / (d[0] * d[1])) as i32);
        let reach = self.params.radius.floor() as i32;
        let (lo, hi) = ((-reach).max(-u[axis]), reach.min(d[axis] as i32 - 1 - u[axis]));
        let mut sum = 0.0;
        for o in lo..=hi {
            let mut v = u;
            v[axis] += o;
            sum += self.kernel(o as f32) * value(self.index_of(v));
        }
        sum
    }

    fn sample(&self, density: &[f32], g: Vec3) -> f32 {
        let dims = self.dims();
        let q = g.clamp(Vec3::ZERO, dims.as_vec3() - 1.0);
        let lo = q.floor().as_ivec3();
        let hi = (lo + 1).min(dims - 1);
        let f = q - lo.as_vec3();
        let at = |x: i32, y: i32, z: i32| density[self.index_of(IVec3::new(x, y, z))];
        let c00 = mix(at(lo.x, lo.y, lo.z), at(hi.x, lo.y, lo.z), f.x);
        let c10 = mix(at(lo.x, hi.y, lo.z), at(hi.x, hi.y, lo.z), f.x);
        let c01 = mix(at(lo.x, lo.y, hi.z), at(hi.x, lo.y, hi.z), f.x);
        let c11 = mix(at(lo.x, hi.y, hi.z), at(hi.x, hi.y, hi.z), f.x);
        mix(mix(c00, c10, f.y), mix(c01, c11, f.y), f.z)
    }

    fn grid_coords(&self, p: Vec3) -> Vec3 {
        (p - Vec3::from(self.params.origin)) / self.params.cell - 0.5
    }

    fn shift(&self, density: &[f32], p: Vec3) -> Vec3 {
        let g = self.grid_coords(p);
        let here = self.sample(density, g);
        if here <= 1e-6 {
            return Vec3::ZERO;
        }
        let s = |o: Vec3| self.sample(density, g + o);
        let mut grad = Vec3::new(s(Vec3::X) - s(-Vec3::X), s(Vec3::Y) - s(-Vec3::Y), 0.0) * 0.5;
        let mut dims = 2.0;
        if self.params.dims[2] > 1 {
            grad.z = (s(Vec3::Z) - s(-Vec3::Z)) * 0.5;
            dims = 3.0;
        }
        let r = self.params.radius;
        let mut m = grad / here * (self.params.gain * r * r / (dims + 2.0));
        let len = m.length();
        let cap = r * 0.5;
        if len > cap {
            m *= cap / len;
        }
        m * self.params.cell
    }
}

/// advance in bundle.wgsl: one edge's path.
fn advance(grid: &GridView, density: &[f32], path: &mut [[f32; 4]]) {
    let mut p: [Vec3; N] = std::array::from_fn(|j| xyz(path[j]));
    for point in &mut p[1..N - 1] {
        *point += grid.shift(density, *point);
    }
    let lambda = grid.params.smoothing;
    for _ in 0..2 {
        let mut before = p[0];
        for j in 1..N - 1 {
            let here = p[j];
            p[j] = here * (1.0 - lambda) + (before + p[j + 1]) * 0.5 * lambda;
            before = here;
        }
    }
    let total: f32 = (1..N).map(|j| (p[j] - p[j - 1]).length()).sum();
    let mut q = p;
    let (mut k, mut walked, mut piece) = (0, 0.0, (p[1] - p[0]).length());
    for (j, out) in q.iter_mut().enumerate().take(N - 1).skip(1) {
        let goal = total * j as f32 / (N - 1) as f32;
        while walked + piece < goal && k + 2 < N {
            walked += piece;
            k += 1;
            piece = (p[k + 1] - p[k]).length();
        }
        let f = if piece > 0.0 { ((goal - walked) / piece).clamp(0.0, 1.0) } else { 0.0 };
        *out = p[k] * (1.0 - f) + p[k + 1] * f;
        let home = p[0] * (1.0 - j as f32 / (N - 1) as f32) + p[N - 1] * (j as f32 / (N - 1) as f32);
        let off = *out - home;
        let reach = MAX_DEVIATION * (p[N - 1] - p[0]).length();
        let far = off.length();
        if far > reach {
            *out = home + off * (reach / far);
        }
    }
    for j in 0..N {
        let w = if grid.params.last == 1 { grid.sample(density, grid.grid_coords(q[j])) } else { 0.0 };
        path[j] = with_w(q[j], w);
    }
}
