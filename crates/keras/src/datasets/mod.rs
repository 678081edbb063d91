//! `keras.datasets`: loaders returning `((x_train, y_train), (x_test, y_test))`.
//!
//! Each `load_data` downloads Keras's file once (through
//! [`get_file`](crate::utils::get_file), checking Keras's hash) into
//! `$KERAS_HOME/datasets` (default `~/.keras/datasets`), then parses it. Every loader
//! also has a `load_data_from` taking a [`Remote`] (another server or cache directory) and
//! a `load_data_from_path` / `load_data_from_dir` reading files already on disk.
//!
//! Shuffles and train/test cuts use NumPy's legacy `RandomState(seed).shuffle`, so the
//! splits are the ones Keras returns for the same seed.

use std::path::PathBuf;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};

use crate::utils::{get_file, GetFileOptions};

pub mod boston_housing;
pub mod california_housing;
mod cifar;
pub mod cifar10;
pub mod cifar100;
pub mod fashion_mnist;
mod idx;
pub mod imdb;
pub mod mnist;
pub(crate) mod np_random;
pub(crate) mod npz;
pub(crate) mod pickle;
pub mod reuters;

/// `((x_train, y_train), (x_test, y_test))`, as Keras's `load_data()` returns them.
pub type Split = ((Tensor, Tensor), (Tensor, Tensor));

/// `((x_train, y_train), (x_test, y_test))` for the word-index datasets (IMDB, Reuters):
/// each sample is a sequence of word indices (Keras returns an object array of lists).
pub type SequenceSplit = ((Vec<Vec<i64>>, Tensor), (Vec<Vec<i64>>, Tensor));

/// The folder of most of Keras's dataset files.
pub const KERAS_ORIGIN: &str = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/";

/// Where the loaders download from and cache to. The default is Keras's servers, Keras's
/// hashes and `$KERAS_HOME` (or `~/.keras`).
///
/// ```no_run
/// use keras::datasets::{mnist, Remote};
/// let mirror = Remote { base_url: Some("http://mirror.local/keras/".into()), ..Default::default() };
/// let ((x, y), _) = mnist::load_data_from(&mirror).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct Remote {
    /// Replaces the folder of each origin URL (the file name is kept), e.g. a mirror.
    pub base_url: Option<String>,
    /// Replaces `$KERAS_HOME` / `~/.keras` as the cache directory.
    pub cache_dir: Option<PathBuf>,
    /// Do not check Keras's file hashes (for mirrors holding other files, such as test
    /// fixtures); a cached file is then reused as it is.
    pub skip_hash_check: bool,
}

impl Remote {
    /// `get_file` for one dataset file.
    pub(crate) fn fetch(
        &self,
        fname: &str,
        origin: &str,
        file_hash: &str,
        cache_subdir: &str,
        extract: bool,
    ) -> Result<PathBuf> {
        let origin = match &self.base_url {
            Some(base) => {
                let file = origin.rsplit('/').next().unwrap_or(origin);
                format!("{}/{file}", base.trim_end_matches('/'))
            }
            None => origin.to_string(),
        };
        get_file(
            Some(fname),
            &origin,
            &GetFileOptions {
                file_hash: (!self.skip_hash_check).then(|| file_hash.to_string()),
                cache_subdir: cache_subdir.into(),
                cache_dir: self.cache_dir.clone(),
                extract,
                ..Default::default()
            },
        )
    }
}

/// Rows `idx` of `t` (along the first axis).
pub(crate) fn gather_rows(t: &Tensor, idx: &[usize]) -> Result<Tensor> {
    let idx: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    let n = idx.len();
    ops::take(t, &Tensor::from_vec(idx, [n])?, Some(0))
}

/// Checks `0 <= test_split < 1` and returns Python's `int(n * (1 - test_split))`.
pub(crate) fn train_count(n: usize, test_split: f64, what: &str) -> Result<usize> {
    if !(0.0..1.0).contains(&test_split) {
        bail!(
            what,
            "invalid `test_split` argument: {test_split}; it must be in [0, 1)"
        );
    }
    Ok((n as f64 * (1.0 - test_split)) as usize)
}

