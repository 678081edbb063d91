//! `keras.utils.image_dataset_from_directory`: PNG and JPEG files of class
//! sub-directories, decoded, resized and batched as a [`Dataset`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use keras_backend::bail;
use keras_ops::{Result, Tensor};

use super::dataset_utils::{index_directory, random_seed, split_range, LabelMode, Labels, Subset};
use crate::datasets::np_random::shuffled_indices;
use crate::trainers::{Batch, Dataset};

/// The file extensions read (Keras also lists `.bmp` and `.gif`, which are not decoded
/// here).
pub const IMAGE_EXTENSIONS: [&str; 3] = [".png", ".jpg", ".jpeg"];

/// The channels of the decoded images (Keras's `color_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorMode {
    /// 1 channel.
    Grayscale,
    /// 3 channels.
    #[default]
    Rgb,
    /// 4 channels.
    Rgba,
}

impl ColorMode {
    fn channels(self) -> usize {
        match self {
            ColorMode::Grayscale => 1,
            ColorMode::Rgb => 3,
            ColorMode::Rgba => 4,
        }
    }
}

/// How images are resized to `image_size`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Interpolation {
    /// `tf.image.resize(method="bilinear")` (half-pixel centres, no antialiasing).
    #[default]
    Bilinear,
    /// Nearest neighbour (half-pixel centres).
    Nearest,
}

/// The options of [`image_dataset_from_directory`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct ImageDatasetOptions {
    /// Where labels come from.
    pub labels: Labels,
    /// How labels are encoded.
    pub label_mode: LabelMode,
    /// The classes (sub-directory names) to use, in label order; `None`: all, sorted.
    pub class_names: Option<Vec<String>>,
    /// Channels of the output.
    pub color_mode: ColorMode,
    /// Images per batch.
    pub batch_size: usize,
    /// Output `(height, width)`.
    pub image_size: (usize, usize),
    /// Shuffle the files (NumPy `RandomState(seed)`, as Keras) and reshuffle them at each
    /// later epoch.
    pub shuffle: bool,
    /// The shuffle seed (needed with `validation_split`); `None`: random.
    pub seed: Option<u32>,
    /// Fraction of the files kept for validation.
    pub validation_split: Option<f64>,
    /// Which side of `validation_split` to return.
    pub subset: Option<Subset>,
    /// The resize method.
    pub interpolation: Interpolation,
}

impl Default for ImageDatasetOptions {
    fn default() -> Self {
        ImageDatasetOptions {
            labels: Labels::Inferred,
            label_mode: LabelMode::Int,
            class_names: None,
            color_mode: ColorMode::Rgb,
            batch_size: 32,
            image_size: (256, 256),
            shuffle: true,
            seed: None,
            validation_split: None,
            subset: None,
            interpolation: Interpolation::Bilinear,
        }
    }
}

/// Files and labels of a directory, shared by the image and text datasets.
#[derive(Debug)]
pub(crate) struct Files {
    pub paths: Vec<PathBuf>,
    pub labels: Option<Vec<i64>>,
    pub class_names: Vec<String>,
    pub label_mode: LabelMode,
    pub batch_size: usize,
    /// The per-epoch reshuffle seed (`None`: fixed order).
    pub reshuffle: Option<u32>,
    pub order: Mutex<Option<Vec<usize>>>,
}

/// Indexes, shuffles and splits a directory as Keras's `*_dataset_from_directory` do.
#[allow(clippy::too_many_arguments)]
pub(crate) fn index_files(
    dir: &Path,
    labels: &Labels,
    label_mode: LabelMode,
    class_names: Option<&[String]>,
    extensions: &[&str],
    batch_size: usize,
    shuffle: bool,
    seed: Option<u32>,
    validation_split: Option<f64>,
    subset: Option<Subset>,
    op: &str,
) -> Result<Files> {
    if batch_size == 0 {
        bail!(op, "batch_size must be at least 1");
    }
    if validation_split.is_some_and(|v| v != 0.0) && shuffle && seed.is_none() {
        bail!(
            op,
            "with `validation_split` and shuffling, pass a `seed` so that the training and validation subsets do not overlap"
        );
    }
    let (labels, label_mode) = match (labels, label_mode) {
        (Labels::None, _) | (_, LabelMode::None) => (Labels::None, LabelMode::None),
        (l, m) => (l.clone(), m),
    };
    let seed = seed.unwrap_or_else(|| random_seed() as u32);
    let index = index_directory(
        dir,
        &labels,
        extensions,
        class_names,
        shuffle.then_some(seed),
        op,
    )?;
    if label_mode == LabelMode::Binary && index.class_names.len() != 2 {
        bail!(
            op,
            "label_mode binary needs exactly 2 classes, found {:?}",
            index.class_names
        );
    }
    let range = split_range(index.paths.len(), validation_split, subset, op)?;
    let paths = index.paths[range.clone()].to_vec();
    if paths.is_empty() {
        bail!(
            op,
            "no files with extensions {extensions:?} found in {}",
            dir.display()
        );
    }
    if let (Some(l), LabelMode::Int | LabelMode::Categorical | LabelMode::Binary) =
        (&index.labels, label_mode)
    {
        let classes = index.class_names.len() as i64;
        if label_mode != LabelMode::Int {
            if let Some(bad) = l.iter().find(|&&v| v < 0 || v >= classes) {
                bail!(op, "label {bad} is out of range for {classes} classes");
            }
        }
    }
    Ok(Files {
        labels: index.labels.map(|l| l[range].to_vec()),
        paths,
        class_names: index.class_names,
        label_mode,
        batch_size,
        reshuffle: (shuffle && subset != Some(Subset::Validation)).then_some(seed),
        order: Mutex::new(None),
    })
}

