//! The native CPU backend of keras-rs: pure Rust, no system libraries.
//!
//! [`CpuBackend`] implements [`Backend`] on host memory ([`CpuStorage`] wraps a
//! [`HostBuffer`]); every method unpacks its storages and calls a kernel of [`kernels`].
//!
//! ```
//! use keras_backend::{Backend, BinaryOp, HostBuffer};
//! use keras_cpu::CpuBackend;
//! let cpu = CpuBackend;
//! let a = cpu.upload(HostBuffer::from(vec![1.0f32, 2.0, 3.0, 4.0])).unwrap();
//! let b = cpu.upload(HostBuffer::from(vec![10.0f32, 20.0])).unwrap();
//! let c = cpu.binary(BinaryOp::Add, &a, &[2, 2], &b, &[1, 2], &[2, 2]).unwrap();
//! assert_eq!(cpu.to_host(&c).unwrap(), HostBuffer::from(vec![11.0f32, 22.0, 13.0, 24.0]));
//! ```
#![warn(missing_docs)]

pub mod kernels;

use std::any::Any;
use std::sync::Arc;

use keras_backend::{
    ArgReduceOp, Backend, BackendStorage, BinaryOp, ConvParams, CumulativeOp, DType, Error,
    HostBuffer, MatmulDims, PadMode, PoolParams, ReduceOp, Result, ScatterMode, Storage, UnaryOp,
};
use kernels::{bmm, elementwise as ew, gather, layout, nn, reduce, sort};

/// The native CPU backend (unit struct: all state lives in the storages).
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

/// A buffer of the CPU backend: an owned host buffer.
#[derive(Debug)]
pub struct CpuStorage(pub HostBuffer);

