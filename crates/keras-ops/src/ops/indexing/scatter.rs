//! Scattering by N-d index (`keras.ops.scatter`, `keras.ops.scatter_update`).
//!
//! `indices` has shape `[..., depth]`: each row addresses the first `depth` axes of the
//! target, and the matching slice of the updates (shape `indices.shape[:-1] +
//! target.shape[depth:]`, broadcast as JAX does) lands there.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let idx = Tensor::from_vec(vec![1i32, 1, 3], [3, 1]).unwrap();
//! let v = Tensor::from_vec(vec![1.0f32, 2.0, 5.0], [3]).unwrap();
//! let y = ops::scatter(&idx, &v, &[4]).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 3.0, 0.0, 5.0]);
//! ```

use std::collections::{HashMap, HashSet};

use keras_backend::{bail, HostBuffer, Result, ScatterMode};

use super::{linear_indices, take};
use crate::autodiff::record;
use crate::ops::{add, broadcast_to, cast, divide, equal, multiply, reshape, zeros, zeros_like};
use crate::tensor::Tensor;

/// Resolved indices of a scatter: row-major positions over the addressed axes.
struct Plan {
    /// Flattened position of each index row (over `dims[..depth]`).
    lin: Vec<i64>,
    /// Number of addressed axes.
    depth: usize,
    /// The shape updates must have.
    updates_dims: Vec<usize>,
    /// Elements per addressed slice (`prod(dims[depth..])`).
    block: usize,
    /// Rank of the grid of index rows (`indices.rank() - 1`).
    grid_rank: usize,
}

impl Plan {
    fn new(indices: &Tensor, dims: &[usize], op: &str) -> Result<Plan> {
        let lin = linear_indices(indices, dims, op)?;
        let depth = indices.dims()[indices.rank() - 1];
        let mut updates_dims = indices.dims()[..indices.rank() - 1].to_vec();
        updates_dims.extend_from_slice(&dims[depth..]);
        Ok(Plan {
            lin,
            depth,
            updates_dims,
            block: dims[depth..].iter().product(),
            grid_rank: indices.rank() - 1,
        })
    }

    /// `dims` with the addressed axes merged into one.
    fn flat_dims(&self, dims: &[usize]) -> Vec<usize> {
        let mut flat = vec![dims[..self.depth].iter().product()];
        flat.extend_from_slice(&dims[self.depth..]);
        flat
    }

    /// The slices of `x` that the index rows address, in the updates' shape (with gradient).
    fn gather(&self, x: &Tensor) -> Result<Tensor> {
        let rows = reshape(x, self.flat_dims(x.dims()))?;
        let idx = Tensor::from_vec(self.lin.clone(), [self.lin.len()])?;
        reshape(&take(&rows, &idx, Some(0))?, &self.updates_dims)
    }

    /// The scatter kernel on `target` (no gradient).
    fn scatter(&self, target: &Tensor, updates: &Tensor, mode: ScatterMode) -> Result<Tensor> {
        let idx = Tensor::from_vec(self.lin.clone(), [self.lin.len(), 1])?;
        let s = target.backend().scatter_nd(
            target.storage(),
            &self.flat_dims(target.dims()),
            idx.storage(),
            self.lin.len(),
            1,
            updates.storage(),
            mode,
        )?;
        Ok(Tensor::from_storage(
            s,
            target.shape().clone(),
            target.backend(),
        ))
    }

    /// 1 for the index rows whose update survives an overwrite (the last duplicate), else
    /// 0, shaped to broadcast against the updates.
    fn winners(&self, dtype: keras_backend::DType) -> Result<Tensor> {
        let mut seen = HashSet::new();
        let mut mask: Vec<f64> = self
            .lin
            .iter()
            .rev()
            .map(|l| seen.insert(*l) as u8 as f64)
            .collect();
        mask.reverse();
        let mut dims = self.updates_dims[..self.grid_rank].to_vec();
        dims.extend(std::iter::repeat_n(
            1,
            self.updates_dims.len() - self.grid_rank,
        ));
        Tensor::from_host(HostBuffer::from(mask).cast(dtype), dims)
    }
}

/// A tensor of `shape` holding zeros except at `indices`, where `values` are added
/// (duplicates accumulate; `keras.ops.scatter`). The result has the dtype of `values`.
pub fn scatter(indices: &Tensor, values: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let plan = Plan::new(indices, shape, "scatter")?;
    let values = broadcast_to(values, &plan.updates_dims)?;
    let y = plan.scatter(&zeros(shape, values.dtype())?, &values, ScatterMode::Add)?;
    if !values.dtype().is_float() {
        return Ok(y);
    }
    Ok(record("scatter", &[&values], y, move |g, _, _| {
        Ok(vec![Some(plan.gather(g)?)])
    }))
}

/// How [`scatter_update`] combines an update with the value already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reduction {
    Max,
    Min,
    Mul,
}

