//! IMDB movie reviews (`keras.datasets.imdb`): 25,000 training and 25,000 test reviews as
//! sequences of word indices (by frequency), labelled positive (1) or negative (0).

use std::collections::HashMap;
use std::path::Path;

use keras_backend::bail;
use keras_ops::{ops, Result};

use super::np_random::Mt19937;
use super::npz::{object_int_lists, read_npz, take, Npy};
use super::{gather_rows, read_word_index, Remote, SequenceOptions, SequenceSplit};

/// Keras's download URL.
pub const ORIGIN: &str = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz";
/// The SHA-256 of `imdb.npz`.
pub const FILE_HASH: &str = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f";
/// The word index's URL.
pub const WORD_INDEX_ORIGIN: &str =
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json";
/// The MD5 of `imdb_word_index.json`.
pub const WORD_INDEX_HASH: &str = "bfafd718b763782e994055a2d397834f";

/// Downloads (once) and loads IMDB, shuffled and cut as Keras does for `options`.
///
/// ```no_run
/// use keras::datasets::{imdb, SequenceOptions};
/// let opts = SequenceOptions { num_words: Some(10000), ..Default::default() };
/// let ((x_train, y_train), (x_test, y_test)) = imdb::load_data(&opts).unwrap();
/// assert_eq!(x_train.len(), 25000);
/// let x = keras::utils::pad_sequences(&x_train, &keras::utils::PadOptions { maxlen: Some(200), ..Default::default() }).unwrap();
/// ```
pub fn load_data(options: &SequenceOptions) -> Result<SequenceSplit> {
    load_data_from(&Remote::default(), options)
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(remote: &Remote, options: &SequenceOptions) -> Result<SequenceSplit> {
    let path = remote.fetch("imdb.npz", ORIGIN, FILE_HASH, "datasets", false)?;
    load_data_from_path(path, options)
}

/// Loads an `imdb.npz` file (object arrays `x_train`, `x_test` of index lists, labels
/// `y_train`, `y_test`).
pub fn load_data_from_path(
    path: impl AsRef<Path>,
    options: &SequenceOptions,
) -> Result<SequenceSplit> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let mut m = read_npz(path)?;
    let mut seqs = |k: &str| -> Result<Vec<Vec<i64>>> {
        match take(&mut m, k, &what)? {
            Npy::Object(v) => object_int_lists(&v, &format!("{what}:{k}")),
            Npy::Tensor(_) => bail!("imdb", "{what}: {k} is not an object array of sequences"),
        }
    };
    let (x_train, x_test) = (seqs("x_train")?, seqs("x_test")?);
    let y_train = take(&mut m, "y_train", &what)?.tensor("y_train")?;
    let y_test = take(&mut m, "y_test", &what)?.tensor("y_test")?;
    for (x, y, split) in [(&x_train, &y_train, "train"), (&x_test, &y_test, "test")] {
        if y.rank() != 1 || y.dims()[0] != x.len() {
            bail!(
                "imdb",
                "{what}: {} {split} sequences but labels {}",
                x.len(),
                y.shape()
            );
        }
    }
    let mut rng = Mt19937::new(options.seed);
    let mut shuffle = |x: Vec<Vec<i64>>, y: &keras_ops::Tensor| -> Result<_> {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        rng.shuffle(&mut idx);
        let y = gather_rows(y, &idx)?;
        let mut x: Vec<Option<Vec<i64>>> = x.into_iter().map(Some).collect();
        let x: Vec<Vec<i64>> = idx
            .iter()
            .map(|&i| x[i].take().unwrap_or_default())
            .collect();
        Ok((x, y))
    };
    let (x_train, y_train) = shuffle(x_train, &y_train)?;
    let (x_test, y_test) = shuffle(x_test, &y_test)?;
    let (x_train, y_train) = options.drop_long(options.offset(x_train), &y_train)?;
    let (x_test, y_test) = options.drop_long(options.offset(x_test), &y_test)?;
    if options.maxlen.is_some_and(|m| m > 0) && (x_train.is_empty() || x_test.is_empty()) {
        bail!(
            "imdb",
            "after filtering for sequences shorter than maxlen={}, no sequence was kept; increase maxlen",
            options.maxlen.unwrap_or(0)
        );
    }
    let n_train = x_train.len();
    let mut xs = options.limit_vocabulary(x_train.into_iter().chain(x_test).collect());
    let x_test = xs.split_off(n_train);
    let labels = ops::concatenate(&[&y_train, &y_test], 0)?;
    let n = labels.dims()[0];
    let y_train = ops::slice(&labels, &[0], &[n_train as i64])?;
    let y_test = ops::slice(&labels, &[n_train as i64], &[(n - n_train) as i64])?;
    Ok(((xs, y_train), (x_test, y_test)))
}

/// Downloads (once) and reads the word → index map (indices start at 1; add
/// `index_from` to match the sequences).
///
/// ```no_run
/// let index = keras::datasets::imdb::get_word_index().unwrap();
/// assert_eq!(index["the"], 1);
/// ```
pub fn get_word_index() -> Result<HashMap<String, i64>> {
    get_word_index_from(&Remote::default())
}

/// [`get_word_index`] from another server or cache directory.
pub fn get_word_index_from(remote: &Remote) -> Result<HashMap<String, i64>> {
    let path = remote.fetch(
        "imdb_word_index.json",
        WORD_INDEX_ORIGIN,
        WORD_INDEX_HASH,
        "datasets",
        false,
    )?;
    read_word_index(&path)
}
