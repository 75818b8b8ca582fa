//! Range-AUC and the volume under the surface (Paparrizos et al., VLDB 2022).
//!
//! Labels of time-series anomalies are rarely exact to the sample. Range-AUC
//! softens each labelled range with a buffer of `window / 2` samples on
//! either side, whose weight falls from 1 as `sqrt(1 - d / window)`; its true
//! positive rate is an overlap share times the share of ranges hit, so a
//! detector must find every event, not only the long ones. VUS averages the
//! range-AUC over every buffer width from 0 to `window`, which removes the
//! choice of width.
//!
//! Both follow the reference implementation (the `vus` package) to the
//! digit, including how it samples thresholds: 250 scores at evenly spaced
//! ranks of the sorted scores, a sample being positive when its score is at
//! least the threshold; the ROC curve closes at (1, 1). Its range-AUC and
//! its VUS differ in one detail, kept here: in VUS a buffer sample counts
//! towards the positives only where it is flagged.

use super::{both_classes, check_inputs};
use crate::Result;
use std::ops::Range;

/// Thresholds sampled by [`range_auc`] and [`vus`], as the reference does.
pub const THRESHOLDS: usize = 250;

/// Areas under a range-aware ROC curve and precision/recall curve.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeAreas {
    /// Area under the range-aware ROC curve.
    pub roc: f64,
    /// Area under the range-aware precision/recall curve.
    pub pr: f64,
}

/// Range-AUC with a buffer of `window / 2` samples around each labelled range.
/// `window = 0` gives no buffer.
///
/// ```
/// use oddframe::metrics::range_auc;
/// let labels: Vec<bool> = (0..200).map(|i| (80..100).contains(&i)).collect();
/// let late: Vec<f64> = (0..200).map(|i| if (98..106).contains(&i) { 1.0 } else { 0.0 }).collect();
/// let strict = range_auc(&labels, &late, 0)?;
/// let soft = range_auc(&labels, &late, 20)?;
/// assert!(soft.roc > strict.roc); // flags just after the range earn credit
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch, empty or non-finite scores, or labels of one class only.
pub fn range_auc(labels: &[bool], scores: &[f64], window: usize) -> Result<RangeAreas> {
    check_inputs(labels, scores)?;
    both_classes(labels)?;
    let sweep = Sweep::new(labels, scores);
    let weights = buffered(labels, &sweep.segments, window);
    let ranges = nonzero_runs(&weights);
    let label_mass: f64 = weights.iter().sum();
    let p_new = (sweep.positives + label_mass) / 2.0;
    let points = sweep.thresholds.iter().map(|&(th, flagged)| {
        let (mut tp, mut hit) = (0.0, 0usize);
        for r in &ranges {
            let mut any = false;
            for i in r.clone().filter(|&i| scores[i] >= th) {
                any = true;
                tp += weights[i];
            }
            hit += usize::from(any);
        }
        Point {
            tpr: (tp / p_new).min(1.0) * hit as f64 / ranges.len() as f64,
            fpr: (flagged - tp) / (labels.len() as f64 - p_new),
            precision: tp / flagged,
        }
    });
    Ok(areas(points, true))
}

/// VUS-ROC and VUS-PR: the range-AUC areas averaged over every buffer width
/// from 0 to `window`.
///
/// ```
/// use oddframe::metrics::{range_auc, vus};
/// let labels: Vec<bool> = (0..200).map(|i| (80..100).contains(&i)).collect();
/// let scores: Vec<f64> = (0..200).map(|i| -((i as f64 - 90.0).abs())).collect();
/// let v = vus(&labels, &scores, 10)?;
/// assert!(v.roc > 0.9 && v.pr > 0.5);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// As [`range_auc`].
pub fn vus(labels: &[bool], scores: &[f64], window: usize) -> Result<RangeAreas> {
    check_inputs(labels, scores)?;
    both_classes(labels)?;
    let sweep = Sweep::new(labels, scores);
    let n = labels.len() as f64;
    let (mut roc, mut pr) = (0.0, 0.0);
    for w in 0..=window {
        let weights = buffered(labels, &sweep.segments, w);
        let ranges = merged(&sweep.segments, w, labels.len());
        let points = sweep.thresholds.iter().map(|&(th, flagged)| {
            // inside labelled ranges every sample weighs 1; buffer samples
            // count (in the positives too) only where flagged
            let (mut inside, mut buffer, mut hit) = (0.0, 0.0, 0usize);
            for r in &ranges {
                let mut any = false;
                for i in r.clone().filter(|&i| scores[i] >= th) {
                    any = true;
                    if labels[i] {
                        inside += 1.0;
                    } else {
                        buffer += weights[i];
                    }
                }
                hit += usize::from(any);
            }
            let tp = inside + buffer;
            let p_new = (sweep.positives + sweep.positives + buffer) / 2.0;
            Point {
                tpr: (tp / p_new).min(1.0) * hit as f64 / ranges.len() as f64,
                fpr: (flagged - tp) / (n - p_new),
                precision: tp / flagged,
            }
        });
        let a = areas(points, false);
        roc += a.roc;
        pr += a.pr;
    }
    let widths = (window + 1) as f64;
    Ok(RangeAreas {
        roc: roc / widths,
        pr: pr / widths,
    })
}

