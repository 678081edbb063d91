//! Fashion-MNIST (`keras.datasets.fashion_mnist`): 60,000 training and 10,000 test 28×28
//! grey images (`uint8`) of 10 kinds of clothing, with labels (`uint8`, 0–9).

use std::path::Path;

use keras_ops::Result;

use super::mnist::load_idx_dir;
use super::{Remote, Split, KERAS_ORIGIN};

/// The gzipped IDX files, in the order of the split (train images, train labels, test
/// images, test labels).
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// Downloads (once, into `$KERAS_HOME/datasets/fashion-mnist`) and loads Fashion-MNIST.
/// Keras publishes no hash for these files, so none is checked.
///
/// ```no_run
/// let ((x_train, y_train), _) = keras::datasets::fashion_mnist::load_data().unwrap();
/// assert_eq!(x_train.dims(), &[60000, 28, 28]);
/// ```
pub fn load_data() -> Result<Split> {
    load_data_from(&Remote::default())
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote) -> Result<Split> {
    let remote = Remote {
        skip_hash_check: true,
        ..remote.clone()
    };
    let mut dir = None;
    for f in FILES {
        let path = remote.fetch(
            f,
            &format!("{KERAS_ORIGIN}{f}"),
            "",
            "datasets/fashion-mnist",
            false,
        )?;
        dir = path.parent().map(Path::to_path_buf);
    }
    load_data_from_dir(dir.expect("four files"))
}

/// Loads the four gzipped IDX files [`FILES`] from `dir` (checked against a `SHA256SUMS`
/// file when there is one).
pub fn load_data_from_dir(dir: impl AsRef<Path>) -> Result<Split> {
    load_idx_dir(dir.as_ref(), &FILES, "fashion_mnist")
}
