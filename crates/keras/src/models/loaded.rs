//! [`LoadedModel`]: what [`load_model`](crate::models::load_model) returns, a model of a
//! class known only when the file is read, usable exactly like that model.

use std::any::Any;

use keras_ops::{Result, Tensor};
use serde_json::Value;

use crate::callbacks::Logs;
use crate::layers::{CallArgs, Layer, LayerBase, LayerExt, LayerRef, ShapeSpec, TensorSpec};
use crate::metrics::Metric;
use crate::saving::object::Config;
use crate::trainers::{
    default_compute_loss, default_test_step, default_train_step, Batch, Compiled, Trainer,
};

/// A loaded model: a Sequential, a Functional or a registered subclassed model. It is a
/// [`Layer`] and a [`Trainer`] that hand every call to that model (its own `train_step`
/// included), so `fit`, `evaluate`, `predict`, `save` and the weight accessors work on it
/// directly; [`downcast_ref`](LoadedModel::downcast_ref) reaches the concrete class.
///
/// ```
/// use keras::layers::{Dense, Input, LayerExt};
/// use keras::models::{LoadedModel, Sequential};
/// let mut m = Sequential::named("m");
/// m.add(Input::new(&[2])).unwrap();
/// m.add(Dense::new(1)).unwrap();
/// let loaded = LoadedModel::new(std::sync::Arc::new(m));
/// assert_eq!(loaded.name(), "m");
/// assert_eq!(loaded.downcast_ref::<Sequential>().unwrap().layers().len(), 1);
/// ```
pub struct LoadedModel {
    model: LayerRef,
}

impl LoadedModel {
    /// Wraps a model (or any layer: without a [`Trainer`] of its own, it trains with
    /// Keras's default steps).
    pub fn new(model: LayerRef) -> LoadedModel {
        LoadedModel { model }
    }
    /// The model as a shared layer handle.
    pub fn model(&self) -> &LayerRef {
        &self.model
    }
    /// The model as its concrete class (`Sequential`, `Functional`, a subclass), if it is
    /// one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.model.as_any().downcast_ref()
    }
    /// The shared layer handle, unwrapped.
    pub fn into_inner(self) -> LayerRef {
        self.model
    }
    /// Prints Keras's summary table (see [`crate::utils::summary`]).
    pub fn summary(&self) {
        crate::utils::summary::print_summary(self)
    }
}

impl std::fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModel")
            .field("class_name", &self.model.class_name())
            .field("name", &self.model.base().name())
            .finish()
    }
}

impl Layer for LoadedModel {
    fn base(&self) -> &LayerBase {
        self.model.base()
    }
    fn class_name(&self) -> &str {
        self.model.class_name()
    }
    fn module(&self) -> &str {
        self.model.module()
    }
    fn registered_name(&self) -> Option<String> {
        self.model.registered_name()
    }
    fn layer_config(&self) -> Config {
        self.model.layer_config()
    }
    fn get_config(&self) -> Config {
        self.model.get_config()
    }
    fn build(&self, input_shapes: &[ShapeSpec]) -> Result<()> {
        self.model.build(input_shapes)
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        self.model.call(inputs, args)
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        self.model.compute_output_spec(inputs)
    }
    fn supports_masking(&self) -> bool {
        self.model.supports_masking()
    }
    fn compute_mask(
        &self,
        inputs: &[Tensor],
        masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        self.model.compute_mask(inputs, masks)
    }
    fn build_config(&self) -> Option<Value> {
        self.model.build_config()
    }
    fn is_container(&self) -> bool {
        self.model.is_container()
    }
    fn takes_list(&self) -> bool {
        self.model.takes_list()
    }
    fn visit_sublayers<'a>(&'a self, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        self.model.visit_sublayers(f)
    }
    fn as_trainer(&self) -> Option<&dyn Trainer> {
        Some(self)
    }
    /// The held model's `Any`, so that downcasting sees the concrete class.
    fn as_any(&self) -> &dyn Any {
        self.model.as_any()
    }
}

impl Trainer for LoadedModel {
    fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        match self.model.as_trainer() {
            Some(t) => t.train_step(state, batch),
            None => default_train_step(self, state, batch),
        }
    }
    fn test_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        match self.model.as_trainer() {
            Some(t) => t.test_step(state, batch),
            None => default_test_step(self, state, batch),
        }
    }
    fn predict_step(&self, batch: &Batch) -> Result<Vec<Tensor>> {
        match self.model.as_trainer() {
            Some(t) => t.predict_step(batch),
            None => self.model.call_with(&batch.x, &CallArgs::inference()),
        }
    }
    fn compute_loss(
        &self,
        state: &mut Compiled,
        batch: &Batch,
        y_pred: &[Tensor],
        training: bool,
    ) -> Result<Tensor> {
        match self.model.as_trainer() {
            Some(t) => t.compute_loss(state, batch, y_pred, training),
            None => default_compute_loss(self, state, batch, y_pred),
        }
    }
    fn metrics(&self) -> Vec<&dyn Metric> {
        self.model
            .as_trainer()
            .map(|t| t.metrics())
            .unwrap_or_default()
    }
    fn output_names(&self) -> Vec<String> {
        self.model
            .as_trainer()
            .map(|t| t.output_names())
            .unwrap_or_default()
    }
}
