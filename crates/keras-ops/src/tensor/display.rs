//! NumPy-style printing: `array([[1., 2.], [3., 4.]], dtype=float32)`.

use std::fmt;

use keras_backend::{DType, HostBuffer};

use super::Tensor;

/// Above this many elements, only the first and last `EDGE_ITEMS` of each dim are printed.
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

fn format_float(v: f64, precision: usize, integral: bool) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if integral {
        return format!("{v:.0}.");
    }
    let s = format!("{v:.precision$}");
    let s = s.trim_end_matches('0');
    s.to_string()
}

/// Pads positional floats so their decimal points line up, as NumPy's `maxprec` mode does:
/// `[" 0.5 ", "-1.25", "  nan"]`. Non-finite values are right-aligned to the full width.
fn align_decimal_points(items: Vec<String>) -> Vec<String> {
    let split = |s: &str| s.find('.').map(|i| (i, s.len() - i));
    let left = items
        .iter()
        .filter_map(|s| split(s))
        .map(|p| p.0)
        .max()
        .unwrap_or(0);
    let right = items
        .iter()
        .filter_map(|s| split(s))
        .map(|p| p.1)
        .max()
        .unwrap_or(0);
    items
        .into_iter()
        .map(|s| match split(&s) {
            Some((l, r)) => format!("{}{s}{}", " ".repeat(left - l), " ".repeat(right - r)),
            None => format!("{s:>width$}", width = left + right),
        })
        .collect()
}

/// Formats every element with a common style, as NumPy does for one array.
fn element_strings(host: &HostBuffer) -> Vec<String> {
    match host.dtype() {
        DType::Bool => match host {
            HostBuffer::Bool(v) => v
                .iter()
                .map(|&b| if b { "True" } else { "False" }.to_string())
                .collect(),
            _ => unreachable!("dtype Bool holds a Bool buffer"),
        },
        d if d.is_int() => host.to_i64_vec().iter().map(|v| v.to_string()).collect(),
        _ => {
            let vals = host.to_f64_vec();
            let finite: Vec<f64> = vals.iter().copied().filter(|v| v.is_finite()).collect();
            let integral = finite.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e16);
            let big = finite.iter().any(|v| v.abs() >= 1e8)
                || finite.iter().any(|v| *v != 0.0 && v.abs() < 1e-4);
            if big && !integral {
                vals.iter()
                    .map(|v| {
                        if v.is_finite() {
                            format!("{v:.8e}")
                        } else {
                            format_float(*v, 8, false)
                        }
                    })
                    .collect()
            } else {
                align_decimal_points(vals.iter().map(|&v| format_float(v, 8, integral)).collect())
            }
        }
    }
}

fn write_dim(
    out: &mut String,
    items: &[String],
    dims: &[usize],
    offset: usize,
    depth: usize,
    width: usize,
    summarize: bool,
) {
    if dims.is_empty() {
        out.push_str(&format!("{:>width$}", items[offset]));
        return;
    }
    let n = dims[0];
    let inner: usize = dims[1..].iter().product();
    out.push('[');
    let mut first = true;
    let indent = " ".repeat("array(".len() + depth + 1);
    let mut i = 0;
    while i < n {
        if summarize && n > 2 * EDGE_ITEMS && i == EDGE_ITEMS {
            out.push_str(if dims.len() == 1 { ", ..." } else { ",\n" });
            if dims.len() > 1 {
                out.push_str(&indent);
                out.push_str("...");
            }
            i = n - EDGE_ITEMS;
            continue;
        }
        if !first {
            if dims.len() == 1 {
                out.push_str(", ");
            } else {
                out.push(',');
                out.push_str(&"\n".repeat(dims.len() - 1));
                out.push_str(&indent);
            }
        }
        first = false;
        write_dim(
            out,
            items,
            &dims[1..],
            offset + i * inner,
            depth + 1,
            width,
            summarize,
        );
        i += 1;
    }
    out.push(']');
}

impl fmt::Display for Tensor {
    /// Prints like `numpy.ndarray.__repr__`; large tensors are summarised with `...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match self.to_host() {
            Ok(h) => h,
            Err(e) => return write!(f, "<tensor unavailable: {e}>"),
        };
        let items = element_strings(&host);
        let width = items.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut body = String::new();
        let summarize = self.size() > THRESHOLD;
        if self.size() == 0 {
            body.push_str(&"[".repeat(self.rank().max(1)));
            body.push_str(&"]".repeat(self.rank().max(1)));
        } else {
            write_dim(&mut body, &items, self.dims(), 0, 0, width, summarize);
        }
        let implicit = matches!(self.dtype(), DType::F64 | DType::I64 | DType::Bool);
        if implicit && self.size() > 0 {
            write!(f, "array({body})")
        } else {
            write!(f, "array({body}, dtype={})", self.dtype())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn numpy_like_output() {
        let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
        assert_eq!(
            t.to_string(),
            "array([[1., 2.],\n       [3., 4.]], dtype=float32)"
        );
        let t = Tensor::from_vec(vec![0.5f64, -1.25, f64::NAN], [3]).unwrap();
        assert_eq!(t.to_string(), "array([ 0.5 , -1.25,   nan])");
        let t = Tensor::from_vec(vec![true, false], [2]).unwrap();
        assert_eq!(t.to_string(), "array([ True, False])");
        let t = Tensor::from_vec((0..2000i32).collect(), [2000]).unwrap();
        assert_eq!(
            t.to_string(),
            "array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)"
        );
    }
}
