//! MNIST handwritten digits (`keras.datasets.mnist`): 60,000 training and 10,000 test
//! images of 28×28 grey pixels (`uint8`) with their labels (`uint8`, 0–9).

use std::path::Path;

use keras_backend::bail;
use keras_ops::{Result, Tensor};
use sha2::{Digest, Sha256};

use super::idx::{gunzip, parse_idx};
use super::npz::{read_npz, take};
pub use super::Split;
use super::{Remote, KERAS_ORIGIN};

/// Keras's download URL.
pub const ORIGIN: &str = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz";
/// The SHA-256 of `mnist.npz`.
pub const FILE_HASH: &str = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1";

/// Downloads (once) and loads Keras's `mnist.npz`: `x` is `uint8 (n, 28, 28)`, `y` is
/// `uint8 (n,)`.
///
/// ```no_run
/// let ((x_train, y_train), (x_test, y_test)) = keras::datasets::mnist::load_data().unwrap();
/// assert_eq!(x_train.dims(), &[60000, 28, 28]);
/// ```
pub fn load_data() -> Result<Split> {
    load_data_from(&Remote::default())
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote) -> Result<Split> {
    debug_assert!(ORIGIN.starts_with(KERAS_ORIGIN));
    let path = remote.fetch("mnist.npz", ORIGIN, FILE_HASH, "datasets", false)?;
    load_data_from_path(path)
}

/// Loads an `mnist.npz` file (arrays `x_train`, `y_train`, `x_test`, `y_test`).
///
/// ```no_run
/// let ((x, y), _) = keras::datasets::mnist::load_data_from_path("mnist.npz").unwrap();
/// ```
pub fn load_data_from_path(path: impl AsRef<Path>) -> Result<Split> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let mut m = read_npz(path)?;
    let mut get = |k: &str| take(&mut m, k, &what).and_then(|a| a.tensor(k));
    let ((x, y), (xt, yt)) = (
        (get("x_train")?, get("y_train")?),
        (get("x_test")?, get("y_test")?),
    );
    check_pairs(&x, &y, &xt, &yt, "mnist")?;
    Ok(((x, y), (xt, yt)))
}

/// Checks that images and labels have matching first dimensions.
pub(crate) fn check_pairs(
    x: &Tensor,
    y: &Tensor,
    xt: &Tensor,
    yt: &Tensor,
    what: &str,
) -> Result<()> {
    for (x, y, split) in [(x, y, "train"), (xt, yt, "test")] {
        if x.rank() != 3 || y.rank() != 1 || x.dims()[0] != y.dims()[0] {
            bail!(
                what,
                "{split} images {} and labels {} do not match",
                x.shape(),
                y.shape()
            );
        }
    }
    Ok(())
}

const FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// Loads MNIST from a directory holding the four standard gzipped IDX files (and, when
/// present, a `SHA256SUMS` file that each of them must match).
///
/// ```no_run
/// let ((x_train, y_train), (x_test, y_test)) =
///     keras::datasets::mnist::load_data_from_dir("../shared/datasets/mnist").unwrap();
/// assert_eq!(x_train.dims(), &[60000, 28, 28]);
/// assert_eq!(y_test.dims(), &[10000]);
/// ```
pub fn load_data_from_dir(dir: impl AsRef<Path>) -> Result<Split> {
    load_idx_dir(dir.as_ref(), &FILES, "mnist")
}

/// The four gzipped IDX files `files` (train images, train labels, test images, test
/// labels) of `dir`, checked against `SHA256SUMS` when present.
pub(crate) fn load_idx_dir(dir: &Path, files: &[&str; 4], what: &str) -> Result<Split> {
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).ok();
    let read = |name: &str| -> Result<(Vec<usize>, Vec<u8>)> {
        let path = dir.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => bail!(what, "cannot read {}: {e}", path.display()),
        };
        if let Some(sums) = &sums {
            check_sha256(&bytes, name, sums)?;
        }
        parse_idx(&gunzip(&bytes, name)?, name)
    };
    let tensors: Vec<Tensor> = files
        .iter()
        .map(|f| read(f).and_then(|(dims, data)| Tensor::from_vec(data, dims)))
        .collect::<Result<_>>()?;
    check_pairs(&tensors[0], &tensors[1], &tensors[2], &tensors[3], what)?;
    let mut t = tensors.into_iter();
    let mut next = || t.next().expect("four tensors");
    Ok(((next(), next()), (next(), next())))
}

