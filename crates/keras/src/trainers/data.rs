//! Training data: a [`Batch`], the [`Dataset`] trait (Keras's `PyDataset`: batches by
//! index, for data that does not fit in memory), [`TensorDataset`] over in-memory arrays,
//! [`DatasetExt::map`] and [`DatasetExt::prefetch`], and [`Data`], what `fit`,
//! `evaluate` and `predict` accept.

use std::sync::{Arc, Mutex};

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

/// One batch: the model inputs, the targets (one per output; empty for `predict`) and the
/// sample weights (none, one for every output, or one per output).
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Inputs, in the model's input order.
    pub x: Vec<Tensor>,
    /// Targets, in the model's output order.
    pub y: Vec<Tensor>,
    /// Sample weights.
    pub sample_weight: Vec<Tensor>,
}

impl Batch {
    /// The number of samples (the first dimension of the first input).
    pub fn len(&self) -> usize {
        self.x
            .first()
            .or(self.y.first())
            .and_then(|t| t.dims().first().copied())
            .unwrap_or(0)
    }
    /// Whether the batch holds no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The sample weight for output `i` (the shared one when only one is given).
    pub fn sample_weight_for(&self, i: usize) -> Option<&Tensor> {
        match self.sample_weight.len() {
            0 => None,
            1 => self.sample_weight.first(),
            _ => self.sample_weight.get(i),
        }
    }
}

/// A source of batches by index, like Keras's `PyDataset`: implement it to stream data
/// from disk or generate it on the fly.
///
/// ```
/// use keras::trainers::{Batch, Dataset};
/// use keras::{Result, Tensor};
///
/// /// `y = 2x` on the fly, 4 batches of 8 samples.
/// struct Doubles;
/// impl Dataset for Doubles {
///     fn num_batches(&self) -> Option<usize> { Some(4) }
///     fn get_batch(&self, index: usize) -> Result<Batch> {
///         let x: Vec<f32> = (0..8).map(|i| (index * 8 + i) as f32).collect();
///         let y: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
///         Ok(Batch { x: vec![Tensor::from_vec(x, [8, 1])?], y: vec![Tensor::from_vec(y, [8, 1])?], sample_weight: vec![] })
///     }
/// }
/// assert_eq!(Doubles.get_batch(1).unwrap().len(), 8);
/// ```
pub trait Dataset: Send + Sync {
    /// Batches per epoch; `None` when unknown or endless (then `fit` needs
    /// `steps_per_epoch`).
    fn num_batches(&self) -> Option<usize>;
    /// The batch at `index` (`0..num_batches`).
    fn get_batch(&self, index: usize) -> Result<Batch>;
    /// Called before each epoch (0-based), e.g. to reshuffle.
    fn on_epoch_begin(&self, _epoch: usize) -> Result<()> {
        Ok(())
    }
    /// Called after each epoch.
    fn on_epoch_end(&self) -> Result<()> {
        Ok(())
    }
    /// How many batches to prepare ahead on a background thread (0: none).
    fn prefetch_depth(&self) -> usize {
        0
    }
}

impl<D: Dataset + ?Sized> Dataset for Arc<D> {
    fn num_batches(&self) -> Option<usize> {
        (**self).num_batches()
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        (**self).get_batch(index)
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        (**self).on_epoch_begin(epoch)
    }
    fn on_epoch_end(&self) -> Result<()> {
        (**self).on_epoch_end()
    }
    fn prefetch_depth(&self) -> usize {
        (**self).prefetch_depth()
    }
}

/// In-memory arrays cut into batches along the first axis, reshuffled each epoch when a
/// seed is set (Keras's array data adapter).
///
/// ```
/// use keras::trainers::{Dataset, TensorDataset};
/// use keras::Tensor;
/// let x = Tensor::from_vec((0..10).map(|v| v as f32).collect(), [10, 1]).unwrap();
/// let y = Tensor::from_vec((0..10).map(|v| v as f32).collect(), [10]).unwrap();
/// let ds = TensorDataset::new(vec![x], vec![y]).unwrap().batch_size(4).unwrap();
/// assert_eq!(ds.num_batches(), Some(3));
/// assert_eq!(ds.get_batch(2).unwrap().len(), 2);
/// ```
#[derive(Debug)]
pub struct TensorDataset {
    x: Vec<Tensor>,
    y: Vec<Tensor>,
    sample_weight: Vec<Tensor>,
    len: usize,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    order: Mutex<Option<Tensor>>,
}

