//! Training the Keras way: [`TrainerExt::compile`], [`TrainerExt::fit`],
//! [`TrainerExt::evaluate`], [`TrainerExt::predict`] and the single-batch versions, with
//! overridable steps ([`Trainer`]) and data as arrays or a [`Dataset`].
//!
//! ```
//! use keras::layers::{Dense, Input};
//! use keras::models::Sequential;
//! use keras::trainers::{CompileArgs, FitArgs, TrainerExt};
//! use keras::Tensor;
//! let mut model = Sequential::new();
//! model.add(Input::new(&[3])).unwrap();
//! model.add(Dense::new(2).activation("softmax").unwrap()).unwrap();
//! model.compile(CompileArgs::new().optimizer("adam").loss("sparse_categorical_crossentropy").metrics(["accuracy"])).unwrap();
//! let x = Tensor::from_vec(vec![0.5f32; 12], [4, 3]).unwrap();
//! let y = Tensor::from_vec(vec![0.0f32, 1.0, 0.0, 1.0], [4]).unwrap();
//! let history = model.fit((&x, &y), FitArgs::new().epochs(2).verbose(0)).unwrap();
//! assert!(history.get("accuracy").is_some());
//! ```

mod compile;
mod compile_config;
mod data;
mod trainer;

pub use compile::{
    CompileArgs, Compiled, LossSpec, LossWeights, MetricSpec, MetricsSpec, OptimizerSpec,
};
pub use data::{Batch, Data, Dataset, DatasetExt, Mapped, Prefetch, TensorDataset};
pub(crate) use trainer::{default_compute_loss, default_test_step, default_train_step};
pub use trainer::{EvaluateArgs, FitArgs, PredictArgs, Trainer, TrainerExt};
