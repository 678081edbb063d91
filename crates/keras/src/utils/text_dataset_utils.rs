//! `keras.utils.text_dataset_from_directory`: `.txt` files of class sub-directories,
//! batched as strings.
//!
//! Tensors here have no string dtype (`DType` is numeric only), so the batches are
//! [`TextBatch`]es — `Vec<String>` plus a label tensor — rather than [`Batch`]es. Turn
//! them into model inputs with [`TextDataset::map`] (e.g. a tokenizer), which gives a
//! [`Dataset`] for `fit`.

use std::path::{Path, PathBuf};

use keras_backend::bail;
use keras_ops::{Result, Tensor};

use super::dataset_utils::{LabelMode, Labels, Subset};
use super::image_dataset_utils::{index_files, Files};
use crate::trainers::{Batch, Dataset};

/// The options of [`text_dataset_from_directory`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct TextDatasetOptions {
    /// Where labels come from.
    pub labels: Labels,
    /// How labels are encoded.
    pub label_mode: LabelMode,
    /// The classes (sub-directory names) to use, in label order; `None`: all, sorted.
    pub class_names: Option<Vec<String>>,
    /// Texts per batch.
    pub batch_size: usize,
    /// Longer texts are cut to this many bytes (at a character boundary).
    pub max_length: Option<usize>,
    /// Shuffle the files (NumPy `RandomState(seed)`, as Keras) and reshuffle them at each
    /// later epoch.
    pub shuffle: bool,
    /// The shuffle seed (needed with `validation_split`); `None`: random.
    pub seed: Option<u32>,
    /// Fraction of the files kept for validation.
    pub validation_split: Option<f64>,
    /// Which side of `validation_split` to return.
    pub subset: Option<Subset>,
}

impl Default for TextDatasetOptions {
    fn default() -> Self {
        TextDatasetOptions {
            labels: Labels::Inferred,
            label_mode: LabelMode::Int,
            class_names: None,
            batch_size: 32,
            max_length: None,
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
        }
    }
}

/// One batch of texts and their labels (`None` for `LabelMode::None`).
#[derive(Clone, Debug)]
pub struct TextBatch {
    /// The file contents.
    pub texts: Vec<String>,
    /// The labels, encoded as the dataset's `label_mode`.
    pub labels: Option<Tensor>,
}

/// Batches of texts from a directory (see the module docs for why they are not
/// [`Batch`]es).
#[derive(Debug)]
pub struct TextDataset {
    files: Files,
    max_length: Option<usize>,
}

/// Texts of `dir`, labelled by sub-directory (Keras's `text_dataset_from_directory`).
///
/// ```no_run
/// use keras::utils::{text_dataset_from_directory, TextDatasetOptions};
/// let ds = text_dataset_from_directory("aclImdb/train", &TextDatasetOptions { seed: Some(1), ..Default::default() }).unwrap();
/// let batch = ds.get_batch(0).unwrap();
/// println!("{} {:?}", batch.texts[0], ds.class_names());
/// ```
pub fn text_dataset_from_directory(
    dir: impl AsRef<Path>,
    options: &TextDatasetOptions,
) -> Result<TextDataset> {
    let files = index_files(
        dir.as_ref(),
        &options.labels,
        options.label_mode,
        options.class_names.as_deref(),
        &[".txt"],
        options.batch_size,
        options.shuffle,
        options.seed,
        options.validation_split,
        options.subset,
        "text_dataset_from_directory",
    )?;
    Ok(TextDataset {
        files,
        max_length: options.max_length,
    })
}

impl TextDataset {
    /// The class names, in label order.
    pub fn class_names(&self) -> &[String] {
        &self.files.class_names
    }
    /// The text files, in dataset order (before any per-epoch reshuffle).
    pub fn file_paths(&self) -> &[PathBuf] {
        &self.files.paths
    }
    /// The number of texts.
    pub fn len(&self) -> usize {
        self.files.paths.len()
    }
    /// Whether there are no texts.
    pub fn is_empty(&self) -> bool {
        self.files.paths.is_empty()
    }
    /// Batches per epoch.
    pub fn num_batches(&self) -> usize {
        self.files.num_batches()
    }
    /// Reshuffles for epochs after the first (when shuffling).
    pub fn on_epoch_begin(&self, epoch: usize) {
        self.files.on_epoch_begin(epoch);
    }
    /// The batch at `index`.
    pub fn get_batch(&self, index: usize) -> Result<TextBatch> {
        let idx = self
            .files
            .batch_indices(index, "text_dataset_from_directory")?;
        let texts = idx
            .iter()
            .map(|&i| {
                let p = &self.files.paths[i];
                let bytes = match std::fs::read(p) {
                    Ok(b) => b,
                    Err(e) => bail!(
                        "text_dataset_from_directory",
                        "cannot read {}: {e}",
                        p.display()
                    ),
                };
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                if let Some(max) = self.max_length {
                    let mut cut = max.min(text.len());
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                Ok(text)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TextBatch {
            texts,
            labels: self.files.label_tensor(&idx)?,
        })
    }
    /// A [`Dataset`] of the batches turned into tensors by `f` (e.g. tokenization).
    ///
    /// ```no_run
    /// use keras::trainers::Batch;
    /// use keras::utils::{text_dataset_from_directory, TextDatasetOptions};
    /// let ds = text_dataset_from_directory("texts", &TextDatasetOptions::default()).unwrap();
    /// let lengths = ds.map(|b| {
    ///     let n = b.texts.len();
    ///     let x: Vec<f32> = b.texts.iter().map(|t| t.len() as f32).collect();
    ///     Ok(Batch { x: vec![keras::Tensor::from_vec(x, [n, 1])?], y: b.labels.into_iter().collect(), sample_weight: vec![] })
    /// });
    /// ```
    pub fn map<F>(self, f: F) -> TextMapped<F>
    where
        F: Fn(TextBatch) -> Result<Batch> + Send + Sync,
    {
        TextMapped { inner: self, f }
    }
}

/// A [`TextDataset`] whose batches are turned into tensors (see [`TextDataset::map`]).
pub struct TextMapped<F> {
    inner: TextDataset,
    f: F,
}

impl<F: Fn(TextBatch) -> Result<Batch> + Send + Sync> Dataset for TextMapped<F> {
    fn num_batches(&self) -> Option<usize> {
        Some(self.inner.num_batches())
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        (self.f)(self.inner.get_batch(index)?)
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        self.inner.on_epoch_begin(epoch);
        Ok(())
    }
}
