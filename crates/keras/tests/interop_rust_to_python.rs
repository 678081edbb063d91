//! Rust → Python interop: models built and trained here load in Python Keras 3.15.1 and
//! predict the same numbers.
//!
//! Saved into a temporary folder, each as `.keras` (`model.save`) and `.weights.h5`
//! (`model.save_weights`) with its inputs and keras-rs's predictions (`.npy`):
//!
//! - one small Functional model per case of the layer conformance fixtures
//!   (`tests/fixtures/layers/*.json`): the case's layer from its Keras config, with the
//!   case's weights, applied to inputs shaped like the case's (see `interop/layer_models.rs`);
//! - whole models trained here with `fit`, compiled, their optimizer state saved too
//!   (see `interop/trained_models.rs`).
//!
//! Then `tests/interop/check_rust_models.py DIR` loads each model in Python with
//! `keras.saving.load_model`, and again with `model_from_json` of its config plus
//! `load_weights`, and compares predictions (1e-5 absolute + 1e-4 relative), and the
//! trained models' optimizer variables. The test fails on any failure there, and unless
//! every layer class of the fixtures appears in a saved model (except those listed, with
//! the reason, in `NOT_EXPORTED`). The folder is removed on success and kept on failure.
//!
//! The Python step runs under the interpreter named by the environment variable
//! `KERAS_INTEROP_PYTHON` (one with keras==3.15.1, jax, h5py and numpy:
//! `scripts/interop_venv.sh` makes it and prints its path; `.ci/run` sets the variable).
//! **When `KERAS_INTEROP_PYTHON` is unset, nothing is checked in Python**: the models are
//! still built, run and saved here, then the test prints a `SKIPPED` line naming the
//! variable and returns.
//!
//! ```text
//! KERAS_INTEROP_PYTHON=$(scripts/interop_venv.sh) \
//!     cargo test --release -p keras --test interop_rust_to_python -- --nocapture
//! ```

mod interop;

#[allow(dead_code)] // shared with the layer conformance test, which uses all of it
#[path = "layer_conformance/fixture.rs"]
mod fixture;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use interop::export::Export;
use interop::layer_models::{layer_case_model, model_name, skip_reason};
use interop::trained_models::export_trained_models;
use interop::TestResult;

const PYTHON_VAR: &str = "KERAS_INTEROP_PYTHON";

/// Layer classes of the fixtures that no saved model can hold, with the reason.
const NOT_EXPORTED: &[(&str, &str)] = &[(
    "Hashing",
    "Keras 3.15.1's Hashing needs TensorFlow (absent with the JAX backend), so the fixtures \
     hold no Keras config for it and Python could not load it",
)];

/// Saves every model into `dir`; returns how many and the class names in their configs.
fn export_all(dir: &Path) -> TestResult<(usize, BTreeSet<String>)> {
    let mut export = Export::new(dir);
    let mut failures = Vec::new();
    for (_, case) in fixture::layer_cases() {
        let id = case["id"].as_str().unwrap_or("?");
        if let Some(why) = skip_reason(&case) {
            println!("not exported: {id}: {why}");
            continue;
        }
        let added = layer_case_model(&case)
            .and_then(|(model, inputs)| export.add(&model_name(id), &model, &inputs, None));
        if let Err(e) = added {
            failures.push(format!("{id}: {e}"));
        }
    }
    for f in &failures {
        println!("FAIL (Rust side) {f}");
    }
    if !failures.is_empty() {
        let n = failures.len();
        return Err(format!("{n} layer models could not be built or saved").into());
    }
    export_trained_models(&mut export)?;
    let count = export.len();
    println!("{count} models saved in {}", dir.display());
    Ok((count, export.finish()?))
}

/// Fails unless every layer class of the fixtures, except those in [`NOT_EXPORTED`], is
/// in a saved model's config.
fn check_every_class_exported(saved: &BTreeSet<String>) {
    let cases = fixture::layer_cases();
    let fixture_classes: BTreeSet<&str> = cases.iter().map(|(_, c)| fixture::class_of(c)).collect();
    let excused = |c: &str| NOT_EXPORTED.iter().any(|(n, _)| *n == c);
    let missing: Vec<&&str> = fixture_classes
        .iter()
        .filter(|c| !saved.contains(**c) && !excused(c))
        .collect();
    assert!(
        missing.is_empty(),
        "layer classes of the fixtures in no saved model: {missing:?}"
    );
    let stale: Vec<&str> = NOT_EXPORTED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| saved.contains(*n) || !fixture_classes.contains(n))
        .collect();
    assert!(stale.is_empty(), "remove from NOT_EXPORTED: {stale:?}");
    for (class, why) in NOT_EXPORTED {
        println!("not exercised: {class}: {why}");
    }
}

/// Runs the Python step on `dir`; returns its output, failing when it does.
fn run_python(python: &str, dir: &Path) -> TestResult<String> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/check_rust_models.py");
    let keras_home = dir.join("keras_home");
    std::fs::create_dir_all(&keras_home)?;
    let out = Command::new(python)
        .arg(&script)
        .arg(dir)
        .env("KERAS_BACKEND", "jax")
        .env("JAX_PLATFORMS", "cpu")
        .env("KERAS_HOME", &keras_home)
        .output()
        .map_err(|e| format!("cannot run {PYTHON_VAR}={python}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{stdout}");
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        return Err(format!("{} failed ({}):\n{tail}", script.display(), out.status).into());
    }
    Ok(stdout)
}

#[test]
fn models_saved_here_load_in_python_keras() -> TestResult {
    let dir = std::env::temp_dir().join(format!("keras_interop_r2py_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    let start = Instant::now();
    let (count, classes) = export_all(&dir)?;
    println!(
        "Rust part (build, train, predict, save): {:.1} s",
        start.elapsed().as_secs_f64()
    );
    check_every_class_exported(&classes);

    let Ok(python) = std::env::var(PYTHON_VAR) else {
        println!(
            "SKIPPED: the Python half of this test (loading in Python Keras) did not run: set \
             {PYTHON_VAR} to a Python with keras==3.15.1, jax, h5py, numpy \
             (scripts/interop_venv.sh prints one)"
        );
        std::fs::remove_dir_all(&dir)?;
        return Ok(());
    };
    let start = Instant::now();
    let stdout = run_python(&python, &dir)?;
    println!(
        "Python part (load and compare): {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let summary = format!("{count} of {count} models load in Python Keras 3.15.1");
    assert!(
        stdout.contains(&summary),
        "no line {summary:?} from the Python step"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
