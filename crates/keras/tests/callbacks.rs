//! The built-in callbacks, checked by their effects on `fit`: the epoch training stops at,
//! checkpoint files and their contents, CSV rows, learning-rate changes, TensorBoard event
//! files parsed back, and a resumed run ending with the weights of an uninterrupted one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use keras::callbacks::tfevents::read_events;
use keras::callbacks::{
    BackupAndRestore, CSVLogger, Callback, CallbackContext, EarlyStopping, LambdaCallback,
    LearningRateScheduler, Logs, Mode, ModelCheckpoint, ReduceLROnPlateau, SaveFreq,
    SwapEMAWeights, TensorBoard, TerminateOnNaN, UpdateFreq,
};
use keras::initializers::set_random_seed;
use keras::layers::{Dense, InputLayer, Layer, LayerExt};
use keras::models::Sequential;
use keras::optimizers::{Adam, Optimizer, SGD};
use keras::trainers::{CompileArgs, FitArgs, TrainerExt};
use keras::{Result, Tensor};

/// Models draw their weights (and `fit` its shuffling seed) from the process-wide seed
/// stream: every test holds this lock so that one setting the seed is not disturbed by
/// another running in parallel.
static SEED: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SEED.lock().unwrap_or_else(|p| p.into_inner())
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("keras_cb_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Input(3) -> Dense(4, relu) -> Dense(1), weights from `seed`.
fn model(seed: u64) -> Sequential {
    set_random_seed(seed);
    let mut m = Sequential::named("reg");
    m.add(InputLayer::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").unwrap()).unwrap();
    m.add(Dense::new(1)).unwrap();
    m.build_for(&vec![None, Some(3)]).unwrap();
    m
}

fn compile(m: &Sequential, optimizer: Optimizer) {
    m.compile(
        CompileArgs::new()
            .optimizer(optimizer)
            .loss("mse")
            .metrics(["accuracy"]),
    )
    .unwrap();
}

/// 40 samples: x in [-1, 1), y = x0 - 2 x1 + 0.5 x2.
fn data() -> (Tensor, Tensor) {
    let n = 40;
    let x: Vec<f32> = (0..n * 3)
        .map(|i| (((i * 37) % 23) as f32 / 11.5) - 1.0)
        .collect();
    let y: Vec<f32> = x
        .chunks(3)
        .map(|r| r[0] - 2.0 * r[1] + 0.5 * r[2])
        .collect();
    (
        Tensor::from_vec(x, vec![n, 3]).unwrap(),
        Tensor::from_vec(y, vec![n, 1]).unwrap(),
    )
}

fn weights(m: &dyn Layer) -> Vec<Vec<f32>> {
    m.get_weights()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect()
}

/// Sets `logs[key]` to `values[epoch]` at each epoch end (placed before the callback under
/// test, it scripts the monitored quantity).
fn script(key: &'static str, values: Vec<f64>) -> LambdaCallback {
    LambdaCallback::new().on_epoch_end(move |_, epoch, logs| {
        logs.insert(key, values[epoch]);
        Ok(())
    })
}

#[test]
fn early_stopping_stops_after_patience() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(1);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut s = script("score", vec![5.0, 4.0, 3.0, 3.5, 3.2, 2.0, 1.0, 0.5]);
    let mut stop = EarlyStopping::new()
        .monitor("score")
        .mode(Mode::Min)
        .patience(2);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(8)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    // Best 3.0 at epoch 2; epochs 3 and 4 do not improve: stop at epoch 4.
    assert_eq!(stop.stopped_epoch(), 4);
    assert_eq!(h.epoch, vec![0, 1, 2, 3, 4]);
    assert_eq!(stop.best(), Some(3.0));
    assert_eq!(stop.best_epoch(), 2);
}

#[test]
fn early_stopping_min_delta_baseline_and_start_epoch() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(1);
    compile(&m, Optimizer::get("sgd").unwrap());
    // min_delta 0.5: 4.8 and 4.6 are not improvements on 5.0.
    let mut s = script("score", vec![5.0, 4.8, 4.6, 1.0]);
    let mut stop = EarlyStopping::new()
        .monitor("score")
        .mode(Mode::Min)
        .min_delta(0.5)
        .patience(1);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(4)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    assert_eq!((stop.stopped_epoch(), h.epoch.len()), (1, 2));

    // A baseline never beaten: the wait is not reset by the first value, so training
    // stops one epoch earlier than without it (Keras 3.15.1: 2 epochs, stopped_epoch 1).
    let mut s = script("acc", vec![0.5, 0.4, 0.3, 0.2, 0.1]);
    let mut stop = EarlyStopping::new()
        .monitor("acc")
        .mode(Mode::Max)
        .baseline(Some(0.9))
        .patience(2);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(5)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    assert_eq!((stop.stopped_epoch(), h.epoch.len()), (1, 2));
    // While values keep improving (below the baseline), Keras's code never stops.
    let mut s = script("acc", vec![0.1, 0.2, 0.3, 0.4, 0.5]);
    let mut stop = EarlyStopping::new()
        .monitor("acc")
        .mode(Mode::Max)
        .baseline(Some(0.9))
        .patience(3);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(5)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    assert_eq!((stop.stopped_epoch(), h.epoch.len()), (0, 5));

    // Nothing is monitored before start_from_epoch.
    let mut s = script("score", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let mut stop = EarlyStopping::new()
        .monitor("score")
        .mode(Mode::Min)
        .start_from_epoch(3);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(6)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    assert_eq!((stop.stopped_epoch(), h.epoch.len()), (4, 5));
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(2);
    compile(&m, Optimizer::get("sgd").unwrap());
    let seen: Arc<Mutex<Vec<Vec<Vec<f32>>>>> = Arc::default();
    let sink = seen.clone();
    let mut record = LambdaCallback::new().on_epoch_end(move |ctx, _, _| {
        sink.lock().unwrap().push(weights(ctx.model));
        Ok(())
    });
    let mut s = script("score", vec![3.0, 1.0, 2.0, 2.5, 0.5]);
    let mut stop = EarlyStopping::new()
        .monitor("score")
        .mode(Mode::Min)
        .patience(2)
        .restore_best_weights(true);
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(5)
            .verbose(0)
            .callback(&mut record)
            .callback(&mut s)
            .callback(&mut stop),
    )
    .unwrap();
    assert_eq!(stop.stopped_epoch(), 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    assert_eq!(weights(&m), seen[1], "weights of the best epoch (1)");
    assert_ne!(seen[1], seen[3]);
}

#[test]
fn auto_mode_follows_the_metric_or_asks_for_a_mode() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(3);
    compile(&m, Optimizer::get("sgd").unwrap());
    // `val_accuracy` is an accuracy: auto means max, so with patience 0 a falling value stops.
    let mut s = script("val_accuracy", vec![3.0, 2.0, 1.0]);
    let mut stop = EarlyStopping::new().monitor("val_accuracy");
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(3)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap();
    assert_eq!(h.epoch.len(), 2);
    // An unknown quantity in auto mode is an error, as in Keras.
    let mut s = script("mystery", vec![1.0, 2.0]);
    let mut stop = EarlyStopping::new().monitor("mystery");
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(2)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut stop),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("isn't able to automatically determine"),
        "{err}"
    );
}

