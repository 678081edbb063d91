//! `keras inspect FILE`: what a `.keras`, `.weights.h5` or legacy `.h5` file stores, read
//! without building the model: a header (format; for model files the model's class and
//! name, the Keras version, backend and save date the file records, and its compile
//! configuration), then one line per weight dataset (path, shape, dtype, and the layer's
//! name where the file records it) and the totals.

use std::path::PathBuf;

use keras::layers::shape_display;
use keras::saving::{inspect_file_bytes, StoredFile, StoredWeight};
use keras::{DType, Error};
use serde_json::Value;

use crate::Outcome;

/// Arguments of `keras inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The file (.keras, .weights.h5 or legacy .h5).
    file: PathBuf,
}

/// Reads the file and prints its header and weights table.
pub(crate) fn run(args: Args) -> Outcome {
    let path = &args.file;
    let bytes = std::fs::read(path)
        .map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
    let stored = inspect_file_bytes(bytes)
        .map_err(|e| Error::msg(format!("{} ({})", e.message(), path.display())))?;
    print!("{}{}", header(&stored), render(&stored.weights));
    Ok(())
}

/// `key: value` lines for what the file records besides its weights.
fn header(f: &StoredFile) -> String {
    let mut lines = vec![("format", f.format.to_string())];
    if let Some(m) = &f.model {
        let name = m
            .name
            .as_deref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default();
        lines.push(("model", format!("{}{name}", m.class_name)));
    }
    let recorded = [
        ("keras_version", &f.keras_version),
        ("backend", &f.backend),
        ("date_saved", &f.date_saved),
    ];
    for (key, value) in recorded {
        if let Some(v) = value {
            lines.push((key, v.clone()));
        }
    }
    if let Some(m) = &f.model {
        let compiled = m
            .compile_config
            .as_ref()
            .map_or("no".to_string(), compile_line);
        lines.push(("compiled", compiled));
    }
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!("{key}: {value}\n"));
    }
    out.push('\n');
    out
}

/// The compile configuration on one line: the optimizer (class and learning rate), then
/// the loss and metrics as compact JSON. Reads Keras 3's `compile_config` (`optimizer`)
/// and legacy `training_config` (`optimizer_config`).
fn compile_line(c: &Value) -> String {
    let opt = if c["optimizer"].is_null() {
        &c["optimizer_config"]
    } else {
        &c["optimizer"]
    };
    let optimizer = match (opt.as_str(), opt["class_name"].as_str()) {
        (Some(name), _) => name.to_string(),
        (None, Some(class)) => match opt["config"]["learning_rate"].as_f64() {
            Some(lr) => format!("{class} (learning_rate {})", lr as f32),
            None => class.to_string(),
        },
        (None, None) => "none".to_string(),
    };
    let mut parts = vec![format!("optimizer {optimizer}")];
    for key in ["loss", "metrics", "weighted_metrics", "loss_weights"] {
        if !c[key].is_null() {
            parts.push(format!("{key} {}", c[key]));
        }
    }
    format!("yes: {}", parts.join(", "))
}

/// The table: aligned columns `path  shape  dtype  layer`, then a totals line.
fn render(weights: &[StoredWeight]) -> String {
    let rows: Vec<[String; 4]> = weights
        .iter()
        .map(|w| {
            [
                w.path.clone(),
                shape_display(&w.shape.iter().map(|&d| Some(d as usize)).collect()),
                w.dtype.clone(),
                w.layer_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["path", "shape", "dtype", "layer"].map(String::from);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let values: u64 = weights
        .iter()
        .map(|w| w.shape.iter().product::<u64>())
        .sum();
    let bytes: u64 = weights
        .iter()
        .map(|w| {
            let size = DType::parse(&w.dtype).map_or(0, |d| d.size_in_bytes() as u64);
            w.shape.iter().product::<u64>() * size
        })
        .sum();
    out.push_str(&format!(
        "{} datasets, {values} values, {bytes} bytes\n",
        weights.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_line_reads_keras3_and_legacy_configs() {
        let keras3 = serde_json::json!({
            "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.009999999776482582}},
            "loss": "mse", "metrics": ["mae"], "weighted_metrics": null,
        });
        assert_eq!(
            compile_line(&keras3),
            r#"yes: optimizer Adam (learning_rate 0.01), loss "mse", metrics ["mae"]"#
        );
        let legacy = serde_json::json!({"optimizer_config": {"class_name": "SGD", "config": {}},
                                        "loss": {"out": "mse"}});
        assert_eq!(
            compile_line(&legacy),
            r#"yes: optimizer SGD, loss {"out":"mse"}"#
        );
        let by_name = serde_json::json!({"optimizer": "rmsprop", "loss": null});
        assert_eq!(compile_line(&by_name), "yes: optimizer rmsprop");
    }

    #[test]
    fn table_aligns_columns_and_totals() {
        let w = |path: &str, shape: Vec<u64>, dtype: &str, layer: Option<&str>| StoredWeight {
            path: path.into(),
            shape,
            dtype: dtype.into(),
            layer_name: layer.map(String::from),
        };
        let text = render(&[
            w("layers/dense/vars/0", vec![3, 4], "float32", Some("hidden")),
            w("optimizer/vars/0", vec![], "int64", None),
            w("x", vec![2], "bfloat16", None),
        ]);
        let want = "\
path                 shape   dtype     layer
layers/dense/vars/0  (3, 4)  float32   hidden
optimizer/vars/0     ()      int64
x                    (2,)    bfloat16
3 datasets, 15 values, 60 bytes
";
        assert_eq!(text, want);
    }
}
