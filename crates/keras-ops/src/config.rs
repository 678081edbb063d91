//! Global configuration: which backend runs the kernels, and `floatx`.
//!
//! The backend is chosen once per process, as Keras does: the `KERAS_BACKEND` environment
//! variable, then `"backend"` in `$KERAS_HOME/keras.json` (default `~/.keras/keras.json`),
//! then `cpu`.

use std::sync::OnceLock;

use keras_backend::{Backend, DType, Error, Result};

static BACKEND: OnceLock<Result<&'static dyn Backend>> = OnceLock::new();

/// The backends this build can run, with the cargo feature that compiles each in.
const KNOWN_BACKENDS: [(&str, &str); 3] = [("cpu", ""), ("candle", "candle"), ("tch", "tch")];

fn keras_json_backend() -> Option<String> {
    let home = std::env::var_os("KERAS_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".keras")))?;
    let text = std::fs::read_to_string(home.join("keras.json")).ok()?;
    // A tiny scan for `"backend": "<name>"`: the file is small and flat.
    let rest = &text[text.find("\"backend\"")? + 9..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_string())
}

/// Python Keras's backend names, which may be set for Python in the same environment; they
/// select keras-rs's native backend (and `torch` its libtorch backend).
const PYTHON_KERAS_BACKENDS: [&str; 4] = ["jax", "tensorflow", "numpy", "openvino"];

fn select(name: &str) -> Result<&'static dyn Backend> {
    match name {
        "torch" => select("tch"),
        "cpu" => {
            static CPU: keras_cpu::CpuBackend = keras_cpu::CpuBackend;
            Ok(&CPU)
        }
        python if PYTHON_KERAS_BACKENDS.contains(&python) => {
            eprintln!(
                "keras-rs: KERAS_BACKEND={python:?} names a Python Keras backend; using the native \
                 cpu backend (set KERAS_BACKEND=cpu|candle|tch to choose)"
            );
            select("cpu")
        }
        other => match KNOWN_BACKENDS.iter().find(|(n, _)| *n == other) {
            Some((_, feature)) => Err(Error::msg(format!(
                "backend {other:?} was requested but is not compiled in: rebuild with \
                 `--features {feature}`"
            ))),
            None => Err(Error::msg(format!(
                "unknown backend {other:?}: expected one of cpu, candle, tch"
            ))),
        },
    }
}

/// The name of the requested backend (`KERAS_BACKEND`, then keras.json, then `"cpu"`).
pub fn backend_name() -> String {
    std::env::var("KERAS_BACKEND")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(keras_json_backend)
        .unwrap_or_else(|| "cpu".to_string())
}

/// The process-wide backend, selected on first use.
///
/// ```
/// assert_eq!(keras_ops::config::backend().unwrap().name(), "cpu");
/// ```
pub fn backend() -> Result<&'static dyn Backend> {
    BACKEND.get_or_init(|| select(&backend_name())).clone()
}

/// The default float dtype (`keras.config.floatx()`): float32.
pub fn floatx() -> DType {
    DType::F32
}

/// The fuzz factor used in numeric expressions (`keras.config.epsilon()`): 1e-7.
pub fn epsilon() -> f64 {
    1e-7
}
