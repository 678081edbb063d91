//! TensorBoard event files: TFRecord framing (length, masked CRC-32C, data, masked CRC-32C)
//! around hand-encoded `tensorflow.Event` protos holding scalar `Summary` values, and a
//! reader for them.
//!
//! ```
//! use keras::callbacks::tfevents::{read_events, EventWriter};
//! let dir = std::env::temp_dir().join(format!("tfevents_doc_{}", std::process::id()));
//! let mut w = EventWriter::create(&dir).unwrap();
//! w.add_scalar("epoch_loss", 0.5, 0).unwrap();
//! w.flush().unwrap();
//! let events = read_events(w.path()).unwrap();
//! assert_eq!(events[0].file_version.as_deref(), Some("brain.Event:2"));
//! assert_eq!(events[1].scalars, vec![("epoch_loss".to_string(), 0.5)]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use keras_backend::{bail, Error, Result};

const CRC32C_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32C (Castagnoli), as TFRecord uses.
///
/// ```
/// assert_eq!(keras::callbacks::tfevents::crc32c(b"123456789"), 0xE306_9283);
/// ```
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc = CRC32C_TABLE[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// TFRecord's masked CRC: rotated right by 15 bits plus a constant.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let c = crc32c(data);
    c.rotate_right(15).wrapping_add(0xA282_EAD8)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, ((field as u64) << 3) | wire as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(out, field, 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// An `Event` with `wall_time`, `step` and either `file_version` or a scalar summary.
fn encode_event(
    wall_time: f64,
    step: i64,
    file_version: Option<&str>,
    scalars: &[(&str, f32)],
) -> Vec<u8> {
    let mut e = Vec::new();
    key(&mut e, 1, 1);
    e.extend_from_slice(&wall_time.to_le_bytes());
    if step != 0 {
        key(&mut e, 2, 0);
        varint(&mut e, step as u64);
    }
    if let Some(v) = file_version {
        bytes_field(&mut e, 3, v.as_bytes());
    }
    if !scalars.is_empty() {
        let mut summary = Vec::new();
        for (tag, value) in scalars {
            let mut v = Vec::new();
            bytes_field(&mut v, 1, tag.as_bytes());
            key(&mut v, 2, 5);
            v.extend_from_slice(&value.to_le_bytes());
            bytes_field(&mut summary, 1, &v);
        }
        bytes_field(&mut e, 5, &summary);
    }
    e
}

/// One TFRecord: `u64` length, masked CRC of the length, data, masked CRC of the data.
fn record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    out
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes one event file (`events.out.tfevents.<time>.<host>.<pid>.<n>.v2`) in a
/// directory, as `tf.summary.create_file_writer` does.
pub struct EventWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl EventWriter {
    /// Creates `dir` if needed and a new event file in it, starting with the
    /// `brain.Event:2` version record.
    pub fn create(dir: impl AsRef<Path>) -> Result<EventWriter> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::msg(format!("TensorBoard: cannot create {}: {e}", dir.display()))
        })?;
        let t = now();
        let name = format!(
            "events.out.tfevents.{}.{}.{}.{}.v2",
            t as u64,
            hostname(),
            std::process::id(),
            FILE_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| {
            Error::msg(format!(
                "TensorBoard: cannot create {}: {e}",
                path.display()
            ))
        })?;
        let mut w = EventWriter {
            path,
            out: BufWriter::new(file),
        };
        w.write(&encode_event(t, 0, Some("brain.Event:2"), &[]))?;
        w.flush()?;
        Ok(w)
    }
    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
    fn write(&mut self, event: &[u8]) -> Result<()> {
        self.out
            .write_all(&record(event))
            .map_err(|e| Error::msg(format!("TensorBoard: {}: {e}", self.path.display())))
    }
    /// Appends a scalar summary (stored as float32 `simple_value`).
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: i64) -> Result<()> {
        self.write(&encode_event(now(), step, None, &[(tag, value as f32)]))
    }
    /// Writes buffered events to the file.
    pub fn flush(&mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| Error::msg(format!("TensorBoard: {}: {e}", self.path.display())))
    }
}

