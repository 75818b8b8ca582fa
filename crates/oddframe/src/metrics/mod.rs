//! Evaluation metrics: scikit-learn's classification metrics, and the
//! range-aware metrics of video and time-series anomaly detection.
//!
//! - Point metrics ([`roc_auc`], [`average_precision`], [`at_threshold`]) and
//!   their per-video forms ([`micro_roc_auc`], [`macro_roc_auc`]).
//! - Event metrics on decisions: range-based precision and recall
//!   ([`range_scores`], Tatbul et al. 2018), point adjustment and PA%K
//!   ([`pa_f1`], [`pa_k_curve`], [`best_pa_k_curve`], Kim et al. 2022).
//! - Threshold-free range metrics on scores: [`range_auc`] and [`vus`]
//!   (Paparrizos et al. 2022).
//! - The NAB score with its three profiles ([`nab_score`]), which rewards
//!   early detection and charges false alarms.
//! - Pixel-level ROC AUC of error maps ([`pixel_roc_auc`]): a frame counts
//!   as detected only where the error covers 40 % of the anomaly; RBDC and
//!   TBDC ([`region_track_curve`]), which count regions and tracks.
//!
//! Each is checked against its reference implementation by committed
//! fixtures. The point metrics follow scikit-learn, ties included.
//!
//! Labels are `true` for anomalies (the positive class); scores are
//! higher-is-more-anomalous. Curves and areas follow
//! `sklearn.metrics.{roc_curve, roc_auc_score, precision_recall_curve,
//! average_precision_score}`: tied scores form one operating point, the ROC
//! curve drops collinear points and starts at `(0, 0)` with threshold `+inf`,
//! and average precision is the step-wise sum `sum (R_n - R_{n-1}) P_n`
//! (no interpolation). Decisions at a threshold use the crate-wide rule
//! `score > threshold`.
//!
//! ```
//! use oddframe::metrics::{average_precision, roc_auc};
//! let labels = [false, false, true, true];
//! let scores = [0.1, 0.4, 0.35, 0.8];
//! assert!((roc_auc(&labels, &scores)? - 0.75).abs() < 1e-12);
//! assert!((average_precision(&labels, &scores)? - 0.8333333333333333).abs() < 1e-12);
//! # Ok::<(), oddframe::Error>(())
//! ```

use crate::validate::check_scores;
use crate::{Error, Result};

mod adjust;
mod nab;
mod pixel;
mod range_pr;
mod region;
mod video;
mod vus;

pub use adjust::{best_pa_k_curve, pa_f1, pa_k_curve, point_adjust, runs, PaKCurve};
pub use nab::{nab_score, NabProfile, NabScore};
pub use pixel::{pixel_level_scores, pixel_roc_auc, PIXEL_COVERAGE};
pub use range_pr::{range_scores, Bias, Cardinality, RangeParams, RangeScores};
pub use region::{region_track_curve, FrameTruth, RegionCurve, RegionParams};
pub use video::{macro_roc_auc, micro_roc_auc, MacroAuc};
pub use vus::{range_auc, vus, RangeAreas, THRESHOLDS};

/// A ROC curve: false- and true-positive rates at decreasing thresholds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RocCurve {
    /// False-positive rate at each threshold.
    pub fpr: Vec<f64>,
    /// True-positive rate at each threshold.
    pub tpr: Vec<f64>,
    /// Thresholds, decreasing; the first is `+inf`. A sample is positive
    /// at threshold `t` when its score is `>= t`.
    pub thresholds: Vec<f64>,
}

/// A precision/recall curve in scikit-learn's order: increasing thresholds,
/// with a final point `(precision 1, recall 0)` that has no threshold.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PrCurve {
    /// Precision at each threshold, then 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Vec<f64>,
    /// Increasing thresholds (one fewer than `precision`).
    pub thresholds: Vec<f64>,
}

/// Counts and rates at one threshold (`score > threshold` is flagged).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdMetrics {
    /// Flagged anomalies.
    pub true_positives: usize,
    /// Flagged normals.
    pub false_positives: usize,
    /// Missed anomalies.
    pub false_negatives: usize,
    /// Unflagged normals.
    pub true_negatives: usize,
    /// `tp / (tp + fp)`, 0 when nothing is flagged.
    pub precision: f64,
    /// `tp / (tp + fn)`, 0 when there are no anomalies.
    pub recall: f64,
    /// `2 tp / (2 tp + fp + fn)`, 0 when that is 0 / 0.
    pub f1: f64,
    /// Fraction of all samples flagged.
    pub flag_rate: f64,
}

