//! Error maps measured against what is normal *at each place*.
//!
//! In a fixed camera some places always reconstruct worse than others: the
//! walkway where people pass, a flickering sign, a tree. A raw error map
//! (and so [`crate::Scoring::MaxPatch`]) points at them in every frame, and
//! a small anomaly elsewhere must beat the worst of them. A
//! [`LocalBaseline`] learns, for every `n` x `n` window of the map, the
//! mean and spread of its mean error over normal frames; a frame's windows
//! are then scored as z-scores, and the frame by its most unusual window.
//!
//! Fit it on error maps of normal frames the model did not learn (held-out
//! clips) or on its training frames; either way it uses no anomaly.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::{AeError, Result};

/// Spreads below this share of the mean spread are raised to it, so that a
/// window that never changes in normal frames (a static wall) does not
/// turn noise into huge z-scores.
pub const SPREAD_FLOOR: f64 = 0.1;

/// The least spread at all (squared-error units: pixels scaled to 0..1),
/// for normal maps that never change anywhere.
pub const MIN_SPREAD: f64 = 1e-6;

/// Per-window mean and spread of a model's error on normal frames.
///
/// ```
/// use conv_autoencoder::LocalBaseline;
/// use ndarray::Array2;
///
/// // normal frames: the left column always errs (a walkway), a little
/// let normal: Vec<Array2<f32>> = (0..10)
///     .map(|i| Array2::from_shape_fn((4, 4), |(_, x)| if x == 0 { 0.5 + 0.01 * i as f32 } else { 0.01 * (i % 3) as f32 }))
///     .collect();
/// let base = LocalBaseline::fit(&normal, 2)?;
/// let mut odd = normal[0].clone();
/// odd[[3, 3]] = 0.3; // less error than the walkway, but where none belongs
/// assert!(base.score(&odd)? > base.score(&normal[5])? + 5.0);
/// # Ok::<(), conv_autoencoder::AeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalBaseline {
    patch: usize,
    height: usize,
    width: usize,
    /// Mean of each window's mean error, row-major over window positions.
    mean: Vec<f64>,
    /// Its standard deviation, floored (see [`SPREAD_FLOOR`], [`MIN_SPREAD`]).
    spread: Vec<f64>,
}

impl LocalBaseline {
    /// Learns `patch` x `patch` windows (clamped to the maps' sides) from
    /// the error maps of normal frames (at least two, all one size).
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a patch of 0; [`oddframe::Error`] for
    /// fewer than two maps, an empty or non-finite map, or maps of
    /// different sizes.
    pub fn fit(maps: &[Array2<f32>], patch: usize) -> Result<Self> {
        if patch == 0 {
            return Err(AeError::InvalidConfig(
                "baseline patch size must be at least 1 pixel".into(),
            ));
        }
        let Some(first) = maps.first() else {
            return Err(oddframe::Error::Empty { what: "error maps" }.into());
        };
        if maps.len() < 2 {
            return Err(oddframe::Error::invalid_parameter(
                "error maps",
                maps.len(),
                "at least 2 (a spread needs two)",
            )
            .into());
        }
        let (height, width) = first.dim();
        let mut base = Self {
            patch,
            height,
            width,
            mean: Vec::new(),
            spread: Vec::new(),
        };
        let (mut sum, mut sq) = (Vec::new(), Vec::new());
        for map in maps {
            let w = base.windows(map)?;
            if sum.is_empty() {
                (sum, sq) = (vec![0.0; w.len()], vec![0.0; w.len()]);
            }
            for ((s, q), v) in sum.iter_mut().zip(&mut sq).zip(&w) {
                *s += v;
                *q += v * v;
            }
        }
        let n = maps.len() as f64;
        base.mean = sum.iter().map(|s| s / n).collect();
        let sd: Vec<f64> = sq
            .iter()
            .zip(&base.mean)
            .map(|(q, m)| ((q / n - m * m).max(0.0) * n / (n - 1.0)).sqrt())
            .collect();
        let floor = (SPREAD_FLOOR * sd.iter().sum::<f64>() / sd.len() as f64).max(MIN_SPREAD);
        base.spread = sd.into_iter().map(|s| s.max(floor)).collect();
        Ok(base)
    }

    /// The window side it scores (after clamping to the maps).
    pub fn patch(&self) -> usize {
        self.patch.min(self.height).min(self.width)
    }

    /// The window side it was asked for (before clamping).
    pub(crate) fn requested_patch(&self) -> usize {
        self.patch
    }

    /// The size of the maps it scores, `(height, width)`.
    pub fn map_size(&self) -> (usize, usize) {
        (self.height, self.width)
    }

    /// Itself if its values are consistent (a deserialised baseline may not
    /// be): sides and patch at least 1, one finite mean and one positive
    /// finite spread per window.
    pub(crate) fn checked(self) -> Result<Self> {
        let bad = |what: &str| Err(AeError::InvalidModel(format!("local baseline: {what}")));
        if self.patch == 0 || self.height == 0 || self.width == 0 {
            return bad("a side or the patch is 0");
        }
        let p = self.patch();
        let windows = (self.height - p + 1).checked_mul(self.width - p + 1);
        if windows != Some(self.mean.len()) || self.spread.len() != self.mean.len() {
            return bad("the number of windows does not match the sides");
        }
        if self.mean.iter().any(|m| !m.is_finite())
            || self.spread.iter().any(|s| !s.is_finite() || *s <= 0.0)
        {
            return bad("a mean or spread is not finite, or a spread is not positive");
        }
        Ok(self)
    }

