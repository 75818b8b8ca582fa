//! Turning scores into decisions: thresholds calibrated on normal data and
//! a k-sigma threshold for streams.
//!
//! Every threshold flags a sample when its score is **strictly greater**
//! than the threshold.

use crate::validate::check_scores;
use crate::{Error, Result};

/// A named calibration preset: the fraction of *normal* samples the threshold
/// is allowed to flag.
///
/// | preset | flags this fraction of normal scores |
/// |---|---|
/// | `Conservative` | 5 % |
/// | `Balanced` | 10 % |
/// | `Moderate` | 25 % |
/// | `Sensitive` | 50 % |
///
/// `Sensitive` is for triage, where a missed anomaly costs much more than a
/// reviewed false alarm: it flags everything above the median normal score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Preset {
    /// Flags 5 % of normal samples.
    Conservative,
    /// Flags 10 % of normal samples.
    Balanced,
    /// Flags 25 % of normal samples.
    Moderate,
    /// Flags 50 % of normal samples.
    Sensitive,
}

impl Preset {
    /// The target anomaly rate on normal data.
    pub fn anomaly_rate(self) -> f64 {
        match self {
            Preset::Conservative => 0.05,
            Preset::Balanced => 0.10,
            Preset::Moderate => 0.25,
            Preset::Sensitive => 0.50,
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "conservative" => Ok(Preset::Conservative),
            "balanced" => Ok(Preset::Balanced),
            "moderate" => Ok(Preset::Moderate),
            "sensitive" => Ok(Preset::Sensitive),
            _ => Err(Error::invalid_parameter(
                "preset",
                s,
                "one of conservative, balanced, moderate, sensitive",
            )),
        }
    }
}

/// How a [`Threshold`] is derived from scores of normal data.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Calibration {
    /// The `q`-quantile of the normal scores, `q` in \[0, 1\] (linear
    /// interpolation between order statistics, as numpy's default).
    Quantile(f64),
    /// Flags this fraction of the normal scores: the `1 - rate` quantile,
    /// `rate` in \[0, 1\].
    AnomalyRate(f64),
    /// A named anomaly rate.
    Preset(Preset),
    /// A fixed value; needs no scores.
    Fixed(f64),
}

/// A decision for one score.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Decision {
    /// The score (higher = more anomalous).
    pub score: f64,
    /// The threshold it was compared with.
    pub threshold: f64,
    /// `score > threshold`.
    pub is_anomaly: bool,
}

/// A fixed threshold calibrated from normal scores.
///
/// Saved and loaded through [`crate::Persist`] (feature `serde`, format
/// `oddframe.threshold`), which re-checks the value and the calibration.
///
/// ```
/// use oddframe::{Calibration, Preset, Threshold};
///
/// let normal: Vec<f64> = (0..100).map(f64::from).collect();
/// let t = Threshold::calibrate(Calibration::Preset(Preset::Balanced), &normal)?;
/// assert!((t.value() - 89.1).abs() < 1e-9);
/// assert!(t.decide(95.0).is_anomaly);
/// assert!(!t.decide(50.0).is_anomaly);
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Threshold {
    value: f64,
    calibration: Calibration,
}

impl Threshold {
    /// A fixed threshold.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `value` is NaN or infinite.
    pub fn fixed(value: f64) -> Result<Self> {
        Self::calibrate(Calibration::Fixed(value), &[])
    }

