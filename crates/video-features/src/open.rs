//! Opening any source by its name: a directory of images (a UCSD clip
//! folder among them), a `.y4m` file, a `lavfi:GRAPH` test source, or
//! anything the `ffmpeg` program reads (files, `rtsp://` and `http://`
//! URLs; feature `ffmpeg`), with one description of what was opened.
//!
//! ```
//! use video_features::open::{open, OpenOptions};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/video/vtest_gray_tif");
//! let source = open(dir, OpenOptions::new().image_frame_rate(10, 1))?;
//! assert_eq!(source.info.decoder, "image sequence");
//! assert_eq!(source.info.frame_count, Some(4));
//! assert_eq!(source.info.frame_rate, Some(10.0));
//! let frames: Vec<_> = source.frames.collect::<Result<_, _>>()?;
//! assert_eq!(frames[1].timestamp().as_millis(), 100);
//! # Ok::<(), video_features::SourceError>(())
//! ```

use std::path::Path;
use std::time::Duration;

use oddframe::Frame;

use crate::sampling::{SampleExt, Sampler};
use crate::sequence::ImageSequence;
use crate::y4m::{Picture, Y4mHeader, Y4mReader};
use crate::{Limits, PixelFormat, SourceError};

/// What is known about a source before its frames are read.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SourceInfo {
    /// Which decoder reads it: `image sequence`, `y4m`, or `ffmpeg (CODEC)`.
    pub decoder: String,
    /// Frames per second of the source, when known.
    pub frame_rate: Option<f64>,
    /// Frames in the source (before sampling), when known.
    pub frame_count: Option<u64>,
    /// Length of the source, when known.
    pub duration: Option<Duration>,
    /// Width and height of the frames, when known before decoding.
    pub size: Option<(u32, u32)>,
    /// Whether the pictures come at a variable rate, when known (see
    /// [`crate::ffmpeg::VideoInfo::variable_rate`]); image sequences and
    /// `.y4m` files are constant-rate.
    pub variable_rate: Option<bool>,
}

/// An opened source: its frames (sampled as asked; [`Frame`]s from
/// [`open`], [`Picture`]s from [`open_pictures`]) and what is known of it.
pub struct Source<T = Frame> {
    /// The frames, in order.
    pub frames: Box<dyn Iterator<Item = Result<T, SourceError>> + Send>,
    /// What is known about the source.
    pub info: SourceInfo,
}

impl<T> std::fmt::Debug for Source<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// How to open a source (by-value setters).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Grey (default) or RGB frames.
    pub format: PixelFormat,
    /// Keep one frame every so many milliseconds (ffmpeg's `fps` filter for
    /// ffmpeg inputs, a [`Sampler`] for the others).
    pub every_ms: Option<u32>,
    /// Frames scaled to this size (ffmpeg inputs only).
    pub size: Option<(u32, u32)>,
    /// Start and length (ffmpeg inputs only).
    pub span: Option<(Duration, Duration)>,
    /// Frame rate of image sequences, which carry none (default 25/1).
    pub image_frame_rate: Option<(u32, u32)>,
    /// Size and allocation limits for the decoders.
    pub limits: Option<Limits>,
}

impl OpenOptions {
    /// Grey frames, every frame, as the source has them.
    pub fn new() -> Self {
        Self::default()
    }

    /// Grey or RGB frames.
    pub fn format(mut self, format: PixelFormat) -> Self {
        self.format = format;
        self
    }

    /// One frame every `ms` milliseconds.
    pub fn every_ms(mut self, ms: u32) -> Self {
        self.every_ms = Some(ms);
        self
    }

    /// Frames scaled to `width` x `height` (ffmpeg inputs only).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }

    /// Only `length` from `start` (ffmpeg inputs only).
    pub fn span(mut self, start: Duration, length: Duration) -> Self {
        self.span = Some((start, length));
        self
    }

    /// The frame rate of an image sequence, `num / den` frames per second.
    pub fn image_frame_rate(mut self, num: u32, den: u32) -> Self {
        self.image_frame_rate = Some((num, den));
        self
    }

    /// Size and allocation limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }
}

/// Opens a directory of images, a `.y4m` file, a `lavfi:GRAPH` test source
/// (ffmpeg's filter-graph input, for example `lavfi:testsrc2=size=320x240`),
/// or anything else through ffmpeg (feature `ffmpeg`).
///
/// # Errors
/// The sources' own errors; [`SourceError::Unsupported`] for options a
/// source does not offer, and for ffmpeg inputs without the `ffmpeg`
/// feature.
pub fn open(input: impl AsRef<Path>, o: OpenOptions) -> Result<Source, SourceError> {
    let input = input.as_ref();
    let sampler = match o.every_ms {
        Some(ms) => Sampler::every_millis(u64::from(ms))
            .map_err(|e| SourceError::Unsupported(e.to_string()))?,
        None => Sampler::all(),
    };
    let native = input.is_dir() || input.extension().is_some_and(|e| e == "y4m");
    if native && (o.size.is_some() || o.span.is_some()) {
        return Err(SourceError::Unsupported(
            "scaling and start/length need an ffmpeg input".into(),
        ));
    }
    let limits = o.limits.unwrap_or_default();
    if input.is_dir() {
        let (num, den) = o.image_frame_rate.unwrap_or((25, 1));
        let seq = ImageSequence::open(input)?
            .frame_rate(num, den)?
            .output(o.format)
            .limits(limits);
        let n = seq.len() as u64;
        let fps = f64::from(num) / f64::from(den);
        let info = SourceInfo {
            decoder: "image sequence".into(),
            frame_rate: Some(fps),
            frame_count: Some(n),
            duration: Duration::try_from_secs_f64(n as f64 / fps).ok(),
            size: None,
            variable_rate: Some(false),
        };
        return Ok(Source {
            frames: Box::new(seq.sample(sampler)),
            info,
        });
    }
    if input.extension().is_some_and(|e| e == "y4m") {
        let file = std::io::BufReader::new(std::fs::File::open(input)?);
        let r = Y4mReader::with_limits(file, limits)?.output(o.format);
        return Ok(Source {
            info: y4m_info(r.header()),
            frames: Box::new(r.sample(sampler)),
        });
    }
    open_ffmpeg(input, o, limits)
}

