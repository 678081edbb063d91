//! `keras.utils.split_dataset`, and the directory indexing shared by
//! [`image_dataset_from_directory`](super::image_dataset_from_directory) and
//! [`text_dataset_from_directory`](super::text_dataset_from_directory).

use std::path::{Path, PathBuf};

use keras_backend::bail;
use keras_ops::Result;

use crate::datasets::np_random::{shuffled_indices, Mt19937};
use crate::trainers::TensorDataset;

/// A split size: a fraction of the samples in `(0, 1)` or a count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SplitSize {
    /// A fraction of the samples (rounded half to even, as Python's `round`).
    Fraction(f64),
    /// A number of samples.
    Count(usize),
}

/// Splits a dataset's samples into a left and a right part (Keras's `split_dataset`):
/// `left_size` and `right_size` are fractions or counts; a missing one is the rest (both
/// missing is an error). With `shuffle`, the samples are first shuffled with Python's
/// `random.seed(seed); random.shuffle(...)` (a random seed when `None`). The left part
/// is the first `left_size` samples, the right part the last `right_size`.
///
/// ```
/// use keras::trainers::TensorDataset;
/// use keras::utils::{split_dataset, SplitSize};
/// let x = keras::Tensor::from_vec((0..10).map(|v| v as f32).collect(), [10, 1]).unwrap();
/// let ds = TensorDataset::new(vec![x], vec![]).unwrap();
/// let (left, right) = split_dataset(&ds, Some(SplitSize::Fraction(0.8)), None, false, None).unwrap();
/// assert_eq!((left.len(), right.len()), (8, 2));
/// ```
pub fn split_dataset(
    dataset: &TensorDataset,
    left_size: Option<SplitSize>,
    right_size: Option<SplitSize>,
    shuffle: bool,
    seed: Option<u64>,
) -> Result<(TensorDataset, TensorDataset)> {
    let total = dataset.len();
    let (left, right) = split_sizes(left_size, right_size, total)?;
    let mut order: Vec<usize> = (0..total).collect();
    if shuffle {
        let seed = seed.unwrap_or_else(random_seed);
        Mt19937::python(seed).python_shuffle(&mut order);
    }
    Ok((
        dataset.select(&order[..left])?,
        dataset.select(&order[total - right..])?,
    ))
}

/// Keras's `_rescale_dataset_split_sizes`.
fn split_sizes(
    left: Option<SplitSize>,
    right: Option<SplitSize>,
    total: usize,
) -> Result<(usize, usize)> {
    const OP: &str = "split_dataset";
    if left.is_none() && right.is_none() {
        bail!(
            OP,
            "at least one of `left_size` and `right_size` must be given"
        );
    }
    let resolve = |s: Option<SplitSize>, side: &str| -> Result<Option<usize>> {
        match s {
            None => Ok(None),
            Some(SplitSize::Count(c)) if c == 0 || c >= total => bail!(
                OP,
                "`{side}_size` should be a positive count smaller than {total} or a fraction in (0, 1); got {c}"
            ),
            Some(SplitSize::Fraction(f)) if !(f > 0.0 && f < 1.0) => bail!(
                OP,
                "`{side}_size` should be a positive count smaller than {total} or a fraction in (0, 1); got {f}"
            ),
            Some(SplitSize::Count(c)) => Ok(Some(c)),
            Some(SplitSize::Fraction(f)) => Ok(Some(round_half_even(f * total as f64))),
        }
    };
    if let (Some(SplitSize::Fraction(a)), Some(SplitSize::Fraction(b))) = (left, right) {
        if a + b > 1.0 {
            bail!(
                OP,
                "the sum of `left_size` and `right_size` ({}) is greater than 1",
                a + b
            );
        }
    }
    let (l, r) = (resolve(left, "left")?, resolve(right, "right")?);
    let (l, r) = match (l, r) {
        (Some(l), Some(r)) => (l, r),
        (Some(l), None) => (l, total.saturating_sub(l)),
        (None, Some(r)) => (total.saturating_sub(r), r),
        (None, None) => unreachable!("checked above"),
    };
    if l + r > total {
        bail!(
            OP,
            "left_size + right_size = {} is more than the {total} samples",
            l + r
        );
    }
    if l == 0 || r == 0 {
        bail!(
            OP,
            "with {total} samples, left_size={l} and right_size={r} leave one side empty"
        );
    }
    Ok((l, r))
}

/// Python's `round` (half to even).
fn round_half_even(x: f64) -> usize {
    let r = x.round();
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    };
    r.max(0.0) as usize
}

/// A seed for an unseeded shuffle (Keras draws `np.random.randint(1e6)`).
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish() % 1_000_000
}

/// How the samples of a directory are labelled.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Labels {
    /// From the sub-directory names, in sorted order (or `class_names`' order).
    #[default]
    Inferred,
    /// One integer label per file, in the sorted order of the file paths.
    Explicit(Vec<i64>),
    /// No labels.
    None,
}

/// How labels are encoded in the batches (Keras's `label_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelMode {
    /// `int32 (batch,)`.
    #[default]
    Int,
    /// One-hot `float32 (batch, num_classes)`.
    Categorical,
    /// `float32 (batch, 1)` of 0 and 1 (exactly two classes).
    Binary,
    /// No labels.
    None,
}

