//! `.weights.h5` files: round trips, clear errors, corrupt files, and interchange with
//! Python Keras 3.15.1 through tests/fixtures/saving (made by make_weights_fixture.py).
//!
//! Set `KERAS_GOLDEN_PYTHON=<python with keras 3.15.1>` to also have Python Keras load a
//! file written here (`make_weights_fixture.py check`).

use std::path::PathBuf;

use keras::layers::{Dense, InputLayer, Layer, LayerExt};
use keras::models::Sequential;
use keras::optimizers::{Adam, Optimizer};
use keras::saving::{load_weights, load_weights_from_bytes, save_weights, weights_to_bytes};
use keras::trainers::{CompileArgs, TrainerExt};
use keras::Tensor;
use serde_json::Value;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/saving")
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("keras_saving_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The fixture's model: Input(3) -> Dense(4, relu, "hidden") -> Dense(2, "out").
fn tiny_mlp(hidden: usize) -> Sequential {
    let mut m = Sequential::named("tiny_mlp");
    m.add(InputLayer::new(&[3])).unwrap();
    m.add(
        Dense::new(hidden)
            .activation("relu")
            .unwrap()
            .named("hidden"),
    )
    .unwrap();
    m.add(Dense::new(2).named("out")).unwrap();
    m.build_for(&vec![None, Some(3)]).unwrap();
    m
}

/// The fixture's starting weights: 0.1 * ((i * 7) % 11 - 5) over each variable.
fn set_fixed_weights(m: &dyn Layer) {
    for v in m.weights() {
        let n: usize = v.shape().dims().iter().product();
        let vals: Vec<f32> = (0..n)
            .map(|i| (0.1 * ((((i * 7) % 11) as f64) - 5.0)) as f32)
            .collect();
        v.assign(&Tensor::from_vec(vals, v.shape().dims().to_vec()).unwrap())
            .unwrap();
    }
}

fn fixture_json() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("tiny_mlp.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn matrix(v: &Value) -> (Vec<f32>, Vec<usize>) {
    let rows = v.as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let data = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    (data, vec![rows.len(), cols])
}

fn predict(m: &Sequential, x: &Tensor) -> Vec<f32> {
    m.forward(x).unwrap().to_vec::<f32>().unwrap()
}

fn adam_for(m: &dyn Layer) -> Optimizer {
    let mut opt = Optimizer::new(Adam::default()).learning_rate(0.01);
    opt.build(&m.trainable_weights()).unwrap();
    opt
}

#[test]
fn loads_a_file_written_by_keras() {
    let j = fixture_json();
    let (x, xs) = matrix(&j["x"]);
    let x = Tensor::from_vec(x, xs).unwrap();
    let (want, _) = matrix(&j["predictions"]);
    let m = tiny_mlp(4);
    let opt = adam_for(&m);
    load_weights(&m, Some(&opt), fixture_dir().join("tiny_mlp.weights.h5")).unwrap();
    let got = predict(&m, &x);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-6, "prediction {g} vs Keras {w}");
    }
    assert_eq!(opt.iterations(), j["iterations"].as_i64().unwrap());
    let want_vars = j["optimizer_variables"].as_array().unwrap();
    let vars = opt.variables();
    assert_eq!(vars.len(), want_vars.len());
    for (v, w) in vars.iter().zip(want_vars) {
        // float32 values (serde_json's parsing of long decimals is not always the nearest
        // f64, but always rounds to the same f32).
        let got = v.value().to_vec::<f32>().unwrap();
        let w: Vec<f32> = w
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(got, w, "optimizer variable {}", v.path());
    }
}