/// What a YUV4MPEG2 header tells.
fn y4m_info(h: &Y4mHeader) -> SourceInfo {
    let (n, d) = h.frame_rate;
    SourceInfo {
        decoder: "y4m".into(),
        frame_rate: (n > 0 && d > 0).then(|| f64::from(n) / f64::from(d)),
        frame_count: None,
        duration: None,
        size: Some((h.width, h.height)),
        variable_rate: Some(false),
    }
}

/// Pictures with their planes as the input stores them (8 bits or
/// deeper, unconverted), each with its time, and what is known of them: what full-reference quality
/// is measured on ([`crate::quality::aligned`]). Reads a `.y4m` file, or
/// anything else through ffmpeg ([`crate::ffmpeg::Ffmpeg::open_yuv`],
/// feature `ffmpeg`, which honours every option but the pixel format).
///
/// # Errors
/// The sources' own errors; [`SourceError::Unsupported`] for a directory
/// of images (they hold no YUV planes), for options a `.y4m` file does not
/// offer, and for ffmpeg inputs without the `ffmpeg` feature.
pub fn open_pictures(
    input: impl AsRef<Path>,
    o: OpenOptions,
) -> Result<Source<Picture>, SourceError> {
    let input = input.as_ref();
    let limits = o.limits.unwrap_or_default();
    if input.is_dir() {
        return Err(SourceError::Unsupported(format!(
            "{} is a directory of images, which hold no YUV planes",
            input.display()
        )));
    }
    if input.extension().is_some_and(|e| e == "y4m") {
        if o.size.is_some() || o.span.is_some() || o.every_ms.is_some() {
            return Err(SourceError::Unsupported(
                "sampling, scaling and start/length need an ffmpeg input".into(),
            ));
        }
        let file = std::io::BufReader::new(std::fs::File::open(input)?);
        let r = Y4mReader::with_limits(file, limits)?;
        return Ok(Source {
            info: y4m_info(r.header()),
            frames: Box::new(r.pictures()),
        });
    }
    open_ffmpeg_pictures(input, o, limits)
}

#[cfg(feature = "ffmpeg")]
fn open_ffmpeg_pictures(
    input: &Path,
    o: OpenOptions,
    limits: Limits,
) -> Result<Source<Picture>, SourceError> {
    let mut source = ffmpeg_for(input, o, limits).open_yuv()?;
    let size = source.frame_size();
    Ok(Source {
        info: ffmpeg_info(source.info()?, size),
        frames: Box::new(source),
    })
}

#[cfg(not(feature = "ffmpeg"))]
fn open_ffmpeg_pictures(
    input: &Path,
    _: OpenOptions,
    _: Limits,
) -> Result<Source<Picture>, SourceError> {
    Err(needs_ffmpeg(input))
}

/// The ffmpeg source for `input` with the options set.
#[cfg(feature = "ffmpeg")]
fn ffmpeg_for(input: &Path, o: OpenOptions, limits: Limits) -> crate::ffmpeg::Ffmpeg {
    use crate::ffmpeg::Ffmpeg;
    let lavfi = input.to_str().and_then(|s| s.strip_prefix("lavfi:"));
    let mut f = match lavfi {
        Some(graph) => Ffmpeg::new(graph).input_format("lavfi"),
        None => Ffmpeg::new(input),
    }
    .output(o.format)
    .limits(limits);
    if let Some(ms) = o.every_ms {
        f = f.every_millis(ms);
    }
    if let Some((w, h)) = o.size {
        f = f.scale(w, h);
    }
    if let Some((start, len)) = o.span {
        f = f.start(start).duration(len);
    }
    f
}

#[cfg(feature = "ffmpeg")]
fn open_ffmpeg(input: &Path, o: OpenOptions, limits: Limits) -> Result<Source, SourceError> {
    let mut source = ffmpeg_for(input, o, limits).open()?;
    let size = source.frame_size();
    Ok(Source {
        info: ffmpeg_info(source.info()?, size),
        frames: Box::new(source),
    })
}

/// What ffprobe tells, with the size of the frames decoded.
#[cfg(feature = "ffmpeg")]
fn ffmpeg_info(v: &crate::ffmpeg::VideoInfo, size: (u32, u32)) -> SourceInfo {
    SourceInfo {
        decoder: format!("ffmpeg ({})", v.codec),
        frame_rate: v.frame_rate.map(|(n, d)| f64::from(n) / f64::from(d)),
        frame_count: v.frames,
        duration: v.duration,
        size: Some(size),
        variable_rate: v.variable_rate,
    }
}

#[cfg(not(feature = "ffmpeg"))]
fn open_ffmpeg(input: &Path, _: OpenOptions, _: Limits) -> Result<Source, SourceError> {
    Err(needs_ffmpeg(input))
}

#[cfg(not(feature = "ffmpeg"))]
fn needs_ffmpeg(input: &Path) -> SourceError {
    SourceError::Unsupported(format!(
        "{} needs the ffmpeg program: enable video-features' `ffmpeg` feature",
        input.display()
    ))
}
