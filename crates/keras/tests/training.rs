//! Behaviour of compile/fit/evaluate/predict beyond the Keras golden runs: bad input gives
//! clear errors, datasets (mapped, prefetched, of unknown length), seeds make runs
//! repeatable, callbacks see every hook in Keras's order, custom steps are used.

use std::sync::{Arc, Mutex};

use keras::callbacks::{Callback, CallbackContext, Logs};
use keras::layers::{Apply, CallArgs, Dense, Input, LayerExt};
use keras::metrics::{Mean, Metric};
use keras::models::Sequential;
use keras::trainers::{
    Batch, CompileArgs, Compiled, Dataset, DatasetExt, EvaluateArgs, FitArgs, TensorDataset,
    Trainer, TrainerExt,
};
use keras::utils::set_random_seed;
use keras::{ops, DType, GradientTape, Result, Tensor};

/// Models draw their initial weights (and `fit` its shuffling seed) from the process-wide
/// seed stream, so every test holds this lock: one that sets the seed is not disturbed.
static SEED: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SEED.lock().unwrap_or_else(|p| p.into_inner())
}

fn data(n: usize) -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..n * 3)
        .map(|i| ((i * 7 % 11) as f32) / 11.0 - 0.5)
        .collect();
    let y: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
    (
        Tensor::from_vec(x, [n, 3]).unwrap(),
        Tensor::from_vec(y, [n]).unwrap(),
    )
}

fn classifier() -> Sequential {
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(8).activation("relu").unwrap()).unwrap();
    m.add(Dense::new(3).activation("softmax").unwrap()).unwrap();
    m
}

fn compiled_classifier() -> Sequential {
    let m = classifier();
    m.compile(
        CompileArgs::new()
            .optimizer("adam")
            .loss("sparse_categorical_crossentropy")
            .metrics(["accuracy"]),
    )
    .unwrap();
    m
}

fn quiet<'a>() -> FitArgs<'a> {
    FitArgs::new().verbose(0)
}

#[test]
fn bad_input_is_a_clear_error() {
    let _seed = lock();
    let m = compiled_classifier();
    let (x, y) = data(10);
    let (_, y9) = data(9);
    let err = m.fit((&x, &y9), quiet()).unwrap_err().to_string();
    assert!(err.contains("same number of samples"), "{err}");
    let err = m
        .fit((&x, &y), quiet().batch_size(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("batch_size"), "{err}");
    let bad_labels = Tensor::from_vec(
        vec![0.0f32, 1.0, 7.0, 1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 2.0],
        [10],
    )
    .unwrap();
    let err = m.fit((&x, &bad_labels), quiet()).unwrap_err().to_string();
    assert!(err.contains('7') || err.contains("out of range"), "{err}");
    let wrong_features = ops::zeros(&[10, 4], DType::F32).unwrap();
    assert!(m.fit((&wrong_features, &y), quiet()).is_err());
    let err = m
        .fit((&x, &y), quiet().validation_split(1.5))
        .unwrap_err()
        .to_string();
    assert!(err.contains("validation_split"), "{err}");
    let uncompiled = classifier();
    let err = uncompiled
        .evaluate((&x, &y), EvaluateArgs::new().verbose(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("compile"), "{err}");
    // The failed runs left the model usable.
    m.fit((&x, &y), quiet()).unwrap();
}

#[test]
fn nan_loss_stops_with_an_error() {
    let _seed = lock();
    let m = compiled_classifier();
    let (mut x, y) = data(8);
    let mut v = x.to_vec::<f32>().unwrap();
    v[4] = f32::NAN;
    x = Tensor::from_vec(v, [8, 3]).unwrap();
    let err = m
        .fit((&x, &y), quiet().batch_size(4))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("NaN") && err.contains("TerminateOnNaN"),
        "{err}"
    );
}

#[test]
fn same_seed_same_run() {
    let _seed = lock();
    let run = || {
        set_random_seed(7);
        let m = compiled_classifier();
        let (x, y) = data(40);
        let h = m.fit((&x, &y), quiet().batch_size(8).epochs(2)).unwrap();
        (h.get("loss").unwrap().to_vec(), m.get_weights())
    };
    let (l1, w1) = run();
    let (l2, w2) = run();
    assert_eq!(l1, l2);
    for (a, b) in w1.iter().zip(&w2) {
        assert_eq!(a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
    }
}

/// Records every hook call.
#[derive(Default)]
struct Recorder(Vec<String>);

impl Callback for Recorder {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.0.push("train_begin".into());
        Ok(())
    }
    fn on_train_end(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.0.push("train_end".into());
        Ok(())
    }
    fn on_epoch_begin(&mut self, _: &mut CallbackContext, e: usize, _: &mut Logs) -> Result<()> {
        self.0.push(format!("epoch_begin {e}"));
        Ok(())
    }
    fn on_epoch_end(&mut self, _: &mut CallbackContext, e: usize, logs: &mut Logs) -> Result<()> {
        let keys: Vec<&str> = logs.keys().collect();
        self.0.push(format!("epoch_end {e} {}", keys.join(",")));
        Ok(())
    }
    fn on_train_batch_begin(
        &mut self,
        _: &mut CallbackContext,
        b: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.0.push(format!("batch_begin {b}"));
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        _: &mut CallbackContext,
        b: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.0.push(format!("batch_end {b}"));
        Ok(())
    }
    fn on_test_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.0.push("test_begin".into());
        Ok(())
    }
    fn on_test_end(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.0.push("test_end".into());
        Ok(())
    }
}

