//! Boston housing prices (`keras.datasets.boston_housing`): 506 samples of 13 features
//! (`float64`) with the median home value in k$ (`float64`).

use std::path::Path;

use keras_ops::Result;

use super::npz::{read_npz, take};
use super::{shuffle_split, Remote, Split};

/// Keras's download URL.
pub const ORIGIN: &str =
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz";
/// The SHA-256 of `boston_housing.npz`.
pub const FILE_HASH: &str = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5";

/// Downloads (once) and loads the data, shuffled with NumPy's `RandomState(seed)` and cut
/// at `1 - test_split` (Keras's defaults: 0.2 and 113).
///
/// ```no_run
/// let ((x_train, y_train), (x_test, y_test)) =
///     keras::datasets::boston_housing::load_data(0.2, 113).unwrap();
/// assert_eq!(x_train.dims(), &[404, 13]);
/// ```
pub fn load_data(test_split: f64, seed: u32) -> Result<Split> {
    load_data_from(&Remote::default(), test_split, seed)
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote, test_split: f64, seed: u32) -> Result<Split> {
    let path = remote.fetch("boston_housing.npz", ORIGIN, FILE_HASH, "datasets", false)?;
    load_data_from_path(path, test_split, seed)
}

/// Loads a `boston_housing.npz` file (arrays `x`, `y`).
pub fn load_data_from_path(path: impl AsRef<Path>, test_split: f64, seed: u32) -> Result<Split> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let mut m = read_npz(path)?;
    let x = take(&mut m, "x", &what)?.tensor("x")?;
    let y = take(&mut m, "y", &what)?.tensor("y")?;
    shuffle_split(&x, &y, test_split, seed, "boston_housing")
}
