//! Where recorded frames go: H.264 in an MP4 file (openh264 built from source, muxed by
//! muxide), an animated GIF, or a folder of numbered PNGs. Files are written through
//! [`AtomicFile`], under a `.partial` name renamed into place when complete, so a failed or interrupted
//! recording never leaves a broken file under the name asked for.

use std::path::{Path, PathBuf};

use openh264::OpenH264API;
use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode, UsageType};
use openh264::formats::{RgbaSliceU8, YUVBuffer};

use super::VideoError;
use crate::export::{AtomicFile, write_png};

/// The kind of output, from the path's extension (none: a folder of PNGs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mp4,
    Gif,
    Frames,
}

impl Format {
    pub fn of(path: &Path) -> Result<Format, VideoError> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("mp4") => Ok(Format::Mp4),
            Some("gif") => Ok(Format::Gif),
            None => Ok(Format::Frames),
            Some(other) => Err(VideoError::Output(format!(
                "{}: cannot record .{other}: write .mp4, .gif, or a folder (no extension) of PNGs",
                path.display()
            ))),
        }
    }
}

pub struct Sink {
    /// `None` once finished.
    kind: Option<Kind>,
    path: PathBuf,
    size: (u32, u32),
    frames: u64,
}

struct Mp4 {
    encoder: Encoder,
    yuv: YUVBuffer,
    muxer: muxide::api::Muxer<AtomicFile>,
    fps: f64,
}

enum Kind {
    Mp4(Box<Mp4>),
    Gif { encoder: gif::Encoder<AtomicFile>, delay: u16, pixels: Vec<u8> },
    Frames,
}

/// Frame files in a PNG folder: `frame-000001.png` and on.
fn frame_name(index: u64) -> String {
    format!("frame-{:06}.png", index + 1)
}

impl Sink {
    /// Checks `path` (an existing file or a folder of frames is replaced only with `force`)
    /// and opens it for frames of `size` at `fps`.
    pub fn create(path: &Path, size: (u32, u32), fps: u32, force: bool) -> Result<Sink, VideoError> {
        let format = Format::of(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(VideoError::Output(format!("{}: folder {} does not exist", path.display(), dir.display())));
        }
        let kind = match format {
            Format::Frames => {
                if path.is_file() {
                    return Err(VideoError::Output(format!(
                        "{} is a file: give a folder for PNG frames, or a .mp4 or .gif name",
                        path.display()
                    )));
                }
                let taken = path.is_dir()
                    && std::fs::read_dir(path).map_err(|e| VideoError::io(path, "list", e))?.next().is_some();
                if taken && !force {
                    return Err(VideoError::Output(format!(
                        "{} is not empty; pass --force to replace its frames",
                        path.display()
                    )));
                }
                std::fs::create_dir_all(path).map_err(|e| VideoError::io(path, "create the folder", e))?;
                remove_frames(path)?;
                Kind::Frames
            }
            _ if path.exists() && !force => {
                return Err(VideoError::Output(format!("{} exists; pass --force to replace it", path.display())));
            }
            Format::Mp4 => {
                if !size.0.is_multiple_of(2) || !size.1.is_multiple_of(2) {
                    return Err(VideoError::Output(format!(
                        "{}: H.264 needs an even width and height, not {}x{} (try {}x{})",
                        path.display(),
                        size.0,
                        size.1,
                        size.0 + size.0 % 2,
                        size.1 + size.1 % 2
                    )));
                }
                // About 0.1 bit a pixel: thin edges and small text stay sharp.
                let bits = (size.0 as u64 * size.1 as u64 * fps as u64 / 10).clamp(500_000, 100_000_000) as u32;
                let config = EncoderConfig::new()
                    .usage_type(UsageType::ScreenContentRealTime)
                    .rate_control_mode(RateControlMode::Bufferbased)
                    .background_detection(false)
                    .adaptive_quantization(false)
                    .bitrate(BitRate::from_bps(bits))
                    .max_frame_rate(FrameRate::from_hz(fps as f32))
                    .skip_frames(false)
                    .intra_frame_period(IntraFramePeriod::from_num_frames(2 * fps));
                let encoder = Encoder::with_api_config(OpenH264API::from_source(), config).map_err(|e| {
                    VideoError::Encode(format!("{}: the H.264 encoder did not start: {e}", path.display()))
                })?;
                let file = create(path)?;
                let muxer = muxide::api::MuxerBuilder::new(file)
                    .video(muxide::api::VideoCodec::H264, size.0, size.1, fps as f64)
                    .build()
                    .map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?;
                let yuv = YUVBuffer::new(size.0 as usize, size.1 as usize);
                Kind::Mp4(Box::new(Mp4 { encoder, yuv, muxer, fps: fps as f64 }))
            }
            Format::Gif => {
                let (Ok(w), Ok(h)) = (u16::try_from(size.0), u16::try_from(size.1)) else {
                    return Err(VideoError::Output(format!(
                        "{}: a GIF is at most 65535 pixels a side",
                        path.display()
                    )));
                };
                let mut encoder = gif::Encoder::new(create(path)?, w, h, &[])
                    .map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?;
                encoder
                    .set_repeat(gif::Repeat::Infinite)
                    .map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?;
                // GIF delays are whole hundredths of a second.
                let delay = (100.0 / fps as f32).round().max(1.0) as u16;
                Kind::Gif { encoder, delay, pixels: Vec::new() }
            }
        };
        Ok(Sink { kind: Some(kind), path: path.to_owned(), size, frames: 0 })
    }