#[test]
fn callbacks_see_keras_hook_order() {
    let _seed = lock();
    let m = compiled_classifier();
    let (x, y) = data(12);
    let mut rec = Recorder::default();
    m.fit(
        (&x, &y),
        quiet()
            .batch_size(4)
            .epochs(2)
            .validation_split(0.25)
            .validation_freq(2)
            .callback(&mut rec),
    )
    .unwrap();
    let expected = [
        "train_begin",
        "epoch_begin 0",
        "batch_begin 0",
        "batch_end 0",
        "batch_begin 1",
        "batch_end 1",
        "batch_begin 2",
        "batch_end 2",
        "epoch_end 0 accuracy,loss",
        "epoch_begin 1",
        "batch_begin 0",
        "batch_end 0",
        "batch_begin 1",
        "batch_end 1",
        "batch_begin 2",
        "batch_end 2",
        "test_begin",
        "test_end",
        "epoch_end 1 accuracy,loss,val_accuracy,val_loss",
        "train_end",
    ];
    assert_eq!(rec.0, expected);
}

/// Stops training from a callback after a given number of batches.
struct StopAfter(usize);

impl Callback for StopAfter {
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        _: &mut Logs,
    ) -> Result<()> {
        if b + 1 == self.0 {
            *ctx.stop_training = true;
        }
        Ok(())
    }
}

#[test]
fn stop_training_from_a_callback() {
    let _seed = lock();
    let m = compiled_classifier();
    let (x, y) = data(20);
    let h = m
        .fit(
            (&x, &y),
            quiet().batch_size(4).epochs(5).callback(&mut StopAfter(2)),
        )
        .unwrap();
    assert_eq!(h.epoch, vec![0]);
}

/// Counts how many batches were read, from any thread.
struct Counting {
    inner: TensorDataset,
    reads: Arc<Mutex<usize>>,
}

impl Dataset for Counting {
    fn num_batches(&self) -> Option<usize> {
        self.inner.num_batches()
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        *self.reads.lock().unwrap() += 1;
        self.inner.get_batch(index)
    }
}

#[test]
fn mapped_prefetched_dataset_trains_like_arrays() {
    let _seed = lock();
    let (x, y) = data(24);
    let a = compiled_classifier();
    let b = compiled_classifier();
    a.predict_on_batch(&x).unwrap();
    b.predict_on_batch(&x).unwrap();
    b.set_weights(&a.get_weights()).unwrap();
    let ha = a
        .fit((&x, &y), quiet().batch_size(6).epochs(2).shuffle(false))
        .unwrap();
    let reads = Arc::new(Mutex::new(0));
    // Doubling then halving the inputs in `map` leaves them unchanged.
    let ds = Counting {
        inner: TensorDataset::new(vec![ops::multiply(&x, 2.0).unwrap()], vec![y.clone()])
            .unwrap()
            .batch_size(6)
            .unwrap(),
        reads: reads.clone(),
    }
    .map(|mut batch| {
        batch.x[0] = ops::divide(&batch.x[0], 2.0)?;
        Ok(batch)
    })
    .prefetch(2);
    let hb = b.fit(Arc::new(ds), quiet().epochs(2)).unwrap();
    assert_eq!(ha.get("loss"), hb.get("loss"));
    assert_eq!(*reads.lock().unwrap(), 8);
}

/// An endless stream of the same batch.
struct Endless(Batch);

impl Dataset for Endless {
    fn num_batches(&self) -> Option<usize> {
        None
    }
    fn get_batch(&self, _: usize) -> Result<Batch> {
        Ok(self.0.clone())
    }
}

#[test]
fn dataset_of_unknown_length_needs_steps() {
    let _seed = lock();
    let m = compiled_classifier();
    let (x, y) = data(4);
    let ds = Arc::new(Endless(Batch {
        x: vec![x],
        y: vec![y],
        sample_weight: vec![],
    }));
    let err = m.fit(ds.clone(), quiet()).unwrap_err().to_string();
    assert!(err.contains("steps"), "{err}");
    let h = m.fit(ds, quiet().steps_per_epoch(3).epochs(2)).unwrap();
    assert_eq!(h.params.steps, Some(3));
}

