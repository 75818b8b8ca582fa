#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod kernel;
mod scaler;
mod solver;
mod svm;

pub use error::{OcsvmError, Result};
pub use kernel::{Gamma, Kernel};
pub use scaler::{StandardScaler, StandardScalerParams};
pub use svm::{FitInfo, OcsvmParams, OcsvmValidParams, OneClassSvm, DEFAULT_CACHE_BYTES};