    /// Appends one frame of tightly packed RGBA8 rows.
    pub fn push(&mut self, rgba: &[u8]) -> Result<(), VideoError> {
        let (w, h) = (self.size.0 as usize, self.size.1 as usize);
        assert_eq!(rgba.len(), w * h * 4, "a frame of the sink's size");
        let path = &self.path;
        match self.kind.as_mut().expect("not finished") {
            Kind::Mp4(mp4) => {
                let Mp4 { encoder, yuv, muxer, fps } = &mut **mp4;
                yuv.read_rgba8(RgbaSliceU8::new(rgba, (w, h)));
                let stream = encoder
                    .encode(yuv)
                    .map_err(|e| VideoError::Encode(format!("{}: H.264 encoding: {e}", path.display())))?;
                let keyframe =
                    matches!(stream.frame_type(), openh264::encoder::FrameType::IDR | openh264::encoder::FrameType::I);
                let data = stream.to_vec();
                muxer
                    .write_video(self.frames as f64 / *fps, &data, keyframe)
                    .map_err(|e| VideoError::Encode(format!("{}: frame {}: {e}", path.display(), self.frames + 1)))?;
            }
            Kind::Gif { encoder, delay, pixels } => {
                pixels.clear();
                pixels.extend_from_slice(rgba);
                let mut frame = gif::Frame::from_rgba_speed(w as u16, h as u16, pixels, 10);
                frame.delay = *delay;
                encoder.write_frame(&frame).map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?;
            }
            Kind::Frames => {
                let file = path.join(frame_name(self.frames));
                write_png(&file, self.size, rgba).map_err(|e| VideoError::io(&file, "write", e))?;
            }
        }
        self.frames += 1;
        Ok(())
    }

    /// Completes the file and moves it to its name. Returns the frames written.
    pub fn finish(mut self) -> Result<u64, VideoError> {
        let path = self.path.clone();
        let writer = match self.kind.take().expect("finished once") {
            Kind::Mp4(mut mp4) => {
                let muxer = &mut mp4.muxer;
                muxer.finish_in_place().map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?;
                Some(mp4.muxer.into_writer())
            }
            Kind::Gif { encoder, .. } => {
                Some(encoder.into_inner().map_err(|e| VideoError::Encode(format!("{}: {e}", path.display())))?)
            }
            Kind::Frames => None,
        };
        if let Some(writer) = writer {
            writer.commit().map_err(|e| VideoError::io(&path, "write", e))?;
        }
        Ok(self.frames)
    }
}

/// The output file, written under a temporary name until [`Sink::finish`] commits it.
fn create(path: &Path) -> Result<AtomicFile, VideoError> {
    AtomicFile::create(path).map_err(|e| VideoError::io(path, "create", e))
}

/// Removes earlier `frame-*.png` files from a folder that `--force` lets us reuse.
fn remove_frames(dir: &Path) -> Result<(), VideoError> {
    for entry in std::fs::read_dir(dir).map_err(|e| VideoError::io(dir, "list", e))? {
        let path = entry.map_err(|e| VideoError::io(dir, "list", e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("frame-") && name.ends_with(".png") {
            std::fs::remove_file(&path).map_err(|e| VideoError::io(&path, "remove", e))?;
        }
    }
    Ok(())
}
