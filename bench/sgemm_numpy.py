"""Times NumPy's float32 matmul (OpenBLAS SGEMM) on square matrices.

The NumPy half of bench/sgemm_compare.sh; it mirrors crates/keras-cpu/examples/sgemm.rs:
for each size n, warm-up (at least 2 products and 0.3 s), then repeated `a @ b` for at least
KERAS_BENCH_SECONDS seconds (default 2, at least 3 runs). Prints one line per size:
`n median_GFLOP/s best_GFLOP/s runs`, with GFLOP/s = 2n^3 / time.

Usage: python sgemm_numpy.py [--info] [n ...]
Thread count comes from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS (set them before starting).
`--info` prints the BLAS library NumPy uses (and OpenBLAS's core and thread count) and exits.
"""

import ctypes
import os
import sys
import time

import numpy as np


def _openblas_lib():
    """The OpenBLAS shared library loaded into this process, or None."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line}
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _openblas_runtime():
    """(core name, thread count) reported by the loaded OpenBLAS, where it exports them."""
    lib = _openblas_lib()
    if lib is None:
        return None, None
    core = threads = None
    for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
        try:
            f = getattr(lib, f"{prefix}get_corename{suffix}")
            f.restype = ctypes.c_char_p
            core = f().decode()
            g = getattr(lib, f"{prefix}get_num_threads{suffix}")
            g.restype = ctypes.c_int
            threads = g()
            break
        except AttributeError:
            continue
    return core, threads


def info():
    cfg = np.show_config(mode="dicts")
    blas = cfg["Build Dependencies"]["blas"]
    core, threads = _openblas_runtime()
    print(f"numpy {np.__version__}")
    print(f"blas: {blas.get('name')} {blas.get('version')}")
    print(f"openblas configuration: {blas.get('openblas configuration', '?')}")
    print(f"openblas runtime core: {core}, threads: {threads}")
    return "openblas" in str(blas.get("name", "")).lower()


def bench(n, min_secs):
    rng = np.random.default_rng(0)
    a = rng.uniform(-1.0, 1.0, (n, n)).astype(np.float32)
    b = rng.uniform(-1.0, 1.0, (n, n)).astype(np.float32)
    warm = time.perf_counter()
    runs = 0
    while runs < 2 or time.perf_counter() - warm < 0.3:
        c = a @ b
        runs += 1
    times = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_secs:
        t = time.perf_counter()
        c = a @ b
        times.append(time.perf_counter() - t)
    del c
    times.sort()
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])
    flop = 2.0 * n**3
    return flop / median / 1e9, flop / times[0] / 1e9, len(times)


def main(argv):
    if "--info" in argv:
        sys.exit(0 if info() else 1)
    sizes = [int(s) for s in argv] or [128, 512, 1024, 4096]
    min_secs = float(os.environ.get("KERAS_BENCH_SECONDS", "2"))
    _, threads = _openblas_runtime()
    print(f"# numpy {np.__version__} a @ b float32, openblas threads = {threads}")
    print("# n median_GFLOP/s best_GFLOP/s runs")
    for n in sizes:
        med, best, runs = bench(n, min_secs)
        print(f"{n} {med:.1f} {best:.1f} {runs}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
