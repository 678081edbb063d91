//! Utilities: naming, argument checks, `summary()`, the progress bar, downloads
//! ([`get_file`]), sequence padding and the dataset builders
//! ([`timeseries_dataset_from_array`], [`image_dataset_from_directory`],
//! [`text_dataset_from_directory`], [`split_dataset`]).

pub(crate) mod argument_validation;
pub mod dataset_utils;
pub mod file_utils;
pub mod image_dataset_utils;
pub mod naming;
mod numerical;
pub mod progbar;
pub mod sequence_utils;
pub mod summary;
pub mod text_dataset_utils;
pub mod timeseries_dataset_utils;

/// Seeds every unseeded random draw of layers and initializers (`keras.utils.set_random_seed`).
pub use crate::initializers::set_random_seed;
pub use dataset_utils::{split_dataset, LabelMode, Labels, SplitSize, Subset};
pub use file_utils::{
    extract_archive, get_file, hash_file, keras_home, validate_file, GetFileOptions, HashAlgorithm,
};
pub use image_dataset_utils::{
    image_dataset_from_directory, image_dataset_from_directory_split, ColorMode, ImageDataset,
    ImageDatasetOptions, Interpolation,
};
pub use numerical::{normalize, to_categorical};
pub use sequence_utils::{pad_sequences, PadOptions, Side};
pub use text_dataset_utils::{
    text_dataset_from_directory, TextBatch, TextDataset, TextDatasetOptions,
};
pub use timeseries_dataset_utils::{
    timeseries_dataset_from_array, TimeseriesDataset, TimeseriesOptions,
};
