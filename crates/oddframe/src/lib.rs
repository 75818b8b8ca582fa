#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod error;
pub mod eval;
pub mod events;
pub mod float;
pub mod frame;
pub mod frame_pipeline;
pub mod math;
pub mod metrics;
pub mod param_guard;
#[cfg(feature = "serde")]
pub mod persist;
pub mod pipeline;
pub mod smooth;
pub mod streaming;
pub mod threshold;
pub mod traits;
pub mod validate;

pub use error::{Error, Result};
pub use float::Float;
pub use frame::{Frame, FrameBuffer};
pub use frame_pipeline::FramePipeline;
pub use param_guard::ParamGuard;
#[cfg(feature = "serde")]
pub use persist::Persist;
#[cfg(feature = "serde")]
pub use pipeline::Registry;
pub use pipeline::{Pipeline, PipelineParams};
pub use threshold::{Calibration, Decision, Holdout, Preset, StreamingThreshold, Threshold};
pub use traits::{
    Detector, FeatureExtractor, Fit, FitFrames, FrameDetector, IncrementalDetector, Scorer,
    Transformer,
};

// Re-exported so that downstream crates use the same versions in their APIs.
pub use image;
pub use ndarray;
