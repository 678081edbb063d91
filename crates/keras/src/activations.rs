//! `keras.activations`: the 30 activation functions, by their Keras string identifiers.
//!
//! An [`Activation`] is what layers store in their `activation` config field; it is written
//! as its name (`"relu"`), as Keras does for built-in activations.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The Keras identifiers accepted by [`Activation::get`].
pub const ACTIVATIONS: [&str; 32] = [
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "swish",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh",
    "tanh_shrink",
    "threshold",
];

/// A built-in activation function, named as in Keras.
///
/// ```
/// use keras::activations::Activation;
/// use keras::Tensor;
/// let relu = Activation::get("relu").unwrap();
/// let y = relu.apply(&Tensor::from_vec(vec![-1.0f32, 2.0], [2]).unwrap()).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// assert!(Activation::get("nope").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activation(&'static str);

impl Activation {
    /// The activation named `name` (`None` and `"linear"` are the identity).
    pub fn get(name: &str) -> Result<Activation> {
        match ACTIVATIONS.iter().find(|&&n| n == name) {
            Some(n) => Ok(Activation(n)),
            None => bail!(
                "activations.get",
                "unknown activation {name:?}; known: {}",
                ACTIVATIONS.join(", ")
            ),
        }
    }
    /// The identity (`"linear"`).
    pub fn linear() -> Activation {
        Activation("linear")
    }
    /// The Keras name.
    pub fn name(&self) -> &'static str {
        self.0
    }
    /// Whether this is the identity.
    pub fn is_linear(&self) -> bool {
        self.0 == "linear"
    }
    /// Applies the function with Keras's default arguments.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        match self.0 {
            "celu" => ops::celu(x, 1.0),
            "elu" => ops::elu(x, 1.0),
            "exponential" => ops::exp(x),
            "gelu" => ops::gelu(x, false),
            "glu" => ops::glu(x, -1),
            "hard_shrink" => ops::hard_shrink(x, 0.5),
            "hard_sigmoid" => ops::hard_sigmoid(x),
            "hard_silu" | "hard_swish" => ops::hard_silu(x),
            "hard_tanh" => ops::hard_tanh(x),
            "leaky_relu" => ops::leaky_relu(x, 0.2),
            "linear" => Ok(x.clone()),
            "log_sigmoid" => ops::log_sigmoid(x),
            "log_softmax" => ops::log_softmax(x, -1),
            "mish" => ops::mish(x),
            "relu" => ops::relu(x),
            "relu6" => ops::relu6(x),
            "selu" => ops::selu(x),
            "sigmoid" => ops::sigmoid(x),
            "silu" | "swish" => ops::silu(x),
            "soft_shrink" => ops::soft_shrink(x, 0.5),
            "softmax" => ops::softmax(x, -1),
            "softplus" => ops::softplus(x),
            "softsign" => ops::softsign(x),
            "sparse_plus" => ops::sparse_plus(x),
            "sparse_sigmoid" => ops::sparse_sigmoid(x),
            "sparsemax" => ops::sparsemax(x, -1),
            "squareplus" => ops::squareplus(x, 4.0),
            "tanh" => ops::tanh(x),
            "tanh_shrink" => ops::tanh_shrink(x),
            "threshold" => bail!(
                "activations.threshold",
                "threshold needs `threshold` and `default_value`; use ops::threshold"
            ),
            other => unreachable!("Activation holds a known name, got {other}"),
        }
    }
}

impl Default for Activation {
    fn default() -> Self {
        Activation::linear()
    }
}

impl TryFrom<&str> for Activation {
    type Error = keras_ops::Error;
    fn try_from(name: &str) -> Result<Activation> {
        Activation::get(name)
    }
}

impl Serialize for Activation {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        let name = match &v {
            None => return Ok(Activation::linear()),
            Some(serde_json::Value::String(s)) => s.clone(),
            // `{"module": "keras.activations", "class_name": "function", "config": "relu"}`
            Some(o) => o
                .get("config")
                .and_then(|c| c.as_str())
                .map(str::to_string)
                .ok_or_else(|| serde::de::Error::custom(format!("bad activation {o}")))?,
        };
        Activation::get(&name).map_err(serde::de::Error::custom)
    }
}
