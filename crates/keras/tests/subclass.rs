//! Subclassed layers and models: `#[derive(Layer)]` collects sublayers so that the weight
//! paths are the ones Keras 3.15.1 writes for the same Python classes.

use std::sync::OnceLock;

use keras::initializers::Initializer;
use keras::layers::{CallArgs, Dense, Layer, LayerBase, LayerExt, Module, ShapeSpec};
use keras::saving::weight_paths;
use keras::{ops, DType, Result, Tensor, Variable};

/// Python: `class Block(layers.Layer)` with `self.proj = Dense(units)`,
/// `self.norms = [Dense(units), Dense(units)]` and `self.scale = self.add_weight(...)` in
/// `build`; `call` = proj, then each of norms, times scale.
#[derive(Layer)]
struct Block {
    base: LayerBase,
    proj: Dense,
    norms: Vec<Dense>,
    units: usize,
    scale: OnceLock<Variable>,
}

impl Module for Block {
    fn build(&self, _shapes: &[ShapeSpec]) -> Result<()> {
        let v = self
            .base
            .add_weight("scale", &[self.units], &Initializer::Ones, true)?;
        let _ = self.scale.set(v);
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let mut x = self.proj.forward(&inputs[0])?;
        for n in &self.norms {
            x = n.forward(&x)?;
        }
        let scale = self.scale.get().expect("built").value();
        Ok(vec![ops::multiply(&x, scale)?])
    }
}

/// Python: `class Net(keras.Model)` with `self.zeta = Dense(3)`, `self.block = Block(4)`,
/// `self._hidden = Dense(3)`; `call(x) = _hidden(zeta(block(x)))`.
#[derive(Layer)]
#[keras(model)]
struct Net {
    base: LayerBase,
    zeta: Dense,
    block: Block,
    _hidden: Dense,
}

impl Module for Net {
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = self.block.forward(&inputs[0])?;
        Ok(vec![self._hidden.forward(&self.zeta.forward(&x)?)?])
    }
}

impl keras::trainers::Trainer for Net {}

fn net() -> Net {
    Net {
        base: LayerBase::new("Net", Some("net")),
        zeta: Dense::new(3),
        block: Block {
            base: LayerBase::new("Block", None),
            proj: Dense::new(4),
            norms: vec![Dense::new(4), Dense::new(4)],
            units: 4,
            scale: OnceLock::new(),
        },
        _hidden: Dense::new(3),
    }
}

#[test]
fn weight_paths_match_keras() {
    let net = net();
    let y = net
        .forward(&ops::zeros(&[1, 5], DType::F32).unwrap())
        .unwrap();
    assert_eq!(y.dims(), &[1, 3]);
    let mut got: Vec<String> = weight_paths(&net)
        .into_iter()
        .map(|(p, v)| format!("{p} {:?}", v.shape().dims()))
        .collect();
    got.sort();
    // Dataset paths and shapes of `net.save_weights(...)` in Keras 3.15.1 (h5py listing).
    let want = [
        "block/norms/dense/vars/0 [4, 4]",
        "block/norms/dense/vars/1 [4]",
        "block/norms/dense_1/vars/0 [4, 4]",
        "block/norms/dense_1/vars/1 [4]",
        "block/proj/vars/0 [5, 4]",
        "block/proj/vars/1 [4]",
        "block/vars/0 [4]",
        "layers/dense/vars/0 [4, 3]",
        "layers/dense/vars/1 [3]",
        "layers/dense_1/vars/0 [3, 3]",
        "layers/dense_1/vars/1 [3]",
    ];
    assert_eq!(got, want);
    assert_eq!(net.weights().len(), 11);
}

#[test]
fn symbolic_shape_of_a_subclassed_layer_is_traced() {
    let net = net();
    use keras::layers::{Apply, Input};
    let x = Input::new(&[5]).build();
    let y = std::sync::Arc::new(net).apply(&x).unwrap();
    assert_eq!(y.shape(), &vec![None, Some(3)]);
}

