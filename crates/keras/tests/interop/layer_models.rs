//! One small Functional model per layer conformance case (`tests/fixtures/layers/*.json`):
//! the case's layer, made from its Keras config and given its weights, applied to Inputs
//! shaped (batch dim left free) and typed like the case's inputs.

use keras::layers::{shape_from_json, Apply, Input, KerasTensor, LayerExt};
use keras::models::Functional;
use keras::saving::deserialize_layer;
use keras::Tensor;
use keras_ops::HostBuffer;
use serde_json::Value;

use super::export::Context;
use super::TestResult;
use crate::fixture::{parse_dtype, parse_tensor, parse_tensors};

/// A file-name-safe model name from a case id (`Dense/units_4` -> `case_Dense_units_4`).
pub fn model_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("case_{safe}")
}

/// Why a case has no model, or `None` when it has one.
pub fn skip_reason(case: &Value) -> Option<&str> {
    if case.get("object").is_none() {
        Some("Keras could not run it (no config in the fixture)")
    } else if case.get("keras_error").is_some() {
        Some("Keras raised on its inputs")
    } else {
        None
    }
}

/// `InputLayer` cases have no call inputs: the model is that input alone
/// (`Model(inputs=x, outputs=x)`), fed counting numbers of the input's shape and dtype
/// (a batch of 2 when the batch size is free).
fn input_layer_model(id: &str, config: &Value) -> TestResult<(Functional, Vec<Tensor>)> {
    let batch_shape = shape_from_json(&config["batch_shape"]).context(id)?;
    let dtype = parse_dtype(&config["dtype"]).context(id)?;
    let (batch, shape) = batch_shape.split_first().ok_or(format!("{id}: rank 0"))?;
    let mut input = Input::with_unknown_dims(shape).dtype(dtype);
    if let Some(b) = batch {
        input = input.batch_size(*b);
    }
    if let Some(name) = config["name"].as_str() {
        input = input.name(name);
    }
    let x = input.build();
    let dims: Vec<usize> = batch_shape.iter().map(|d| d.unwrap_or(2)).collect();
    let n: usize = dims.iter().product();
    let data = HostBuffer::from((0..n).map(|i| i as f64).collect::<Vec<_>>()).cast(dtype);
    let value = Tensor::from_host(data, dims).context(id)?;
    let model = Functional::with_name(vec![x.clone()], vec![x], Some(&model_name(id)))
        .context(&format!("{id}: Functional"))?;
    Ok((model, vec![value]))
}

/// The case's model and its inputs (the case's own input values).
pub fn layer_case_model(case: &Value) -> TestResult<(Functional, Vec<Tensor>)> {
    let id = case["id"].as_str().unwrap_or("?");
    let object = &case["object"];
    if case.get("inputs").is_none() {
        return input_layer_model(id, &object["config"]);
    }
    let values = parse_tensors(&case["inputs"]).context(id)?;
    let inputs: Vec<KerasTensor> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Input::new(&v.dims()[1..])
                .dtype(v.dtype())
                .name(&format!("x{i}"))
                .build()
        })
        .collect();
    let layer = deserialize_layer(object).context(&format!("{id}: deserialize_layer"))?;
    let outputs = if layer.takes_list() {
        (&layer).apply_list(&inputs).map(|o| vec![o])
    } else {
        (&layer).apply_multi(&inputs)
    }
    .context(&format!("{id}: apply"))?;
    let weights: Vec<Tensor> = case["weights"]
        .as_array()
        .ok_or(format!("{id}: no weights list"))?
        .iter()
        .map(parse_tensor)
        .collect::<Result<_, _>>()
        .context(id)?;
    layer
        .set_weights(&weights)
        .context(&format!("{id}: set_weights"))?;
    let model = Functional::with_name(inputs, outputs, Some(&model_name(id)))
        .context(&format!("{id}: Functional"))?;
    Ok((model, values))
}
