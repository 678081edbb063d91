//! [`CSVLogger`]: writes each epoch's logs as a CSV row.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use keras_backend::{Error, Result};

use super::{py_float_repr, Callback, CallbackContext, Logs};

/// Streams epoch results to a CSV file (Keras's `CSVLogger`): a header `epoch,<keys>`
/// with the first epoch's keys sorted (plus `val_<key>` columns when the first epoch has
/// no validation keys), then one row per epoch, with Python's float formatting and `NA`
/// for a missing value. With `append`, rows are added to an existing file (and the
/// header is written only if the file is empty).
///
/// ```
/// use keras::callbacks::CSVLogger;
/// let mut csv = CSVLogger::new("training.log").separator(';').append(true);
/// // model.fit(data, FitArgs::new().callback(&mut csv))?;
/// ```
pub struct CSVLogger {
    filename: PathBuf,
    sep: char,
    append: bool,
    keys: Option<Vec<String>>,
    append_header: bool,
    header_written: bool,
    file: Option<File>,
}

impl CSVLogger {
    /// Logs to `filename`, comma-separated, overwriting it.
    pub fn new(filename: impl AsRef<Path>) -> CSVLogger {
        CSVLogger {
            filename: filename.as_ref().to_path_buf(),
            sep: ',',
            append: false,
            keys: None,
            append_header: true,
            header_written: false,
            file: None,
        }
    }
    /// The field separator (default `,`).
    pub fn separator(mut self, sep: char) -> Self {
        self.sep = sep;
        self
    }
    /// Append to an existing file instead of overwriting it.
    pub fn append(mut self, yes: bool) -> Self {
        self.append = yes;
        self
    }

    fn io_err(&self, e: std::io::Error) -> Error {
        Error::msg(format!("CSVLogger: {}: {e}", self.filename.display()))
    }

    /// A field quoted as Python's `csv` module does (minimal quoting, `"` doubled).
    fn field(&self, s: &str) -> String {
        if s.contains(self.sep) || s.contains('"') || s.contains('\n') || s.contains('\r') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }

    fn write_row(&mut self, fields: &[String]) -> Result<()> {
        let line: Vec<String> = fields.iter().map(|f| self.field(f)).collect();
        let sep = self.sep.to_string();
        let text = format!("{}\r\n", line.join(&sep));
        let res = match self.file.as_mut() {
            Some(f) => f.write_all(text.as_bytes()).and_then(|_| f.flush()),
            None => Ok(()),
        };
        res.map_err(|e| self.io_err(e))
    }
}

impl Callback for CSVLogger {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        let mut opts = OpenOptions::new();
        if self.append {
            self.append_header = match File::open(&self.filename) {
                Ok(f) => {
                    let mut first = String::new();
                    BufReader::new(f)
                        .read_line(&mut first)
                        .map_err(|e| self.io_err(e))?;
                    first.is_empty()
                }
                Err(_) => true,
            };
            opts.append(true).create(true);
        } else {
            self.append_header = true;
            opts.write(true).create(true).truncate(true);
        }
        self.file = Some(opts.open(&self.filename).map_err(|e| self.io_err(e))?);
        self.keys = None;
        self.header_written = false;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        _: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.keys().map(str::to_string).collect();
            keys.sort();
            if !keys.iter().any(|k| k.starts_with("val_")) && !keys.is_empty() {
                let val: Vec<String> = keys.iter().map(|k| format!("val_{k}")).collect();
                keys.extend(val);
            }
            self.keys = Some(keys);
        }
        let keys = self.keys.clone().unwrap_or_default();
        if !self.header_written {
            self.header_written = true;
            if self.append_header {
                let mut header = vec!["epoch".to_string()];
                header.extend(keys.iter().cloned());
                self.write_row(&header)?;
            }
        }
        let mut row = vec![epoch.to_string()];
        row.extend(
            keys.iter()
                .map(|k| logs.get(k).map_or("NA".to_string(), py_float_repr)),
        );
        self.write_row(&row)
    }

    fn on_train_end(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.file = None;
        Ok(())
    }
}
