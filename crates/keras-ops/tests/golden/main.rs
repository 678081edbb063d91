//! Golden tests: every case in `tests/fixtures/ops/*.json` (written by real Keras 3.15.1 on
//! JAX/CPU through `scripts/make_golden.sh`) is replayed through `keras_ops::ops` and
//! compared: dtype and shape exactly, values within a dtype-dependent tolerance, NaN where
//! Keras has NaN, and an error where Keras raised one.
//!
//! Op names map to Rust calls in the `dispatch_*` modules, one per op family. An op that
//! appears in the fixtures but in no dispatcher must be listed in [`NOT_IMPLEMENTED`] with
//! a reason, so the gap is explicit.

mod call;
mod dispatch_core;
mod dispatch_extra;
mod dispatch_indexing;
mod dispatch_linalg;
mod dispatch_nn;

use std::collections::BTreeMap;
use std::path::PathBuf;

use call::{parse_tensor, Call};
use keras_ops::{Result, Tensor};
use serde_json::Value;

/// Ops present in the fixtures that keras-rs does not implement yet, with the reason.
const NOT_IMPLEMENTED: &[(&str, &str)] = &[
    (
        "det",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "inv",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "solve",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "solve_triangular",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "slogdet",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "logdet",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "matrix_rank",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "pinv",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "lstsq",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "cholesky_inverse",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
    (
        "norm",
        "linear-algebra decompositions (faer) not yet wired in",
    ),
];

/// Individual cases not replayed, with the reason (argument forms Rust's types rule out,
/// or behaviour that is an artefact of XLA rather than Keras semantics).
const SKIPPED_CASES: &[(&str, &str)] = &[
    (
        "eye/error_float_N",
        "a float N cannot be passed: the Rust signature takes usize",
    ),
    (
        "round/error_float_decimals",
        "decimals is an i32 in Rust; a float cannot be passed",
    ),
    (
        "full/tensor_fill",
        "full takes a scalar fill value; use broadcast_to for a tensor",
    ),
    (
        "full_like/tensor_fill",
        "full_like takes a scalar fill value; use broadcast_to",
    ),
    (
        "linspace/retstep",
        "retstep is not supported (the step is (stop - start) / (num - 1))",
    ),
    (
        "linspace/tensor_endpoints",
        "linspace takes scalar endpoints",
    ),
    (
        "linspace/tensor_endpoints_axis_1",
        "linspace takes scalar endpoints",
    ),
    (
        "floor_divide/pyint_1_bool",
        "integer division by zero: XLA returns -2, keras-rs 0",
    ),
    (
        "floor_divide/pybool_True_bool",
        "integer division by zero: XLA returns -2, keras-rs 0",
    ),
    (
        "argmin/signed_zero",
        "XLA orders -0.0 below 0.0; keras-rs compares as IEEE/NumPy (equal)",
    ),
];

/// Input dtypes named anywhere in a case's arguments.
fn input_dtypes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(d)) = m.get("dtype") {
                out.push(d.clone());
            }
            m.values().for_each(|x| input_dtypes(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| input_dtypes(x, out)),
        Value::String(s) if DTYPE_NAMES.contains(&s.as_str()) => out.push(s.clone()),
        _ => {}
    }
}

const DTYPE_NAMES: [&str; 3] = ["int64", "uint64", "float64"];

/// keras-rs keeps 64-bit dtypes as Keras does on its TensorFlow backend. Keras on JAX, where
/// the fixtures come from, narrows 64-bit `result_type` results to 32 bits and, with x64 on,
/// resolves weak floats against int64 to float64. Under those two policies these dtype
/// pairs are the same answer; the values are still compared.
fn same_under_64bit_policy(got: &str, want: &str, inputs: &[String]) -> bool {
    let has = |d: &str| inputs.iter().any(|i| i == d);
    let any64 = has("int64") || has("uint64") || has("float64");
    match (got, want) {
        ("float64", "float32") | ("int64", "int32") | ("uint64", "uint32") => any64,
        ("float32", "float64") => (has("int64") || has("uint64")) && !has("float64"),
        _ => false,
    }
}

/// Runs `op` if some family knows it; `None` when no dispatcher does.
fn dispatch(call: &Call) -> Option<Result<Vec<Tensor>>> {
    dispatch_core::dispatch(call)
        .or_else(|| dispatch_indexing::dispatch(call))
        .or_else(|| dispatch_linalg::dispatch(call))
        .or_else(|| dispatch_nn::dispatch(call))
        .or_else(|| dispatch_extra::dispatch(call))
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ops")
}

/// Per-op extra relative tolerance for float32 (ops whose JAX/XLA kernels use different
/// approximations than ours).
fn tolerance(op: &str, dtype: &str) -> (f64, f64) {
    let (mut rtol, mut atol): (f64, f64) = match dtype {
        "float16" => (2e-3, 2e-3),
        "bfloat16" => (1.6e-2, 1.6e-2),
        // Keras on JAX computes some float64 results (e.g. mean) in float32.
        "float64" => (1e-6, 1e-9),
        _ => (1e-5, 1e-6),
    };
    if dtype == "float32"
        && matches!(
            op,
            "erfinv"
                | "gelu"
                | "conv"
                | "conv_transpose"
                | "depthwise_conv"
                | "separable_conv"
                | "einsum"
                | "tensordot"
                | "matmul"
                | "logsumexp"
                | "var"
                | "std"
                | "moments"
                | "power"
                | "tan"
                | "arctanh"
                | "arccosh"
                | "cosh"
                | "sinh"
                | "expm1"
                | "logspace"
        )
    {
        rtol = rtol.max(1e-4);
        atol = atol.max(1e-5);
    }
    (rtol, atol)
}

