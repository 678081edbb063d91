//! Operands of elementwise ops: tensors or weakly typed Rust scalars (Python-scalar semantics).

use keras_backend::{result_type, DType, HostBuffer, Result, TypeArg};

use crate::tensor::Tensor;

/// An argument of an elementwise op: a tensor, or a scalar that adopts the other operand's
/// dtype the way a Python scalar does in Keras (`ops.add(x_int8, 2)` stays int8,
/// `ops.multiply(x_int32, 1.5)` becomes float32).
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let x = Tensor::from_vec(vec![1i8, 2], [2]).unwrap();
/// assert_eq!(ops::add(&x, 2).unwrap().dtype().name(), "int8");
/// assert_eq!(ops::multiply(&x, 1.5).unwrap().dtype().name(), "float32");
/// ```
#[derive(Clone, Debug)]
pub enum Operand {
    /// A tensor (strongly typed).
    Tensor(Tensor),
    /// A Python-style `int`.
    Int(i64),
    /// A Python-style `float`.
    Float(f64),
    /// A Python-style `bool`.
    Bool(bool),
}

impl From<&Tensor> for Operand {
    fn from(t: &Tensor) -> Self {
        Operand::Tensor(t.clone())
    }
}
impl From<Tensor> for Operand {
    fn from(t: Tensor) -> Self {
        Operand::Tensor(t)
    }
}
impl From<f64> for Operand {
    fn from(v: f64) -> Self {
        Operand::Float(v)
    }
}
impl From<f32> for Operand {
    fn from(v: f32) -> Self {
        Operand::Float(v as f64)
    }
}
impl From<i64> for Operand {
    fn from(v: i64) -> Self {
        Operand::Int(v)
    }
}
impl From<i32> for Operand {
    fn from(v: i32) -> Self {
        Operand::Int(v as i64)
    }
}
impl From<bool> for Operand {
    fn from(v: bool) -> Self {
        Operand::Bool(v)
    }
}

impl Operand {
    /// The operand's place in the promotion lattice.
    pub fn type_arg(&self) -> TypeArg {
        match self {
            Operand::Tensor(t) => TypeArg::Strong(t.dtype()),
            Operand::Int(_) => TypeArg::WeakInt,
            Operand::Float(_) => TypeArg::WeakFloat,
            Operand::Bool(_) => TypeArg::WeakBool,
        }
    }

    /// The operand as a tensor of `dtype` (scalars become 0-d tensors; tensors are cast
    /// with gradient).
    pub fn to_tensor(&self, dtype: DType) -> Result<Tensor> {
        match self {
            Operand::Tensor(t) => crate::ops::cast(t, dtype),
            Operand::Int(v) => Tensor::from_host(HostBuffer::from(vec![*v]).cast(dtype), ()),
            Operand::Float(v) => Tensor::scalar_of(*v, dtype),
            Operand::Bool(v) => Tensor::scalar_of(*v as u8 as f64, dtype),
        }
    }
}

/// The Keras result dtype of several operands.
pub fn operands_dtype(operands: &[&Operand]) -> DType {
    let args: Vec<TypeArg> = operands.iter().map(|o| o.type_arg()).collect();
    result_type(&args)
}
