//! Region- and track-based detection criteria, RBDC and TBDC (Ramachandra
//! and Jones, WACV 2020), for detectors with error maps.
//!
//! At a threshold, the detected pixels of a map form regions (8-connected
//! components), as do the labelled anomalous pixels. A labelled region is
//! detected when a detected region overlaps it with an intersection over
//! union of at least `iou` (0.1); a detected region that overlaps no
//! labelled one that well is a false positive. The region-based detection
//! rate is the share of labelled regions detected; a labelled track (an
//! anomaly followed over frames) is detected when at least `track_share`
//! (0.1) of its regions are. RBDC and TBDC are the areas under those rates
//! against false positives per frame, from 0 to 1, over the sampled
//! thresholds, as in the reference implementation (`py-ssvad-metrics`),
//! with the points taken in curve order (by false positives, then rate).

use crate::{Error, Result};

/// Settings of [`region_track_curve`]; the default is the reference's.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionParams {
    /// Least intersection over union that counts as a detection.
    pub iou: f64,
    /// Least share of a track's regions detected for the track to count.
    pub track_share: f64,
    /// Thresholds on the map values (default: 103 from 1.01 down to -0.01,
    /// for maps in [0, 1]).
    pub thresholds: Vec<f64>,
}

impl Default for RegionParams {
    fn default() -> Self {
        // numpy.linspace(1.01, -0.01, 103), digit for digit
        let step = (-0.01 - 1.01) / 102.0;
        let thresholds = (0..103)
            .map(|i| {
                if i == 102 {
                    -0.01
                } else {
                    f64::from(i) * step + 1.01
                }
            })
            .collect();
        Self {
            iou: 0.1,
            track_share: 0.1,
            thresholds,
        }
    }
}

/// Rates at each threshold and the areas.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionCurve {
    /// Share of labelled regions detected, per threshold.
    pub region_rate: Vec<f64>,
    /// Share of labelled tracks detected, per threshold (empty without tracks).
    pub track_rate: Vec<f64>,
    /// False-positive regions per frame, per threshold.
    pub false_per_frame: Vec<f64>,
    /// RBDC: area under `region_rate` for false positives per frame in [0, 1].
    pub rbdc: f64,
    /// TBDC, `None` without tracks.
    pub tbdc: Option<f64>,
}

/// One frame's truth: its anomaly mask and the track it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct FrameTruth<'a> {
    /// Anomalous pixels, row-major.
    pub mask: &'a [bool],
    /// The labelled track shown in this frame, if any.
    pub track: Option<u32>,
}

/// The 8-connected components of `on` (row-major, `width` wide): a label
/// per pixel (0 = off, components from 1) and the component count.
fn components(on: &[bool], width: usize) -> (Vec<u32>, u32) {
    let mut label = vec![0u32; on.len()];
    let mut count = 0;
    let mut stack = Vec::new();
    for start in 0..on.len() {
        if !on[start] || label[start] != 0 {
            continue;
        }
        count += 1;
        label[start] = count;
        stack.push(start);
        while let Some(p) = stack.pop() {
            let (y, x) = (p / width, p % width);
            for dy in [-1i64, 0, 1] {
                for dx in [-1i64, 0, 1] {
                    let (ny, nx) = (y as i64 + dy, x as i64 + dx);
                    if ny < 0 || nx < 0 || nx >= width as i64 {
                        continue;
                    }
                    let q = ny as usize * width + nx as usize;
                    if q < on.len() && on[q] && label[q] == 0 {
                        label[q] = count;
                        stack.push(q);
                    }
                }
            }
        }
    }
    (label, count)
}