impl TensorDataset {
    /// Inputs `x` and targets `y` (empty for prediction); every array must have the same
    /// number of samples.
    pub fn new(x: Vec<Tensor>, y: Vec<Tensor>) -> Result<TensorDataset> {
        Self::with_sample_weight(x, y, Vec::new())
    }
    /// As [`TensorDataset::new`], with sample weights.
    pub fn with_sample_weight(
        x: Vec<Tensor>,
        y: Vec<Tensor>,
        sample_weight: Vec<Tensor>,
    ) -> Result<TensorDataset> {
        if x.is_empty() {
            bail!("data", "no input arrays were given");
        }
        let mut len = None;
        for (what, arrays) in [("x", &x), ("y", &y), ("sample_weight", &sample_weight)] {
            for (i, t) in arrays.iter().enumerate() {
                let Some(&n) = t.dims().first() else {
                    bail!(
                        "data",
                        "{what}[{i}] is a scalar; arrays need a first (sample) axis"
                    );
                };
                match len {
                    None => len = Some(n),
                    Some(m) if m != n => bail!(
                        "data",
                        "all arrays must have the same number of samples: x[0] has {m}, {what}[{i}] has {n}"
                    ),
                    _ => {}
                }
            }
        }
        Ok(TensorDataset {
            len: len.unwrap_or(0),
            x,
            y,
            sample_weight,
            batch_size: 32,
            shuffle_seed: None,
            order: Mutex::new(None),
        })
    }
    /// Samples per batch (Keras's default is 32); the last batch may be smaller.
    pub fn batch_size(mut self, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            bail!("data", "batch_size must be at least 1, got 0");
        }
        self.batch_size = batch_size;
        Ok(self)
    }
    /// Reshuffles the samples at each epoch, in an order given by `seed` and the epoch
    /// (so a resumed run sees the same order).
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.shuffle_seed = Some(seed);
        self
    }
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Splits off the last `fraction` of the samples (Keras's `validation_split`, taken
    /// before any shuffling): `(first part, last part)`.
    pub fn split_last(&self, fraction: f64) -> Result<(TensorDataset, TensorDataset)> {
        if !(0.0..1.0).contains(&fraction) {
            bail!("data", "validation_split must be in [0, 1), got {fraction}");
        }
        let cut = (self.len as f64 * (1.0 - fraction)).floor() as usize;
        if cut == 0 || cut == self.len {
            bail!(
                "data",
                "validation_split={fraction} leaves an empty split of {} samples",
                self.len
            );
        }
        let part = |from: usize, to: usize| -> Result<TensorDataset> {
            let cut_all = |ts: &[Tensor]| -> Result<Vec<Tensor>> {
                ts.iter().map(|t| rows(t, from, to)).collect()
            };
            let mut d = TensorDataset::with_sample_weight(
                cut_all(&self.x)?,
                cut_all(&self.y)?,
                cut_all(&self.sample_weight)?,
            )?;
            d.batch_size = self.batch_size;
            d.shuffle_seed = self.shuffle_seed;
            Ok(d)
        };
        Ok((part(0, cut)?, part(cut, self.len)?))
    }
    /// The samples at `idx`, in that order, with the same batch size and shuffle seed.
    pub(crate) fn select(&self, idx: &[usize]) -> Result<TensorDataset> {
        let n = idx.len();
        let idx = Tensor::from_vec(idx.iter().map(|&i| i as i64).collect::<Vec<_>>(), [n])?;
        let pick = |ts: &[Tensor]| -> Result<Vec<Tensor>> {
            ts.iter().map(|t| ops::take(t, &idx, Some(0))).collect()
        };
        let mut d = TensorDataset::with_sample_weight(
            pick(&self.x)?,
            pick(&self.y)?,
            pick(&self.sample_weight)?,
        )?;
        d.batch_size = self.batch_size;
        d.shuffle_seed = self.shuffle_seed;
        Ok(d)
    }
    /// Replaces the sample weights.
    pub(crate) fn set_sample_weight(&mut self, sample_weight: Vec<Tensor>) {
        self.sample_weight = sample_weight;
    }
    /// The targets.
    pub(crate) fn targets(&self) -> &[Tensor] {
        &self.y
    }
}

/// Rows `from..to` of `t` along the first axis.
fn rows(t: &Tensor, from: usize, to: usize) -> Result<Tensor> {
    let mut start = vec![0i64; t.rank()];
    let mut shape: Vec<i64> = t.dims().iter().map(|&d| d as i64).collect();
    start[0] = from as i64;
    shape[0] = (to - from) as i64;
    ops::slice(t, &start, &shape)
}

/// A permutation of `0..n` from `seed` (splitmix64 driving Fisher–Yates).
fn permutation(n: usize, seed: u64) -> Vec<i64> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut p: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
}

