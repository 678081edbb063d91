#!/usr/bin/env bash
# Regenerate the keras.ops golden fixtures (tests/fixtures/ops/*.json) with real
# Python Keras 3.15.1 on the JAX backend (CPU).
#
# The virtual environment lives outside the repository, by default in
# ../.venv-golden relative to the repository root; override with
# KERAS_GOLDEN_VENV (a relative path is taken relative to the repository root).
# Extra arguments are passed to the generator (e.g. -v lists skipped cases).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

VENV="${KERAS_GOLDEN_VENV:-../.venv-golden}"
case "${VENV}" in
  /*) ;;
  *) VENV="${REPO_ROOT}/${VENV}" ;;
esac

PYTHON="${PYTHON:-python3}"
if [ ! -x "${VENV}/bin/python" ]; then
  echo "creating virtual environment in ${VENV}" >&2
  "${PYTHON}" -m venv "${VENV}"
fi
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
  "keras==3.15.1" jax h5py numpy

export KERAS_BACKEND=jax
export JAX_PLATFORMS=cpu
exec "${VENV}/bin/python" "${REPO_ROOT}/tests/fixtures/ops/make_ops_golden.py" "$@"
