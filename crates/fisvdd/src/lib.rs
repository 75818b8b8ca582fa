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

/// Registers this crate's saved format (`oddframe.fisvdd`) in an
/// [`oddframe::Registry`] (feature `serde`).
///
/// ```
/// let registry = fisvdd::register(oddframe::Registry::<f64>::new());
/// assert!(registry.formats().contains(&"oddframe.fisvdd"));
/// ```
#[cfg(feature = "serde")]
pub fn register<F: oddframe::Float>(registry: oddframe::Registry<F>) -> oddframe::Registry<F> {
    registry.detector::<Fisvdd<F>>()
}
