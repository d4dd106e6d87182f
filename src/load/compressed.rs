//! Compressed inputs: gzip and Zstandard streams, recognised by their magic bytes (not by
//! name) and decompressed as they are read, so a file is never decompressed whole into
//! memory. flate2 decodes gzip in Rust; zstd is the reference C library, which the Parquet
//! reader needs anyway.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::{LoadError, Source};

/// The readers' buffer: large enough that decoding and parsing run in long strides.
const BUFFER: usize = 1 << 20;

/// How a file's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// By the first bytes of the file: gzip's `1f 8b`, Zstandard's frame magic.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Opens `path` for reading, decompressing it on the fly where it is gzip or Zstandard
/// (concatenated gzip members included, as `cat a.gz b.gz` makes them).
pub fn open(path: &Path) -> Result<(Box<dyn BufRead + Send>, Compression, Source), LoadError> {
    let source = Source::File(path.to_owned());
    let file = File::open(path).map_err(|e| LoadError::io(&source, e))?;
    let mut reader = BufReader::with_capacity(BUFFER, file);
    let compression = Compression::detect(reader.fill_buf().map_err(|e| LoadError::io(&source, e))?);
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(BufReader::with_capacity(BUFFER, flate2::bufread::MultiGzDecoder::new(reader))),
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(reader)
                .map_err(|e| LoadError::invalid(&source, format!("is not a valid Zstandard stream: {e}")))?;
            Box::new(BufReader::with_capacity(BUFFER, decoder))
        }
    };
    Ok((reader, compression, source))
}

/// The name that says what a compressed file holds: `edges.mtx.gz` is a Matrix Market
/// file; `edges.gz`, an edge list.
pub fn inner_path(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("gz" | "gzip" | "zst" | "zstd") => path.with_extension(""),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_known_by_its_magic_bytes_and_the_inner_name_by_its_extension() {
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
        assert_eq!(Compression::detect(b"0\t1\n"), Compression::None);
        assert_eq!(Compression::detect(&[0x1f]), Compression::None);
        assert_eq!(inner_path(Path::new("a/edges.mtx.gz")), Path::new("a/edges.mtx"));
        assert_eq!(inner_path(Path::new("edges.tsv.ZST")), Path::new("edges.tsv"));
        assert_eq!(inner_path(Path::new("edges.tsv")), Path::new("edges.tsv"));
    }
}
