//! Replays tests/fixtures/training/training.json (real Keras 3.15.1): the same model,
//! initial weights, data and arguments must give Keras's per-epoch history, final weights,
//! `evaluate` results and predictions.

mod golden;

use golden::{fixture, tensor};

use keras::layers::{Apply, Dense, Input, LayerExt};
use keras::models::{Model, Sequential};
use keras::optimizers::{Adam, Optimizer, RMSprop, SGD};
use keras::regularizers::Regularizer;
use keras::trainers::{
    CompileArgs, EvaluateArgs, FitArgs, LossSpec, LossWeights, MetricsSpec, Trainer, TrainerExt,
};
use keras::Tensor;
use serde_json::Value;

fn tensors(v: &Value) -> Vec<Tensor> {
    v.as_array().unwrap().iter().map(tensor).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 2e-5 + 2e-4 * b.abs()
}

fn assert_tensors_close(what: &str, got: &[Tensor], want: &[Tensor]) {
    assert_eq!(got.len(), want.len(), "{what}: count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.dims(), w.dims(), "{what}[{i}]: shape");
        let (g, w) = (g.to_vec::<f32>().unwrap(), w.to_vec::<f32>().unwrap());
        for (j, (a, b)) in g.iter().zip(&w).enumerate() {
            assert!(
                close(*a as f64, *b as f64),
                "{what}[{i}][{j}]: got {a}, Keras {b}"
            );
        }
    }
}

/// Trains `model` as the case says (`fit` arguments given by `args`) and compares
/// everything Keras recorded.
fn check<M: Trainer>(case: &Value, model: &M, compile: CompileArgs, args: FitArgs) {
    let name = case["name"].as_str().unwrap();
    let x = tensors(&case["x"]);
    let y = tensors(&case["y"]);
    let probe: Vec<Tensor> = x.clone();
    model.predict_on_batch(probe).unwrap();
    model
        .set_weights(&tensors(&case["initial_weights"]))
        .unwrap();
    model.compile(compile).unwrap();
    let history = match case["sample_weight"].is_null() {
        true => model.fit((x, y), args).unwrap(),
        false => {
            let sw = tensor(&case["sample_weight"]);
            model.fit((x, y, vec![sw]), args).unwrap()
        }
    };
    for (key, values) in case["history"].as_object().unwrap() {
        let got = history
            .get(key)
            .unwrap_or_else(|| panic!("{name}: no {key:?} in history {:?}", history.history));
        let want: Vec<f64> = values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(got.len(), want.len(), "{name}: {key} epochs");
        for (e, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                close(*g, *w),
                "{name}: {key} at epoch {e}: got {g}, Keras {w}"
            );
        }
    }
    assert_eq!(
        history.history.len(),
        case["history"].as_object().unwrap().len(),
        "{name}: history keys {:?}",
        history.history.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    assert_tensors_close(
        &format!("{name}: final weights"),
        &model.get_weights(),
        &tensors(&case["final_weights"]),
    );
    let ex = tensors(&case["eval_x"]);
    let ey = tensors(&case["eval_y"]);
    let logs = model
        .evaluate((ex.clone(), ey), EvaluateArgs::new().verbose(0))
        .unwrap();
    let want = case["evaluate"].as_object().unwrap();
    assert_eq!(logs.len(), want.len(), "{name}: evaluate keys {logs}");
    for (k, v) in want {
        let g = logs
            .get(k)
            .unwrap_or_else(|| panic!("{name}: no {k} in {logs}"));
        assert!(
            close(g, v.as_f64().unwrap()),
            "{name}: evaluate {k}: got {g}, Keras {v}"
        );
    }
    let preds = model.predict(ex, EvaluateArgs::new().verbose(0)).unwrap();
    assert_tensors_close(
        &format!("{name}: predict"),
        &preds,
        &tensors(&case["predict"]),
    );
}

fn case<'a>(fx: &'a Value, name: &str) -> &'a Value {
    fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[test]
