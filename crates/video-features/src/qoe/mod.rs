//! Streaming quality-of-experience features.
//!
//! Playback telemetry (one [`QoeSample`] per second or per frame: a quality
//! score such as VMAF, the bitrate, whether playback was stalled) becomes
//! fixed-length windows ([`QoeWindower`], default 5 s with a 1 s hop), which
//! are then clipped and log-compressed ([`QoeTransform`]) and standardised
//! (with `ocsvm_scaler::StandardScaler`, fitted on the training windows)
//! before a detector sees them. [`RenditionQoe`] makes the same windows
//! from a reference and a delivered rendition (full-reference quality per
//! frame, frozen pictures as stalls); [`CsvTable`] loads windows that were
//! computed elsewhere.
//!
//! ```
//! use oddframe::FeatureExtractor;
//! use video_features::qoe::{QoeSample, QoeWindower};
//!
//! let mut windows = QoeWindower::default();
//! let mut out = Vec::new();
//! for s in 0..7 {
//!     let stalled = s == 2;
//!     out.extend(windows.push(&QoeSample::per_second(s, 80.0, 3000.0, stalled))?);
//! }
//! assert_eq!(out.len(), 3); // windows [0,5), [1,6), [2,7)
//! assert_eq!(out[0][4], 0.2); // stall_ratio: one stalled second in five
//! assert_eq!(out[0][5], 2.0); // tsl_end: the stall ended at 3 s, the window at 5 s
//! # Ok::<(), oddframe::Error>(())
//! ```

mod csv_table;
mod rendition;
mod transform;
mod window;

pub use csv_table::{CsvError, CsvTable};
pub use rendition::{QualityScore, RenditionQoe};
pub use transform::{ColumnTransform, QoeTransform};
pub use window::{QoeSample, QoeWindower, FEATURE_NAMES};
