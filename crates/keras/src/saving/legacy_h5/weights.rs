//! Layer weights in the legacy layout: a group with the attribute `layer_names` (the
//! model's layers in order) and, per layer, a sub-group with `weight_names` whose datasets
//! hold the layer's weights in Keras's legacy order: trainable first, then non-trainable
//! (`_legacy_weights`), sub-layers' weights included. This is `model_weights/` of a full
//! model file and the root of a Keras 2 `save_weights("x.h5")` file.

use std::collections::HashSet;

use hdf5_pure::Group;
use keras_backend::{bail, Error, Result};
use keras_ops::{Tensor, Variable};

use super::h5::{string_list, H5};
use crate::layers::{Layer, LayerBase, LayerExt};

const OP: &str = "load_weights (legacy .h5)";

/// How [`load_legacy_weights`](super::load_legacy_weights) matches the file to the model.
///
/// ```
/// let opts = keras::saving::LegacyWeightsOptions { by_name: true, ..Default::default() };
/// assert!(!opts.skip_mismatch);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LegacyWeightsOptions {
    /// Match layers by name (layers missing on either side are skipped) instead of by
    /// position among the layers that have weights (Keras's default).
    pub by_name: bool,
    /// Skip, with a warning, a weight whose shape (or, by name, a layer whose weight count)
    /// differs, instead of failing.
    pub skip_mismatch: bool,
}

/// The model's layers (`model.layers`): its direct sub-layers, each once.
fn model_layers(model: &dyn Layer) -> Vec<&dyn Layer> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    model.visit_sublayers(&mut |_, l| {
        if seen.insert(l.base() as *const LayerBase as usize) {
            out.push(l);
        }
    });
    out
}

/// Keras's `_legacy_weights`: trainable weights, then non-trainable ones.
fn legacy_weights(layer: &dyn Layer) -> Vec<Variable> {
    let mut w = layer.trainable_weights();
    w.extend(layer.non_trainable_weights());
    w
}

/// The model's own variables (`top_level_model_weights`), trainable first.
fn top_level_weights(model: &dyn Layer) -> Vec<Variable> {
    let own = model.base().own_weights();
    let trainable = model.base().trainable();
    let (mut t, n): (Vec<Variable>, Vec<Variable>) =
        own.into_iter().partition(|v| trainable && v.trainable());
    t.extend(n);
    t
}

/// The values to assign, checked before anything is assigned.
type Plan = Vec<(Variable, Tensor)>;

/// One layer's group: its `weight_names` and where they live.
struct SavedLayer {
    name: String,
    group: Group,
    weight_names: Vec<String>,
}

/// Reads the layers listed in `group`'s `layer_names`, keeping those with weights when
/// `only_with_weights`.
fn saved_layers(
    h5: &H5,
    group: &Group,
    path: &str,
    only_with_weights: bool,
) -> Result<Vec<SavedLayer>> {
    let attrs = h5.attrs(group)?;
    let names = string_list(&attrs, "layer_names", path)?;
    if names.is_empty() && !attrs.contains_key("layer_names") && !attrs.contains_key("layer_names0")
    {
        bail!(
            OP,
            "`{path}` has no `layer_names` attribute: not a Keras weights group"
        );
    }
    let mut out = Vec::new();
    for name in names {
        let Some(g) = h5.child(group, &name)? else {
            bail!(
                OP,
                "the file lists layer {name:?} in `layer_names` but has no group `{path}/{name}`"
            );
        };
        let weight_names = string_list(&h5.attrs(&g)?, "weight_names", &name)?;
        if only_with_weights && weight_names.is_empty() {
            continue;
        }
        out.push(SavedLayer {
            name,
            group: g,
            weight_names,
        });
    }
    Ok(out)
}