impl BackendStorage for CpuStorage {
    fn dtype(&self) -> DType {
        self.0.dtype()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The host buffer behind a storage made by [`CpuBackend`]; an error for another backend's.
pub fn buf(s: &Storage) -> Result<&HostBuffer> {
    s.as_any()
        .downcast_ref::<CpuStorage>()
        .map(|c| &c.0)
        .ok_or_else(|| Error::msg("cpu backend: storage belongs to another backend"))
}

fn wrap(h: HostBuffer) -> Storage {
    Arc::new(CpuStorage(h))
}

fn ok(r: Result<HostBuffer>) -> Result<Storage> {
    r.map(wrap)
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn upload(&self, data: HostBuffer) -> Result<Storage> {
        Ok(wrap(data))
    }

    fn to_host(&self, x: &Storage) -> Result<HostBuffer> {
        Ok(buf(x)?.clone())
    }

    fn cast(&self, x: &Storage, dtype: DType) -> Result<Storage> {
        Ok(wrap(ew::cast(buf(x)?, dtype)))
    }

    fn unary(&self, op: UnaryOp, x: &Storage) -> Result<Storage> {
        ok(ew::unary(op, buf(x)?))
    }

    fn binary(
        &self,
        op: BinaryOp,
        a: &Storage,
        a_shape: &[usize],
        b: &Storage,
        b_shape: &[usize],
        out_shape: &[usize],
    ) -> Result<Storage> {
        ok(ew::binary(
            op,
            buf(a)?,
            a_shape,
            buf(b)?,
            b_shape,
            out_shape,
        ))
    }

    fn select(
        &self,
        cond: &Storage,
        cond_shape: &[usize],
        a: &Storage,
        a_shape: &[usize],
        b: &Storage,
        b_shape: &[usize],
        out_shape: &[usize],
    ) -> Result<Storage> {
        let (c, a, b) = (buf(cond)?, buf(a)?, buf(b)?);
        ok(ew::select(c, cond_shape, a, a_shape, b, b_shape, out_shape))
    }

    fn clip(&self, x: &Storage, lo: f64, hi: f64) -> Result<Storage> {
        ok(ew::clip(buf(x)?, lo, hi))
    }

    fn reduce(
        &self,
        op: ReduceOp,
        x: &Storage,
        shape: &[usize],
        axes: &[usize],
    ) -> Result<Storage> {
        ok(reduce::reduce(op, buf(x)?, shape, axes))
    }

    fn arg_reduce(
        &self,
        op: ArgReduceOp,
        x: &Storage,
        shape: &[usize],
        axis: usize,
    ) -> Result<Storage> {
        ok(reduce::arg_reduce(op, buf(x)?, shape, axis))
    }

    fn cumulative(
        &self,
        op: CumulativeOp,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        reverse: bool,
    ) -> Result<Storage> {
        ok(reduce::cumulative(op, buf(x)?, shape, axis, reverse))
    }

    fn softmax(&self, x: &Storage, shape: &[usize], axis: usize, log: bool) -> Result<Storage> {
        ok(reduce::softmax(buf(x)?, shape, axis, log))
    }

    fn matmul(&self, a: &Storage, b: &Storage, dims: MatmulDims) -> Result<Storage> {
        ok(bmm::matmul(buf(a)?, buf(b)?, dims))
    }

    fn permute(&self, x: &Storage, shape: &[usize], perm: &[usize]) -> Result<Storage> {
        ok(layout::permute(buf(x)?, shape, perm))
    }

    fn broadcast_to(&self, x: &Storage, shape: &[usize], out_shape: &[usize]) -> Result<Storage> {
        ok(layout::broadcast_to(buf(x)?, shape, out_shape))
    }

    fn strided_slice(
        &self,
        x: &Storage,
        shape: &[usize],
        start: &[usize],
        step: &[isize],
        out_shape: &[usize],
    ) -> Result<Storage> {
        ok(layout::strided_slice(
            buf(x)?,
            shape,
            start,
            step,
            out_shape,
        ))
    }

    fn strided_slice_assign(
        &self,
        x: &Storage,
        shape: &[usize],
        start: &[usize],
        step: &[isize],
        update: &Storage,
        update_shape: &[usize],
    ) -> Result<Storage> {
        let (x, u) = (buf(x)?, buf(update)?);
        ok(layout::strided_slice_assign(
            x,
            shape,
            start,
            step,
            u,
            update_shape,
        ))
    }

    fn concat(&self, parts: &[(&Storage, &[usize])], axis: usize) -> Result<Storage> {
        let parts: Vec<(&HostBuffer, &[usize])> = parts
            .iter()
            .map(|&(s, shape)| Ok((buf(s)?, shape)))
            .collect::<Result<_>>()?;
        ok(layout::concat(&parts, axis))
    }

    fn pad(
        &self,
        x: &Storage,
        shape: &[usize],
        pads: &[(usize, usize)],
        mode: PadMode,
        value: f64,
    ) -> Result<Storage> {
        ok(layout::pad(buf(x)?, shape, pads, mode, value))
    }

    fn gather(
        &self,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        indices: &Storage,
    ) -> Result<Storage> {
        ok(gather::gather(buf(x)?, shape, axis, buf(indices)?))
    }

    fn index_add(
        &self,
        x: &Storage,
        shape: &[usize],
        axis: usize,
        indices: &Storage,
        updates: &Storage,
    ) -> Result<Storage> {
        let (x, i, u) = (buf(x)?, buf(indices)?, buf(updates)?);
        ok(gather::index_add(x, shape, axis, i, u))
    }

    fn take_along_axis(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        out_shape: &[usize],
        axis: usize,
    ) -> Result<Storage> {
        let (x, i) = (buf(x)?, buf(indices)?);
        ok(gather::take_along_axis(x, shape, i, out_shape, axis))
    }

    fn put_along_axis_add(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        updates: &Storage,
        idx_shape: &[usize],
        axis: usize,
    ) -> Result<Storage> {
        let (x, i, u) = (buf(x)?, buf(indices)?, buf(updates)?);
        ok(gather::put_along_axis_add(x, shape, i, u, idx_shape, axis))
    }

    fn scatter_nd(
        &self,
        x: &Storage,
        shape: &[usize],
        indices: &Storage,
        n: usize,
        depth: usize,
        updates: &Storage,
        mode: ScatterMode,
    ) -> Result<Storage> {
        let (x, i, u) = (buf(x)?, buf(indices)?, buf(updates)?);
        ok(gather::scatter_nd(x, shape, i, n, depth, u, mode))
    }

    fn sort(&self, x: &Storage, shape: &[usize], axis: usize) -> Result<(Storage, Storage)> {
        let (v, i) = sort::sort(buf(x)?, shape, axis)?;
        Ok((wrap(v), wrap(i)))
    }

    fn conv(
        &self,
        x: &Storage,
        x_shape: &[usize],
        kernel: &Storage,
        kernel_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage> {
        ok(nn::conv(
            buf(x)?,
            x_shape,
            buf(kernel)?,
            kernel_shape,
            params,
        ))
    }

    fn conv_input_grad(
        &self,
        dy: &Storage,
        dy_shape: &[usize],
        kernel: &Storage,
        kernel_shape: &[usize],
        x_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage> {
        let (dy, k) = (buf(dy)?, buf(kernel)?);
        ok(nn::conv_input_grad(
            dy,
            dy_shape,
            k,
            kernel_shape,
            x_shape,
            params,
        ))
    }

    fn conv_kernel_grad(
        &self,
        x: &Storage,
        x_shape: &[usize],
        dy: &Storage,
        dy_shape: &[usize],
        kernel_shape: &[usize],
        params: &ConvParams,
    ) -> Result<Storage> {
        let (x, dy) = (buf(x)?, buf(dy)?);
        ok(nn::conv_kernel_grad(
            x,
            x_shape,
            dy,
            dy_shape,
            kernel_shape,
            params,
        ))
    }

    fn pool(&self, x: &Storage, x_shape: &[usize], params: &PoolParams) -> Result<Storage> {
        ok(nn::pool(buf(x)?, x_shape, params))
    }

    fn pool_grad(
        &self,
        x: &Storage,
        x_shape: &[usize],
        dy: &Storage,
        params: &PoolParams,
    ) -> Result<Storage> {
        ok(nn::pool_grad(buf(x)?, x_shape, buf(dy)?, params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Foreign;
    impl BackendStorage for Foreign {
        fn dtype(&self) -> DType {
            DType::F32
        }
        fn len(&self) -> usize {
            0
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn round_trip_and_foreign_storage() {
        let cpu = CpuBackend;
        assert_eq!(cpu.name(), "cpu");
        let s = cpu.upload(HostBuffer::from(vec![1i32, 2, 3])).unwrap();
        assert_eq!(s.dtype(), DType::I32);
        assert_eq!(s.len(), 3);
        let c = cpu.cast(&s, DType::F16).unwrap();
        assert_eq!(cpu.to_host(&c).unwrap().to_f64_vec(), vec![1.0, 2.0, 3.0]);
        let foreign: Storage = Arc::new(Foreign);
        assert!(cpu.to_host(&foreign).is_err());
        assert!(cpu.unary(UnaryOp::Neg, &foreign).is_err());
        let (v, i) = cpu.sort(&s, &[3], 0).unwrap();
        assert_eq!(cpu.to_host(&v).unwrap(), HostBuffer::from(vec![1i32, 2, 3]));
        assert_eq!(cpu.to_host(&i).unwrap(), HostBuffer::from(vec![0i32, 1, 2]));
    }
}