/// Keras's housing loaders: shuffle `x` and `y` with `RandomState(seed)` and cut off the
/// last `test_split` as the test set.
pub(crate) fn shuffle_split(
    x: &Tensor,
    y: &Tensor,
    test_split: f64,
    seed: u32,
    what: &str,
) -> Result<Split> {
    let n = x.dims().first().copied().unwrap_or(0);
    if y.dims().first() != Some(&n) {
        bail!(
            what,
            "x {} and y {} have different lengths",
            x.shape(),
            y.shape()
        );
    }
    let cut = train_count(n, test_split, what)?;
    let idx = np_random::shuffled_indices(n, seed);
    let (train, test) = idx.split_at(cut);
    Ok((
        (gather_rows(x, train)?, gather_rows(y, train)?),
        (gather_rows(x, test)?, gather_rows(y, test)?),
    ))
}

/// The options shared by IMDB and Reuters, with Keras's defaults.
#[derive(Clone, Debug)]
pub struct SequenceOptions {
    /// Keep only word indices below this (others become `oov_char`); `None` keeps all
    /// (Keras then uses the largest index, which itself is dropped, as Keras does).
    pub num_words: Option<usize>,
    /// Treat the `skip_top` most frequent words as out of vocabulary.
    pub skip_top: usize,
    /// Drop sequences of `maxlen` or more words (after adding `start_char`).
    pub maxlen: Option<usize>,
    /// The shuffle seed (NumPy `RandomState`).
    pub seed: u32,
    /// Prepended to each sequence; `None` adds nothing.
    pub start_char: Option<i64>,
    /// Replaces dropped words; `None` removes them.
    pub oov_char: Option<i64>,
    /// Added to every word index.
    pub index_from: i64,
}

impl Default for SequenceOptions {
    fn default() -> Self {
        SequenceOptions {
            num_words: None,
            skip_top: 0,
            maxlen: None,
            seed: 113,
            start_char: Some(1),
            oov_char: Some(2),
            index_from: 3,
        }
    }
}

impl SequenceOptions {
    /// Start char and index offset, as Keras applies them.
    fn offset(&self, seqs: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
        match self.start_char {
            Some(start) => seqs
                .into_iter()
                .map(|x| {
                    std::iter::once(start)
                        .chain(x.into_iter().map(|w| w + self.index_from))
                        .collect()
                })
                .collect(),
            None => seqs
                .into_iter()
                .map(|x| x.into_iter().map(|w| w + self.index_from).collect())
                .collect(),
        }
    }
    /// Keeps the sequences shorter than `maxlen` (and their label rows).
    fn drop_long(&self, seqs: Vec<Vec<i64>>, labels: &Tensor) -> Result<(Vec<Vec<i64>>, Tensor)> {
        match self.maxlen.filter(|&m| m > 0) {
            None => Ok((seqs, labels.clone())),
            Some(maxlen) => {
                let keep: Vec<usize> = (0..seqs.len())
                    .filter(|&i| seqs[i].len() < maxlen)
                    .collect();
                let labels = gather_rows(labels, &keep)?;
                let seqs = seqs.into_iter().filter(|x| x.len() < maxlen).collect();
                Ok((seqs, labels))
            }
        }
    }
    /// The vocabulary cut (`num_words`, `skip_top`, `oov_char`) over all sequences.
    fn limit_vocabulary(&self, xs: Vec<Vec<i64>>) -> Vec<Vec<i64>> {
        let num_words = match self.num_words.filter(|&n| n > 0) {
            Some(n) => n as i64,
            None => xs.iter().flat_map(|x| x.iter().copied()).max().unwrap_or(0),
        };
        let skip = self.skip_top as i64;
        let keep = |w: i64| skip <= w && w < num_words;
        xs.into_iter()
            .map(|x| match self.oov_char {
                Some(oov) => x
                    .into_iter()
                    .map(|w| if keep(w) { w } else { oov })
                    .collect(),
                None => x.into_iter().filter(|&w| keep(w)).collect(),
            })
            .collect()
    }
}

/// Reads a word index JSON file (`{"word": index, ...}`).
pub(crate) fn read_word_index(
    path: &std::path::Path,
) -> Result<std::collections::HashMap<String, i64>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => bail!("get_word_index", "cannot read {}: {e}", path.display()),
    };
    match serde_json::from_str(&text) {
        Ok(m) => Ok(m),
        Err(e) => bail!(
            "get_word_index",
            "{} is not a word index (a JSON object of integers): {e}",
            path.display()
        ),
    }
}
