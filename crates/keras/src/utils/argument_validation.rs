//! Keras's argument checks for convolution and pooling layers (its
//! `utils/argument_validation.py` and `standardize_data_format`): int-or-tuple arguments,
//! `padding` and `data_format`.

use keras_backend::bail;
use keras_ops::ops::IntOrTuple;
use keras_ops::{Error, Result};
use serde_json::Value;

use crate::saving::object::Config;

/// Keras's `standardize_tuple`: `n` values from one int or `n` ints, each `> 0` (`>= 0` when
/// `allow_zero`); errors name `owner` and the argument `name`.
pub(crate) fn standardize_tuple(
    value: &IntOrTuple,
    n: usize,
    name: &str,
    allow_zero: bool,
    owner: &str,
) -> Result<Vec<usize>> {
    let v = match value {
        IntOrTuple::Int(v) => vec![*v; n],
        IntOrTuple::Tuple(v) => v.clone(),
    };
    if v.len() != n {
        bail!(
            owner,
            "the `{name}` argument must be a tuple of {n} integers, received {name}={v:?}"
        );
    }
    if !allow_zero && v.contains(&0) {
        bail!(
            owner,
            "the `{name}` argument must be > 0 in every dim, received {name}={v:?}"
        );
    }
    Ok(v)
}

/// Reads an int-or-tuple config field (Keras writes lists; a bare int is also accepted)
/// and standardizes it as [`standardize_tuple`]; `default` when absent or null (an error when
/// there is no default).
pub(crate) fn tuple_from_config(
    c: &Config,
    key: &str,
    n: usize,
    default: Option<usize>,
    allow_zero: bool,
    owner: &str,
) -> Result<Vec<usize>> {
    let bad = |v: &Value| {
        Error::op(
            owner,
            format!("config field {key:?} = {v} is not an int or a list of ints"),
        )
    };
    let value = match c.get(key) {
        None | Some(Value::Null) => match default {
            Some(d) => IntOrTuple::Int(d),
            None => bail!(owner, "config has no field {key:?}"),
        },
        Some(v @ Value::Number(_)) => IntOrTuple::Int(v.as_u64().ok_or_else(|| bad(v))? as usize),
        Some(v @ Value::Array(a)) => IntOrTuple::Tuple(
            a.iter()
                .map(|d| d.as_u64().map(|d| d as usize).ok_or_else(|| bad(v)))
                .collect::<Result<_>>()?,
        ),
        Some(v) => return Err(bad(v)),
    };
    standardize_tuple(&value, n, key, allow_zero, owner)
}

/// Keras's `standardize_padding`: `"valid"`, `"same"` or, where `allow_causal`, `"causal"`,
/// case-insensitive, returned in lower case.
pub(crate) fn standardize_padding(
    padding: &str,
    allow_causal: bool,
    owner: &str,
) -> Result<String> {
    let p = padding.to_ascii_lowercase();
    match p.as_str() {
        "valid" | "same" => Ok(p),
        "causal" if allow_causal => Ok(p),
        _ => bail!(
            owner,
            "the `padding` argument must be one of {}, received {padding:?}",
            if allow_causal {
                "\"valid\", \"same\", \"causal\""
            } else {
                "\"valid\", \"same\""
            }
        ),
    }
}

/// Where the channels axis of an image-like input is (Keras's `data_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataFormat {
    /// `(batch, *spatial, channels)`, Keras's default `image_data_format`.
    ChannelsLast,
    /// `(batch, channels, *spatial)`.
    ChannelsFirst,
}

impl DataFormat {
    /// Keras's `standardize_data_format`: `None` is the default (`"channels_last"`), names
    /// are case-insensitive.
    pub(crate) fn parse(data_format: Option<&str>, owner: &str) -> Result<DataFormat> {
        match data_format.map(str::to_ascii_lowercase).as_deref() {
            None | Some("channels_last") => Ok(DataFormat::ChannelsLast),
            Some("channels_first") => Ok(DataFormat::ChannelsFirst),
            Some(_) => bail!(
                owner,
                "the `data_format` argument must be \"channels_first\" or \"channels_last\", \
                 received {:?}",
                data_format.unwrap_or_default()
            ),
        }
    }
    /// Reads the `data_format` config field.
    pub(crate) fn from_config(c: &Config, owner: &str) -> Result<DataFormat> {
        let s: Option<String> = crate::saving::ConfigExt::get_or(c, "data_format", None, owner)?;
        DataFormat::parse(s.as_deref(), owner)
    }
    /// The Keras name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DataFormat::ChannelsLast => "channels_last",
            DataFormat::ChannelsFirst => "channels_first",
        }
    }
    /// The channels axis of a rank-`rank` input.
    pub(crate) fn channel_axis(self, rank: usize) -> usize {
        match self {
            DataFormat::ChannelsLast => rank - 1,
            DataFormat::ChannelsFirst => 1,
        }
    }
    /// The spatial axes of a rank-`rank` input.
    pub(crate) fn spatial_axes(self, rank: usize) -> std::ops::Range<usize> {
        match self {
            DataFormat::ChannelsLast => 1..rank - 1,
            DataFormat::ChannelsFirst => 2..rank,
        }
    }
    /// `[batch, *spatial, channels]` or `[batch, channels, *spatial]`.
    pub(crate) fn assemble<T: Clone>(self, batch: T, spatial: Vec<T>, channels: T) -> Vec<T> {
        let mut out = vec![batch];
        match self {
            DataFormat::ChannelsLast => {
                out.extend(spatial);
                out.push(channels);
            }
            DataFormat::ChannelsFirst => {
                out.push(channels);
                out.extend(spatial);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tuples() {
        let t = |v: IntOrTuple, z| standardize_tuple(&v, 2, "strides", z, "T");
        assert_eq!(t(3.into(), false).unwrap(), vec![3, 3]);
        assert_eq!(t([1, 2].into(), false).unwrap(), vec![1, 2]);
        assert!(t([1, 2, 3].into(), false).is_err());
        assert!(t([0, 2].into(), false).is_err());
        assert_eq!(t([0, 2].into(), true).unwrap(), vec![0, 2]);
        let c = json!({"a": [2, 3], "b": 4}).as_object().unwrap().clone();
        assert_eq!(
            tuple_from_config(&c, "a", 2, Some(1), false, "T").unwrap(),
            vec![2, 3]
        );
        assert_eq!(
            tuple_from_config(&c, "b", 2, Some(1), false, "T").unwrap(),
            vec![4, 4]
        );
        assert_eq!(
            tuple_from_config(&c, "z", 2, Some(1), false, "T").unwrap(),
            vec![1, 1]
        );
        assert!(tuple_from_config(&c, "z", 2, None, false, "T").is_err());
    }

    #[test]
    fn padding_and_format() {
        assert_eq!(standardize_padding("SAME", false, "T").unwrap(), "same");
        assert!(standardize_padding("causal", false, "T").is_err());
        assert_eq!(standardize_padding("causal", true, "T").unwrap(), "causal");
        assert_eq!(
            DataFormat::parse(None, "T").unwrap(),
            DataFormat::ChannelsLast
        );
        let cf = DataFormat::parse(Some("Channels_First"), "T").unwrap();
        assert_eq!(
            (cf.name(), cf.channel_axis(4), cf.spatial_axes(4)),
            ("channels_first", 1, 2..4)
        );
        assert!(DataFormat::parse(Some("nhwc"), "T").is_err());
        assert_eq!(cf.assemble(0, vec![2, 3], 1), vec![0, 1, 2, 3]);
    }
}