/// One decoded event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    /// The global step.
    pub step: i64,
    /// The `file_version` of the first event (`"brain.Event:2"`).
    pub file_version: Option<String>,
    /// The summary's `(tag, simple_value)` pairs.
    pub scalars: Vec<(String, f32)>,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.b.get(self.i) else {
                bail!("tfevents", "truncated varint");
            };
            self.i += 1;
            v |= ((byte & 0x7F) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        bail!("tfevents", "varint too long")
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.i.checked_add(n).filter(|&e| e <= self.b.len());
        let Some(end) = end else {
            bail!("tfevents", "truncated field");
        };
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }
    /// The next `(field, wire type, payload)`; varints come back as 8 LE bytes.
    fn field(&mut self) -> Result<(u64, u8, Vec<u8>)> {
        let k = self.varint()?;
        let (field, wire) = (k >> 3, (k & 7) as u8);
        let payload = match wire {
            0 => self.varint()?.to_le_bytes().to_vec(),
            1 => self.take(8)?.to_vec(),
            2 => {
                let n = self.varint()? as usize;
                self.take(n)?.to_vec()
            }
            5 => self.take(4)?.to_vec(),
            w => bail!("tfevents", "unsupported wire type {w}"),
        };
        Ok((field, wire, payload))
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
}

fn decode_event(data: &[u8]) -> Result<Event> {
    let mut ev = Event::default();
    let mut r = Reader { b: data, i: 0 };
    while !r.done() {
        let (field, wire, p) = r.field()?;
        match (field, wire) {
            (1, 1) => ev.wall_time = f64::from_le_bytes(p[..8].try_into().expect("8 bytes")),
            (2, 0) => ev.step = u64::from_le_bytes(p[..8].try_into().expect("8 bytes")) as i64,
            (3, 2) => ev.file_version = Some(String::from_utf8_lossy(&p).into_owned()),
            (5, 2) => {
                let mut s = Reader { b: &p, i: 0 };
                while !s.done() {
                    let (f, w, value) = s.field()?;
                    if (f, w) != (1, 2) {
                        continue;
                    }
                    let mut v = Reader { b: &value, i: 0 };
                    let (mut tag, mut x) = (String::new(), None);
                    while !v.done() {
                        match v.field()? {
                            (1, 2, t) => tag = String::from_utf8_lossy(&t).into_owned(),
                            (2, 5, b) => {
                                x = Some(f32::from_le_bytes(b[..4].try_into().expect("4 bytes")))
                            }
                            _ => {}
                        }
                    }
                    if let Some(x) = x {
                        ev.scalars.push((tag, x));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(ev)
}

/// Reads every event of a TFRecord event file, checking both CRCs of every record.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<Event>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::msg(format!("tfevents: cannot read {}: {e}", path.display())))?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(head) = bytes.get(i..i + 12) else {
            bail!("tfevents", "truncated record header at byte {i}");
        };
        let len_bytes = &head[..8];
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes")) as usize;
        let crc = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes"));
        if crc != masked_crc32c(len_bytes) {
            bail!("tfevents", "bad length CRC at byte {i}");
        }
        let start = i + 12;
        let Some(data) = start.checked_add(len).and_then(|e| bytes.get(start..e)) else {
            bail!("tfevents", "truncated record at byte {i}");
        };
        let Some(crc) = bytes.get(start + len..start + len + 4) else {
            bail!("tfevents", "truncated record CRC at byte {i}");
        };
        if u32::from_le_bytes(crc.try_into().expect("4 bytes")) != masked_crc32c(data) {
            bail!("tfevents", "bad data CRC at byte {i}");
        }
        out.push(decode_event(data)?);
        i = start + len + 4;
    }
    Ok(out)
}
