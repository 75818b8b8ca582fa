//! Point adjustment and PA%K (Kim et al., AAAI 2022).
//!
//! Point adjustment marks a whole labelled anomaly segment as detected as
//! soon as one of its samples is flagged. It is the protocol many time-series
//! papers report, and it rewards noise: random scores reach a high
//! point-adjusted F1 on long segments. PA%K adjusts a segment only when more
//! than K % of its samples are flagged, so K = 0 is plain point adjustment and
//! K = 100 leaves the decisions as they are; the area under F1 over K in
//! [0, 100] is one number that does not reward noise.

use super::{check_flags, check_inputs};
use crate::{Error, Result};

/// F1 of decisions against labels, 0 when that is 0 / 0.
fn f1(labels: &[bool], flags: &[bool]) -> f64 {
    let (mut tp, mut wrong) = (0usize, 0usize);
    for (&l, &f) in labels.iter().zip(flags) {
        match (l, f) {
            (true, true) => tp += 1,
            (true, false) | (false, true) => wrong += 1,
            (false, false) => {}
        }
    }
    ratio(2 * tp, 2 * tp + wrong)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Half-open index ranges of the runs of `true` in `flags`, in order.
///
/// ```
/// use oddframe::metrics::runs;
/// assert_eq!(runs(&[true, true, false, true]), vec![0..2, 3..4]);
/// ```
pub fn runs(flags: &[bool]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &f) in flags.iter().enumerate() {
        match (f, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..flags.len());
    }
    out
}

fn check_k(k: f64) -> Result<()> {
    if (0.0..=100.0).contains(&k) {
        Ok(())
    } else {
        Err(Error::invalid_parameter("k", k, "a percentage in [0, 100]"))
    }
}

/// The fewest flagged samples that make a segment of `len` samples count as
/// detected under PA%K: more than `k` % of it. `None` when no count does.
fn needed(len: usize, k: f64) -> Option<usize> {
    let bound = k / 100.0 * len as f64;
    let c = bound.floor() as usize + 1;
    // `floor + 1` is the first integer strictly above `bound`
    (c <= len).then_some(c)
}

/// The decisions after PA%K: every labelled segment in which more than `k` %
/// of the samples are flagged becomes flagged whole. `k = 0` is plain point
/// adjustment.
///
/// ```
/// use oddframe::metrics::point_adjust;
/// let labels = [false, true, true, true, true, false];
/// let flags = [false, false, true, false, false, true];
/// assert_eq!(point_adjust(&labels, &flags, 0.0)?, [false, true, true, true, true, true]);
/// assert_eq!(point_adjust(&labels, &flags, 25.0)?, flags); // 1 of 4 is not > 25 %
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch, empty input, or `k` outside [0, 100].
pub fn point_adjust(labels: &[bool], flags: &[bool], k: f64) -> Result<Vec<bool>> {
    check_flags(labels, flags)?;
    check_k(k)?;
    let mut out = flags.to_vec();
    for seg in runs(labels) {
        let hit = flags[seg.clone()].iter().filter(|&&f| f).count();
        if needed(seg.len(), k).is_some_and(|c| hit >= c) {
            out[seg].fill(true);
        }
    }
    Ok(out)
}

/// F1 of the point-adjusted decisions (PA%K with K = 0).
///
/// # Errors
/// As [`point_adjust`].
pub fn pa_f1(labels: &[bool], flags: &[bool]) -> Result<f64> {
    Ok(f1(labels, &point_adjust(labels, flags, 0.0)?))
}

/// F1 under PA%K for K = 0, 1, ..., 100 and the area under it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PaKCurve {
    /// F1 at K = index (101 values).
    pub f1: Vec<f64>,
    /// Trapezoidal area under F1 over K / 100, in [0, 1].
    pub area: f64,
}

impl PaKCurve {
    fn from_f1(f1: Vec<f64>) -> Self {
        let area = f1.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / 100.0;
        Self { f1, area }
    }
}