/// What every threshold shares: the labelled ranges, the positive count and
/// the sampled thresholds with how many scores reach each.
struct Sweep {
    segments: Vec<Range<usize>>,
    positives: f64,
    thresholds: Vec<(f64, f64)>,
}

impl Sweep {
    fn new(labels: &[bool], scores: &[f64]) -> Self {
        let mut sorted = scores.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let last = sorted.len() - 1;
        let step = last as f64 / (THRESHOLDS - 1) as f64;
        let thresholds = (0..THRESHOLDS)
            .map(|k| {
                // numpy's linspace: k * step, the last point exactly `last`
                let rank = if k == THRESHOLDS - 1 {
                    last
                } else {
                    (k as f64 * step) as usize
                };
                let th = sorted[rank];
                (th, sorted.partition_point(|&s| s >= th) as f64)
            })
            .collect();
        Self {
            segments: super::adjust::runs(labels),
            positives: labels.iter().filter(|&&l| l).count() as f64,
            thresholds,
        }
    }
}

/// Label weights with buffers: 1 inside each range, `sqrt(1 - d / window)`
/// at distance `d <= window / 2` outside it, overlapping buffers added and
/// the sum capped at 1.
fn buffered(labels: &[bool], segments: &[Range<usize>], window: usize) -> Vec<f64> {
    let n = labels.len();
    let mut w: Vec<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    let half = window / 2;
    for seg in segments {
        let after = seg.end..(seg.end + half).min(n);
        for (d, x) in (1..).zip(&mut w[after]) {
            *x += (1.0 - d as f64 / window as f64).sqrt();
        }
        let before = seg.start.saturating_sub(half)..seg.start;
        for (d, x) in (1..).zip(w[before].iter_mut().rev()) {
            *x += (1.0 - d as f64 / window as f64).sqrt();
        }
    }
    w.iter_mut().for_each(|x| *x = x.min(1.0));
    w
}

fn nonzero_runs(weights: &[f64]) -> Vec<Range<usize>> {
    let flags: Vec<bool> = weights.iter().map(|&w| w != 0.0).collect();
    super::adjust::runs(&flags)
}

/// The labelled ranges widened by `window / 2` on each side, clipped to the
/// series, and merged unless a gap separates them.
fn merged(segments: &[Range<usize>], window: usize, n: usize) -> Vec<Range<usize>> {
    let h = (window / 2) as i64;
    let mut out = Vec::new();
    let mut start = (segments[0].start as i64 - h).max(0);
    for pair in segments.windows(2) {
        let last = pair[0].end as i64 - 1 + h;
        let next = pair[1].start as i64 - h;
        if last < next {
            out.push(start as usize..(last + 1) as usize);
            start = next;
        }
    }
    let end = segments[segments.len() - 1].end as i64 - 1 + h;
    out.push(start as usize..(end.min(n as i64 - 1) + 1) as usize);
    out
}

struct Point {
    tpr: f64,
    fpr: f64,
    precision: f64,
}

/// Trapezoidal ROC area from (0, 0) through the points to (1, 1), and the
/// precision/recall area: trapezoidal (`range_auc`) or step-wise (`vus`),
/// starting from precision 1 at recall 0.
fn areas(points: impl Iterator<Item = Point>, trapezoid_pr: bool) -> RangeAreas {
    let (mut roc, mut pr) = (0.0, 0.0);
    let (mut tpr, mut fpr, mut prec) = (0.0, 0.0, 1.0);
    for p in points {
        roc += (p.fpr - fpr) * (p.tpr + tpr) / 2.0;
        let height = if trapezoid_pr {
            (p.precision + prec) / 2.0
        } else {
            p.precision
        };
        pr += (p.tpr - tpr) * height;
        (tpr, fpr, prec) = (p.tpr, p.fpr, p.precision);
    }
    roc += (1.0 - fpr) * (1.0 + tpr) / 2.0;
    RangeAreas { roc, pr }
}
