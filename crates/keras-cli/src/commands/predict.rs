//! `keras predict MODEL --input X.npy … [--output Y.npy …]`: the model's outputs on `.npy`
//! inputs (Keras's `model.predict`), written as `.npy` files or printed as NumPy prints
//! arrays.
//!
//! Outputs go, in the model's output order, to the `--output` paths given once per output;
//! a single `--output Y.npy` for a model with several outputs writes `Y.out0.npy`,
//! `Y.out1.npy`, … (the naming of the interop corpus); no `--output` prints them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use keras::layers::{shape_display, LayerExt, ShapeSpec};
use keras::models::LoadedModel;
use keras::trainers::{PredictArgs, TrainerExt};
use keras::{Error, Result, Tensor};

use crate::model::{self, InputPort};
use crate::{npy, CliError, Outcome};

/// Arguments of `keras predict`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model file (.keras or legacy .h5).
    model: PathBuf,
    /// An input array (.npy), once per model input, in the model's input order. It is cast
    /// to the dtype the model's Input declares when no value changes by it.
    #[arg(long = "input", short = 'i', value_name = "X.npy", required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the outputs (.npy): once per model output, in the model's output
    /// order, or once for all (Y.npy gives Y.out0.npy, Y.out1.npy, …). Without it the
    /// outputs are printed. bfloat16 outputs are written as float32 (NumPy has no bfloat16).
    #[arg(long = "output", short = 'o', value_name = "Y.npy", value_parser = npy_path)]
    outputs: Vec<PathBuf>,
    /// Samples per batch.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = positive)]
    batch_size: usize,
}

/// A path ending in `.npy` (clap value parser).
fn npy_path(s: &str) -> std::result::Result<PathBuf, String> {
    if s.ends_with(".npy") {
        Ok(PathBuf::from(s))
    } else {
        Err(format!("{s:?} does not end in .npy"))
    }
}

/// A count of at least 1 (clap value parser).
fn positive(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is not a positive integer")),
    }
}

/// Loads the model, reads and checks the inputs, predicts and writes (or prints) the
/// outputs.
pub(crate) fn run(args: Args) -> Outcome {
    let mut seen = HashSet::new();
    if let Some(dup) = args.outputs.iter().find(|p| !seen.insert(*p)) {
        return Err(CliError::Usage(format!(
            "--output {} is given twice",
            dup.display()
        )));
    }
    let model = model::load(&args.model, false)?;
    let what = format!("model {:?}", model.name());
    let declared = model::output_names(&model);
    if let Some(names) = &declared {
        destinations(&what, names, &args.outputs)?;
    }
    let x = read_inputs(&model, &args.inputs)?;
    let y = model.predict(x, PredictArgs::new().batch_size(args.batch_size).verbose(0))?;
    let names = match declared {
        Some(names) if names.len() == y.len() => names,
        Some(names) => {
            return Err(Error::msg(format!(
                "{what} gave {} outputs but declares {}",
                y.len(),
                names.len()
            ))
            .into())
        }
        None => (0..y.len()).map(|i| format!("output {i}")).collect(),
    };
    let paths = destinations(&what, &names, &args.outputs)?;
    if paths.is_empty() {
        for (i, (name, t)) in names.iter().zip(&y).enumerate() {
            println!("output {i} ({name}): {}\n{t}", describe(t));
        }
        return Ok(());
    }
    for (path, t) in paths.iter().zip(&y) {
        npy::write(path, t)?;
        println!("{}: {}", path.display(), describe(t));
    }
    Ok(())
}

/// `float32 (2, 3)`.
fn describe(t: &Tensor) -> String {
    let shape: ShapeSpec = t.dims().iter().map(|&d| Some(d)).collect();
    format!("{} {}", t.dtype(), shape_display(&shape))
}

