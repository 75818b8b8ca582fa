//! Thresholds that follow a stream of scores, one score at a time.
//!
//! Every method implements [`OnlineThreshold`]: [`observe`] compares a
//! score with the current threshold, returns the [`Decision`] with the
//! score's estimated tail probability, then learns from the score. They
//! share three rules:
//!
//! - **Warm-up**: the first `warmup` scores are learned but never flagged
//!   (the threshold is `+inf`); SPOT and DSPOT calibrate on them.
//! - **Protect** (on by default): anomalies must not move the threshold,
//!   yet a rate method must still learn the normal scores it flags (a share
//!   `rate` of them), or it would drift towards flagging more. So only a
//!   flagged score *far* beyond the normal tail is left out:
//!   - For the quantiles, SPOT and DSPOT, far is more than three decades of
//!     tail probability beyond the threshold, with the tail extended
//!     log-linearly from a reference the method already knows: the
//!     quantiles' `1 - 10 rate` quantile (one decade below the threshold),
//!     SPOT's and DSPOT's initial threshold. The bound is exact for an
//!     exponential tail and 5.5 sigma for a Gaussian at a rate of 1e-2. It
//!     moves only as the threshold does, so anomalies left out cannot push
//!     it up. A heavy tail reaches further than a log-linear extension: the
//!     quantiles also follow the tail's curvature, from a third quantile
//!     half a decade below the threshold, and take the further of the two
//!     bounds (for a Student-t(3) at 1e-2, 34 instead of 13, which would
//!     leave out 5 % of the flagged normal scores).
//!   - The other flagged scores are learned: by the quantiles as they are,
//!     by SPOT and DSPOT as censored peaks (known only to exceed the
//!     threshold). DSPOT's moving mean learns every flagged score at the
//!     threshold's value, so a lasting shift still pulls it along.
//!   - The MAD and IQR rules learn the flagged scores that are not far at
//!     the threshold's value (their centre and spread stay put); for them,
//!     far means a thousand times rarer than the band's edge under the
//!     Gaussian model the band assumes.
//!   - The EWMA learns no flagged score, so that a long anomaly cannot
//!     widen its band, and corrects its mean and spread for the scores it
//!     leaves out, under the same Gaussian model.
//! - **NaN and infinities** are rejected with an error, and the state is
//!   left unchanged.
//!
//! | method | parameter | follows drift | guarantee |
//! |---|---|---|---|
//! | [`P2Quantile`] (`quantile:RATE`) | false-alarm rate | no | converges to the quantile (i.i.d.) |
//! | [`WindowQuantile`] (`quantile:RATE:WINDOW`) | false-alarm rate | yes | conformal: at most RATE for exchangeable windows |
//! | [`RollingMad`] (`mad:K`) | width in robust sigmas | yes | Gaussian rate `1 - Phi(K)` |
//! | [`RollingIqr`] (`iqr:K`) | Tukey fence multiple | yes | Gaussian rate for its fence |
//! | [`Spot`] (`spot:RATE`) | false-alarm rate | no | extreme-value tail (GPD) |
//! | [`Dspot`] (`dspot:RATE[:DEPTH]`) | false-alarm rate | yes (moving mean) | as SPOT on the residuals |
//! | [`StreamingThreshold`] (`ewma:K`) | width in sigmas | yes | Gaussian rate `1 - Phi(K)` |
//!
//! [`OnlineMethod`] names a method and its settings (parsed from text such
//! as `spot:1e-3`) and builds an [`Online`], which holds any of them and
//! saves with a stream's state.
//!
//! ```
//! use oddframe::threshold::online::{OnlineMethod, OnlineThreshold};
//!
//! let mut t = "quantile:0.01:1000".parse::<OnlineMethod>()?.build()?;
//! let mut flagged = 0;
//! for i in 0..5000u32 {
//!     // a deterministic stand-in for normal scores: uniform on [0, 1)
//!     let score = f64::from(i.wrapping_mul(2_654_435_761) % 10_007) / 10_007.0;
//!     flagged += u32::from(t.observe(score)?.is_anomaly);
//! }
//! assert!((20..=60).contains(&flagged), "{flagged}"); // about 1 % of 4000
//! let d = t.observe(5.0)?;
//! assert!(d.is_anomaly && d.p_value.is_some_and(|p| p < 0.01));
//! # Ok::<(), oddframe::Error>(())
//! ```
//!
//! [`observe`]: OnlineThreshold::observe

