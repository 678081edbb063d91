//! Functional models to and from Keras's config: each layer's object dict plus its
//! `inbound_nodes` (the calls inside this model, with `keras_history` triples), and the
//! `input_layers` / `output_layers` triples.

use std::collections::HashMap;
use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{Error, Result};
use serde_json::{json, Value};

use super::operation::{is_operation, OpArg, Operation};
use super::{Functional, Tensors};
use crate::layers::{
    apply_symbolic, shape_to_json, InputLayer, KerasTensor, LayerExt, LayerRef, Node,
};
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

/// A node's `{"args", "kwargs"}`: its tensors (one list for a merge layer), an operation's
/// constants in place, and the masks passed explicitly.
fn node_json(n: &Node, own: &HashMap<usize, Vec<usize>>) -> Value {
    let layer = n.layer();
    let tensors: Vec<Value> = n
        .inputs()
        .iter()
        .map(|t| keras_tensor_json(t, own))
        .collect();
    let args = match layer.as_any().downcast_ref::<Operation>() {
        Some(op) => {
            let mut rest = tensors.into_iter();
            op.args()
                .iter()
                .map(|a| match a {
                    OpArg::Tensor => rest.next().unwrap_or(Value::Null),
                    OpArg::Tensors(k) => Value::Array(rest.by_ref().take(*k).collect()),
                    OpArg::Const(v) => v.clone(),
                })
                .collect()
        }
        None if n.list_input() => vec![Value::Array(tensors)],
        None => tensors,
    };
    let mut kwargs = Config::new();
    if !n.masks().is_empty() {
        let masks: Vec<Value> = n
            .masks()
            .iter()
            .map(|m| {
                m.as_ref()
                    .map_or(Value::Null, |t| keras_tensor_json(t, own))
            })
            .collect();
        let mask = if n.list_input() {
            Value::Array(masks)
        } else {
            masks.into_iter().next().unwrap_or(Value::Null)
        };
        kwargs.insert("mask".into(), mask);
    } else if layer.is_container() {
        // Keras records the `mask` argument of nested models' calls.
        kwargs.insert("mask".into(), Value::Null);
    }
    json!({ "args": args, "kwargs": kwargs })
}

pub(super) fn get_config(model: &Functional) -> Config {
    let own = own_node_indices(model);
    let mut layers = Vec::new();
    for l in model.operations() {
        let mut v = serialize_layer(l.as_ref());
        let nodes: Vec<Value> = model
            .nodes()
            .iter()
            .filter(|n| Arc::ptr_eq(n.layer(), l))
            .map(|n| node_json(n, &own))
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

/// The output tensors of each layer's nodes, by layer name, as they are created.
type Created = HashMap<String, Vec<Vec<KerasTensor>>>;

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

/// One positional argument of a node.
#[derive(Clone, Debug)]
enum Arg {
    Tensor(History),
    Tensors(Vec<History>),
    Const(Value),
}

/// A node of the config: its positional arguments and the masks passed explicitly as the
/// `mask` keyword (one per input tensor; empty when none).
struct NodeData {
    args: Vec<Arg>,
    masks: Vec<Option<History>>,
}

impl NodeData {
    /// The input tensors, in order.
    fn inputs(&self) -> Vec<&History> {
        self.args
            .iter()
            .flat_map(|a| match a {
                Arg::Tensor(h) => vec![h],
                Arg::Tensors(hs) => hs.iter().collect(),
                Arg::Const(_) => vec![],
            })
            .collect()
    }
    /// Whether the tensors were passed as one list (merge layers).
    fn list_input(&self) -> bool {
        self.args.iter().any(|a| matches!(a, Arg::Tensors(_)))
    }
    /// The arguments as an operation's template (tensors as placeholders).
    fn op_args(&self) -> Vec<OpArg> {
        self.args
            .iter()
            .map(|a| match a {
                Arg::Tensor(_) => OpArg::Tensor,
                Arg::Tensors(hs) => OpArg::Tensors(hs.len()),
                Arg::Const(v) => OpArg::Const(v.clone()),
            })
            .collect()
    }
}

/// A `__keras_tensor__` dict's history, if `v` is one.
fn tensor_history(v: &Value) -> Result<Option<History>> {
    match v.pointer("/config/keras_history") {
        Some(h) if v.get("class_name").and_then(Value::as_str) == Some("__keras_tensor__") => {
            Ok(Some(parse_triple(h)?))
        }
        _ => Ok(None),
    }
}

/// One positional argument: a tensor, a list of tensors, or a constant.
fn parse_arg(v: &Value) -> Result<Arg> {
    if let Some(h) = tensor_history(v)? {
        return Ok(Arg::Tensor(h));
    }
    if let Some(items) = v.as_array() {
        let hs: Vec<Option<History>> = items.iter().map(tensor_history).collect::<Result<_>>()?;
        if !hs.is_empty() && hs.iter().all(Option::is_some) {
            return Ok(Arg::Tensors(hs.into_iter().flatten().collect()));
        }
    }
    match v {
        Value::Number(_) | Value::Bool(_) | Value::Null => Ok(Arg::Const(v.clone())),
        _ => bail!("Functional", "unsupported node argument {v}"),
    }
}

/// The `mask` keyword of a node: null, a tensor, or a list of tensors / nulls.
fn parse_masks(v: Option<&Value>) -> Result<Vec<Option<History>>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| match m {
                Value::Null => Ok(None),
                _ => tensor_history(m)?
                    .map(Some)
                    .ok_or_else(|| Error::op("Functional", format!("unsupported mask {m}"))),
            })
            .collect(),
        Some(m) => match tensor_history(m)? {
            Some(h) => Ok(vec![Some(h)]),
            None => bail!("Functional", "unsupported mask {m}"),
        },
    }
}

