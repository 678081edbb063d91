//! `CategoryEncoding`: integer category ids to one-hot, multi-hot or count vectors.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// How category ids are encoded (Keras's `output_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// The ids themselves (Discretization only).
    Int,
    /// One vector per id.
    OneHot,
    /// One vector per sample, 1 where an id occurs.
    MultiHot,
    /// One vector per sample, counting (or summing weights of) each id.
    Count,
}

impl OutputMode {
    /// From the Keras string (`"binary"` is the old name of `"multi_hot"`).
    pub fn parse(s: &str, owner: &str) -> Result<OutputMode> {
        Ok(match s {
            "int" => OutputMode::Int,
            "one_hot" => OutputMode::OneHot,
            "multi_hot" | "binary" => OutputMode::MultiHot,
            "count" => OutputMode::Count,
            other => bail!(
                owner,
                "unknown output_mode {other:?}; expected \"int\", \"one_hot\", \"multi_hot\" \
                 or \"count\""
            ),
        })
    }
    /// The Keras string.
    pub fn name(self) -> &'static str {
        match self {
            OutputMode::Int => "int",
            OutputMode::OneHot => "one_hot",
            OutputMode::MultiHot => "multi_hot",
            OutputMode::Count => "count",
        }
    }
}

/// Keras's `encode_categorical_inputs`: ids of any rank to `mode` vectors of `depth`.
pub(crate) fn encode(
    ids: &Tensor,
    mode: OutputMode,
    depth: usize,
    dtype: DType,
    count_weights: Option<&Tensor>,
) -> Result<Tensor> {
    if mode == OutputMode::Int {
        return ops::cast(ids, dtype);
    }
    let ids = if ids.rank() == 0 {
        ops::expand_dims(ids, -1)?
    } else {
        ids.clone()
    };
    match mode {
        OutputMode::MultiHot => ops::multi_hot(&ids, depth, -1, Some(dtype)),
        OutputMode::OneHot => {
            let dims = ids.dims();
            let ids = if dims.len() > 1 && dims[dims.len() - 1] == 1 {
                ops::squeeze(&ids, -1)?
            } else {
                ids
            };
            ops::one_hot(&ids, depth, -1, Some(dtype))
        }
        _ => {
            let axis = if ids.rank() > 1 { 1 } else { 0 };
            let dtype = count_weights.map_or(dtype, Tensor::dtype);
            let mut hot = ops::one_hot(&ids, depth, -1, Some(dtype))?;
            if let Some(w) = count_weights {
                hot = ops::multiply(&hot, &ops::expand_dims(w, -1)?)?;
            }
            ops::sum(&hot, axis, false)
        }
    }
}

/// Encodes integer category ids in `[0, num_tokens)` as vectors of `num_tokens` (Keras's
/// `CategoryEncoding`). In `"count"` mode an optional second input holds per-id weights
/// (Keras's `count_weights`).
///
/// ```
/// use keras::layers::{CategoryEncoding, LayerExt, OutputMode};
/// let layer = CategoryEncoding::new(4).output_mode(OutputMode::Count).unwrap();
/// let ids = keras::Tensor::from_vec(vec![0i32, 1, 1, 3], [1, 4]).unwrap();
/// let y = layer.forward(&ids).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 0.0, 1.0]);
/// ```
pub struct CategoryEncoding {
    base: LayerBase,
    num_tokens: usize,
    output_mode: OutputMode,
}

