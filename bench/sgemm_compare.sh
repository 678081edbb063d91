#!/usr/bin/env bash
# SGEMM side by side: keras-rs CpuBackend.matmul (gemm + rayon) against NumPy's `a @ b`
# (OpenBLAS), both with 2 threads, run alternately (numpy, keras-rs, numpy, keras-rs, ...)
# so that both see the same machine state. Prints each round and a summary table with the
# ratio keras-rs / numpy of the median GFLOP/s. See BENCHMARKS.md.
#
# Usage: bench/sgemm_compare.sh [n ...]            (default sizes: 512 1024 4096)
# Environment:
#   KERAS_BENCH_VENV     Python venv with numpy (created if missing; default <repo>/../.venv-bench)
#   KERAS_BENCH_ROUNDS   A/B rounds (default 5, at least 3)
#   KERAS_BENCH_THREADS  threads for both sides (default 2)
#   KERAS_BENCH_SECONDS  timed seconds per size per run (default 2)
#   PYTHON               interpreter used to create the venv (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${KERAS_BENCH_VENV:-$repo/../.venv-bench}"
rounds="${KERAS_BENCH_ROUNDS:-5}"
threads="${KERAS_BENCH_THREADS:-2}"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(512 1024 4096); fi
if [ "$rounds" -lt 3 ]; then rounds=3; fi

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating venv $venv (numpy from PyPI)"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet numpy
fi
py="$venv/bin/python"

export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" RAYON_NUM_THREADS="$threads"
export KERAS_BENCH_SECONDS="${KERAS_BENCH_SECONDS:-2}"

echo "== machine"
grep -m1 'model name' /proc/cpuinfo || true
echo "cpus: $(nproc)   threads per side: $threads   rounds: $rounds   sizes: ${sizes[*]}"

echo "== numpy BLAS"
if ! "$py" "$here/sgemm_numpy.py" --info; then
    echo "error: numpy in $venv is not linked against OpenBLAS" >&2
    exit 1
fi

echo "== building keras-rs example (release)"
(cd "$repo" && cargo build --release -j 2 -p keras-cpu --example sgemm)
ours="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | "$py" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/sgemm"

# Share of CPU time not idle over one second, across all CPUs (from /proc/stat).
busy() {
    local a b
    read -r -a a < <(grep '^cpu ' /proc/stat)
    sleep 1
    read -r -a b < <(grep '^cpu ' /proc/stat)
    local ta=0 tb=0 i
    for i in 1 2 3 4 5 6 7 8; do ta=$((ta + a[i])); tb=$((tb + b[i])); done
    local idle=$(((b[4] + b[5]) - (a[4] + a[5])))
    echo "$(((100 * ((tb - ta) - idle)) / ((tb - ta) > 0 ? (tb - ta) : 1)))%"
}

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min), CPU busy over 1 s: $(busy)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for r in $(seq 1 "$rounds"); do
    echo "-- round $r: numpy"
    "$py" "$here/sgemm_numpy.py" "${sizes[@]}" | tee /dev/stderr | grep -v '^#' | sed "s/^/numpy $r /" >>"$log"
    echo "-- round $r: keras-rs"
    "$ours" "${sizes[@]}" | tee /dev/stderr | grep -v '^#' | sed "s/^/keras $r /" >>"$log"
done 2>&1
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"

"$py" - "$log" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
med = {}  # (side, n) -> list of per-round median GFLOP/s
best = {}
for side, rnd, n, m, b, _runs in rows:
    med.setdefault((side, int(n)), []).append(float(m))
    best.setdefault((side, int(n)), []).append(float(b))
sizes = sorted({n for _, n in med})
print()
print("GFLOP/s = 2n^3/t; per side: median over rounds of each run's median (best single product)")
print(f"{'n':>6} | {'numpy':>15} | {'keras-rs':>15} | {'ratio':>6} | per-round ratios")
print("-" * 78)
for n in sizes:
    a, k = med[("numpy", n)], med[("keras", n)]
    ratio = statistics.median(k) / statistics.median(a)
    per_round = " ".join(f"{y / x:.2f}" for x, y in zip(a, k))
    print(f"{n:>6} | {statistics.median(a):6.1f} ({max(best[('numpy', n)]):6.1f}) | "
          f"{statistics.median(k):6.1f} ({max(best[('keras', n)]):6.1f}) | {ratio:6.3f} | {per_round}")
EOF
