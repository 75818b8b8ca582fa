//! Pictures with their planes as stored, from [`Ffmpeg::open_yuv`].

#[cfg(doc)]
use super::Ffmpeg;
use super::{FfmpegSource, VideoInfo};
use crate::y4m::Picture;
use crate::SourceError;

/// Decoded pictures with the planes the file stores (see
/// [`Ffmpeg::open_yuv`]), each with its own presentation time.
///
/// ```no_run
/// use video_features::ffmpeg::Ffmpeg;
/// use video_features::quality::{aligned, frame_quality, Summary};
///
/// let reference = Ffmpeg::new("reference.mp4").open_yuv()?;
/// let distorted = Ffmpeg::new("distorted.mp4").open_yuv()?;
/// let mut summary = Summary::new();
/// for pair in aligned(reference, distorted) {
///     let (r, d) = pair?;
///     summary.push(&frame_quality(&r.frame, &d.frame)?);
/// }
/// let [y, u, v, average] = summary.psnr().unwrap_or_default();
/// println!("PSNR y:{y:.2} u:{u:.2} v:{v:.2} average:{average:.2}");
/// # Ok::<(), video_features::SourceError>(())
/// ```
///
/// Yields `Result<Picture>`; after an error it yields nothing more.
/// Dropping it kills ffmpeg.
#[derive(Debug)]
pub struct YuvSource {
    inner: FfmpegSource,
    done: bool,
}

impl YuvSource {
    pub(super) fn new(inner: FfmpegSource) -> Self {
        Self { inner, done: false }
    }

    /// What ffprobe reports about the input (run on the first call).
    ///
    /// # Errors
    /// As [`FfmpegSource::info`].
    pub fn info(&mut self) -> Result<&VideoInfo, SourceError> {
        self.inner.info()
    }

    /// Width and height of the pictures.
    pub fn frame_size(&self) -> (u32, u32) {
        self.inner.frame_size()
    }

    /// The nominal rate, as [`FfmpegSource::frame_rate`].
    pub fn frame_rate(&self) -> (u32, u32) {
        self.inner.frame_rate()
    }
}

impl Iterator for YuvSource {
    type Item = Result<Picture, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.inner.read_picture();
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r.transpose()
    }
}