impl Dataset for TensorDataset {
    fn num_batches(&self) -> Option<usize> {
        Some(self.len.div_ceil(self.batch_size))
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        let from = index * self.batch_size;
        if from >= self.len {
            bail!(
                "data",
                "batch {index} is past the end ({} samples in batches of {})",
                self.len,
                self.batch_size
            );
        }
        let to = (from + self.batch_size).min(self.len);
        let order = self.order.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let pick = |ts: &[Tensor]| -> Result<Vec<Tensor>> {
            match &order {
                None => ts.iter().map(|t| rows(t, from, to)).collect(),
                Some(o) => {
                    let idx = rows(o, from, to)?;
                    ts.iter().map(|t| ops::take(t, &idx, Some(0))).collect()
                }
            }
        };
        Ok(Batch {
            x: pick(&self.x)?,
            y: pick(&self.y)?,
            sample_weight: pick(&self.sample_weight)?,
        })
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        if let Some(seed) = self.shuffle_seed {
            let mixed = seed ^ (epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
            let p = Tensor::from_vec(permutation(self.len, mixed), [self.len])?;
            *self.order.lock().unwrap_or_else(|p| p.into_inner()) = Some(p);
        }
        Ok(())
    }
}

/// Batch-level combinators for every [`Dataset`].
pub trait DatasetExt: Dataset + Sized {
    /// Applies `f` to every batch (on the prefetch thread when prefetching).
    ///
    /// ```
    /// use keras::trainers::{Dataset, DatasetExt, TensorDataset};
    /// use keras::{ops, Tensor};
    /// let x = Tensor::from_vec(vec![0u8, 255], [2, 1]).unwrap();
    /// let ds = TensorDataset::new(vec![x], vec![]).unwrap().map(|mut b| {
    ///     b.x[0] = ops::divide(&ops::cast(&b.x[0], keras::DType::F32)?, 255.0)?;
    ///     Ok(b)
    /// });
    /// assert_eq!(ds.get_batch(0).unwrap().x[0].to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
    /// ```
    fn map<F>(self, f: F) -> Mapped<Self, F>
    where
        F: Fn(Batch) -> Result<Batch> + Send + Sync,
    {
        Mapped { inner: self, f }
    }
    /// Prepares up to `depth` batches ahead on a background thread while the model trains.
    fn prefetch(self, depth: usize) -> Prefetch<Self> {
        Prefetch { inner: self, depth }
    }
}

impl<D: Dataset> DatasetExt for D {}

/// A dataset with a function applied to each batch (see [`DatasetExt::map`]).
pub struct Mapped<D, F> {
    inner: D,
    f: F,
}

impl<D: Dataset, F: Fn(Batch) -> Result<Batch> + Send + Sync> Dataset for Mapped<D, F> {
    fn num_batches(&self) -> Option<usize> {
        self.inner.num_batches()
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        (self.f)(self.inner.get_batch(index)?)
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        self.inner.on_epoch_begin(epoch)
    }
    fn on_epoch_end(&self) -> Result<()> {
        self.inner.on_epoch_end()
    }
    fn prefetch_depth(&self) -> usize {
        self.inner.prefetch_depth()
    }
}

/// A dataset read ahead on a background thread (see [`DatasetExt::prefetch`]).
pub struct Prefetch<D> {
    inner: D,
    depth: usize,
}

impl<D: Dataset> Dataset for Prefetch<D> {
    fn num_batches(&self) -> Option<usize> {
        self.inner.num_batches()
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        self.inner.get_batch(index)
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        self.inner.on_epoch_begin(epoch)
    }
    fn on_epoch_end(&self) -> Result<()> {
        self.inner.on_epoch_end()
    }
    fn prefetch_depth(&self) -> usize {
        self.depth
    }
}

/// What `fit`, `evaluate` and `predict` take: arrays (`(x, y)`, `(x, y, sample_weight)`,
/// or `x` alone for `predict`) or a [`Dataset`].
///
/// ```
/// use keras::trainers::Data;
/// let x = keras::ops::zeros(&[4, 2], keras::DType::F32).unwrap();
/// let y = keras::ops::zeros(&[4], keras::DType::F32).unwrap();
/// let d: Data = (&x, &y).into();
/// assert!(matches!(d, Data::Arrays { .. }));
/// ```
pub enum Data {
    /// In-memory arrays; the trainer batches (and, for `fit`, shuffles) them.
    Arrays {
        /// Inputs.
        x: Vec<Tensor>,
        /// Targets (empty for `predict`).
        y: Vec<Tensor>,
        /// Sample weights (empty for none).
        sample_weight: Vec<Tensor>,
    },
    /// Ready-made batches.
    Dataset(Arc<dyn Dataset>),
}

impl Data {
    fn arrays(x: Vec<Tensor>, y: Vec<Tensor>, sample_weight: Vec<Tensor>) -> Data {
        Data::Arrays {
            x,
            y,
            sample_weight,
        }
    }
}

impl From<&Tensor> for Data {
    fn from(x: &Tensor) -> Data {
        Data::arrays(vec![x.clone()], vec![], vec![])
    }
}
impl From<Vec<Tensor>> for Data {
    fn from(x: Vec<Tensor>) -> Data {
        Data::arrays(x, vec![], vec![])
    }
}
impl From<(&Tensor, &Tensor)> for Data {
    fn from((x, y): (&Tensor, &Tensor)) -> Data {
        Data::arrays(vec![x.clone()], vec![y.clone()], vec![])
    }
}
impl From<(&Tensor, &Tensor, &Tensor)> for Data {
    fn from((x, y, w): (&Tensor, &Tensor, &Tensor)) -> Data {
        Data::arrays(vec![x.clone()], vec![y.clone()], vec![w.clone()])
    }
}
impl From<(Vec<Tensor>, Vec<Tensor>)> for Data {
    fn from((x, y): (Vec<Tensor>, Vec<Tensor>)) -> Data {
        Data::arrays(x, y, vec![])
    }
}
impl From<(Vec<Tensor>, Vec<Tensor>, Vec<Tensor>)> for Data {
    fn from((x, y, w): (Vec<Tensor>, Vec<Tensor>, Vec<Tensor>)) -> Data {
        Data::arrays(x, y, w)
    }
}
impl<D: Dataset + 'static> From<Arc<D>> for Data {
    fn from(d: Arc<D>) -> Data {
        Data::Dataset(d)
    }
}
impl From<Arc<dyn Dataset>> for Data {
    fn from(d: Arc<dyn Dataset>) -> Data {
        Data::Dataset(d)
    }
}