/// A model whose training step also tracks the mean absolute prediction.
#[derive(keras::layers::Layer)]
#[keras(model)]
struct Tracked {
    base: keras::layers::LayerBase,
    net: Sequential,
    #[keras(skip)]
    mean_abs: Mean,
}

impl keras::layers::Module for Tracked {
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        self.net.call_with(inputs, args)
    }
}

impl Trainer for Tracked {
    fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        let vars = self.trainable_weights();
        let tape = GradientTape::new();
        let y_pred = self.call_with(&batch.x, &CallArgs::training())?;
        let loss = self.compute_loss(state, batch, &y_pred, true)?;
        let grads = tape.gradient(&loss, &vars)?;
        drop(tape);
        let grads: Vec<Tensor> = grads.into_iter().map(Option::unwrap).collect();
        state.optimizer.apply(&grads, &vars)?;
        self.mean_abs.update(&ops::abs(&y_pred[0])?, None)?;
        let mut logs = Logs::new();
        logs.insert("loss", loss.item()?);
        logs.insert("mean_abs", self.mean_abs.result()?.item()?);
        Ok(logs)
    }
    fn metrics(&self) -> Vec<&dyn Metric> {
        vec![&self.mean_abs]
    }
}

#[test]
fn custom_train_step_is_used() {
    let _seed = lock();
    let m = Tracked {
        base: keras::layers::LayerBase::new("Tracked", None),
        net: classifier(),
        mean_abs: Mean::new("mean_abs"),
    };
    m.compile(
        CompileArgs::new()
            .optimizer("sgd")
            .loss("sparse_categorical_crossentropy"),
    )
    .unwrap();
    let (x, y) = data(8);
    let h = m.fit((&x, &y), quiet().batch_size(4).epochs(2)).unwrap();
    let means = h.get("mean_abs").unwrap();
    assert_eq!(means.len(), 2);
    // Softmax outputs sum to one over three classes: the mean absolute value is 1/3.
    assert!((means[1] - 1.0 / 3.0).abs() < 1e-6, "{means:?}");
    // The metric was reset at the second epoch: it counted that epoch's 8 samples only.
    assert_eq!(m.mean_abs.variables()[1].value().item().unwrap(), 8.0);
}

#[test]
fn train_test_predict_on_batch() {
    let _seed = lock();
    let m = compiled_classifier();
    let (x, y) = data(6);
    let first = m.train_on_batch((&x, &y)).unwrap();
    assert!(first.get("loss").is_some() && first.get("accuracy").is_some());
    let t = m.test_on_batch((&x, &y)).unwrap();
    assert!(t["loss"].is_finite());
    let p = m.predict_on_batch(&x).unwrap();
    assert_eq!(p[0].dims(), &[6, 3]);
    let p2 = m
        .predict(&x, EvaluateArgs::new().batch_size(4).verbose(0))
        .unwrap();
    assert_eq!(
        p[0].to_vec::<f32>().unwrap(),
        p2[0].to_vec::<f32>().unwrap()
    );
}

/// The compiled optimizer's step count when `fit` ends.
#[derive(Default)]
struct Iterations(i64);

impl Callback for Iterations {
    fn on_train_end(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.0 = ctx.optimizer.as_deref().map_or(-1, |o| o.iterations());
        Ok(())
    }
}

/// `fit` trains from the first batch on a model whose layers are built by its first call
/// (a Sequential never called before), as Keras's `fit`, which builds the model first;
/// and on a Sequential nesting a built Functional model and an unbuilt Sequential. (The
/// first step used to skip its update, then fail with "unknown variable" on the nested
/// model: the trainable variables were listed before the call that created them.)
#[test]
fn fit_trains_a_model_not_built_yet_from_the_first_batch() {
    let _seed = lock();
    let (x, y) = data(8);
    let x_in = Input::new(&[3]).build();
    let built = Dense::new(4).apply(&x_in).unwrap();
    let inner = keras::models::Functional::new(vec![x_in], vec![built]).unwrap();
    let mut head = Sequential::new();
    head.add(Dense::new(3).activation("softmax").unwrap())
        .unwrap();
    let mut nested = Sequential::new();
    nested.add(Input::new(&[3])).unwrap();
    nested.add(inner).unwrap();
    nested.add(head).unwrap();
    for (what, m) in [("Sequential", classifier()), ("nested", nested)] {
        m.compile(
            CompileArgs::new()
                .optimizer("sgd")
                .loss("sparse_categorical_crossentropy"),
        )
        .unwrap();
        let mut steps = Iterations::default();
        m.fit(
            (&x, &y),
            quiet().batch_size(4).epochs(1).callback(&mut steps),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(steps.0, 2, "{what}: optimizer steps after 2 batches");
    }
}