#[test]
fn model_checkpoint_formats_paths_and_saves_each_epoch() {
    let _seed = lock();
    let dir = tmp_dir("ckpt_epoch");
    let (x, y) = data();
    let m = model(4);
    compile(&m, Optimizer::get("adam").unwrap());
    let seen: Arc<Mutex<Vec<Vec<Vec<f32>>>>> = Arc::default();
    let sink = seen.clone();
    let mut ckpt = ModelCheckpoint::new(dir.join("sub/m_{epoch:02d}-{loss:.2f}.weights.h5"))
        .save_weights_only(true)
        .monitor("loss");
    let mut record = LambdaCallback::new().on_epoch_end(move |ctx, _, _| {
        sink.lock().unwrap().push(weights(ctx.model));
        Ok(())
    });
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(3)
                .verbose(0)
                .callback(&mut ckpt)
                .callback(&mut record),
        )
        .unwrap();
    let losses = h.get("loss").unwrap();
    let expected: Vec<String> = losses
        .iter()
        .enumerate()
        .map(|(e, l)| {
            dir.join(format!("sub/m_{:02}-{l:.2}.weights.h5", e + 1))
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(ckpt.saved_paths(), expected.as_slice());
    let seen = seen.lock().unwrap();
    for (path, w) in expected.iter().zip(seen.iter()) {
        let fresh = model(99);
        keras::saving::load_weights(&fresh, None, path).unwrap();
        assert_eq!(&weights(&fresh), w, "{path}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_best_only_and_threshold() {
    let _seed = lock();
    let dir = tmp_dir("ckpt_best");
    let (x, y) = data();
    let m = model(5);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut s = script("val_loss", vec![3.0, 2.0, 2.5, 1.0, 1.5]);
    let mut ckpt = ModelCheckpoint::new(dir.join("best_{epoch}.weights.h5"))
        .save_weights_only(true)
        .save_best_only(true);
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(5)
            .verbose(0)
            .callback(&mut s)
            .callback(&mut ckpt),
    )
    .unwrap();
    let names: Vec<String> = ckpt
        .saved_paths()
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "best_1.weights.h5",
            "best_2.weights.h5",
            "best_4.weights.h5"
        ]
    );
    assert_eq!(ckpt.best(), Some(1.0));

    // With a threshold of 1.8, only epochs beating it save.
    let mut s = script("val_loss", vec![3.0, 2.0, 1.5, 1.7]);
    let mut ckpt = ModelCheckpoint::new(dir.join("t_{epoch}.weights.h5"))
        .save_weights_only(true)
        .save_best_only(true)
        .initial_value_threshold(Some(1.8));
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(4)
            .verbose(0)
            .callback(&mut s)
            .callback(&mut ckpt),
    )
    .unwrap();
    assert_eq!(ckpt.saved_paths().len(), 1);
    assert!(ckpt.saved_paths()[0].ends_with("t_3.weights.h5"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_batch_frequency_and_argument_errors() {
    let _seed = lock();
    let dir = tmp_dir("ckpt_batch");
    let (x, y) = data();
    let m = model(6);
    compile(&m, Optimizer::get("sgd").unwrap());
    // 40 samples in batches of 10: 4 batches per epoch, a save every 3 batches.
    let mut ckpt = ModelCheckpoint::new(dir.join("e{epoch}_b{batch}.weights.h5"))
        .save_weights_only(true)
        .save_freq(SaveFreq::Batches(3));
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(2)
            .batch_size(10)
            .verbose(0)
            .callback(&mut ckpt),
    )
    .unwrap();
    let names: Vec<String> = ckpt
        .saved_paths()
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["e1_b3.weights.h5", "e2_b2.weights.h5"]);
    for p in ckpt.saved_paths() {
        assert!(Path::new(p).exists());
    }

    // The whole model, as a `.keras` zip whose weights load back.
    let mut full = ModelCheckpoint::new(dir.join("m_{epoch}.keras"));
    m.fit(
        (&x, &y),
        FitArgs::new().epochs(1).verbose(0).callback(&mut full),
    )
    .unwrap();
    let archive = dir.join("m_1.keras");
    let bytes = std::fs::read(&archive).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    for member in ["metadata.json", "config.json", "model.weights.h5"] {
        assert!(
            bytes.windows(member.len()).any(|w| w == member.as_bytes()),
            "{member}"
        );
    }
    let fresh = model(98);
    keras::saving::load_weights(&fresh, None, &archive).unwrap();
    assert_eq!(weights(&fresh), weights(&m));
    let mut legacy = ModelCheckpoint::new(dir.join("m.h5"));
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new().epochs(1).verbose(0).callback(&mut legacy),
        )
        .unwrap_err();
    assert!(err.to_string().contains("not implemented yet"), "{err}");
    let mut bad = ModelCheckpoint::new(dir.join("m.h5")).save_weights_only(true);
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new().epochs(1).verbose(0).callback(&mut bad),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("must end in `.weights.h5`"),
        "{err}"
    );
    let mut missing = ModelCheckpoint::new(dir.join("{nope}.weights.h5")).save_weights_only(true);
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new().epochs(1).verbose(0).callback(&mut missing),
        )
        .unwrap_err();
    assert!(err.to_string().contains("Failed to format"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Fails at `(epoch, batch)`, as a crash part way through a run would.
struct FailAt(usize, usize, usize);

impl Callback for FailAt {
    fn on_epoch_begin(
        &mut self,
        _: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.2 = epoch;
        Ok(())
    }
    fn on_train_batch_begin(
        &mut self,
        _: &mut CallbackContext,
        batch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        if (self.2, batch) == (self.0, self.1) {
            return Err(keras::Error::msg("simulated crash"));
        }
        Ok(())
    }
}

fn resumed_equals_uninterrupted(freq: SaveFreq, crash: (usize, usize), name: &str) {
    let dir = tmp_dir(name);
    let backup = dir.join("backup");
    let (x, y) = data();
    let args = || FitArgs::new().epochs(4).batch_size(8).verbose(0);
    let adam = || Optimizer::new(Adam::default()).learning_rate(0.01);

    // Uninterrupted.
    let a = model(7);
    compile(&a, adam());
    set_random_seed(1234); // the shuffle order
    a.fit((&x, &y), args()).unwrap();

    // Interrupted at `crash`, with backups.
    let b = model(7);
    compile(&b, adam());
    let mut bk = BackupAndRestore::new(&backup).save_freq(freq);
    let mut fail = FailAt(crash.0, crash.1, 0);
    set_random_seed(1234);
    let err = b
        .fit((&x, &y), args().callback(&mut bk).callback(&mut fail))
        .unwrap_err();
    assert!(err.to_string().contains("simulated crash"));
    assert!(backup.join("latest.weights.h5").exists());
    assert!(backup.join("training_metadata.json").exists());

    // Restarted from scratch (other initial weights, a new optimizer): it resumes.
    let c = model(8);
    compile(&c, adam());
    let mut bk = BackupAndRestore::new(&backup).save_freq(freq);
    let epochs_run: Arc<Mutex<Vec<usize>>> = Arc::default();
    let sink = epochs_run.clone();
    let mut track = LambdaCallback::new().on_epoch_begin(move |_, e, _| {
        sink.lock().unwrap().push(e);
        Ok(())
    });
    set_random_seed(1234);
    c.fit((&x, &y), args().callback(&mut bk).callback(&mut track))
        .unwrap();
    assert_eq!(weights(&c), weights(&a), "resumed weights differ ({name})");
    assert_eq!(
        epochs_run.lock().unwrap()[0],
        crash.0,
        "resumed in the crashed epoch"
    );
    assert!(
        !backup.exists(),
        "the backup is deleted when training completes"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn backup_and_restore_resumes_mid_epoch_exactly() {
    let _seed = lock();
    // 5 batches per epoch; backups every 2 batches; crash at epoch 2, batch 3 (the backup
    // after batch 1 of epoch 2 is the latest).
    resumed_equals_uninterrupted(SaveFreq::Batches(2), (2, 3), "bar_batches");
}

#[test]
fn backup_and_restore_resumes_at_the_next_epoch() {
    let _seed = lock();
    resumed_equals_uninterrupted(SaveFreq::Epoch, (2, 3), "bar_epoch");
}

#[test]
fn backup_and_restore_metadata_and_double_checkpoint() {
    let _seed = lock();
    let dir = tmp_dir("bar_meta");
    let backup = dir.join("b");
    let (x, y) = data();
    let m = model(9);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut bk = BackupAndRestore::new(&backup)
        .double_checkpoint(true)
        .delete_checkpoint(false);
    m.fit(
        (&x, &y),
        FitArgs::new().epochs(2).verbose(0).callback(&mut bk),
    )
    .unwrap();
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(backup.join("training_metadata.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["epoch"], 2);
    assert_eq!(meta["batch"], 0);
    assert!(backup.join("latest.weights.h5.bkp").exists());
    assert!(backup.join("training_metadata.json.bkp").exists());
    // A corrupt latest backup falls back to the previous one (after epoch 1).
    std::fs::write(backup.join("latest.weights.h5"), b"garbage").unwrap();
    let mut bk = BackupAndRestore::new(&backup).delete_checkpoint(false);
    let epochs_run: Arc<Mutex<Vec<usize>>> = Arc::default();
    let sink = epochs_run.clone();
    let mut track = LambdaCallback::new().on_epoch_begin(move |_, e, _| {
        sink.lock().unwrap().push(e);
        Ok(())
    });
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(3)
            .verbose(0)
            .callback(&mut bk)
            .callback(&mut track),
    )
    .unwrap();
    assert_eq!(*epochs_run.lock().unwrap(), vec![1, 2]);
    // Metadata as Keras writes it (no `steps_done`, a mid-epoch batch): the run restarts
    // at the beginning of that epoch, as Keras 3.15.1 does.
    std::fs::write(
        backup.join("training_metadata.json"),
        r#"{"epoch": 2, "batch": 3}"#,
    )
    .unwrap();
    let mut bk = BackupAndRestore::new(&backup);
    let seen: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let sink = seen.clone();
    let mut track = LambdaCallback::new().on_train_batch_begin(move |_, b, _| {
        sink.lock().unwrap().push((0, b));
        Ok(())
    });
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(3)
            .batch_size(20)
            .verbose(0)
            .callback(&mut bk)
            .callback(&mut track),
    )
    .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(0, 0), (0, 1)],
        "one epoch from its first batch"
    );
    assert!(!backup.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reduce_lr_on_plateau_reduces_and_logs_the_rate() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(10);
    compile(&m, Optimizer::new(SGD::default()).learning_rate(0.1));
    let mut s = script("score", vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]);
    let mut r = ReduceLROnPlateau::new()
        .monitor("score")
        .mode(Mode::Min)
        .factor(0.5)
        .patience(1)
        .cooldown(1)
        .min_lr(0.02);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(8)
                .verbose(0)
                .callback(&mut s)
                .callback(&mut r),
        )
        .unwrap();
    let lrs: Vec<f32> = h
        .get("learning_rate")
        .unwrap()
        .iter()
        .map(|v| *v as f32)
        .collect();
    // Keras 3.15.1 logs the same rates for the same script: the cooldown counter is
    // decremented before it is checked, so a cooldown of 1 does not delay the next
    // reduction; the last one is clipped to min_lr.
    assert_eq!(lrs, [0.1, 0.1, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02]);
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(1)
                .verbose(0)
                .callback(&mut ReduceLROnPlateau::new().factor(1.0)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("factor >= 1.0"), "{err}");
}

#[test]
fn learning_rate_scheduler_sets_the_rate_each_epoch() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(11);
    compile(&m, Optimizer::new(SGD::default()).learning_rate(0.1));
    let calls: Arc<Mutex<Vec<(usize, f32)>>> = Arc::default();
    let sink = calls.clone();
    let mut sched = LearningRateScheduler::new(move |epoch, lr| {
        sink.lock().unwrap().push((epoch, lr as f32));
        if epoch == 0 {
            lr
        } else {
            lr / 2.0
        }
    });
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new().epochs(3).verbose(0).callback(&mut sched),
        )
        .unwrap();
    let lrs: Vec<f32> = h
        .get("learning_rate")
        .unwrap()
        .iter()
        .map(|v| *v as f32)
        .collect();
    assert_eq!(lrs, [0.1, 0.05, 0.025]);
    assert_eq!(*calls.lock().unwrap(), [(0, 0.1), (1, 0.1), (2, 0.05)]);
    // One SGD step with rate 0 leaves the weights unchanged: the rate is really used.
    let before = weights(&m);
    let mut zero = LearningRateScheduler::new(|_, _| 0.0);
    m.fit(
        (&x, &y),
        FitArgs::new().epochs(1).verbose(0).callback(&mut zero),
    )
    .unwrap();
    assert_eq!(weights(&m), before);
}