impl CategoryEncoding {
    /// Multi-hot vectors of `num_tokens`.
    pub fn new(num_tokens: usize) -> CategoryEncoding {
        CategoryEncoding {
            base: LayerBase::new("CategoryEncoding", None),
            num_tokens,
            output_mode: OutputMode::MultiHot,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> CategoryEncoding {
        self.base = self.base.renamed(name);
        self
    }
    /// One-hot, multi-hot (default) or count (`Int` is refused).
    pub fn output_mode(mut self, mode: OutputMode) -> Result<CategoryEncoding> {
        if mode == OutputMode::Int {
            bail!("CategoryEncoding", "unknown arg for output_mode: \"int\"");
        }
        self.output_mode = mode;
        Ok(self)
    }
    /// From Keras's config (`sparse=true` is refused: no sparse tensors here).
    pub fn from_config(c: &Config) -> Result<CategoryEncoding> {
        let n = "CategoryEncoding";
        let num_tokens: usize = c.require("num_tokens", n)?;
        if num_tokens < 1 {
            bail!(n, "num_tokens must be >= 1, got {num_tokens}");
        }
        if c.get_or("sparse", false, n)? {
            bail!(n, "sparse=True is not supported");
        }
        let mode: String = c.get_or("output_mode", "multi_hot".to_string(), n)?;
        CategoryEncoding {
            base: LayerBase::from_config(n, c)?,
            num_tokens,
            output_mode: OutputMode::MultiHot,
        }
        .output_mode(OutputMode::parse(&mode, n)?)
    }
}

impl Layer for CategoryEncoding {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "CategoryEncoding"
    }
    /// Keras sets `_convert_input_args = False`: inputs are taken as they come.
    fn converts_input_args(&self) -> bool {
        false
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("num_tokens".into(), json!(self.num_tokens));
        c.insert("output_mode".into(), json!(self.output_mode.name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let weights = inputs.get(1);
        if weights.is_some() && self.output_mode != OutputMode::Count {
            bail!(
                "CategoryEncoding",
                "layer {:?}: count_weights are only used when output_mode is \"count\", not {:?}",
                self.base.name(),
                self.output_mode.name()
            );
        }
        let weights = weights
            .map(|w| ops::cast(w, self.base.compute_dtype()))
            .transpose()?;
        let dtype = self.base.dtype_policy().variable_dtype();
        Ok(vec![encode(
            &inputs[0],
            self.output_mode,
            self.num_tokens,
            dtype,
            weights.as_ref(),
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let s = &inputs[0].shape;
        let depth = Some(self.num_tokens);
        let mut shape = s.clone();
        if s.is_empty() {
            shape = vec![depth];
        } else if self.output_mode == OutputMode::OneHot
            && (s.last() != Some(&Some(1)) || s.len() == 1)
        {
            shape.push(depth);
        } else {
            *shape.last_mut().expect("rank >= 1") = depth;
        }
        let dtype = inputs
            .get(1)
            .map_or(self.base.dtype_policy().variable_dtype(), |_| {
                self.base.compute_dtype()
            });
        Ok(vec![TensorSpec::new(shape, dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;

    fn ids() -> Tensor {
        Tensor::from_vec(vec![0i32, 1, 1, 3, 2, 2], [2, 3]).unwrap()
    }

    #[test]
    fn config_matches_keras() {
        // keras.layers.CategoryEncoding(4).get_config()
        let expected = r#"{"name": "category_encoding", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "num_tokens": 4, "output_mode": "multi_hot"}"#;
        let c = CategoryEncoding::new(4)
            .named("category_encoding")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(CategoryEncoding::from_config(&c).unwrap().get_config(), c);
        assert!(CategoryEncoding::new(4)
            .output_mode(OutputMode::Int)
            .is_err());
    }

    #[test]
    fn modes_match_keras() {
        // keras.layers.CategoryEncoding(4, output_mode=...)(ids) for ids [[0,1,1],[3,2,2]]
        let multi = CategoryEncoding::new(4).forward(&ids()).unwrap();
        assert_eq!(
            multi.to_vec::<f32>().unwrap(),
            vec![1., 1., 0., 0., 0., 0., 1., 1.]
        );
        let count = CategoryEncoding::new(4)
            .output_mode(OutputMode::Count)
            .unwrap();
        let y = count.forward(&ids()).unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![1., 2., 0., 0., 0., 0., 2., 1.]
        );
        let w = Tensor::from_vec(vec![0.5f32, 1.0, 2.0, 1.0, 1.0, 1.0], [2, 3]).unwrap();
        let y = count
            .call_with(&[ids(), w], &CallArgs::inference())
            .unwrap();
        assert_eq!(
            y[0].to_vec::<f32>().unwrap(),
            vec![0.5, 3., 0., 0., 0., 0., 2., 1.]
        );
        let one = CategoryEncoding::new(4)
            .output_mode(OutputMode::OneHot)
            .unwrap();
        let col = Tensor::from_vec(vec![3i32, 0], [2, 1]).unwrap();
        let y = one.forward(&col).unwrap();
        assert_eq!(y.dims(), &[2, 4]);
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![0., 0., 0., 1., 1., 0., 0., 0.]
        );
        let spec = |s: Vec<Option<usize>>| vec![TensorSpec::new(s, DType::I32)];
        assert_eq!(
            one.compute_output_spec(&spec(vec![None, Some(1)])).unwrap()[0].shape,
            vec![None, Some(4)]
        );
        assert_eq!(
            one.compute_output_spec(&spec(vec![None, Some(3)])).unwrap()[0].shape,
            vec![None, Some(3), Some(4)]
        );
        assert_eq!(
            count
                .compute_output_spec(&spec(vec![None, Some(3)]))
                .unwrap()[0]
                .shape,
            vec![None, Some(4)]
        );
    }
}