impl Files {
    pub fn num_batches(&self) -> usize {
        self.paths.len().div_ceil(self.batch_size)
    }
    /// The sample indices of batch `index`.
    pub fn batch_indices(&self, index: usize, op: &str) -> Result<Vec<usize>> {
        let from = index * self.batch_size;
        if from >= self.paths.len() {
            bail!(
                op,
                "batch {index} is past the end ({} files)",
                self.paths.len()
            );
        }
        let to = (from + self.batch_size).min(self.paths.len());
        let order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        Ok((from..to)
            .map(|i| order.as_ref().map_or(i, |o| o[i]))
            .collect())
    }
    /// The labels of `idx`, encoded as `label_mode` asks (`None` without labels).
    pub fn label_tensor(&self, idx: &[usize]) -> Result<Option<Tensor>> {
        let Some(labels) = &self.labels else {
            return Ok(None);
        };
        let b = idx.len();
        let picked: Vec<i64> = idx.iter().map(|&i| labels[i]).collect();
        Ok(Some(match self.label_mode {
            LabelMode::None => return Ok(None),
            LabelMode::Int => {
                Tensor::from_vec(picked.iter().map(|&v| v as i32).collect::<Vec<_>>(), [b])?
            }
            LabelMode::Binary => {
                Tensor::from_vec(picked.iter().map(|&v| v as f32).collect::<Vec<_>>(), [b, 1])?
            }
            LabelMode::Categorical => {
                let k = self.class_names.len();
                let mut hot = vec![0f32; b * k];
                for (row, &v) in picked.iter().enumerate() {
                    hot[row * k + v as usize] = 1.0;
                }
                Tensor::from_vec(hot, [b, k])?
            }
        }))
    }
    /// Reshuffles for epochs after the first (the first keeps Keras's file order).
    pub fn on_epoch_begin(&self, epoch: usize) {
        if let Some(seed) = self.reshuffle {
            let order = (epoch > 0)
                .then(|| shuffled_indices(self.paths.len(), seed.wrapping_add(epoch as u32)));
            *self.order.lock().unwrap_or_else(|p| p.into_inner()) = order;
        }
    }
}

/// Batches of images from a directory: `x` is `float32 (batch, height, width,
/// channels)` with values in `0..=255`, `y` the labels (absent for `LabelMode::None`).
#[derive(Debug)]
pub struct ImageDataset {
    files: Files,
    image_size: (usize, usize),
    color_mode: ColorMode,
    interpolation: Interpolation,
}

impl ImageDataset {
    /// The class names, in label order.
    pub fn class_names(&self) -> &[String] {
        &self.files.class_names
    }
    /// The image files, in dataset order (before any per-epoch reshuffle).
    pub fn file_paths(&self) -> &[PathBuf] {
        &self.files.paths
    }
    /// The number of images.
    pub fn len(&self) -> usize {
        self.files.paths.len()
    }
    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.files.paths.is_empty()
    }
}

/// Images of `dir`, labelled by sub-directory (Keras's `image_dataset_from_directory`).
///
/// ```no_run
/// use keras::utils::{image_dataset_from_directory, ImageDatasetOptions, Subset};
/// let opts = ImageDatasetOptions {
///     image_size: (180, 180),
///     seed: Some(1337),
///     validation_split: Some(0.2),
///     subset: Some(Subset::Training),
///     ..Default::default()
/// };
/// let train = image_dataset_from_directory("PetImages", &opts).unwrap();
/// println!("{:?}", train.class_names());
/// ```
pub fn image_dataset_from_directory(
    dir: impl AsRef<Path>,
    options: &ImageDatasetOptions,
) -> Result<ImageDataset> {
    const OP: &str = "image_dataset_from_directory";
    let (h, w) = options.image_size;
    if h == 0 || w == 0 || h.checked_mul(w).is_none_or(|s| s > 1 << 26) {
        bail!(OP, "invalid image_size {:?}", options.image_size);
    }
    let files = index_files(
        dir.as_ref(),
        &options.labels,
        options.label_mode,
        options.class_names.as_deref(),
        &IMAGE_EXTENSIONS,
        options.batch_size,
        options.shuffle,
        options.seed,
        options.validation_split,
        options.subset,
        OP,
    )?;
    Ok(ImageDataset {
        files,
        image_size: options.image_size,
        color_mode: options.color_mode,
        interpolation: options.interpolation,
    })
}