/// Implements [`OnlineThreshold`] for a method made of a `gate: Gate` and
/// a [`Rule`].
macro_rules! gated {
    ($ty:ident) => {
        impl $crate::threshold::online::OnlineThreshold for $ty {
            fn observe(&mut self, score: f64) -> $crate::Result<$crate::Decision> {
                let mut gate = self.gate;
                let d = gate.observe(self, score)?;
                self.gate = gate;
                Ok(d)
            }
            fn value(&self) -> f64 {
                self.gate.value(self)
            }
            fn tail_probability(&self, score: f64) -> Option<f64> {
                $crate::threshold::online::Rule::tail(self, score)
            }
            fn seen(&self) -> u64 {
                self.gate.seen
            }
            fn is_warm(&self) -> bool {
                self.gate.is_warm()
            }
        }
    };
}

mod ewma;
mod method;
mod p2;
mod spot;
mod window;

pub use ewma::StreamingThreshold;
pub use method::{Online, OnlineMethod};
pub use p2::P2Quantile;
pub use spot::{Dspot, Gpd, Spot};
pub(crate) use window::SortedWindow;
pub use window::{RollingIqr, RollingMad, WindowQuantile};

use crate::{Decision, Error, Result};

/// A threshold that learns from the stream it judges.
pub trait OnlineThreshold: Send + Sync + std::fmt::Debug {
    /// Compares `score` with the current threshold, then learns from it
    /// (flagged scores as the protect rule says).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN or an infinity (nothing changes).
    fn observe(&mut self, score: f64) -> Result<Decision>;

    /// The threshold the next score is compared with (`+inf` during the
    /// warm-up).
    fn value(&self) -> f64;

    /// The estimated probability that a normal score is at least `score`,
    /// where the method can tell.
    fn tail_probability(&self, score: f64) -> Option<f64>;

    /// Scores observed so far, warm-up included.
    fn seen(&self) -> u64;

    /// Whether the warm-up is over (flags are possible).
    fn is_warm(&self) -> bool;
}

/// What every method shares: the warm-up, the protect rule and the count.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(crate) struct Gate {
    pub(crate) warmup: u64,
    pub(crate) protect: bool,
    pub(crate) seen: u64,
}

/// How a rule learns a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Learn {
    /// As it is (not flagged, or protect is off).
    Normal,
    /// Flagged under protect, having exceeded this threshold.
    Flagged(f64),
    /// Flagged under protect and far beyond anything normal.
    Far,
}

/// The part of a method that differs: its threshold and how it learns.
pub(crate) trait Rule {
    /// The threshold once warm.
    fn threshold(&self) -> f64;
    /// Learns `score` as the protect rule says.
    fn learn(&mut self, score: f64, how: Learn);
    /// Whether a flagged `score` is far beyond anything normal (never
    /// learned under protect).
    fn far(&self, score: f64) -> bool;
    /// Called once, after the last warm-up score.
    fn end_warmup(&mut self) {}
    /// The tail probability of `score`.
    fn tail(&self, score: f64) -> Option<f64>;
}

impl Gate {
    pub(crate) fn new(warmup: u64, protect: bool) -> Self {
        Self {
            warmup,
            protect,
            seen: 0,
        }
    }

    pub(crate) fn is_warm(&self) -> bool {
        self.seen >= self.warmup
    }

