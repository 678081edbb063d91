//! Merge layers: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
//! `Concatenate` and `Dot`. Each takes a list of inputs.

mod add;
mod average;
mod base_merge;
mod concatenate;
mod dot;
mod maximum;
mod minimum;
mod multiply;
mod subtract;
#[cfg(test)]
mod test_inputs;

pub use add::{Add, AddOp};
pub use average::{Average, AverageOp};
pub use base_merge::{Merge, MergeFunction};
pub use concatenate::Concatenate;
pub use dot::{Dot, DotAxes};
pub use maximum::{Maximum, MaximumOp};
pub use minimum::{Minimum, MinimumOp};
pub use multiply::{Multiply, MultiplyOp};
pub use subtract::{Subtract, SubtractOp};
