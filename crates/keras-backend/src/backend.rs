//! The [`Backend`] trait: the kernel set every compute engine implements.
//!
//! Kernels work on opaque [`Storage`] (a contiguous, row-major buffer owned by the backend)
//! plus explicit shapes. They never see broadcasting rules, dtype promotion, axis
//! normalisation or gradients: `keras-ops` resolves all of that before calling them and
//! validates every argument, so a kernel may assume its inputs are consistent.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::{DType, HostBuffer, Result};

/// A backend's buffer: contiguous, row-major, one dtype. Shape lives in the tensor.
pub trait BackendStorage: Any + Send + Sync + fmt::Debug {
    /// The element type.
    fn dtype(&self) -> DType;
    /// Number of elements.
    fn len(&self) -> usize;
    /// True when there is no element.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// For downcasting to the backend's concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// Shared handle to a backend buffer. Buffers are immutable once created.
pub type Storage = Arc<dyn BackendStorage>;

/// Elementwise functions of one argument. Integer inputs are only given to the ops that
/// are defined on integers (`Neg`, `Abs`, `Sign`, `Square`, `BitwiseNot`, `LogicalNot`,
/// and the `Is*` predicates); `keras-ops` casts to float for the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UnaryOp {
    Neg,
    Abs,
    Sign,
    Square,
    Sqrt,
    Rsqrt,
    Reciprocal,
    Exp,
    Expm1,
    Log,
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Floor,
    Ceil,
    /// Round half to even, as NumPy.
    Round,
    Trunc,
    Erf,
    Erfinv,
    Sigmoid,
    Relu,
    Softplus,
    LogicalNot,
    BitwiseNot,
    /// Output dtype bool.
    IsNan,
    /// Output dtype bool.
    IsInf,
    /// Output dtype bool.
    IsFinite,
}

/// Elementwise functions of two arguments of the same dtype, with NumPy broadcasting.
/// Comparisons and logical ops produce `bool`; the others keep the input dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// True division for floats; truncating division is never requested for integers.
    Div,
    /// Floor division (Python `//`), for ints and floats.
    FloorDiv,
    /// Python-style modulo: the result has the sign of the divisor.
    Mod,
    Pow,
    Maximum,
    Minimum,
    Atan2,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    LeftShift,
    RightShift,
}

impl BinaryOp {
    /// True when the result dtype is bool.
    pub fn is_predicate(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Equal
                | NotEqual
                | Less
                | LessEqual
                | Greater
                | GreaterEqual
                | LogicalAnd
                | LogicalOr
                | LogicalXor
        )
    }
}

/// Reductions over a set of axes. `Any`/`All` produce bool; the others keep the dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    Any,
    All,
}

/// Index reductions along one axis; the result is `int32`. Ties give the first index;
/// NaN counts as the extreme value, as NumPy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ArgReduceOp {
    ArgMax,
    ArgMin,
}

/// Running accumulations along one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum CumulativeOp {
    Sum,
    Prod,
    Max,
    Min,
}

/// Padding modes of `pad`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadMode {
    /// Fill with a constant.
    Constant,
    /// Mirror without repeating the edge (`[1,2,3]` → `[3,2,1,2,3,2,1]`).
    Reflect,
    /// Mirror repeating the edge (`[1,2,3]` → `[2,1,1,2,3,3,2]`).
    Symmetric,
    /// Repeat the edge value.
    Edge,
}

/// How `scatter_nd` combines updates with the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScatterMode {
    /// Add updates (duplicates accumulate).
    Add,
    /// Overwrite (the last duplicate wins).
    Update,
}

/// A convolution over `N` spatial dims, channels-last.
///
/// Input `[batch, *spatial, in_channels]`; kernel `[*kernel_size, in_channels / groups,
/// out_channels]` (Keras's kernel layout); output `[batch, *out_spatial, out_channels]` with
/// `out = (in + pad_before + pad_after - dilation * (k - 1) - 1) / stride + 1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvParams {
    /// Stride per spatial dim.
    pub strides: Vec<usize>,
    /// Dilation per spatial dim.
    pub dilation: Vec<usize>,
    /// Zero padding before each spatial dim.
    pub pad_before: Vec<usize>,
    /// Zero padding after each spatial dim.
    pub pad_after: Vec<usize>,
    /// Number of channel groups; both channel counts are multiples of it.
    pub groups: usize,
}

impl ConvParams {
    /// Output spatial size for input spatial `input` and kernel spatial `kernel`.
    pub fn output_spatial(&self, input: &[usize], kernel: &[usize]) -> Vec<usize> {
        (0..input.len())
            .map(|i| {
                let padded = input[i] + self.pad_before[i] + self.pad_after[i];
                let eff = self.dilation[i] * (kernel[i] - 1) + 1;
                if padded < eff {
                    0
                } else {
                    (padded - eff) / self.strides[i] + 1
                }
            })
            .collect()
    }
}

