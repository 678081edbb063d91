//! Keras 2 model configs (the `model_config` attribute of a legacy `.h5` file, or Keras 2's
//! `model.to_json()`) turned into the Keras 3 form that [`deserialize_layer`] takes.
//!
//! What differs in a Keras 2 config, and what becomes of it:
//! * `batch_input_shape` on an `InputLayer` becomes `batch_shape`; on the first layer of a
//!   Sequential without an `InputLayer`, an `InputLayer` is put in front; elsewhere it is
//!   dropped (Keras 3 does the same with it);
//! * `inbound_nodes` as lists of `[layer, node, tensor, kwargs]` become
//!   `{"args": [...], "kwargs": {}}` nodes. A nested model that Keras 2 built from an
//!   `InputLayer` counts its own construction as node 0, so references to it shift down by
//!   one, as Keras 2's `_should_skip_first_node` does;
//! * `input_layers` / `output_layers` of one tensor are a one-element list in Keras 2, which
//!   means a single tensor there;
//! * class `Model` is `Functional`; BatchNormalization's `axis: [n]` is `n`;
//! * a Lambda holding a function *name* refers to a registered function, one holding Python
//!   bytecode is refused.
//!
//! Keras 3 configs (also written to legacy `.h5` files by Keras 3) pass through unchanged.
//!
//! [`deserialize_layer`]: crate::saving::deserialize_layer

use std::collections::HashSet;

use keras_backend::{bail, Error, Result};
use serde_json::{json, Map, Value};

const OP: &str = "load_legacy_h5";

/// The Keras 3 form of a model (or layer) object dict from a legacy file; `keras2` says the
/// file was written by Keras 1 or 2 (its `keras_version` attribute).
pub(super) fn convert_model(value: &Value, keras2: bool) -> Result<Value> {
    if !value.is_object() {
        bail!(OP, "model_config is not a JSON object: {}", excerpt(value));
    }
    convert_layer(value, keras2)
}

