//! Frame-level metrics over several videos.
//!
//! Video benchmarks report the frame AUC two ways: micro, over all test
//! frames concatenated (a score must mean the same in every video), and
//! macro, the mean of per-video AUCs (a video with one class has none and
//! is left out).

use super::roc_auc;
use crate::{Error, Result};

fn check_parts(labels: &[&[bool]], scores: &[&[f64]]) -> Result<()> {
    super::check_pair(
        "videos: labels vs scores",
        scores.len(),
        labels.len(),
        "videos",
    )
}

/// ROC AUC over all frames of all videos, concatenated.
///
/// ```
/// use oddframe::metrics::micro_roc_auc;
/// // each video alone is ranked perfectly, but the second's normal frame
/// // outscores the first's anomaly once the videos share one threshold
/// let auc = micro_roc_auc(&[&[false, true], &[false, true]], &[&[0.1, 0.7], &[0.8, 0.9]])?;
/// assert_eq!(auc, 0.75);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Mismatched lengths, no videos, non-finite scores, or one class overall.
pub fn micro_roc_auc(labels: &[&[bool]], scores: &[&[f64]]) -> Result<f64> {
    check_parts(labels, scores)?;
    let l: Vec<bool> = labels.concat();
    let s: Vec<f64> = scores.concat();
    roc_auc(&l, &s)
}

/// Per-video ROC AUCs and their mean.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MacroAuc {
    /// Mean over the videos that hold both classes.
    pub mean: f64,
    /// Each video's AUC, `None` for a video with one class.
    pub per_video: Vec<Option<f64>>,
}

/// The mean of per-video ROC AUCs over the videos that hold both classes.
///
/// ```
/// use oddframe::metrics::macro_roc_auc;
/// let m = macro_roc_auc(
///     &[&[false, true], &[false, false], &[true, false]],
///     &[&[0.1, 0.9], &[0.5, 0.7], &[0.2, 0.4]],
/// )?;
/// assert_eq!(m.per_video, [Some(1.0), None, Some(0.0)]);
/// assert_eq!(m.mean, 0.5);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Mismatched lengths, no videos, non-finite scores, or no video with both
/// classes.
pub fn macro_roc_auc(labels: &[&[bool]], scores: &[&[f64]]) -> Result<MacroAuc> {
    check_parts(labels, scores)?;
    let mut per_video = Vec::with_capacity(labels.len());
    for (l, s) in labels.iter().zip(scores) {
        let one_class = l.iter().all(|&x| x) || l.iter().all(|&x| !x);
        per_video.push(if one_class && l.len() == s.len() {
            super::check_inputs(l, s)?;
            None
        } else {
            Some(roc_auc(l, s)?)
        });
    }
    let used: Vec<f64> = per_video.iter().flatten().copied().collect();
    if used.is_empty() {
        return Err(Error::InvalidLabels("no video holds both classes".into()));
    }
    let mean = used.iter().sum::<f64>() / used.len() as f64;
    Ok(MacroAuc { mean, per_video })
}