/// `inputs` with the slices at `indices` replaced by `updates` (cast to the dtype of
/// `inputs`), or combined with them when `reduction` is `"add"`, `"max"`, `"min"` or
/// `"mul"` (`keras.ops.scatter_update`). Without a reduction the last duplicate wins.
pub fn scatter_update(
    inputs: &Tensor,
    indices: &Tensor,
    updates: &Tensor,
    reduction: Option<&str>,
) -> Result<Tensor> {
    let plan = Plan::new(indices, inputs.dims(), "scatter_update")?;
    let updates = broadcast_to(&cast(updates, inputs.dtype())?, &plan.updates_dims)?;
    let float = inputs.dtype().is_float();
    let red = match reduction {
        None => {
            let y = plan.scatter(inputs, &updates, ScatterMode::Update)?;
            if !float {
                return Ok(y);
            }
            return Ok(record(
                "scatter_update",
                &[inputs, &updates],
                y,
                move |g, _, _| {
                    let hole = zeros(&plan.updates_dims, g.dtype())?;
                    let g_inputs = plan.scatter(g, &hole, ScatterMode::Update)?;
                    let g_updates = multiply(&plan.gather(g)?, &plan.winners(g.dtype())?)?;
                    Ok(vec![Some(g_inputs), Some(g_updates)])
                },
            ));
        }
        Some("add") => {
            let y = plan.scatter(inputs, &updates, ScatterMode::Add)?;
            if !float {
                return Ok(y);
            }
            return Ok(record(
                "scatter_update",
                &[inputs, &updates],
                y,
                move |g, _, _| Ok(vec![Some(g.clone()), Some(plan.gather(g)?)]),
            ));
        }
        Some("max") => Reduction::Max,
        Some("min") => Reduction::Min,
        Some("mul") => Reduction::Mul,
        Some(other) => bail!(
            "scatter_update",
            "unsupported reduction {other:?}: expected None, \"add\", \"max\", \"min\" or \"mul\""
        ),
    };
    let y = host_reduce(inputs, &plan, &updates, red)?;
    if !float {
        return Ok(y);
    }
    Ok(record(
        "scatter_update",
        &[inputs, &updates],
        y,
        move |g, ins, y| match red {
            Reduction::Mul => mul_grads(g, &ins[0], &ins[1], &plan),
            _ => extremum_grads(g, &ins[0], &ins[1], y, &plan),
        },
    ))
}

/// Applies a max/min/mul scatter on the host (the kernel set only adds or overwrites).
fn host_reduce(inputs: &Tensor, plan: &Plan, updates: &Tensor, red: Reduction) -> Result<Tensor> {
    fn combine<T: Copy>(out: &mut [T], u: &[T], plan: &Plan, f: impl Fn(T, T) -> T) {
        for (j, &l) in plan.lin.iter().enumerate() {
            let (o, s) = (l as usize * plan.block, j * plan.block);
            for k in 0..plan.block {
                out[o + k] = f(out[o + k], u[s + k]);
            }
        }
    }
    let buf = if inputs.dtype().is_float() {
        let mut out = inputs.to_host()?.to_f64_vec();
        let u = updates.to_host()?.to_f64_vec();
        let nan_or = |a: f64, b: f64, f: fn(f64, f64) -> f64| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                f(a, b)
            }
        };
        match red {
            Reduction::Max => combine(&mut out, &u, plan, |a, b| nan_or(a, b, f64::max)),
            Reduction::Min => combine(&mut out, &u, plan, |a, b| nan_or(a, b, f64::min)),
            Reduction::Mul => combine(&mut out, &u, plan, |a, b| a * b),
        }
        HostBuffer::from(out)
    } else {
        let mut out = inputs.to_host()?.to_i64_vec();
        let u = updates.to_host()?.to_i64_vec();
        match red {
            Reduction::Max => combine(&mut out, &u, plan, i64::max),
            Reduction::Min => combine(&mut out, &u, plan, i64::min),
            Reduction::Mul => combine(&mut out, &u, plan, i64::wrapping_mul),
        }
        HostBuffer::from(out)
    };
    Tensor::from_host(buf.cast(inputs.dtype()), inputs.shape().clone())
}

/// Gradient of a max/min scatter: to every element equal to the result, split among ties.
fn extremum_grads(
    g: &Tensor,
    x: &Tensor,
    u: &Tensor,
    y: &Tensor,
    plan: &Plan,
) -> Result<Vec<Option<Tensor>>> {
    let hit_x = cast(&equal(x, y)?, g.dtype())?;
    let hit_u = cast(&equal(u, &plan.gather(y)?)?, g.dtype())?;
    let count = add(
        &hit_x,
        &plan.scatter(&zeros_like(g)?, &hit_u, ScatterMode::Add)?,
    )?;
    let share = divide(g, &count)?;
    Ok(vec![
        Some(multiply(&share, &hit_x)?),
        Some(multiply(&plan.gather(&share)?, &hit_u)?),
    ])
}

/// Gradient of a mul scatter: the input gets the product of its updates, each update the
/// input times the product of the other updates at its position (exact with zeros).
fn mul_grads(g: &Tensor, x: &Tensor, u: &Tensor, plan: &Plan) -> Result<Vec<Option<Tensor>>> {
    let uv = u.to_host()?.to_f64_vec();
    let mut total = vec![1.0; x.size()];
    let mut others = vec![1.0; uv.len()];
    let mut groups: HashMap<i64, Vec<usize>> = HashMap::new();
    for (j, &l) in plan.lin.iter().enumerate() {
        groups.entry(l).or_default().push(j);
    }
    for (l, js) in groups {
        for k in 0..plan.block {
            let vals: Vec<f64> = js.iter().map(|&j| uv[j * plan.block + k]).collect();
            let mut prefix = 1.0;
            for (i, &j) in js.iter().enumerate() {
                let suffix: f64 = vals[i + 1..].iter().product();
                others[j * plan.block + k] = prefix * suffix;
                prefix *= vals[i];
            }
            total[l as usize * plan.block + k] = prefix;
        }
    }
    let total = Tensor::from_host(HostBuffer::from(total).cast(g.dtype()), x.shape().clone())?;
    let others = Tensor::from_host(HostBuffer::from(others).cast(g.dtype()), u.shape().clone())?;
    Ok(vec![
        Some(multiply(g, &total)?),
        Some(multiply(&plan.gather(&multiply(g, x)?)?, &others)?),
    ])
}
