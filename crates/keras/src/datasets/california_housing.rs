//! California housing prices (`keras.datasets.california_housing`): 20,640 districts with
//! 8 features (`float32`) and the median house value (`float32`).

use std::path::Path;

use keras_ops::{ops, Result};

use super::npz::{read_npz, take};
use super::{shuffle_split, Remote, Split};

/// Keras's download URL.
pub const ORIGIN: &str =
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz";
/// The SHA-256 of `california_housing.npz`.
pub const FILE_HASH: &str = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f";

/// Which part of the data to use (Keras's `version`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    /// All 20,640 samples (`"large"`).
    #[default]
    Large,
    /// The first 600 samples (`"small"`), for quick experiments.
    Small,
}

/// Downloads (once) and loads the data, shuffled with NumPy's `RandomState(seed)` and cut
/// at `1 - test_split` (Keras's defaults: `Large`, 0.2 and 113).
///
/// ```no_run
/// use keras::datasets::california_housing::{load_data, Version};
/// let ((x_train, y_train), _) = load_data(Version::Small, 0.2, 113).unwrap();
/// assert_eq!(x_train.dims(), &[480, 8]);
/// ```
pub fn load_data(version: Version, test_split: f64, seed: u32) -> Result<Split> {
    load_data_from(&Remote::default(), version, test_split, seed)
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(
    remote: &Remote,
    version: Version,
    test_split: f64,
    seed: u32,
) -> Result<Split> {
    let path = remote.fetch(
        "california_housing.npz",
        ORIGIN,
        FILE_HASH,
        "datasets",
        false,
    )?;
    load_data_from_path(path, version, test_split, seed)
}

/// Loads a `california_housing.npz` file (arrays `x`, `y`).
pub fn load_data_from_path(
    path: impl AsRef<Path>,
    version: Version,
    test_split: f64,
    seed: u32,
) -> Result<Split> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let mut m = read_npz(path)?;
    let mut x = take(&mut m, "x", &what)?.tensor("x")?;
    let mut y = take(&mut m, "y", &what)?.tensor("y")?;
    if version == Version::Small {
        let first = |t: &keras_ops::Tensor| -> Result<keras_ops::Tensor> {
            let n = t.dims().first().copied().unwrap_or(0).min(600);
            let mut start = vec![0i64; t.rank()];
            let mut shape: Vec<i64> = t.dims().iter().map(|&d| d as i64).collect();
            start[0] = 0;
            shape[0] = n as i64;
            ops::slice(t, &start, &shape)
        };
        x = first(&x)?;
        y = first(&y)?;
    }
    shuffle_split(&x, &y, test_split, seed, "california_housing")
}
