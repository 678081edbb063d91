//! Functional models to and from Keras's config: each layer's object dict plus its
//! `inbound_nodes` (the calls inside this model, with `keras_history` triples), and the
//! `input_layers` / `output_layers` triples.

use std::collections::HashMap;
use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{Error, Result};
use serde_json::{json, Value};

use super::{Functional, Tensors};
use crate::layers::{shape_to_json, Apply, InputLayer, KerasTensor, LayerExt, LayerRef};
use crate::saving::object::Config;
use crate::saving::{deserialize_layer, serialize_layer, ConfigExt};

/// For each layer (by pointer), the indices of its nodes that belong to the model, sorted.
fn own_node_indices(model: &Functional) -> HashMap<usize, Vec<usize>> {
    let mut map: HashMap<usize, Vec<usize>> = HashMap::new();
    let all_nodes = model
        .inputs()
        .iter()
        .map(|t| t.node().clone())
        .chain(model.nodes().iter().cloned());
    for n in all_nodes {
        map.entry(layer_key(n.layer())).or_default().push(n.index());
    }
    map.values_mut().for_each(|v| v.sort_unstable());
    map
}

fn layer_key(l: &LayerRef) -> usize {
    Arc::as_ptr(l) as *const () as usize
}

/// `[layer_name, node_index, tensor_index]` with the node index counted within the model.
fn history(t: &KerasTensor, own: &HashMap<usize, Vec<usize>>) -> Value {
    let layer = t.node().layer();
    let idx = own[&layer_key(layer)]
        .iter()
        .position(|&i| i == t.node().index())
        .expect("node belongs to the model");
    json!([layer.name(), idx, t.tensor_index()])
}

/// Keras counts a nested Functional model's construction as its node 0 in
/// `input_layers`/`output_layers` (not in `inbound_nodes`), so their node indices for such
/// a producer are one higher.
fn io_offset(layer: &LayerRef) -> usize {
    usize::from(layer.as_any().is::<Functional>())
}

/// An `input_layers`/`output_layers` triple.
fn io_history(t: &KerasTensor, own: &HashMap<usize, Vec<usize>>) -> Value {
    let mut h = history(t, own);
    h[1] = json!(h[1].as_u64().unwrap_or(0) as usize + io_offset(t.node().layer()));
    h
}

fn keras_tensor_json(t: &KerasTensor, own: &HashMap<usize, Vec<usize>>) -> Value {
    json!({
        "class_name": "__keras_tensor__",
        "config": {
            "shape": shape_to_json(t.shape()),
            "dtype": t.dtype().name(),
            "keras_history": history(t, own),
        }
    })
}

pub(super) fn get_config(model: &Functional) -> Config {
    let own = own_node_indices(model);
    let mut layers = Vec::new();
    for l in model.layers() {
        let mut v = serialize_layer(l.as_ref());
        let nodes: Vec<Value> = model
            .nodes()
            .iter()
            .filter(|n| Arc::ptr_eq(n.layer(), l))
            .map(|n| {
                let args: Vec<Value> = n
                    .inputs()
                    .iter()
                    .map(|t| keras_tensor_json(t, &own))
                    .collect();
                let args = if n.list_input() {
                    vec![Value::Array(args)]
                } else {
                    args
                };
                // Keras records the `mask` argument of nested models' calls.
                let kwargs = if l.is_container() {
                    json!({ "mask": null })
                } else {
                    json!({})
                };
                json!({ "args": args, "kwargs": kwargs })
            })
            .collect();
        v["name"] = json!(l.name());
        v["inbound_nodes"] = Value::Array(nodes);
        layers.push(v);
    }
    let triples = |ts: &Tensors| match ts {
        Tensors::One(t) => io_history(t, &own),
        Tensors::Many(v) => Value::Array(v.iter().map(|t| io_history(t, &own)).collect()),
    };
    let mut c = Config::new();
    c.insert("name".into(), json!(model.base.name()));
    c.insert("trainable".into(), json!(model.base.trainable()));
    c.insert("layers".into(), Value::Array(layers));
    c.insert("input_layers".into(), triples(&model.inputs));
    c.insert("output_layers".into(), triples(&model.outputs));
    c
}