/// The files the outputs `names` go to: the `given` paths, one per output; `Y.out0.npy`,
/// `Y.out1.npy`, … for a single `Y.npy` and several outputs; none (print them) when none
/// are given.
fn destinations(what: &str, names: &[String], given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    match given {
        [one] if names.len() > 1 => {
            let stem = one.to_string_lossy();
            let stem = stem.strip_suffix(".npy").unwrap_or(&stem);
            Ok((0..names.len())
                .map(|i| PathBuf::from(format!("{stem}.out{i}.npy")))
                .collect())
        }
        _ => {
            if !given.is_empty() {
                check_count(what, "output", names, given.len())?;
            }
            Ok(given.to_vec())
        }
    }
}

/// An error unless `given` paths were given for the model's `names`.
fn check_count(what: &str, kind: &str, names: &[String], given: usize) -> Result<()> {
    if names.len() == given {
        return Ok(());
    }
    let plural = if names.len() == 1 { "" } else { "s" };
    Err(Error::msg(format!(
        "{what} has {} {kind}{plural} ({}) but {given} --{kind} paths were given",
        names.len(),
        names.join(", ")
    )))
}

/// The inputs, checked against the model's (count, shape, dtype) when it declares them
/// and against each other (the same number of samples).
fn read_inputs(model: &LoadedModel, paths: &[PathBuf]) -> Result<Vec<Tensor>> {
    let ports = model::inputs(model);
    if let Some(ports) = &ports {
        let names: Vec<String> = ports.iter().map(|p| p.name.clone()).collect();
        check_count(
            &format!("model {:?}", model.name()),
            "input",
            &names,
            paths.len(),
        )?;
    }
    let mut out = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        let t = npy::read(path)?;
        let t = match ports.as_ref().map(|p| &p[i]) {
            Some(port) => fit(port, path, t)?,
            None => t,
        };
        if t.rank() == 0 {
            return Err(Error::msg(format!(
                "{} holds a scalar; inputs need a batch dimension",
                path.display()
            )));
        }
        if let Some(first) = out.first().map(|f: &Tensor| f.dims()[0]) {
            if t.dims()[0] != first {
                return Err(Error::msg(format!(
                    "{} has {} samples but {} has {first}; every input needs the same number",
                    path.display(),
                    t.dims()[0],
                    paths[0].display()
                )));
            }
        }
        out.push(t);
    }
    Ok(out)
}

/// `t` checked against the shape `port` accepts and cast to its dtype.
fn fit(port: &InputPort, path: &Path, t: Tensor) -> Result<Tensor> {
    let want: &ShapeSpec = &port.spec.shape;
    let fits = want.len() == t.rank()
        && want
            .iter()
            .zip(t.dims())
            .all(|(w, &d)| w.is_none_or(|w| w == d));
    if !fits {
        let got: ShapeSpec = t.dims().iter().map(|&d| Some(d)).collect();
        return Err(Error::msg(format!(
            "{} has shape {} but input {:?} takes {}",
            path.display(),
            shape_display(&got),
            port.name,
            shape_display(want)
        )));
    }
    npy::cast_exact(&t, port.spec.dtype).map_err(|why| {
        Error::msg(format!(
            "{} holds {} but input {:?} takes {}: {why}",
            path.display(),
            t.dtype(),
            port.name,
            port.spec.dtype
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn outputs_go_to_given_suffixed_or_no_files() {
        let one = ["y".to_string()];
        let three = ["a", "b", "c"].map(String::from);
        assert_eq!(
            destinations("m", &one, &paths(&["out.npy"])).unwrap(),
            paths(&["out.npy"])
        );
        assert_eq!(
            destinations("m", &three, &paths(&["d/y.npy"])).unwrap(),
            paths(&["d/y.out0.npy", "d/y.out1.npy", "d/y.out2.npy"])
        );
        assert_eq!(
            destinations("m", &three, &paths(&["1.npy", "2.npy", "3.npy"])).unwrap(),
            paths(&["1.npy", "2.npy", "3.npy"])
        );
        assert!(destinations("m", &three, &[]).unwrap().is_empty());
        let err = destinations("model \"m\"", &three, &paths(&["1.npy", "2.npy"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "model \"m\" has 3 outputs (a, b, c) but 2 --output paths were given"
        );
        assert!(destinations("m", &one, &paths(&["1.npy", "2.npy"])).is_err());
    }
}
