#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod kernel;
#[cfg(feature = "serde")]
mod persist;
mod scaler;
mod solver;
mod svm;

pub use error::{OcsvmError, Result};
pub use kernel::{Gamma, Kernel};
#[cfg(feature = "serde")]
pub use persist::register;
pub use scaler::{StandardScaler, StandardScalerParams};
pub use svm::{FitInfo, OcsvmParams, OcsvmValidParams, OneClassSvm, DEFAULT_CACHE_BYTES};