/// Per labelled region: detected or not; and the false-positive count.
fn match_regions(truth: &(Vec<u32>, u32), pred: &(Vec<u32>, u32), iou: f64) -> (Vec<bool>, usize) {
    let (t, p) = (truth.1 as usize, pred.1 as usize);
    let mut inter = vec![0u64; (t + 1) * (p + 1)];
    let (mut t_size, mut p_size) = (vec![0u64; t + 1], vec![0u64; p + 1]);
    for (&a, &b) in truth.0.iter().zip(&pred.0) {
        t_size[a as usize] += 1;
        p_size[b as usize] += 1;
        inter[a as usize * (p + 1) + b as usize] += 1;
    }
    let good = |a: usize, b: usize| {
        let i = inter[a * (p + 1) + b];
        i > 0 && i as f64 / (t_size[a] + p_size[b] - i) as f64 >= iou
    };
    let detected = (1..=t).map(|a| (1..=p).any(|b| good(a, b))).collect();
    let false_pos = (1..=p).filter(|&b| !(1..=t).any(|a| good(a, b))).count();
    (detected, false_pos)
}

/// RBDC/TBDC of error maps against labelled masks (all `width` wide).
///
/// ```
/// use oddframe::metrics::{region_track_curve, FrameTruth, RegionParams};
/// // a 4x4 frame: the anomaly is the top-left 2x2 block, the map is hot
/// // there and at one far pixel
/// let mut mask = [false; 16];
/// let mut map = [0.0f32; 16];
/// for p in [0, 1, 4, 5] {
///     mask[p] = true;
///     map[p] = 0.9;
/// }
/// map[15] = 0.6;
/// let truth = [FrameTruth { mask: &mask, track: Some(7) }];
/// let params = RegionParams { thresholds: vec![0.8, 0.5], ..RegionParams::default() };
/// let c = region_track_curve(&[&map], &truth, 4, &params)?;
/// assert_eq!(c.region_rate, [1.0, 1.0]); // found at both thresholds
/// assert_eq!(c.false_per_frame, [0.0, 1.0]); // the far pixel, once it passes
/// assert_eq!(c.rbdc, 1.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// Mismatched counts or sizes, no frames, a width that does not divide a
/// map, non-finite values, no labelled region, or settings out of range.
pub fn region_track_curve(
    maps: &[&[f32]],
    truth: &[FrameTruth<'_>],
    width: usize,
    params: &RegionParams,
) -> Result<RegionCurve> {
    check(maps, truth, width, params)?;
    let gt: Vec<(Vec<u32>, u32)> = truth.iter().map(|t| components(t.mask, width)).collect();
    let regions: usize = gt.iter().map(|g| g.1 as usize).sum();
    if regions == 0 {
        return Err(Error::InvalidLabels("no labelled anomalous region".into()));
    }
    let mut tracks: Vec<u32> = truth.iter().filter_map(|t| t.track).collect();
    tracks.sort_unstable();
    tracks.dedup();
    let mut curve = RegionCurve {
        region_rate: Vec::new(),
        track_rate: Vec::new(),
        false_per_frame: Vec::new(),
        rbdc: 0.0,
        tbdc: None,
    };
    let mut on = Vec::new();
    for &th in &params.thresholds {
        let (mut hit, mut false_pos) = (0usize, 0usize);
        // per track: regions, regions detected
        let mut per_track = vec![(0usize, 0usize); tracks.len()];
        for ((map, t), g) in maps.iter().zip(truth).zip(&gt) {
            on.clear();
            on.extend(map.iter().map(|&v| f64::from(v) >= th));
            let (detected, fp) = match_regions(g, &components(&on, width), params.iou);
            let found = detected.iter().filter(|&&d| d).count();
            hit += found;
            false_pos += fp;
            if let Some(k) = t.track.and_then(|id| tracks.binary_search(&id).ok()) {
                per_track[k].0 += detected.len();
                per_track[k].1 += found;
            }
        }
        curve.region_rate.push(hit as f64 / regions as f64);
        curve
            .false_per_frame
            .push(false_pos as f64 / maps.len() as f64);
        if !tracks.is_empty() {
            let found = per_track
                .iter()
                .filter(|&&(n, d)| d as f64 >= params.track_share * n as f64)
                .count();
            curve.track_rate.push(found as f64 / tracks.len() as f64);
        }
    }
    curve.rbdc = area(&curve.false_per_frame, &curve.region_rate);
    if !tracks.is_empty() {
        curve.tbdc = Some(area(&curve.false_per_frame, &curve.track_rate));
    }
    Ok(curve)
}

/// Trapezoidal area of the points with x in [0, 1], in curve order.
fn area(x: &[f64], y: &[f64]) -> f64 {
    let mut pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(&a, _)| (0.0..=1.0).contains(&a))
        .map(|(&a, &b)| (a, b))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

fn check(maps: &[&[f32]], truth: &[FrameTruth<'_>], width: usize, p: &RegionParams) -> Result<()> {
    super::check_pair("frames: maps vs masks", maps.len(), truth.len(), "frames")?;
    for (name, v) in [("iou", p.iou), ("track_share", p.track_share)] {
        if !(v > 0.0 && v <= 1.0) {
            return Err(Error::invalid_parameter(name, v, "in (0, 1]"));
        }
    }
    if p.thresholds.is_empty() || p.thresholds.iter().any(|t| t.is_nan()) {
        return Err(Error::invalid_parameter(
            "thresholds",
            p.thresholds.len(),
            "non-empty, no NaN",
        ));
    }
    for (map, t) in maps.iter().zip(truth) {
        if map.len() != t.mask.len() {
            return Err(Error::DimensionMismatch {
                what: "pixels: map vs mask",
                expected: map.len(),
                found: t.mask.len(),
            });
        }
        if width == 0 || map.is_empty() || map.len() % width != 0 {
            return Err(Error::invalid_parameter(
                "width",
                width,
                "a divisor of every map's size",
            ));
        }
        if let Some(v) = map.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid_parameter("error map value", v, "finite"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_pixels_are_one_component() {
        assert_eq!(components(&[true, false, false, true], 2).1, 1);
        // no wrap from the end of one row to the start of the next
        assert_eq!(components(&[false, true, true, false], 2).1, 1);
        assert_eq!(
            components(&[false, false, true, true, false, false], 3).1,
            2
        );
    }

    #[test]
    fn a_region_on_the_anomaly_is_detected_and_one_beside_is_false() {
        let mut mask = vec![false; 36];
        let mut map = vec![0.0f32; 36];
        for y in 0..2 {
            for x in 0..2 {
                mask[y * 6 + x] = true;
                map[y * 6 + x] = 0.9;
            }
        }
        map[5 * 6 + 5] = 0.8; // a lone hot pixel far away
        let truth = [FrameTruth {
            mask: &mask,
            track: Some(0),
        }];
        let p = RegionParams {
            thresholds: vec![0.85, 0.5],
            ..RegionParams::default()
        };
        let c = region_track_curve(&[&map], &truth, 6, &p).unwrap();
        assert_eq!(c.region_rate, [1.0, 1.0]);
        assert_eq!(c.false_per_frame, [0.0, 1.0]);
        assert_eq!(c.track_rate, [1.0, 1.0]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let mask = [true, false];
        let t = [FrameTruth {
            mask: &mask,
            track: None,
        }];
        let p = RegionParams::default();
        assert!(region_track_curve(&[&[0.1, 0.2]], &t, 3, &p).is_err());
        assert!(region_track_curve(&[&[0.1]], &t, 1, &p).is_err());
        assert!(region_track_curve(&[&[0.1, f32::NAN]], &t, 2, &p).is_err());
        let bad = RegionParams {
            iou: 0.0,
            ..RegionParams::default()
        };
        assert!(region_track_curve(&[&[0.1, 0.2]], &t, 2, &bad).is_err());
        let none = [FrameTruth {
            mask: &[false, false],
            track: None,
        }];
        assert!(region_track_curve(&[&[0.1, 0.2]], &none, 2, &p).is_err());
    }
}