#[test]
fn csv_logger_writes_keras_rows() {
    let _seed = lock();
    let dir = tmp_dir("csv");
    let path = dir.join("log.csv");
    let (x, y) = data();
    let m = model(12);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut csv = CSVLogger::new(&path);
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(2)
                .verbose(0)
                .validation_split(0.25)
                .callback(&mut csv),
        )
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected = String::from("epoch,accuracy,loss,val_accuracy,val_loss\r\n");
    for e in 0..2 {
        let row: Vec<String> = ["accuracy", "loss", "val_accuracy", "val_loss"]
            .iter()
            .map(|k| keras::callbacks::py_float_repr(h.get(k).unwrap()[e]))
            .collect();
        expected.push_str(&format!("{e},{}\r\n", row.join(",")));
    }
    assert_eq!(text, expected);

    // Appending, with another separator, and no validation: no second header; the
    // val_ columns are added (and filled with NA) as Keras does.
    let mut csv = CSVLogger::new(&path).append(true).separator(';');
    m.fit(
        (&x, &y),
        FitArgs::new().epochs(1).verbose(0).callback(&mut csv),
    )
    .unwrap();
    let text2 = std::fs::read_to_string(&path).unwrap();
    let added = &text2[text.len()..];
    assert!(added.starts_with("0;"), "{added:?}");
    assert!(added.ends_with(";NA;NA\r\n"), "{added:?}");
    assert_eq!(added.matches(';').count(), 4);

    // A fresh file in append mode gets a header.
    let fresh = dir.join("fresh.csv");
    let mut csv = CSVLogger::new(&fresh).append(true);
    m.fit(
        (&x, &y),
        FitArgs::new().epochs(1).verbose(0).callback(&mut csv),
    )
    .unwrap();
    let text3 = std::fs::read_to_string(&fresh).unwrap();
    assert!(
        text3.starts_with("epoch,accuracy,loss,val_accuracy,val_loss\r\n0,"),
        "{text3:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("events.out.tfevents.") && name.ends_with(".v2"),
        "{name}"
    );
    files[0].clone()
}

