//! `keras.utils.get_file`: download a file once into the Keras cache, check its hash and
//! optionally extract it (tar, tar.gz or zip), plus [`hash_file`], [`validate_file`] and
//! [`extract_archive`].
//!
//! Downloads use `ureq` (HTTPS through rustls with the ring provider when the default
//! `https` feature is on). A download goes to a temporary file next to its target and is
//! renamed into place only once it is complete and its hash matches, so no partial file is
//! ever left under the final name. Extraction likewise goes to a temporary directory that
//! is renamed when complete.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use keras_backend::bail;
use keras_ops::Result;
use md5::Md5;
use sha2::{Digest, Sha256};

/// The hash algorithm of [`GetFileOptions::file_hash`] (Keras's `hash_algorithm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256 when the expected hash has 64 hex digits, else MD5.
    #[default]
    Auto,
    /// SHA-256.
    Sha256,
    /// MD5.
    Md5,
}

impl HashAlgorithm {
    /// The concrete algorithm for `file_hash` (Keras's `resolve_hasher`).
    fn resolve(self, file_hash: Option<&str>) -> HashAlgorithm {
        match self {
            HashAlgorithm::Auto if file_hash.is_some_and(|h| h.len() == 64) => {
                HashAlgorithm::Sha256
            }
            HashAlgorithm::Auto => HashAlgorithm::Md5,
            other => other,
        }
    }
    fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Auto => "auto",
        }
    }
}

/// The optional arguments of [`get_file`], with Keras's defaults.
#[derive(Clone, Debug)]
pub struct GetFileOptions {
    /// Expected SHA-256 or MD5 hex digest of the downloaded file (not of extracted files).
    pub file_hash: Option<String>,
    /// How to read `file_hash`.
    pub hash_algorithm: HashAlgorithm,
    /// Sub-directory of the cache directory (default `"datasets"`); an absolute path is
    /// used as is.
    pub cache_subdir: String,
    /// The cache directory; `None` is `$KERAS_HOME`, else `~/.keras`.
    pub cache_dir: Option<PathBuf>,
    /// Extract the archive (tar, tar.gz or zip) and return the extraction directory.
    pub extract: bool,
    /// Download even when a valid cached file exists.
    pub force_download: bool,
}

impl Default for GetFileOptions {
    fn default() -> Self {
        GetFileOptions {
            file_hash: None,
            hash_algorithm: HashAlgorithm::Auto,
            cache_subdir: "datasets".into(),
            cache_dir: None,
            extract: false,
            force_download: false,
        }
    }
}

/// The Keras home directory: `$KERAS_HOME` if set, else `~/.keras`.
pub fn keras_home() -> PathBuf {
    if let Some(h) = std::env::var_os("KERAS_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".keras")
}

/// Downloads `origin` into the cache unless a cached copy (with a matching hash, when one
/// is given) is already there, and returns its path: `<cache_dir>/<cache_subdir>/<fname>`
/// (`fname` defaults to the last segment of the URL). With `extract`, returns the
/// directory the archive was extracted to, named as Keras names it (`fname` without its
/// extension plus `_extracted`, or `fname` itself when it has none).
///
/// ```no_run
/// use keras::utils::{get_file, GetFileOptions};
/// let path = get_file(
///     Some("mnist.npz"),
///     "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
///     &GetFileOptions {
///         file_hash: Some("731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1".into()),
///         ..Default::default()
///     },
/// )
/// .unwrap();
/// assert!(path.ends_with("datasets/mnist.npz"));
/// ```
pub fn get_file(fname: Option<&str>, origin: &str, options: &GetFileOptions) -> Result<PathBuf> {
    let file_hash = options.file_hash.as_deref();
    let algorithm = options.hash_algorithm.resolve(file_hash);
    let base = options.cache_dir.clone().unwrap_or_else(keras_home);
    let mut datadir = base.join(&options.cache_subdir);
    if fs::create_dir_all(&datadir).is_err() {
        // As Keras does, fall back to a temporary `.keras` when the cache is not writable.
        datadir = std::env::temp_dir()
            .join(".keras")
            .join(&options.cache_subdir);
        if let Err(e) = fs::create_dir_all(&datadir) {
            bail!(
                "get_file",
                "cannot create the cache directory {}: {e}",
                datadir.display()
            );
        }
    }
    let provided = fname.filter(|f| !f.is_empty());
    let name = match provided {
        Some(f) => {
            if f.contains('/') || f.contains('\\') {
                bail!(
                    "get_file",
                    "paths are not accepted as `fname` (use `cache_dir`); got {f:?}"
                );
            }
            if f == "." || f == ".." {
                bail!("get_file", "invalid file name {f:?}");
            }
            f.to_string()
        }
        None => {
            let path = origin
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .split_once("://")
                .map_or("", |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
            let last = path.rsplit('/').next().unwrap_or("");
            if last.is_empty() || last == "." || last == ".." {
                bail!(
                    "get_file",
                    "can't parse the file name from the origin {origin:?}; pass `fname`"
                );
            }
            last.to_string()
        }
    };
    let (download_target, extraction_dir) = if options.extract {
        match (provided.is_some(), name.find('.')) {
            (true, Some(dot)) => (
                datadir.join(&name),
                Some(datadir.join(format!("{}_extracted", &name[..dot]))),
            ),
            _ => (
                datadir.join(format!("{name}_archive")),
                Some(datadir.join(&name)),
            ),
        }
    } else {
        (datadir.join(&name), None)
    };

    let download = options.force_download
        || !download_target.exists()
        || match file_hash {
            Some(h) => {
                let ok = validate_file(&download_target, h, algorithm)?;
                if !ok {
                    eprintln!(
                        "A local file was found, but its {} hash does not match {h}; downloading it again.",
                        algorithm.name()
                    );
                }
                !ok
            }
            None => false,
        };
    if download {
        eprintln!("Downloading data from {origin}");
        download_to(origin, &download_target, file_hash, algorithm)?;
    }
    match extraction_dir {
        Some(dir) => {
            if download || !dir.is_dir() {
                extract_archive(&download_target, &dir)?;
            }
            Ok(dir)
        }
        None => Ok(download_target),
    }
}

/// A fresh temporary path next to `target` (same directory, so renaming is atomic).
fn temp_path_for(target: &Path, what: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{what}-{}-{n}", std::process::id()))
}

/// Removes a temporary file or directory when dropped, unless disarmed.
struct Cleanup(Option<PathBuf>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            if p.is_dir() {
                let _ = fs::remove_dir_all(&p);
            } else {
                let _ = fs::remove_file(&p);
            }
        }
    }
}

