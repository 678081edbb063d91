//! `keras.optimizers`: update rules that apply gradients to variables, and
//! [`schedules`] for the learning rate.
//!
//! Every optimizer is an [`Optimizer`] around an [`UpdateRule`] ([`SGD`], [`Adam`],
//! [`AdamW`], [`RMSprop`], [`Adagrad`], [`Adamax`], [`Nadam`], [`Adadelta`]); the base
//! does clipping, weight decay, the iteration count and slot creation as Keras 3 does.
//!
//! ```
//! use keras::optimizers::{schedules::LearningRateSchedule, Adam, Optimizer};
//! let opt = Optimizer::new(Adam::default()).learning_rate(LearningRateSchedule::CosineDecay {
//!     initial_learning_rate: 0.1,
//!     decay_steps: 100.0,
//!     alpha: 0.0,
//!     name: "CosineDecay".into(),
//!     warmup_target: None,
//!     warmup_steps: 0.0,
//! });
//! let back = Optimizer::from_json(&opt.to_json()).unwrap();
//! assert_eq!(back.get_config(), opt.get_config());
//! ```

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod nadam;
mod optimizer;
mod rmsprop;
pub mod schedules;
mod sgd;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamax::Adamax;
pub use adamw::AdamW;
pub use nadam::Nadam;
pub use optimizer::{LearningRate, Optimizer, Step, UpdateRule};
pub use rmsprop::RMSprop;
pub use sgd::SGD;

use keras_backend::bail;
use keras_ops::Result;
use serde_json::Value;

use crate::saving::ObjectDict;

impl Optimizer {
    /// By identifier (`"adam"`, `"sgd"`, `"rmsprop"`, ... or the class name).
    pub fn get(identifier: &str) -> Result<Optimizer> {
        Self::from_json(&Value::String(identifier.into()))
    }

    /// From a serialized object dict or string identifier.
    pub fn from_json(v: &Value) -> Result<Optimizer> {
        let o = ObjectDict::parse(v, "optimizers")?;
        let c = &o.config;
        match o.class_name.to_lowercase().as_str() {
            "sgd" => Optimizer::with_base_config(SGD::from_config(c)?, c),
            "adam" => Optimizer::with_base_config(Adam::from_config(c, "Adam")?, c),
            "adamw" => Optimizer::with_base_config(AdamW(Adam::from_config(c, "AdamW")?), c),
            "rmsprop" => Optimizer::with_base_config(RMSprop::from_config(c)?, c),
            "adagrad" => Optimizer::with_base_config(Adagrad::from_config(c)?, c),
            "adamax" => Optimizer::with_base_config(Adamax::from_config(c)?, c),
            "nadam" => Optimizer::with_base_config(Nadam::from_config(c)?, c),
            "adadelta" => Optimizer::with_base_config(Adadelta::from_config(c)?, c),
            _ => bail!("optimizers.get", "unknown optimizer {:?}", o.class_name),
        }
    }
}

#[cfg(test)]
mod tests;
