#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adam;
pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod error;
pub mod frames;
pub mod model;
pub mod monitor;
mod net;
pub mod online;
pub mod persist;
mod rng;
mod tensors;
pub mod train;

pub use backend::Backend;
pub use config::{Architecture, Downsample, OutputActivation, Stage};
pub use error::{AeError, Result};
pub use frames::Normalization;
pub use model::FrameAutoencoder;
pub use monitor::StreamMonitor;
pub use online::{OnlineAutoencoder, OnlineConfig, StreamDecision};
pub use train::{EpochReport, Progress, TrainConfig, TrainReport};
