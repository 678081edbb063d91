//! Reading the golden JSON fixtures written by Keras (tests/fixtures/*/): the file and the
//! `{"shape", "dtype", "data"}` arrays inside it (NaN and infinities spelled as strings).

use keras::Tensor;
use serde_json::Value;

/// The parsed fixture at `tests/fixtures/{relative}` of the repository.
pub fn fixture(relative: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// An int32 or float32 array of a fixture as a tensor.
pub fn tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).unwrap();
    let data = v["data"].as_array().unwrap();
    let float = |x: &Value| match x {
        Value::String(s) if s == "nan" => f32::NAN,
        Value::String(s) if s == "inf" => f32::INFINITY,
        Value::String(s) if s == "-inf" => f32::NEG_INFINITY,
        x => x.as_f64().unwrap() as f32,
    };
    match v["dtype"].as_str().unwrap() {
        "int32" => Tensor::from_vec(
            data.iter().map(|x| x.as_i64().unwrap() as i32).collect(),
            shape,
        ),
        "float32" => Tensor::from_vec(data.iter().map(float).collect(), shape),
        other => panic!("unsupported dtype {other}"),
    }
    .unwrap()
}