    pub(crate) fn value(&self, rule: &impl Rule) -> f64 {
        if self.is_warm() {
            rule.threshold()
        } else {
            f64::INFINITY
        }
    }

    pub(crate) fn observe(&mut self, rule: &mut impl Rule, score: f64) -> Result<Decision> {
        if !score.is_finite() {
            return Err(Error::NonFinite {
                row: usize::try_from(self.seen).unwrap_or(usize::MAX),
                col: 0,
            });
        }
        let warm = self.is_warm();
        let threshold = self.value(rule);
        let decision = Decision {
            p_value: if warm { rule.tail(score) } else { None },
            ..Decision::new(score, threshold)
        };
        let how = if !(decision.is_anomaly && self.protect) {
            Learn::Normal
        } else if rule.far(score) {
            Learn::Far
        } else {
            Learn::Flagged(threshold)
        };
        rule.learn(score, how);
        self.seen += 1;
        if !warm && self.is_warm() {
            rule.end_warmup();
        }
        Ok(decision)
    }
}

/// How many decades of tail probability beyond the threshold a flagged
/// score must lie to count as far (and not be learned under protect).
pub(crate) const FAR_DECADES: f64 = 3.0;

/// Whether `score` lies more than [`FAR_DECADES`] decades of tail
/// probability beyond `threshold`, extending the tail log-linearly from a
/// `reference` value that normal scores exceed `decades` decades more
/// often than the threshold. The extension is exact for an exponential
/// tail; a lighter tail (Gaussian) puts the bound further out in
/// probability, a heavier one (Pareto) nearer. Where the reference does
/// not lie below the threshold (ties), every flagged score is far.
pub(crate) fn far_beyond(threshold: f64, reference: f64, decades: f64, score: f64) -> bool {
    let gap = threshold - reference;
    if gap > 0.0 && decades > 0.0 {
        score > threshold + FAR_DECADES * gap / decades
    } else {
        score > threshold
    }
}

/// Whether `score` is far beyond a k-sigma band around `centre` with
/// standard deviation `sigma`: a thousand times rarer than the band's edge
/// under the Gaussian model the band assumes (any score above the centre
/// when `sigma` is 0).
pub(crate) fn gaussian_far(score: f64, centre: f64, sigma: f64, k: f64) -> bool {
    if sigma > 0.0 {
        normal_tail((score - centre) / sigma) < normal_tail(k) / 1000.0
    } else {
        score > centre
    }
}

/// The ratio `m` between the upper-tail shares of a quantile method's
/// threshold and its two references (`rate`, `m rate`, `m^2 rate`): half a
/// decade, or less so that the lower reference stays at most a half.
pub(crate) fn reference_step(rate: f64) -> f64 {
    10f64.sqrt().min((0.5 / rate).sqrt())
}

/// The upper-tail shares of the quantile methods' two references.
pub(crate) fn reference_shares(rate: f64) -> [f64; 2] {
    let m = reference_step(rate);
    [m * rate, m * m * rate]
}

/// The quantile methods' far rule: whether `score` lies beyond both
/// [`far_beyond`]'s log-linear bound (from `low`, two steps of `m` below
/// the threshold) and a bound that follows the tail's curvature. The
/// second extends the tail from the quantiles `near` and `low` at the
/// shares [`reference_shares`] gives: each step of `m` in probability
/// widens the gap between quantiles by the ratio `r` of the two gaps the
/// references show (`r = m^gamma` for a generalised Pareto tail of shape
/// `gamma`, the idea of Pickands' estimator), so over the `K` steps of
/// [`FAR_DECADES`] it reaches `threshold + (threshold - near) (r + r^2 +
/// ... + r^K)`. For a light tail (Gaussian) that lies nearer than the
/// log-linear bound, which then decides: a nearer bound would leave out
/// normal scores and, through a lower threshold, more of them. For a heavy
/// tail it lies further out (34 for a Student-t(3) at a rate of 1e-2, where
/// the log-linear bound is 13 and leaves out 5 % of the flagged normal
/// scores).
pub(crate) fn far_beyond_quantiles(
    threshold: f64,
    near: f64,
    low: f64,
    rate: f64,
    score: f64,
) -> bool {
    let m = reference_step(rate);
    let decades = 2.0 * m.log10();
    if !far_beyond(threshold, low, decades, score) {
        return false;
    }
    let (outer, inner) = (threshold - near, near - low);
    if !(outer > 0.0 && inner > 0.0 && m > 1.0) {
        return true;
    }
    let steps = FAR_DECADES / m.log10();
    let r = outer / inner;
    let widening = if (r - 1.0).abs() < 1e-9 {
        steps
    } else {
        r * (r.powf(steps) - 1.0) / (r - 1.0)
    };
    score > threshold + outer * widening
}

