//! The Numenta Anomaly Benchmark score (Lavin and Ahmad, ICMLA 2015).
//!
//! NAB rewards early detection and punishes false alarms, as an operator
//! would. Each labelled range is a window. The earliest detection inside a
//! window earns up to the profile's true-positive weight, less the later it
//! comes (a scaled sigmoid of its position); a window without detection
//! costs the false-negative weight; each detection outside every window
//! costs up to the false-positive weight, less when it falls just after a
//! window. The first 15 % of the series (at most 750 samples) is a
//! probation period that is not scored. The normalised score puts the
//! detector that never fires at 0 and the one that fires at the start of
//! every window at 100.
//!
//! Follows NAB's own scorer; NAB's labeller widens point labels into
//! windows, here the labelled ranges are the windows.

use super::adjust::runs;
use crate::{Error, Result};

/// NAB's three application profiles: the weights of true positives, false
/// positives and false negatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum NabProfile {
    /// TP 1, FP 0.11, FN 1.
    #[default]
    Standard,
    /// TP 1, FP 0.22, FN 1: false alarms cost twice as much.
    RewardLowFp,
    /// TP 1, FP 0.11, FN 2: misses cost twice as much.
    RewardLowFn,
}

impl NabProfile {
    /// Every profile, in NAB's order.
    pub const ALL: [NabProfile; 3] = [Self::Standard, Self::RewardLowFp, Self::RewardLowFn];

    /// `(tp, fp, fn)` weights.
    fn weights(self) -> (f64, f64, f64) {
        match self {
            Self::Standard => (1.0, 0.11, 1.0),
            Self::RewardLowFp => (1.0, 0.22, 1.0),
            Self::RewardLowFn => (1.0, 0.11, 2.0),
        }
    }
}

/// A NAB score.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NabScore {
    /// The weighted sum of window rewards and false-alarm costs.
    pub raw: f64,
    /// `100 (raw - null) / (perfect - null)`: 0 for the detector that never
    /// fires, 100 for the perfect one; negative when worse than silence.
    pub normalized: f64,
}

/// `2 sigmoid(-5 x) - 1`, -1 beyond 3: from +0.987 at the left edge of a
/// window (x = -1) through 0 at its right edge to -0.987 one width past it.
fn scaled_sigmoid(x: f64) -> f64 {
    if x > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * x).exp()) - 1.0
    }
}

/// The NAB score of detections `flags` against labelled ranges `labels`.
///
/// ```
/// use oddframe::metrics::{nab_score, NabProfile};
/// let mut labels = vec![false; 200];
/// labels[100..120].fill(true);
/// let mut early = vec![false; 200];
/// early[101] = true;
/// let mut late = vec![false; 200];
/// late[118] = true;
/// let e = nab_score(&labels, &early, NabProfile::Standard)?;
/// let l = nab_score(&labels, &late, NabProfile::Standard)?;
/// assert!(e.normalized > 95.0 && l.normalized < e.normalized);
/// assert_eq!(nab_score(&labels, &[false; 200], NabProfile::Standard)?.normalized, 0.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Length mismatch, or labels without an anomaly.
pub fn nab_score(labels: &[bool], flags: &[bool], profile: NabProfile) -> Result<NabScore> {
    super::check_flags(labels, flags)?;
    let windows = runs(labels);
    if windows.is_empty() {
        return Err(Error::InvalidLabels(
            "NAB needs at least one labelled window".into(),
        ));
    }
    let (tp_w, fp_w, fn_w) = profile.weights();
    let probation = probation(labels.len());
    let mut raw = 0.0;
    let mut scored_windows = 0usize;
    let mut previous: Option<&std::ops::Range<usize>> = None;
    let mut next = 0; // index of the first window not yet passed
    for (i, &flag) in flags.iter().enumerate() {
        while next < windows.len() && windows[next].end <= i {
            previous = Some(&windows[next]);
            next += 1;
        }
        if next < windows.len() && windows[next].contains(&i) {
            continue; // windows are scored below
        }
        if flag && i >= probation {
            raw += fp_w
                * match previous {
                    None => -1.0,
                    Some(w) => scaled_sigmoid(past_window(w, i)),
                };
        }
    }
    let max_tp = scaled_sigmoid(-1.0);
    for w in &windows {
        if w.end <= probation {
            continue; // wholly in probation: not scored
        }
        scored_windows += 1;
        let width = w.len() as f64;
        let first = (w.start.max(probation)..w.end).find(|&i| flags[i]);
        raw += match first {
            Some(i) => tp_w * scaled_sigmoid(-((w.end - i) as f64) / width) / max_tp,
            None => -fn_w,
        };
    }
    let null = -fn_w * scored_windows as f64;
    let perfect = tp_w * windows.len() as f64;
    Ok(NabScore {
        raw,
        normalized: 100.0 * (raw - null) / (perfect - null),
    })
}

/// NAB's probation: the first 15 % of the samples, at most 750.
fn probation(n: usize) -> usize {
    ((0.15 * n as f64).floor() as usize).min(750)
}

/// Relative distance of sample `i` past window `w`, in window widths less
/// one; a single-sample window counts any later sample as far past it.
fn past_window(w: &std::ops::Range<usize>, i: usize) -> f64 {
    let right = w.end - 1;
    if w.len() == 1 {
        return f64::INFINITY;
    }
    (i - right) as f64 / (w.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_matches_nab_anchor_points() {
        assert!((scaled_sigmoid(-1.0) - 0.986_614_298_151_430_3).abs() < 1e-12);
        assert!((scaled_sigmoid(-0.5) - 0.848_283_639_957_512_8).abs() < 1e-12);
        assert_eq!(scaled_sigmoid(0.0), 0.0);
        assert_eq!(scaled_sigmoid(3.5), -1.0);
    }

    #[test]
    fn false_alarms_cost_by_profile() {
        let mut labels = vec![false; 2000];
        labels[1500..1600].fill(true);
        let mut flags = vec![false; 2000];
        flags[1000] = true; // before any window: full FP weight
        let s = nab_score(&labels, &flags, NabProfile::Standard).unwrap();
        let f = nab_score(&labels, &flags, NabProfile::RewardLowFp).unwrap();
        assert!((s.raw - (-1.0 - 0.11)).abs() < 1e-12);
        assert!((f.raw - (-1.0 - 0.22)).abs() < 1e-12);
        let n = nab_score(&labels, &flags, NabProfile::RewardLowFn).unwrap();
        assert!((n.raw - (-2.0 - 0.11)).abs() < 1e-12);
    }

    #[test]
    fn probation_is_not_scored() {
        let mut labels = vec![false; 1000];
        labels[10..20].fill(true); // wholly in the first 150 samples
        labels[500..520].fill(true);
        let mut flags = vec![false; 1000];
        flags[5] = true;
        flags[15] = true;
        let s = nab_score(&labels, &flags, NabProfile::Standard).unwrap();
        assert_eq!(s.raw, -1.0); // only the missed second window
        assert!(nab_score(&labels, &flags[1..], NabProfile::Standard).is_err());
        assert!(nab_score(&[false; 3], &[true; 3], NabProfile::Standard).is_err());
    }
}