fn sparse_adam_validation_split() {
    let fx = fixture("training/training.json");
    let mut model = Sequential::named("classifier");
    model.add(Input::new(&[5])).unwrap();
    model
        .add(Dense::new(4).activation("relu").unwrap().named("hidden"))
        .unwrap();
    model
        .add(Dense::new(3).activation("softmax").unwrap().named("probs"))
        .unwrap();
    check(
        case(&fx, "sparse_adam_validation_split"),
        &model,
        CompileArgs::new()
            .optimizer(Optimizer::new(Adam::default()).learning_rate(0.01))
            .loss("sparse_categorical_crossentropy")
            .metrics(["accuracy"]),
        FitArgs::new()
            .batch_size(8)
            .epochs(3)
            .validation_split(0.25)
            .shuffle(false)
            .verbose(0),
    );
}

#[test]
fn mse_sgd_momentum_sample_weight_l2() {
    let fx = fixture("training/training.json");
    let mut model = Sequential::named("regressor");
    model.add(Input::new(&[3])).unwrap();
    model
        .add(
            Dense::new(4)
                .activation("tanh")
                .unwrap()
                .kernel_regularizer(Regularizer::L2(0.01))
                .named("h"),
        )
        .unwrap();
    model.add(Dense::new(1).named("out")).unwrap();
    check(
        case(&fx, "mse_sgd_momentum_sample_weight_l2"),
        &model,
        CompileArgs::new()
            .optimizer(
                Optimizer::new(SGD {
                    momentum: 0.9,
                    nesterov: false,
                })
                .learning_rate(0.05),
            )
            .loss("mse"),
        FitArgs::new()
            .batch_size(10)
            .epochs(2)
            .shuffle(false)
            .verbose(0),
    );
}

#[test]
fn two_outputs_loss_weights() {
    let fx = fixture("training/training.json");
    let c = case(&fx, "two_outputs_loss_weights");
    let inp = Input::new(&[4]).name("features").build();
    let h = Dense::new(6)
        .activation("relu")
        .unwrap()
        .named("trunk")
        .apply(&inp)
        .unwrap();
    let a = Dense::new(1).named("a").apply(&h).unwrap();
    let b = Dense::new(3)
        .activation("softmax")
        .unwrap()
        .named("b")
        .apply(&h)
        .unwrap();
    let model = Model::with_name(inp, vec![a, b], Some("two_heads")).unwrap();
    let vx = tensors(&c["eval_x"]);
    let vy = tensors(&c["eval_y"]);
    check(
        c,
        &model,
        CompileArgs::new()
            .optimizer(Optimizer::new(RMSprop::default()).learning_rate(0.01))
            .loss(LossSpec::ByName(vec![
                ("a".into(), "mse".into()),
                ("b".into(), "sparse_categorical_crossentropy".into()),
            ]))
            .loss_weights(LossWeights::ByName(vec![
                ("a".into(), 0.5),
                ("b".into(), 2.0),
            ]))
            .metrics(MetricsSpec::ByName(vec![(
                "b".into(),
                vec!["accuracy".into()],
            )])),
        FitArgs::new()
            .batch_size(6)
            .epochs(2)
            .validation_data((vx, vy))
            .shuffle(false)
            .verbose(0),
    );
}

#[test]
fn categorical_class_weight() {
    let fx = fixture("training/training.json");
    let mut model = Sequential::named("weighted");
    model.add(Input::new(&[4])).unwrap();
    model
        .add(Dense::new(3).activation("softmax").unwrap().named("probs"))
        .unwrap();
    check(
        case(&fx, "categorical_class_weight"),
        &model,
        CompileArgs::new()
            .optimizer(Optimizer::new(Adam::default()).learning_rate(0.02))
            .loss("categorical_crossentropy")
            .metrics(["accuracy"]),
        FitArgs::new()
            .batch_size(5)
            .epochs(2)
            .class_weight(&[(0, 1.0), (1, 2.5), (2, 0.5)])
            .shuffle(false)
            .verbose(0),
    );
}

#[test]
fn binary_resolved_identifiers() {
    let fx = fixture("training/training.json");
    let mut model = Sequential::named("binary");
    model.add(Input::new(&[3])).unwrap();
    model
        .add(Dense::new(1).activation("sigmoid").unwrap().named("p"))
        .unwrap();
    check(
        case(&fx, "binary_resolved_identifiers"),
        &model,
        CompileArgs::new()
            .optimizer("adam")
            .loss("binary_crossentropy")
            .metrics(["accuracy"]),
        FitArgs::new()
            .batch_size(4)
            .epochs(2)
            .shuffle(false)
            .verbose(0),
    );
}