/// Downloads `origin` to `target` through a temporary file, checking the length and hash.
fn download_to(
    origin: &str,
    target: &Path,
    file_hash: Option<&str>,
    algorithm: HashAlgorithm,
) -> Result<()> {
    let fail = |msg: String| -> keras_ops::Error {
        keras_ops::Error::op("get_file", format!("URL fetch failure on {origin}: {msg}"))
    };
    let tmp = temp_path_for(target, "part");
    let mut guard = Cleanup(Some(tmp.clone()));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_per_read(Some(std::time::Duration::from_secs(120)))
        .build()
        .into();
    let mut response = agent.get(origin).call().map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!(
            "{} -- {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("HTTP error")
        )));
    }
    let declared = response.body().content_length();
    let mut reader = response.body_mut().as_reader();
    let mut file = File::create(&tmp).map_err(|e| fail(format!("{}: {e}", tmp.display())))?;
    let mut hasher = Hasher::new(algorithm);
    let mut buf = vec![0u8; 1 << 16];
    let mut written = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fail(format!("{e} after {written} bytes"))),
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| fail(format!("{}: {e}", tmp.display())))?;
        written += n as u64;
    }
    if let Some(len) = declared {
        if written != len {
            return Err(fail(format!(
                "the body was truncated: {written} of {len} bytes"
            )));
        }
    }
    file.sync_all()
        .map_err(|e| fail(format!("{}: {e}", tmp.display())))?;
    drop(file);
    if let Some(want) = file_hash {
        let got = hasher.finish();
        if !got.eq_ignore_ascii_case(want.trim()) {
            bail!(
                "get_file",
                "incomplete or corrupted file detected: the {} hash of {origin} is {got}, expected {want}",
                algorithm.name()
            );
        }
    }
    if let Err(e) = fs::rename(&tmp, target) {
        bail!(
            "get_file",
            "cannot move the download to {}: {e}",
            target.display()
        );
    }
    guard.0 = None;
    Ok(())
}

/// An incremental SHA-256 or MD5.
enum Hasher {
    Sha256(Sha256),
    Md5(Md5),
}

impl Hasher {
    fn new(algorithm: HashAlgorithm) -> Hasher {
        match algorithm {
            HashAlgorithm::Md5 => Hasher::Md5(Md5::new()),
            _ => Hasher::Sha256(Sha256::new()),
        }
    }
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Md5(h) => h.update(bytes),
        }
    }
    fn finish(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Md5(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The hex digest of a file (`Auto` means SHA-256 here, as in Keras's `hash_file`).
///
/// ```no_run
/// use keras::utils::{hash_file, HashAlgorithm};
/// let h = hash_file("data.zip", HashAlgorithm::Sha256).unwrap();
/// assert_eq!(h.len(), 64);
/// ```
pub fn hash_file(path: impl AsRef<Path>, algorithm: HashAlgorithm) -> Result<String> {
    let path = path.as_ref();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => bail!("hash_file", "cannot open {}: {e}", path.display()),
    };
    let mut hasher = Hasher::new(algorithm);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => bail!("hash_file", "cannot read {}: {e}", path.display()),
        }
    }
    Ok(hasher.finish())
}

/// Whether the file's hash equals `file_hash` (algorithm `Auto`: SHA-256 for a 64-digit
/// hash, else MD5).
pub fn validate_file(
    path: impl AsRef<Path>,
    file_hash: &str,
    algorithm: HashAlgorithm,
) -> Result<bool> {
    let algorithm = algorithm.resolve(Some(file_hash));
    Ok(hash_file(path, algorithm)?.eq_ignore_ascii_case(file_hash.trim()))
}

