//! (being written)

use keras_ops::{Result, Tensor};

use crate::call::Call;

pub fn dispatch(_c: &Call) -> Option<Result<Vec<Tensor>>> {
    None
}
