#!/usr/bin/env bash
# Fuzz keras-rs's model file readers with cargo-fuzz (libFuzzer + AddressSanitizer):
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    each TARGET (default: all) for SECONDS
#                                            (default 30); exits non-zero on a finding
#
# Targets (fuzz/fuzz_targets/):
#   load_keras   keras::models::load_model_from_bytes (.keras zip or legacy .h5),
#                compile on and off, also with the zip's checksums recomputed
#   load_h5      the legacy .h5 model reader, and .weights.h5 / Keras 2 weights files
#                loaded into a small fixed model
#
# A panic, an abort, a sanitizer report, more than $FUZZ_RSS_MB MiB of memory (default 2048)
# or one input running over $FUZZ_TIMEOUT seconds (default 20) is a finding: libFuzzer
# writes the input to fuzz/artifacts/TARGET/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --target-dir fuzz/target TARGET fuzz/artifacts/TARGET/crash-…
# then fix the reader and add the (minimized: `cargo fuzz tmin`) input as a regression test
# in crates/keras/tests and as a seed under tests/fixtures/fuzz/TARGET/.
#
# The seed corpus is the small valid files of tests/fixtures (copied into
# fuzz/corpus/TARGET/ here, so nothing is stored twice) plus tests/fixtures/fuzz/TARGET/:
# the inputs under 4 KiB of a coverage-minimized (`-merge=1`) corpus grown by two 10-minute
# runs, about 200 per target (re-minimize the same way to refresh it);
# what the fuzzer grows in fuzz/corpus/ stays out of git. The build lives in fuzz/target.
# cargo-fuzz is installed when missing; its sanitizer flags are nightly-only, so the
# stable toolchain runs them with RUSTC_BOOTSTRAP=1 (`cargo +nightly fuzz` works too).
# With FUZZ_OPTIONAL=1 (CI), a cargo-fuzz that cannot be installed skips the fuzzing with a
# message instead of failing.
#
# libFuzzer's panic hook aborts on every panic, also one that the readers catch with
# catch_unwind and turn into an error, so a panic inside a dependency is a finding too.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load_keras load_h5)
rss_mb=${FUZZ_RSS_MB:-2048}
timeout_s=${FUZZ_TIMEOUT:-20}

seeds() {
    case $1 in
        load_keras) echo tests/fixtures/saving/compiled_mlp.keras \
            tests/fixtures/legacy_h5/keras3_compiled_adam.h5 ;;
        load_h5) echo tests/fixtures/saving/tiny_mlp.weights.h5 \
            tests/fixtures/legacy_h5/tf2_seq_mlp.h5 \
            tests/fixtures/legacy_h5/tf2_weights_only.h5 \
            tests/fixtures/legacy_h5/keras3_compiled_adam.h5 ;;
        *) echo "fuzz.sh: unknown target $1 (load_keras, load_h5)" >&2; return 1 ;;
    esac
}

if ! command -v cargo-fuzz >/dev/null && ! cargo install cargo-fuzz --locked; then
    if [ "${FUZZ_OPTIONAL:-0}" = 1 ]; then
        echo "fuzz.sh: cargo-fuzz is not installed and cannot be installed; skipping the fuzzing"
        exit 0
    fi
    echo "fuzz.sh: cargo-fuzz is not installed and cannot be installed" >&2
    exit 1
fi
export RUSTC_BOOTSTRAP=1
fuzz=(cargo fuzz)
build_opts=(--target-dir fuzz/target)

start=$(date +%s)
"${fuzz[@]}" build "${build_opts[@]}"
echo "fuzz.sh: build took $(($(date +%s) - start)) s"

failed=()
for t in "${targets[@]}"; do
    corpus=fuzz/corpus/$t
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    # shellcheck disable=SC2046
    cp $(seeds "$t") "$corpus"/
    if [ -d "tests/fixtures/fuzz/$t" ]; then
        cp "tests/fixtures/fuzz/$t"/* "$corpus"/
    fi
    echo "fuzz.sh: $t for $seconds s"
    # The readers' warnings (a skipped weight, …) would flood the log: filtered out.
    if ! "${fuzz[@]}" run "${build_opts[@]}" "$t" "$corpus" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout="$timeout_s" \
        -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 2>&1 |
        { grep -v --line-buffered '^Warning: ' || true; }; then
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: findings in ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz.sh: ${targets[*]} ran clean for $seconds s each"
