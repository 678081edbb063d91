//! Test helpers shared by the convolution and pooling tests: deterministic inputs, Keras
//! config comparison, build-set-call.

use keras_ops::Tensor;
use serde_json::Value;

use crate::layers::{Layer, LayerExt, ShapeSpec, TensorSpec};
use crate::saving::object::Config;
use crate::DType;

/// `arange(n) * scale + offset` in `dims`, as NumPy's float32 (the Python side uses the same).
pub(crate) fn ramp(dims: &[usize], scale: f64, offset: f64) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|i| (i as f64 * scale + offset) as f32).collect();
    Tensor::from_vec(v, dims.to_vec()).unwrap()
}

/// `ramp((1, 3, 3, 1), .7, -2.3)` with every other element negated (the pooling tests' input;
/// Python: `ramp(...) * [1, -1, 1, -1, 1, -1, 1, -1, 1]`).
pub(crate) fn signed_ramp() -> Tensor {
    let v: Vec<f32> = (0..9)
        .map(|i| ((i as f64 * 0.7 - 2.3) as f32) * if i % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    Tensor::from_vec(v, [1, 3, 3, 1]).unwrap()
}

/// Element-wise `|got - want| <= 1e-5` and the same dims.
pub(crate) fn assert_close(got: &Tensor, dims: &[usize], want: &[f32]) {
    assert_eq!(got.dims(), dims);
    let g = got.to_vec::<f32>().unwrap();
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5,
            "element {i}: got {a}, want {b} (all: {g:?})"
        );
    }
}

/// The layer's config equals `python` (a `json.dumps(layer.get_config())`, key order
/// included) and survives `from_config`.
pub(crate) fn check_config<L: Layer>(
    layer: &L,
    python: &str,
    from_config: impl Fn(&Config) -> keras_ops::Result<L>,
) {
    let got = layer.get_config();
    let want: Value = serde_json::from_str(python).unwrap();
    let want = want.as_object().unwrap();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(&got, want);
    assert_eq!(from_config(&got).unwrap().get_config(), got);
}

/// Builds `layer` for `x`, sets `weights`, and calls it.
pub(crate) fn run(layer: &dyn Layer, x: &Tensor, weights: &[Tensor]) -> Tensor {
    let shape: ShapeSpec = x.dims().iter().map(|&d| Some(d)).collect();
    layer.ensure_built(&[shape]).unwrap();
    layer.set_weights(weights).unwrap();
    layer.forward(x).unwrap()
}

/// The symbolic output shape for a float32 input of `shape`.
pub(crate) fn output_shape(layer: &dyn Layer, shape: ShapeSpec) -> ShapeSpec {
    let spec = TensorSpec::new(shape, DType::F32);
    layer.compute_output_spec(&[spec]).unwrap().remove(0).shape
}
