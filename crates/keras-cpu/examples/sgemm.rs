//! Times `CpuBackend::matmul` on square f32 matrices, for comparison with NumPy/OpenBLAS
//! (see `bench/sgemm_compare.sh` and BENCHMARKS.md).
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo run --release -p keras-cpu --example sgemm -- 512 1024 4096
//! ```
//!
//! For each size `n` (default 128 512 1024 4096): warm-up, then repeated products for at
//! least `KERAS_BENCH_SECONDS` seconds (default 2, at least 3 runs). Prints one line per size:
//! `n median_GFLOP/s best_GFLOP/s runs`, with GFLOP/s = 2n³ / time.

use std::time::{Duration, Instant};

use keras_backend::{Backend, HostBuffer, MatmulDims, Storage};
use keras_cpu::CpuBackend;

/// Deterministic values in [-1, 1) (the speed of a dense product does not depend on them).
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

fn time_one(be: &CpuBackend, a: &Storage, b: &Storage, dims: MatmulDims) -> Duration {
    let t = Instant::now();
    let c = be.matmul(a, b, dims).expect("matmul");
    let dt = t.elapsed();
    std::hint::black_box(c);
    dt
}

fn main() {
    let sizes: Vec<usize> = {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .map(|s| s.parse().expect("sizes must be positive integers"))
            .collect();
        if args.is_empty() {
            vec![128, 512, 1024, 4096]
        } else {
            args
        }
    };
    let min_secs: f64 = std::env::var("KERAS_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let be = CpuBackend;
    println!(
        "# keras-rs CpuBackend.matmul f32, rayon threads = {}",
        rayon::current_num_threads()
    );
    println!("# n median_GFLOP/s best_GFLOP/s runs");
    for n in sizes {
        let a = be.upload(HostBuffer::F32(fill(n * n, 1))).expect("upload");
        let b = be.upload(HostBuffer::F32(fill(n * n, 2))).expect("upload");
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
        // Warm-up: at least two products and about 0.3 s (threads, caches, page faults).
        let warm = Instant::now();
        let mut runs = 0;
        while runs < 2 || warm.elapsed().as_secs_f64() < 0.3 {
            time_one(&be, &a, &b, dims);
            runs += 1;
        }
        let mut times = Vec::new();
        let start = Instant::now();
        while times.len() < 3 || start.elapsed().as_secs_f64() < min_secs {
            times.push(time_one(&be, &a, &b, dims).as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let flop = 2.0 * (n as f64).powi(3);
        let mid = times.len() / 2;
        let median = if times.len() % 2 == 0 {
            0.5 * (times[mid - 1] + times[mid])
        } else {
            times[mid]
        };
        let best = times[0];
        println!(
            "{n} {:.1} {:.1} {}",
            flop / median / 1e9,
            flop / best / 1e9,
            times.len()
        );
    }
}
