//! Frames to model input: checking shapes and scaling pixels.

use oddframe::Frame;
use serde::{Deserialize, Serialize};

use crate::{AeError, Architecture, Result};

/// How 8-bit pixels become model inputs: `(pixel / 255 - mean) / std`.
///
/// The default (`mean = 0`, `std = 1`) maps pixels to 0..1, the range of a
/// sigmoid reconstruction. Scores are mean squared errors in these units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalization {
    /// Subtracted after scaling to 0..1.
    pub mean: f32,
    /// Divides after subtracting `mean`; finite and > 0.
    pub std: f32,
}

impl Default for Normalization {
    fn default() -> Self {
        Self {
            mean: 0.0,
            std: 1.0,
        }
    }
}

impl Normalization {
    /// Checks that `mean` is finite and `std` finite and positive.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] otherwise.
    pub fn validate(&self) -> Result<()> {
        if self.mean.is_finite() && self.std.is_finite() && self.std > 0.0 {
            Ok(())
        } else {
            Err(AeError::InvalidConfig(format!(
                "normalization mean {} / std {}: mean must be finite, std finite and > 0",
                self.mean, self.std
            )))
        }
    }

    /// The 256-entry lookup table from pixel value to model input.
    pub(crate) fn table(&self) -> [f32; 256] {
        let mut t = [0.0; 256];
        for (v, out) in t.iter_mut().enumerate() {
            *out = (v as f32 / 255.0 - self.mean) / self.std;
        }
        t
    }
}

fn describe(w: usize, h: usize, c: usize) -> String {
    format!("{w}x{h}x{c}")
}

/// Appends the model inputs for `frames` (channel-major per frame) to `out`.
///
/// # Errors
/// [`AeError::FrameShape`] naming the first frame whose size or channel
/// count differs from the architecture's.
pub(crate) fn append(
    arch: &Architecture,
    table: &[f32; 256],
    frames: &[Frame],
    out: &mut Vec<f32>,
) -> Result<()> {
    for (index, f) in frames.iter().enumerate() {
        let (w, h, c) = (f.width() as usize, f.height() as usize, f.channels());
        if (w, h, c) != (arch.width, arch.height, arch.channels) {
            return Err(AeError::FrameShape {
                index,
                expected: describe(arch.width, arch.height, arch.channels),
                found: describe(w, h, c),
            });
        }
    }
    out.reserve(frames.len() * arch.input_len());
    for f in frames {
        let bytes = f.as_bytes();
        if arch.channels == 1 {
            out.extend(bytes.iter().map(|&b| table[usize::from(b)]));
        } else {
            for ch in 0..arch.channels {
                out.extend(
                    bytes
                        .iter()
                        .skip(ch)
                        .step_by(arch.channels)
                        .map(|&b| table[usize::from(b)]),
                );
            }
        }
    }
    Ok(())
}
