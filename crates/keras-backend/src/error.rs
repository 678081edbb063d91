//! The one error type of keras-rs: a message that names the op and the shapes involved.

use std::fmt;

/// An error from an op, a kernel or a file: always a readable message, never a panic.
///
/// ```
/// use keras_backend::Error;
/// let e = Error::op("add", "shapes [2, 3] and [4] cannot be broadcast");
/// assert_eq!(e.to_string(), "add: shapes [2, 3] and [4] cannot be broadcast");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    /// An error with a free-form message.
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// An error raised by the op (or layer) called `op`.
    pub fn op(op: &str, message: impl fmt::Display) -> Self {
        Error {
            message: format!("{op}: {message}"),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with more context (`"{context}: {message}"`).
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error {
            message: format!("{context}: {}", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::msg(format!("I/O error: {e}"))
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Returns `Err(Error::op(op, format!(...)))` from the enclosing function.
///
/// ```
/// use keras_backend::{bail, Result};
/// fn f(n: usize) -> Result<()> {
///     if n > 3 { bail!("f", "n = {n} is too large"); }
///     Ok(())
/// }
/// assert!(f(4).is_err());
/// ```
#[macro_export]
macro_rules! bail {
    ($op:expr, $($arg:tt)*) => {
        return Err($crate::Error::op($op, format!($($arg)*)))
    };
}