    /// Calibrates from scores of normal data (ignored for `Fixed`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a quantile or rate outside \[0, 1\] or
    /// NaN, or a non-finite fixed value; [`Error::Empty`] or
    /// [`Error::NonFinite`] for unusable scores.
    pub fn calibrate(calibration: Calibration, normal_scores: &[f64]) -> Result<Self> {
        let q = match calibration {
            Calibration::Fixed(v) => {
                if !v.is_finite() {
                    return Err(Error::invalid_parameter("fixed", v, "finite"));
                }
                return Ok(Self {
                    value: v,
                    calibration,
                });
            }
            Calibration::Quantile(q) => check_unit("quantile", q)?,
            Calibration::AnomalyRate(r) => 1.0 - check_unit("anomaly_rate", r)?,
            Calibration::Preset(p) => 1.0 - p.anomaly_rate(),
        };
        check_scores(normal_scores, "normal scores")?;
        let mut sorted = normal_scores.to_vec();
        sorted.sort_by(f64::total_cmp);
        Ok(Self {
            value: quantile_sorted(&sorted, q),
            calibration,
        })
    }

    /// The threshold value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// How it was calibrated.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// Compares one score with the threshold.
    pub fn decide(&self, score: f64) -> Decision {
        Decision {
            score,
            threshold: self.value,
            is_anomaly: score > self.value,
        }
    }

    /// Compares every score with the threshold (scores of any float type,
    /// as a detector returns them).
    ///
    /// ```
    /// use oddframe::Threshold;
    /// let t = Threshold::fixed(1.0)?;
    /// let flags: Vec<bool> = t.decide_all(ndarray::array![0.5f32, 2.0].view())
    ///     .iter().map(|d| d.is_anomaly).collect();
    /// assert_eq!(flags, [false, true]);
    /// # Ok::<(), oddframe::Error>(())
    /// ```
    pub fn decide_all<F: crate::Float>(&self, scores: ndarray::ArrayView1<'_, F>) -> Vec<Decision> {
        scores.iter().map(|s| self.decide(s.as_f64())).collect()
    }

    /// Checks a calibration's own parameters (not the scores).
    #[cfg(feature = "serde")]
    fn check_calibration(calibration: Calibration) -> Result<()> {
        match calibration {
            Calibration::Fixed(v) if !v.is_finite() => {
                Err(Error::invalid_parameter("fixed", v, "finite"))
            }
            Calibration::Quantile(q) => check_unit("quantile", q).map(drop),
            Calibration::AnomalyRate(r) => check_unit("anomaly_rate", r).map(drop),
            _ => Ok(()),
        }
    }
}

#[cfg(feature = "serde")]
mod persist_threshold {
    use super::{Calibration, Threshold};
    use crate::persist::{Envelope, Persist};
    use crate::{Error, Result};

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        value: f64,
        calibration: Calibration,
    }

    impl Persist for Threshold {
        const FORMAT: &'static str = "oddframe.threshold";
        const SCHEMA: u32 = 1;

        fn to_envelope(&self) -> Result<Envelope> {
            let body = Body {
                value: self.value,
                calibration: self.calibration,
            };
            Envelope::new(
                Self::FORMAT,
                Self::SCHEMA,
                env!("CARGO_PKG_VERSION"),
                None,
                &body,
            )
        }

        fn from_checked_envelope(env: Envelope) -> Result<Self> {
            let b: Body = env.body()?;
            let bad = |reason: String| Error::invalid_file(Self::FORMAT, reason);
            if !b.value.is_finite() {
                return Err(bad(format!("value {} is not finite", b.value)));
            }
            Threshold::check_calibration(b.calibration).map_err(|e| bad(e.to_string()))?;
            if let Calibration::Fixed(v) = b.calibration {
                if v != b.value {
                    return Err(bad(format!(
                        "fixed threshold {v} saved with value {}",
                        b.value
                    )));
                }
            }
            Ok(Threshold {
                value: b.value,
                calibration: b.calibration,
            })
        }
    }
}

fn check_unit(name: &'static str, v: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid_parameter(name, v, "in [0, 1]"))
    }
}

