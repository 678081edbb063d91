//! [`Logs`]: the named scalar results (`loss`, `accuracy`, `val_loss`, …) passed to callbacks
//! and returned by `evaluate`.

use std::fmt;
use std::ops::Index;

/// Metric values by name, in insertion order (Keras's `logs` dict).
///
/// ```
/// use keras::callbacks::Logs;
/// let mut logs = Logs::new();
/// logs.insert("loss", 0.25);
/// logs.insert("accuracy", 0.9);
/// assert_eq!(logs["loss"], 0.25);
/// assert_eq!(logs.get("val_loss"), None);
/// assert_eq!(logs.keys().collect::<Vec<_>>(), ["loss", "accuracy"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs(Vec<(String, f64)>);

impl Logs {
    /// No entries.
    pub fn new() -> Logs {
        Logs(Vec::new())
    }
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
    /// Sets `key` (in place when present, else appended).
    pub fn insert(&mut self, key: &str, value: f64) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_string(), value)),
        }
    }
    /// Adds a metric result: a scalar under `key`; a vector (such as `F1Score` with
    /// `average=None`) as one entry per element, `key_0`, `key_1`, ….
    pub fn insert_result(
        &mut self,
        key: &str,
        result: &keras_ops::Tensor,
    ) -> keras_ops::Result<()> {
        if result.rank() == 0 {
            self.insert(key, result.item()?);
        } else {
            let values = keras_ops::ops::cast(result, keras_ops::DType::F64)?.to_vec::<f64>()?;
            for (i, v) in values.into_iter().enumerate() {
                self.insert(&format!("{key}_{i}"), v);
            }
        }
        Ok(())
    }
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
    /// The values in order (Keras's `evaluate(return_dict=False)` list).
    pub fn values(&self) -> Vec<f64> {
        self.0.iter().map(|(_, v)| *v).collect()
    }
    /// `(key, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }
    /// The same logs with keys sorted, as Keras hands them to callbacks.
    pub fn sorted(mut self) -> Logs {
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        self
    }
    /// Every entry again with `prefix` before its key (`"val_"`).
    pub fn prefixed(&self, prefix: &str) -> Logs {
        Logs(
            self.0
                .iter()
                .map(|(k, v)| (format!("{prefix}{k}"), *v))
                .collect(),
        )
    }
    /// Adds (or replaces) every entry of `other`.
    pub fn extend(&mut self, other: &Logs) {
        for (k, v) in other.iter() {
            self.insert(k, v);
        }
    }
}

impl Index<&str> for Logs {
    type Output = f64;
    /// Panics when `key` is missing; use [`Logs::get`] for a fallible lookup.
    fn index(&self, key: &str) -> &f64 {
        match self.0.iter().find(|(k, _)| k == key) {
            Some((_, v)) => v,
            None => panic!("no {key:?} in logs {self}"),
        }
    }
}

impl fmt::Display for Logs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        write!(f, "{{{}}}", parts.join(", "))
    }
}

impl<'a> FromIterator<(&'a str, f64)> for Logs {
    fn from_iter<I: IntoIterator<Item = (&'a str, f64)>>(iter: I) -> Self {
        let mut logs = Logs::new();
        for (k, v) in iter {
            logs.insert(k, v);
        }
        logs
    }
}
