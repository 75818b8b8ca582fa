#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod banding;
pub mod blocking;
pub mod blur;
pub mod blur_kind;
mod error;
mod filter;
pub mod ghosting;
pub mod judder;
mod luma;
mod measure;
pub mod niqe;
pub mod noise;
pub mod report;
pub mod ringing;
pub mod saturation;
mod scorer;
mod spectrum;

pub use error::{ArtifactError, Result};
pub use luma::Luma;
pub use measure::Measurement;
pub use report::{Artifact, Band, FrameReport, PerArtifact, WindowReport};
pub use scorer::{ArtifactScorer, Windows, DEFAULT_WINDOW, MAX_WINDOW};
