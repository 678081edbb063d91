//! Reading the golden fixtures: files, tensors, shapes and specs, and comparing results
//! with Keras's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use keras::layers::{shape_from_json, ShapeSpec, TensorSpec};
use keras::{DType, Tensor};
use keras_ops::HostBuffer;
use serde_json::Value;

/// A failure message (the harness collects them and reports all at the end).
pub type Check = std::result::Result<(), String>;

/// `tests/fixtures/<sub>` at the repository root.
pub fn fixtures_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(sub)
}

/// The parsed `*.json` files of a fixture folder, sorted by name.
pub fn load_dir(dir: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            let name = f.file_stem().map(|s| s.to_string_lossy().into_owned());
            (name.unwrap_or_default(), doc)
        })
        .collect()
}

/// All cases of all layer fixture files (`tests/fixtures/layers/*.json`), with their
/// family (the file stem).
pub fn layer_cases() -> Vec<(String, Value)> {
    let docs = load_dir(&fixtures_dir("layers"));
    assert!(!docs.is_empty(), "no layer fixtures found");
    docs.into_iter()
        .flat_map(|(family, doc)| {
            let cases = doc["cases"].as_array().cloned().unwrap_or_default();
            cases.into_iter().map(move |c| (family.clone(), c))
        })
        .collect()
}

/// A case's layer class name (`?` when missing).
pub fn class_of(case: &Value) -> &str {
    case["class_name"].as_str().unwrap_or("?")
}

/// The layer classes used anywhere in a config (`class_name` of every object dict).
pub fn classes_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(c)), Some(_)) = (m.get("class_name"), m.get("config")) {
                out.insert(c.clone());
            }
            m.values().for_each(|x| classes_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| classes_in(x, out)),
        _ => {}
    }
}

fn number(v: &Value) -> std::result::Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("bad number {n}")),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::String(s) => match s.as_str() {
            "nan" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(format!("not a number: {s:?}")),
        },
        other => Err(format!("not a number: {other}")),
    }
}

/// The dims of a concrete `shape` array.
pub fn dims(v: &Value) -> std::result::Result<Vec<usize>, String> {
    v.as_array()
        .ok_or_else(|| format!("not a shape: {v}"))?
        .iter()
        .map(|d| {
            d.as_u64()
                .map(|d| d as usize)
                .ok_or_else(|| format!("bad dim {d}"))
        })
        .collect()
}

/// A tensor from `{"dtype", "shape", "data"}` (floats as shortest round-trip decimals).
pub fn parse_tensor(v: &Value) -> std::result::Result<Tensor, String> {
    let dtype = parse_dtype(&v["dtype"])?;
    let shape = dims(&v["shape"])?;
    let data = v["data"]
        .as_array()
        .ok_or_else(|| "tensor without data".to_string())?;
    let buf = if dtype.is_int() {
        let ints: Option<Vec<i64>> = data.iter().map(Value::as_i64).collect();
        HostBuffer::from(ints.ok_or("non-integer data in an integer tensor")?).cast(dtype)
    } else {
        let floats: Vec<f64> = data.iter().map(number).collect::<Result<_, _>>()?;
        HostBuffer::from(floats).cast(dtype)
    };
    Tensor::from_host(buf, shape).map_err(|e| e.to_string())
}

/// A dtype name.
pub fn parse_dtype(v: &Value) -> std::result::Result<DType, String> {
    let name = v.as_str().ok_or_else(|| format!("not a dtype: {v}"))?;
    DType::parse(name).map_err(|e| e.to_string())
}

/// A list of tensors, `null` entries kept as `None` (masks).
pub fn parse_optional_tensors(v: &Value) -> std::result::Result<Vec<Option<Tensor>>, String> {
    v.as_array()
        .ok_or_else(|| format!("not a list: {v}"))?
        .iter()
        .map(|t| match t {
            Value::Null => Ok(None),
            t => parse_tensor(t).map(Some),
        })
        .collect()
}

