//! Whole models trained here with `fit` on random data, each compiled with a different
//! optimizer: a small MNIST-style convnet (Sequential), a Functional model with two inputs,
//! two outputs, a shared layer and a nested Sequential, models nested both ways, a model
//! with BatchNormalization statistics moved by training, and an Embedding on integer input
//! with a mask.

use std::sync::Arc;

use keras::callbacks::{Callback, CallbackContext, Logs};
use keras::layers::{
    Activation, Apply, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Embedding, Flatten,
    GlobalAveragePooling1D, Input, LayerNormalization, MaxPooling2D,
};
use keras::models::{Functional, Sequential};
use keras::optimizers::Optimizer;
use keras::trainers::{CompileArgs, FitArgs, LossSpec, TrainerExt};
use keras::utils::to_categorical;
use keras::{random, DType, Tensor};
use serde_json::json;

use super::export::{Context, Export};
use super::TestResult;

/// The compiled optimizer's variables (path, value) when `fit` ends.
#[derive(Default)]
struct OptimizerState(Vec<(String, Tensor)>);

impl Callback for OptimizerState {
    fn on_train_end(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> keras::Result<()> {
        if let Some(opt) = ctx.optimizer.as_deref() {
            self.0 = opt
                .variables()
                .iter()
                .map(|v| (v.path().to_string(), v.value()))
                .collect();
        }
        Ok(())
    }
}

/// Trains `model` for `epochs` epochs in batches of 16 (quietly) and exports it with
/// `test_x`, its predictions and its optimizer state.
fn train_and_export<M: TrainerExt>(
    export: &mut Export,
    name: &str,
    model: &M,
    data: (Vec<Tensor>, Vec<Tensor>),
    epochs: usize,
    test_x: &[Tensor],
) -> TestResult {
    let mut state = OptimizerState::default();
    model
        .fit(
            data,
            FitArgs::new()
                .batch_size(16)
                .epochs(epochs)
                .verbose(0)
                .callback(&mut state),
        )
        .context(&format!("{name}: fit"))?;
    if state.0.is_empty() {
        return Err(format!("{name}: no optimizer variables after fit").into());
    }
    export.add(name, model, test_x, Some(&state.0))
}

fn normal(shape: &[usize], mean: f64, seed: u64) -> keras::Result<Tensor> {
    random::normal(shape, mean, 1.0, DType::F32, seed)
}

fn one_hot(n: usize, classes: usize, seed: u64) -> keras::Result<Tensor> {
    to_categorical(
        &random::randint(&[n], 0, classes as i64, DType::I32, seed)?,
        Some(classes),
    )
}

/// Keras's "Simple MNIST convnet" shrunk to 16x16 images, Adam.
fn convnet(export: &mut Export) -> TestResult {
    let mut m = Sequential::named("convnet");
    m.add(Input::new(&[16, 16, 1]))?;
    m.add(Conv2D::new(4, [3, 3])?.activation("relu")?)?;
    m.add(MaxPooling2D::new().pool_size([2, 2])?)?;
    m.add(Conv2D::new(8, [3, 3])?.activation("relu")?)?;
    m.add(MaxPooling2D::new().pool_size([2, 2])?)?;
    m.add(Flatten::new())?;
    m.add(Dropout::new(0.5)?)?;
    m.add(Dense::new(10).activation("softmax")?)?;
    m.compile(
        CompileArgs::new()
            .optimizer("adam")
            .loss("categorical_crossentropy")
            .metrics(["accuracy"]),
    )?;
    let data = (
        vec![normal(&[64, 16, 16, 1], 0.0, 1)?],
        vec![one_hot(64, 10, 2)?],
    );
    let test = [normal(&[8, 16, 16, 1], 0.0, 3)?];
    train_and_export(export, "trained_convnet", &m, data, 2, &test)
}

/// Two inputs, two outputs, a shared Dense and a nested Sequential; centered RMSprop
/// with momentum.
fn multi_io(export: &mut Export) -> TestResult {
    let title = Input::new(&[8]).name("title").build();
    let body = Input::new(&[12]).name("body").build();
    let mut encoder = Sequential::named("body_encoder");
    encoder.add(Dense::new(8).activation("relu")?)?;
    encoder.add(LayerNormalization::new())?;
    let shared = Arc::new(
        Dense::new(6)
            .named("shared_projection")
            .activation("relu")?,
    );
    let t = (&shared).apply(&title)?;
    let b = shared.apply(&encoder.apply(&body)?)?;
    let merged = Concatenate::new().named("merge").apply_list(&[t, b])?;
    let priority = Dense::new(1).named("priority").activation("sigmoid")?;
    let department = Dense::new(4).named("department").activation("softmax")?;
    let outputs = vec![priority.apply(&merged)?, department.apply(&merged)?];
    let m = Functional::with_name(vec![title, body], outputs, Some("multi_io"))?;
    let rmsprop = Optimizer::from_json(&json!({
        "class_name": "RMSprop",
        "config": {"learning_rate": 0.01, "momentum": 0.9, "centered": true}
    }))?;
    m.compile(
        CompileArgs::new()
            .optimizer(rmsprop)
            .loss(LossSpec::PerOutput(vec![
                Some("binary_crossentropy".into()),
                Some("categorical_crossentropy".into()),
            ])),
    )?;
    let y_priority = random::uniform(&[48, 1], 0.0, 1.0, DType::F32, 13)?;
    let data = (
        vec![normal(&[48, 8], 0.0, 11)?, normal(&[48, 12], 0.0, 12)?],
        vec![y_priority, one_hot(48, 4, 14)?],
    );
    let test = [normal(&[5, 8], 0.0, 15)?, normal(&[5, 12], 0.0, 16)?];
    train_and_export(export, "trained_multi_io", &m, data, 3, &test)
}

/// A Sequential holding a Functional model and a Sequential model; SGD with Nesterov
/// momentum.
fn nested(export: &mut Export) -> TestResult {
    let x = Input::new(&[6]).build();
    let h = Dense::new(5).activation("tanh")?.apply(&x)?;
    let inner = Functional::with_name(vec![x], vec![Dense::new(5).apply(&h)?], Some("inner"))?;
    let mut head = Sequential::named("head");
    head.add(Dense::new(4).activation("relu")?)?;
    head.add(Dense::new(3))?;
    let mut m = Sequential::named("nested");
    m.add(Input::new(&[6]))?;
    m.add(inner)?;
    m.add(head)?;
    let sgd = Optimizer::from_json(&json!({
        "class_name": "SGD",
        "config": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": true}
    }))?;
    m.compile(CompileArgs::new().optimizer(sgd).loss("mse"))?;
    let data = (
        vec![normal(&[48, 6], 0.0, 21)?],
        vec![normal(&[48, 3], 0.0, 22)?],
    );
    let test = [normal(&[7, 6], 0.0, 23)?];
    train_and_export(export, "trained_nested", &m, data, 2, &test)
}

/// BatchNormalization whose moving statistics training moves far from their initial
/// values (inputs of mean 3); AdamW.
fn batch_norm(export: &mut Export) -> TestResult {
    let mut m = Sequential::named("batch_norm");
    m.add(Input::new(&[5]))?;
    m.add(Dense::new(8))?;
    m.add(BatchNormalization::new().momentum(0.5))?;
    m.add(Activation::new("relu")?)?;
    m.add(Dense::new(1))?;
    m.compile(CompileArgs::new().optimizer("adamw").loss("mse"))?;
    let data = (
        vec![normal(&[64, 5], 3.0, 31)?],
        vec![normal(&[64, 1], 0.0, 32)?],
    );
    let test = [normal(&[6, 5], 3.0, 33)?];
    train_and_export(export, "trained_batch_norm", &m, data, 3, &test)
}

/// Integer token ids (0 is padding: `mask_zero`) -> Embedding -> masked average -> Dense;
/// Nadam.
fn embedding(export: &mut Export) -> TestResult {
    let tokens = Input::new(&[6]).dtype(DType::I32).name("tokens").build();
    let e = Embedding::new(20, 4).mask_zero(true).apply(&tokens)?;
    let pooled = GlobalAveragePooling1D::new().apply(&e)?;
    let out = Dense::new(3).activation("softmax")?.apply(&pooled)?;
    let m = Functional::with_name(vec![tokens], vec![out], Some("embedding"))?;
    m.compile(
        CompileArgs::new()
            .optimizer("nadam")
            .loss("sparse_categorical_crossentropy"),
    )?;
    let ids = |n, seed| random::randint(&[n, 6], 0, 20, DType::I32, seed);
    let labels = random::randint(&[64], 0, 3, DType::I32, 42)?;
    let data = (vec![ids(64, 41)?], vec![labels]);
    let test = [ids(9, 43)?];
    train_and_export(export, "trained_embedding", &m, data, 2, &test)
}

/// Builds, trains and exports every model above.
pub fn export_trained_models(export: &mut Export) -> TestResult {
    type Build = fn(&mut Export) -> TestResult;
    let builders: [(&str, Build); 5] = [
        ("convnet", convnet),
        ("multi_io", multi_io),
        ("nested", nested),
        ("batch_norm", batch_norm),
        ("embedding", embedding),
    ];
    for (name, build) in builders {
        build(export).map_err(|e| format!("trained model {name}: {e}"))?;
    }
    Ok(())
}
