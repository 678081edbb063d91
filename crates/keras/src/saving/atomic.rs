//! Atomic file writes: a temporary file in the target's directory, flushed to disk, then
//! renamed over the target, so a reader (or a crash) sees the old file or the new one,
//! never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use keras_backend::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary sibling of `path`: `.{file name}.{pid}.{n}.tmp`.
fn temp_sibling(path: &Path) -> Result<PathBuf> {
    let Some(name) = path.file_name() else {
        return Err(Error::msg(format!(
            "cannot write to {}: it names no file",
            path.display()
        )));
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(tmp))
}

/// Writes `bytes` to `path` atomically: temporary file in the same directory, `fsync`,
/// rename, then (on Unix) `fsync` of the directory. The directory must exist.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("keras_atomic_doc_{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// keras::saving::write_atomic(&dir.join("a.txt"), b"hello").unwrap();
/// assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"hello");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let context = |e: std::io::Error| Error::msg(format!("cannot write {}: {e}", path.display()));
    if path.is_dir() {
        return Err(Error::msg(format!(
            "cannot write {}: it is an existing directory; give a file path",
            path.display()
        )));
    }
    let tmp = temp_sibling(path)?;
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(context(e));
    }
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Copies `from` to `to` atomically (see [`write_atomic`]).
pub(crate) fn copy_atomic(from: &Path, to: &Path) -> Result<()> {
    let bytes =
        fs::read(from).map_err(|e| Error::msg(format!("cannot read {}: {e}", from.display())))?;
    write_atomic(to, &bytes)
}
