//! Files netlens writes: PNG pictures, SVG drawings, positions and paths as `.npy`, videos
//! ([`video`]), and the graph with its layout for other tools: GraphML, GEXF, DOT,
//! node-link and Cytoscape JSON, CSV and Parquet tables ([`table`]), and the browser view
//! ([`html`]). Every file is written under a temporary name beside its own and
//! moved into place when complete ([`AtomicFile`]), so a failed or interrupted write never
//! leaves half a file under the name the user asked for, nor touches a file already there.

pub mod dot;
pub mod gexf;
pub mod graphml;
pub mod html;
pub mod json;
pub mod svg;
pub mod table;
pub mod video;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::geom::Position;

/// A file written under `NAME.partial` and renamed to `NAME` by [`AtomicFile::commit`];
/// dropped without a commit (an error, a panic), it removes itself.
pub struct AtomicFile {
    /// `None` once committed.
    file: Option<BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let mut name = path.as_os_str().to_owned();
        name.push(".partial");
        let partial = PathBuf::from(name);
        let file = BufWriter::new(File::create(&partial)?);
        Ok(AtomicFile { file: Some(file), partial, path: path.to_owned() })
    }

    /// Flushes the file and moves it to its name.
    pub fn commit(mut self) -> std::io::Result<()> {
        let file = self.file.take().expect("committed once");
        file.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&self.partial, &self.path)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Writes a whole file at `path` through an [`AtomicFile`].
pub fn write_with(path: &Path, write: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    write(&mut file)?;
    file.commit()
}

/// Writes RGBA8 rows as a PNG.
pub fn write_png(path: &Path, size: (u32, u32), rgba: &[u8]) -> std::io::Result<()> {
    write_with(path, |file| encode_png(file, size, rgba))
}

/// Encodes RGBA8 rows of `size` as a PNG into `out`.
pub fn encode_png(out: impl std::io::Write, size: (u32, u32), rgba: &[u8]) -> std::io::Result<()> {
    let encoder = image::codecs::png::PngEncoder::new(out);
    image::ImageEncoder::write_image(encoder, rgba, size.0, size.1, image::ExtendedColorType::Rgba8)
        .map_err(std::io::Error::other)
}

/// Writes `values` as a float32 .npy of `shape`.
pub fn write_npy(path: &Path, shape: &[u64], values: impl Iterator<Item = f32>) -> std::io::Result<()> {
    use npyz::WriterBuilder;
    write_with(path, |file| {
        let mut writer = npyz::WriteOptions::new().default_dtype().shape(shape).writer(file).begin_nd()?;
        writer.extend(values)?;
        writer.finish()
    })
}

/// Writes positions as an N x `dim` float32 .npy.
pub fn write_positions(path: &Path, positions: &[Position], dim: usize) -> std::io::Result<()> {
    write_npy(path, &[positions.len() as u64, dim as u64], positions.iter().flat_map(|p| p[..dim].iter().copied()))
}

/// Text for XML attributes and content: the five special characters escaped, and the
/// control characters XML 1.0 forbids dropped.
pub fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) && !text.chars().any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c < ' ' && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out.into()
}

/// `stem.ext` in the current folder, or `stem-2.ext`, `stem-3.ext`, ... if taken: never
/// overwrites a file the user has.
pub fn fresh_path(stem: &str, ext: &str) -> PathBuf {
    (1..)
        .map(|i| PathBuf::from(if i == 1 { format!("{stem}.{ext}") } else { format!("{stem}-{i}.{ext}") }))
        .find(|p| !p.exists())
        .expect("some name is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_escapes_what_it_must() {
        assert_eq!(xml_text("conv1"), "conv1");
        assert_eq!(xml_text("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&apos;");
        assert_eq!(xml_text("bell\u{7}"), "bell");
    }

    #[test]
    fn a_failed_write_leaves_neither_file_nor_partial_and_keeps_the_old_file() {
        let dir = std::env::temp_dir().join(format!("netlens-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        std::fs::write(&path, b"old").unwrap();
        let failed = write_with(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(!dir.join("out.txt.partial").exists());
        write_with(&path, |f| f.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