/// Cumulative counts at each distinct score, highest score first.
struct ClfCurve {
    fps: Vec<f64>,
    tps: Vec<f64>,
    thresholds: Vec<f64>,
}

fn check_inputs(labels: &[bool], scores: &[f64]) -> Result<()> {
    if labels.len() != scores.len() {
        return Err(Error::DimensionMismatch {
            what: "labels vs scores",
            expected: scores.len(),
            found: labels.len(),
        });
    }
    check_scores(scores, "scores")
}

/// Two paired inputs of equal, non-zero length: `expected` items of one,
/// `found` of the other.
fn check_pair(
    what: &'static str,
    expected: usize,
    found: usize,
    empty: &'static str,
) -> Result<()> {
    if expected != found {
        return Err(Error::DimensionMismatch {
            what,
            expected,
            found,
        });
    }
    if expected == 0 {
        return Err(Error::Empty { what: empty });
    }
    Ok(())
}

/// Labels and decisions of the same, non-zero length.
fn check_flags(labels: &[bool], flags: &[bool]) -> Result<()> {
    check_pair("labels vs flags", flags.len(), labels.len(), "labels")
}

fn both_classes(labels: &[bool]) -> Result<()> {
    let pos = labels.iter().filter(|&&l| l).count();
    if pos == 0 || pos == labels.len() {
        return Err(Error::InvalidLabels(format!(
            "need both classes, found {pos} positives among {} samples",
            labels.len()
        )));
    }
    Ok(())
}

fn binary_clf_curve(labels: &[bool], scores: &[f64]) -> ClfCurve {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out = ClfCurve {
        fps: Vec::new(),
        tps: Vec::new(),
        thresholds: Vec::new(),
    };
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            out.tps.push(tp);
            out.fps.push(fp);
            out.thresholds.push(scores[i]);
        }
    }
    out
}

/// The ROC curve, as `sklearn.metrics.roc_curve(drop_intermediate=True)`.
///
/// # Errors
/// Length mismatch, empty or non-finite scores, or labels of one class only.
pub fn roc_curve(labels: &[bool], scores: &[f64]) -> Result<RocCurve> {
    check_inputs(labels, scores)?;
    both_classes(labels)?;
    let c = binary_clf_curve(labels, scores);
    let n = c.tps.len();
    // keep the ends and every point where the curve changes direction
    let keep: Vec<usize> = (0..n)
        .filter(|&i| {
            i == 0 || i + 1 == n || {
                let d2 = |v: &[f64]| v[i + 1] - 2.0 * v[i] + v[i - 1];
                d2(&c.fps) != 0.0 || d2(&c.tps) != 0.0
            }
        })
        .collect();
    let (fp_total, tp_total) = (c.fps[n - 1], c.tps[n - 1]);
    let mut roc = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::INFINITY],
    };
    for i in keep {
        roc.fpr.push(c.fps[i] / fp_total);
        roc.tpr.push(c.tps[i] / tp_total);
        roc.thresholds.push(c.thresholds[i]);
    }
    Ok(roc)
}

