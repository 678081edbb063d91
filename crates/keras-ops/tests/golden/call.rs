//! Decoding one golden case's arguments into keras-rs values.

use keras_ops::ops::Operand;
use keras_ops::{Axes, DType, Error, HostBuffer, Result, Tensor};
use serde_json::{Map, Value};

/// One `keras.ops` call from a fixture: positional `args` and keyword `kwargs`.
pub struct Call<'a> {
    pub op: &'a str,
    pub args: &'a [Value],
    pub kwargs: &'a Map<String, Value>,
}

fn number(v: &Value) -> Result<f64> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => Ok(*b as u8 as f64),
        Value::String(s) => match s.as_str() {
            "nan" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(Error::msg(format!("not a number: {s:?}"))),
        },
        other => Err(Error::msg(format!("not a number: {other}"))),
    }
}

/// Builds a tensor from `{"dtype", "shape", "data"}`.
pub fn parse_tensor(v: &Value) -> Result<Tensor> {
    let dtype = DType::parse(
        v["dtype"]
            .as_str()
            .ok_or_else(|| Error::msg("tensor without dtype"))?,
    )?;
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .ok_or_else(|| Error::msg("tensor without shape"))?
        .iter()
        .map(|d| d.as_u64().unwrap_or(0) as usize)
        .collect();
    let data = v["data"]
        .as_array()
        .ok_or_else(|| Error::msg("tensor without data"))?;
    let buf = if dtype.is_int() {
        // Integers go through i64 to stay exact.
        HostBuffer::from(
            data.iter()
                .map(|x| x.as_i64().unwrap_or(0))
                .collect::<Vec<i64>>(),
        )
        .cast(dtype)
    } else {
        HostBuffer::from(data.iter().map(number).collect::<Result<Vec<f64>>>()?).cast(dtype)
    };
    Tensor::from_host(buf, shape)
}

impl Call<'_> {
    /// Keyword `name`, or else positional argument `pos`.
    pub fn get(&self, name: &str, pos: usize) -> Option<&Value> {
        self.kwargs
            .get(name)
            .or_else(|| self.args.get(pos))
            .filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str) -> Error {
        Error::msg(format!("{}: fixture lacks argument {name:?}", self.op))
    }

    /// Tensor argument.
    pub fn tensor(&self, name: &str, pos: usize) -> Result<Tensor> {
        let v = self.get(name, pos).ok_or_else(|| self.missing(name))?;
        match v.get("tensor") {
            Some(t) => parse_tensor(t),
            None => Ok(match self.operand(name, pos)? {
                Operand::Tensor(t) => t,
                Operand::Int(i) => Tensor::scalar(i as i32)?,
                Operand::Float(f) => Tensor::scalar(f as f32)?,
                Operand::Bool(b) => Tensor::scalar(b)?,
            }),
        }
    }

    /// Tensor argument, or `None` when absent or null.
    pub fn opt_tensor(&self, name: &str, pos: usize) -> Result<Option<Tensor>> {
        match self.get(name, pos) {
            None => Ok(None),
            Some(_) => self.tensor(name, pos).map(Some),
        }
    }

    /// A list-of-tensors argument.
    pub fn tensors(&self, name: &str, pos: usize) -> Result<Vec<Tensor>> {
        let v = self.get(name, pos).ok_or_else(|| self.missing(name))?;
        v.get("tensors")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::msg(format!("{}: {name} is not a tensor list", self.op)))?
            .iter()
            .map(parse_tensor)
            .collect()
    }

    /// A tensor or Python-scalar operand.
    pub fn operand(&self, name: &str, pos: usize) -> Result<Operand> {
        let v = self.get(name, pos).ok_or_else(|| self.missing(name))?;
        Ok(match v {
            Value::Bool(b) => Operand::Bool(*b),
            Value::Number(n) if n.is_i64() || n.is_u64() => Operand::Int(n.as_i64().unwrap_or(0)),
            Value::Number(_) | Value::String(_) => Operand::Float(number(v)?),
            _ => Operand::Tensor(parse_tensor(
                v.get("tensor").ok_or_else(|| self.missing(name))?,
            )?),
        })
    }

    /// An `axis` argument (absent or null → all axes).
    pub fn axes(&self, name: &str, pos: usize) -> Result<Axes> {
        Ok(match self.get(name, pos) {
            None => Axes::All,
            Some(Value::Array(a)) => {
                Axes::Some(a.iter().map(|x| x.as_i64().unwrap_or(0)).collect())
            }
            Some(v) => Axes::Some(vec![v.as_i64().ok_or_else(|| self.missing(name))?]),
        })
    }

    /// Optional integer.
    pub fn opt_i64(&self, name: &str, pos: usize) -> Option<i64> {
        self.get(name, pos).and_then(Value::as_i64)
    }

    /// Integer with a default.
    pub fn i64_or(&self, name: &str, pos: usize, default: i64) -> i64 {
        self.opt_i64(name, pos).unwrap_or(default)
    }

    /// Non-negative integer with a default (a negative value is an error, as in Keras).
    pub fn usize_or(&self, name: &str, pos: usize, default: usize) -> Result<usize> {
        match self.opt_i64(name, pos) {
            None => Ok(default),
            Some(v) => usize::try_from(v).map_err(|_| {
                Error::msg(format!("{}: {name} must be non-negative, got {v}", self.op))
            }),
        }
    }

    /// Float with a default.
    pub fn f64_or(&self, name: &str, pos: usize, default: f64) -> Result<f64> {
        match self.get(name, pos) {
            None => Ok(default),
            Some(v) => number(v),
        }
    }

    /// Optional float.
    pub fn opt_f64(&self, name: &str, pos: usize) -> Result<Option<f64>> {
        self.get(name, pos).map(number).transpose()
    }

    /// Bool with a default.
    pub fn bool_or(&self, name: &str, pos: usize, default: bool) -> bool {
        self.get(name, pos)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }

    /// String with a default.
    pub fn str_or<'a>(&'a self, name: &str, pos: usize, default: &'a str) -> &'a str {
        self.get(name, pos)
            .and_then(Value::as_str)
            .unwrap_or(default)
    }

    /// Optional dtype name.
    pub fn dtype(&self, name: &str, pos: usize) -> Result<Option<DType>> {
        self.get(name, pos)
            .and_then(Value::as_str)
            .map(DType::parse)
            .transpose()
    }

    /// A list of integers (or one integer as a one-element list).
    pub fn i64_list(&self, name: &str, pos: usize) -> Option<Vec<i64>> {
        match self.get(name, pos)? {
            Value::Array(a) => Some(a.iter().map(|x| x.as_i64().unwrap_or(0)).collect()),
            v => v.as_i64().map(|i| vec![i]),
        }
    }

    /// A shape argument; a negative dim is an error (as Keras raises).
    pub fn shape(&self, name: &str, pos: usize) -> Result<Vec<usize>> {
        self.i64_list(name, pos)
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                usize::try_from(d).map_err(|_| {
                    Error::msg(format!("{}: negative dimension {d} in {name}", self.op))
                })
            })
            .collect()
    }

    /// A list of non-negative integers such as a shape.
    pub fn usize_list(&self, name: &str, pos: usize) -> Option<Vec<usize>> {
        self.i64_list(name, pos)
            .map(|v| v.into_iter().map(|x| x.max(0) as usize).collect())
    }
}
