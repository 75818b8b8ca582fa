//! Range-based precision and recall (Tatbul et al., NeurIPS 2018).
//!
//! Anomalies are ranges, not points. Recall scores each labelled range by
//! whether it was hit at all (existence, weight `alpha`) and by how much of
//! it was flagged (overlap, weight `1 - alpha`), with a positional bias that
//! can favour early detection, and a cardinality factor that penalises one
//! range answered by many fragments. Precision scores each flagged range the
//! same way against the labelled ones. With `alpha = 1` recall is the share
//! of labelled events that overlap a flagged one.

use super::adjust::runs;
use crate::{Error, Result};
use std::ops::Range;

/// Where inside a range a hit counts most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Bias {
    /// Every sample counts the same.
    #[default]
    Flat,
    /// Early samples count most (early detection).
    Front,
    /// The middle counts most.
    Middle,
    /// Late samples count most.
    Back,
}

impl Bias {
    /// Weight of position `t` (1-based) in a range of `len` samples.
    fn weight(self, t: usize, len: usize) -> f64 {
        match self {
            Bias::Flat => 1.0,
            Bias::Front => (len - t + 1) as f64,
            Bias::Back => t as f64,
            Bias::Middle if t as f64 <= len as f64 / 2.0 => t as f64,
            Bias::Middle => (len - t + 1) as f64,
        }
    }
}

/// How a range hit by several fragments is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Cardinality {
    /// No penalty.
    #[default]
    One,
    /// The overlap reward is divided by the number of fragments.
    Reciprocal,
}

/// Parameters of [`range_scores`]; the default is overlap-only, flat,
/// no cardinality penalty (the reference's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeParams {
    /// Weight of existence in recall, in [0, 1].
    pub recall_alpha: f64,
    /// Weight of existence in precision, in [0, 1].
    pub precision_alpha: f64,
    /// Positional bias of recall.
    pub recall_bias: Bias,
    /// Positional bias of precision.
    pub precision_bias: Bias,
    /// Cardinality factor of both.
    pub cardinality: Cardinality,
}

impl RangeParams {
    /// Event detection: a labelled range counts as found when any flagged
    /// range overlaps it (`recall_alpha = 1`); precision stays the
    /// flagged share that falls inside labelled ranges.
    pub fn events() -> Self {
        Self {
            recall_alpha: 1.0,
            ..Self::default()
        }
    }
}

/// Precision, recall and their F1.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeScores {
    /// Mean score of the flagged ranges (0 when none is flagged).
    pub precision: f64,
    /// Mean score of the labelled ranges.
    pub recall: f64,
    /// Harmonic mean of the two (0 when both are 0).
    pub f1: f64,
}

/// Range-based precision, recall and F1 of `flags` against `labels`.
///
/// ```
/// use oddframe::metrics::{range_scores, RangeParams};
/// let labels = [false, true, true, true, true, false, false, true];
/// let flags = [false, false, false, true, true, true, false, false];
/// let s = range_scores(&labels, &flags, &RangeParams::default())?;
/// assert_eq!((s.recall, s.precision), (0.25, 2.0 / 3.0)); // (2/4 + 0) / 2
/// let e = range_scores(&labels, &flags, &RangeParams::events())?;
/// assert_eq!(e.recall, 0.5); // one of two events found
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch, empty input, labels without an anomaly, or an alpha
/// outside [0, 1].
pub fn range_scores(labels: &[bool], flags: &[bool], params: &RangeParams) -> Result<RangeScores> {
    super::check_flags(labels, flags)?;
    for (name, a) in [
        ("recall_alpha", params.recall_alpha),
        ("precision_alpha", params.precision_alpha),
    ] {
        if !(0.0..=1.0).contains(&a) {
            return Err(Error::invalid_parameter(name, a, "in [0, 1]"));
        }
    }
    let real = runs(labels);
    if real.is_empty() {
        return Err(Error::InvalidLabels(
            "no labelled anomaly: recall is undefined".into(),
        ));
    }
    let predicted = runs(flags);
    let recall = mean_reward(
        &real,
        &predicted,
        params.recall_alpha,
        params.recall_bias,
        params,
    );
    let precision = mean_reward(
        &predicted,
        &real,
        params.precision_alpha,
        params.precision_bias,
        params,
    );
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Ok(RangeScores {
        precision,
        recall,
        f1,
    })
}

/// Mean over `scored` of alpha * existence + (1 - alpha) * overlap against
/// `other` (both sorted and disjoint); 0 when `scored` is empty.
fn mean_reward(
    scored: &[Range<usize>],
    other: &[Range<usize>],
    alpha: f64,
    bias: Bias,
    params: &RangeParams,
) -> f64 {
    if scored.is_empty() {
        return 0.0;
    }
    let mut first = 0; // first range of `other` that may still overlap
    let mut total = 0.0;
    for r in scored {
        while first < other.len() && other[first].end <= r.start {
            first += 1;
        }
        let overlapping = other[first..].iter().take_while(|o| o.start < r.end);
        let (mut count, mut omega) = (0usize, 0.0);
        for o in overlapping {
            count += 1;
            omega += positional_share(r, o.start.max(r.start)..o.end.min(r.end), bias);
        }
        let gamma = match params.cardinality {
            Cardinality::Reciprocal if count > 1 => 1.0 / count as f64,
            _ => 1.0,
        };
        let existence = if count > 0 { 1.0 } else { 0.0 };
        total += alpha * existence + (1.0 - alpha) * gamma * omega;
    }
    total / scored.len() as f64
}

/// The bias-weighted share of range `r` covered by `part` (inside `r`).
fn positional_share(r: &Range<usize>, part: Range<usize>, bias: Bias) -> f64 {
    let len = r.len();
    let weight = |i: usize| bias.weight(i - r.start + 1, len);
    let all: f64 = r.clone().map(weight).sum();
    part.map(weight).sum::<f64>() / all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_penalised_under_reciprocal() {
        let labels = [true; 6];
        let flags = [true, false, true, false, true, false];
        let one = range_scores(&labels, &flags, &RangeParams::default()).unwrap();
        let rec = RangeParams {
            cardinality: Cardinality::Reciprocal,
            ..RangeParams::default()
        };
        let rec = range_scores(&labels, &flags, &rec).unwrap();
        assert_eq!(one.recall, 0.5);
        assert!((rec.recall - 0.5 / 3.0).abs() < 1e-12);
        assert_eq!(one.precision, 1.0);
    }

    #[test]
    fn front_bias_rewards_early_hits() {
        let labels = [true, true, true, true];
        let early = [true, true, false, false];
        let late = [false, false, true, true];
        let p = RangeParams {
            recall_bias: Bias::Front,
            ..RangeParams::default()
        };
        let e = range_scores(&labels, &early, &p).unwrap().recall;
        let l = range_scores(&labels, &late, &p).unwrap().recall;
        assert!((e - 0.7).abs() < 1e-12 && (l - 0.3).abs() < 1e-12);
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = RangeParams::default();
        assert!(range_scores(&[false, false], &[true, false], &p).is_err());
        assert!(range_scores(&[true], &[true, false], &p).is_err());
        let bad = RangeParams {
            recall_alpha: 1.5,
            ..p
        };
        assert!(range_scores(&[true], &[true], &bad).is_err());
        // nothing flagged: precision and F1 are 0, not an error
        let none = range_scores(&[true, false], &[false, false], &p).unwrap();
        assert_eq!((none.precision, none.f1), (0.0, 0.0));
    }
}
