//! Temporary timing probe (not committed).
use std::time::Instant;
use keras_backend::*;
use keras_cpu::CpuBackend;

#[repr(C)]
struct Timespec { sec: i64, nsec: i64 }
extern "C" { fn clock_gettime(clk: i32, tp: *mut Timespec) -> i32; }
fn cpu() -> f64 {
    let mut t = Timespec { sec: 0, nsec: 0 };
    unsafe { clock_gettime(2, &mut t) };
    t.sec as f64 + t.nsec as f64 * 1e-9
}

fn t<F: FnMut()>(name: &str, bytes: usize, mut f: F) {
    f();
    let n = 20;
    let s = cpu();
    for _ in 0..n { f(); }
    let dt = (cpu() - s) / n as f64;
    println!("{name:40} {:9.3} ms  {:7.2} GB/s", dt * 1e3, bytes as f64 / dt / 1e9);
}

fn main() {
    let be = CpuBackend;
    let n = 1 << 22;
    let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.001).sin()).collect();
    let a = be.upload(HostBuffer::F32(v.clone())).unwrap();
    let b = be.upload(HostBuffer::F32(v.iter().map(|x| x * 0.5 + 1.0).collect())).unwrap();
    let c = be.upload(HostBuffer::F32(vec![0.5; 1024])).unwrap();
    let s = be.upload(HostBuffer::F32(vec![0.5])).unwrap();
    let sh = [n];
    let m = [4096, 1024];
    let f16 = be.cast(&a, DType::F16).unwrap();
    t("cast f16->f32", 6 * n, || { be.cast(&f16, DType::F32).unwrap(); });
    let hb = be.to_host(&f16).unwrap();
    t("widen", 6 * n, || { keras_cpu::kernels::dispatch::widen_half(&hb).unwrap(); });
    let w = keras_cpu::kernels::dispatch::widen_half(&hb).unwrap();
    t("narrow", 6 * n, || { keras_cpu::kernels::dispatch::narrow_to(DType::F16, w.clone()); });
    t("clone f32", 8 * n, || { let _ = w.clone(); });
    t("f16 add same 4M", 6 * n, || { be.binary(BinaryOp::Add, &f16, &sh, &f16, &sh, &sh).unwrap(); });
    let bf = be.cast(&a, DType::BF16).unwrap();
    t("bf16 add same 4M", 6 * n, || { be.binary(BinaryOp::Add, &bf, &sh, &bf, &sh, &sh).unwrap(); });
    let small = be.upload(HostBuffer::F32(vec![1.0; 16])).unwrap();
    let st = Instant::now();
    for _ in 0..100000 { be.binary(BinaryOp::Add, &small, &[16], &small, &[16], &[16]).unwrap(); }
    println!("tiny add 16 dispatch: {:.3} us", st.elapsed().as_secs_f64() * 10.0);
    let st = Instant::now();
    for _ in 0..100000 { be.reduce(ReduceOp::Sum, &small, &[4, 4], &[1]).unwrap(); }
    println!("tiny reduce 4x4: {:.3} us", st.elapsed().as_secs_f64() * 10.0);
}