/// Area under the ROC curve (trapezoidal), as `roc_auc_score`.
///
/// # Errors
/// As [`roc_curve`].
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Result<f64> {
    let r = roc_curve(labels, scores)?;
    Ok(r.fpr
        .windows(2)
        .zip(r.tpr.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
        .sum())
}

/// Equal error rate: the false-positive rate where it equals the miss rate
/// (`1 - tpr`) on the ROC curve, interpolated linearly between its points
/// (video anomaly benchmarks report it next to the AUC; lower is better).
///
/// ```
/// use oddframe::metrics::equal_error_rate;
/// let labels = [false, false, true, true];
/// assert_eq!(equal_error_rate(&labels, &[0.1, 0.2, 0.8, 0.9])?, 0.0);
/// assert_eq!(equal_error_rate(&labels, &[0.1, 0.8, 0.2, 0.9])?, 0.5);
/// assert_eq!(equal_error_rate(&labels, &[0.9, 0.8, 0.2, 0.1])?, 1.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// As [`roc_curve`].
pub fn equal_error_rate(labels: &[bool], scores: &[f64]) -> Result<f64> {
    let r = roc_curve(labels, scores)?;
    // d = fpr - (1 - tpr) rises from -1 at (0, 0) to 1 at (1, 1)
    let d = |i: usize| r.fpr[i] - (1.0 - r.tpr[i]);
    let i = (1..r.fpr.len())
        .find(|&i| d(i) >= 0.0)
        .unwrap_or(r.fpr.len() - 1);
    let (d0, d1) = (d(i - 1), d(i));
    let t = if d1 > d0 { -d0 / (d1 - d0) } else { 1.0 };
    Ok(r.fpr[i - 1] + t * (r.fpr[i] - r.fpr[i - 1]))
}

/// The precision/recall curve, as `sklearn.metrics.precision_recall_curve`.
///
/// # Errors
/// Length mismatch, empty or non-finite scores, or no positive label.
pub fn precision_recall_curve(labels: &[bool], scores: &[f64]) -> Result<PrCurve> {
    check_inputs(labels, scores)?;
    if !labels.iter().any(|&l| l) {
        return Err(Error::InvalidLabels("no positive label".into()));
    }
    let c = binary_clf_curve(labels, scores);
    let tp_total = c.tps[c.tps.len() - 1];
    let mut pr = PrCurve {
        precision: Vec::with_capacity(c.tps.len() + 1),
        recall: Vec::with_capacity(c.tps.len() + 1),
        thresholds: Vec::with_capacity(c.tps.len()),
    };
    for i in (0..c.tps.len()).rev() {
        pr.precision.push(c.tps[i] / (c.tps[i] + c.fps[i]));
        pr.recall.push(c.tps[i] / tp_total);
        pr.thresholds.push(c.thresholds[i]);
    }
    pr.precision.push(1.0);
    pr.recall.push(0.0);
    Ok(pr)
}

/// Average precision, as `average_precision_score`: `sum (R_n - R_{n-1}) P_n`.
///
/// # Errors
/// As [`precision_recall_curve`].
pub fn average_precision(labels: &[bool], scores: &[f64]) -> Result<f64> {
    let pr = precision_recall_curve(labels, scores)?;
    Ok(-pr
        .recall
        .windows(2)
        .zip(&pr.precision)
        .map(|(r, p)| (r[1] - r[0]) * p)
        .sum::<f64>())
}

/// Precision, recall, F1 and flag rate when `score > threshold` is flagged,
/// with scikit-learn's `zero_division=0` convention.
///
/// ```
/// let m = oddframe::metrics::at_threshold(&[true, false, true], &[0.9, 0.8, 0.1], 0.5)?;
/// assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (1, 1, 1));
/// assert_eq!(m.f1, 0.5);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch, empty or non-finite scores, or a NaN threshold.
pub fn at_threshold(labels: &[bool], scores: &[f64], threshold: f64) -> Result<ThresholdMetrics> {
    check_inputs(labels, scores)?;
    if threshold.is_nan() {
        return Err(Error::invalid_parameter("threshold", threshold, "not NaN"));
    }
    let (mut tp, mut fp, mut fneg, mut tn) = (0usize, 0usize, 0usize, 0usize);
    for (&l, &s) in labels.iter().zip(scores) {
        match (l, s > threshold) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            (false, false) => tn += 1,
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(ThresholdMetrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        true_negatives: tn,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fneg),
        f1: ratio(2 * tp, 2 * tp + fp + fneg),
        flag_rate: ratio(tp + fp, labels.len()),
    })
}

/// Fraction of scores strictly above `threshold`.
///
/// # Errors
/// Empty or non-finite scores, or a NaN threshold.
pub fn flag_rate(scores: &[f64], threshold: f64) -> Result<f64> {
    check_scores(scores, "scores")?;
    if threshold.is_nan() {
        return Err(Error::invalid_parameter("threshold", threshold, "not NaN"));
    }
    Ok(scores.iter().filter(|&&s| s > threshold).count() as f64 / scores.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_and_reversed_ranking() {
        let l = [false, false, true, true];
        assert_eq!(roc_auc(&l, &[0.0, 1.0, 2.0, 3.0]).unwrap(), 1.0);
        assert_eq!(roc_auc(&l, &[3.0, 2.0, 1.0, 0.0]).unwrap(), 0.0);
        // all tied: the diagonal
        assert_eq!(roc_auc(&l, &[1.0; 4]).unwrap(), 0.5);
    }

    #[test]
    fn errors_on_bad_input() {
        assert!(roc_auc(&[true, true], &[0.1, 0.2]).is_err());
        assert!(roc_auc(&[true, false], &[0.1]).is_err());
        assert!(roc_auc(&[true, false], &[0.1, f64::NAN]).is_err());
        assert!(roc_auc(&[], &[]).is_err());
        assert!(average_precision(&[false, false], &[0.1, 0.2]).is_err());
        assert!(at_threshold(&[true], &[0.1], f64::NAN).is_err());
        assert!(flag_rate(&[], 0.0).is_err());
    }

    #[test]
    fn flag_rate_counts_strictly_above() {
        assert_eq!(flag_rate(&[1.0, 2.0, 3.0, 4.0], 2.0).unwrap(), 0.5);
    }
}