/// A list of tensors.
pub fn parse_tensors(v: &Value) -> std::result::Result<Vec<Tensor>, String> {
    v.as_array()
        .ok_or_else(|| format!("not a list: {v}"))?
        .iter()
        .map(parse_tensor)
        .collect()
}

/// A list of shapes with unknown dims (`[[null, 3], ...]`).
pub fn parse_shapes(v: &Value) -> std::result::Result<Vec<ShapeSpec>, String> {
    v.as_array()
        .ok_or_else(|| format!("not a list of shapes: {v}"))?
        .iter()
        .map(|s| shape_from_json(s).map_err(|e| e.to_string()))
        .collect()
}

/// A list of `{"shape", "dtype"}` specs.
pub fn parse_specs(v: &Value) -> std::result::Result<Vec<TensorSpec>, String> {
    v.as_array()
        .ok_or_else(|| format!("not a list of specs: {v}"))?
        .iter()
        .map(|s| {
            let shape = shape_from_json(&s["shape"]).map_err(|e| e.to_string())?;
            Ok(TensorSpec::new(shape, parse_dtype(&s["dtype"])?))
        })
        .collect()
}

/// Absolute and relative tolerance for float comparisons: the case's `atol`/`rtol` when it
/// documents one, else atol 1e-5 and rtol 1e-4.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
}

impl Tolerance {
    /// The tolerance of `case`.
    pub fn of(case: &Value) -> Tolerance {
        Tolerance {
            atol: case["atol"].as_f64().unwrap_or(1e-5),
            rtol: case["rtol"].as_f64().unwrap_or(1e-4),
        }
    }
}

/// `got` equals Keras's `want`: same dtype and shape, values within `tol` (exact for
/// integers and booleans, NaN where Keras has NaN).
pub fn compare_tensor(what: &str, got: &Tensor, want: &Value, tol: Tolerance) -> Check {
    let expected = parse_tensor(want).map_err(|e| format!("{what}: bad fixture: {e}"))?;
    if got.dtype() != expected.dtype() {
        return Err(format!(
            "{what}: dtype {} != Keras {}",
            got.dtype(),
            expected.dtype()
        ));
    }
    if got.dims() != expected.dims() {
        return Err(format!(
            "{what}: shape {:?} != Keras {:?}",
            got.dims(),
            expected.dims()
        ));
    }
    let g = got.to_host().map_err(|e| e.to_string())?.to_f64_vec();
    let w = expected.to_host().map_err(|e| e.to_string())?.to_f64_vec();
    let exact = !got.dtype().is_float();
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        let ok = if b.is_nan() {
            a.is_nan()
        } else if exact || b.is_infinite() {
            a == b
        } else {
            (a - b).abs() <= tol.atol + tol.rtol * b.abs()
        };
        if !ok {
            return Err(format!("{what}: element {i}: got {a}, Keras {b}"));
        }
    }
    Ok(())
}

/// Several outputs against Keras's list.
pub fn compare_tensors(what: &str, got: &[Tensor], want: &Value, tol: Tolerance) -> Check {
    let want = want
        .as_array()
        .ok_or_else(|| format!("{what}: bad fixture"))?;
    if got.len() != want.len() {
        return Err(format!(
            "{what}: {} tensors, Keras has {}",
            got.len(),
            want.len()
        ));
    }
    got.iter()
        .zip(want)
        .enumerate()
        .try_for_each(|(i, (g, w))| compare_tensor(&format!("{what}[{i}]"), g, w, tol))
}

/// The keys whose values differ between two JSON objects (for readable config failures).
pub fn json_diff(got: &Value, want: &Value) -> String {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let mut out = Vec::new();
            for (k, wv) in w {
                match g.get(k) {
                    None => out.push(format!("missing {k:?} (Keras: {wv})")),
                    Some(gv) if gv != wv => out.push(format!("{k:?}: {gv} != Keras {wv}")),
                    Some(_) => {}
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) {
                    out.push(format!("extra {k:?} = {gv} (Keras has no such key)"));
                }
            }
            out.join("; ")
        }
        _ => format!("{got} != Keras {want}"),
    }
}
