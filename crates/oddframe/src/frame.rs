//! Video frames: an 8-bit `image` buffer with its index and timestamp.

use std::time::Duration;

use image::{GrayImage, RgbImage};

/// The pixels of a [`Frame`]: 8-bit grey or 8-bit RGB.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameBuffer {
    /// One 8-bit luma channel.
    Luma(GrayImage),
    /// Three interleaved 8-bit channels, red first.
    Rgb(RgbImage),
}

/// One decoded video frame.
///
/// Frame sources yield `Result<Frame>`; `index` counts frames from the start
/// of the source (before any sampling) and `timestamp` is the presentation
/// time from the start of the stream.
///
/// ```
/// use std::time::Duration;
/// use image::GrayImage;
/// use oddframe::Frame;
///
/// let frame = Frame::luma(GrayImage::new(64, 48), 12, Duration::from_millis(480));
/// assert_eq!((frame.width(), frame.height(), frame.channels()), (64, 48, 1));
/// assert_eq!(frame.index(), 12);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    buffer: FrameBuffer,
    index: u64,
    timestamp: Duration,
}

impl Frame {
    /// A frame from any buffer.
    pub fn new(buffer: FrameBuffer, index: u64, timestamp: Duration) -> Self {
        Self {
            buffer,
            index,
            timestamp,
        }
    }

    /// A grey frame.
    pub fn luma(image: GrayImage, index: u64, timestamp: Duration) -> Self {
        Self::new(FrameBuffer::Luma(image), index, timestamp)
    }

    /// A colour frame.
    pub fn rgb(image: RgbImage, index: u64, timestamp: Duration) -> Self {
        Self::new(FrameBuffer::Rgb(image), index, timestamp)
    }

    /// The pixels.
    pub fn buffer(&self) -> &FrameBuffer {
        &self.buffer
    }

    /// Takes the pixels out of the frame.
    pub fn into_buffer(self) -> FrameBuffer {
        self.buffer
    }

    /// Position of the frame in its source, counted from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Presentation time from the start of the stream.
    pub fn timestamp(&self) -> Duration {
        self.timestamp
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.width(),
            FrameBuffer::Rgb(i) => i.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.height(),
            FrameBuffer::Rgb(i) => i.height(),
        }
    }

    /// Number of channels: 1 for grey, 3 for RGB.
    pub fn channels(&self) -> usize {
        match &self.buffer {
            FrameBuffer::Luma(_) => 1,
            FrameBuffer::Rgb(_) => 3,
        }
    }

    /// The interleaved 8-bit samples, row by row.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.as_raw(),
            FrameBuffer::Rgb(i) => i.as_raw(),
        }
    }
}