fn compare(
    case_id: &str,
    op: &str,
    got: &Tensor,
    want: &Value,
    inputs: &[String],
) -> std::result::Result<(), String> {
    let mut want_dtype = want["dtype"].as_str().unwrap_or("?");
    if got.dtype().name() != want_dtype {
        if !same_under_64bit_policy(got.dtype().name(), want_dtype, inputs) {
            return Err(format!(
                "{case_id}: dtype {} != expected {want_dtype}",
                got.dtype()
            ));
        }
        // Compare values at the lower of the two precisions.
        want_dtype = "float32";
    }
    if want.get("shape").is_none() {
        // dtype-only cases (result_type)
        return Ok(());
    }
    let want_shape: Vec<usize> = want["shape"]
        .as_array()
        .map(|a| a.iter().map(|d| d.as_u64().unwrap_or(0) as usize).collect())
        .unwrap_or_default();
    if got.dims() != want_shape.as_slice() {
        return Err(format!(
            "{case_id}: shape {:?} != expected {want_shape:?}",
            got.dims()
        ));
    }
    let expected = parse_tensor(want).map_err(|e| format!("{case_id}: bad fixture: {e}"))?;
    let g = got.to_host().map_err(|e| e.to_string())?.to_f64_vec();
    let w = expected.to_host().map_err(|e| e.to_string())?.to_f64_vec();
    let (rtol, atol) = tolerance(op, want_dtype);
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        let ok = if b.is_nan() {
            a.is_nan()
        } else if b.is_infinite() {
            a == b
        } else {
            (a - b).abs() <= atol + rtol * b.abs()
        };
        if !ok {
            return Err(format!("{case_id}: element {i}: got {a}, expected {b}"));
        }
    }
    Ok(())
}

fn check_case(
    case: &Value,
    unknown: &mut BTreeMap<String, usize>,
) -> std::result::Result<bool, String> {
    let id = case["id"].as_str().unwrap_or("?");
    let op = case["op"].as_str().unwrap_or("?");
    if SKIPPED_CASES.iter().any(|(s, _)| *s == id) {
        return Ok(false);
    }
    let mut inputs = Vec::new();
    input_dtypes(&case["args"], &mut inputs);
    input_dtypes(&case["kwargs"], &mut inputs);
    let empty = serde_json::Map::new();
    let call = Call {
        op,
        args: case["args"].as_array().map(Vec::as_slice).unwrap_or(&[]),
        kwargs: case["kwargs"].as_object().unwrap_or(&empty),
    };
    let Some(result) = dispatch(&call) else {
        *unknown.entry(op.to_string()).or_default() += 1;
        return Ok(false);
    };
    let out = &case["out"];
    if let Some(err) = out.get("error") {
        return match result {
            Err(_) => Ok(true),
            Ok(_) => Err(format!(
                "{id}: Keras raised {err} but keras-rs returned a value"
            )),
        };
    }
    let got = result.map_err(|e| format!("{id}: unexpected error: {e}"))?;
    match out.get("tuple") {
        Some(Value::Array(parts)) => {
            if parts.len() != got.len() {
                return Err(format!(
                    "{id}: {} outputs, expected {}",
                    got.len(),
                    parts.len()
                ));
            }
            for (g, w) in got.iter().zip(parts) {
                compare(id, op, g, w, &inputs)?;
            }
        }
        _ => {
            if got.len() != 1 {
                return Err(format!("{id}: {} outputs, expected 1", got.len()));
            }
            compare(id, op, &got[0], out, &inputs)?;
        }
    }
    Ok(true)
}

#[test]
fn golden_ops_match_keras() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/ops exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden fixtures found");
    let mut failures = Vec::new();
    let mut unknown = BTreeMap::new();
    let mut passed = 0;
    let mut ops_seen = std::collections::BTreeSet::new();
    for f in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(f).expect("readable"))
            .expect("valid JSON");
        for case in doc["cases"].as_array().expect("cases array") {
            match check_case(case, &mut unknown) {
                Ok(true) => {
                    passed += 1;
                    ops_seen.insert(case["op"].as_str().unwrap_or("?").to_string());
                }
                Ok(false) => {}
                Err(e) => failures.push(e),
            }
        }
    }
    let unlisted: Vec<_> = unknown
        .keys()
        .filter(|op| !NOT_IMPLEMENTED.iter().any(|(n, _)| n == op))
        .cloned()
        .collect();
    println!("golden: {passed} cases passed over {} ops", ops_seen.len());
    // Record which ops passed (scripts/update_ops_table.py turns this into OPS.md), then
    // check that every op OPS.md marks as done really passed here.
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let failed_ops: std::collections::BTreeSet<&str> = failures
        .iter()
        .filter_map(|f| f.split('/').next())
        .collect();
    let clean: Vec<&String> = ops_seen
        .iter()
        .filter(|o| !failed_ops.contains(o.as_str()))
        .collect();
    let listing: String = clean.iter().map(|o| format!("{o}\n")).collect();
    std::fs::write(out_dir.join("golden-passed-ops.txt"), listing).expect("write listing");
    let table = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("OPS.md"))
        .expect("crates/keras-ops/OPS.md exists");
    let claimed: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("| ✓"))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    let unproven: Vec<&&str> = claimed.iter().filter(|o| !ops_seen.contains(**o)).collect();
    assert!(
        unproven.is_empty(),
        "OPS.md marks ops as done that have no passing golden case: {unproven:?}"
    );
    for f in failures.iter().take(400) {
        println!("FAIL {f}");
    }
    assert!(
        unlisted.is_empty(),
        "ops in the fixtures with no dispatcher and not in NOT_IMPLEMENTED: {unlisted:?}"
    );
    assert!(
        failures.is_empty(),
        "{} golden cases failed",
        failures.len()
    );
}
