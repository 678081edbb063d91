//! One layer case, checked the way Keras's `run_layer_test` does (keras-spec §4): config
//! round trip, build and weights, eager outputs (inference and training), masks, symbolic
//! output specs, and state updates; plus the hostile-input checks.

use std::panic::{catch_unwind, AssertUnwindSafe};

use keras::layers::{CallArgs, LayerExt, LayerRef, ShapeSpec, TensorSpec};
use keras::saving::{deserialize_layer, serialize_layer};
use keras::{ops, Tensor};
use serde_json::Value;

use crate::fixture::{
    compare_tensor, compare_tensors, dims, json_diff, parse_dtype, parse_optional_tensors,
    parse_shapes, parse_specs, parse_tensors, Check, Tolerance,
};

/// The case's object dict without `build_config`, so that the layer comes back unbuilt.
fn unbuilt_object(case: &Value) -> Value {
    let mut obj = case["object"].clone();
    if let Some(o) = obj.as_object_mut() {
        o.remove("build_config");
    }
    obj
}

/// A fresh layer from the case's object dict (unbuilt).
pub fn fresh_layer(case: &Value) -> std::result::Result<LayerRef, String> {
    deserialize_layer(&unbuilt_object(case)).map_err(|e| format!("deserialize_layer: {e}"))
}

/// Runs `f`, turning a panic into an error message (layers must return `Err`, not panic).
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what} panicked: {msg}")
    })
}

fn check_weights(id: &str, layer: &LayerRef, want: &Value, tol: Tolerance) -> Check {
    let want = want.as_array().ok_or(format!("{id}: bad weights"))?;
    let got = layer.weights();
    if got.len() != want.len() {
        return Err(format!(
            "{id}: {} weights, Keras has {} ({:?})",
            got.len(),
            want.len(),
            want.iter().map(|w| &w["path"]).collect::<Vec<_>>()
        ));
    }
    for (v, w) in got.iter().zip(want) {
        if v.path() != w["path"].as_str().unwrap_or("?") {
            return Err(format!(
                "{id}: weight path {:?} != Keras {}",
                v.path(),
                w["path"]
            ));
        }
        if v.trainable() != w["trainable"].as_bool().unwrap_or(true) {
            return Err(format!(
                "{id}: weight {:?} trainable={} != Keras",
                v.path(),
                v.trainable()
            ));
        }
        compare_tensor(&format!("{id}: weight {:?}", v.path()), &v.value(), w, tol)?;
    }
    Ok(())
}

fn check_config_and_build(id: &str, case: &Value, layer: &LayerRef) -> Check {
    let want_config = &case["object"]["config"];
    let got_config = Value::Object(layer.get_config());
    if &got_config != want_config {
        return Err(format!(
            "{id}: get_config differs: {}",
            json_diff(&got_config, want_config)
        ));
    }
    let shapes = parse_shapes(&case["build_shapes"])?;
    no_panic("build", || layer.ensure_built(&shapes))?
        .map_err(|e| format!("{id}: build failed: {e}"))?;
    let got_object = serialize_layer(layer.as_ref());
    if got_object != case["object"] {
        return Err(format!(
            "{id}: serialized object differs: {}",
            json_diff(&got_object, &case["object"])
        ));
    }
    if layer.supports_masking() != case["supports_masking"].as_bool().unwrap_or(false) {
        return Err(format!(
            "{id}: supports_masking {} != Keras",
            layer.supports_masking()
        ));
    }
    let counts = (
        layer.trainable_weights().len(),
        layer.non_trainable_weights().len(),
    );
    let want = (
        case["num_trainable_weights"].as_u64().unwrap_or(0) as usize,
        case["num_non_trainable_weights"].as_u64().unwrap_or(0) as usize,
    );
    if counts != want {
        return Err(format!(
            "{id}: (trainable, non-trainable) weights {counts:?} != Keras {want:?}"
        ));
    }
    let want_weights = case["weights"]
        .as_array()
        .ok_or(format!("{id}: bad weights"))?;
    let got_shapes: Vec<Vec<usize>> = layer
        .weights()
        .iter()
        .map(|v| v.shape().dims().to_vec())
        .collect();
    let want_shapes: Vec<Vec<usize>> = want_weights
        .iter()
        .map(|w| dims(&w["shape"]))
        .collect::<Result<_, _>>()?;
    if got_shapes != want_shapes {
        return Err(format!(
            "{id}: weight shapes {got_shapes:?} != Keras {want_shapes:?}"
        ));
    }
    Ok(())
}

