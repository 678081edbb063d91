//! Reuters newswires (`keras.datasets.reuters`): 11,228 newswires as sequences of word
//! indices, labelled with 46 topics.

use std::collections::HashMap;
use std::path::Path;

use keras_backend::bail;
use keras_ops::Result;

use super::np_random::shuffled_indices;
use super::npz::{object_int_lists, read_npz, take, Npy};
use super::{gather_rows, read_word_index, train_count, Remote, SequenceOptions, SequenceSplit};

/// Keras's download URL.
pub const ORIGIN: &str = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz";
/// The SHA-256 of `reuters.npz`.
pub const FILE_HASH: &str = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916";
/// The word index's URL.
pub const WORD_INDEX_ORIGIN: &str =
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json";
/// The MD5 of `reuters_word_index.json`.
pub const WORD_INDEX_HASH: &str = "4d44cc38712099c9e383dc6e5f11a921";

/// Downloads (once) and loads Reuters, shuffled with `options.seed` and cut at
/// `1 - test_split` (Keras's default `test_split` is 0.2).
///
/// ```no_run
/// use keras::datasets::{reuters, SequenceOptions};
/// let ((x_train, y_train), _) = reuters::load_data(&SequenceOptions::default(), 0.2).unwrap();
/// assert_eq!(x_train.len(), 8982);
/// ```
pub fn load_data(options: &SequenceOptions, test_split: f64) -> Result<SequenceSplit> {
    load_data_from(&Remote::default(), options, test_split)
}

/// [`load_data`] from another server or cache directory.
pub fn load_data_from(
    remote: &Remote,
    options: &SequenceOptions,
    test_split: f64,
) -> Result<SequenceSplit> {
    let path = remote.fetch("reuters.npz", ORIGIN, FILE_HASH, "datasets", false)?;
    load_data_from_path(path, options, test_split)
}

/// Loads a `reuters.npz` file (object array `x` of index lists, labels `y`).
pub fn load_data_from_path(
    path: impl AsRef<Path>,
    options: &SequenceOptions,
    test_split: f64,
) -> Result<SequenceSplit> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let mut m = read_npz(path)?;
    let xs = match take(&mut m, "x", &what)? {
        Npy::Object(v) => object_int_lists(&v, &format!("{what}:x"))?,
        Npy::Tensor(_) => bail!("reuters", "{what}: x is not an object array of sequences"),
    };
    let labels = take(&mut m, "y", &what)?.tensor("y")?;
    if labels.rank() != 1 || labels.dims()[0] != xs.len() {
        bail!(
            "reuters",
            "{what}: {} sequences but labels {}",
            xs.len(),
            labels.shape()
        );
    }
    train_count(xs.len(), test_split, "reuters")?;
    let idx = shuffled_indices(xs.len(), options.seed);
    let labels = gather_rows(&labels, &idx)?;
    let mut slots: Vec<Option<Vec<i64>>> = xs.into_iter().map(Some).collect();
    let xs: Vec<Vec<i64>> = idx
        .iter()
        .map(|&i| slots[i].take().unwrap_or_default())
        .collect();
    let (xs, labels) = options.drop_long(options.offset(xs), &labels)?;
    let mut xs = options.limit_vocabulary(xs);
    let cut = train_count(xs.len(), test_split, "reuters")?;
    let x_test = xs.split_off(cut);
    let n = xs.len() + x_test.len();
    let train: Vec<usize> = (0..cut).collect();
    let test: Vec<usize> = (cut..n).collect();
    Ok((
        (xs, gather_rows(&labels, &train)?),
        (x_test, gather_rows(&labels, &test)?),
    ))
}

/// Downloads (once) and reads the word → index map.
pub fn get_word_index() -> Result<HashMap<String, i64>> {
    get_word_index_from(&Remote::default())
}

/// [`get_word_index`] from another server or cache directory.
pub fn get_word_index_from(remote: &Remote) -> Result<HashMap<String, i64>> {
    let path = remote.fetch(
        "reuters_word_index.json",
        WORD_INDEX_ORIGIN,
        WORD_INDEX_HASH,
        "datasets",
        false,
    )?;
    read_word_index(&path)
}

/// The 46 topic names, indexed by label.
///
/// ```
/// assert_eq!(keras::datasets::reuters::get_label_names()[3], "earn");
/// ```
pub fn get_label_names() -> [&'static str; 46] {
    [
        "cocoa",
        "grain",
        "veg-oil",
        "earn",
        "acq",
        "wheat",
        "copper",
        "housing",
        "money-supply",
        "coffee",
        "sugar",
        "trade",
        "reserves",
        "ship",
        "cotton",
        "carcass",
        "crude",
        "nat-gas",
        "cpi",
        "money-fx",
        "interest",
        "gnp",
        "meal-feed",
        "alum",
        "oilseed",
        "gold",
        "tin",
        "strategic-metal",
        "livestock",
        "retail",
        "ipi",
        "iron-steel",
        "rubber",
        "heat",
        "jobs",
        "lei",
        "bop",
        "zinc",
        "orange",
        "pet-chem",
        "dlr",
        "gas",
        "silver",
        "wpi",
        "hog",
        "lead",
    ]
}
