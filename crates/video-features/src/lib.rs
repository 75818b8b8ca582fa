#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod embed;
#[cfg(feature = "ffmpeg")]
#[cfg_attr(docsrs, doc(cfg(feature = "ffmpeg")))]
pub mod ffmpeg;
pub mod preprocess;
pub mod qoe;
pub mod quality;
pub mod sampling;
pub mod sequence;
mod source;
pub mod ucsd;
pub mod y4m;

pub(crate) use source::frame_time;
pub use source::{Limits, PixelFormat, SourceError};
