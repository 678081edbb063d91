//! Python → Rust interop: every model of `tests/fixtures/interop/` was saved by Keras 3.15.1
//! (`scripts/make_golden.sh interop`); each must load here with `load_model` (compiled when
//! Keras saved a compile config), hold the weights Keras's `get_weights()` returned, and
//! predict Keras's outputs within the corpus tolerance.
//! A second test checks that every built-in layer class is covered by some model of the
//! corpus or excluded with a reason in its index.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use keras::layers::{CallArgs, LayerExt, LayerRef};
use keras::trainers::TrainerExt;
use keras::Tensor;
use serde_json::Value;

/// A check's outcome: `Err` says what disagrees.
type Check<T> = std::result::Result<T, String>;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/interop")
}

fn index() -> Value {
    let path = corpus_dir().join("index.json");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/interop/index.json");
    serde_json::from_str(&text).expect("index.json parses")
}

/// A member of a zip archive, as bytes.
fn zip_member(bytes: &[u8], member: &str) -> Check<Vec<u8>> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut f = z.by_name(member).map_err(|e| format!("{member}: {e}"))?;
    let mut out = Vec::new();
    f.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn load_npy(file: &str) -> Check<Tensor> {
    Tensor::load_npy(corpus_dir().join(file)).map_err(|e| format!("{file}: {e}"))
}

fn values(t: &Tensor) -> Check<Vec<f64>> {
    t.to_vec::<f64>().map_err(|e| e.to_string())
}

/// Compares one output of the model with Keras's; `Err` describes the first mismatch.
fn compare_output(got: &Tensor, spec: &Value, atol: f64, rtol: f64) -> Check<()> {
    let file = spec["file"].as_str().unwrap_or_default();
    let want = load_npy(file)?;
    if got.dims() != want.dims() {
        return Err(format!(
            "{file}: shape {:?}, Keras {:?}",
            got.dims(),
            want.dims()
        ));
    }
    let dtype = spec["dtype"].as_str().unwrap_or_default();
    if got.dtype().name() != dtype {
        return Err(format!(
            "{file}: dtype {}, Keras {dtype}",
            got.dtype().name()
        ));
    }
    let (g, w) = (values(got)?, values(&want)?);
    let off: Vec<usize> = (0..w.len())
        .filter(|&i| !close(g[i], w[i], atol, rtol))
        .collect();
    match off.first() {
        None => Ok(()),
        Some(&i) => Err(format!(
            "{file}: element {i} is {}, Keras {} (atol {atol}, rtol {rtol}); {} of {} elements off",
            g[i],
            w[i],
            off.len(),
            w.len()
        )),
    }
}

/// `|got - want| <= atol + rtol * |want|` (false for NaN).
fn close(got: f64, want: f64, atol: f64, rtol: f64) -> bool {
    (got - want).abs() <= atol + rtol * want.abs()
}

/// The model's weights (`get_weights()` order) against Keras's, exactly.
fn compare_weights(model: &LayerRef, entry: &Value) -> Check<()> {
    let spec = &entry["weights"];
    let file = spec["file"].as_str().unwrap_or_default();
    let npz = std::fs::read(corpus_dir().join(file)).map_err(|e| format!("{file}: {e}"))?;
    let got = model.weights();
    let count = spec["count"].as_u64().unwrap_or_default() as usize;
    if got.len() != count {
        let names: Vec<&str> = got.iter().map(|v| v.path()).collect();
        return Err(format!(
            "{} weights {names:?}, Keras has {count}",
            got.len()
        ));
    }
    for (i, var) in got.iter().enumerate() {
        let want = Tensor::from_npy_bytes(&zip_member(&npz, &format!("w{i}.npy"))?)
            .map_err(|e| format!("{file}:w{i}: {e}"))?;
        let dtype = spec["dtypes"][i].as_str().unwrap_or_default();
        let value = var.value();
        if value.dims() != want.dims() || value.dtype().name() != dtype {
            return Err(format!(
                "weight {i} ({}) is {} {:?}, Keras {dtype} {:?}",
                var.path(),
                value.dtype().name(),
                value.dims(),
                want.dims()
            ));
        }
        let (g, w) = (values(&value)?, values(&want)?);
        if g != w {
            return Err(format!("weight {i} ({}) differs from Keras's", var.path()));
        }
    }
    Ok(())
}

