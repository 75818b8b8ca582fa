//! Turning scores into decisions: thresholds calibrated on normal data
//! ([`Threshold`]), with a guaranteed false-alarm rate when the normal data
//! were held out from fitting ([`Calibration::Conformal`], [`Holdout`]),
//! and thresholds that follow a stream ([`online`]).
//!
//! Every threshold flags a sample when its score is **strictly greater**
//! than the threshold.

mod conformal;
pub mod online;

use std::sync::Arc;

use crate::validate::check_scores;
use crate::{Error, Result};

pub use conformal::{conformal_p_value, Holdout};
pub use online::StreamingThreshold;

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
    /// Split-conformal calibration for this false-alarm rate, in (0, 1):
    /// the scores must come from normal data **the model did not fit**
    /// (see [`Holdout`]). With `n` such scores the threshold is the
    /// `ceil((n + 1)(1 - rate))`-th smallest, so that a new normal sample
    /// exchangeable with them is flagged with probability at most `rate`
    /// (and, without ties, more than `rate - 1 / (n + 1)`). Every decision
    /// carries its conformal p-value. Needs `n >= 1 / rate - 1` scores.
    Conformal(f64),
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
    /// How unusual the score is under normal data: the estimated
    /// probability that a normal score is at least this high, where the
    /// threshold can tell (a conformal threshold's p-value, an online
    /// threshold's tail estimate); `None` otherwise.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub p_value: Option<f64>,
}

impl Decision {
    /// A decision without a tail probability.
    pub(crate) fn new(score: f64, threshold: f64) -> Self {
        Self {
            score,
            threshold,
            is_anomaly: score > threshold,
            p_value: None,
        }
    }
}

/// A fixed threshold calibrated from normal scores.
///
/// A [`Calibration::Conformal`] threshold keeps its (sorted) calibration
/// scores to give every decision a p-value. Saved and loaded through
/// [`crate::Persist`] (feature `serde`, format `oddframe.threshold`), which
/// re-checks the value, the calibration and the scores.
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "persist_threshold::Body", into = "persist_threshold::Body")
)]
pub struct Threshold {
    value: f64,
    calibration: Calibration,
    /// The sorted calibration scores of a conformal threshold.
    reference: Option<Arc<[f64]>>,
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
                    reference: None,
                });
            }
            Calibration::Quantile(q) => check_unit("quantile", q)?,
            Calibration::AnomalyRate(r) => 1.0 - check_unit("anomaly_rate", r)?,
            Calibration::Preset(p) => 1.0 - p.anomaly_rate(),
            Calibration::Conformal(rate) => {
                conformal::check_rate(rate)?;
                check_scores(normal_scores, "calibration scores")?;
                let rank = conformal::rank(normal_scores.len(), rate)?;
                let mut sorted = normal_scores.to_vec();
                sorted.sort_by(f64::total_cmp);
                return Ok(Self {
                    value: sorted[rank - 1],
                    calibration,
                    reference: Some(sorted.into()),
                });
            }
        };
        check_scores(normal_scores, "normal scores")?;
        let mut sorted = normal_scores.to_vec();
        sorted.sort_by(f64::total_cmp);
        Ok(Self {
            value: quantile_sorted(&sorted, q),
            calibration,
            reference: None,
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

    /// The sorted calibration scores a conformal threshold keeps (`None`
    /// for the other calibrations).
    pub fn calibration_scores(&self) -> Option<&[f64]> {
        self.reference.as_deref()
    }

    /// The conformal p-value of `score`: `(1 + #{calibration scores >=
    /// score}) / (n + 1)`, the probability that a new normal score is at
    /// least this high. `score` is flagged exactly when its p-value is at
    /// most the rate. `None` for thresholds that are not conformal.
    pub fn p_value(&self, score: f64) -> Option<f64> {
        self.reference
            .as_deref()
            .map(|sorted| conformal_p_value(sorted, score))
    }

    /// Compares one score with the threshold.
    pub fn decide(&self, score: f64) -> Decision {
        Decision {
            p_value: self.p_value(score),
            ..Decision::new(score, self.value)
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
            Calibration::Conformal(r) => conformal::check_rate(r),
            _ => Ok(()),
        }
    }
}

#[cfg(feature = "serde")]
mod persist_threshold {
    use super::{conformal, Calibration, Threshold};
    use crate::persist::{Envelope, Persist};
    use crate::{Error, Result};

    /// The saved form, checked when read.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Body {
        value: f64,
        calibration: Calibration,
        /// A conformal threshold's sorted calibration scores (schema 2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scores: Option<Vec<f64>>,
    }

    /// Schema 2 adds the conformal calibration and its scores; schema 1
    /// files (no scores) still load.
    impl Persist for Threshold {
        const FORMAT: &'static str = "oddframe.threshold";
        const SCHEMA: u32 = 2;

        fn to_envelope(&self) -> Result<Envelope> {
            Envelope::new(
                Self::FORMAT,
                Self::SCHEMA,
                env!("CARGO_PKG_VERSION"),
                None,
                &Body::from(self.clone()),
            )
        }

        fn from_checked_envelope(env: Envelope) -> Result<Self> {
            let b: Body = env.body()?;
            Threshold::try_from(b).map_err(|e| Error::invalid_file(Self::FORMAT, e.to_string()))
        }
    }

    impl From<Threshold> for Body {
        fn from(t: Threshold) -> Self {
            Body {
                value: t.value,
                calibration: t.calibration,
                scores: t.reference.as_deref().map(<[f64]>::to_vec),
            }
        }
    }

    impl TryFrom<Body> for Threshold {
        type Error = Error;

        fn try_from(b: Body) -> Result<Self> {
            let bad = |reason: String| {
                Error::invalid_parameter("threshold", reason, "a consistent saved threshold")
            };
            if !b.value.is_finite() {
                return Err(bad(format!("value {} is not finite", b.value)));
            }
            Threshold::check_calibration(b.calibration).map_err(|e| bad(e.to_string()))?;
            match (b.calibration, b.scores) {
                (Calibration::Fixed(v), None) if v != b.value => Err(bad(format!(
                    "fixed threshold {v} saved with value {}",
                    b.value
                ))),
                (Calibration::Conformal(rate), Some(scores)) => {
                    conformal::check_sorted(&scores).map_err(|e| bad(e.to_string()))?;
                    let t = Threshold::calibrate(Calibration::Conformal(rate), &scores)
                        .map_err(|e| bad(e.to_string()))?;
                    if t.value != b.value {
                        return Err(bad(format!(
                            "conformal threshold saved with value {}, its scores give {}",
                            b.value, t.value
                        )));
                    }
                    Ok(t)
                }
                (Calibration::Conformal(_), None) => {
                    Err(bad("a conformal threshold without its scores".into()))
                }
                (_, Some(_)) => Err(bad("scores saved with a calibration that keeps none".into())),
                (calibration, None) => Ok(Threshold {
                    value: b.value,
                    calibration,
                    reference: None,
                }),
            }
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
}