/// Both sides of `validation_split` (Keras's `subset="both"`): `(training, validation)`.
pub fn image_dataset_from_directory_split(
    dir: impl AsRef<Path>,
    options: &ImageDatasetOptions,
) -> Result<(ImageDataset, ImageDataset)> {
    let mut o = options.clone();
    o.subset = Some(Subset::Training);
    let train = image_dataset_from_directory(dir.as_ref(), &o)?;
    o.subset = Some(Subset::Validation);
    let val = image_dataset_from_directory(dir.as_ref(), &o)?;
    Ok((train, val))
}

impl Dataset for ImageDataset {
    fn num_batches(&self) -> Option<usize> {
        Some(self.files.num_batches())
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        let idx = self
            .files
            .batch_indices(index, "image_dataset_from_directory")?;
        let (h, w) = self.image_size;
        let c = self.color_mode.channels();
        let mut x = Vec::with_capacity(idx.len() * h * w * c);
        for &i in &idx {
            x.extend(load_image(
                &self.files.paths[i],
                self.color_mode,
                self.image_size,
                self.interpolation,
            )?);
        }
        let x = Tensor::from_vec(x, [idx.len(), h, w, c])?;
        Ok(Batch {
            x: vec![x],
            y: self.files.label_tensor(&idx)?.into_iter().collect(),
            sample_weight: vec![],
        })
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        self.files.on_epoch_begin(epoch);
        Ok(())
    }
}

/// Decodes an image file to `float32` pixels `(height, width, channels)`, resized.
pub fn load_image(
    path: &Path,
    color_mode: ColorMode,
    size: (usize, usize),
    interpolation: Interpolation,
) -> Result<Vec<f32>> {
    let img = match image::ImageReader::open(path).and_then(|r| r.with_guessed_format()) {
        Ok(r) => {
            let mut r = r;
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(1 << 15);
            limits.max_image_height = Some(1 << 15);
            limits.max_alloc = Some(1 << 30);
            r.limits(limits);
            r.decode()
        }
        Err(e) => bail!("load_image", "cannot open {}: {e}", path.display()),
    };
    let img = match img {
        Ok(i) => i,
        Err(e) => bail!("load_image", "cannot decode {}: {e}", path.display()),
    };
    let (sw, sh) = (img.width() as usize, img.height() as usize);
    let pixels: Vec<u8> = match color_mode {
        ColorMode::Grayscale => img.to_luma8().into_raw(),
        ColorMode::Rgb => img.to_rgb8().into_raw(),
        ColorMode::Rgba => img.to_rgba8().into_raw(),
    };
    Ok(resize(
        &pixels,
        (sh, sw),
        color_mode.channels(),
        size,
        interpolation,
    ))
}

/// TensorFlow's `resize_bilinear` / `resize_nearest_neighbor` with half-pixel centres.
pub(crate) fn resize(
    src: &[u8],
    (sh, sw): (usize, usize),
    c: usize,
    (h, w): (usize, usize),
    interpolation: Interpolation,
) -> Vec<f32> {
    let mut out = vec![0f32; h * w * c];
    if (sh, sw) == (h, w) {
        return src.iter().map(|&v| v as f32).collect();
    }
    let (ys, xs) = (sh as f32 / h as f32, sw as f32 / w as f32);
    let weights = |i: usize, scale: f32, n: usize| -> (usize, usize, f32) {
        let v = (i as f32 + 0.5) * scale - 0.5;
        let f = v.floor();
        let lo = (f.max(0.0) as usize).min(n - 1);
        let hi = (v.ceil().max(0.0) as usize).min(n - 1);
        (lo, hi, v - f)
    };
    let px = |y: usize, x: usize, k: usize| src[(y * sw + x) * c + k] as f32;
    for oy in 0..h {
        for ox in 0..w {
            for k in 0..c {
                let v = match interpolation {
                    Interpolation::Bilinear => {
                        let (y0, y1, dy) = weights(oy, ys, sh);
                        let (x0, x1, dx) = weights(ox, xs, sw);
                        let top = px(y0, x0, k) + (px(y0, x1, k) - px(y0, x0, k)) * dx;
                        let bottom = px(y1, x0, k) + (px(y1, x1, k) - px(y1, x0, k)) * dx;
                        top + (bottom - top) * dy
                    }
                    Interpolation::Nearest => {
                        let y = (((oy as f32 + 0.5) * ys).floor() as usize).min(sh - 1);
                        let x = (((ox as f32 + 0.5) * xs).floor() as usize).min(sw - 1);
                        px(y, x, k)
                    }
                };
                out[(oy * w + ox) * c + k] = v;
            }
        }
    }
    out
}
