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

/// Registers this crate's saved formats (`oddframe.qoe-transform`) in an
/// [`oddframe::Registry`] (feature `serde`).
///
/// ```
/// let registry = video_features::register(oddframe::Registry::<f64>::new());
/// assert!(registry.formats().contains(&"oddframe.qoe-transform"));
/// ```
#[cfg(feature = "serde")]
pub fn register<F: oddframe::Float>(registry: oddframe::Registry<F>) -> oddframe::Registry<F> {
    registry.transformer::<qoe::QoeTransform>()
}

pub(crate) use source::frame_time;
pub use source::{Limits, PixelFormat, SourceError};