/// A node of the config, in the Keras 3 form (`{"args", "kwargs"}`) or the legacy Keras 2
/// one (a list of `[name, node, tensor, kwargs]`).
fn parse_node(node: &Value) -> Result<NodeData> {
    if let Some(args) = node.get("args").and_then(Value::as_array) {
        return Ok(NodeData {
            args: args.iter().map(parse_arg).collect::<Result<_>>()?,
            masks: parse_masks(node.pointer("/kwargs/mask"))?,
        });
    }
    let items = node
        .as_array()
        .ok_or_else(|| Error::op("Functional", format!("unsupported node {node}")))?;
    let mut hs: Vec<History> = items.iter().map(parse_triple).collect::<Result<_>>()?;
    let args = if hs.len() == 1 {
        vec![Arg::Tensor(hs.remove(0))]
    } else {
        vec![Arg::Tensors(hs)]
    };
    Ok(NodeData {
        args,
        masks: Vec::new(),
    })
}

pub(super) fn from_config(c: &Config) -> Result<Functional> {
    let name: Option<String> = c.get_or("name", None, "Functional")?;
    let Some(Value::Array(layer_dicts)) = c.get("layers") else {
        bail!("Functional", "config has no layers list");
    };
    // 1. Instantiate every layer (and keras.ops operation); input layers get their tensor
    //    right away.
    let mut layers: Vec<(LayerRef, Vec<NodeData>)> = Vec::new();
    let mut created: Created = HashMap::new();
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
        let nodes: Vec<NodeData> = d
            .get("inbound_nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(parse_node)
            .collect::<Result<_>>()?;
        let layer: LayerRef = if is_operation(d) {
            let args = nodes.first().map(NodeData::op_args).unwrap_or_default();
            if nodes.iter().any(|n| n.op_args() != args) {
                bail!(
                    "Functional",
                    "operation {lname:?} is called with different constant arguments"
                );
            }
            Arc::new(Operation::from_config(d, args)?)
        } else {
            for n in &nodes {
                if let Some(Arg::Const(v)) = n.args.iter().find(|a| matches!(a, Arg::Const(_))) {
                    bail!(
                        "Functional",
                        "layer {lname:?}: unsupported node argument {v} (only tensors can be \
                         passed positionally to a layer)"
                    );
                }
            }
            deserialize_layer(d)?
        };
        offsets.insert(lname.to_string(), io_offset(&layer));
        layers.push((layer, nodes));
    }
    fn lookup(created: &Created, (n, i, j): &History) -> Option<KerasTensor> {
        created.get(n)?.get(*i)?.get(*j).cloned()
    }
    // 2. Call the layers on resolved inputs, retrying nodes whose inputs do not exist yet.
    let mut next: Vec<usize> = vec![0; layers.len()];
    loop {
        let mut progressed = false;
        let mut pending = false;
        for (li, (layer, nodes)) in layers.iter().enumerate() {
            while next[li] < nodes.len() {
                let node = &nodes[next[li]];
                let inputs: Option<Vec<KerasTensor>> = node
                    .inputs()
                    .into_iter()
                    .map(|h| lookup(&created, h))
                    .collect();
                let masks: Option<Vec<Option<KerasTensor>>> = node
                    .masks
                    .iter()
                    .map(|m| match m {
                        Some(h) => lookup(&created, h).map(Some),
                        None => Some(None),
                    })
                    .collect();
                let (Some(inputs), Some(masks)) = (inputs, masks) else {
                    pending = true;
                    break;
                };
                let outs = apply_symbolic(layer.clone(), inputs, masks, node.list_input())?;
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

    /// The graph Keras 3.15.1 writes for `GlobalAveragePooling1D()(Masking()(x))`: the mask
    /// is computed by `NotEqual` and `Any` operations and passed as the `mask` keyword.
    fn masking_config() -> Config {
        let kt = |name: &str, shape: Value, dtype: &str| {
            json!({"class_name": "__keras_tensor__",
                   "config": {"shape": shape, "dtype": dtype, "keras_history": [name, 0, 0]}})
        };
        let x = kt("x", json!([null, 3, 2]), "float32");
        json!({
            "name": "m", "trainable": true,
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
                 "config": {"batch_shape": [null, 3, 2], "dtype": "float32", "name": "x"},
                 "inbound_nodes": []},
                {"module": "keras.layers", "class_name": "Masking", "name": "masking",
                 "config": {"name": "masking", "mask_value": 0.0},
                 "inbound_nodes": [{"args": [x], "kwargs": {}}]},
                {"module": "keras.src.ops.numpy", "class_name": "NotEqual",
                 "registered_name": "NotEqual", "name": "not_equal",
                 "config": {"name": "not_equal"},
                 "inbound_nodes": [{"args": [x, 0.0], "kwargs": {}}]},
                {"module": "keras.src.ops.numpy", "class_name": "Any", "registered_name": "Any",
                 "name": "any", "config": {"name": "any", "axis": -1, "keepdims": false},
                 "inbound_nodes": [{"args": [kt("not_equal", json!([null, 3, 2]), "bool")],
                                    "kwargs": {}}]},
                {"module": "keras.layers", "class_name": "GlobalAveragePooling1D", "name": "gap",
                 "config": {"name": "gap"},
                 "inbound_nodes": [{"args": [kt("masking", json!([null, 3, 2]), "float32")],
                                    "kwargs": {"mask": kt("any", json!([null, 3]), "bool")}}]}
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["gap", 0, 0]]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn keras_operations_and_explicit_masks_load_and_save() {
        let model = from_config(&masking_config()).unwrap();
        // The operations run but are not layers.
        assert_eq!(model.operations().len(), 5);
        assert_eq!(model.layers().len(), 3);
        let x =
            keras_ops::Tensor::from_vec(vec![1.0f32, 3.0, 0.0, 0.0, 5.0, 1.0], [1, 3, 2]).unwrap();
        // The zero step is masked out: mean of (1, 3) and (5, 1).
        assert_eq!(run(&model, std::slice::from_ref(&x)), vec![vec![3.0, 2.0]]);
        let c = get_config(&model);
        let ops: Vec<&Value> = c["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["module"] == "keras.src.ops.numpy")
            .collect();
        assert_eq!(ops[0]["inbound_nodes"][0]["args"][1], json!(0.0));
        assert_eq!(
            ops[1]["config"],
            json!({"name": "any", "axis": -1, "keepdims": false})
        );
        let gap = c["layers"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            gap["inbound_nodes"][0]["kwargs"]["mask"]["config"]["keras_history"],
            json!(["any", 0, 0])
        );
        let again = from_config(&c).unwrap();
        assert_eq!(run(&again, &[x]), vec![vec![3.0, 2.0]]);
    }

    #[test]
    fn constants_are_refused_as_layer_arguments() {
        let mut c = masking_config();
        c["layers"][4]["inbound_nodes"][0]["args"]
            .as_array_mut()
            .unwrap()
            .push(json!(2));
        let err = from_config(&c).err().unwrap().to_string();
        assert!(err.contains("unsupported node argument 2"), "{err}");
    }
}