/// Runs one epoch of `dataset`: `on_epoch_begin`, then `step(index, batch)` for batches
/// `start..steps` (prepared on a background thread when the dataset prefetches), then
/// `on_epoch_end`. `step` returns `false` to stop early.
pub(crate) fn run_epoch(
    dataset: &dyn Dataset,
    epoch: usize,
    steps: usize,
    start: usize,
    mut step: impl FnMut(usize, Batch) -> Result<bool>,
) -> Result<()> {
    dataset.on_epoch_begin(epoch)?;
    let depth = dataset.prefetch_depth();
    if depth == 0 {
        for i in start..steps {
            if !step(i, dataset.get_batch(i)?)? {
                break;
            }
        }
    } else {
        std::thread::scope(|s| -> Result<()> {
            let (tx, rx) = std::sync::mpsc::sync_channel(depth);
            s.spawn(move || {
                for i in start..steps {
                    let b = dataset.get_batch(i);
                    let failed = b.is_err();
                    if tx.send(b).is_err() || failed {
                        break;
                    }
                }
            });
            for (i, b) in (start..steps).zip(rx.iter()) {
                if !step(i, b?)? {
                    break;
                }
            }
            Ok(())
        })?;
    }
    dataset.on_epoch_end()
}

/// The number of steps an epoch runs: `steps` if given (at most the dataset's length when
/// known), else the dataset's length.
pub(crate) fn epoch_steps(
    dataset: &dyn Dataset,
    steps: Option<usize>,
    what: &str,
) -> Result<usize> {
    match (steps, dataset.num_batches()) {
        (Some(0), _) => bail!(what, "steps must be at least 1, got 0"),
        (Some(s), Some(n)) => Ok(s.min(n)),
        (Some(s), None) => Ok(s),
        (None, Some(0)) => bail!(what, "the data holds no batches"),
        (None, Some(n)) => Ok(n),
        (None, None) => bail!(
            what,
            "the dataset's length is unknown: pass the number of steps"
        ),
    }
}

/// Per-sample weights from `class_weight` (`(class, weight)` pairs) and integer or one-hot
/// targets, as Keras's `class_weight` argument.
pub(crate) fn class_weights_to_sample_weights(
    y: &Tensor,
    class_weight: &[(usize, f64)],
) -> Result<Tensor> {
    let labels = if y.rank() == 2 && y.dims()[1] > 1 {
        ops::argmax(y, Some(-1), false)?
    } else if y.rank() == 2 {
        ops::squeeze(y, -1)?
    } else if y.rank() == 1 {
        y.clone()
    } else {
        bail!(
            "fit",
            "class_weight needs targets of rank 1 or 2, got shape {}",
            y.shape()
        );
    };
    let labels = ops::cast(&labels, DType::I64)?.to_vec::<i64>()?;
    let weights = labels
        .iter()
        .map(|&c| {
            class_weight
                .iter()
                .find(|(k, _)| *k as i64 == c)
                .map(|(_, w)| *w as f32)
                .ok_or_else(|| {
                    keras_ops::Error::op("fit", format!("class {c} has no entry in class_weight"))
                })
        })
        .collect::<Result<Vec<f32>>>()?;
    Tensor::from_vec(weights, [labels.len()])
}
