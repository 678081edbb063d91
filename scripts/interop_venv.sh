#!/usr/bin/env bash
# Makes sure the Python environment of the Rust -> Python interop test exists:
# a virtual environment with exactly keras==3.15.1 plus jax, h5py and numpy
# (from PyPI), outside the repository. Prints the path of its python on stdout
# (everything else goes to stderr), so that
#
#   export KERAS_INTEROP_PYTHON="$(scripts/interop_venv.sh)"
#
# sets the variable crates/keras/tests/interop_rust_to_python.rs reads.
#
# The environment lives in ../.venv-interop relative to the repository root;
# override with KERAS_INTEROP_VENV (a relative path is taken relative to the
# repository root), e.g. KERAS_INTEROP_VENV=../.venv-golden to reuse the golden
# fixtures' venv. When the environment is already there with the right
# versions, nothing is installed (a quick check of the installed metadata).
# PYTHON picks the interpreter that creates it (default python3).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"

VENV="${KERAS_INTEROP_VENV:-../.venv-interop}"
case "${VENV}" in
  /*) ;;
  *) VENV="${REPO_ROOT}/${VENV}" ;;
esac
VENV="$(realpath -m "${VENV}")"
VENV_PYTHON="${VENV}/bin/python"

# Whether the venv has keras 3.15.1, jax, h5py and numpy installed.
has_packages() {
  [ -x "${VENV_PYTHON}" ] && "${VENV_PYTHON}" - <<'PY' 2>/dev/null
import importlib.metadata as md
assert md.version("keras") == "3.15.1"
for name in ("jax", "jaxlib", "h5py", "numpy"):
    md.version(name)
PY
}

if ! has_packages; then
  if [ ! -x "${VENV_PYTHON}" ]; then
    echo "interop_venv: creating a virtual environment in ${VENV}" >&2
    "${PYTHON:-python3}" -m venv "${VENV}" >&2
  fi
  echo "interop_venv: installing keras==3.15.1 jax h5py numpy into ${VENV}" >&2
  "${VENV_PYTHON}" -m pip install --quiet --disable-pip-version-check \
    "keras==3.15.1" jax h5py numpy >&2
  if ! has_packages; then
    echo "interop_venv: ${VENV} still lacks keras==3.15.1, jax, h5py or numpy" >&2
    exit 1
  fi
fi
echo "${VENV_PYTHON}"
