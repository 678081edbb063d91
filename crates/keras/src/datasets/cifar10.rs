//! CIFAR-10 (`keras.datasets.cifar10`): 50,000 training and 10,000 test 32×32 colour
//! images (`uint8`, channels last) in 10 classes, labels `uint8 (n, 1)`.

use std::path::Path;

use keras_ops::Result;

use super::cifar::{batches_dir, load_batch, to_tensors};
use super::{Remote, Split};

/// Keras's download URL.
pub const ORIGIN: &str = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz";
/// The SHA-256 of the archive.
pub const FILE_HASH: &str = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce";

/// Downloads (once) and extracts the CIFAR-10 archive into
/// `$KERAS_HOME/datasets/cifar-10-batches-py-target`, then loads it.
///
/// ```no_run
/// let ((x_train, y_train), _) = keras::datasets::cifar10::load_data().unwrap();
/// assert_eq!(x_train.dims(), &[50000, 32, 32, 3]);
/// assert_eq!(y_train.dims(), &[50000, 1]);
/// ```
pub fn load_data() -> Result<Split> {
    load_data_from(&Remote::default())
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote) -> Result<Split> {
    let dir = remote.fetch(
        "cifar-10-batches-py-target",
        ORIGIN,
        FILE_HASH,
        "datasets",
        true,
    )?;
    load_data_from_dir(dir)
}

/// Loads the extracted archive: `dir` holds `cifar-10-batches-py/` or is that folder
/// (`data_batch_1` … `data_batch_5`, `test_batch`).
pub fn load_data_from_dir(dir: impl AsRef<Path>) -> Result<Split> {
    let dir = batches_dir(dir.as_ref(), "cifar-10-batches-py");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 1..=5 {
        let (xi, yi) = load_batch(&dir.join(format!("data_batch_{i}")), "labels")?;
        x.extend(xi);
        y.extend(yi);
    }
    let (xt, yt) = load_batch(&dir.join("test_batch"), "labels")?;
    Ok((to_tensors(&x, y)?, to_tensors(&xt, yt)?))
}
