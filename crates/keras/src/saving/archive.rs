//! Reading `.keras` archives (zip files) that may be hostile: every member name must be a
//! plain relative path, a member's declared size is checked before it is inflated, and the
//! reading itself stops at that size, so a truncated, corrupt or crafted archive gives an
//! error naming the member instead of a panic or an allocation it cannot justify.

use std::io::{Read, Seek};

use keras_backend::{bail, Error, Result};
use serde_json::Value;
use zip::ZipArchive;

const OP: &str = "load_model";

/// The most a JSON member (`config.json`, `metadata.json`) may hold.
pub(crate) const MAX_JSON_BYTES: u64 = 64 << 20;
/// Keras refuses a member declaring more than this many bytes …
const KERAS_FLOOR: u64 = 4 << 30;
/// … and more than this many times its stored size.
const KERAS_RATIO: u64 = 100;

/// An open `.keras` archive whose member names were checked.
pub(crate) struct KerasArchive<R: Read + Seek> {
    zip: ZipArchive<R>,
}

/// Why a member name is refused: `None` when it is a plain relative path.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.starts_with(['/', '\\']) || name.as_bytes().get(1) == Some(&b':') {
        return Some("it is an absolute path");
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Some("it leaves the archive (`..`)");
    }
    if name.contains('\0') {
        return Some("it contains a NUL byte");
    }
    None
}

/// Keras's guard on a member's declared size: over 4 GiB and 100 times its stored size.
pub(crate) fn check_declared_size(name: &str, declared: u64, stored: u64) -> Result<()> {
    if declared > KERAS_FLOOR && declared > stored.saturating_mul(KERAS_RATIO) {
        bail!(
            OP,
            "archive member {name} declares {declared} bytes from {stored} stored bytes; \
             refusing to inflate it"
        );
    }
    Ok(())
}

impl<R: Read + Seek> KerasArchive<R> {
    /// Opens the zip and checks its member names (no `..`, no absolute paths, no
    /// duplicates, nothing encrypted).
    pub(crate) fn open(reader: R) -> Result<Self> {
        let mut zip = ZipArchive::new(reader)
            .map_err(|e| Error::op(OP, format!("not a readable .keras archive (zip): {e}")))?;
        if zip.has_duplicate_names() {
            bail!(OP, "the archive holds two members with the same name");
        }
        for i in 0..zip.len() {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| Error::op(OP, format!("archive member {i} is unreadable: {e}")))?;
            let name = f.name().map_err(|e| {
                Error::op(
                    OP,
                    format!("archive member {i} has an unreadable name: {e}"),
                )
            })?;
            if let Some(why) = unsafe_name(&name) {
                bail!(OP, "archive member {name:?} is refused: {why}");
            }
            if f.encrypted() {
                bail!(OP, "archive member {name:?} is encrypted");
            }
        }
        Ok(KerasArchive { zip })
    }

    /// Whether the archive has a member `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// The bytes of member `name`: its declared size must pass Keras's guard and stay under
    /// `cap`, and reading stops there whatever the data says.
    fn read(&mut self, name: &str, cap: u64) -> Result<Vec<u8>> {
        let f = self.zip.by_name(name).map_err(|e| {
            Error::op(
                OP,
                format!("the archive has no readable {name} (is it a .keras file?): {e}"),
            )
        })?;
        let declared = f.size();
        check_declared_size(name, declared, f.compressed_size())?;
        if declared > cap {
            bail!(
                OP,
                "archive member {name} declares {declared} bytes, more than the {cap} allowed"
            );
        }
        let mut out = Vec::with_capacity(declared.min(1 << 26) as usize);
        f.take(declared + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::op(OP, format!("cannot read {name} from the archive: {e}")))?;
        if out.len() as u64 != declared {
            bail!(
                OP,
                "archive member {name} declares {declared} bytes but holds {}",
                out.len()
            );
        }
        Ok(out)
    }

    /// Member `name` parsed as JSON (at most [`MAX_JSON_BYTES`]).
    pub(crate) fn json(&mut self, name: &str) -> Result<Value> {
        let bytes = self.read(name, MAX_JSON_BYTES)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::op(OP, format!("{name} is not valid JSON: {e}")))
    }

    /// The `model.weights.h5` member.
    pub(crate) fn weights(&mut self) -> Result<Vec<u8>> {
        self.read("model.weights.h5", u64::MAX)
    }

    /// The most bytes `model.weights.h5` can inflate to: its declared size, but no more
    /// than 1000 times its stored size (0 when absent).
    pub(crate) fn weights_size(&mut self) -> u64 {
        self.zip
            .by_name("model.weights.h5")
            .map(|f| f.size().min(f.compressed_size().saturating_mul(1000)))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_and_sizes() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\x",
            "C:\\x",
            "a\0b",
            "",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?} should be refused");
        }
        for good in ["config.json", "assets/layers/x/vocabulary.txt", "a..b"] {
            assert_eq!(unsafe_name(good), None, "{good:?}");
        }
        check_declared_size("m", 5 << 30, 1 << 30).unwrap();
        check_declared_size("m", 3 << 30, 1).unwrap();
        let err = check_declared_size("m", 5 << 30, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("member m declares"), "{err}");
    }
}
