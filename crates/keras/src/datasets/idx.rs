//! The IDX format of the MNIST files (`magic, dims (big-endian u32), data`), gzipped, with
//! size checks before any allocation.

use std::io::Read;

use flate2::read::GzDecoder;
use keras_backend::bail;
use keras_ops::Result;

/// Largest decompressed file accepted (MNIST's largest is 47 MB).
const MAX_BYTES: u64 = 256 << 20;

/// The dims and `u8` values of an IDX file's bytes (only unsigned-byte data, type 0x08).
pub fn parse_idx(bytes: &[u8], what: &str) -> Result<(Vec<usize>, Vec<u8>)> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        bail!("idx", "{what}: not an IDX file (bad magic number)");
    }
    if bytes[2] != 0x08 {
        bail!(
            "idx",
            "{what}: data type 0x{:02x} is not unsigned bytes",
            bytes[2]
        );
    }
    let rank = bytes[3] as usize;
    let header = 4 + 4 * rank;
    if rank == 0 || bytes.len() < header {
        bail!("idx", "{what}: truncated header (rank {rank})");
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let size = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n as u64 <= MAX_BYTES);
    match size {
        Some(n) if n == bytes.len() - header => Ok((dims, bytes[header..].to_vec())),
        Some(n) => bail!(
            "idx",
            "{what}: header declares {dims:?} ({n} bytes) but {} data bytes follow",
            bytes.len() - header
        ),
        None => bail!("idx", "{what}: declared shape {dims:?} is too large"),
    }
}

/// Decompresses a gzip stream, refusing more than 256 MB of output.
pub fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut dec = GzDecoder::new(bytes).take(MAX_BYTES + 1);
    if let Err(e) = dec.read_to_end(&mut out) {
        bail!("gunzip", "{what}: {e}");
    }
    if out.len() as u64 > MAX_BYTES {
        bail!(
            "gunzip",
            "{what}: decompresses to more than {MAX_BYTES} bytes"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, dims.len() as u8];
        dims.iter().for_each(|d| v.extend(d.to_be_bytes()));
        v.extend(data);
        v
    }

    #[test]
    fn parses_and_refuses_bad_files() {
        let (d, v) = parse_idx(&idx(&[2, 3], &[1, 2, 3, 4, 5, 6]), "t").unwrap();
        assert_eq!((d, v), (vec![2, 3], vec![1, 2, 3, 4, 5, 6]));
        assert!(parse_idx(&idx(&[2, 3], &[1, 2]), "t").is_err());
        assert!(parse_idx(&idx(&[u32::MAX, u32::MAX, 9], &[]), "t").is_err());
        assert!(parse_idx(&[1, 2, 3], "t").is_err());
        let mut float = idx(&[1], &[0, 0, 0, 0]);
        float[2] = 0x0d;
        assert!(parse_idx(&float, "t").is_err());
        assert!(gunzip(b"not gzip", "t").is_err());
    }
}
