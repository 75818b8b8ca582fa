//! Smoothing score series before thresholds and events.
//!
//! **Causal** smoothers ([`Ewma`], [`MovingMedian`], [`CausalGaussian`])
//! use only the scores so far, so they run on a stream: one score in, one
//! smoothed score out. **Offline** transforms ([`gaussian_centered`],
//! [`min_max`]) look at the whole series, future included: they exist to
//! compare with papers that report them (a centred Gaussian filter and
//! per-video min-max normalisation are common in video anomaly detection),
//! and their figures are not achievable by a live system.
//!
//! ```
//! use oddframe::smooth::{CausalGaussian, MovingMedian, Smoother};
//!
//! let mut m = MovingMedian::new(3)?;
//! let out: Vec<f64> = [1.0, 9.0, 2.0, 3.0].iter().map(|&x| m.push(x)).collect::<Result<_, _>>()?;
//! assert_eq!(out, [1.0, 5.0, 2.0, 3.0]); // the spike at 9 is gone
//! let mut g = CausalGaussian::new(2.0)?;
//! assert_eq!(g.push(4.0)?, 4.0); // one score: itself
//! # Ok::<(), oddframe::Error>(())
//! ```

use std::collections::VecDeque;

use crate::threshold::online::SortedWindow;
use crate::validate::check_scores;
use crate::{Error, Result};

/// A causal smoother: one score in, one smoothed score out.
pub trait Smoother: Send + Sync {
    /// Smooths the next score.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN or an infinity (nothing changes).
    fn push(&mut self, score: f64) -> Result<f64>;
}

fn finite(score: f64) -> Result<f64> {
    if score.is_finite() {
        Ok(score)
    } else {
        Err(Error::NonFinite { row: 0, col: 0 })
    }
}

/// Exponentially weighted moving average: `y = y + alpha (x - y)`, starting
/// at the first score.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ewma {
    alpha: f64,
    state: Option<f64>,
}

impl Ewma {
    /// Smoothing `alpha` in (0, 1] (1: no smoothing).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] outside (0, 1].
    pub fn new(alpha: f64) -> Result<Self> {
        if alpha > 0.0 && alpha <= 1.0 {
            Ok(Self { alpha, state: None })
        } else {
            Err(Error::invalid_parameter("alpha", alpha, "in (0, 1]"))
        }
    }
}

impl Smoother for Ewma {
    fn push(&mut self, score: f64) -> Result<f64> {
        let x = finite(score)?;
        let y = self.state.map_or(x, |y| y + self.alpha * (x - y));
        self.state = Some(y);
        Ok(y)
    }
}

/// The median of the last `window` scores (numpy's median: the mean of
/// the middle two for an even count).
#[derive(Debug, Clone, PartialEq)]
pub struct MovingMedian {
    window: SortedWindow,
}

impl MovingMedian {
    /// A median over `window >= 1` scores.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero window.
    pub fn new(window: usize) -> Result<Self> {
        if window == 0 {
            return Err(Error::invalid_parameter("window", 0, ">= 1"));
        }
        Ok(Self {
            window: SortedWindow::new(window),
        })
    }
}

impl Smoother for MovingMedian {
    fn push(&mut self, score: f64) -> Result<f64> {
        self.window.push(finite(score)?);
        Ok(self.window.quantile(0.5))
    }
}

/// Kernel half-width in standard deviations.
const TRUNCATE: f64 = 4.0;

fn gaussian_weights(sigma: f64, side: usize) -> Vec<f64> {
    (0..=side)
        .map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp())
        .collect()
}

fn check_sigma(sigma: f64) -> Result<usize> {
    if sigma.is_finite() && sigma > 0.0 && sigma <= 1e4 {
        Ok((TRUNCATE * sigma).ceil() as usize)
    } else {
        Err(Error::invalid_parameter(
            "sigma",
            sigma,
            "in (0, 1e4] samples",
        ))
    }
}

/// A one-sided (causal) Gaussian filter: the weighted mean of the current
/// and past scores with weights `exp(-k^2 / (2 sigma^2))` for the score `k`
/// samples back, truncated at `4 sigma` and renormalised while fewer scores
/// are available.
#[derive(Debug, Clone, PartialEq)]
pub struct CausalGaussian {
    weights: Vec<f64>,
    recent: VecDeque<f64>,
}

impl CausalGaussian {
    /// A filter of width `sigma` samples, in (0, 1e4].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] outside that range.
    pub fn new(sigma: f64) -> Result<Self> {
        let side = check_sigma(sigma)?;
        Ok(Self {
            weights: gaussian_weights(sigma, side),
            recent: VecDeque::new(),
        })
    }
}

