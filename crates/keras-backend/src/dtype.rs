//! Element types and Keras's type-promotion lattice (`keras.backend.result_type`).

use std::fmt;

use crate::{Error, Result};

/// The element type of a tensor, named as Keras names it (`"float32"`, `"int64"`, ...).
///
/// ```
/// use keras_backend::DType;
/// assert_eq!(DType::parse("float32").unwrap(), DType::F32);
/// assert_eq!(DType::I64.name(), "int64");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`
    Bool,
    /// `uint8`
    U8,
    /// `uint16`
    U16,
    /// `uint32`
    U32,
    /// `uint64`
    U64,
    /// `int8`
    I8,
    /// `int16`
    I16,
    /// `int32`
    I32,
    /// `int64`
    I64,
    /// `bfloat16`
    BF16,
    /// `float16`
    F16,
    /// `float32`
    F32,
    /// `float64`
    F64,
}

/// Every supported dtype (bool, unsigned, signed, floats).
pub const ALL_DTYPES: [DType; 13] = [
    DType::Bool,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::BF16,
    DType::F16,
    DType::F32,
    DType::F64,
];

impl DType {
    /// Keras's name for this dtype.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::BF16 => "bfloat16",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses a Keras dtype name (also accepts `"float"` → float32 and `"int"` → int32 like
    /// `keras.backend.standardize_dtype`).
    pub fn parse(name: &str) -> Result<DType> {
        Ok(match name {
            "bool" => DType::Bool,
            "uint8" => DType::U8,
            "uint16" => DType::U16,
            "uint32" => DType::U32,
            "uint64" => DType::U64,
            "int8" => DType::I8,
            "int16" => DType::I16,
            "int32" | "int" => DType::I32,
            "int64" => DType::I64,
            "bfloat16" => DType::BF16,
            "float16" | "half" => DType::F16,
            "float32" | "float" => DType::F32,
            "float64" | "double" => DType::F64,
            other => return Err(Error::msg(format!("unknown dtype {other:?}"))),
        })
    }

    /// Size of one element in bytes.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::I16 | DType::U16 | DType::BF16 | DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// True for bfloat16, float16, float32 and float64.
    pub fn is_float(self) -> bool {
        matches!(self, DType::BF16 | DType::F16 | DType::F32 | DType::F64)
    }

    /// True for the signed and unsigned integer types (not bool).
    pub fn is_int(self) -> bool {
        matches!(
            self,
            DType::U8
                | DType::U16
                | DType::U32
                | DType::U64
                | DType::I8
                | DType::I16
                | DType::I32
                | DType::I64
        )
    }

    /// True for the unsigned integer types.
    pub fn is_unsigned(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }

    /// The immediate successors of a node in Keras's promotion lattice.
    fn lattice_next(node: Node) -> &'static [Node] {
        use DType::*;
        use Node::*;
        match node {
            T(Bool) => &[WeakInt],
            WeakInt => &[T(U8), T(I8)],
            T(U8) => &[T(I16), T(U16)],
            T(U16) => &[T(I32), T(U32)],
            T(U32) => &[T(I64), T(U64)],
            T(U64) => &[WeakFloat],
            T(I8) => &[T(I16)],
            T(I16) => &[T(I32)],
            T(I32) => &[T(I64)],
            T(I64) => &[WeakFloat],
            WeakFloat => &[T(BF16), T(F16)],
            T(BF16) | T(F16) => &[T(F32)],
            T(F32) => &[T(F64)],
            T(F64) => &[],
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A node of the promotion lattice: a concrete dtype or a weakly typed Python scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    T(DType),
    WeakInt,
    WeakFloat,
}

/// One argument of [`result_type`]: a tensor's dtype, or a weakly typed Python-style scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeArg {
    /// A tensor (or explicitly typed value) of this dtype.
    Strong(DType),
    /// A Python `int` literal: adopts the other operand's integer or float type.
    WeakInt,
    /// A Python `float` literal: adopts the other operand's float type, else `floatx`.
    WeakFloat,
    /// A Python `bool` literal.
    WeakBool,
}

impl From<DType> for TypeArg {
    fn from(d: DType) -> Self {
        TypeArg::Strong(d)
    }
}

fn ancestors(n: Node) -> Vec<Node> {
    let mut out = vec![n];
    let mut i = 0;
    while i < out.len() {
        for &m in DType::lattice_next(out[i]) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        i += 1;
    }
    out
}

/// Keras's `result_type`: the least upper bound of the arguments in the JAX-style promotion
/// lattice. Weak Python scalars only widen the kind (int → float), never the width; with
/// no tensor arguments a weak float gives `floatx` (float32) and a weak int gives int32.
///
/// ```
/// use keras_backend::{result_type, DType, TypeArg};
/// assert_eq!(result_type(&[DType::U8.into(), DType::I8.into()]), DType::I16);
/// assert_eq!(result_type(&[DType::I32.into(), TypeArg::WeakFloat]), DType::F32);
/// assert_eq!(result_type(&[DType::F16.into(), DType::BF16.into()]), DType::F32);
/// assert_eq!(result_type(&[DType::I8.into(), TypeArg::WeakInt]), DType::I8);
/// ```
pub fn result_type(args: &[TypeArg]) -> DType {
    if args.is_empty() {
        return DType::F32;
    }
    let nodes: Vec<Node> = args
        .iter()
        .map(|a| match *a {
            TypeArg::Strong(d) => Node::T(d),
            TypeArg::WeakInt => Node::WeakInt,
            TypeArg::WeakFloat => Node::WeakFloat,
            TypeArg::WeakBool => Node::T(DType::Bool),
        })
        .collect();
    let sets: Vec<Vec<Node>> = nodes.iter().map(|&n| ancestors(n)).collect();
    // Upper bounds common to all arguments; the least one is the one that every other
    // common bound is an ancestor of.
    let common: Vec<Node> = sets[0]
        .iter()
        .copied()
        .filter(|n| sets.iter().all(|s| s.contains(n)))
        .collect();
    let lub = common
        .iter()
        .copied()
        .find(|&c| common.iter().all(|&o| ancestors(c).contains(&o)))
        .unwrap_or(Node::T(DType::F64));
    let all_weak = args.iter().all(|a| !matches!(a, TypeArg::Strong(_)));
    match lub {
        Node::T(d) => d,
        // Weak results resolve to the default widths (Keras: floatx / int32, or int64 for
        // an int64 operand promoted with a weak float -> float32 follows JAX with x64 off).
        Node::WeakFloat => DType::F32,
        Node::WeakInt => {
            if all_weak {
                DType::I32
            } else {
                // bool tensor with a Python int
                DType::I32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_basics() {
        use DType::*;
        let r = |a: DType, b: DType| result_type(&[a.into(), b.into()]);
        assert_eq!(r(Bool, Bool), Bool);
        assert_eq!(r(Bool, U8), U8);
        assert_eq!(r(U8, I8), I16);
        assert_eq!(r(I64, F16), F16);
        assert_eq!(r(I32, BF16), BF16);
        assert_eq!(r(BF16, F16), F32);
        assert_eq!(r(F32, F64), F64);
        assert_eq!(r(I64, F32), F32);
        assert_eq!(result_type(&[TypeArg::WeakFloat, I64.into()]), F32);
        assert_eq!(result_type(&[TypeArg::WeakFloat, F16.into()]), F16);
        assert_eq!(result_type(&[TypeArg::WeakInt, U8.into()]), U8);
        assert_eq!(result_type(&[TypeArg::WeakInt, Bool.into()]), I32);
    }
}