/// Checks one layer's saved weights against its variables and adds them to `plan`.
/// `what` names the layer in messages.
fn plan_layer(
    h5: &H5,
    saved: &SavedLayer,
    vars: &[Variable],
    what: &str,
    skip_mismatch: bool,
    plan: &mut Plan,
) -> Result<()> {
    if saved.weight_names.len() != vars.len() {
        bail!(
            OP,
            "weight count mismatch for {what}: the layer expects {} weight(s) {:?}, the file has {} {:?}",
            vars.len(),
            vars.iter().map(Variable::path).collect::<Vec<_>>(),
            saved.weight_names.len(),
            saved.weight_names
        );
    }
    for (var, wname) in vars.iter().zip(&saved.weight_names) {
        let ds = h5.dataset(&saved.group, wname).map_err(|e| {
            Error::op(
                OP,
                format!(
                    "{what}: no dataset `{}/{wname}` in the file ({})",
                    saved.name,
                    e.message()
                ),
            )
        })?;
        let shape = h5
            .shape(&ds)
            .map_err(|e| Error::op(OP, format!("{what}, weight {wname:?}: {}", e.message())))?;
        if shape != var.shape().dims() {
            let msg = format!(
                "shape mismatch in {what} for weight {:?}: the weight has shape {} but the file's {wname:?} has shape {shape:?}",
                var.path(),
                var.shape()
            );
            if skip_mismatch {
                eprintln!("Warning: skipping it: {msg}");
                continue;
            }
            bail!(OP, "{msg}");
        }
        let value = h5
            .read(&ds)
            .map_err(|e| Error::op(OP, format!("{what}, weight {wname:?}: {}", e.message())))?;
        plan.push((var.clone(), value));
    }
    Ok(())
}

/// Loads the weights group `group` (at `path`) into `model`.
pub(super) fn load_group(
    h5: &H5,
    group: &Group,
    path: &str,
    model: &dyn Layer,
    opts: LegacyWeightsOptions,
) -> Result<()> {
    let mut plan = Plan::new();
    let layers = model_layers(model);
    if opts.by_name {
        for (k, saved) in saved_layers(h5, group, path, false)?.iter().enumerate() {
            for layer in layers.iter().filter(|l| l.name() == saved.name) {
                let vars = legacy_weights(*layer);
                let what = format!("layer #{k} (named {:?})", layer.name());
                if opts.skip_mismatch && vars.len() != saved.weight_names.len() {
                    eprintln!(
                        "Warning: skipping loading of weights for {what} due to mismatch in number of weights: the layer expects {}, the file has {}",
                        vars.len(),
                        saved.weight_names.len()
                    );
                    continue;
                }
                plan_layer(h5, saved, &vars, &what, opts.skip_mismatch, &mut plan)?;
            }
        }
    } else {
        let with_weights: Vec<&dyn Layer> = layers
            .into_iter()
            .filter(|l| !legacy_weights(*l).is_empty())
            .collect();
        let saved = saved_layers(h5, group, path, true)?;
        if saved.len() != with_weights.len() {
            bail!(
                OP,
                "layer count mismatch: the model has {} layers with weights {:?}, the file has {} {:?}",
                with_weights.len(),
                with_weights.iter().map(|l| l.name()).collect::<Vec<_>>(),
                saved.len(),
                saved.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()
            );
        }
        for (k, (layer, saved)) in with_weights.iter().zip(&saved).enumerate() {
            let what = format!(
                "layer #{k} (named {:?} in the model, {:?} in the file)",
                layer.name(),
                saved.name
            );
            plan_layer(
                h5,
                saved,
                &legacy_weights(*layer),
                &what,
                opts.skip_mismatch,
                &mut plan,
            )?;
        }
    }
    if let Some(g) = h5.child(group, "top_level_model_weights")? {
        let saved = SavedLayer {
            weight_names: string_list(&h5.attrs(&g)?, "weight_names", "top_level_model_weights")?,
            name: "top_level_model_weights".into(),
            group: g,
        };
        let vars = top_level_weights(model);
        let what = format!("the model {:?}'s own weights", model.name());
        plan_layer(h5, &saved, &vars, &what, opts.skip_mismatch, &mut plan)?;
    }
    for (var, value) in plan {
        var.assign(&value)?;
    }
    Ok(())
}