fn scalars(path: &Path, tag: &str) -> Vec<(i64, f32)> {
    read_events(path)
        .unwrap()
        .iter()
        .flat_map(|e| {
            e.scalars
                .iter()
                .filter(|(t, _)| t == tag)
                .map(|(_, v)| (e.step, *v))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn tensorboard_writes_event_files_tensorboard_reads() {
    let _seed = lock();
    let dir = tmp_dir("tb");
    let (x, y) = data();
    let m = model(13);
    compile(&m, Optimizer::new(SGD::default()).learning_rate(0.05));
    let mut tb = TensorBoard::new(&dir).update_freq(UpdateFreq::Batches(2));
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(3)
                .batch_size(10)
                .verbose(0)
                .validation_split(0.25)
                .callback(&mut tb),
        )
        .unwrap();
    let train = only_file(&dir.join("train"));
    let val = only_file(&dir.join("validation"));
    let events = read_events(&train).unwrap();
    assert_eq!(events[0].file_version.as_deref(), Some("brain.Event:2"));
    let as_f32 = |k: &str| -> Vec<(i64, f32)> {
        h.get(k)
            .unwrap()
            .iter()
            .enumerate()
            .map(|(e, v)| (e as i64, *v as f32))
            .collect()
    };
    assert_eq!(scalars(&train, "epoch_loss"), as_f32("loss"));
    assert_eq!(scalars(&train, "epoch_accuracy"), as_f32("accuracy"));
    assert_eq!(
        scalars(&train, "epoch_learning_rate"),
        [(0, 0.05), (1, 0.05), (2, 0.05)]
    );
    assert_eq!(scalars(&val, "epoch_loss"), as_f32("val_loss"));
    assert_eq!(scalars(&val, "epoch_accuracy"), as_f32("val_accuracy"));
    assert!(scalars(&val, "epoch_val_loss").is_empty());
    // 30 training samples in batches of 10: 3 steps per epoch, 9 in all.
    let eval: Vec<i64> = scalars(&val, "evaluation_loss_vs_iterations")
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(eval, [3, 6, 9]);
    let batch_steps: Vec<i64> = scalars(&train, "batch_loss")
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(batch_steps, [2, 4, 6, 8]);
    if let Ok(python) = std::env::var("KERAS_TB_PYTHON") {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/callbacks/check_tensorboard_events.py");
        let out = std::process::Command::new(python)
            .arg(script)
            .arg(&dir)
            .output()
            .unwrap();
        println!("{}", String::from_utf8_lossy(&out.stdout));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn terminate_on_nan_stops_cleanly_or_raises() {
    let _seed = lock();
    let (x, y) = data();
    let mut xv = x.to_vec::<f32>().unwrap();
    xv[40] = f32::NAN; // sample 13: in the second batch of 10 without shuffling
    let x = Tensor::from_vec(xv, vec![40, 3]).unwrap();
    let m = model(14);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut t = TerminateOnNaN::new();
    let h = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(3)
                .batch_size(10)
                .shuffle(false)
                .verbose(0)
                .callback(&mut t),
        )
        .unwrap();
    assert_eq!(t.terminated_at(), Some(1));
    assert_eq!(h.epoch, vec![0]);
    assert!(h.get("loss").unwrap()[0].is_nan());

    // (The NaN batch made the weights NaN: start again from a fresh model.)
    let m = model(14);
    compile(&m, Optimizer::get("sgd").unwrap());
    let mut t = TerminateOnNaN::new().raise_error(true);
    let err = m
        .fit(
            (&x, &y),
            FitArgs::new()
                .epochs(3)
                .batch_size(10)
                .shuffle(false)
                .verbose(0)
                .callback(&mut t),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("NaN or Inf loss encountered at batch 1. Loss value: nan."),
        "{err}"
    );
}

#[test]
fn lambda_callback_calls_every_hook() {
    let _seed = lock();
    let (x, y) = data();
    let m = model(15);
    compile(&m, Optimizer::get("sgd").unwrap());
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = |name: &'static str| {
        let sink = log.clone();
        move |_: &mut CallbackContext, _: &mut Logs| -> Result<()> {
            sink.lock().unwrap().push(name.to_string());
            Ok(())
        }
    };
    let li = |name: &'static str| {
        let sink = log.clone();
        move |_: &mut CallbackContext, i: usize, _: &mut Logs| -> Result<()> {
            sink.lock().unwrap().push(format!("{name}{i}"));
            Ok(())
        }
    };
    let mut cb = LambdaCallback::new()
        .on_train_begin(l("train_begin"))
        .on_train_end(l("train_end"))
        .on_epoch_begin(li("epoch_begin"))
        .on_epoch_end(li("epoch_end"))
        .on_train_batch_begin(li("tb"))
        .on_train_batch_end(li("te"))
        .on_test_begin(l("test_begin"))
        .on_test_end(l("test_end"))
        .on_test_batch_begin(li("vb"))
        .on_test_batch_end(li("ve"));
    m.fit(
        (&x, &y),
        FitArgs::new()
            .epochs(1)
            .batch_size(20)
            .validation_split(0.5)
            .verbose(0)
            .callback(&mut cb),
    )
    .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "train_begin",
            "epoch_begin0",
            "tb0",
            "te0",
            "test_begin",
            "vb0",
            "ve0",
            "test_end",
            "epoch_end0",
            "train_end"
        ]
    );
    let plog: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, b, c, d) = (plog.clone(), plog.clone(), plog.clone(), plog.clone());
    let mut pcb = LambdaCallback::new()
        .on_predict_begin(move |_, _| {
            a.lock().unwrap().push("pb".into());
            Ok(())
        })
        .on_predict_batch_begin(move |_, i, _| {
            b.lock().unwrap().push(format!("b{i}"));
            Ok(())
        })
        .on_predict_batch_end(move |_, i, _| {
            c.lock().unwrap().push(format!("e{i}"));
            Ok(())
        })
        .on_predict_end(move |_, _| {
            d.lock().unwrap().push("pe".into());
            Ok(())
        });
    let mut args = keras::trainers::PredictArgs::default();
    args = args.batch_size(20).verbose(0).callback(&mut pcb);
    m.predict(&x, args).unwrap();
    assert_eq!(*plog.lock().unwrap(), ["pb", "b0", "e0", "b1", "e1", "pe"]);
}