/// Pooling kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolKind {
    /// Maximum over the window (padding never wins).
    Max,
    /// Mean over the window's non-padding elements (Keras/TF `same` semantics).
    Average,
}

/// A pooling window over `N` spatial dims, channels-last: input `[batch, *spatial, channels]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolParams {
    /// Max or average.
    pub kind: PoolKind,
    /// Window size per spatial dim.
    pub window: Vec<usize>,
    /// Stride per spatial dim.
    pub strides: Vec<usize>,
    /// Padding before each spatial dim (never counted in averages).
    pub pad_before: Vec<usize>,
    /// Padding after each spatial dim.
    pub pad_after: Vec<usize>,
}

impl PoolParams {
    /// Output spatial size for input spatial `input`.
    pub fn output_spatial(&self, input: &[usize]) -> Vec<usize> {
        (0..input.len())
            .map(|i| {
                let padded = input[i] + self.pad_before[i] + self.pad_after[i];
                if padded < self.window[i] {
                    0
                } else {
                    (padded - self.window[i]) / self.strides[i] + 1
                }
            })
            .collect()
    }
}

/// A batched row-major matrix product `C[b] = A[b] · B[b]` with `A[b]: m×k`, `B[b]: k×n`.
/// A batch stride of 0 broadcasts that operand over the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MatmulDims {
    /// Number of products.
    pub batch: usize,
    /// Rows of A and C.
    pub m: usize,
    /// Columns of A, rows of B.
    pub k: usize,
    /// Columns of B and C.
    pub n: usize,
    /// Elements between consecutive A matrices (0 or m·k).
    pub a_batch_stride: usize,
    /// Elements between consecutive B matrices (0 or k·n).
    pub b_batch_stride: usize,
    /// Read A as its transpose (stored k×m).
    pub transpose_a: bool,
    /// Read B as its transpose (stored n×k).
    pub transpose_b: bool,
}

