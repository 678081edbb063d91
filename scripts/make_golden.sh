#!/usr/bin/env bash
# Regenerate the golden fixtures with real Python Keras 3.15.1 on the JAX
# backend (CPU):
#
#   scripts/make_golden.sh [ops] [ARGS...]     keras.ops: tests/fixtures/ops/*.json
#   scripts/make_golden.sh layers [FAMILY...]  keras.layers: tests/fixtures/layers/*.json
#                                              and tests/fixtures/models/*.json
#                                              (FAMILY: core, convolutional, pooling,
#                                              normalization, merging, reshaping,
#                                              regularization, activations,
#                                              preprocessing, models; default all)
#   scripts/make_golden.sh optimizers          keras.optimizers (+ schedules):
#                                              tests/fixtures/optimizers/optimizers.json
#   scripts/make_golden.sh losses              keras.losses: tests/fixtures/losses/losses.json
#   scripts/make_golden.sh training            fit/evaluate/predict runs:
#                                              tests/fixtures/training/training.json
#   scripts/make_golden.sh metrics             keras.metrics: tests/fixtures/metrics/metrics.json
#   scripts/make_golden.sh load_model          compile configs and a compiled .keras archive:
#                                              tests/fixtures/saving/compile_configs.json,
#                                              compiled_mlp.keras, compiled_mlp.json
#   scripts/make_golden.sh interop             saved models (.keras) with inputs and outputs:
#                                              tests/fixtures/interop/ (index.json lists them)
#                                              in a venv of its own that adds tensorflow-cpu
#                                              (Keras's Hashing layer needs TensorFlow):
#                                              ../.venv-interop, or KERAS_INTEROP_VENV
#   scripts/make_golden.sh legacy [MODEL...]   legacy Keras 2 `.h5` files: tests/fixtures/legacy_h5/
#                                              (tf2_* by tf.keras 2.15 in a second venv,
#                                              keras3_* by Keras 3.15.1, then hostile_*)
#
# The tf.keras 2.15 venv (only for `legacy`) lives in ../.venv-tf2 by default; override with
# KERAS_TF2_VENV (relative paths are taken relative to the repository root). It gets
# tensorflow-cpu==2.15.* (tensorflow==2.15.* where the CPU build is unavailable).
#
# The virtual environment lives outside the repository, by default in
# ../.venv-golden relative to the repository root; override with
# KERAS_GOLDEN_VENV (a relative path is taken relative to the repository root).
# Extra arguments are passed to the generator (e.g. -v lists skipped cases).
# KERAS_HOME points at a fresh temporary directory so that no user keras.json
# (backend, floatx, image_data_format) leaks into the fixtures.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

# A path as given if absolute, else relative to the repository root.
from_root() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "${REPO_ROOT}/$1" ;;
  esac
}

VENV="$(from_root "${KERAS_GOLDEN_VENV:-../.venv-golden}")"

PYTHON="${PYTHON:-python3}"
if [ ! -x "${VENV}/bin/python" ]; then
  echo "creating virtual environment in ${VENV}" >&2
  "${PYTHON}" -m venv "${VENV}"
fi
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
  "keras==3.15.1" jax h5py numpy

export KERAS_BACKEND=jax
export JAX_PLATFORMS=cpu
KERAS_HOME="$(mktemp -d)"
export KERAS_HOME
trap 'rm -rf "${KERAS_HOME}"' EXIT

if [ "${1:-}" = "legacy" ]; then
  shift
  LEGACY="${REPO_ROOT}/tests/fixtures/legacy_h5/make_legacy_h5.py"
  TF2_VENV="$(from_root "${KERAS_TF2_VENV:-../.venv-tf2}")"
  if [ ! -x "${TF2_VENV}/bin/python" ]; then
    echo "creating virtual environment in ${TF2_VENV}" >&2
    "${PYTHON}" -m venv "${TF2_VENV}"
  fi
  "${TF2_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
    "tensorflow-cpu==2.15.*" h5py \
    || "${TF2_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
      "tensorflow==2.15.*" h5py
  CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=3 "${TF2_VENV}/bin/python" "${LEGACY}" "$@"
  "${VENV}/bin/python" "${LEGACY}" "$@"
  "${VENV}/bin/python" "${LEGACY}" hostile
  exit 0
fi

if [ "${1:-}" = "interop" ]; then
  shift
  INTEROP_VENV="$(from_root "${KERAS_INTEROP_VENV:-../.venv-interop}")"
  if [ ! -x "${INTEROP_VENV}/bin/python" ]; then
    echo "creating virtual environment in ${INTEROP_VENV}" >&2
    "${PYTHON}" -m venv "${INTEROP_VENV}"
  fi
  "${INTEROP_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
    "keras==3.15.1" jax h5py numpy "tensorflow-cpu==2.20.*"
  CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=3 "${INTEROP_VENV}/bin/python" \
    "${REPO_ROOT}/tests/fixtures/interop/make_interop_corpus.py" "$@"
  exit 0
fi

GENERATOR="${REPO_ROOT}/tests/fixtures/ops/make_ops_golden.py"
case "${1:-}" in
  layers) GENERATOR="${REPO_ROOT}/tests/fixtures/layers/make_layers_golden.py"; shift ;;
  optimizers) GENERATOR="${REPO_ROOT}/tests/fixtures/optimizers/make_optimizers_golden.py"; shift ;;
  losses) GENERATOR="${REPO_ROOT}/tests/fixtures/losses/make_losses_golden.py"; shift ;;
  training) GENERATOR="${REPO_ROOT}/tests/fixtures/training/make_training_golden.py"; shift ;;
  metrics) GENERATOR="${REPO_ROOT}/tests/fixtures/metrics/make_metrics_golden.py"; shift ;;
  load_model) GENERATOR="${REPO_ROOT}/tests/fixtures/saving/make_load_model_fixture.py"; shift ;;
  ops) shift ;;
esac
"${VENV}/bin/python" "${GENERATOR}" "$@"
