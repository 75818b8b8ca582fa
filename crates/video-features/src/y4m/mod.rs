//! YUV4MPEG2 (`.y4m`) streams, pure Rust: a reader and a writer for 4:2:0
//! (every chroma siting: `420jpeg`, `420mpeg2`, `420paldv`, `420`), 4:2:2,
//! 4:4:4 and mono, of 8 bits per sample or deeper (`420p10`, `mono12`, as
//! ffmpeg writes them, up to 16 bits), with the interlacing, aspect and extension tags
//! parsed. The reader checks the frame size against [`crate::Limits`]
//! before allocating and reports truncation and malformed headers with the
//! byte offset.
//!
//! `ffmpeg -i input.mp4 -pix_fmt yuv420p output.y4m` makes such a file from
//! anything ffmpeg reads.

mod frame;
mod header;
mod reader;
mod writer;

pub use crate::PixelFormat;
pub use frame::Y4mFrame;
pub use header::{Colorspace, Interlace, Y4mHeader};
pub use reader::Y4mReader;
pub use writer::Y4mWriter;

use std::time::Duration;

/// One decoded picture: its planes as stored, its position in the stream
/// (from 0) and its presentation time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Picture {
    /// The planes.
    pub frame: Y4mFrame,
    /// Position in the stream, from 0.
    pub index: u64,
    /// Presentation time.
    pub timestamp: Duration,
}

impl Picture {
    /// A picture from its parts.
    pub fn new(frame: Y4mFrame, index: u64, timestamp: Duration) -> Self {
        Self {
            frame,
            index,
            timestamp,
        }
    }
}
