//! `load_model`: Keras 3.15.1 `.keras` files (tests/fixtures/saving, made by
//! make_load_model_fixture.py) load compiled and resume training as Keras does; the
//! compile config written here is Keras's; training resumes exactly after a save and load;
//! custom layers, losses, metrics and subclassed models round-trip through the registries;
//! float16/bfloat16 weights round-trip; `to_json` / `model_from_json`.
//!
//! Hostile files are in load_model_hostile.rs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keras::callbacks::Logs;
use keras::layers::{
    Apply, CallArgs, Dense, Input, InputLayer, Layer, LayerBase, LayerExt, LayerRef, Module,
};
use keras::losses::{Loss, LossBase, MeanAbsoluteError, PerSample};
use keras::metrics::{Metric, MetricBase, RootMeanSquaredError};
use keras::models::{
    load_model, load_model_from_bytes, model_from_json, Functional, LoadOptions, LoadedModel,
    Sequential,
};
use keras::optimizers::{Adam, Optimizer, SGD};
use keras::saving::object::Config;
use keras::saving::{model_to_keras_bytes, register_layer, register_loss, register_metric};
use keras::trainers::{
    Batch, CompileArgs, Compiled, LossSpec, LossWeights, MetricSpec, MetricsSpec, Trainer,
    TrainerExt,
};
use keras::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/saving")
}

fn fixture_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn tmp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("keras_load_model_{}_{name}", std::process::id()))
}

/// A JSON matrix as a float32 tensor.
fn matrix(v: &Value) -> Tensor {
    let rows = v.as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let data: Vec<f32> = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    Tensor::from_vec(data, [rows.len(), cols]).unwrap()
}

fn floats(t: &Tensor) -> Vec<f32> {
    ops::cast(t, DType::F32).unwrap().to_vec::<f32>().unwrap()
}

