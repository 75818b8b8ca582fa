//! k-sigma over an exponentially weighted moving average: the threshold of
//! the per-stream online systems oddframe replaces.

use super::{normal_tail, OnlineThreshold};
use crate::{Decision, Error, Result};

/// A k-sigma threshold over an exponentially weighted moving average, for
/// streams whose normal level drifts.
///
/// Each score is first compared with `mean + k * std` of the scores seen so
/// far, then folded into the moving statistics
/// (`mean += a * d`, `var = (1 - a) * (var + a * d^2)` with `d = score - mean`).
/// During the first `warmup` scores nothing is flagged and the threshold is
/// `+inf`. By default anomalous scores are not folded in, so a long anomaly
/// does not raise the bar it is measured against.
///
/// ```
/// use oddframe::StreamingThreshold;
///
/// let mut t = StreamingThreshold::new(0.1, 5.0, 10)?;
/// for i in 0..50 {
///     let d = t.observe(1.0 + 0.01 * f64::from(i % 3))?;
///     assert!(!d.is_anomaly);
/// }
/// assert!(t.observe(10.0)?.is_anomaly);
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct StreamingThreshold {
    alpha: f64,
    k: f64,
    warmup: u64,
    learn_anomalies: bool,
    n: u64,
    mean: f64,
    var: f64,
    /// Scores observed, flagged ones included (absent from older files).
    #[cfg_attr(feature = "serde", serde(default))]
    seen: u64,
}

impl Default for StreamingThreshold {
    /// `alpha = 0.1`, `k = 5`, `warmup = 10`.
    fn default() -> Self {
        Self {
            alpha: 0.1,
            k: 5.0,
            warmup: 10,
            learn_anomalies: false,
            n: 0,
            mean: 0.0,
            var: 0.0,
            seen: 0,
        }
    }
}

impl StreamingThreshold {
    /// A threshold with smoothing `alpha` in (0, 1], width `k > 0` standard
    /// deviations and `warmup` scores before any flag.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(alpha: f64, k: f64, warmup: u64) -> Result<Self> {
        if !(alpha > 0.0 && alpha <= 1.0) {
            return Err(Error::invalid_parameter("alpha", alpha, "in (0, 1]"));
        }
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::invalid_parameter("k", k, "finite and > 0"));
        }
        Ok(Self {
            alpha,
            k,
            warmup,
            ..Self::default()
        })
    }

    /// Whether anomalous scores are folded into the moving statistics too
    /// (default `false`).
    pub fn learn_anomalies(mut self, yes: bool) -> Self {
        self.learn_anomalies = yes;
        self
    }

    /// The current threshold (`+inf` during warm-up).
    pub fn value(&self) -> f64 {
        if self.n < self.warmup.max(1) {
            f64::INFINITY
        } else {
            self.mean + self.k * self.var.sqrt()
        }
    }

    /// The moving mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The moving standard deviation.
    pub fn std(&self) -> f64 {
        self.var.sqrt()
    }

    /// Checks a state read from a file: the parameters in range, the moving
    /// statistics finite.
    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        Self::new(self.alpha, self.k, self.warmup)?;
        if !(self.mean.is_finite() && self.var.is_finite() && self.var >= 0.0) {
            return Err(Error::invalid_parameter(
                "moving statistics",
                format!("mean {}, var {}", self.mean, self.var),
                "finite, var >= 0",
            ));
        }
        Ok(())
    }

    /// Decides on `score`, then learns from it.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite score (the state is unchanged).
    pub fn observe(&mut self, score: f64) -> Result<Decision> {
        if !score.is_finite() {
            return Err(Error::NonFinite { row: 0, col: 0 });
        }
        let threshold = self.value();
        let decision = Decision {
            p_value: threshold.is_finite().then(|| self.tail(score)),
            ..Decision::new(score, threshold)
        };
        if !decision.is_anomaly || self.learn_anomalies {
            if self.n == 0 {
                self.mean = score;
            } else {
                let d = score - self.mean;
                self.mean += self.alpha * d;
                self.var = (1.0 - self.alpha) * (self.var + self.alpha * d * d);
            }
            self.n += 1;
        }
        self.seen += 1;
        Ok(decision)
    }

    /// `P(X >= score)` for a normal `X` with the moving mean and standard
    /// deviation (1 or 0 when the deviation is 0).
    fn tail(&self, score: f64) -> f64 {
        let sd = self.var.sqrt();
        if sd > 0.0 {
            normal_tail((score - self.mean) / sd)
        } else if score > self.mean {
            0.0
        } else {
            1.0
        }
    }
}

/// Warm-up counts learned scores; "protect" is `learn_anomalies(false)`,
/// the default; the tail probability assumes Gaussian scores.
impl OnlineThreshold for StreamingThreshold {
    fn observe(&mut self, score: f64) -> Result<Decision> {
        StreamingThreshold::observe(self, score)
    }

    fn value(&self) -> f64 {
        StreamingThreshold::value(self)
    }

    fn tail_probability(&self, score: f64) -> Option<f64> {
        (self.n > 0).then(|| self.tail(score))
    }

    fn seen(&self) -> u64 {
        self.seen
    }

    fn is_warm(&self) -> bool {
        self.value().is_finite()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_threshold_tracks_ewma() {
        let mut t = StreamingThreshold::new(0.5, 2.0, 2).unwrap();
        t.observe(1.0).unwrap();
        t.observe(3.0).unwrap();
        // mean = 1 + 0.5 * 2 = 2; var = 0.5 * (0 + 0.5 * 4) = 1
        assert!((t.mean() - 2.0).abs() < 1e-12);
        assert!((t.std() - 1.0).abs() < 1e-12);
        assert!((t.value() - 4.0).abs() < 1e-12);
        let d = t.observe(4.5).unwrap();
        assert!(d.is_anomaly);
        // the anomaly was not learned
        assert!((t.mean() - 2.0).abs() < 1e-12);
        assert!(t.observe(f64::NAN).is_err());
        assert!(StreamingThreshold::new(0.0, 5.0, 0).is_err());
        assert!(StreamingThreshold::new(0.1, f64::NAN, 0).is_err());
    }

    #[test]
    fn warmup_never_flags() {
        let mut t = StreamingThreshold::new(0.1, 5.0, 3).unwrap();
        for s in [1.0, 100.0, 1000.0] {
            let d = t.observe(s).unwrap();
            assert!(!d.is_anomaly);
            assert!(d.threshold.is_infinite());
        }
        assert!(t.value().is_finite());
    }
}
