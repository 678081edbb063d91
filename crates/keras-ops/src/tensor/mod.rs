//! [`Tensor`]: an immutable n-dimensional array on a backend, with its autodiff history.

mod display;
mod npy;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use keras_backend::{bail, Backend, DType, Element, HostBuffer, Result, Storage};

use crate::autodiff::GradNode;
use crate::shape::{fmt_dims, Shape};

/// A process-unique tensor identity, used by the gradient tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

pub(crate) struct Inner {
    pub(crate) id: TensorId,
    pub(crate) storage: Storage,
    pub(crate) shape: Shape,
    pub(crate) backend: &'static dyn Backend,
    pub(crate) node: Option<GradNode>,
}

/// An immutable n-dimensional array with a dynamic shape and dtype, stored on a backend.
///
/// Cloning is cheap (a reference count). Every op returns a new tensor; reshapes share the
/// buffer.
///
/// ```
/// use keras_ops::Tensor;
/// let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
/// assert_eq!(t.dims(), &[2, 2]);
/// assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Inner>);

impl Tensor {
    /// Wraps a backend buffer (already holding `shape.size()` elements).
    pub(crate) fn from_storage(
        storage: Storage,
        shape: impl Into<Shape>,
        backend: &'static dyn Backend,
    ) -> Tensor {
        let shape = shape.into();
        debug_assert_eq!(storage.len(), shape.size());
        Tensor(Arc::new(Inner {
            id: TensorId::fresh(),
            storage,
            shape,
            backend,
            node: None,
        }))
    }

    /// The same data with a gradient node attached (used by the autodiff recorder).
    pub(crate) fn with_node(self, node: GradNode) -> Tensor {
        let inner = Inner {
            id: self.0.id,
            storage: self.0.storage.clone(),
            shape: self.0.shape.clone(),
            backend: self.0.backend,
            node: Some(node),
        };
        Tensor(Arc::new(inner))
    }

    /// A tensor from host data in the current backend.
    ///
    /// ```
    /// use keras_ops::{HostBuffer, Tensor};
    /// let t = Tensor::from_host(HostBuffer::from(vec![1i32, 2, 3]), [3]).unwrap();
    /// assert_eq!(t.dtype().name(), "int32");
    /// ```
    pub fn from_host(data: HostBuffer, shape: impl Into<Shape>) -> Result<Tensor> {
        let shape = shape.into();
        if data.len() != shape.size() {
            bail!(
                "convert_to_tensor",
                "{} values cannot fill shape {}",
                data.len(),
                shape
            );
        }
        let backend = crate::config::backend()?;
        Ok(Tensor::from_storage(backend.upload(data)?, shape, backend))
    }

    /// A tensor holding `data` with `shape` (its dtype comes from `T`).
    pub fn from_vec<T: Element>(data: Vec<T>, shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::from_host(HostBuffer::from(data), shape)
    }

    /// A tensor copying `data` with `shape`.
    pub fn from_slice<T: Element>(data: &[T], shape: impl Into<Shape>) -> Result<Tensor> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A 0-d tensor.
    ///
    /// ```
    /// use keras_ops::Tensor;
    /// assert_eq!(Tensor::scalar(2.5f64).unwrap().item().unwrap(), 2.5);
    /// ```
    pub fn scalar<T: Element>(value: T) -> Result<Tensor> {
        Tensor::from_vec(vec![value], ())
    }

    /// A 0-d tensor of `dtype` holding `value` (converted as `astype` would).
    pub fn scalar_of(value: f64, dtype: DType) -> Result<Tensor> {
        Tensor::from_host(HostBuffer::filled(dtype, 1, value), ())
    }

    /// The identity used by gradient tapes.
    pub fn id(&self) -> TensorId {
        self.0.id
    }
    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.0.shape
    }
    /// The dims as a slice.
    pub fn dims(&self) -> &[usize] {
        self.0.shape.dims()
    }
    /// Number of dims.
    pub fn rank(&self) -> usize {
        self.0.shape.rank()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        self.0.shape.size()
    }
    /// The element type.
    pub fn dtype(&self) -> DType {
        self.0.storage.dtype()
    }
    /// The backend that holds the data.
    pub fn backend(&self) -> &'static dyn Backend {
        self.0.backend
    }
    /// The backend buffer.
    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }
    pub(crate) fn node(&self) -> Option<&GradNode> {
        self.0.node.as_ref()
    }

    /// Copies the data to host memory.
    pub fn to_host(&self) -> Result<HostBuffer> {
        self.0.backend.to_host(&self.0.storage)
    }

    /// The elements as a `Vec<T>`, converted from the tensor's dtype as `astype` would.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let host = self.to_host()?.cast(T::DTYPE);
        Ok(host.as_slice::<T>()?.to_vec())
    }

    /// The single element of a one-element tensor, as `f64`.
    pub fn item(&self) -> Result<f64> {
        if self.size() != 1 {
            bail!(
                "item",
                "only a tensor with one element converts to a scalar, got shape {}",
                self.shape()
            );
        }
        Ok(self.to_host()?.get_f64(0))
    }

    /// The same buffer viewed with another shape of equal size (no autodiff record: use
    /// `ops::reshape` for that).
    pub(crate) fn view(&self, dims: &[usize]) -> Tensor {
        Tensor::from_storage(self.0.storage.clone(), dims, self.0.backend)
    }

    /// A short description for error messages: `float32 (2, 3)`.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.dtype(), fmt_dims(self.dims()))
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor({}, shape={})", self.dtype(), self.shape())
    }
}