#[test]
fn swap_ema_weights_validates_with_the_averages() {
    let _seed = lock();
    let (x, y) = data();
    let run = |swap: bool| {
        let m = model(21);
        compile(
            &m,
            Optimizer::new(Adam::default())
                .learning_rate(0.05)
                .use_ema(true)
                .ema_momentum(0.9),
        );
        let mut cb = SwapEMAWeights::new(false);
        let mut args = FitArgs::new()
            .epochs(1)
            .batch_size(8)
            .shuffle(false)
            .verbose(0)
            .validation_data((&x, &y));
        if swap {
            args = args.callback(&mut cb);
        }
        let h = m.fit((&x, &y), args).unwrap();
        // After fit the model holds the averages (Keras's finalize_variable_values).
        let after = m
            .evaluate((&x, &y), keras::trainers::EvaluateArgs::new().verbose(0))
            .unwrap();
        (h.get("val_loss").unwrap()[0], after["loss"])
    };
    let (val_swapped, after_swapped) = run(true);
    assert!(
        (val_swapped - after_swapped).abs() < 1e-6,
        "{val_swapped} vs {after_swapped}"
    );
    let (val_raw, after_raw) = run(false);
    assert!(
        (val_raw - after_raw).abs() > 1e-4,
        "{val_raw} vs {after_raw}"
    );
    // Without EMA the callback refuses to run.
    let m = model(21);
    compile(&m, Optimizer::new(Adam::default()));
    let mut cb = SwapEMAWeights::new(false);
    let err = m
        .fit((&x, &y), FitArgs::new().verbose(0).callback(&mut cb))
        .unwrap_err()
        .to_string();
    assert!(err.contains("use_ema"), "{err}");
}
