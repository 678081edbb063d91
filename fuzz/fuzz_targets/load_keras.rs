//! Fuzzes `keras::models::load_model_from_bytes`, which recognises a `.keras` archive (zip)
//! or a legacy `.h5` file from the bytes, with and without compiling.
//!
//! A mutated zip member almost always fails its CRC-32 check, so the parsers inside (the
//! JSON config, the HDF5 weights) would rarely be reached. The input is therefore also
//! re-zipped with fresh checksums and loaded again: the mutations then reach
//! `config.json` and `model.weights.h5` themselves.

#![no_main]

use std::io::{Cursor, Read, Write};

use keras::models::{load_model_from_bytes, LoadOptions};
use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The most bytes one member may inflate to while re-zipping (the input is at most a few
/// hundred KiB, so this only bounds a zip bomb in the harness itself).
const MEMBER_CAP: u64 = 16 << 20;

fn load(bytes: &[u8]) {
    for compile in [true, false] {
        let options = LoadOptions {
            compile,
            ..LoadOptions::default()
        };
        // Errors are the expected outcome for most inputs; only a panic, an abort, a
        // timeout or running out of memory is a finding.
        let _ = load_model_from_bytes(bytes, &options);
    }
}

/// The archive's members (names as stored, contents with checksums unchecked), stored
/// again in a fresh zip; `None` when the input is not a zip the reader can list.
fn rezip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let stored = archive.by_index_raw(i).ok()?.compression() == CompressionMethod::Stored;
        let file = if stored {
            archive.by_index_raw(i)
        } else {
            archive.by_index(i)
        };
        let Ok(file) = file else { continue };
        let name = file.name().ok()?.to_string();
        let mut data = Vec::new();
        // A checksum error comes at the end of the data, which is kept.
        let _ = file.take(MEMBER_CAP).read_to_end(&mut data);
        members.push((name, data));
    }
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, data) in members {
        out.start_file(name, options).ok()?;
        out.write_all(&data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    load(data);
    if let Some(fixed) = rezip(data).filter(|z| z.as_slice() != data) {
        load(&fixed);
    }
});