fn call(
    id: &str,
    layer: &LayerRef,
    inputs: &[Tensor],
    args: &CallArgs,
) -> std::result::Result<Vec<Tensor>, String> {
    let mode = if args.training {
        "training"
    } else {
        "inference"
    };
    no_panic("call", || layer.call_with(inputs, args))?
        .map_err(|e| format!("{id}: {mode} call failed: {e}"))
}

fn check_calls(id: &str, case: &Value, layer: &LayerRef, tol: Tolerance) -> Check {
    let inputs = parse_tensors(&case["inputs"])?;
    let masks = match case.get("masks") {
        Some(m) => parse_optional_tensors(m)?,
        None => Vec::new(),
    };
    let weights: Vec<Tensor> = case["weights"]
        .as_array()
        .ok_or(format!("{id}: bad weights"))?
        .iter()
        .map(crate::fixture::parse_tensor)
        .collect::<Result<_, _>>()?;
    layer
        .set_weights(&weights)
        .map_err(|e| format!("{id}: set_weights: {e}"))?;
    let infer = CallArgs {
        training: false,
        masks: masks.clone(),
    };
    if let Some(err) = case.get("keras_error") {
        return match no_panic("call", || layer.call_with(&inputs, &infer))? {
            Err(_) => Ok(()),
            Ok(_) => Err(format!("{id}: Keras raised {err} but the call succeeded")),
        };
    }
    let out = call(id, layer, &inputs, &infer)?;
    compare_tensors(&format!("{id}: output"), &out, &case["outputs"], tol)?;
    if let Some(want) = case.get("output_mask") {
        let got = no_panic("compute_mask", || layer.compute_mask(&inputs, &masks))?
            .map_err(|e| format!("{id}: compute_mask failed: {e}"))?;
        let want = want.as_array().ok_or(format!("{id}: bad output_mask"))?;
        if got.len() != want.len() {
            return Err(format!(
                "{id}: {} output masks, Keras has {}",
                got.len(),
                want.len()
            ));
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            match (g, w) {
                (None, Value::Null) => {}
                (Some(g), w) if !w.is_null() => {
                    // Keras's masks are bool; compare as bool whatever dtype keras-rs uses.
                    let g = ops::cast(g, keras::DType::Bool).map_err(|e| e.to_string())?;
                    compare_tensor(&format!("{id}: output mask[{i}]"), &g, w, tol)?;
                }
                (g, w) => {
                    return Err(format!(
                        "{id}: output mask[{i}] is {} but Keras's is {}",
                        if g.is_some() { "a tensor" } else { "None" },
                        if w.is_null() { "None" } else { "a tensor" }
                    ))
                }
            }
        }
    }
    let train = CallArgs {
        training: true,
        masks,
    };
    if let Some(want) = case.get("training_outputs") {
        let out = call(id, layer, &inputs, &train)?;
        compare_tensors(&format!("{id}: training output"), &out, want, tol)?;
    } else if let Some(want) = case.get("training_output_specs") {
        let out = call(id, layer, &inputs, &train)?;
        let want = parse_specs(want)?;
        let got: Vec<TensorSpec> = out
            .iter()
            .map(|t| TensorSpec::new(t.dims().iter().map(|&d| Some(d)).collect(), t.dtype()))
            .collect();
        if got != want {
            return Err(format!(
                "{id}: training output specs {got:?} != Keras {want:?}"
            ));
        }
    }
    if let Some(want) = case.get("weights_after_training") {
        check_weights(&format!("{id} (after the training call)"), layer, want, tol)?;
    }
    Ok(())
}

