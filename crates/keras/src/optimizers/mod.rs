//! `keras.optimizers`: update rules that apply gradients to variables, and
//! [`schedules`] for the learning rate.
//!
//! Every optimizer is an [`Optimizer`] around an [`UpdateRule`] ([`SGD`], [`Adam`],
//! [`AdamW`], [`RMSprop`], [`Adagrad`], [`Adamax`], [`Nadam`], [`Adadelta`], [`Lion`],
//! [`Ftrl`], [`Lamb`], [`Adafactor`]); the base does clipping, weight decay, EMA, gradient
//! accumulation, the iteration count and slot creation as Keras 3 does.
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
mod adafactor;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod apply;
mod ema;
mod ftrl;
mod lamb;
mod lion;
mod nadam;
mod optimizer;
mod rmsprop;
pub mod schedules;
mod sgd;
mod slots;
mod update_rule;

pub use adadelta::Adadelta;
pub use adafactor::Adafactor;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamax::Adamax;
pub use adamw::AdamW;
pub use ftrl::Ftrl;
pub use lamb::Lamb;
pub use lion::Lion;
pub use nadam::Nadam;
pub use optimizer::{LearningRate, Optimizer};
pub use rmsprop::RMSprop;
pub use sgd::SGD;
pub use slots::Slots;
pub use update_rule::{Step, UpdateRule};

use keras_ops::Result;
use serde_json::Value;

use crate::saving::{ObjectDict, OPTIMIZERS};

impl Optimizer {
    /// By identifier (`"adam"`, `"sgd"`, `"rmsprop"`, ... or the class name).
    pub fn get(identifier: &str) -> Result<Optimizer> {
        Self::from_json(&Value::String(identifier.into()))
    }

    /// From a serialized object dict or string identifier; classes registered with
    /// [`register_optimizer`](crate::saving::register_optimizer) first.
    pub fn from_json(v: &Value) -> Result<Optimizer> {
        let o = ObjectDict::parse(v, "optimizers")?;
        if let Some(from_config) = OPTIMIZERS.lookup(&o) {
            return from_config(&o.config);
        }
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
            "adafactor" => Optimizer::with_base_config(Adafactor::from_config(c)?, c),
            "ftrl" => Optimizer::with_base_config(Ftrl::from_config(c)?, c),
            "lamb" => Optimizer::with_base_config(Lamb::from_config(c)?, c),
            "lion" => Optimizer::with_base_config(Lion::from_config(c)?, c),
            _ => Err(OPTIMIZERS.unknown(&o)),
        }
    }
}

#[cfg(test)]
mod tests;