    /// The z-score of each window of `map`: `(mean error - normal mean) /
    /// normal spread`, `(height - p + 1) x (width - p + 1)` for window side
    /// `p`, indexed by the window's top-left pixel.
    ///
    /// # Errors
    /// [`AeError::FrameShape`] for a map of another size;
    /// [`oddframe::Error`] for non-finite values.
    pub fn z_map(&self, map: &Array2<f32>) -> Result<Array2<f32>> {
        let p = self.patch();
        let w = self.windows(map)?;
        let z = w
            .iter()
            .zip(&self.mean)
            .zip(&self.spread)
            .map(|((v, m), s)| ((v - m) / s) as f32)
            .collect();
        Array2::from_shape_vec((self.height - p + 1, self.width - p + 1), z)
            .map_err(|e| AeError::InvalidModel(e.to_string()))
    }

    /// The frame's score: its most unusual window's z-score.
    ///
    /// # Errors
    /// As [`LocalBaseline::z_map`].
    pub fn score(&self, map: &Array2<f32>) -> Result<f64> {
        let z = self.z_map(map)?;
        Ok(z.iter().copied().fold(f32::NEG_INFINITY, f32::max).into())
    }

    /// The mean of every `p` x `p` window of `map`, row-major.
    fn windows(&self, map: &Array2<f32>) -> Result<Vec<f64>> {
        let (h, w) = map.dim();
        if (h, w) != (self.height, self.width) {
            return Err(AeError::FrameShape {
                index: 0,
                expected: format!("{}x{} error map", self.width, self.height),
                found: format!("{w}x{h}"),
            });
        }
        if h == 0 || w == 0 {
            return Err(oddframe::Error::Empty { what: "error map" }.into());
        }
        if map.iter().any(|v| !v.is_finite()) {
            return Err(oddframe::Error::NonFinite { row: 0, col: 0 }.into());
        }
        let p = self.patch();
        Ok(crate::scoring::window_means(map, p, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(n: usize) -> Vec<Array2<f32>> {
        (0..n)
            .map(|i| Array2::from_shape_fn((6, 5), |(y, x)| ((i * 7 + y * 3 + x) % 5) as f32 * 0.1))
            .collect()
    }

    #[test]
    fn z_scores_follow_the_normal_mean_and_spread_of_each_window() {
        let normal = maps(9);
        let base = LocalBaseline::fit(&normal, 2).unwrap();
        let z = base.z_map(&normal[4]).unwrap();
        assert_eq!(z.dim(), (5, 4));
        // by hand for the window at (1, 2)
        let means: Vec<f64> = normal
            .iter()
            .map(|m| {
                [(1, 2), (1, 3), (2, 2), (2, 3)]
                    .iter()
                    .map(|&(y, x)| f64::from(m[[y, x]]))
                    .sum::<f64>()
                    / 4.0
            })
            .collect();
        let mu = means.iter().sum::<f64>() / 9.0;
        let sd = (means.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / 8.0).sqrt();
        assert!(sd > 0.0);
        let want = (means[4] - mu) / sd; // well above the floor here
        assert!(
            (f64::from(z[[1, 2]]) - want).abs() < 1e-5,
            "{} vs {want}",
            z[[1, 2]]
        );
        assert_eq!(
            base.score(&normal[4]).unwrap(),
            f64::from(z.iter().cloned().fold(f32::MIN, f32::max))
        );
    }

    #[test]
    fn constant_windows_do_not_divide_by_zero() {
        let normal = vec![Array2::<f32>::zeros((4, 4)); 3];
        let base = LocalBaseline::fit(&normal, 1).unwrap();
        let mut odd = normal[0].clone();
        odd[[0, 0]] = 1.0;
        let s = base.score(&odd).unwrap();
        assert!(s.is_finite() && s > 0.0);
        assert_eq!(base.score(&normal[1]).unwrap(), 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let normal = maps(3);
        assert!(LocalBaseline::fit(&normal, 0).is_err());
        assert!(LocalBaseline::fit(&normal[..1], 2).is_err());
        assert!(LocalBaseline::fit(&[], 2).is_err());
        let mut mixed = normal.clone();
        mixed.push(Array2::zeros((5, 5)));
        assert!(LocalBaseline::fit(&mixed, 2).is_err());
        let base = LocalBaseline::fit(&normal, 2).unwrap();
        assert!(base.score(&Array2::zeros((5, 6))).is_err());
        let mut nan = normal[0].clone();
        nan[[2, 2]] = f32::NAN;
        assert!(base.score(&nan).is_err());
        assert!(LocalBaseline::fit(&[nan.clone(), nan], 2).is_err());
        // a patch larger than the map is clamped
        assert_eq!(LocalBaseline::fit(&normal, 99).unwrap().patch(), 5);
    }
}
