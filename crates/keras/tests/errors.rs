//! Bad model definitions and bad inputs give errors that name the layer or model and the
//! shapes involved, never panics.

use keras::layers::{Apply, Dense, Input, InputLayer, LayerExt};
use keras::models::{Functional, Sequential};
use keras::{ops, DType};

fn message<T>(r: keras::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn disconnected_output() {
    let a = Input::new(&[3]).name("a_in").build();
    let b = Input::new(&[3]).name("b_in").build();
    let y = Dense::new(2).apply(&b).unwrap();
    let m = message(Functional::new(a, y));
    assert!(m.contains("disconnected") && m.contains("b_in"), "{m}");
}

#[test]
fn duplicate_layer_names() {
    let x = Input::new(&[3]).build();
    let h = Dense::new(2).named("twin").apply(&x).unwrap();
    let y = Dense::new(2).named("twin").apply(&h).unwrap();
    let m = message(Functional::new(x, y));
    assert!(m.contains("\"twin\"") && m.contains("unique"), "{m}");

    let mut s = Sequential::new();
    s.add(Dense::new(2).named("same")).unwrap();
    let m = message(s.add(Dense::new(2).named("same")));
    assert!(m.contains("\"same\""), "{m}");
}

#[test]
fn incompatible_input_shapes() {
    let mut s = Sequential::named("seq");
    s.add(InputLayer::new(&[3])).unwrap();
    s.add(Dense::new(2).named("d")).unwrap();
    let x = ops::ones(&[4, 5], DType::F32).unwrap();
    let m = message(s.forward(&x));
    assert!(m.contains("\"seq\"") && m.contains("(None, 3)"), "{m}");
    let d = Dense::new(2).named("d");
    d.forward(&ops::ones(&[1, 3], DType::F32).unwrap()).unwrap();
    let m = message(d.forward(&x));
    assert!(m.contains("\"d\"") && m.contains("(4, 5)"), "{m}");

    let inp = Input::new(&[3]).build();
    let y = Dense::new(2).apply(&inp).unwrap();
    let f = Functional::with_name(inp, y, Some("f")).unwrap();
    let m = message(f.forward(&x));
    assert!(m.contains("\"f\"") && m.contains("(None, 3)"), "{m}");
}

/// With its input known, a Sequential builds each layer as it is added (as Keras does):
/// a layer that cannot take the previous output is refused at `add` and not kept.
#[test]
fn a_sequential_refuses_a_layer_that_cannot_take_its_input() {
    let mut s = Sequential::named("seq");
    s.add(InputLayer::new(&[3])).unwrap();
    s.add(Dense::new(2).named("d")).unwrap();
    let m = message(s.add(keras::layers::Conv2D::new(4, [3, 3]).unwrap().named("conv")));
    assert!(m.contains("\"conv\"") && m.contains("(None, 2)"), "{m}");
    assert_eq!(s.layers().len(), 1);
    s.add(Dense::new(1).named("out")).unwrap();
    let y = s.forward(&ops::ones(&[4, 3], DType::F32).unwrap()).unwrap();
    assert_eq!(y.shape().dims(), &[4, 1]);
}

#[test]
fn weights_of_an_unbuilt_layer() {
    let d = Dense::new(2).named("fresh");
    assert!(d.weights().is_empty());
    let w = ops::ones(&[3, 2], DType::F32).unwrap();
    let m = message(d.set_weights(&[w]));
    assert!(m.contains("\"fresh\"") && m.contains("not built"), "{m}");
}

#[test]
fn unknown_layer_class_in_a_config() {
    let dict = serde_json::json!({"class_name": "NoSuchLayer", "config": {}});
    let m = message(keras::saving::deserialize_layer(&dict));
    assert!(m.contains("NoSuchLayer"), "{m}");
}
