//! Whole-model `.keras` archives (`model.save`): a zip of `metadata.json`, `config.json`
//! and `model.weights.h5`, all stored uncompressed, as Keras 3 writes them.

use std::io::{Cursor, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use keras_backend::{bail, Error, Result};
use serde_json::{json, Map, Value};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::archive::KerasArchive;
use super::atomic::write_atomic;
use super::registry::serialize_layer;
use super::weights_h5::weights_to_bytes;
use crate::layers::Layer;
use crate::optimizers::Optimizer;
use crate::trainers::CompileArgs;

/// The Keras version written to `metadata.json` (the version whose format this follows).
pub const KERAS_VERSION: &str = "3.15.1";

const OP: &str = "save_model";

/// `YYYY-MM-DD@HH:MM:SS` (UTC), Keras's `date_saved` format.
fn date_saved() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}@{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The `config.json` object of a model: its object dict (see
/// [`serialize_layer`](super::serialize_layer)) with Keras's `compile_config`: `{}` without
/// an optimizer, else the optimizer's dict followed by the arguments the model was compiled
/// with (Keras's defaults when it never was).
pub(crate) fn serialize_model(model: &dyn Layer, optimizer: Option<&Optimizer>) -> Result<Value> {
    let mut config = serialize_layer(model);
    let compile_config = match optimizer {
        None => Map::new(),
        Some(opt) => {
            let mut c = Map::new();
            c.insert("optimizer".into(), opt.to_json());
            c.extend(
                model
                    .base()
                    .compile_config()
                    .unwrap_or_else(|| CompileArgs::new().config_tail()),
            );
            c
        }
    };
    if let Value::Object(map) = &mut config {
        map.insert("compile_config".into(), Value::Object(compile_config));
    }
    Ok(config)
}

/// The `.keras` archive of `model` (and `optimizer`'s variables, when given) as bytes.
pub fn model_to_keras_bytes(model: &dyn Layer, optimizer: Option<&Optimizer>) -> Result<Vec<u8>> {
    let metadata = json!({"keras_version": KERAS_VERSION, "date_saved": date_saved()});
    let config = serialize_model(model, optimizer)?;
    let weights = weights_to_bytes(model, optimizer)?;
    let zip_err = |e: zip::result::ZipError| Error::op(OP, format!("cannot write the zip: {e}"));
    let io_err = |e: std::io::Error| Error::op(OP, format!("cannot write the zip: {e}"));
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, data) in [
        ("metadata.json", metadata.to_string().into_bytes()),
        ("config.json", config.to_string().into_bytes()),
        ("model.weights.h5", weights),
    ] {
        z.start_file(name, opts).map_err(zip_err)?;
        z.write_all(&data).map_err(io_err)?;
    }
    Ok(z.finish().map_err(zip_err)?.into_inner())
}

/// Saves the whole model to a Keras `.keras` archive (config, weights and, when given,
/// the optimizer's variables and the compile config), atomically. Load it back with
/// [`load_model`](crate::models::load_model).
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let path = std::env::temp_dir().join(format!("doc_{}.keras", std::process::id()));
/// keras::saving::save_model(&m, None, &path).unwrap();
/// keras::saving::load_weights(&m, None, &path).unwrap(); // the weights inside
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn save_model(
    model: &dyn Layer,
    optimizer: Option<&Optimizer>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    if !path.to_string_lossy().ends_with(".keras") {
        bail!(
            OP,
            "the filename must end in `.keras`, got {}",
            path.display()
        );
    }
    write_atomic(path, &model_to_keras_bytes(model, optimizer)?)
}

/// The `model.weights.h5` member of a `.keras` archive given as bytes: the model's weights
/// (and optimizer variables) as a `.weights.h5` file, read with the archive's safety
/// checks.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let archive = keras::saving::model_to_keras_bytes(&m, None).unwrap();
/// let weights = keras::saving::keras_weights_member(archive).unwrap();
/// keras::saving::load_weights_from_bytes(&m, None, weights).unwrap();
/// ```
pub fn keras_weights_member(bytes: Vec<u8>) -> Result<Vec<u8>> {
    KerasArchive::open(Cursor::new(bytes))?.weights()
}
