//! HDF5 group paths of Sequential and Functional models, as Keras 3.15.1's
//! `model.save_weights` writes them (groups listed with their `name` attribute).

use keras::layers::{Apply, Dense, Input, InputLayer};
use keras::models::{Functional, Sequential};
use keras::saving::weight_groups;

fn groups(model: &dyn keras::layers::Layer) -> Vec<String> {
    let mut g: Vec<String> = weight_groups(model)
        .into_iter()
        .map(|g| format!("{} name={} n={}", g.path, g.layer_name, g.variables.len()))
        .collect();
    g.sort();
    g
}

/// Python: inputs `in_a`, `in_b` (shape (4,)), a Dense(3) named "shared" applied to both,
/// Dense(5) "head" on the second; `keras.Model([a, b], [y1, y3], name="towers")`.
#[test]
fn functional_groups_match_keras() {
    let a = Input::new(&[4]).name("in_a").build();
    let b = Input::new(&[4]).name("in_b").build();
    let shared = std::sync::Arc::new(Dense::new(3).named("shared"));
    let y1 = (&shared).apply(&a).unwrap();
    let y2 = (&shared).apply(&b).unwrap();
    let y3 = Dense::new(5).named("head").apply(&y2).unwrap();
    let m = Functional::with_name(vec![a, b], vec![y1, y3], Some("towers")).unwrap();
    assert_eq!(
        groups(&m),
        [
            "layers/dense/vars name=shared n=2",
            "layers/dense_1/vars name=head n=2",
            "layers/input_layer/vars name=in_a n=0",
            "layers/input_layer_1/vars name=in_b n=0",
            "vars name=towers n=0",
        ]
    );
}

/// Python: `keras.Sequential([keras.Input((4,)), Dense(8, name="hidden"), Dense(2,
/// name="out")], name="mlp")`: the input layer is not among `model.layers`.
#[test]
fn sequential_groups_match_keras() {
    let mut m = Sequential::named("mlp");
    m.add(InputLayer::new(&[4])).unwrap();
    m.add(Dense::new(8).named("hidden")).unwrap();
    m.add(Dense::new(2).named("out")).unwrap();
    m.build_for(&vec![None, Some(4)]).unwrap();
    assert_eq!(
        groups(&m),
        [
            "layers/dense/vars name=hidden n=2",
            "layers/dense_1/vars name=out n=2",
            "vars name=mlp n=0",
        ]
    );
}

/// Python: an inner Functional ("inner": Input "ii" → Dense "idense") and a Sequential
/// ("sq": Dense "sd") called inside an outer model: the config records one node each, with
/// `keras_history` indices counted within the outer model, as Keras writes them.
#[test]
fn nested_models_config_matches_keras() {
    let ii = Input::new(&[4]).name("ii").build();
    let inner = Functional::with_name(
        ii.clone(),
        Dense::new(3).named("idense").apply(&ii).unwrap(),
        Some("inner"),
    )
    .unwrap();
    let mut sq = Sequential::named("sq");
    sq.add(Dense::new(2).named("sd")).unwrap();
    let x = Input::new(&[4]).name("x").build();
    let y = inner.apply(&x).unwrap();
    let z = sq.apply(&y).unwrap();
    let outer = Functional::with_name(x, z, Some("outer")).unwrap();
    let c = keras::layers::Layer::get_config(&outer);
    let nodes: Vec<String> = c["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{} {} {}", l["class_name"], l["name"], l["inbound_nodes"]))
        .collect();
    assert_eq!(
        nodes,
        [
            r#""InputLayer" "x" []"#,
            r#""Functional" "inner" [{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,4],"dtype":"float32","keras_history":["x",0,0]}}],"kwargs":{"mask":null}}]"#,
            r#""Sequential" "sq" [{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,3],"dtype":"float32","keras_history":["inner",0,0]}}],"kwargs":{"mask":null}}]"#,
        ]
    );
    assert_eq!(c["input_layers"].to_string(), r#"["x",0,0]"#);
    assert_eq!(c["output_layers"].to_string(), r#"["sq",0,0]"#);
    // The config rebuilds a model that computes the same function.
    let rebuilt = Functional::from_config(&c).unwrap();
    let v = keras::ops::ones(&[2, 4], keras::DType::F32).unwrap();
    use keras::layers::LayerExt;
    rebuilt.set_weights(&outer.get_weights()).unwrap();
    let (a, b) = (outer.forward(&v).unwrap(), rebuilt.forward(&v).unwrap());
    assert_eq!(a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
}