/// `(layer name, node index, tensor index)`: Keras's `keras_history`.
type History = (String, usize, usize);

/// A `[name, node, tensor]` triple.
fn parse_triple(v: &Value) -> Result<History> {
    let bad = || Error::op("Functional", format!("bad keras_history triple {v}"));
    let a = v.as_array().ok_or_else(bad)?;
    match a.as_slice() {
        [n, i, j, ..] => Ok((
            n.as_str().ok_or_else(bad)?.to_string(),
            i.as_u64().ok_or_else(bad)? as usize,
            j.as_u64().ok_or_else(bad)? as usize,
        )),
        _ => Err(bad()),
    }
}

/// `input_layers`/`output_layers`: one triple, or a list of them.
fn parse_structure(v: &Value) -> Result<(Vec<History>, bool)> {
    let is_triple = v
        .as_array()
        .is_some_and(|a| a.first().is_some_and(Value::is_string));
    if is_triple {
        Ok((vec![parse_triple(v)?], false))
    } else {
        let a = v
            .as_array()
            .ok_or_else(|| Error::op("Functional", format!("bad input/output layers {v}")))?;
        Ok((a.iter().map(parse_triple).collect::<Result<_>>()?, true))
    }
}

/// One argument of a node: a tensor (`__keras_tensor__`), a list of tensors, or the legacy
/// `[name, node, tensor, kwargs]` form.
fn arg_histories(v: &Value) -> Result<(Vec<History>, bool)> {
    if let Some(h) = v.pointer("/config/keras_history") {
        return Ok((vec![parse_triple(h)?], false));
    }
    if let Some(a) = v.as_array() {
        if a.first().is_some_and(Value::is_string) {
            return Ok((vec![parse_triple(v)?], false));
        }
        let mut out = Vec::new();
        for x in a {
            out.extend(arg_histories(x)?.0);
        }
        return Ok((out, true));
    }
    bail!("Functional", "unsupported node argument {v}")
}

/// A node's inputs: `(histories, passed as a list)`.
fn node_inputs(node: &Value) -> Result<(Vec<History>, bool)> {
    if let Some(args) = node.get("args").and_then(Value::as_array) {
        let mut all = Vec::new();
        let mut list = false;
        for a in args {
            let (h, l) = arg_histories(a)?;
            list |= l;
            all.extend(h);
        }
        return Ok((all, list));
    }
    // Legacy Keras 2: a list of [name, node, tensor, kwargs].
    let (h, _) = arg_histories(node)?;
    Ok((h.clone(), h.len() > 1))
}

