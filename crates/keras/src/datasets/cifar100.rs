//! CIFAR-100 (`keras.datasets.cifar100`): 50,000 training and 10,000 test 32×32 colour
//! images (`uint8`, channels last) in 100 fine classes grouped into 20 coarse ones.

use std::path::Path;

use keras_ops::Result;

use super::cifar::{batches_dir, load_batch, to_tensors};
use super::{Remote, Split};

/// Keras's download URL.
pub const ORIGIN: &str = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz";
/// The SHA-256 of the archive.
pub const FILE_HASH: &str = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7";

/// Which labels to return (Keras's `label_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelMode {
    /// The 100 classes (`"fine"`).
    #[default]
    Fine,
    /// The 20 superclasses (`"coarse"`).
    Coarse,
}

impl LabelMode {
    fn key(self) -> &'static str {
        match self {
            LabelMode::Fine => "fine_labels",
            LabelMode::Coarse => "coarse_labels",
        }
    }
}

/// Downloads (once) and extracts the CIFAR-100 archive into
/// `$KERAS_HOME/datasets/cifar-100-python-target`, then loads it.
///
/// ```no_run
/// use keras::datasets::cifar100::{load_data, LabelMode};
/// let ((x_train, y_train), _) = load_data(LabelMode::Coarse).unwrap();
/// assert_eq!(x_train.dims(), &[50000, 32, 32, 3]);
/// ```
pub fn load_data(label_mode: LabelMode) -> Result<Split> {
    load_data_from(&Remote::default(), label_mode)
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote, label_mode: LabelMode) -> Result<Split> {
    let dir = remote.fetch(
        "cifar-100-python-target",
        ORIGIN,
        FILE_HASH,
        "datasets",
        true,
    )?;
    load_data_from_dir(dir, label_mode)
}

/// Loads the extracted archive: `dir` holds `cifar-100-python/` or is that folder
/// (`train`, `test`).
pub fn load_data_from_dir(dir: impl AsRef<Path>, label_mode: LabelMode) -> Result<Split> {
    let dir = batches_dir(dir.as_ref(), "cifar-100-python");
    let (x, y) = load_batch(&dir.join("train"), label_mode.key())?;
    let (xt, yt) = load_batch(&dir.join("test"), label_mode.key())?;
    Ok((to_tensors(&x, y)?, to_tensors(&xt, yt)?))
}
