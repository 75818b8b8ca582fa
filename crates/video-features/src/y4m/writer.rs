//! Writing a YUV4MPEG2 stream.

use std::io::Write;

use super::{Y4mFrame, Y4mHeader};
use crate::SourceError;

/// A YUV4MPEG2 encoder: writes the header on construction, then frames.
/// See [`super::Y4mReader`] for an example.
#[derive(Debug)]
pub struct Y4mWriter<W: Write> {
    inner: W,
    header: Y4mHeader,
    frames: u64,
}

impl<W: Write> Y4mWriter<W> {
    /// Writes `header`.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] for a zero width, height or frame-rate
    /// term; [`SourceError::Io`] when writing fails.
    pub fn new(mut inner: W, header: Y4mHeader) -> Result<Self, SourceError> {
        if header.width == 0 || header.height == 0 {
            return Err(SourceError::Mismatch("width and height must be > 0".into()));
        }
        if header.frame_rate.0 == 0 || header.frame_rate.1 == 0 {
            return Err(SourceError::Mismatch("frame rate terms must be > 0".into()));
        }
        if header.extensions.iter().any(|x| x.contains([' ', '\n'])) {
            return Err(SourceError::Mismatch(
                "extension tags may not contain spaces or newlines".into(),
            ));
        }
        inner.write_all(header.to_line().as_bytes())?;
        Ok(Self {
            inner,
            header,
            frames: 0,
        })
    }

    /// Appends one frame.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] when the frame's size or layout differs
    /// from the header's; [`SourceError::Io`] when writing fails.
    pub fn write_frame(&mut self, frame: &Y4mFrame) -> Result<(), SourceError> {
        let h = &self.header;
        let layout = (
            frame.width(),
            frame.height(),
            frame.colorspace(),
            frame.bit_depth(),
        );
        if layout != (h.width, h.height, h.colorspace, h.bit_depth) {
            return Err(SourceError::Mismatch(format!(
                "frame {} is {}x{} {}, the stream is {}x{} {}",
                self.frames,
                frame.width(),
                frame.height(),
                frame.colorspace().tag_with_depth(frame.bit_depth()),
                h.width,
                h.height,
                h.colorspace.tag_with_depth(h.bit_depth)
            )));
        }
        self.inner.write_all(b"FRAME\n")?;
        for p in frame.planes() {
            self.inner.write_all(p)?;
        }
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        self.frames
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    /// When flushing fails.
    pub fn finish(mut self) -> Result<W, SourceError> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}
