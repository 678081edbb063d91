//! `.npy` files in and out of `keras predict`: inputs cast to the dtype the model declares
//! only when no value changes (float narrowing rounds, as Keras does with NumPy arrays),
//! outputs written atomically, bfloat16 widened to float32 (NumPy has no bfloat16).

use std::path::Path;

use keras::saving::write_atomic;
use keras::{DType, Error, Result, Tensor};
use keras_ops::HostBuffer;

/// Reads a `.npy` file; the error names it.
pub(crate) fn read(path: &Path) -> Result<Tensor> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
    Tensor::from_npy_bytes(&bytes)
        .map_err(|e| Error::msg(format!("{} ({})", e.message(), path.display())))
}

/// `t` as `to`, or why that would change its values: an integer or bool cast must give back
/// every value exactly, a float narrowing must keep finite values finite.
pub(crate) fn cast_exact(t: &Tensor, to: DType) -> std::result::Result<Tensor, String> {
    let from = t.dtype();
    if from == to {
        return Ok(t.clone());
    }
    let host = t.to_host().map_err(|e| e.to_string())?;
    let cast = host.cast(to);
    let changed = |bad: &dyn Fn(f64, f64) -> bool, why: &str| {
        (0..host.len())
            .find(|&i| bad(host.get_f64(i), cast.get_f64(i)))
            .map(|i| {
                format!(
                    "value {} at flat index {i} {why} {to}",
                    show(host.get_f64(i))
                )
            })
    };
    let problem = if from.is_float() && to.is_float() {
        changed(&|a, b| a.is_finite() && !b.is_finite(), "overflows")
    } else if cast.cast(from) != host {
        Some(
            changed(&|a, b| a != b, "is not exactly representable in")
                .unwrap_or_else(|| format!("some values are not exactly representable in {to}")),
        )
    } else {
        None
    };
    match problem {
        Some(why) => Err(why),
        None => Tensor::from_host(cast, t.dims().to_vec()).map_err(|e| e.to_string()),
    }
}

/// `v` as written in a message: integers without a fraction, other values in Rust's
/// shortest form (`2.5`, `1e300`, `NaN`).
fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

/// Writes `t` to `path` as `.npy`, atomically; bfloat16 is written as float32.
pub(crate) fn write(path: &Path, t: &Tensor) -> Result<()> {
    let widened;
    let t = if t.dtype() == DType::BF16 {
        let host: HostBuffer = t.to_host()?.cast(DType::F32);
        widened = Tensor::from_host(host, t.dims().to_vec())?;
        &widened
    } else {
        t
    };
    write_atomic(path, &t.to_npy_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor<T: Into<HostBuffer>>(v: T) -> Tensor {
        let host = v.into();
        let n = host.len();
        Tensor::from_host(host, vec![n]).unwrap()
    }

    #[test]
    fn exact_casts_pass() {
        let t = cast_exact(&tensor(vec![0.5f64, -2.0]), DType::F32).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), [0.5, -2.0]);
        let t = cast_exact(&tensor(vec![3.0f32, 0.0, 7.0]), DType::I32).unwrap();
        assert_eq!(t.to_vec::<i32>().unwrap(), [3, 0, 7]);
        let t = cast_exact(&tensor(vec![1i64, 2]), DType::F32).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), [1.0, 2.0]);
        let t = cast_exact(&tensor(vec![true, false]), DType::F32).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), [1.0, 0.0]);
        // Float narrowing rounds, as Keras's conversion of a NumPy array does.
        let t = cast_exact(&tensor(vec![0.1f64]), DType::F32).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), [0.1f32]);
    }

    #[test]
    fn lossy_casts_are_refused_naming_the_value() {
        let err = cast_exact(&tensor(vec![1.0f32, 2.5]), DType::I32).unwrap_err();
        assert_eq!(
            err,
            "value 2.5 at flat index 1 is not exactly representable in int32"
        );
        let err = cast_exact(&tensor(vec![f32::NAN]), DType::I32).unwrap_err();
        assert!(err.contains("value NaN at flat index 0"), "{err}");
        let err = cast_exact(&tensor(vec![300i32]), DType::U8).unwrap_err();
        assert_eq!(
            err,
            "value 300 at flat index 0 is not exactly representable in uint8"
        );
        let err = cast_exact(&tensor(vec![16_777_217i64]), DType::F32).unwrap_err();
        assert!(err.starts_with("value 16777217 at flat index 0"), "{err}");
        let err = cast_exact(&tensor(vec![1e300f64]), DType::F32).unwrap_err();
        assert_eq!(err, "value 1e300 at flat index 0 overflows float32");
        let err = cast_exact(&tensor(vec![2i32]), DType::Bool).unwrap_err();
        assert!(err.contains("bool"), "{err}");
    }

    #[test]
    fn bfloat16_outputs_are_written_as_float32() {
        let dir = std::env::temp_dir().join(format!("keras_cli_npy_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("y.npy");
        let t = tensor(vec![1.5f32, -0.25]);
        for (dtype, written) in [(DType::F16, DType::F16), (DType::BF16, DType::F32)] {
            write(&path, &keras::ops::cast(&t, dtype).unwrap()).unwrap();
            let back = read(&path).unwrap();
            assert_eq!(back.dtype(), written);
            assert_eq!(back.to_vec::<f32>().unwrap(), [1.5, -0.25]);
        }
        let i = tensor(vec![4i64, 5]);
        write(&path, &i).unwrap();
        assert_eq!(read(&path).unwrap().to_vec::<i64>().unwrap(), [4, 5]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
