"""Loads in Python Keras 3.15.1 the models that keras-rs saved and compares predictions.

Usage: check_rust_models.py DIR [--jobs N]

DIR is written by crates/keras/tests/interop_rust_to_python.rs: a manifest.json listing,
for each model, its `.keras` archive, its `.weights.h5` file, its inputs and keras-rs's
predictions (`.npy`), whether it was compiled and, for models trained in Rust, the
compiled optimizer's variables (`.npz`, keyed by variable path, in keras-rs's order).

Each model goes through every check in CHECKS that applies to it (see `applies`):

- `load_model`: `keras.saving.load_model(NAME.keras)` predicts keras-rs's numbers;
- `from_config_and_weights`: `keras.models.model_from_json` of the archive's
  config.json, then `load_weights(NAME.weights.h5)`, predicts them too;
- `optimizer_state` (models trained in Rust): the optimizer of the model `load_model`
  returned holds keras-rs's optimizer variables, in the same order, with the same values
  and, for variables Keras creates in the optimizer's name scope, the same paths.

Numbers agree within 1e-5 absolute + 1e-4 relative; shapes and dtypes exactly.
One line per failure, then "N of M models load in Python Keras 3.15.1"; the exit status
is non-zero on any failure. The models are shared among N worker processes (default:
the number of CPUs, at most 4). Run with KERAS_BACKEND=jax (the caller sets it).

A new per-model check is a function `check_x(model)` taking a `Model` (the manifest
entry, its arrays, and the `load_model` result, loaded once and shared by the checks in
CHECKS order) that raises on failure, added to CHECKS, with a condition in `applies`
when it concerns only some models (a resumed `train_on_batch` check, for instance,
would apply to entries whose "compiled" flag is set, and come last since it trains).
"""

import concurrent.futures
import functools
import json
import multiprocessing
import os
import sys
import zipfile

import numpy as np

KERAS_VERSION = "3.15.1"
ATOL = 1e-5
RTOL = 1e-4


class Model:
    """One manifest entry with lazily loaded files."""

    def __init__(self, keras, model_dir, entry):
        self.keras = keras
        self.dir = model_dir
        self.entry = entry

    def path(self, key):
        return os.path.join(self.dir, self.entry[key])

    def arrays(self, key):
        return [np.load(os.path.join(self.dir, f)) for f in self.entry[key]]

    @functools.cached_property
    def loaded(self):
        """`keras.saving.load_model` of the `.keras` archive."""
        return self.keras.saving.load_model(self.path("keras"))


def as_list(outputs):
    if isinstance(outputs, dict):
        raise TypeError(f"predict returned a dict with keys {sorted(outputs)}")
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(o) for o in outputs]
    return [np.asarray(outputs)]


def compare(what, got, want):
    """Raises AssertionError unless `got` matches `want` (shape, dtype, values)."""
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, keras-rs {want.shape}")
    if got.dtype != want.dtype:
        raise AssertionError(f"{what}: dtype {got.dtype}, keras-rs {want.dtype}")
    if np.issubdtype(want.dtype, np.floating):
        bad = ~(np.abs(got - want) <= ATOL + RTOL * np.abs(want))
        bad &= ~(np.isnan(got) & np.isnan(want))
    else:
        bad = got != want
    if bad.any():
        i = np.unravel_index(np.argmax(bad), bad.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; at {tuple(map(int, i))}"
            f" Keras {got[i]!r}, keras-rs {want[i]!r}"
        )


def compare_predictions(keras_model, model):
    inputs = model.arrays("inputs")
    want = model.arrays("outputs")
    x = inputs[0] if len(inputs) == 1 else inputs
    got = as_list(keras_model.predict(x, verbose=0))
    if len(got) != len(want):
        raise AssertionError(f"{len(got)} outputs, keras-rs {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        compare(f"output {i}", g, w)


def check_load_model(model):
    compare_predictions(model.loaded, model)


def check_from_config_and_weights(model):
    with zipfile.ZipFile(model.path("keras")) as z:
        config = z.read("config.json").decode("utf-8")
    rebuilt = model.keras.models.model_from_json(config)
    rebuilt.load_weights(model.path("weights"))
    compare_predictions(rebuilt, model)


def check_optimizer_state(model):
    optimizer = model.loaded.optimizer
    if optimizer is None:
        raise AssertionError("the loaded model has no optimizer")
    got = optimizer.variables
    with np.load(model.path("optimizer_variables")) as z:
        want = [(k, z[k]) for k in z.files]
    if len(got) != len(want):
        raise AssertionError(
            f"{len(got)} optimizer variables {[v.path for v in got]}, keras-rs "
            f"{len(want)} {[k for k, _ in want]}"
        )
    for i, (v, (path, w)) in enumerate(zip(got, want)):
        # Keras names a variable made outside the optimizer's name scope (Nadam's
        # u_product) `variable_N`, N counting such variables in the process.
        if v.path.startswith(optimizer.name + "/") and v.path != path:
            raise AssertionError(f"optimizer variable {i}: path {v.path}, keras-rs {path}")
        g = np.asarray(v)
        # `iterations` is int64 in Keras; keras-rs writes its own integer dtype.
        if np.issubdtype(w.dtype, np.integer) and np.issubdtype(g.dtype, np.integer):
            g = g.astype(w.dtype)
        compare(f"optimizer variable {path}", g, w)


CHECKS = [
    ("load_model", check_load_model),
    ("from_config_and_weights", check_from_config_and_weights),
    ("optimizer_state", check_optimizer_state),
]


def applies(check_name, entry):
    if check_name == "optimizer_state":
        return entry["compiled"] and entry.get("optimizer_variables") is not None
    return True


def check_entries(model_dir, entries):
    """Runs the checks on `entries`; returns one list of failure lines per entry."""
    import keras

    if keras.__version__ != KERAS_VERSION:
        return [[f"Keras {keras.__version__} found, {KERAS_VERSION} required"]] * len(entries)
    results = []
    for entry in entries:
        model = Model(keras, model_dir, entry)
        failures = []
        for check_name, check in CHECKS:
            if not applies(check_name, entry):
                continue
            try:
                check(model)
            except Exception as e:  # one line per failure, then go on
                msg = " ".join(str(e).split())[:600]
                failures.append(f"{entry['name']}: {check_name}: {type(e).__name__}: {msg}")
        results.append(failures)
    return results


def main(argv):
    args = argv[1:]
    jobs = min(os.cpu_count() or 1, 4)
    if len(args) == 3 and args[1] == "--jobs":
        jobs = int(args[2])
    elif len(args) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    model_dir = args[0]
    with open(os.path.join(model_dir, "manifest.json")) as f:
        entries = json.load(f)["models"]
    # Small interleaved chunks: neighbouring models (cases of one layer) cost alike.
    chunks = [entries[i::jobs * 8] for i in range(jobs * 8)]
    context = multiprocessing.get_context("spawn")  # JAX does not survive fork
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        results = pool.map(check_entries, [model_dir] * len(chunks), chunks)
        by_name = {}
        for chunk, failures in zip(chunks, results):
            for entry, f in zip(chunk, failures):
                by_name[entry["name"]] = f
    loaded = 0
    for entry in entries:
        for line in by_name[entry["name"]]:
            print(f"FAIL {line}")
        loaded += not by_name[entry["name"]]
    print(f"{loaded} of {len(entries)} models load in Python Keras {KERAS_VERSION}")
    return 0 if loaded == len(entries) and entries else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
