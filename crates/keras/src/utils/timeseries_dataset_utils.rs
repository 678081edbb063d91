//! `keras.utils.timeseries_dataset_from_array`: sliding windows over a time series, as a
//! [`Dataset`].

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};

use super::dataset_utils::random_seed;
use crate::datasets::np_random::shuffled_indices;
use crate::trainers::{Batch, Dataset};

/// The options of [`timeseries_dataset_from_array`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct TimeseriesOptions {
    /// Steps per output sequence.
    pub sequence_length: usize,
    /// Steps between the starts of consecutive sequences.
    pub sequence_stride: usize,
    /// Steps between consecutive samples of one sequence.
    pub sampling_rate: usize,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Shuffle the sequence starts (NumPy `RandomState(seed)`, as Keras).
    pub shuffle: bool,
    /// The shuffle seed; `None`: random.
    pub seed: Option<u32>,
    /// First step used (default 0).
    pub start_index: Option<usize>,
    /// One past the last step used (default: the data's length).
    pub end_index: Option<usize>,
}

impl TimeseriesOptions {
    /// Keras's defaults for sequences of `sequence_length` steps.
    pub fn new(sequence_length: usize) -> TimeseriesOptions {
        TimeseriesOptions {
            sequence_length,
            sequence_stride: 1,
            sampling_rate: 1,
            batch_size: 128,
            shuffle: false,
            seed: None,
            start_index: None,
            end_index: None,
        }
    }
}

/// Windows of a time series: `x` is `(batch, sequence_length, ...)` and `y` (when targets
/// are given) the target at each window's first step.
#[derive(Debug)]
pub struct TimeseriesDataset {
    data: Tensor,
    targets: Option<Tensor>,
    starts: Vec<usize>,
    sequence_length: usize,
    sampling_rate: usize,
    batch_size: usize,
}

/// Sliding windows over `data` (first axis = time), paired with `targets[i]` for the
/// window starting at step `i` (Keras's `timeseries_dataset_from_array`).
///
/// ```
/// use keras::trainers::Dataset;
/// use keras::utils::{timeseries_dataset_from_array, TimeseriesOptions};
/// let data = keras::Tensor::from_vec((0..10).map(|v| v as f32).collect(), [10]).unwrap();
/// let opts = TimeseriesOptions { batch_size: 2, ..TimeseriesOptions::new(3) };
/// let ds = timeseries_dataset_from_array(&data, None, &opts).unwrap();
/// assert_eq!(ds.len(), 8);
/// let b = ds.get_batch(0).unwrap();
/// assert_eq!(b.x[0].to_vec::<f32>().unwrap(), vec![0., 1., 2., 1., 2., 3.]);
/// ```
pub fn timeseries_dataset_from_array(
    data: &Tensor,
    targets: Option<&Tensor>,
    options: &TimeseriesOptions,
) -> Result<TimeseriesDataset> {
    const OP: &str = "timeseries_dataset_from_array";
    let Some(&len) = data.dims().first() else {
        bail!(OP, "data must have a time axis, got a scalar");
    };
    let o = options;
    let start = o.start_index.unwrap_or(0);
    if start > 0 && start >= len {
        bail!(
            OP,
            "start_index={start} must be lower than the data's length {len}"
        );
    }
    if let Some(end) = o.end_index.filter(|&e| e != 0) {
        if start > 0 && end <= start {
            bail!(
                OP,
                "end_index={end} must be higher than start_index={start}"
            );
        }
        if end >= len {
            bail!(
                OP,
                "end_index={end} must be lower than the data's length {len}"
            );
        }
    }
    if o.sampling_rate == 0 || o.sampling_rate >= len {
        bail!(
            OP,
            "sampling_rate={} must be in [1, {len})",
            o.sampling_rate
        );
    }
    if o.sequence_stride == 0 || o.sequence_stride >= len {
        bail!(
            OP,
            "sequence_stride={} must be in [1, {len})",
            o.sequence_stride
        );
    }
    if o.sequence_length == 0 {
        bail!(OP, "sequence_length must be at least 1");
    }
    if o.batch_size == 0 {
        bail!(OP, "batch_size must be at least 1");
    }
    let end = o.end_index.unwrap_or(len);
    let span = (o.sequence_length - 1).saturating_mul(o.sampling_rate);
    let mut num_seqs = (end as i64 - start as i64 - span as i64).max(0) as usize;
    if let Some(t) = targets {
        num_seqs = num_seqs.min(t.dims().first().copied().unwrap_or(0));
    }
    let mut starts: Vec<usize> = (0..num_seqs).step_by(o.sequence_stride).collect();
    if o.shuffle {
        let seed = o.seed.unwrap_or_else(|| random_seed() as u32);
        let idx = shuffled_indices(starts.len(), seed);
        starts = idx.iter().map(|&i| starts[i]).collect();
    }
    let starts = starts.into_iter().map(|s| s + start).collect();
    Ok(TimeseriesDataset {
        data: data.clone(),
        targets: targets.cloned(),
        starts,
        sequence_length: o.sequence_length,
        sampling_rate: o.sampling_rate,
        batch_size: o.batch_size,
    })
}

impl TimeseriesDataset {
    /// The number of windows.
    pub fn len(&self) -> usize {
        self.starts.len()
    }
    /// Whether there are no windows.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

impl Dataset for TimeseriesDataset {
    fn num_batches(&self) -> Option<usize> {
        Some(self.starts.len().div_ceil(self.batch_size))
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        let from = index * self.batch_size;
        if from >= self.starts.len() {
            bail!(
                "timeseries_dataset_from_array",
                "batch {index} is past the end ({} windows)",
                self.starts.len()
            );
        }
        let starts = &self.starts[from..(from + self.batch_size).min(self.starts.len())];
        let b = starts.len();
        let idx: Vec<i64> = starts
            .iter()
            .flat_map(|&s| {
                (0..self.sequence_length).map(move |k| (s + k * self.sampling_rate) as i64)
            })
            .collect();
        let idx = Tensor::from_vec(idx, [b, self.sequence_length])?;
        let x = ops::take(&self.data, &idx, Some(0))?;
        let y = match &self.targets {
            Some(t) => {
                let ti =
                    Tensor::from_vec(starts.iter().map(|&s| s as i64).collect::<Vec<_>>(), [b])?;
                vec![ops::take(t, &ti, Some(0))?]
            }
            None => vec![],
        };
        Ok(Batch {
            x: vec![x],
            y,
            sample_weight: vec![],
        })
    }
}