/// Checks `bytes` against the line for `name` in a `sha256sum` listing.
fn check_sha256(bytes: &[u8], name: &str, sums: &str) -> Result<()> {
    let Some(want) = sums.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        let (hash, file) = (parts.next()?, parts.next()?);
        (file.trim_start_matches('*') == name).then(|| hash.to_lowercase())
    }) else {
        bail!("mnist", "SHA256SUMS has no line for {name}");
    };
    let got: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if got != want {
        bail!(
            "mnist",
            "{name}: SHA-256 is {got}, expected {want} (corrupt or wrong file)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz_idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut raw = vec![0, 0, 8, dims.len() as u8];
        dims.iter().for_each(|d| raw.extend(d.to_be_bytes()));
        raw.extend(data);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        enc.finish().unwrap()
    }

    fn write_set(dir: &Path, n_train: u32, n_test: u32) -> Vec<(String, Vec<u8>)> {
        let files = vec![
            (
                FILES[0].to_string(),
                gz_idx(&[n_train, 28, 28], &vec![7; n_train as usize * 784]),
            ),
            (
                FILES[1].to_string(),
                gz_idx(&[n_train], &vec![3; n_train as usize]),
            ),
            (
                FILES[2].to_string(),
                gz_idx(&[n_test, 28, 28], &vec![9; n_test as usize * 784]),
            ),
            (
                FILES[3].to_string(),
                gz_idx(&[n_test], &vec![1; n_test as usize]),
            ),
        ];
        std::fs::create_dir_all(dir).unwrap();
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        files
    }

    #[test]
    fn loads_a_directory_and_checks_hashes() {
        let dir = std::env::temp_dir().join(format!("keras-rs-mnist-{}", std::process::id()));
        let files = write_set(&dir, 5, 2);
        let ((x, y), (xt, yt)) = load_data_from_dir(&dir).unwrap();
        assert_eq!(
            (x.dims(), y.dims(), xt.dims(), yt.dims()),
            (&[5, 28, 28][..], &[5][..], &[2, 28, 28][..], &[2][..])
        );
        assert_eq!(yt.to_vec::<u8>().unwrap(), vec![1, 1]);
        // A SHA256SUMS listing that disagrees with one file is an error naming it.
        let mut sums = String::new();
        for (name, bytes) in &files {
            let h: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            sums.push_str(&format!("{h}  {name}\n"));
        }
        std::fs::write(dir.join("SHA256SUMS"), &sums).unwrap();
        load_data_from_dir(&dir).unwrap();
        std::fs::write(dir.join(FILES[3]), gz_idx(&[2], &[4, 4])).unwrap();
        let e = load_data_from_dir(&dir).unwrap_err().to_string();
        assert!(e.contains(FILES[3]) && e.contains("SHA-256"), "{e}");
        // Mismatched image and label counts.
        std::fs::remove_file(dir.join("SHA256SUMS")).unwrap();
        std::fs::write(dir.join(FILES[3]), gz_idx(&[3], &[4, 4, 4])).unwrap();
        assert!(load_data_from_dir(&dir).is_err());
        assert!(load_data_from_dir(dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The real dataset of the project's shared data directory, when it is there.
    #[test]
    fn real_mnist_when_available() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/mnist");
        if !dir.exists() {
            eprintln!("skipped: {} not found", dir.display());
            return;
        }
        let ((x, y), (xt, yt)) = load_data_from_dir(&dir).unwrap();
        assert_eq!(x.dims(), &[60000, 28, 28]);
        assert_eq!(xt.dims(), &[10000, 28, 28]);
        let labels = y.to_vec::<u8>().unwrap();
        assert!(labels.iter().all(|&l| l < 10));
        // The first training label of MNIST is a 5, the first test label a 7.
        assert_eq!((labels[0], yt.to_vec::<u8>().unwrap()[0]), (5, 7));
    }
}
