#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adam;
pub mod backend;
pub mod baseline;
pub mod checkpoint;
pub mod clip;
pub mod config;
pub mod error;
pub mod frames;
pub mod model;
mod net;
pub mod online;
pub mod params;
pub mod persist;
mod rng;
pub mod scoring;
mod tensors;
pub mod train;

pub use backend::Backend;
pub use baseline::LocalBaseline;
pub use clip::{ClipScorer, ClipStream, FrameScore, Input, MapScore, MapScorer};
pub use config::{Architecture, Downsample, OutputActivation, Stage};
pub use error::{AeError, Result};
pub use frames::Normalization;
pub use model::FrameAutoencoder;
pub use online::{OnlineAutoencoder, OnlineParams, OnlineValidParams};
pub use params::{AutoencoderParams, AutoencoderValidParams};
pub use scoring::Scoring;
pub use train::{EpochReport, Progress, TrainReport};

/// Registers this crate's saved formats in an [`oddframe::Registry`]: the
/// autoencoder (`oddframe.conv-autoencoder`) and the clip scorer
/// (`oddframe.clip-scorer`), both frame detectors.
///
/// ```
/// let registry = conv_autoencoder::register(oddframe::Registry::new());
/// assert!(registry.formats().contains(&"oddframe.conv-autoencoder"));
/// assert!(registry.formats().contains(&"oddframe.clip-scorer"));
/// ```
pub fn register(registry: oddframe::Registry<f64>) -> oddframe::Registry<f64> {
    registry
        .frame_detector::<FrameAutoencoder>()
        .frame_detector::<ClipScorer>()
}