/// The `q`-quantile of sorted, non-empty data with linear interpolation
/// (numpy's default method).
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The `q`-quantile of `data` (linear interpolation, numpy's default).
///
/// ```
/// assert_eq!(oddframe::threshold::quantile(&[3.0, 1.0, 2.0], 0.5)?, 2.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// As [`Threshold::calibrate`].
pub fn quantile(data: &[f64], q: f64) -> Result<f64> {
    Ok(Threshold::calibrate(Calibration::Quantile(q), data)?.value())
}

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
        let is_anomaly = score > threshold;
        if !is_anomaly || self.learn_anomalies {
            if self.n == 0 {
                self.mean = score;
            } else {
                let d = score - self.mean;
                self.mean += self.alpha * d;
                self.var = (1.0 - self.alpha) * (self.var + self.alpha * d * d);
            }
            self.n += 1;
        }
        Ok(Decision {
            score,
            threshold,
            is_anomaly,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_numpy_linear() {
        // numpy.quantile([1, 2, 4, 8], [0, 0.3, 0.5, 1]) = [1, 1.9, 3, 8]
        let d = [8.0, 1.0, 4.0, 2.0];
        for (q, want) in [(0.0, 1.0), (0.3, 1.9), (0.5, 3.0), (1.0, 8.0)] {
            assert!((quantile(&d, q).unwrap() - want).abs() < 1e-12, "q={q}");
        }
    }

    #[test]
    fn presets_are_ordered() {
        let s: Vec<f64> = (0..1000).map(f64::from).collect();
        let v: Vec<f64> = [
            Preset::Conservative,
            Preset::Balanced,
            Preset::Moderate,
            Preset::Sensitive,
        ]
        .iter()
        .map(|&p| {
            Threshold::calibrate(Calibration::Preset(p), &s)
                .unwrap()
                .value()
        })
        .collect();
        assert!(v.windows(2).all(|w| w[0] > w[1]), "{v:?}");
        let flagged = s.iter().filter(|&&x| x > v[1]).count();
        assert_eq!(flagged, 100);
    }

    #[test]
    #[cfg(feature = "serde")]
    fn threshold_files_are_checked() {
        use crate::Persist;
        let t =
            Threshold::calibrate(Calibration::Preset(Preset::Balanced), &[1.0, 2.0, 5.0]).unwrap();
        assert_eq!(Threshold::from_json(&t.to_json().unwrap()).unwrap(), t);
        let file = |value: &str, cal: &str| {
            format!(
                r#"{{"format":"oddframe.threshold","schema":1,"crate_version":"0","model":{{"value":{value},"calibration":{cal}}}}}"#
            )
        };
        assert!(Threshold::from_json(file("1.5", r#"{"quantile":0.9}"#).as_bytes()).is_ok());
        for (value, cal) in [
            ("1e999", r#"{"quantile":0.9}"#),
            ("1.5", r#"{"quantile":1.5}"#),
            ("1.5", r#"{"anomaly_rate":-1}"#),
            ("1.5", r#"{"fixed":2.0}"#),
            ("1.5", r#"{"preset":"loud"}"#),
            ("\"x\"", r#"{"quantile":0.9}"#),
        ] {
            let e = Threshold::from_json(file(value, cal).as_bytes());
            assert!(e.is_err(), "{value} {cal}");
        }
    }

    #[test]
    fn bad_calibrations_are_errors() {
        let s = [1.0, 2.0];
        assert!(Threshold::calibrate(Calibration::Quantile(f64::NAN), &s).is_err());
        assert!(Threshold::calibrate(Calibration::Quantile(1.5), &s).is_err());
        assert!(Threshold::calibrate(Calibration::AnomalyRate(-0.1), &s).is_err());
        assert!(Threshold::calibrate(Calibration::Quantile(0.5), &[]).is_err());
        assert!(Threshold::calibrate(Calibration::Quantile(0.5), &[1.0, f64::NAN]).is_err());
        assert!(Threshold::fixed(f64::INFINITY).is_err());
        assert_eq!(Threshold::fixed(2.0).unwrap().value(), 2.0);
        assert!("loud".parse::<Preset>().is_err());
        assert_eq!("Balanced".parse::<Preset>().unwrap(), Preset::Balanced);
    }

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