/// Extracts a tar, tar.gz or zip archive (detected from its first bytes) into `dir`,
/// replacing what was there. Entries whose path would leave `dir` (absolute paths, `..`)
/// and links make it fail, leaving nothing behind.
///
/// ```no_run
/// keras::utils::extract_archive("flower_photos.tgz", "flower_photos").unwrap();
/// ```
pub fn extract_archive(archive: impl AsRef<Path>, dir: impl AsRef<Path>) -> Result<()> {
    let (archive, dir) = (archive.as_ref(), dir.as_ref());
    let mut head = [0u8; 512];
    let n = {
        let mut f = match File::open(archive) {
            Ok(f) => f,
            Err(e) => bail!("extract_archive", "cannot open {}: {e}", archive.display()),
        };
        read_up_to(&mut f, &mut head)
            .map_err(|e| keras_ops::Error::op("extract_archive", e.to_string()))?
    };
    let head = &head[..n];
    if let Some(parent) = dir.parent() {
        let _ = fs::create_dir_all(parent);
    }
    let tmp = temp_path_for(dir, "extract");
    let mut guard = Cleanup(Some(tmp.clone()));
    if let Err(e) = fs::create_dir_all(&tmp) {
        bail!("extract_archive", "cannot create {}: {e}", tmp.display());
    }
    let what = archive.display().to_string();
    let opened = File::open(archive)
        .map_err(|e| keras_ops::Error::op("extract_archive", format!("{what}: {e}")))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        extract_tar(flate2::read::GzDecoder::new(opened), &tmp, &what)?;
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        extract_zip(opened, &tmp, &what)?;
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        extract_tar(opened, &tmp, &what)?;
    } else {
        bail!(
            "extract_archive",
            "{what} is not a tar, tar.gz or zip archive"
        );
    }
    if dir.exists() {
        let removed = if dir.is_dir() {
            fs::remove_dir_all(dir)
        } else {
            fs::remove_file(dir)
        };
        if let Err(e) = removed {
            bail!("extract_archive", "cannot replace {}: {e}", dir.display());
        }
    }
    if let Err(e) = fs::rename(&tmp, dir) {
        bail!(
            "extract_archive",
            "cannot move the extracted files to {}: {e}",
            dir.display()
        );
    }
    guard.0 = None;
    Ok(())
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `name` as a relative path that stays inside the extraction directory.
fn safe_relative(name: &Path, what: &str) -> Result<Option<PathBuf>> {
    let mut out = PathBuf::new();
    for c in name.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => bail!(
                "extract_archive",
                "{what}: refusing the entry {:?}, whose path leaves the extraction directory",
                name.display().to_string()
            ),
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

fn create_parent(path: &Path, what: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        if let Err(e) = fs::create_dir_all(parent) {
            bail!(
                "extract_archive",
                "{what}: cannot create {}: {e}",
                parent.display()
            );
        }
    }
    Ok(())
}

fn extract_tar(reader: impl Read, dir: &Path, what: &str) -> Result<()> {
    let err = |e: io::Error| keras_ops::Error::op("extract_archive", format!("{what}: {e}"));
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        let kind = entry.header().entry_type();
        let name = entry.path().map_err(err)?.into_owned();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let Some(rel) = safe_relative(&name, what)? else {
            continue;
        };
        let out = dir.join(&rel);
        if kind.is_dir() {
            fs::create_dir_all(&out).map_err(err)?;
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            create_parent(&out, what)?;
            let mut f = File::create(&out).map_err(err)?;
            io::copy(&mut entry, &mut f).map_err(err)?;
        } else if kind.is_symlink() || kind.is_hard_link() {
            bail!(
                "extract_archive",
                "{what}: refusing the link entry {:?} (links are not extracted)",
                name.display().to_string()
            );
        }
        // Other entry types (devices, FIFOs) are skipped.
    }
    Ok(())
}

fn extract_zip(file: File, dir: &Path, what: &str) -> Result<()> {
    let err =
        |e: &dyn std::fmt::Display| keras_ops::Error::op("extract_archive", format!("{what}: {e}"));
    let mut archive = zip::ZipArchive::new(file).map_err(|e| err(&e))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| err(&e))?;
        let name = entry.name().map_err(|e| err(&e))?.into_owned();
        let Some(rel) = safe_relative(Path::new(&name), what)? else {
            continue;
        };
        if entry.is_symlink() {
            bail!(
                "extract_archive",
                "{what}: refusing the link entry {name:?} (links are not extracted)"
            );
        }
        let out = dir.join(&rel);
        if entry.is_dir() {
            fs::create_dir_all(&out).map_err(|e| err(&e))?;
        } else {
            create_parent(&out, what)?;
            let mut f = File::create(&out).map_err(|e| err(&e))?;
            io::copy(&mut entry, &mut f).map_err(|e| err(&e))?;
        }
    }
    Ok(())
}
