//! YUV4MPEG2 (`.y4m`) streams, pure Rust: a reader and a writer for 8-bit
//! 4:2:0 (every chroma siting: `420jpeg`, `420mpeg2`, `420paldv`, `420`),
//! 4:2:2, 4:4:4 and mono, with the interlacing, aspect and extension tags
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
