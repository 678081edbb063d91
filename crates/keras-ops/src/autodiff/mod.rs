//! Reverse-mode automatic differentiation above the backend: one tape for every backend.
//!
//! While a [`GradientTape`] is alive on the current thread, every op whose inputs are
//! *tracked* (watched by a tape, or themselves produced by a recorded op) attaches a
//! [`GradNode`] to its output: the inputs plus a backward rule written with ops. Asking
//! [`GradientTape::gradient`] walks those nodes from the target in reverse topological order,
//! summing the contributions of tensors used several times.
//!
//! ```
//! use keras_ops::{ops, GradientTape, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! let tape = GradientTape::new();
//! tape.watch(&x);
//! let y = ops::sum(&ops::multiply(&x, &x).unwrap(), None, false).unwrap();
//! let g = tape.gradient(&y, &[&x]).unwrap();
//! assert_eq!(g[0].as_ref().unwrap().to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
//! ```

mod tape;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use keras_backend::{bail, Result};

use crate::ops;
use crate::tensor::{Tensor, TensorId};

pub use tape::GradientTape;
pub(crate) use tape::{is_recording, on_variable_read, with_recording_paused};

/// A backward rule: `(upstream gradient, op inputs, op output) -> gradient per input`
/// (`None` where an input gets no gradient, e.g. integer indices).
pub type BackwardFn =
    dyn Fn(&Tensor, &[Tensor], &Tensor) -> Result<Vec<Option<Tensor>>> + Send + Sync;

/// The record of one differentiable op application, attached to its output.
#[derive(Clone)]
pub struct GradNode {
    pub(crate) op: &'static str,
    pub(crate) inputs: Vec<Tensor>,
    pub(crate) backward: Arc<BackwardFn>,
}

fn is_tracked(t: &Tensor) -> bool {
    t.node().is_some() || tape::is_watched(t.id())
}

/// Attaches a gradient node to `output` when a tape is recording and some input is tracked.
/// Every differentiable op calls this once with its inputs and backward rule.
pub(crate) fn record(
    op: &'static str,
    inputs: &[&Tensor],
    output: Tensor,
    backward: impl Fn(&Tensor, &[Tensor], &Tensor) -> Result<Vec<Option<Tensor>>>
        + Send
        + Sync
        + 'static,
) -> Tensor {
    if !is_recording() || !inputs.iter().any(|t| is_tracked(t)) {
        return output;
    }
    output.with_node(GradNode {
        op,
        inputs: inputs.iter().map(|t| (*t).clone()).collect(),
        backward: Arc::new(backward),
    })
}

/// Tensors reachable from `target` through gradient nodes, outputs before their inputs.
fn reverse_topological(target: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    // Iterative post-order DFS: (tensor, children pushed?)
    let mut stack = vec![(target.clone(), false)];
    while let Some((t, expanded)) = stack.pop() {
        if expanded {
            order.push(t);
            continue;
        }
        if !seen.insert(t.id()) {
            continue;
        }
        stack.push((t.clone(), true));
        if let Some(node) = t.node() {
            for i in &node.inputs {
                if !seen.contains(&i.id()) {
                    stack.push((i.clone(), false));
                }
            }
        }
    }
    order.reverse();
    order
}

/// Back-propagates `seed` (the gradient of some scalar with respect to `target`) and
/// returns the accumulated gradient of every tensor on the way, by id.
pub(crate) fn backprop(target: &Tensor, seed: Tensor) -> Result<HashMap<TensorId, Tensor>> {
    with_recording_paused(|| {
        let mut grads: HashMap<TensorId, Tensor> = HashMap::new();
        grads.insert(target.id(), seed);
        for t in reverse_topological(target) {
            let Some(node) = t.node() else { continue };
            let Some(g) = grads.get(&t.id()).cloned() else {
                continue;
            };
            let input_grads = (node.backward)(&g, &node.inputs, &t)
                .map_err(|e| e.context(format!("gradient of {}", node.op)))?;
            if input_grads.len() != node.inputs.len() {
                bail!(
                    node.op,
                    "backward rule returned {} gradients for {} inputs",
                    input_grads.len(),
                    node.inputs.len()
                );
            }
            for (input, ig) in node.inputs.iter().zip(input_grads) {
                let Some(ig) = ig else { continue };
                if ig.dims() != input.dims() {
                    bail!(
                        node.op,
                        "backward rule produced a gradient of shape {} for an input of shape {}",
                        ig.shape(),
                        input.shape()
                    );
                }
                let ig = if ig.dtype() != input.dtype() && input.dtype().is_float() {
                    ops::cast(&ig, input.dtype())?
                } else {
                    ig
                };
                let acc = match grads.remove(&input.id()) {
                    Some(prev) => ops::add(&prev, &ig)?,
                    None => ig,
                };
                grads.insert(input.id(), acc);
            }
        }
        Ok(grads)
    })
}

/// Something a gradient can be taken with respect to: a [`Tensor`] or a
/// [`Variable`](crate::Variable) (its current value).
pub trait Source {
    /// The id of the tensor whose gradient is wanted.
    fn source_tensor(&self) -> Tensor;
}