impl Smoother for CausalGaussian {
    fn push(&mut self, score: f64) -> Result<f64> {
        let x = finite(score)?;
        if self.recent.len() == self.weights.len() {
            self.recent.pop_back();
        }
        self.recent.push_front(x);
        let (mut num, mut den) = (0.0, 0.0);
        for (v, w) in self.recent.iter().zip(&self.weights) {
            num += w * v;
            den += w;
        }
        Ok(num / den)
    }
}

/// **Offline** (looks at the future): a centred Gaussian filter of width
/// `sigma` samples, truncated at `4 sigma`, with the edges handled by
/// renormalising the weights that fall inside the series.
///
/// ```
/// let y = oddframe::smooth::gaussian_centered(&[0.0, 0.0, 9.0, 0.0, 0.0], 1.0)?;
/// assert!(y[1] > 0.0 && y[1] == y[3]); // the peak spreads both ways
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::Empty`] or [`Error::NonFinite`] for unusable scores,
/// [`Error::InvalidParameter`] for `sigma` outside (0, 1e4].
pub fn gaussian_centered(scores: &[f64], sigma: f64) -> Result<Vec<f64>> {
    check_scores(scores, "scores")?;
    let side = check_sigma(sigma)?;
    let w = gaussian_weights(sigma, side);
    let n = scores.len();
    Ok((0..n)
        .map(|i| {
            let lo = i.saturating_sub(side);
            let hi = (i + side).min(n - 1);
            let (mut num, mut den) = (0.0, 0.0);
            for (j, &x) in scores.iter().enumerate().take(hi + 1).skip(lo) {
                let weight = w[i.abs_diff(j)];
                num += weight * x;
                den += weight;
            }
            num / den
        })
        .collect())
}

/// **Offline** (looks at the future): per-series min-max normalisation to
/// [0, 1] (all zeros for a constant series).
///
/// # Errors
/// [`Error::Empty`] or [`Error::NonFinite`] for unusable scores.
pub fn min_max(scores: &[f64]) -> Result<Vec<f64>> {
    check_scores(scores, "scores")?;
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    Ok(scores
        .iter()
        .map(|&x| if span > 0.0 { (x - lo) / span } else { 0.0 })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothers_follow_their_definitions() {
        let mut e = Ewma::new(0.5).unwrap();
        let y: Vec<f64> = [2.0, 4.0, 4.0]
            .iter()
            .map(|&x| e.push(x).unwrap())
            .collect();
        assert_eq!(y, [2.0, 3.0, 3.5]);
        let mut m = MovingMedian::new(2).unwrap();
        assert_eq!(m.push(1.0).unwrap(), 1.0);
        assert_eq!(m.push(3.0).unwrap(), 2.0);
        assert_eq!(m.push(10.0).unwrap(), 6.5);
        // causal: a spike only moves later outputs
        let mut g = CausalGaussian::new(1.0).unwrap();
        let y: Vec<f64> = [0.0, 0.0, 8.0, 0.0]
            .iter()
            .map(|&x| g.push(x).unwrap())
            .collect();
        assert_eq!(&y[..2], [0.0, 0.0]);
        let w1 = (-0.5f64).exp();
        // four scores so far: the weights of 0..=3 samples back
        let total: f64 = (0..=3).map(|k| (-0.5 * f64::from(k * k)).exp()).sum();
        let want = 8.0 * w1 / total;
        assert!((y[3] - want).abs() < 1e-12, "{} vs {want}", y[3]);
        assert!(e.push(f64::NAN).is_err() && m.push(f64::INFINITY).is_err());
        assert!(Ewma::new(0.0).is_err() && MovingMedian::new(0).is_err());
        assert!(CausalGaussian::new(f64::NAN).is_err() && CausalGaussian::new(1e9).is_err());
    }

    #[test]
    fn offline_transforms_follow_their_definitions() {
        assert_eq!(min_max(&[2.0, 4.0, 3.0]).unwrap(), [0.0, 1.0, 0.5]);
        assert_eq!(min_max(&[5.0, 5.0]).unwrap(), [0.0, 0.0]);
        let y = gaussian_centered(&[1.0; 7], 2.0).unwrap();
        assert!(y.iter().all(|v| (v - 1.0).abs() < 1e-12));
        assert!(min_max(&[]).is_err() && gaussian_centered(&[f64::NAN], 1.0).is_err());
    }
}
