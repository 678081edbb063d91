//! Writing models for the Python step: for each model `NAME.keras` (`model.save`),
//! `NAME.weights.h5` (`model.save_weights`), its inputs and Rust's predictions as `.npy`,
//! the compiled optimizer's variables as `.npz`, and an entry in `manifest.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use keras::saving::serialize_layer;
use keras::trainers::{PredictArgs, TrainerExt};
use keras::Tensor;
use serde_json::{json, Value};

use super::npy::{write_npy, write_npz};
use super::TestResult;
use crate::fixture::classes_in;

/// Turns any error into a message that says what was being done.
pub trait Context<T> {
    /// `Err(e)` becomes `Err("{what}: {e}")`.
    fn context(self, what: &str) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// The folder being filled and the manifest entries written so far.
pub struct Export {
    dir: PathBuf,
    entries: Vec<Value>,
    classes: BTreeSet<String>,
}

impl Export {
    /// Writes into `dir` (which must exist).
    pub fn new(dir: &Path) -> Export {
        Export {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
            classes: BTreeSet::new(),
        }
    }

    fn write_all(&self, name: &str, what: &str, tensors: &[Tensor]) -> Result<Vec<String>, String> {
        tensors
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let file = format!("{name}.{what}{i}.npy");
                write_npy(&self.dir.join(&file), t)?;
                Ok(file)
            })
            .collect()
    }

    /// Predicts `inputs` with `model`, saves it both ways with its inputs and predictions,
    /// and records it. `optimizer_variables` (path and value of each variable of the
    /// compiled optimizer) are written for models trained here.
    pub fn add<M: TrainerExt>(
        &mut self,
        name: &str,
        model: &M,
        inputs: &[Tensor],
        optimizer_variables: Option<&[(String, Tensor)]>,
    ) -> TestResult {
        let predictions = model
            .predict(inputs.to_vec(), PredictArgs::new().verbose(0))
            .context(&format!("{name}: predict"))?;
        let keras_file = format!("{name}.keras");
        let weights_file = format!("{name}.weights.h5");
        model
            .save(self.dir.join(&keras_file))
            .context(&format!("{name}: save"))?;
        model
            .save_weights(self.dir.join(&weights_file))
            .context(&format!("{name}: save_weights"))?;
        let optimizer_file = match optimizer_variables {
            Some(vars) => {
                let file = format!("{name}.optimizer.npz");
                write_npz(&self.dir.join(&file), vars)?;
                Value::String(file)
            }
            None => Value::Null,
        };
        classes_in(&serialize_layer(model), &mut self.classes);
        self.entries.push(json!({
            "name": name,
            "keras": keras_file,
            "weights": weights_file,
            "inputs": self.write_all(name, "x", inputs)?,
            "outputs": self.write_all(name, "y", &predictions)?,
            "compiled": model.is_compiled(),
            "optimizer_variables": optimizer_file,
        }));
        Ok(())
    }

    /// Writes `manifest.json`; returns every class name found in the saved configs.
    pub fn finish(self) -> Result<BTreeSet<String>, String> {
        let path = self.dir.join("manifest.json");
        let manifest = json!({"models": self.entries});
        std::fs::write(&path, manifest.to_string()).context("manifest.json")?;
        Ok(self.classes)
    }

    /// How many models were added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
