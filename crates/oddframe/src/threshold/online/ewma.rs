//! k-sigma over an exponentially weighted moving average: the threshold of
//! the per-stream online systems oddframe replaces.

use super::{normal_tail, OnlineThreshold};
use crate::{Decision, Error, Result};

/// A k-sigma threshold over an exponentially weighted moving average, for
/// streams whose normal level drifts.
///
/// Each score is first compared with `mean + k * std` of the scores seen so
/// far, then folded into the moving statistics
/// (`mean += a * d`, `var = (1 - a) * (var + a * d^2)` with `d = score - mean`
/// and `a = max(alpha, 1 / n)` for the `n`-th score learned, so that the
/// first `1 / alpha` scores are weighed equally instead of the statistics
/// starting from a variance of 0). During the first `warmup` scores
/// nothing is flagged and the threshold is `+inf`. By default flagged
/// scores are not folded in, so an anomaly, however long, does not raise
/// the bar it is measured against. The statistics then describe the scores
/// *below* the band, a Gaussian truncated at `k` sigmas, whose mean and
/// spread are lower than the whole stream's; the band corrects for that
/// (mean `+ sigma phi(k) / Phi(k)`, spread divided by the truncated
/// variance's square root), so that a Gaussian stream is flagged at the
/// rate `1 - Phi(k)` (without the correction, 1.5 times that at `k` =
/// 2.33). The correction vanishes for large `k` (under 1e-5 at `k = 5`).
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

    /// Whether flagged scores are folded into the moving statistics too
    /// (default `false`).
    pub fn learn_anomalies(mut self, yes: bool) -> Self {
        self.learn_anomalies = yes;
        self
    }

    /// The current threshold (`+inf` during warm-up).
    pub fn value(&self) -> f64 {
        self.value_of(self.band())
    }

    /// The threshold of a band (`+inf` during warm-up).
    fn value_of(&self, (mean, sd): (f64, f64)) -> f64 {
        if self.n < self.warmup.max(1) {
            f64::INFINITY
        } else {
            mean + self.k * sd
        }
    }

    /// The moving mean (of the whole stream: corrected for the flagged
    /// scores left out under protect).
    pub fn mean(&self) -> f64 {
        self.band().0
    }

    /// The moving standard deviation (corrected as [`Self::mean`]).
    pub fn std(&self) -> f64 {
        self.band().1
    }

    /// The mean and standard deviation of the Gaussian whose part below
    /// the band the learned statistics describe: the moments of a normal
    /// truncated at `k` sigmas are `mu - sigma lambda` and `sigma^2 (1 - k
    /// lambda - lambda^2)`, with `lambda = phi(k) / Phi(k)`.
    fn band(&self) -> (f64, f64) {
        let sd = self.var.sqrt();
        if self.learn_anomalies {
            return (self.mean, sd);
        }
        let k = self.k;
        let density = (-0.5 * k * k).exp() / (std::f64::consts::TAU).sqrt();
        let lambda = density / (1.0 - normal_tail(k));
        let sigma = sd / (1.0 - k * lambda - lambda * lambda).sqrt();
        (self.mean + sigma * lambda, sigma)
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
        let band = self.band();
        let threshold = self.value_of(band);
        let decision = Decision {
            p_value: threshold.is_finite().then(|| tail_of(band, score)),
            ..Decision::new(score, threshold)
        };
        if !decision.is_anomaly || self.learn_anomalies {
            if self.n == 0 {
                self.mean = score;
            } else {
                let a = self.alpha.max(1.0 / (self.n as f64 + 1.0));
                let d = score - self.mean;
                self.mean += a * d;
                self.var = (1.0 - a) * (self.var + a * d * d);
            }
            self.n += 1;
        }
        self.seen += 1;
        Ok(decision)
    }

    /// The tail probability of `score` under the current band.
    fn tail(&self, score: f64) -> f64 {
        tail_of(self.band(), score)
    }
}

/// `P(X >= score)` for a normal `X` with the band's mean and standard
/// deviation (1 or 0 when the deviation is 0).
fn tail_of((mean, sd): (f64, f64), score: f64) -> f64 {
    if sd > 0.0 {
        normal_tail((score - mean) / sd)
    } else if score > mean {
        0.0
    } else {
        1.0
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
        // unprotected: the statistics as learned
        let mut open = StreamingThreshold::new(0.5, 2.0, 2)
            .unwrap()
            .learn_anomalies(true);
        open.observe(1.0).unwrap();
        open.observe(3.0).unwrap();
        // mean = 1 + 0.5 * 2 = 2; var = 0.5 * (0 + 0.5 * 4) = 1
        assert!((open.mean() - 2.0).abs() < 1e-12);
        assert!((open.std() - 1.0).abs() < 1e-12);
        assert!((open.value() - 4.0).abs() < 1e-12);
        // protected: corrected for the truncation at k = 2 (lambda =
        // phi(2) / Phi(2) = 0.055248, truncated variance 0.886452)
        let (lambda, var) = (0.055_247_86, 0.886_451_9);
        let sigma = 1.0 / f64::sqrt(var);
        assert!((t.std() - sigma).abs() < 1e-6, "{}", t.std());
        assert!((t.mean() - (2.0 + sigma * lambda)).abs() < 1e-6);
        let before = t.value();
        assert!(t.observe(20.0).unwrap().is_anomaly);
        assert_eq!(t.value(), before, "a flagged score is not learned");
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
