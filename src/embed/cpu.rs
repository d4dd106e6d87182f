//! CPU references of the embedding passes: PCA in f64 and the exact k-nearest-neighbour
//! search. The tests hold the GPU passes to them.

use super::{Embedding, principal_axes};

/// The rows projected onto their `out_dims` principal axes, `[x, y, z, 0]` each.
pub fn pca(embedding: &Embedding, out_dims: usize) -> Vec<[f32; 4]> {
    let (n, d) = (embedding.rows, embedding.dims);
    let mut mean = vec![0.0f64; d];
    for r in 0..n {
        for (m, &x) in mean.iter_mut().zip(embedding.row(r)) {
            *m += x as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let mut covariance = vec![0.0f64; d * d];
    for r in 0..n {
        let row = embedding.row(r);
        for i in 0..d {
            let xi = row[i] as f64 - mean[i];
            for j in 0..d {
                covariance[i * d + j] += xi * (row[j] as f64 - mean[j]);
            }
        }
    }
    covariance.iter_mut().for_each(|c| *c /= (n.max(2) - 1) as f64);
    let (axes, _) = principal_axes(&covariance, d, out_dims);
    (0..n)
        .map(|r| {
            let row = embedding.row(r);
            let mut p = [0.0f32; 4];
            for (o, axis) in axes.iter().enumerate() {
                p[o] = (0..d).map(|c| (row[c] as f64 - mean[c]) * axis[c]).sum::<f64>() as f32;
            }
            p
        })
        .collect()
}

/// Squared Euclidean distance between rows `a` and `b`, summed in the shader's order.
pub fn distance(embedding: &Embedding, a: usize, b: usize) -> f32 {
    embedding.row(a).iter().zip(embedding.row(b)).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The `k` nearest other rows of every row, nearest first, ties to the lower index.
pub fn knn(embedding: &Embedding, k: usize) -> Vec<u32> {
    let n = embedding.rows;
    let mut out = Vec::with_capacity(n * k);
    let mut candidates: Vec<(f32, u32)> = Vec::with_capacity(n);
    for r in 0..n {
        candidates.clear();
        candidates.extend((0..n).filter(|&s| s != r).map(|s| (distance(embedding, r, s), s as u32)));
        let k = k.min(candidates.len());
        candidates.select_nth_unstable_by(k.saturating_sub(1), |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let nearest = &mut candidates[..k];
        nearest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.extend(nearest.iter().map(|&(_, s)| s));
    }
    out
}
