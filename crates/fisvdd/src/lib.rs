#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod fit;
mod inverse;
mod kernel;
mod model;
mod params;
#[cfg(feature = "serde")]
mod persist;

pub use error::{FisvddError, Result};
pub use fit::median_heuristic;
pub use model::{Fisvdd, Learned};
pub use params::{Bandwidth, FisvddParams, FisvddValidParams};
#[cfg(feature = "serde")]
pub use persist::{FORMAT, SCHEMA};
