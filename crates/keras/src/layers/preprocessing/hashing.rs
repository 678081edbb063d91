//! `Hashing`: values to bins by a stable hash of their text, as Keras's `Hashing` layer
//! (FarmHash Fingerprint64, or SipHash-2-4 keyed by a salt).

use std::hash::Hasher;

use keras_backend::bail;
use keras_ops::{Result, Tensor};
use serde_json::{json, Value};
use siphasher::sip::SipHasher24;

use super::category_encoding::{encode, OutputMode};
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, DTypePolicy, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Hashes each input value into one of `num_bins` bins (Keras's `Hashing`). Numbers are
/// hashed as their decimal text (floats are first truncated to integers), like Keras;
/// strings go through [`Hashing::hash_strings`].
///
/// ```
/// use keras::layers::Hashing;
/// let layer = Hashing::new(3);
/// // Keras's docstring: Hashing(num_bins=3) on [['A'], ['B'], ['C'], ['D'], ['E']].
/// let bins = layer.hash_strings(&["A", "B", "C", "D", "E"]).unwrap();
/// assert_eq!(bins, vec![1, 0, 1, 1, 2]);
/// ```
pub struct Hashing {
    base: LayerBase,
    num_bins: usize,
    mask_value: Option<Value>,
    salt: Option<[u64; 2]>,
    output_mode: OutputMode,
}

impl Hashing {
    /// `num_bins` bins, FarmHash, no mask, integer output.
    pub fn new(num_bins: usize) -> Hashing {
        Hashing {
            base: Self::base_for(OutputMode::Int, None),
            num_bins: num_bins.max(1),
            mask_value: None,
            salt: None,
            output_mode: OutputMode::Int,
        }
    }

    /// Keras's default dtype: int64 for integer output, float32 otherwise.
    fn base_for(mode: OutputMode, name: Option<&str>) -> LayerBase {
        let dtype = if mode == OutputMode::Int {
            "int64"
        } else {
            "float32"
        };
        LayerBase::new("Hashing", name)
            .with_dtype(DTypePolicy::new(dtype))
            .built_at_construction()
    }

    /// Names the layer.
    pub fn named(mut self, name: &str) -> Hashing {
        self.base = self.base.renamed(name);
        self
    }
    /// Values equal to this one go to bin 0 (the others to bins `1..num_bins`).
    pub fn mask_value(mut self, v: impl Into<Value>) -> Hashing {
        self.mask_value = Some(v.into());
        self
    }
    /// Keyed SipHash with this salt (one int is used for both halves of the key).
    pub fn salt(mut self, salt: [u64; 2]) -> Hashing {
        self.salt = Some(salt);
        self
    }
    /// `"int"`, `"one_hot"`, `"multi_hot"` or `"count"`.
    pub fn output_mode(mut self, mode: &str) -> Result<Hashing> {
        self.output_mode = OutputMode::parse(mode, "Hashing")?;
        let name = self.base.name().to_string();
        self.base = Self::base_for(self.output_mode, Some(&name));
        Ok(self)
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Hashing> {
        let n = "Hashing";
        let num_bins: usize = c.require("num_bins", n)?;
        if num_bins == 0 {
            bail!(n, "num_bins must be positive, got 0");
        }
        if c.get_or("sparse", false, n)? {
            bail!(n, "sparse=True is not supported");
        }
        let salt = match c.get("salt") {
            None | Some(Value::Null) => None,
            Some(Value::Number(k)) => k.as_u64().map(|k| [k, k]),
            Some(Value::Array(a)) if a.len() == 2 => match (a[0].as_u64(), a[1].as_u64()) {
                (Some(x), Some(y)) => Some([x, y]),
                _ => None,
            },
            Some(other) => bail!(n, "salt must be an int or 2 ints, got {other}"),
        };
        let mode: String = c.get_or("output_mode", "int".to_string(), n)?;
        let output_mode = OutputMode::parse(&mode, n)?;
        let mut base = LayerBase::from_config(n, c)?.built_at_construction();
        if c.get("dtype").is_none_or(Value::is_null) {
            base = base.with_dtype(Self::base_for(output_mode, None).dtype_policy().clone());
        }
        if output_mode == OutputMode::Int && !base.compute_dtype().is_int() {
            bail!(
                n,
                "output_mode=\"int\" needs an integer dtype (int32 or int64)"
            );
        }
        Ok(Hashing {
            base,
            num_bins,
            mask_value: c.get("mask_value").filter(|v| !v.is_null()).cloned(),
            salt,
            output_mode,
        })
    }

    /// The bin of one value's text (`None` mask handling included).
    fn bin(&self, text: &str) -> i64 {
        let masked = self.mask_value.as_ref().is_some_and(|m| match m {
            Value::String(s) => s == text,
            other => other.as_i64().is_some() && text.parse::<i64>().ok() == other.as_i64(),
        });
        let reserved = usize::from(self.mask_value.is_some() && self.num_bins > 1);
        if masked && reserved == 1 {
            return 0;
        }
        let buckets = (self.num_bins - reserved) as u64;
        let h = match self.salt {
            Some([k0, k1]) => {
                let mut s = SipHasher24::new_with_keys(k0, k1);
                s.write(text.as_bytes());
                s.finish()
            }
            None => farmhash::fingerprint64(text.as_bytes()),
        };
        (h % buckets) as i64 + reserved as i64
    }

    /// Bins of string values (keras-rs tensors hold no strings, so text input comes here).
    pub fn hash_strings(&self, values: &[&str]) -> Result<Vec<i64>> {
        Ok(values.iter().map(|v| self.bin(v)).collect())
    }

    fn hash_tensor(&self, x: &Tensor) -> Result<Tensor> {
        let texts: Vec<String> = match x.dtype() {
            d if d.is_int() => x.to_vec::<i64>()?.iter().map(i64::to_string).collect(),
            d if d.is_float() => x
                .to_vec::<f64>()?
                .iter()
                .map(|v| (v.trunc() as i64).to_string())
                .collect(),
            other => bail!(
                "Hashing",
                "layer {:?} hashes numbers or strings, got dtype {other}",
                self.base.name()
            ),
        };
        let bins: Vec<i64> = texts.iter().map(|t| self.bin(t)).collect();
        Tensor::from_vec(bins, x.dims().to_vec())
    }
}

impl Layer for Hashing {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Hashing"
    }
    /// Keras sets `_convert_input_args = False`: inputs are taken as they come.
    fn converts_input_args(&self) -> bool {
        false
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("num_bins".into(), json!(self.num_bins));
        c.insert("salt".into(), self.salt.map_or(Value::Null, |s| json!(s)));
        c.insert(
            "mask_value".into(),
            self.mask_value.clone().unwrap_or(Value::Null),
        );
        c.insert("output_mode".into(), json!(self.output_mode.name()));
        c.insert("sparse".into(), json!(false));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let ids = self.hash_tensor(&inputs[0])?;
        let dtype = self.base.compute_dtype();
        Ok(vec![encode(
            &ids,
            self.output_mode,
            self.num_bins,
            dtype,
            None,
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let dtype = self.base.compute_dtype();
        let shape = match self.output_mode {
            OutputMode::Int => inputs[0].shape.clone(),
            _ => {
                let s = &inputs[0].shape;
                let mut out = s[..s.len().saturating_sub(1)].to_vec();
                out.push(Some(self.num_bins));
                out
            }
        };
        Ok(vec![TensorSpec::new(shape, dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of Keras's `Hashing` docstring (outputs of Keras with TensorFlow).
    #[test]
    fn docstring_examples() {
        let abcde = ["A", "B", "C", "D", "E"];
        assert_eq!(
            Hashing::new(3).hash_strings(&abcde).unwrap(),
            vec![1, 0, 1, 1, 2]
        );
        let masked = Hashing::new(3).mask_value("");
        assert_eq!(
            masked.hash_strings(&["A", "B", "", "C", "D"]).unwrap(),
            vec![1, 1, 0, 2, 2]
        );
        let salted = Hashing::new(3).salt([133, 137]);
        assert_eq!(salted.hash_strings(&abcde).unwrap(), vec![1, 2, 1, 0, 2]);
        let one_salt = Hashing::new(3).salt([133, 133]);
        assert_eq!(one_salt.hash_strings(&abcde).unwrap(), vec![0, 0, 2, 1, 0]);
    }

    #[test]
    fn integers_hash_as_text_and_config_round_trips() {
        let layer = Hashing::new(5).mask_value(0);
        let x = Tensor::from_vec(vec![0i32, 12, 7, 0], [2, 2]).unwrap();
        let y = layer.call(&[x], &CallArgs::inference()).unwrap().remove(0);
        let v = y.to_vec::<i64>().unwrap();
        assert_eq!((v[0], v[3]), (0, 0));
        assert_eq!(v[1], layer.bin("12"));
        assert!(v.iter().all(|&b| (0..5).contains(&b)));
        let c = layer.get_config();
        assert_eq!(Hashing::from_config(&c).unwrap().get_config(), c);
        assert_eq!(c["dtype"]["config"]["name"], "int64");
    }
}
