#!/usr/bin/env python3
"""Regenerates crates/keras-ops/OPS.md, the table of keras.ops names implemented by keras-rs.

An op counts as done when at least one golden case for it passed and none failed in the last
run of `cargo test -p keras-ops --test golden` (which writes golden-passed-ops.txt into
cargo's target tmp dir). The golden test checks the table against its own run, so the table
cannot claim an op that has no passing golden case.

Usage: cargo test --release -p keras-ops --test golden && python3 scripts/update_ops_table.py
"""
import glob
import os

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
names = open(os.path.join(root, "tests/fixtures/ops/keras_ops_names.txt")).read().split()
found = glob.glob(os.path.join(root, "target", "*", "tmp", "golden-passed-ops.txt")) + glob.glob(
    os.path.join(root, "target", "tmp", "golden-passed-ops.txt"))
found.sort(key=os.path.getmtime)
passed = set(open(found[-1]).read().split()) if found else set()
done = [n for n in names if n in passed]
lines = [
    "# `keras.ops` coverage",
    "",
    f"{len(done)} of the {len(names)} functions exported by `keras.ops` in Keras 3.15.1 are "
    "implemented and pass their golden tests against Keras (JAX backend, CPU). "
    "Rust names equal Keras names, except `where_` and `mod_` (keywords).",
    "",
    "| op | done |",
    "|---|---|",
]
for n in names:
    lines.append(f"| `{n}` | {'✓' if n in passed else ' '} |")
open(os.path.join(root, "crates/keras-ops/OPS.md"), "w").write("\n".join(lines) + "\n")
print(f"{len(done)} / {len(names)} ops done")
