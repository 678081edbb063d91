//! Criterion benchmarks of the CPU backend's heavy kernels, called through the public
//! [`Backend`] trait exactly as `keras-ops` calls them.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -j 2 -p keras-cpu --bench kernels
//! ```
//!
//! * `matmul_f32/{128,512,1024,4096}`: square f32 products. Throughput is set to the FLOP
//!   count (2n³), so criterion's `elem/s` reads as FLOP/s.
//! * `conv2d_{fwd,input_grad,kernel_grad}/{conv1,conv2}`: the two convolutions of Keras's
//!   "Simple MNIST convnet" at batch 128, channels-last, valid padding, stride 1:
//!   conv1 = 128×28×28×1 → 32 filters 3×3 (out 128×26×26×32),
//!   conv2 = 128×13×13×32 → 64 filters 3×3 (out 128×11×11×64).
//!   Each of the three kernels does 2·N·Ho·Wo·Cout·kh·kw·Cin FLOP; that is the throughput.
//!
//! Sample counts are small (10) so that the whole run takes a few minutes on 2 cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keras_backend::{Backend, ConvParams, HostBuffer, MatmulDims, Storage};
use keras_cpu::CpuBackend;

/// Deterministic values in [-1, 1).
fn fill(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32) / ((1u64 << 23) as f32) - 1.0
        })
        .collect()
}

fn upload(be: &CpuBackend, len: usize, seed: u64) -> Storage {
    be.upload(HostBuffer::F32(fill(len, seed))).expect("upload")
}

fn matmul(c: &mut Criterion) {
    let be = CpuBackend;
    let mut group = c.benchmark_group("matmul_f32");
    group.sample_size(10);
    for n in [128usize, 512, 1024, 4096] {
        // 4096³ is 137 GFLOP (~0.7 s per product on 2 cores): give it room for 10 samples.
        let secs = if n >= 4096 { 10 } else { 3 };
        group.measurement_time(Duration::from_secs(secs));
        group.warm_up_time(Duration::from_secs(1));
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        let a = upload(&be, n * n, 1);
        let b = upload(&be, n * n, 2);
        let dims = MatmulDims {
            batch: 1,
            m: n,
            k: n,
            n,
            a_batch_stride: 0,
            b_batch_stride: 0,
            transpose_a: false,
            transpose_b: false,
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &dims, |bench, dims| {
            bench.iter(|| be.matmul(black_box(&a), black_box(&b), *dims).unwrap())
        });
    }
    group.finish();
}

/// One convolution of the MNIST convnet: NHWC input and HWIO kernel shapes.
struct ConvCase {
    name: &'static str,
    x_shape: [usize; 4],
    k_shape: [usize; 4],
}

const MNIST_CONVS: [ConvCase; 2] = [
    ConvCase {
        name: "conv1_128x28x28x1_to_32",
        x_shape: [128, 28, 28, 1],
        k_shape: [3, 3, 1, 32],
    },
    ConvCase {
        name: "conv2_128x13x13x32_to_64",
        x_shape: [128, 13, 13, 32],
        k_shape: [3, 3, 32, 64],
    },
];

fn conv2d(c: &mut Criterion) {
    let be = CpuBackend;
    let params = ConvParams {
        strides: vec![1, 1],
        dilation: vec![1, 1],
        pad_before: vec![0, 0],
        pad_after: vec![0, 0],
        groups: 1,
    };
    let mut fwd = c.benchmark_group("conv2d_fwd");
    fwd.sample_size(10);
    fwd.warm_up_time(Duration::from_secs(1));
    fwd.measurement_time(Duration::from_secs(3));
    let cases: Vec<_> = MNIST_CONVS
        .iter()
        .map(|case| {
            let [n, h, w, cin] = case.x_shape;
            let [kh, kw, _, cout] = case.k_shape;
            let out = params.output_spatial(&[h, w], &[kh, kw]);
            let y_shape = [n, out[0], out[1], cout];
            let flop = 2 * (n * out[0] * out[1] * cout * kh * kw * cin) as u64;
            let x = upload(&be, n * h * w * cin, 3);
            let k = upload(&be, kh * kw * cin * cout, 4);
            let dy = upload(&be, y_shape.iter().product(), 5);
            (case, y_shape, flop, x, k, dy)
        })
        .collect();
    for (case, _, flop, x, k, _) in &cases {
        fwd.throughput(Throughput::Elements(*flop));
        fwd.bench_function(case.name, |b| {
            b.iter(|| {
                be.conv(
                    black_box(x),
                    &case.x_shape,
                    black_box(k),
                    &case.k_shape,
                    &params,
                )
                .unwrap()
            })
        });
    }
    fwd.finish();

    let mut dx = c.benchmark_group("conv2d_input_grad");
    dx.sample_size(10);
    dx.warm_up_time(Duration::from_secs(1));
    dx.measurement_time(Duration::from_secs(3));
    for (case, y_shape, flop, _, k, dy) in &cases {
        dx.throughput(Throughput::Elements(*flop));
        dx.bench_function(case.name, |b| {
            b.iter(|| {
                be.conv_input_grad(
                    black_box(dy),
                    y_shape,
                    black_box(k),
                    &case.k_shape,
                    &case.x_shape,
                    &params,
                )
                .unwrap()
            })
        });
    }
    dx.finish();

    let mut dk = c.benchmark_group("conv2d_kernel_grad");
    dk.sample_size(10);
    dk.warm_up_time(Duration::from_secs(1));
    dk.measurement_time(Duration::from_secs(3));
    for (case, y_shape, flop, x, _, dy) in &cases {
        dk.throughput(Throughput::Elements(*flop));
        dk.bench_function(case.name, |b| {
            b.iter(|| {
                be.conv_kernel_grad(
                    black_box(x),
                    &case.x_shape,
                    black_box(dy),
                    y_shape,
                    &case.k_shape,
                    &params,
                )
                .unwrap()
            })
        });
    }
    dk.finish();
}

criterion_group!(benches, matmul, conv2d);
criterion_main!(benches);