impl Source for Tensor {
    fn source_tensor(&self) -> Tensor {
        self.clone()
    }
}
impl<S: Source + ?Sized> Source for &S {
    fn source_tensor(&self) -> Tensor {
        (**self).source_tensor()
    }
}

/// Gradients of `target` (summed over its elements, as Keras) with respect to `sources`;
/// `None` for a source that does not affect the target.
pub(crate) fn gradients<S: Source>(target: &Tensor, sources: &[S]) -> Result<Vec<Option<Tensor>>> {
    if !target.dtype().is_float() {
        bail!(
            "gradient",
            "the target must be a float tensor, got {}",
            target.dtype()
        );
    }
    let seed = ops::ones_like(target)?;
    let grads = backprop(target, seed)?;
    // As in TF, only watched tensors and recorded intermediates are differentiable sources.
    Ok(sources
        .iter()
        .map(|s| {
            let t = s.source_tensor();
            if is_tracked(&t) {
                grads.get(&t.id()).cloned()
            } else {
                None
            }
        })
        .collect())
}

/// Returns `(f(args), d f(args) / d args)`: the gradient with respect to every argument
/// (zeros where an argument does not affect the value), like `jax.value_and_grad`.
///
/// ```
/// use keras_ops::{ops, value_and_grad, Tensor};
/// let x = Tensor::from_vec(vec![3.0f32], [1]).unwrap();
/// let (v, g) = value_and_grad(|a| ops::sum(&ops::square(&a[0])?, None, false), &[x]).unwrap();
/// assert_eq!(v.item().unwrap(), 9.0);
/// assert_eq!(g[0].to_vec::<f32>().unwrap(), vec![6.0]);
/// ```
pub fn value_and_grad<F>(f: F, args: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)>
where
    F: FnOnce(&[Tensor]) -> Result<Tensor>,
{
    let tape = GradientTape::new();
    for a in args {
        tape.watch(a);
    }
    let value = f(args)?;
    let grads = tape.gradient(&value, args)?;
    let grads = grads
        .into_iter()
        .zip(args)
        .map(|(g, a)| match g {
            Some(g) => Ok(g),
            None => ops::zeros_like(a),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((value, grads))
}

/// The same values with no gradient flowing back (`keras.ops.stop_gradient`).
///
/// ```
/// use keras_ops::{ops, stop_gradient, value_and_grad, Tensor};
/// let x = Tensor::from_vec(vec![2.0f32], [1]).unwrap();
/// let (_, g) = value_and_grad(|a| {
///     let frozen = stop_gradient(&a[0]);
///     ops::sum(&ops::multiply(&a[0], &frozen)?, None, false)
/// }, &[x]).unwrap();
/// assert_eq!(g[0].to_vec::<f32>().unwrap(), vec![2.0]);
/// ```
pub fn stop_gradient(x: &Tensor) -> Tensor {
    Tensor::from_storage(x.storage().clone(), x.shape().clone(), x.backend())
}

/// The upstream-gradient function returned by a [`custom_gradient`] forward function.
pub type CustomGradFn = Box<dyn Fn(&Tensor) -> Result<Vec<Option<Tensor>>> + Send + Sync>;

/// Runs `forward` on `inputs` without recording, then attaches the gradient rule it returns
/// (`keras.ops.custom_gradient`): `forward` gives the output and a function from the
/// upstream gradient to one gradient per input.
///
/// ```
/// use keras_ops::{custom_gradient, ops, value_and_grad, Tensor, CustomGradFn};
/// // log(1 + exp(x)) with a numerically safe gradient sigmoid(x).
/// let x = Tensor::from_vec(vec![100.0f32], [1]).unwrap();
/// let (_, g) = value_and_grad(|a| {
///     let y = custom_gradient(&[&a[0]], |xs| {
///         let y = ops::softplus(&xs[0])?;
///         let s = ops::sigmoid(&xs[0])?;
///         let grad: CustomGradFn = Box::new(move |up| Ok(vec![Some(ops::multiply(up, &s)?)]));
///         Ok((y, grad))
///     })?;
///     ops::sum(&y, None, false)
/// }, &[x]).unwrap();
/// assert_eq!(g[0].to_vec::<f32>().unwrap(), vec![1.0]);
/// ```
pub fn custom_gradient<F>(inputs: &[&Tensor], forward: F) -> Result<Tensor>
where
    F: FnOnce(&[Tensor]) -> Result<(Tensor, CustomGradFn)>,
{
    let owned: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    let (out, grad_fn) = with_recording_paused(|| forward(&owned))?;
    let out = stop_gradient(&out);
    let n = inputs.len();
    Ok(record("custom_gradient", inputs, out, move |g, _, _| {
        let grads = grad_fn(g)?;
        if grads.len() != n {
            bail!(
                "custom_gradient",
                "the gradient function returned {} gradients for {n} inputs",
                grads.len()
            );
        }
        Ok(grads)
    }))
}