/// Loads one corpus model and checks its weights and predictions.
fn check_model(entry: &Value, defaults: &Value) -> Check<()> {
    let file = entry["file"].as_str().unwrap_or_default();
    let loaded = keras::models::load_model(corpus_dir().join(file))
        .map_err(|e| format!("cannot load {file}: {e}"))?;
    let model = loaded.model();
    let kind = entry["kind"].as_str().unwrap_or_default();
    if model.class_name() != kind {
        return Err(format!(
            "loaded a {}, Keras saved a {kind}",
            model.class_name()
        ));
    }
    if loaded.is_compiled() != entry["compiled"].as_bool().unwrap_or(false) {
        return Err(format!(
            "compiled: {}, Keras saved it compiled: {}",
            loaded.is_compiled(),
            entry["compiled"]
        ));
    }
    compare_weights(model, entry)?;
    let inputs = entry["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| load_npy(s["file"].as_str().unwrap_or_default()))
        .collect::<Check<Vec<_>>>()?;
    let outputs = model
        .call_with(&inputs, &CallArgs::inference())
        .map_err(|e| format!("predict: {e}"))?;
    let specs = entry["outputs"].as_array().cloned().unwrap_or_default();
    if outputs.len() != specs.len() {
        return Err(format!("{} outputs, Keras {}", outputs.len(), specs.len()));
    }
    for (got, spec) in outputs.iter().zip(&specs) {
        // The output's own tolerance (half-precision outputs), else the model's, else the
        // corpus default.
        let tol = |k: &str| {
            [&spec["tolerance"], &entry["tolerance"], defaults]
                .iter()
                .find_map(|t| t[k].as_f64())
                .unwrap_or(0.0)
        };
        compare_output(got, spec, tol("atol"), tol("rtol"))?;
    }
    Ok(())
}

#[test]
fn every_corpus_model_loads_and_predicts_as_keras() {
    keras::layers::register_lambda("corpus>double", |x| keras::ops::multiply(x, 2.0));
    let index = index();
    let models = index["models"].as_array().expect("models list");
    assert!(models.len() >= 40, "the corpus has {} models", models.len());
    let failures: Vec<String> = models
        .iter()
        .filter_map(|m| {
            check_model(m, &index["tolerance"])
                .err()
                .map(|e| format!("{}: {e}", m["name"].as_str().unwrap_or("?")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus models disagree with Keras:\n{}",
        failures.len(),
        models.len(),
        failures.join("\n")
    );
}

/// The layer classes in a serialized layer: its own and, for models, their layers'.
fn config_classes(obj: &Value, out: &mut BTreeSet<String>) {
    if let Some(c) = obj["class_name"].as_str() {
        out.insert(c.to_string());
    }
    for sub in obj["config"]["layers"].as_array().into_iter().flatten() {
        config_classes(sub, out);
    }
}

#[test]
fn every_builtin_layer_class_is_covered_or_excluded() {
    let index = index();
    let mut contents = std::collections::HashMap::new();
    for m in index["models"].as_array().expect("models list") {
        let file = m["file"].as_str().expect("file");
        let bytes = std::fs::read(corpus_dir().join(file)).expect("corpus file");
        let config: Value = serde_json::from_slice(&zip_member(&bytes, "config.json").unwrap())
            .expect("config.json");
        let mut classes = BTreeSet::new();
        config_classes(&config, &mut classes);
        contents.insert(m["name"].as_str().expect("name").to_string(), classes);
    }
    let mut problems = Vec::new();
    for class in keras::layers::builtin_layer_classes() {
        let models: Vec<&str> = index["classes"][&class]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let reason = index["excluded"][&class].as_str().unwrap_or_default();
        if models.is_empty() && reason.is_empty() {
            problems.push(format!(
                "{class}: no corpus model covers it and the index gives no reason to exclude it"
            ));
        }
        for m in models {
            if !contents.get(m).is_some_and(|c| c.contains(&class)) {
                problems.push(format!(
                    "{class}: the index says model {m} has it, but its config does not"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