/// The first 200 characters of a JSON value, for error messages.
fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn class_name(d: &Value) -> Result<&str> {
    d.get("class_name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::op(OP, format!("a layer has no class_name: {}", excerpt(d))))
}

fn layer_label(d: &Value) -> String {
    let name = d
        .get("name")
        .or_else(|| d.pointer("/config/name"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    let class = d.get("class_name").and_then(Value::as_str).unwrap_or("?");
    format!("layer {name:?} ({class})")
}

fn convert_layer(d: &Value, keras2: bool) -> Result<Value> {
    let class = class_name(d)?;
    let mut out = d.clone();
    let config = d.get("config").cloned().unwrap_or(Value::Null);
    let (class, config) = match class {
        "Sequential" => ("Sequential", convert_sequential(config, keras2)?),
        "Functional" | "Model" => ("Functional", convert_functional(&config, keras2)?),
        other => (other, convert_layer_config(d, other, config)?),
    };
    out["class_name"] = json!(class);
    out["config"] = config;
    Ok(out)
}

/// The changes a single layer's config needs.
fn convert_layer_config(d: &Value, class: &str, config: Value) -> Result<Value> {
    let Value::Object(mut c) = config else {
        bail!(OP, "{}: config is not an object", layer_label(d));
    };
    if let Some(shape) = c.remove("batch_input_shape") {
        if class == "InputLayer" && !c.contains_key("batch_shape") {
            c.insert("batch_shape".into(), shape);
        }
    }
    if class == "BatchNormalization" {
        if let Some(Value::Array(axes)) = c.get("axis") {
            match axes.as_slice() {
                [one] => {
                    let one = one.clone();
                    c.insert("axis".into(), one);
                }
                _ => bail!(
                    OP,
                    "{}: normalizing over several axes {:?} is not supported",
                    layer_label(d),
                    axes
                ),
            }
        }
    }
    if class == "Lambda" {
        convert_lambda(d, &mut c)?;
    }
    Ok(Value::Object(c))
}

/// Keras 2 stored a Lambda's function as `[code, defaults, closure]` (Python bytecode) with
/// `function_type: "lambda"`, or as a name with `function_type: "function"`.
fn convert_lambda(d: &Value, c: &mut Map<String, Value>) -> Result<()> {
    let kind = c.remove("function_type");
    for key in ["module", "output_shape_type", "output_shape_module"] {
        c.remove(key);
    }
    match c.get("function") {
        Some(Value::String(name)) if kind.as_ref().and_then(Value::as_str) != Some("lambda") => {
            let f = json!({"class_name": "function", "config": name});
            c.insert("function".into(), f);
        }
        Some(Value::Array(_)) | Some(Value::String(_)) => bail!(
            OP,
            "{}: the file holds a Python lambda (bytecode), which cannot be loaded; \
             register a function with keras::layers::register_lambda and rebuild the layer",
            layer_label(d)
        ),
        _ => {}
    }
    Ok(())
}

fn convert_sequential(config: Value, keras2: bool) -> Result<Value> {
    // Keras 2.0 wrote a Sequential's config as the bare list of its layers.
    let mut c = match config {
        Value::Array(layers) => {
            let mut m = Map::new();
            m.insert("layers".into(), Value::Array(layers));
            m
        }
        Value::Object(m) => m,
        other => bail!(
            OP,
            "Sequential config is not an object: {}",
            excerpt(&other)
        ),
    };
    let Some(Value::Array(layers)) = c.get("layers") else {
        bail!(OP, "Sequential config has no layers list");
    };
    let mut converted = Vec::with_capacity(layers.len() + 1);
    if let Some(first) = layers.first() {
        let is_input = first.get("class_name").and_then(Value::as_str) == Some("InputLayer");
        if let (false, Some(shape)) = (is_input, first.pointer("/config/batch_input_shape")) {
            // What Keras 2 built from `input_shape=` on the first layer.
            let dtype = match first.pointer("/config/dtype") {
                Some(Value::String(s)) => s.clone(),
                _ => "float32".to_string(),
            };
            let name = first
                .pointer("/config/name")
                .and_then(Value::as_str)
                .map(|n| format!("{n}_input"));
            converted.push(json!({
                "class_name": "InputLayer",
                "config": {"batch_shape": shape, "dtype": dtype, "name": name},
            }));
        }
    }
    for l in layers {
        converted.push(convert_layer(l, keras2)?);
    }
    c.insert("layers".into(), Value::Array(converted));
    Ok(Value::Object(c))
}

/// Whether Keras 2 counted this nested model's construction as its node 0: a Functional (or
/// Sequential) whose first layer is an `InputLayer`.
fn has_builtin_node(converted: &Value) -> bool {
    matches!(
        converted.get("class_name").and_then(Value::as_str),
        Some("Functional" | "Sequential")
    ) && converted
        .pointer("/config/layers/0/class_name")
        .and_then(Value::as_str)
        == Some("InputLayer")
}

fn convert_functional(config: &Value, keras2: bool) -> Result<Value> {
    let Value::Object(c) = config else {
        bail!(
            OP,
            "Functional config is not an object: {}",
            excerpt(config)
        );
    };
    let mut c = c.clone();
    let Some(Value::Array(layers)) = c.get("layers").cloned() else {
        bail!(OP, "Functional config has no layers list");
    };
    let mut converted = Vec::with_capacity(layers.len());
    let mut shifted: HashSet<String> = HashSet::new();
    for l in &layers {
        let mut v = convert_layer(l, keras2)?;
        if let Some(name) = l.get("name").and_then(Value::as_str) {
            v["name"] = json!(name);
            if keras2 && has_builtin_node(&v) {
                shifted.insert(name.to_string());
            }
        }
        converted.push(v);
    }
    for (v, orig) in converted.iter_mut().zip(&layers) {
        if let Some(Value::Array(nodes)) = orig.get("inbound_nodes") {
            let nodes = nodes
                .iter()
                .map(|n| convert_node(n, &shifted, orig))
                .collect::<Result<Vec<_>>>()?;
            v["inbound_nodes"] = Value::Array(nodes);
        }
    }
    c.insert("layers".into(), Value::Array(converted));
    for key in ["input_layers", "output_layers"] {
        if let Some(v) = c.get(key) {
            let v = convert_endpoints(v, &shifted, keras2)?;
            c.insert(key.into(), v);
        }
    }
    Ok(Value::Object(c))
}

/// `[name, node, tensor]` with the node index shifted for models with a built-in node.
fn history(entry: &[Value], shifted: &HashSet<String>, owner: &str) -> Result<Value> {
    let bad = || {
        Error::op(
            OP,
            format!("{owner}: bad inbound tensor {}", excerpt(&json!(entry))),
        )
    };
    let [name, node, tensor, ..] = entry else {
        return Err(bad());
    };
    let name_s = name.as_str().ok_or_else(bad)?;
    let mut node = node.as_u64().ok_or_else(bad)?;
    let tensor = tensor.as_u64().ok_or_else(bad)?;
    if shifted.contains(name_s) {
        node = node.checked_sub(1).ok_or_else(|| {
            Error::op(
                OP,
                format!("{owner}: refers to node 0 of the nested model {name_s:?}, its own construction"),
            )
        })?;
    }
    Ok(json!([name_s, node, tensor]))
}

fn keras_tensor(history: Value) -> Value {
    json!({"class_name": "__keras_tensor__", "config": {"keras_history": history}})
}

/// One Keras 2 node, `[[name, node, tensor, kwargs], ...]`, as `{"args", "kwargs"}`; a
/// Keras 3 node passes through.
fn convert_node(node: &Value, shifted: &HashSet<String>, layer: &Value) -> Result<Value> {
    let owner = layer_label(layer);
    let Value::Array(entries) = node else {
        return Ok(node.clone());
    };
    let mut tensors = Vec::with_capacity(entries.len());
    for e in entries {
        let Value::Array(e) = e else {
            bail!(OP, "{owner}: bad inbound node {}", excerpt(node));
        };
        if let Some(Value::Object(kwargs)) = e.get(3) {
            // Keras 2 records call arguments here; only neutral ones can be honoured.
            let neutral = kwargs.iter().all(|(k, v)| {
                matches!(k.as_str(), "training" | "mask") && (v.is_null() || v == &json!(false))
            });
            if !neutral {
                bail!(
                    OP,
                    "{owner}: call arguments {} are not supported",
                    excerpt(&Value::Object(kwargs.clone()))
                );
            }
        }
        tensors.push(keras_tensor(history(e, shifted, &owner)?));
    }
    let args = match tensors.len() {
        1 => tensors,
        _ => vec![Value::Array(tensors)],
    };
    Ok(json!({"args": args, "kwargs": {}}))
}

/// `input_layers` / `output_layers`: Keras 2 wraps even a single tensor in a list.
fn convert_endpoints(v: &Value, shifted: &HashSet<String>, keras2: bool) -> Result<Value> {
    if !keras2 {
        return Ok(v.clone());
    }
    let owner = "the model's inputs/outputs";
    let Value::Array(items) = v else {
        bail!(OP, "{owner}: expected a list, got {}", excerpt(v));
    };
    if items.first().is_some_and(Value::is_string) {
        return history(items, shifted, owner);
    }
    let triples = items
        .iter()
        .map(|t| match t {
            Value::Array(t) => history(t, shifted, owner),
            other => bail!(OP, "{owner}: bad entry {}", excerpt(other)),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(match <[Value; 1]>::try_from(triples) {
        Ok([one]) => one,
        Err(many) => Value::Array(many),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_gets_an_input_layer_from_batch_input_shape() {
        let cfg = json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": "float64",
                                                "batch_input_shape": [null, 3]}}]}});
        let out = convert_model(&cfg, true).unwrap();
        let layers = out["config"]["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(
            layers[0]["config"],
            json!({"batch_shape": [null, 3], "dtype": "float64", "name": "d_input"})
        );
        assert!(layers[1]["config"].get("batch_input_shape").is_none());
    }

    #[test]
    fn keras2_nodes_and_nested_model_offsets() {
        let inner = json!({"class_name": "Sequential", "name": "inner",
            "config": {"name": "inner", "layers": [
                {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2]}}]},
            "inbound_nodes": [[["x", 0, 0, {}]]]});
        let cfg = json!({"class_name": "Model", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x",
             "config": {"batch_input_shape": [null, 2], "name": "x"}, "inbound_nodes": []},
            inner,
            {"class_name": "Add", "name": "add", "config": {"name": "add"},
             "inbound_nodes": [[["inner", 1, 0, {}], ["x", 0, 0, {"training": null}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["add", 0, 0]]}});
        let out = convert_model(&cfg, true).unwrap();
        assert_eq!(out["class_name"], "Functional");
        let c = &out["config"];
        assert_eq!(c["input_layers"], json!(["x", 0, 0]));
        assert_eq!(c["layers"][0]["config"]["batch_shape"], json!([null, 2]));
        let node = &c["layers"][2]["inbound_nodes"][0];
        assert_eq!(
            node["args"][0][0]["config"]["keras_history"],
            json!(["inner", 0, 0])
        );
        assert_eq!(
            node["args"][0][1]["config"]["keras_history"],
            json!(["x", 0, 0])
        );
        let single = &c["layers"][1]["inbound_nodes"][0]["args"][0];
        assert_eq!(single["config"]["keras_history"], json!(["x", 0, 0]));
    }

    #[test]
    fn refusals_name_the_layer() {
        let bad_kwargs = json!({"class_name": "Functional", "config": {"layers": [
            {"class_name": "Dense", "name": "d", "config": {},
             "inbound_nodes": [[["x", 0, 0, {"y": 1}]]]}]}});
        let e = convert_model(&bad_kwargs, true).unwrap_err().to_string();
        assert!(e.contains("\"d\"") && e.contains("call arguments"), "{e}");
        let lambda = json!({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAA==", null, null],
                                                 "function_type": "lambda"}}]}});
        let e = convert_model(&lambda, true).unwrap_err().to_string();
        assert!(e.contains("\"lam\"") && e.contains("Python lambda"), "{e}");
        let bn = json!({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [1, 2]}}]}});
        let e = convert_model(&bn, true).unwrap_err().to_string();
        assert!(e.contains("\"bn\""), "{e}");
        assert!(convert_model(&json!([1]), true).is_err());
    }

    #[test]
    fn keras3_configs_pass_through() {
        let cfg = json!({"class_name": "Functional", "config": {"name": "m", "layers": [],
            "input_layers": [["x", 0, 0]], "output_layers": ["y", 0, 0]}});
        let out = convert_model(&cfg, false).unwrap();
        assert_eq!(out, cfg);
    }
}