/// The PA%K curve of fixed decisions: F1 after PA%K at each integer K.
///
/// ```
/// use oddframe::metrics::pa_k_curve;
/// let labels = [false, true, true, true, true, false];
/// let flags = [false, true, true, false, false, false];
/// let c = pa_k_curve(&labels, &flags)?;
/// assert_eq!(c.f1[0], 1.0); // point-adjusted: the whole segment counts
/// assert!((c.f1[100] - 2.0 / 3.0).abs() < 1e-12); // unadjusted
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch or empty input.
pub fn pa_k_curve(labels: &[bool], flags: &[bool]) -> Result<PaKCurve> {
    check_flags(labels, flags)?;
    let f1s = (0..=100)
        .map(|k| point_adjust(labels, flags, f64::from(k)).map(|adj| f1(labels, &adj)))
        .collect::<Result<Vec<_>>>()?;
    Ok(PaKCurve::from_f1(f1s))
}

/// The PA%K curve of a score with the threshold tuned for each K: F1 at K
/// is the best F1 after PA%K over every cut `score > t` (t at each distinct
/// score, and below the lowest), as papers that report "best F1" do.
///
/// This is the figure that exposes point adjustment: random scores reach a
/// high `f1[0]` on long segments but a low area.
///
/// # Errors
/// Length mismatch, empty or non-finite scores.
pub fn best_pa_k_curve(labels: &[bool], scores: &[f64]) -> Result<PaKCurve> {
    check_inputs(labels, scores)?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let segments = runs(labels);
    let mut segment_of = vec![usize::MAX; labels.len()];
    for (s, seg) in segments.iter().enumerate() {
        segment_of[seg.clone()].fill(s);
    }
    let f1s = (0..=100)
        .map(|k| best_f1_at_k(&order, scores, &segments, &segment_of, f64::from(k)))
        .collect();
    Ok(PaKCurve::from_f1(f1s))
}

/// Sweeps the cuts from the highest score down, keeping true positives
/// after PA%K up to date, and returns the best F1.
fn best_f1_at_k(
    order: &[usize],
    scores: &[f64],
    segments: &[std::ops::Range<usize>],
    segment_of: &[usize],
    k: f64,
) -> f64 {
    let positives: usize = segments.iter().map(|s| s.len()).sum();
    let need: Vec<Option<usize>> = segments.iter().map(|s| needed(s.len(), k)).collect();
    let mut hits = vec![0usize; segments.len()];
    let (mut tp, mut fp, mut best) = (0usize, 0usize, 0.0f64);
    for (rank, &i) in order.iter().enumerate() {
        match segment_of[i] {
            usize::MAX => fp += 1,
            s => {
                hits[s] += 1;
                match need[s] {
                    Some(c) if hits[s] == c => tp += segments[s].len() - (c - 1),
                    Some(c) if hits[s] > c => {}
                    _ => tp += 1,
                }
            }
        }
        let last_of_tie = order.get(rank + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            best = best.max(ratio(2 * tp, tp + fp + positives));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_edges() {
        assert_eq!(runs(&[]), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(runs(&[true]), vec![0..1]);
        assert_eq!(runs(&[false, true, true]), vec![1..3]);
    }

    #[test]
    fn needed_counts_strictly_more_than_k_percent() {
        assert_eq!(needed(4, 0.0), Some(1));
        assert_eq!(needed(4, 25.0), Some(2));
        assert_eq!(needed(4, 24.0), Some(1));
        assert_eq!(needed(4, 100.0), None);
    }

    #[test]
    fn best_curve_matches_brute_force() {
        let labels = [
            false, true, true, true, false, false, true, true, false, false,
        ];
        let scores = [0.1, 0.5, 0.9, 0.2, 0.3, 0.8, 0.4, 0.4, 0.6, 0.0];
        let curve = best_pa_k_curve(&labels, &scores).unwrap();
        for k in [0, 20, 34, 50, 67, 100] {
            let mut cuts: Vec<f64> = scores.to_vec();
            cuts.push(-1.0);
            let brute = cuts
                .iter()
                .map(|&t| {
                    let flags: Vec<bool> = scores.iter().map(|&s| s > t).collect();
                    f1(
                        &labels,
                        &point_adjust(&labels, &flags, f64::from(k)).unwrap(),
                    )
                })
                .fold(0.0, f64::max);
            assert!((curve.f1[k as usize] - brute).abs() < 1e-12, "k {k}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(point_adjust(&[true], &[true, false], 0.0).is_err());
        assert!(point_adjust(&[true], &[true], 101.0).is_err());
        assert!(point_adjust(&[true], &[true], f64::NAN).is_err());
        assert!(pa_k_curve(&[], &[]).is_err());
        assert!(best_pa_k_curve(&[true], &[f64::NAN]).is_err());
    }
}