pub(super) fn from_config(c: &Config) -> Result<Functional> {
    let name: Option<String> = c.get_or("name", None, "Functional")?;
    let Some(Value::Array(layer_dicts)) = c.get("layers") else {
        bail!("Functional", "config has no layers list");
    };
    // 1. Instantiate every layer; input layers get their tensor right away.
    let mut layers: Vec<(LayerRef, Vec<Value>)> = Vec::new();
    let mut created: HashMap<String, Vec<Vec<KerasTensor>>> = HashMap::new();
    let mut offsets: HashMap<String, usize> = HashMap::new();
    for d in layer_dicts {
        let lname = d
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::op("Functional", "a layer entry has no name"))?;
        if d.get("class_name").and_then(Value::as_str) == Some("InputLayer") {
            let cfg = d
                .get("config")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let il = Arc::new(InputLayer::from_config(&cfg)?);
            let t = crate::layers::core::input_tensor(il);
            created.insert(lname.to_string(), vec![vec![t]]);
            continue;
        }
        let layer = deserialize_layer(d)?;
        offsets.insert(lname.to_string(), io_offset(&layer));
        let nodes = d
            .get("inbound_nodes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        layers.push((layer, nodes));
    }
    // 2. Call the layers on resolved inputs, retrying nodes whose inputs do not exist yet.
    let mut next: Vec<usize> = vec![0; layers.len()];
    loop {
        let mut progressed = false;
        let mut pending = false;
        for (li, (layer, nodes)) in layers.iter().enumerate() {
            while next[li] < nodes.len() {
                let (hist, list) = node_inputs(&nodes[next[li]])?;
                let resolved: Option<Vec<KerasTensor>> = hist
                    .iter()
                    .map(|(n, i, j)| {
                        created
                            .get(n)
                            .and_then(|v| v.get(*i))
                            .and_then(|o| o.get(*j))
                            .cloned()
                    })
                    .collect();
                let Some(inputs) = resolved else {
                    pending = true;
                    break;
                };
                let outs = if list {
                    vec![layer.apply_list(&inputs)?]
                } else {
                    layer.apply_multi(&inputs)?
                };
                created
                    .entry(layer.name().to_string())
                    .or_default()
                    .push(outs);
                next[li] += 1;
                progressed = true;
            }
        }
        if !pending {
            break;
        }
        if !progressed {
            bail!(
                "Functional",
                "model config has loops or disconnected nodes (a layer input refers to a node that is never created)"
            );
        }
    }
    let pick = |v: &Value| -> Result<Tensors> {
        let (triples, many) = parse_structure(v)?;
        let ts: Vec<KerasTensor> = triples
            .iter()
            .map(|(n, i, j)| {
                let node = i.checked_sub(offsets.get(n).copied().unwrap_or(0));
                node.and_then(|i| created.get(n)?.get(i)?.get(*j))
                    .cloned()
                    .ok_or_else(|| Error::op("Functional", format!("no tensor [{n}, {i}, {j}]")))
            })
            .collect::<Result<_>>()?;
        Ok(if many {
            Tensors::Many(ts)
        } else {
            Tensors::One(ts.into_iter().next().expect("one triple"))
        })
    };
    let inputs = pick(c.get("input_layers").unwrap_or(&Value::Null))?;
    let outputs = pick(c.get("output_layers").unwrap_or(&Value::Null))?;
    let model = Functional::with_name(inputs, outputs, name.as_deref())?;
    model
        .base
        .set_trainable(c.get_or("trainable", true, "Functional")?);
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures() {
        let (t, many) = parse_structure(&json!(["a", 0, 0])).unwrap();
        assert_eq!((t.len(), many), (1, false));
        let (t, many) = parse_structure(&json!([["a", 0, 0], ["b", 0, 0]])).unwrap();
        assert_eq!((t.len(), many), (2, true));
    }

    fn run(model: &Functional, xs: &[keras_ops::Tensor]) -> Vec<Vec<f32>> {
        model
            .call_with(xs, &crate::layers::CallArgs::inference())
            .unwrap()
            .iter()
            .map(|t| t.to_vec::<f32>().unwrap())
            .collect()
    }

    #[test]
    fn nested_functional_outputs_count_its_construction_node() {
        use crate::layers::{Apply, Dense, Input};
        let ix = Input::new(&[2]).build();
        let h = Dense::new(2).apply(&ix).unwrap();
        let encoder: LayerRef = Arc::new(Functional::with_name(ix, h, Some("encoder")).unwrap());
        let (a, b) = (Input::new(&[2]).build(), Input::new(&[2]).build());
        let ea = (&encoder).apply(&a).unwrap();
        let eb = (&encoder).apply(&b).unwrap();
        let model = Functional::new(vec![a, b], vec![ea, eb]).unwrap();
        let c = get_config(&model);
        // What Keras 3.15.1 writes for the first and second call of a nested model.
        assert_eq!(
            c["output_layers"],
            json!([["encoder", 1, 0], ["encoder", 2, 0]])
        );
        let back = from_config(&c).unwrap();
        back.set_weights(&model.get_weights()).unwrap();
        let xs = [
            keras_ops::Tensor::from_vec(vec![1.0f32, 2.0], [1, 2]).unwrap(),
            keras_ops::Tensor::from_vec(vec![-3.0f32, 0.5], [1, 2]).unwrap(),
        ];
        assert_eq!(run(&back, &xs), run(&model, &xs));
    }
}
