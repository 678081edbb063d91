//! `summary()` against the text Keras 3.15.1 prints for the same models (captured with
//! `model.summary()` at the default width of a non-terminal, 76 characters; the models are
//! built in the comments above each test with the Python API).

use keras::layers::{Apply, Dense, Input, InputLayer};
use keras::models::{Functional, Sequential};
use keras::utils::summary::summary_string;

/// `keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu", name="hidden"),
/// layers.Dense(2, name="out")], name="mlp")`
#[test]
fn sequential_matches_keras() {
    let mut m = Sequential::named("mlp");
    m.add(InputLayer::new(&[4])).unwrap();
    m.add(Dense::new(8).named("hidden").activation("relu").unwrap())
        .unwrap();
    m.add(Dense::new(2).named("out")).unwrap();
    m.build_for(&vec![None, Some(4)]).unwrap();
    let want = "\
Model: \"mlp\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ hidden (Dense)                  │ (None, 8)              │            40 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ out (Dense)                     │ (None, 2)              │            18 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 58 (232.00 B)
 Trainable params: 58 (232.00 B)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(summary_string(&m, Some(76)), want);
}

/// `a = keras.Input((4,), name="in_a"); b = keras.Input((4,), name="in_b");
/// s = layers.Dense(3, name="shared"); h = layers.Dense(5, name="head_with_a_long_name");
/// y1 = s(a); y2 = s(b); y3 = h(y2); keras.Model([a, b], [y1, y3], name="towers")`
#[test]
fn functional_with_shared_layer_matches_keras() {
    let a = Input::new(&[4]).name("in_a").build();
    let b = Input::new(&[4]).name("in_b").build();
    let shared = std::sync::Arc::new(Dense::new(3).named("shared"));
    let y1 = (&shared).apply(&a).unwrap();
    let y2 = (&shared).apply(&b).unwrap();
    let y3 = Dense::new(5)
        .named("head_with_a_long_name")
        .apply(&y2)
        .unwrap();
    let m = Functional::with_name(vec![a, b], vec![y1, y3], Some("towers")).unwrap();
    let want = "\
Model: \"towers\"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ in_a (InputLayer)   │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ in_b (InputLayer)   │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ shared (Dense)      │ (None, 3)         │         15 │ in_a[0][0],       │
│                     │                   │            │ in_b[0][0]        │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ head_with_a_long_n… │ (None, 5)         │         20 │ shared[1][0]      │
│ (Dense)             │                   │            │                   │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 35 (140.00 B)
 Trainable params: 35 (140.00 B)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(summary_string(&m, Some(76)), want);
}

/// A chain-shaped Functional model prints like a Sequential one, input layer included:
/// `a = keras.Input((4,), name="in_a"); keras.Model(a, layers.Dense(2, name="d2")(
/// layers.Dense(3, name="d1")(a)), name="chain")`
#[test]
fn chain_functional_matches_keras() {
    let a = Input::new(&[4]).name("in_a").build();
    let h = Dense::new(3).named("d1").apply(&a).unwrap();
    let y = Dense::new(2).named("d2").apply(&h).unwrap();
    let m = Functional::with_name(a, y, Some("chain")).unwrap();
    let want = "\
Model: \"chain\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ in_a (InputLayer)               │ (None, 4)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ d1 (Dense)                      │ (None, 3)              │            15 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ d2 (Dense)                      │ (None, 2)              │             8 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 23 (92.00 B)
 Trainable params: 23 (92.00 B)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(summary_string(&m, Some(76)), want);
}

/// `keras.models.load_model("tests/fixtures/saving/compiled_mlp.keras").summary()`: a model
/// loaded compiled with its (built) Adam state adds "Optimizer params" to the totals;
/// loaded with `compile=False` it does not.
#[test]
fn compiled_model_counts_optimizer_params_as_keras() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/saving/compiled_mlp.keras"
    );
    let table = "\
Model: \"tiny_mlp\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ hidden (Dense)                  │ (None, 4)              │            16 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ out (Dense)                     │ (None, 2)              │            10 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
";
    let compiled = keras::models::load_model(path).unwrap();
    let want = format!(
        "{table} Total params: 80 (320.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 54 (216.00 B)
"
    );
    assert_eq!(summary_string(&compiled, Some(76)), want);
    let options = keras::models::LoadOptions {
        compile: false,
        ..Default::default()
    };
    let plain = keras::models::load_model_with(path, &options).unwrap();
    let want = format!(
        "{table} Total params: 26 (104.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)
"
    );
    assert_eq!(summary_string(&plain, Some(76)), want);
}
