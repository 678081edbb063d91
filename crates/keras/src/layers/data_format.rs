//! `data_format`: whether the channel axis of images and sequences is last or first.

use keras_backend::bail;
use keras_ops::Result;

use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Keras's `data_format` argument.
///
/// ```
/// use keras::layers::DataFormat;
/// assert_eq!(DataFormat::parse("channels_first").unwrap().channel_axis(4), 1);
/// assert_eq!(DataFormat::ChannelsLast.name(), "channels_last");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataFormat {
    /// `(batch, ..., channels)`, Keras's default.
    #[default]
    ChannelsLast,
    /// `(batch, channels, ...)`.
    ChannelsFirst,
}

impl DataFormat {
    /// From `"channels_last"` or `"channels_first"`.
    pub fn parse(s: &str) -> Result<DataFormat> {
        match s {
            "channels_last" => Ok(DataFormat::ChannelsLast),
            "channels_first" => Ok(DataFormat::ChannelsFirst),
            other => bail!(
                "data_format",
                "expected \"channels_last\" or \"channels_first\", got {other:?}"
            ),
        }
    }
    /// The `data_format` key of a layer config (default channels last).
    pub fn from_config(c: &Config, owner: &str) -> Result<DataFormat> {
        let s: Option<String> = c.get_or("data_format", None, owner)?;
        s.map_or(Ok(DataFormat::ChannelsLast), |s| DataFormat::parse(&s))
    }
    /// The Keras string.
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::ChannelsLast => "channels_last",
            DataFormat::ChannelsFirst => "channels_first",
        }
    }
    /// The channel axis for inputs of `rank` (batch included).
    pub fn channel_axis(self, rank: usize) -> usize {
        match self {
            DataFormat::ChannelsLast => rank - 1,
            DataFormat::ChannelsFirst => 1,
        }
    }
}
