//! `keras.utils.pad_sequences`.

use keras_backend::{bail, Element};
use keras_ops::{ops, DType, Result, Tensor};

/// Which end of a sequence to pad or truncate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// The start (`"pre"`, Keras's default).
    #[default]
    Pre,
    /// The end (`"post"`).
    Post,
}

/// The options of [`pad_sequences`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct PadOptions {
    /// Output length; `None` is the longest sequence's length.
    pub maxlen: Option<usize>,
    /// Output dtype (default `int32`).
    pub dtype: DType,
    /// Where to pad shorter sequences.
    pub padding: Side,
    /// Where to cut longer sequences.
    pub truncating: Side,
    /// The padding value (converted to `dtype`).
    pub value: f64,
}

impl Default for PadOptions {
    fn default() -> Self {
        PadOptions {
            maxlen: None,
            dtype: DType::I32,
            padding: Side::Pre,
            truncating: Side::Pre,
            value: 0.0,
        }
    }
}

/// Pads (or truncates) sequences to a `(num_samples, maxlen)` tensor.
///
/// ```
/// use keras::utils::{pad_sequences, PadOptions, Side};
/// let seqs = vec![vec![1, 2, 3], vec![4, 5], vec![6]];
/// let x = pad_sequences(&seqs, &PadOptions::default()).unwrap();
/// assert_eq!(x.to_vec::<i32>().unwrap(), vec![1, 2, 3, 0, 4, 5, 0, 0, 6]);
/// let opts = PadOptions { maxlen: Some(2), padding: Side::Post, truncating: Side::Post, ..Default::default() };
/// let x = pad_sequences(&seqs, &opts).unwrap();
/// assert_eq!(x.to_vec::<i32>().unwrap(), vec![1, 2, 4, 5, 6, 0]);
/// ```
pub fn pad_sequences<S, T>(sequences: &[S], options: &PadOptions) -> Result<Tensor>
where
    S: AsRef<[T]>,
    T: Element,
{
    let n = sequences.len();
    let maxlen = options.maxlen.unwrap_or_else(|| {
        sequences
            .iter()
            .map(|s| s.as_ref().len())
            .max()
            .unwrap_or(0)
    });
    if n.checked_mul(maxlen).is_none_or(|s| s > 1 << 34) {
        bail!(
            "pad_sequences",
            "{n} sequences of length {maxlen} are too many"
        );
    }
    let place = |out: &mut [f64], s: &[T]| {
        let trunc = match options.truncating {
            Side::Pre => &s[s.len().saturating_sub(maxlen)..],
            Side::Post => &s[..s.len().min(maxlen)],
        };
        let at = match options.padding {
            Side::Post => 0,
            Side::Pre => maxlen - trunc.len(),
        };
        for (o, &v) in out[at..at + trunc.len()].iter_mut().zip(trunc) {
            *o = v.to_f64();
        }
    };
    if options.dtype.is_int() || options.dtype == DType::Bool {
        // Integers go through i64 so that large indices stay exact.
        let fill = options.value as i64;
        let mut out = vec![fill; n * maxlen];
        for (row, s) in out.chunks_mut(maxlen.max(1)).zip(sequences) {
            let s = s.as_ref();
            let trunc_len = s.len().min(maxlen);
            let at = if options.padding == Side::Pre {
                maxlen - trunc_len
            } else {
                0
            };
            let start = match options.truncating {
                Side::Pre => s.len() - trunc_len,
                Side::Post => 0,
            };
            for k in 0..trunc_len {
                row[at + k] = s[start + k].to_i64();
            }
        }
        ops::cast(&Tensor::from_vec(out, [n, maxlen])?, options.dtype)
    } else {
        let mut out = vec![options.value; n * maxlen];
        for (row, s) in out.chunks_mut(maxlen.max(1)).zip(sequences) {
            place(row, s.as_ref());
        }
        ops::cast(&Tensor::from_vec(out, [n, maxlen])?, options.dtype)
    }
}