/// Which part of a `validation_split` to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subset {
    /// The first `1 - validation_split` of the (shuffled) files.
    Training,
    /// The last `validation_split` of the files.
    Validation,
}

/// The indexed files of a directory: paths, labels and class names.
pub(crate) struct Index {
    pub paths: Vec<PathBuf>,
    pub labels: Option<Vec<i64>>,
    pub class_names: Vec<String>,
}

/// Keras's `index_directory`: files with one of `extensions` (lower-case, with the dot)
/// under `dir` (or its class sub-directories), sorted, then shuffled with NumPy's
/// `RandomState(seed)` when `seed` is given.
pub(crate) fn index_directory(
    dir: &Path,
    labels: &Labels,
    extensions: &[&str],
    class_names: Option<&[String]>,
    seed: Option<u32>,
    op: &str,
) -> Result<Index> {
    if !dir.is_dir() {
        bail!(op, "{} is not a directory", dir.display());
    }
    let subdirs: Vec<String> = match labels {
        Labels::Inferred => {
            let mut found: Vec<String> = read_dir_sorted(dir, op)?
                .into_iter()
                .filter(|p| p.is_dir())
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| !n.starts_with('.'))
                .collect();
            if let Some(names) = class_names {
                if let Some(bad) = names.iter().find(|n| !found.contains(n)) {
                    bail!(
                        op,
                        "class_names must be sub-directories of {}: {bad:?} is not (found {found:?})",
                        dir.display()
                    );
                }
                found = names.to_vec();
            }
            found
        }
        _ => {
            if class_names.is_some() {
                bail!(op, "`class_names` can only be given with inferred labels");
            }
            vec![String::new()]
        }
    };
    let mut paths = Vec::new();
    let mut inferred = Vec::new();
    for (class, sub) in subdirs.iter().enumerate() {
        let root = if sub.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(sub)
        };
        let mut files = Vec::new();
        walk(&root, extensions, &mut files, op)?;
        inferred.extend(std::iter::repeat_n(class as i64, files.len()));
        paths.extend(files);
    }
    let (mut labels, class_names) = match labels {
        Labels::Inferred => (Some(inferred), subdirs),
        Labels::None => (None, Vec::new()),
        Labels::Explicit(l) => {
            if l.len() != paths.len() {
                bail!(
                    op,
                    "{} labels were given for {} files in {}",
                    l.len(),
                    paths.len(),
                    dir.display()
                );
            }
            let mut names: Vec<i64> = l.clone();
            names.sort_unstable();
            names.dedup();
            (
                Some(l.clone()),
                names.iter().map(|v| v.to_string()).collect(),
            )
        }
    };
    if let Some(seed) = seed {
        let idx = shuffled_indices(paths.len(), seed);
        paths = idx.iter().map(|&i| paths[i].clone()).collect();
        if let Some(l) = &mut labels {
            *l = idx.iter().map(|&i| l[i]).collect();
        }
    }
    Ok(Index {
        paths,
        labels,
        class_names,
    })
}

fn read_dir_sorted(dir: &Path, op: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => bail!(op, "cannot list {}: {e}", dir.display()),
    };
    let mut out: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    Ok(out)
}

/// Files under `root` with an allowed extension: directories visited in sorted order,
/// files sorted by name within each (symbolic links are not followed).
fn walk(root: &Path, extensions: &[&str], out: &mut Vec<PathBuf>, op: &str) -> Result<()> {
    let mut dirs = vec![root.to_path_buf()];
    let mut all_dirs = Vec::new();
    while let Some(d) = dirs.pop() {
        for p in read_dir_sorted(&d, op)? {
            let is_real_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
            if is_real_dir {
                dirs.push(p);
            }
        }
        all_dirs.push(d);
    }
    all_dirs.sort_by_key(|p| p.to_string_lossy().into_owned());
    for d in all_dirs {
        for p in read_dir_sorted(&d, op)? {
            let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase());
            if p.is_file() && name.is_some_and(|n| extensions.iter().any(|e| n.ends_with(e))) {
                out.push(p);
            }
        }
    }
    Ok(())
}

/// Keras's `check_validation_split_arg` and `get_training_or_validation_split`: the
/// range of samples kept.
pub(crate) fn split_range(
    n: usize,
    validation_split: Option<f64>,
    subset: Option<Subset>,
    op: &str,
) -> Result<std::ops::Range<usize>> {
    let vs = validation_split.filter(|&v| v != 0.0);
    match (vs, subset) {
        (None, None) => Ok(0..n),
        (Some(v), Some(s)) => {
            if !(v > 0.0 && v < 1.0) {
                bail!(op, "`validation_split` must be between 0 and 1, got {v}");
            }
            let val = (v * n as f64) as usize;
            Ok(match s {
                Subset::Training => 0..n - val,
                Subset::Validation => n - val..n,
            })
        }
        _ => bail!(
            op,
            "if `subset` is set, `validation_split` must be set, and inversely"
        ),
    }
}