/// `P(Z > z)` for a standard normal `Z`, from the complementary error
/// function (Chebyshev fit of Press et al., *Numerical Recipes*, 6.2;
/// relative error under 1.2e-7).
pub(crate) fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    const C: [f64; 10] = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = C.iter().rev().fold(0.0, |acc, &c| acc * t + c);
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The upper-tail share `(1 + #{x >= score}) / (n + 1)` of sorted values.
pub(crate) fn rank_tail(sorted: &[f64], score: f64) -> f64 {
    crate::threshold::conformal_p_value(sorted, score)
}

pub(crate) fn check_rate(name: &'static str, rate: f64) -> Result<f64> {
    if rate > 0.0 && rate < 1.0 {
        Ok(rate)
    } else {
        Err(Error::invalid_parameter(name, rate, "in (0, 1)"))
    }
}

pub(crate) fn check_positive(name: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(Error::invalid_parameter(name, v, "finite and > 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_far_bound_follows_the_tail() {
        // exact quantiles at 1e-2, 3.16e-2 and 1e-1 (scipy.stats isf)
        let gaussian = (2.326_347_874, 1.857_461_293, 1.281_551_566);
        let student_t3 = (4.540_702_858, 2.885_480_950, 1.637_744_354);
        let exponential = (100f64.ln(), 10f64.sqrt().ln() + 10f64.ln(), 10f64.ln());
        let bound = |(q1, q2, q3): (f64, f64, f64)| {
            let far = |x: f64| far_beyond_quantiles(q1, q2, q3, 0.01, x);
            // bisect for the bound
            let (mut lo, mut hi) = (q1, 1e3);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if far(mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi
        };
        // the Gaussian's curvature bound (3.78) is nearer: the log-linear
        // one decides
        assert!(
            (bound(gaussian) - 5.461).abs() < 1e-3,
            "{}",
            bound(gaussian)
        );
        assert!(
            (bound(student_t3) - 34.46).abs() < 0.01,
            "{}",
            bound(student_t3)
        );
        // exponential: three decades beyond the threshold, ln(10^5)
        let e = bound(exponential);
        assert!((e - 1e5f64.ln()).abs() < 1e-6, "{e}");
        // ties at the threshold: no curvature, the log-linear bound decides
        assert!(!far_beyond_quantiles(1.0, 1.0, 0.0, 0.01, 3.9));
        assert!(far_beyond_quantiles(1.0, 1.0, 0.0, 0.01, 4.1));
    }

    #[test]
    fn normal_tail_matches_known_values() {
        // 1 - Phi(z) from tables (scipy.stats.norm.sf)
        for (z, want) in [
            (0.0, 0.5),
            (1.0, 0.158_655_253_931_457_05),
            (2.326_347_874_040_841, 0.01),
            (3.090_232_306_167_813_5, 0.001),
            (-1.0, 0.841_344_746_068_543),
        ] {
            let got = normal_tail(z);
            assert!((got - want).abs() / want < 2e-7, "z={z}: {got} vs {want}");
        }
    }
}
