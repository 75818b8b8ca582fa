#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod embed;
#[cfg(feature = "ffmpeg")]
#[cfg_attr(docsrs, doc(cfg(feature = "ffmpeg")))]
pub mod ffmpeg;
pub mod open;
pub mod preprocess;
pub mod qoe;
pub mod quality;
pub mod sampling;
pub mod sequence;
mod source;
pub mod temporal;
pub mod ucsd;
pub mod y4m;

/// Registers this crate's saved formats in an [`oddframe::Registry`]
/// (feature `serde`): the QoE transform (`oddframe.qoe-transform`) and the
/// frame embedding's settings (`oddframe.embedding`).
///
/// ```
/// let registry = video_features::register(oddframe::Registry::new());
/// assert!(registry.formats().contains(&"oddframe.qoe-transform"));
/// assert!(registry.formats().contains(&"oddframe.embedding"));
/// ```
#[cfg(feature = "serde")]
pub fn register(registry: oddframe::Registry<f64>) -> oddframe::Registry<f64> {
    registry
        .transformer::<qoe::QoeTransform>()
        .extractor::<embed::EmbeddingSpec>()
}

pub(crate) use source::frame_time;
pub use source::{Limits, PixelFormat, SourceError};
