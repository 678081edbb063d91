//! Automatic names, as Keras's `auto_name`: the class name in snake_case plus a process-wide
//! counter (`dense`, `dense_1`, `dense_2`, …) that [`clear_session`] resets.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn counters() -> &'static Mutex<HashMap<String, usize>> {
    static COUNTERS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    COUNTERS.get_or_init(Default::default)
}

/// `"Conv2DTranspose"` → `"conv2d_transpose"`, `"GRU"` → `"gru"`, as Keras's `to_snake_case`.
///
/// ```
/// assert_eq!(keras::utils::naming::to_snake_case("Conv2DTranspose"), "conv2d_transpose");
/// assert_eq!(keras::utils::naming::to_snake_case("BatchNormalization"), "batch_normalization");
/// ```
pub fn to_snake_case(name: &str) -> String {
    // Keras: re.sub("(.)([A-Z][a-z]+)", r"\1_\2"), then re.sub("([a-z])([A-Z])", r"\1_\2"), lower.
    let c: Vec<char> = name.chars().collect();
    let mut first = String::new();
    for i in 0..c.len() {
        let starts_word = i > 0
            && c[i].is_ascii_uppercase()
            && c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        if starts_word && !first.ends_with('_') {
            first.push('_');
        }
        first.push(c[i]);
    }
    let c: Vec<char> = first.chars().collect();
    let mut out = String::new();
    for i in 0..c.len() {
        if i > 0 && c[i].is_ascii_uppercase() && c[i - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.push(c[i]);
    }
    out.to_lowercase()
}

/// A fresh unique name for `prefix`: `prefix` the first time, then `prefix_1`, `prefix_2`, ….
///
/// ```
/// use keras::utils::naming::uniquify;
/// let a = uniquify("doc_example_layer");
/// let b = uniquify("doc_example_layer");
/// assert_eq!((a.as_str(), b.as_str()), ("doc_example_layer", "doc_example_layer_1"));
/// ```
pub fn uniquify(prefix: &str) -> String {
    let mut map = counters().lock().unwrap_or_else(|p| p.into_inner());
    let n = map.entry(prefix.to_string()).or_insert(0);
    let name = if *n == 0 {
        prefix.to_string()
    } else {
        format!("{prefix}_{n}")
    };
    *n += 1;
    name
}

/// A fresh name for an object of class `class_name` (`"Dense"` → `"dense"`, `"dense_1"`, …).
pub fn auto_name(class_name: &str) -> String {
    uniquify(&to_snake_case(class_name))
}

/// Resets the name counters, as `keras.backend.clear_session()` does.
pub fn clear_session() {
    counters().lock().unwrap_or_else(|p| p.into_inner()).clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_like_keras() {
        for (c, s) in [
            ("Dense", "dense"),
            ("Conv2D", "conv2d"),
            ("MaxPooling2D", "max_pooling2d"),
            ("GlobalAveragePooling1D", "global_average_pooling1d"),
            ("InputLayer", "input_layer"),
            ("LSTM", "lstm"),
            ("PReLU", "p_re_lu"),
            ("ReLU", "re_lu"),
            ("UpSampling2D", "up_sampling2d"),
            ("EinsumDense", "einsum_dense"),
        ] {
            assert_eq!(to_snake_case(c), s, "{c}");
        }
    }
}