fn check_output_spec(id: &str, case: &Value, layer: &LayerRef) -> Check {
    let want = parse_specs(&case["output_spec"])?;
    let inputs: Vec<TensorSpec> = match case.get("inputs") {
        Some(inputs) => inputs
            .as_array()
            .ok_or(format!("{id}: bad inputs"))?
            .iter()
            .map(|t| {
                let mut shape: ShapeSpec = dims(&t["shape"])?.into_iter().map(Some).collect();
                if let Some(b) = shape.first_mut() {
                    *b = None;
                }
                Ok(TensorSpec::new(shape, parse_dtype(&t["dtype"])?))
            })
            .collect::<std::result::Result<_, String>>()?,
        // InputLayer: no call inputs.
        None => Vec::new(),
    };
    let got = no_panic("compute_output_spec", || layer.compute_output_spec(&inputs))?
        .map_err(|e| format!("{id}: compute_output_spec failed: {e}"))?;
    if got != want {
        return Err(format!("{id}: output spec {got:?} != Keras {want:?}"));
    }
    Ok(())
}

/// Every check of one case of an implemented class.
pub fn check_case(case: &Value) -> Check {
    let id = case["id"].as_str().unwrap_or("?");
    let tol = Tolerance::of(case);
    let layer = fresh_layer(case).map_err(|e| format!("{id}: {e}"))?;
    check_config_and_build(id, case, &layer)?;
    if case.get("inputs").is_some() {
        check_calls(id, case, &layer, tol)?;
    }
    if case.get("output_spec").is_some() {
        check_output_spec(id, case, &layer)?;
    }
    Ok(())
}

/// The hostile-input checks of one case: a fresh layer called on inputs of a wrong rank
/// or mismatched shapes must return `Err` where Keras raised, and must never panic. Where
/// Keras succeeded, keras-rs may succeed with Keras's output shapes or return `Err`.
/// Returns how many calls were checked.
pub fn check_hostile(case: &Value) -> std::result::Result<usize, String> {
    let id = case["id"].as_str().unwrap_or("?");
    let Some(list) = case.get("hostile").and_then(Value::as_array) else {
        return Ok(0);
    };
    for h in list {
        let layer = fresh_layer(case).map_err(|e| format!("{id}: {e}"))?;
        let shapes = h["input_shapes"].as_array().ok_or("bad hostile shapes")?;
        let dtypes = h["dtypes"].as_array().ok_or("bad hostile dtypes")?;
        let inputs: Vec<Tensor> = shapes
            .iter()
            .zip(dtypes)
            .map(|(s, d)| ops::ones(&dims(s)?, parse_dtype(d)?).map_err(|e| e.to_string()))
            .collect::<std::result::Result<_, String>>()?;
        let what = format!("{id}: hostile input shapes {}", h["input_shapes"]);
        let got = no_panic(&what, || layer.call_with(&inputs, &CallArgs::inference()))?;
        match (&h["keras"].get("error"), got) {
            (Some(_), Err(_)) | (None, Err(_)) => {}
            (Some(err), Ok(_)) => {
                return Err(format!(
                    "{what}: Keras raised {err} but keras-rs returned a value"
                ))
            }
            (None, Ok(out)) => {
                let got: Vec<Vec<usize>> = out.iter().map(|t| t.dims().to_vec()).collect();
                let want: Vec<Vec<usize>> = h["keras"]["output_shapes"]
                    .as_array()
                    .ok_or("bad hostile output shapes")?
                    .iter()
                    .map(dims)
                    .collect::<Result<_, _>>()?;
                if got != want {
                    return Err(format!("{what}: output shapes {got:?} != Keras {want:?}"));
                }
            }
        }
    }
    Ok(list.len())
}