/// The kernel set of a compute engine (object-safe: used as `&dyn Backend`).
///
/// Every method receives validated arguments: shapes consistent with buffer lengths, axes in
/// range, indices already bounds-checked and non-negative. Shapes are row-major dims.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Short name: `"cpu"`, `"candle"`, `"tch"`.
    fn name(&self) -> &'static str;

    /// Uploads host data.
    fn upload(&self, data: HostBuffer) -> Result<Storage>;
    /// Downloads to host memory.
    fn to_host(&self, x: &Storage) -> Result<HostBuffer>;
    /// Converts the element type (NumPy `astype` semantics).
    fn cast(&self, x: &Storage, dtype: DType) -> Result<Storage>;

    /// `op(x)` elementwise.
    fn unary(&self, op: UnaryOp, x: &Storage) -> Result<Storage>;
    /// `op(a, b)` elementwise with broadcasting of `a_shape` and `b_shape` to `out_shape`
    /// (both already padded to the same rank).
    fn binary(
        &self,
        op: BinaryOp,
        a: &Storage,
        a_shape: &[usize],
        b: &Storage,
        b_shape: &[usize],
        out_shape: &[usize],
    ) -> Result<Storage>;
    /// `where(cond, a, b)`; all three broadcast to `out_shape` (same rank); `a`, `b` same dtype.
    #[allow(clippy::too_many_arguments)]
    fn select(
        &self,
        cond: &Storage,
        cond_shape: &[usize],
        a: &Storage,
        a_shape: &[usize],
        b: &Storage,
        b_shape: &[usize],
        out_shape: &[usize],
    ) -> Result<Storage>;
    /// Clamps each element to `[lo, hi]` (bounds given as f64, converted to the dtype).
    fn clip(&self, x: &Storage, lo: f64, hi: f64) -> Result<Storage>;

    /// Reduces over `axes` (sorted, unique); the result has those dims removed.
    fn reduce(&self, op: ReduceOp, x: &Storage, shape: &[usize], axes: &[usize])
        -> Result<Storage>;
    /// Index of the max/min along `axis` (int32); that dim is removed.
    fn arg_reduce(
        &self,
        op: ArgReduceOp,
        x: &Storage,
        shape: &[usize],
        axis: usize,
    ) -> Result<Storage>;
    /// Running accumulation along `axis`, optionally from the end.
    fn cumulative(
        &self,
        op: CumulativeOp,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        reverse: bool,
    ) -> Result<Storage>;
    /// Softmax (or log-softmax) along `axis`; floats only.
    fn softmax(&self, x: &Storage, shape: &[usize], axis: usize, log: bool) -> Result<Storage>;

    /// Batched matrix product (see [`MatmulDims`]); same dtype for both operands.
    fn matmul(&self, a: &Storage, b: &Storage, dims: MatmulDims) -> Result<Storage>;

    /// Reorders dims: output dim `i` is input dim `perm[i]`.
    fn permute(&self, x: &Storage, shape: &[usize], perm: &[usize]) -> Result<Storage>;
    /// Broadcasts `shape` (same rank as `out_shape`, dims 1 or equal) to `out_shape`.
    fn broadcast_to(&self, x: &Storage, shape: &[usize], out_shape: &[usize]) -> Result<Storage>;
    /// Strided slice: output dim `i` has `out_shape[i]` elements starting at `start[i]` with
    /// step `step[i]` (which may be negative).
    fn strided_slice(
        &self,
        x: &Storage,
        shape: &[usize],
        start: &[usize],
        step: &[isize],
        out_shape: &[usize],
    ) -> Result<Storage>;
    /// A copy of `x` whose strided window (as in [`Backend::strided_slice`]) is replaced by
    /// `update` (shape `update_shape`, same dtype).
    fn strided_slice_assign(
        &self,
        x: &Storage,
        shape: &[usize],
        start: &[usize],
        step: &[isize],
        update: &Storage,
        update_shape: &[usize],
    ) -> Result<Storage>;
    /// Concatenates along `axis`; all parts have the same dtype and rank.
    fn concat(&self, parts: &[(&Storage, &[usize])], axis: usize) -> Result<Storage>;
    /// Pads each dim by `(before, after)` elements.
    fn pad(
        &self,
        x: &Storage,
        shape: &[usize],
        pads: &[(usize, usize)],
        mode: PadMode,
        value: f64,
    ) -> Result<Storage>;

    /// `take` along `axis`: output shape `shape[..axis] ++ [indices.len()] ++ shape[axis+1..]`.
    /// `indices` are int64, in range.
    fn gather(
        &self,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        indices: &Storage,
    ) -> Result<Storage>;
    /// Adds `updates` (shape of a [`Backend::gather`] result) into a copy of `x` at the rows
    /// `indices` along `axis` (the gradient of gather).
    fn index_add(
        &self,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        indices: &Storage,
        updates: &Storage,
    ) -> Result<Storage>;
    /// `take_along_axis`: `indices` (int64, shape `out_shape`, same rank as `shape`, other dims
    /// equal) pick elements along `axis`.
    fn take_along_axis(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        out_shape: &[usize],
        axis: usize,
    ) -> Result<Storage>;
    /// Adds `updates` (shape `idx_shape`) into a copy of `x` at positions `indices` along
    /// `axis` (the gradient of take_along_axis).
    fn put_along_axis_add(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        updates: &Storage,
        idx_shape: &[usize],
        axis: usize,
    ) -> Result<Storage>;
    /// Scatters `updates` into a copy of `x`: `indices` is int64 of shape `[n, depth]`,
    /// each row addressing the first `depth` dims of `shape`; `updates` holds `n` slices of
    /// the remaining dims.
    #[allow(clippy::too_many_arguments)]
    fn scatter_nd(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        n: usize,
        depth: usize,
        updates: &Storage,
        mode: ScatterMode,
    ) -> Result<Storage>;
    /// Sorts along `axis` (ascending, NaN last, stable); returns values and int32 indices.
    fn sort(&self, x: &Storage, shape: &[usize], axis: usize) -> Result<(Storage, Storage)>;

    /// N-d convolution (see [`ConvParams`]); floats only.
    fn conv(
        &self,
        x: &Storage,
        x_shape: &[usize],
        kernel: &Storage,
        kernel_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage>;
    /// Gradient of [`Backend::conv`] with respect to its input (also conv_transpose).
    fn conv_input_grad(
        &self,
        dy: &Storage,
        dy_shape: &[usize],
        kernel: &Storage,
        kernel_shape: &[usize],
        x_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage>;
    /// Gradient of [`Backend::conv`] with respect to its kernel.
    fn conv_kernel_grad(
        &self,
        x: &Storage,
        x_shape: &[usize],
        dy: &Storage,
        dy_shape: &[usize],
        kernel_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage>;
    /// Max or average pooling (see [`PoolParams`]); floats only.
    fn pool(&self, x: &Storage, x_shape: &[usize], params: &PoolParams) -> Result<Storage>;
    /// Gradient of [`Backend::pool`] with respect to its input (max routes to the first
    /// maximum of each window).
    fn pool_grad(
        &self,
        x: &Storage,
        x_shape: &[usize],
        dy: &Storage,
        params: &PoolParams,
    ) -> Result<Storage>;
}
