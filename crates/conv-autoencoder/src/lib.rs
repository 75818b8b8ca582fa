#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adam;
pub mod backend;
pub mod baseline;
pub mod checkpoint;
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
pub use config::{Architecture, Downsample, OutputActivation, Stage};
pub use error::{AeError, Result};
pub use frames::Normalization;
pub use model::FrameAutoencoder;
pub use online::{OnlineAutoencoder, OnlineParams, OnlineValidParams};
pub use params::{AutoencoderParams, AutoencoderValidParams};
pub use scoring::Scoring;
pub use train::{EpochReport, Progress, TrainReport};

/// Registers this crate's saved formats in an [`oddframe::Registry`]: the
/// autoencoder (`oddframe.conv-autoencoder`), a frame detector.
///
/// ```
/// let registry = conv_autoencoder::register(oddframe::Registry::new());
/// assert!(registry.formats().contains(&"oddframe.conv-autoencoder"));
/// ```
pub fn register(registry: oddframe::Registry<f64>) -> oddframe::Registry<f64> {
    registry.frame_detector::<FrameAutoencoder>()
}