/// Trains the fixture's model here as Keras did (same weights, data, Adam): the
/// predictions match Keras's, and the file written here is what Keras loads.
#[test]
fn writes_a_file_keras_loads() {
    let j = fixture_json();
    let (x, xs) = matrix(&j["x"]);
    let x = Tensor::from_vec(x, xs).unwrap();
    let y = Tensor::from_vec(vec![1.0f32, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, -1.0], vec![4, 2]).unwrap();
    let m = tiny_mlp(4);
    m.compile(
        CompileArgs::new()
            .optimizer(Optimizer::new(Adam::default()).learning_rate(0.01))
            .loss("mse"),
    )
    .unwrap();
    set_fixed_weights(&m);
    m.train_on_batch((&x, &y)).unwrap();
    m.train_on_batch((&x, &y)).unwrap();
    let got = predict(&m, &x);
    let (want, _) = matrix(&j["predictions"]);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-5, "prediction {g} vs Keras {w}");
    }
    let dir = tmp_dir("rust_written");
    let path = dir.join("rust_tiny_mlp.weights.h5");
    m.save_weights(&path).unwrap();
    // Reloads here into a fresh model.
    let other = tiny_mlp(4);
    let opt = adam_for(&other);
    load_weights(&other, Some(&opt), &path).unwrap();
    assert_eq!(predict(&other, &x), got);
    assert_eq!(opt.iterations(), 2);
    // And in Python Keras, when available.
    if let Ok(python) = std::env::var("KERAS_GOLDEN_PYTHON") {
        let rows: Vec<Vec<f32>> = got.chunks(2).map(|c| c.to_vec()).collect();
        let expected = serde_json::json!({"x": j["x"], "predictions": rows, "iterations": 2});
        let json_path = dir.join("rust_tiny_mlp.json");
        std::fs::write(&json_path, expected.to_string()).unwrap();
        let keras_path = dir.join("rust_tiny_mlp.keras");
        m.save(&keras_path).unwrap();
        for (mode, file) in [("check", &path), ("check_keras", &keras_path)] {
            let out = std::process::Command::new(&python)
                .arg(fixture_dir().join("make_weights_fixture.py"))
                .arg(mode)
                .arg(file)
                .arg(&json_path)
                .env("KERAS_BACKEND", "jax")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            println!("{stdout}");
            assert!(
                out.status.success(),
                "Python Keras could not load {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(stdout.contains("OK: Keras 3.15.1 loaded"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn round_trip_restores_weights_and_optimizer() {
    let a = tiny_mlp(4);
    let opt_a = adam_for(&a);
    for v in opt_a.variables().iter().skip(2) {
        let n: usize = v.shape().dims().iter().product();
        let vals: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 + 1.0).collect();
        v.assign(&Tensor::from_vec(vals, v.shape().dims().to_vec()).unwrap())
            .unwrap();
    }
    let dir = tmp_dir("round_trip");
    let path = dir.join("a.weights.h5");
    save_weights(&a, Some(&opt_a), &path).unwrap();
    let b = tiny_mlp(4);
    let opt_b = adam_for(&b);
    load_weights(&b, Some(&opt_b), &path).unwrap();
    for (x, y) in a.get_weights().iter().zip(b.get_weights()) {
        assert_eq!(x.to_vec::<f32>().unwrap(), y.to_vec::<f32>().unwrap());
    }
    for (x, y) in opt_a.variables().iter().zip(opt_b.variables()) {
        assert_eq!(
            x.value().to_vec::<f64>().unwrap(),
            y.value().to_vec::<f64>().unwrap()
        );
        assert_eq!(x.dtype(), y.dtype());
    }
    // No temporary files are left beside the target.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["a.weights.h5"]);
    // The suffix is Keras's.
    let err = save_weights(&a, None, dir.join("a.h5")).unwrap_err();
    assert!(err.to_string().contains(".weights.h5"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mismatches_name_the_layer_and_change_nothing() {
    let bytes = weights_to_bytes(&tiny_mlp(4), None).unwrap();
    // Shape mismatch.
    let wide = tiny_mlp(5);
    let before: Vec<Vec<f32>> = wide
        .get_weights()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect();
    let err = load_weights_from_bytes(&wide, None, bytes.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("'hidden'") && err.contains("shape"), "{err}");
    let after: Vec<Vec<f32>> = wide
        .get_weights()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect();
    assert_eq!(before, after, "a failed load must not change the model");
    // Fewer variables in the model than in the file (no bias).
    let mut nb = Sequential::named("tiny_mlp");
    nb.add(InputLayer::new(&[3])).unwrap();
    nb.add(Dense::new(4).use_bias(false).named("hidden"))
        .unwrap();
    nb.add(Dense::new(2).named("out")).unwrap();
    nb.build_for(&vec![None, Some(3)]).unwrap();
    let err = load_weights_from_bytes(&nb, None, bytes.clone())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'hidden' expected 1 variables, but received 2"),
        "{err}"
    );
    // A layer the file does not have.
    let mut more = Sequential::named("tiny_mlp");
    more.add(InputLayer::new(&[3])).unwrap();
    more.add(Dense::new(4).named("hidden")).unwrap();
    more.add(Dense::new(2).named("out")).unwrap();
    more.add(Dense::new(2).named("extra")).unwrap();
    more.build_for(&vec![None, Some(3)]).unwrap();
    let err = load_weights_from_bytes(&more, None, bytes.clone())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'extra'") && err.contains("no weights for it"),
        "{err}"
    );
    // A file with an optimizer loads into a model without one (the group is ignored).
    let a = tiny_mlp(4);
    let with_opt = weights_to_bytes(&a, Some(&adam_for(&a))).unwrap();
    load_weights_from_bytes(&tiny_mlp(4), None, with_opt).unwrap();
}

#[test]
fn corrupt_files_are_errors_not_panics() {
    let bytes = std::fs::read(fixture_dir().join("tiny_mlp.weights.h5")).unwrap();
    let m = tiny_mlp(4);
    let opt = adam_for(&m);
    assert!(load_weights_from_bytes(&m, Some(&opt), b"not hdf5 at all".to_vec()).is_err());
    assert!(load_weights_from_bytes(&m, Some(&opt), Vec::new()).is_err());
    for cut in (0..bytes.len()).step_by(53) {
        let r = load_weights_from_bytes(&m, Some(&opt), bytes[..cut].to_vec());
        assert!(r.is_err(), "a file cut at {cut} bytes loaded");
    }
    for pos in (0..bytes.len()).step_by(37) {
        let mut b = bytes.clone();
        b[pos] ^= 0xA5;
        // Flipping a data byte may still load (with other values); it must not panic.
        let _ = load_weights_from_bytes(&m, Some(&opt), b);
    }
    let missing = load_weights(&m, None, "/nonexistent/dir/x.weights.h5").unwrap_err();
    assert!(missing.to_string().contains("x.weights.h5"), "{missing}");
}
