//! Loading the model a command works on, and what it takes and gives: its inputs (name,
//! shape, dtype) and its outputs (names), in the model's order.

use std::path::Path;

use keras::layers::{LayerExt, TensorSpec};
use keras::models::{load_model_with, Functional, LoadOptions, LoadedModel, Sequential};
use keras::{Error, Result};

/// Loads a `.keras` or legacy `.h5` model (compiled when `compile` and it was saved
/// compiled), refusing a `.weights.h5` file with a message saying what it is.
pub(crate) fn load(path: &Path, compile: bool) -> Result<LoadedModel> {
    if path.to_string_lossy().ends_with(".weights.h5") {
        return Err(Error::msg(format!(
            "{} is a weights file and holds no model; `keras inspect` lists its weights",
            path.display()
        )));
    }
    let options = LoadOptions {
        compile,
        ..LoadOptions::default()
    };
    load_model_with(path, &options)
}

/// One model input: the name of its input layer and what it accepts.
pub(crate) struct InputPort {
    /// The input layer's name.
    pub name: String,
    /// Its batch shape (`None` dims accept any size) and dtype.
    pub spec: TensorSpec,
}

/// The inputs of a Sequential or Functional model, in call order; `None` for a model whose
/// inputs are not declared (a subclassed model).
pub(crate) fn inputs(model: &LoadedModel) -> Option<Vec<InputPort>> {
    if let Some(f) = model.downcast_ref::<Functional>() {
        return Some(
            f.inputs()
                .iter()
                .map(|t| InputPort {
                    name: t.node().layer().name().to_string(),
                    spec: t.spec().clone(),
                })
                .collect(),
        );
    }
    let seq = model.downcast_ref::<Sequential>()?;
    seq.input_spec().map(|spec| {
        vec![InputPort {
            name: format!("{}'s input", seq.name()),
            spec,
        }]
    })
}

/// The names of the layers producing the outputs of a Sequential or Functional model, in
/// output order; `None` for other models.
pub(crate) fn output_names(model: &LoadedModel) -> Option<Vec<String>> {
    if let Some(f) = model.downcast_ref::<Functional>() {
        return Some(
            f.outputs()
                .iter()
                .map(|t| t.node().layer().name().to_string())
                .collect(),
        );
    }
    let seq = model.downcast_ref::<Sequential>()?;
    seq.layers().last().map(|l| vec![l.name().to_string()])
}
