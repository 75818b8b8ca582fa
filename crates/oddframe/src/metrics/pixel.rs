//! Pixel-level ROC AUC of detectors with error maps (the criterion of
//! Mahadevan et al., CVPR 2010, as video benchmarks report it).
//!
//! At a threshold, a pixel is detected when its map value is at least the
//! threshold. A frame with labelled anomalous pixels is a true positive
//! only when at least 40 % of them are detected: the detector must point at
//! the anomaly, not anywhere in the frame. A frame without any is a false
//! positive as soon as one pixel is detected. Each frame therefore reduces
//! to one number (the value at which it flips), and the curve over every
//! threshold is the ROC curve of those numbers, computed exactly here; the
//! reference samples 103 thresholds on [0, 1] instead.

use super::roc_auc;
use crate::{Error, Result};

/// The share of a frame's anomalous pixels that must be detected.
pub const PIXEL_COVERAGE: f64 = 0.4;

/// Labels and flip values of frames under the pixel-level criterion: for a
/// frame with anomalous pixels, the largest threshold at which 40 % of them
/// are detected; for the others, the largest map value.
///
/// # Errors
/// Mismatched counts or sizes, no frames, an empty or non-finite map.
pub fn pixel_level_scores(maps: &[&[f32]], masks: &[&[bool]]) -> Result<(Vec<bool>, Vec<f64>)> {
    super::check_pair("frames: maps vs masks", maps.len(), masks.len(), "frames")?;
    let mut labels = Vec::with_capacity(maps.len());
    let mut scores = Vec::with_capacity(maps.len());
    let mut inside = Vec::new();
    for (&map, &mask) in maps.iter().zip(masks) {
        if map.len() != mask.len() {
            return Err(Error::DimensionMismatch {
                what: "pixels: map vs mask",
                expected: map.len(),
                found: mask.len(),
            });
        }
        if map.is_empty() {
            return Err(Error::Empty { what: "error map" });
        }
        if let Some(v) = map.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid_parameter("error map value", v, "finite"));
        }
        inside.clear();
        inside.extend(map.iter().zip(mask).filter(|(_, &m)| m).map(|(&v, _)| v));
        if inside.is_empty() {
            labels.push(false);
            scores.push(f64::from(
                map.iter().copied().fold(f32::NEG_INFINITY, f32::max),
            ));
        } else {
            // detected at t when the k-th largest value inside is >= t
            let k = (PIXEL_COVERAGE * inside.len() as f64).ceil() as usize;
            let (_, kth, _) = inside.select_nth_unstable_by(k.max(1) - 1, |a, b| b.total_cmp(a));
            labels.push(true);
            scores.push(f64::from(*kth));
        }
    }
    Ok((labels, scores))
}

/// Pixel-level ROC AUC over every threshold.
///
/// ```
/// use oddframe::metrics::pixel_roc_auc;
/// let mask = [false, false, true, true];
/// let none = [false; 4];
/// // the anomalous frame's error sits on the anomaly; the normal frame's
/// // largest error is lower
/// let on = pixel_roc_auc(&[&[0.0, 0.1, 0.9, 0.8], &[0.3, 0.2, 0.1, 0.0]], &[&mask, &none])?;
/// assert_eq!(on, 1.0);
/// // same frame-level ranking, but the error is beside the anomaly
/// let beside = pixel_roc_auc(&[&[0.9, 0.8, 0.0, 0.1], &[0.3, 0.2, 0.1, 0.0]], &[&mask, &none])?;
/// assert_eq!(beside, 0.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// As [`pixel_level_scores`], and frames of one class only.
pub fn pixel_roc_auc(maps: &[&[f32]], masks: &[&[bool]]) -> Result<f64> {
    let (labels, scores) = pixel_level_scores(maps, masks)?;
    roc_auc(&labels, &scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_percent_of_the_anomaly_must_be_detected() {
        // 5 anomalous pixels: 2 must be detected, so the frame flips at the
        // second largest of them
        let map = [0.9f32, 0.5, 0.4, 0.3, 0.2, 1.0];
        let mask = [true, true, true, true, true, false];
        let (l, s) = pixel_level_scores(&[&map], &[&mask]).unwrap();
        assert_eq!((l[0], s[0]), (true, f64::from(0.5f32)));
    }

    #[test]
    fn bad_input_is_an_error() {
        let m = [true];
        assert!(pixel_level_scores(&[], &[]).is_err());
        assert!(pixel_level_scores(&[&[0.1, 0.2]], &[&m]).is_err());
        assert!(pixel_level_scores(&[&[f32::NAN]], &[&m]).is_err());
        assert!(pixel_level_scores(&[&[0.1]], &[]).is_err());
        assert!(pixel_roc_auc(&[&[0.1]], &[&m]).is_err()); // one class
    }
}
