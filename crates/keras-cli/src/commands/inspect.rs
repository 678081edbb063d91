//! `keras inspect FILE`: the weights a `.keras`, `.weights.h5` or legacy `.h5` file stores,
//! one line per dataset (path, shape, dtype, and the layer's name where the file records
//! it), read from the HDF5 groups without building the model.

use std::path::PathBuf;

use keras::layers::shape_display;
use keras::saving::{stored_weights, StoredWeight};
use keras::{DType, Error};

use crate::Outcome;

/// Arguments of `keras inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The file (.keras, .weights.h5 or legacy .h5).
    file: PathBuf,
}

/// Reads the file's weight tree and prints it as a table, then the totals.
pub(crate) fn run(args: Args) -> Outcome {
    let path = &args.file;
    let in_file = |e: Error| Error::msg(format!("{} ({})", e.message(), path.display()));
    let bytes = std::fs::read(path)
        .map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))?;
    let weights = stored_weights(bytes).map_err(in_file)?;
    print!("{}", render(&weights));
    Ok(())
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
    let values: u64 = weights.iter().map(|w| w.shape.iter().product::<u64>()).sum();
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