/// Input(3) -> Dense(4, relu, "hidden") -> Dense(2, "out"), as the fixture script builds.
fn tiny_mlp() -> Sequential {
    let mut m = Sequential::named("tiny_mlp");
    m.add(InputLayer::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").unwrap().named("hidden"))
        .unwrap();
    m.add(Dense::new(2).named("out")).unwrap();
    m
}

/// Input(3, "x") -> Dense(4, "h") -> [Dense(2, "a"), Dense(1, "b")].
fn two_outputs() -> Functional {
    let x = Input::new(&[3]).name("x").build();
    let h = Dense::new(4).named("h").apply(&x).unwrap();
    let a = Dense::new(2).named("a").apply(&h).unwrap();
    let b = Dense::new(1).named("b").apply(&h).unwrap();
    Functional::with_name(x, vec![a, b], Some("two")).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// JSON equality with numbers compared as floats (`1` equals `1.0`).
fn assert_json_eq(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            assert_eq!(a.as_f64(), b.as_f64(), "{at}: {got} vs Keras {want}")
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: {got} vs Keras {want}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_json_eq(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            assert_eq!(ka, kb, "{at}: keys");
            for (k, x) in a {
                assert_json_eq(x, &b[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

#[test]
fn loads_a_compiled_keras_file_and_resumes_like_keras() {
    let j = fixture_json("compiled_mlp.json");
    let (x, y) = (matrix(&j["x"]), matrix(&j["y"]));
    let model = load_model(fixture_dir().join("compiled_mlp.keras")).unwrap();
    assert!(model.is_compiled());
    let seq = model.downcast_ref::<Sequential>().expect("a Sequential");
    assert_eq!(seq.layers().len(), 2);
    let want = floats(&matrix(&j["predictions"]));
    for (g, w) in floats(&model.forward(&x).unwrap()).iter().zip(&want) {
        assert!((g - w).abs() <= 1e-6, "prediction {g} vs Keras {w}");
    }
    // Three more steps: the restored Adam state gives Keras's losses and weights.
    for (step, want) in j["losses"].as_array().unwrap().iter().enumerate() {
        model.reset_metrics().unwrap();
        let logs = model.train_on_batch((&x, &y)).unwrap();
        let (got, want) = (logs.get("loss").unwrap(), want.as_f64().unwrap());
        assert!(
            close(got, want, 1e-5),
            "step {step}: loss {got} vs Keras {want}"
        );
        assert!(
            logs.get("mae").is_some(),
            "the compiled metric is back: {logs:?}"
        );
    }
    let want_w = j["weights"].as_array().unwrap();
    for (v, w) in model.weights().iter().zip(want_w) {
        for (g, w) in floats(&v.value()).iter().zip(w.as_array().unwrap()) {
            let w = w.as_f64().unwrap();
            assert!(close(*g as f64, w, 1e-5), "{}: {g} vs Keras {w}", v.path());
        }
    }
    let it = model.to_json().unwrap();
    assert!(it.contains("\"mae\""), "{it}");
}

/// The compile_config written here for the same `compile` arguments is Keras's, and a
/// config read back writes the same again.
#[test]
fn compile_config_is_the_one_keras_writes() {
    let cases = fixture_json("compile_configs.json");
    let adam = |lr: f64| Optimizer::new(Adam::default()).learning_rate(lr);
    let sgd = Optimizer::new(SGD {
        momentum: 0.9,
        nesterov: true,
    })
    .learning_rate(0.1);
    let mae_named = keras::metrics::MeanAbsoluteError::new().named("abs_err");
    let huber = keras::losses::from_json(&json!("huber")).unwrap();
    let built: Vec<(&str, Box<dyn TrainerDyn>, CompileArgs)> = vec![
        (
            "adam_mse_metrics",
            Box::new(tiny_mlp()),
            CompileArgs::new()
                .optimizer(adam(0.01))
                .loss("mse")
                .metrics(["mae", "accuracy"]),
        ),
        (
            "objects_and_flags",
            Box::new(tiny_mlp()),
            CompileArgs::new()
                .optimizer(sgd)
                .loss(huber)
                .metrics(vec![MetricSpec::from(mae_named)])
                .weighted_metrics(["mse"])
                .run_eagerly(true)
                .steps_per_execution(2),
        ),
        (
            "loss_only",
            Box::new(tiny_mlp()),
            CompileArgs::new().loss("binary_crossentropy"),
        ),
        (
            "outputs_by_name",
            Box::new(two_outputs()),
            CompileArgs::new()
                .optimizer("rmsprop")
                .loss(LossSpec::ByName(vec![
                    ("a".into(), "mse".into()),
                    ("b".into(), "mae".into()),
                ]))
                .loss_weights(LossWeights::ByName(vec![
                    ("a".into(), 1.0),
                    ("b".into(), 0.5),
                ]))
                .metrics(MetricsSpec::ByName(vec![
                    ("a".into(), vec!["mae".into()]),
                    ("b".into(), vec![RootMeanSquaredError::new().into()]),
                ])),
        ),
        (
            "outputs_by_position",
            Box::new(two_outputs()),
            CompileArgs::new()
                .optimizer("adam")
                .loss(LossSpec::PerOutput(vec![
                    Some("mse".into()),
                    Some(MeanAbsoluteError::new().into()),
                ]))
                .loss_weights(LossWeights::PerOutput(vec![0.25, 0.75]))
                .metrics(MetricsSpec::PerOutput(vec![
                    vec!["mae".into()],
                    vec!["mse".into(), "mae".into()],
                ]))
                .jit_compile(false),
        ),
    ];
    for (name, model, args) in built {
        let want = &cases[name]["compile_config"];
        model.compile_dyn(args);
        let config: Value = serde_json::from_str(&model.json()).unwrap();
        assert_json_eq(&config["compile_config"], want, name);
        // Keras's config read back gives the same config.
        let again = CompileArgs::from_config(want).unwrap().to_config().unwrap();
        assert_json_eq(&again, want, &format!("{name} (read back)"));
    }
    let config: Value = serde_json::from_str(&tiny_mlp().to_json().unwrap()).unwrap();
    assert_json_eq(
        &config["compile_config"],
        &cases["uncompiled"]["compile_config"],
        "uncompiled",
    );
}

/// The two model classes behind one handle, for the table above.
trait TrainerDyn {
    fn compile_dyn(&self, args: CompileArgs);
    fn json(&self) -> String;
}
impl<T: TrainerExt> TrainerDyn for T {
    fn compile_dyn(&self, args: CompileArgs) {
        self.compile(args).unwrap()
    }
    fn json(&self) -> String {
        self.to_json().unwrap()
    }
}

fn batch_data() -> (Tensor, Tensor, Tensor) {
    let x = keras::random::normal(&[8, 3], 0.0, 1.0, DType::F32, 11).unwrap();
    let ya = keras::random::normal(&[8, 2], 0.0, 1.0, DType::F32, 12).unwrap();
    let yb = keras::random::normal(&[8, 1], 0.0, 1.0, DType::F32, 13).unwrap();
    (x, ya, yb)
}

fn assert_same_weights(a: &dyn Layer, b: &dyn Layer) {
    let (wa, wb) = (a.weights(), b.weights());
    assert_eq!(wa.len(), wb.len());
    for (x, y) in wa.iter().zip(&wb) {
        assert_eq!(floats(&x.value()), floats(&y.value()), "{}", x.path());
    }
}

/// Trains N steps, saves, loads, trains 3 more: the same losses, metrics and weights, bit
/// for bit, as training on without stopping.
#[test]
fn training_resumes_exactly_after_save_and_load() {
    let (x, ya, yb) = batch_data();
    // A Sequential with Adam and metrics.
    let a = tiny_mlp();
    a.compile(
        CompileArgs::new()
            .optimizer(Optimizer::new(Adam::default()).learning_rate(0.01))
            .loss("mse")
            .metrics(["mae"]),
    )
    .unwrap();
    for _ in 0..4 {
        a.train_on_batch((&x, &ya)).unwrap();
    }
    let path = tmp_path("resume.keras");
    a.save(&path).unwrap();
    let b = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_same_weights(&a, &b);
    for _ in 0..3 {
        a.reset_metrics().unwrap();
        b.reset_metrics().unwrap();
        let (la, lb) = (
            a.train_on_batch((&x, &ya)).unwrap(),
            b.train_on_batch((&x, &ya)).unwrap(),
        );
        assert_eq!(la.iter().collect::<Vec<_>>(), lb.iter().collect::<Vec<_>>());
    }
    assert_same_weights(&a, &b);

    // A two-output Functional with losses, weights and metrics per output name, and
    // momentum SGD (slots) saved mid-run through the bytes entry point.
    let f = two_outputs();
    f.compile(
        CompileArgs::new()
            .optimizer(
                Optimizer::new(SGD {
                    momentum: 0.9,
                    nesterov: false,
                })
                .learning_rate(0.05),
            )
            .loss(LossSpec::ByName(vec![
                ("a".into(), "mse".into()),
                ("b".into(), MeanAbsoluteError::new().into()),
            ]))
            .loss_weights(LossWeights::PerOutput(vec![1.0, 0.5]))
            .metrics(MetricsSpec::ByName(vec![("b".into(), vec!["mse".into()])])),
    )
    .unwrap();
    let data = || (vec![x.clone()], vec![ya.clone(), yb.clone()]);
    for _ in 0..3 {
        f.train_on_batch(data()).unwrap();
    }
    let json: Value = serde_json::from_str(&f.to_json().unwrap()).unwrap();
    assert_eq!(json["compile_config"]["loss_weights"], json!([1.0, 0.5]));
    let bytes = model_to_keras_bytes(&f, None).unwrap();
    // Without the optimizer the archive has no compile config: it loads uncompiled.
    let plain = load_model_from_bytes(&bytes, &LoadOptions::default()).unwrap();
    assert!(!plain.is_compiled());
    let path = tmp_path("resume_functional.keras");
    f.save(&path).unwrap();
    let g = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(g.downcast_ref::<Functional>().is_some());
    for _ in 0..3 {
        f.reset_metrics().unwrap();
        g.reset_metrics().unwrap();
        let (lf, lg) = (
            f.train_on_batch(data()).unwrap(),
            g.train_on_batch(data()).unwrap(),
        );
        assert!(lf.get("b_mse").is_some(), "{lf:?}");
        assert_eq!(lf.iter().collect::<Vec<_>>(), lg.iter().collect::<Vec<_>>());
    }
    assert_same_weights(&f, &g);
    // fit, evaluate and predict run on the loaded model.
    let h = g
        .fit(data(), keras::trainers::FitArgs::new().epochs(2).verbose(0))
        .unwrap();
    assert_eq!(h.get("loss").unwrap().len(), 2);
    let logs = g
        .evaluate(data(), keras::trainers::EvaluateArgs::new().verbose(0))
        .unwrap();
    assert!(logs.get("loss").unwrap().is_finite());
    let quiet = keras::trainers::PredictArgs::new().verbose(0);
    let p = g.predict(vec![x.clone()], quiet).unwrap();
    assert_eq!((p[0].dims(), p[1].dims()), (&[8, 2][..], &[8, 1][..]));
}

/// A `.keras` checkpoint written during `fit` carries the whole compile config.
#[test]
fn checkpoints_during_fit_load_compiled() {
    let (x, ya, _) = batch_data();
    let m = tiny_mlp();
    m.compile(
        CompileArgs::new()
            .optimizer("adam")
            .loss("mae")
            .metrics(["mse"]),
    )
    .unwrap();
    let path = tmp_path("checkpoint.keras");
    let mut checkpoint = keras::callbacks::ModelCheckpoint::new(&path);
    let args = keras::trainers::FitArgs::new()
        .epochs(2)
        .verbose(0)
        .callback(&mut checkpoint);
    m.fit((&x, &ya), args).unwrap();
    let back = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let json: Value = serde_json::from_str(&back.to_json().unwrap()).unwrap();
    assert_eq!(json["compile_config"]["loss"], "mae");
    assert_eq!(json["compile_config"]["metrics"], json!(["mse"]));
    assert_same_weights(&m, &back);
}

#[test]
fn compile_false_loads_weights_only() {
    let (x, ya, _) = batch_data();
    let a = tiny_mlp();
    a.compile(CompileArgs::new().optimizer("adam").loss("mse"))
        .unwrap();
    a.train_on_batch((&x, &ya)).unwrap();
    let bytes = model_to_keras_bytes(&a, Some(&Optimizer::get("adam").unwrap())).unwrap();
    let options = LoadOptions {
        compile: false,
        ..Default::default()
    };
    let b = load_model_from_bytes(&bytes, &options).unwrap();
    assert!(!b.is_compiled());
    assert_same_weights(&a, &b);
    // A loaded model compiles like any other.
    b.compile(CompileArgs::new().optimizer("sgd").loss("mae"))
        .unwrap();
    assert!(b.train_on_batch((&x, &ya)).unwrap().get("loss").is_some());
}

#[test]
fn to_json_and_model_from_json() {
    let m = two_outputs();
    let uncompiled = model_from_json(&m.to_json().unwrap()).unwrap();
    assert!(!uncompiled.is_compiled());
    assert_eq!(uncompiled.to_json().unwrap(), m.to_json().unwrap());
    m.compile(
        CompileArgs::new()
            .optimizer("adam")
            .loss(LossSpec::PerOutput(vec![Some("mse".into()), None])),
    )
    .unwrap();
    let json = m.to_json().unwrap();
    let copy = model_from_json(&json).unwrap();
    assert!(copy.is_compiled());
    assert_eq!(copy.to_json().unwrap(), json);
    let shapes = |l: &dyn Layer| -> Vec<Vec<usize>> {
        l.weights()
            .iter()
            .map(|v| v.shape().dims().to_vec())
            .collect()
    };
    assert_eq!(shapes(&copy), shapes(&m));
    let err = model_from_json("{\"class_name\": ")
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid JSON"), "{err}");
}

/// A Sequential with an input is built as its layers are added, as in Keras: before any
/// call it has its weights, and its file carries them.
#[test]
fn a_sequential_with_an_input_is_built_as_layers_are_added() {
    let m = tiny_mlp();
    assert!(m.base().is_built());
    assert_eq!(m.weights().len(), 4);
    let bytes = model_to_keras_bytes(&m, None).unwrap();
    let back = load_model_from_bytes(&bytes, &LoadOptions::default()).unwrap();
    assert_eq!(back.weights().len(), 4);
    assert_same_weights(&m, &back);
}

#[test]
fn half_precision_weights_round_trip() {
    for dtype in ["float16", "bfloat16"] {
        let mut m = Sequential::named("half");
        m.add(InputLayer::new(&[3])).unwrap();
        let c = json!({"name": "d", "units": 5, "dtype": dtype});
        m.add(Dense::from_config(c.as_object().unwrap()).unwrap())
            .unwrap();
        m.build_for(&vec![None, Some(3)]).unwrap();
        let weights = m.weights();
        assert_eq!(weights[0].dtype(), DType::parse(dtype).unwrap());
        for (i, v) in weights.iter().enumerate() {
            let n: usize = v.shape().dims().iter().product();
            let vals: Vec<f32> = (0..n)
                .map(|k| (k as f32 - 4.5) / (i as f32 + 3.0))
                .collect();
            let t = Tensor::from_vec(vals, v.shape().dims().to_vec()).unwrap();
            v.assign(&ops::cast(&t, v.dtype()).unwrap()).unwrap();
        }
        let bytes = model_to_keras_bytes(&m, None).unwrap();
        let back = load_model_from_bytes(&bytes, &LoadOptions::default()).unwrap();
        for (a, b) in m.weights().iter().zip(back.weights()) {
            assert_eq!(b.dtype(), a.dtype(), "{dtype}");
            assert_eq!(
                floats(&a.value()),
                floats(&b.value()),
                "{dtype} {}",
                a.path()
            );
        }
    }
}

// ---- Custom objects ------------------------------------------------------------------

/// `x * factor`: a registered custom layer with its own config key.
#[derive(Layer)]
#[keras(registered_name = "test_pkg>Scale")]
struct Scale {
    base: LayerBase,
    factor: f64,
}

impl Module for Scale {
    fn call(&self, inputs: &[Tensor], _: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![ops::multiply(&inputs[0], self.factor)?])
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("factor".into(), json!(self.factor));
        c
    }
}

fn scale_from_config(c: &Config) -> Result<Scale> {
    Ok(Scale {
        base: LayerBase::from_config("Scale", c)?,
        factor: c["factor"].as_f64().unwrap(),
    })
}

/// A subclassed model: hidden -> Scale -> out, counting its own training steps.
#[derive(Layer)]
#[keras(model, registered_name = "test_pkg>Net")]
struct Net {
    base: LayerBase,
    units: usize,
    hidden: Dense,
    scale: Scale,
    out: Dense,
    #[keras(skip)]
    steps: AtomicUsize,
}

impl Module for Net {
    fn call(&self, inputs: &[Tensor], _: &CallArgs) -> Result<Vec<Tensor>> {
        let h = self.scale.forward(&self.hidden.forward(&inputs[0])?)?;
        Ok(vec![self.out.forward(&h)?])
    }
    fn config(&self) -> Config {
        let mut c = Config::new();
        c.insert("units".into(), json!(self.units));
        c.insert(
            "scale".into(),
            serde_json::to_value(self.scale.get_config()).unwrap(),
        );
        c
    }
}

/// Its own `train_step`: Keras's default one plus a `steps` log.
impl Trainer for Net {
    fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        let vars = self.trainable_weights();
        let tape = keras::GradientTape::new();
        let y_pred = self.call_with(&batch.x, &CallArgs::training())?;
        let loss = self.compute_loss(state, batch, &y_pred, true)?;
        let grads = tape.gradient(&loss, &vars)?;
        drop(tape);
        let grads: Vec<Tensor> = grads.into_iter().map(Option::unwrap).collect();
        state.optimizer.apply(&grads, &vars)?;
        state.track_loss(&loss, batch.len())?;
        state.update_metrics(batch, &y_pred)?;
        let mut logs = state.metrics_result()?;
        let n = self.steps.fetch_add(1, Ordering::Relaxed) + 1;
        logs.insert("steps", n as f64);
        Ok(logs)
    }
}

fn net_from_config(c: &Config) -> Result<LayerRef> {
    let units = c["units"].as_u64().unwrap() as usize;
    Ok(Arc::new(Net {
        base: LayerBase::from_config("Net", c)?,
        units,
        hidden: Dense::new(units).named("hidden"),
        scale: scale_from_config(c["scale"].as_object().unwrap())?,
        out: Dense::new(1).named("out"),
        steps: AtomicUsize::new(0),
    }))
}

/// `scale * mean((y_true - y_pred)^2)`: a registered custom loss class.
#[derive(Debug)]
struct ScaledMse {
    base: LossBase,
    scale: f64,
}

impl Loss for ScaledMse {
    fn class_name(&self) -> &str {
        "ScaledMse"
    }
    fn base(&self) -> &LossBase {
        &self.base
    }
    fn registered_name(&self) -> Option<String> {
        Some("test_pkg>ScaledMse".into())
    }
    fn call(&self, t: &Tensor, p: &Tensor) -> Result<PerSample> {
        let se = ops::square(&ops::subtract(t, p)?)?;
        Ok(ops::multiply(&ops::mean(&se, -1, false)?, self.scale)?.into())
    }
    fn extra_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("scale".into(), json!(self.scale));
        c
    }
}

/// The largest absolute error seen: a registered custom metric class.
#[derive(Debug)]
struct MaxAbsError {
    base: MetricBase,
    max: Variable,
}

impl MaxAbsError {
    fn new(base: MetricBase) -> MaxAbsError {
        let max = base.add_variable("max", &[]).unwrap();
        MaxAbsError { base, max }
    }
}

impl Metric for MaxAbsError {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "MaxAbsError"
    }
    fn registered_name(&self) -> Option<String> {
        Some("test_pkg>MaxAbsError".into())
    }
    fn update_state(&self, t: &Tensor, p: &Tensor, _: Option<&Tensor>) -> Result<()> {
        let err = ops::max(&ops::abs(&ops::subtract(t, p)?)?, None, false, None)?;
        self.max.assign(&ops::maximum(self.max.value(), &err)?)
    }
    fn result(&self) -> Result<Tensor> {
        Ok(self.max.value())
    }
}

fn register_custom_objects() {
    register_layer("test_pkg>Scale", |c| Ok(Arc::new(scale_from_config(c)?)));
    register_layer("test_pkg>Net", net_from_config);
    register_loss("test_pkg>ScaledMse", |c| {
        Ok(Box::new(ScaledMse {
            base: LossBase::from_config(c, "scaled_mse", "ScaledMse")?,
            scale: c["scale"].as_f64().unwrap(),
        }))
    });
    register_metric("test_pkg>MaxAbsError", |c| {
        Ok(Box::new(MaxAbsError::new(MetricBase::from_config(
            c,
            "max_abs_error",
            "MaxAbsError",
        )?)))
    });
}

#[test]
fn custom_layer_loss_metric_and_subclassed_model_round_trip() {
    register_custom_objects();
    let (x, _, y) = batch_data();
    let net = Net {
        base: LayerBase::new("Net", Some("net")),
        units: 4,
        hidden: Dense::new(4).named("hidden"),
        scale: Scale {
            base: LayerBase::new("Scale", Some("scale")),
            factor: 0.5,
        },
        out: Dense::new(1).named("out"),
        steps: AtomicUsize::new(0),
    };
    net.forward(&x).unwrap();
    net.compile(
        CompileArgs::new()
            .optimizer("adam")
            .loss(ScaledMse {
                base: LossBase::new("scaled_mse"),
                scale: 2.0,
            })
            .metrics(vec![MetricSpec::from(MaxAbsError::new(MetricBase::new(
                "max_abs_error",
            )))]),
    )
    .unwrap();
    for _ in 0..2 {
        net.train_on_batch((&x, &y)).unwrap();
    }
    let json: Value = serde_json::from_str(&net.to_json().unwrap()).unwrap();
    assert_eq!(json["registered_name"], "test_pkg>Net");
    assert!(json["module"].is_null(), "{}", json["module"]);
    assert_eq!(
        json["compile_config"]["loss"]["registered_name"],
        "test_pkg>ScaledMse"
    );
    assert_eq!(
        json["compile_config"]["metrics"][0]["registered_name"],
        "test_pkg>MaxAbsError"
    );
    let path = tmp_path("custom.keras");
    net.save(&path).unwrap();
    let loaded: LoadedModel = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let back = loaded.downcast_ref::<Net>().expect("the subclassed model");
    assert_eq!(back.scale.factor, 0.5);
    assert_same_weights(&net, &loaded);
    assert_eq!(
        floats(&net.forward(&x).unwrap()),
        floats(&loaded.forward(&x).unwrap())
    );
    // Training goes through Net's own train_step, with the custom loss and metric.
    for _ in 0..2 {
        net.reset_metrics().unwrap();
        loaded.reset_metrics().unwrap();
        let (a, b) = (
            net.train_on_batch((&x, &y)).unwrap(),
            loaded.train_on_batch((&x, &y)).unwrap(),
        );
        assert_eq!(a.get("loss"), b.get("loss"));
        assert_eq!(a.get("max_abs_error"), b.get("max_abs_error"));
        assert!(b.get("max_abs_error").is_some(), "{b:?}");
        assert!(b.get("steps").is_some(), "Net's train_step ran: {b:?}");
    }
    assert_same_weights(&net, &loaded);
}