#[test]
fn freezing_a_sublayer_moves_its_weights() {
    let net = net();
    net.forward(&ops::zeros(&[2, 5], DType::F32).unwrap())
        .unwrap();
    net.block.set_trainable(false);
    assert_eq!(net.trainable_weights().len(), 4);
    assert_eq!(net.non_trainable_weights().len(), 7);
    assert!(net.block.proj.trainable_weights().is_empty());
}

/// The model of `tests/fixtures/models/subclassed.json` (keras-spec §1.5.1): `Block` holds
/// `proj = Dense(4)`, `norms = [LayerNormalization(), LayerNormalization()]` and its own
/// weight `scale`; `Net(Model)` holds `zeta = Dense(3)` and `block = Block(4)`.
mod keras_fixture {
    use super::*;
    use keras::layers::LayerNormalization;

    #[derive(Layer)]
    pub struct Block {
        pub base: LayerBase,
        pub proj: Dense,
        pub norms: Vec<LayerNormalization>,
        pub scale: OnceLock<Variable>,
    }

    impl Module for Block {
        fn build(&self, _shapes: &[ShapeSpec]) -> Result<()> {
            let v = self
                .base
                .add_weight("scale", &[4], &Initializer::Ones, true)?;
            let _ = self.scale.set(v);
            Ok(())
        }
        fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
            let mut x = self.proj.forward(&inputs[0])?;
            for n in &self.norms {
                x = n.forward(&x)?;
            }
            Ok(vec![ops::multiply(
                &x,
                self.scale.get().expect("built").value(),
            )?])
        }
    }

    #[derive(Layer)]
    #[keras(model)]
    pub struct Net {
        pub base: LayerBase,
        pub zeta: Dense,
        pub block: Block,
    }

    impl Module for Net {
        fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
            Ok(vec![self.zeta.forward(&self.block.forward(&inputs[0])?)?])
        }
    }

    impl keras::trainers::Trainer for Net {}

    pub fn net() -> Net {
        Net {
            base: LayerBase::new("Net", Some("net")),
            zeta: Dense::new(3).named("dense"),
            block: Block {
                base: LayerBase::new("Block", Some("block")),
                proj: Dense::new(4).named("dense_1"),
                norms: vec![
                    LayerNormalization::new().named("layer_normalization"),
                    LayerNormalization::new().named("layer_normalization_1"),
                ],
                scale: OnceLock::new(),
            },
        }
    }
}

fn fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/models/subclassed.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn keras_fixture_weight_groups_match() {
    let net = keras_fixture::net();
    net.forward(&ops::zeros(&[1, 5], DType::F32).unwrap())
        .unwrap();
    let mut want: Vec<String> = Vec::new();
    for e in fixture()["weights_h5"].as_array().unwrap() {
        match (e["kind"].as_str(), e.get("name")) {
            (Some("group"), Some(n)) => want.push(format!("{} {}", e["path"], n)),
            (Some("dataset"), _) => want.push(format!("{} {}", e["path"], e["shape"])),
            _ => {}
        }
    }
    let mut got: Vec<String> = Vec::new();
    for g in keras::saving::weight_groups(&net) {
        got.push(format!("{:?} {:?}", g.path, g.layer_name));
        for (i, v) in g.variables.iter().enumerate() {
            got.push(format!(
                "\"{}/{i}\" {}",
                g.path,
                serde_json::json!(v.shape().dims())
            ));
        }
    }
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

/// Same table as Keras, except one cell: Keras cannot infer the output shape of a
/// subclassed layer without `compute_output_shape` and prints `?`; keras-rs traces `call`
/// and prints the shape.
#[test]
fn keras_fixture_summary_matches_but_traces_shapes() {
    let net = keras_fixture::net();
    net.forward(&ops::zeros(&[1, 5], DType::F32).unwrap())
        .unwrap();
    let s = &fixture()["summary"];
    let want = s["text"].as_str().unwrap().replace(
        "│ ?                           │",
        "│ (1, 4)                      │",
    );
    let got = keras::utils::summary::summary_string(&net, Some(88));
    assert_eq!(got.trim_end(), want.trim_end());
}
