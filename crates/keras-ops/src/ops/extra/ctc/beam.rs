//! CTC prefix beam search on the host, step for step as Keras's JAX backend does it
//! (including its tie-breaking), in float32.

const PAD: i32 = -1;

/// `log(exp(a) + exp(b))` in float32.
fn logaddexp(a: f32, b: f32) -> f32 {
    if a == f32::NEG_INFINITY && b == f32::NEG_INFINITY {
        return f32::NEG_INFINITY;
    }
    a.max(b) + (-(a - b).abs()).exp().ln_1p()
}

/// Indices that sort `v` ascending (stable).
fn argsort(v: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].partial_cmp(&v[j]).unwrap_or(std::cmp::Ordering::Equal));
    idx
}

/// The sorted distinct rows of `paths`, padded with all-`PAD` rows to `size`, and the
/// position of each input row among them (`jnp.unique(axis=0, size=..., return_inverse)`).
fn unique(paths: &[Vec<i32>], size: usize) -> (Vec<Vec<i32>>, Vec<usize>) {
    let mut rows: Vec<Vec<i32>> = paths.to_vec();
    rows.sort();
    rows.dedup();
    let inverse = paths
        .iter()
        .map(|p| rows.binary_search(p).unwrap_or(0))
        .collect();
    let len = paths.first().map_or(0, Vec::len);
    while rows.len() < size {
        rows.push(vec![PAD; len]);
    }
    (rows, inverse)
}

/// Log-sum-exp of `scores` grouped by `inverse` into `size` slots.
fn merge(inverse: &[usize], scores: &[f32], size: usize) -> Vec<f32> {
    let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut acc = vec![0.0f32; size];
    for (&u, &s) in inverse.iter().zip(scores) {
        acc[u] += (s - top).exp();
    }
    acc.into_iter().map(|a| a.ln() + top).collect()
}

struct Beams {
    paths: Vec<Vec<i32>>,
    scores: Vec<f32>,
    masked: Vec<bool>,
}

/// One decoding step: extend every beam by every class, then keep the `width` best
/// distinct prefixes, each as a non-blank-ended and a blank-ended beam.
fn step(beams: Beams, x: &[f32], width: usize, mask: i32) -> Beams {
    let c = x.len();
    let mut paths = Vec::with_capacity(beams.paths.len() * c);
    let mut scores = Vec::with_capacity(paths.capacity());
    let mut masked = Vec::with_capacity(paths.capacity());
    for ((path, &score), &prev_masked) in beams.paths.iter().zip(&beams.scores).zip(&beams.masked) {
        let tail = path.iter().position(|&p| p == PAD).unwrap_or(0);
        let last = if tail == 0 { PAD } else { path[tail - 1] };
        for (k, &xk) in x.iter().enumerate() {
            let mut class = if k as i32 == mask { PAD } else { k as i32 };
            masked.push(class == PAD);
            if !prev_masked && last == class {
                class = PAD;
            }
            let mut p = path.clone();
            p[tail] = class;
            paths.push(p);
            scores.push(score + xk);
        }
    }
    let size = paths.len();
    let (rows, inverse) = unique(&paths, size);
    let emit: Vec<f32> = scores
        .iter()
        .zip(&masked)
        .map(|(&s, &m)| if m { f32::NEG_INFINITY } else { s })
        .collect();
    let blank: Vec<f32> = scores
        .iter()
        .zip(&masked)
        .map(|(&s, &m)| if m { s } else { f32::NEG_INFINITY })
        .collect();
    let emit = merge(&inverse, &emit, size);
    let blank = merge(&inverse, &blank, size);
    let total: Vec<f32> = emit
        .iter()
        .zip(&blank)
        .map(|(&a, &b)| logaddexp(a, b))
        .collect();
    let order = argsort(&total);
    let best = &order[order.len() - width..];
    let kept: Vec<Vec<i32>> = best.iter().map(|&i| rows[i].clone()).collect();
    Beams {
        paths: kept.iter().chain(&kept).cloned().collect(),
        scores: best
            .iter()
            .map(|&i| emit[i])
            .chain(best.iter().map(|&i| blank[i]))
            .collect(),
        masked: (0..2 * width).map(|i| i >= width).collect(),
    }
}

/// Beam search over log-probabilities `logp` `[B, T, C]`: the `top` best label sequences
/// per batch element (`[top, B, T]`, padded with -1) and their log-probabilities (`[B, top]`).
pub(super) fn decode(
    logp: &[f64],
    [b, t, c]: [usize; 3],
    lens: &[i64],
    width: usize,
    top: usize,
    mask: usize,
) -> (Vec<i64>, Vec<f64>) {
    let mut out_paths = vec![PAD as i64; top * b * t];
    let mut out_scores = vec![0.0; b * top];
    if t == 0 || c == 0 {
        return (out_paths, out_scores);
    }
    // Classes are visited in reverse order (as Keras does, to match TensorFlow's ties).
    let mask = (c - 1 - mask) as i32;
    for bi in 0..b {
        let x = |ti: usize| -> Vec<f32> {
            (0..c)
                .map(|k| logp[(bi * t + ti) * c + (c - 1 - k)] as f32)
                .collect()
        };
        let x0 = x(0);
        let n_init = c.min(width);
        let order = argsort(&x0);
        let init = &order[c - n_init..];
        let mut paths = vec![vec![PAD; t]; 2 * width];
        let mut scores = vec![f32::NEG_INFINITY; 2 * width];
        for (i, &k) in init.iter().enumerate() {
            paths[i][0] = if k as i32 == mask { PAD } else { k as i32 };
            scores[i] = x0[k];
        }
        let masked = paths.iter().map(|p| p[0] == PAD).collect();
        let mut beams = Beams {
            paths,
            scores,
            masked,
        };
        for ti in 1..t {
            if (ti as i64) < lens[bi] {
                beams = step(beams, &x(ti), width, mask);
            }
        }
        let size = 2 * c * width;
        let (rows, inverse) = unique(&beams.paths, size);
        let merged = merge(&inverse, &beams.scores, size);
        let order = argsort(&merged);
        for (r, &i) in order.iter().rev().take(top).enumerate() {
            for (ti, &p) in rows[i].iter().enumerate() {
                out_paths[(r * b + bi) * t + ti] = if p == PAD {
                    PAD as i64
                } else {
                    (c as i32 - p - 1) as i64
                };
            }
            out_scores[bi * top + r] = merged[i] as f64;
        }
    }
    (out_paths, out_scores)
}
