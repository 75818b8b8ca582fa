//! Pixel- and frame-level AUC of error maps against py-ssvad-metrics 1.0.0
//! (fixtures/pixel_metrics.json, produced by fixtures/make_pixel_fixtures.py).
//!
//! The reference samples 103 thresholds; at each, its pixel-level TPR, FPR
//! and frame-level TPR must equal the rates the crate's per-frame criterion
//! gives. The crate's AUC must equal the area of those points in curve
//! order. (The reference's own AUCs order points of equal FPR arbitrarily
//! and can misstate the area; the script says more.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oddframe::metrics;
use serde_json::Value;

fn rate(hits: impl Iterator<Item = bool>, of: usize) -> f64 {
    hits.filter(|&h| h).count() as f64 / of as f64
}

/// Trapezoidal area of points sorted by (FPR, TPR): the ROC curve's order.
fn curve_area(mut points: Vec<(f64, f64)>) -> f64 {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

#[test]
fn pixel_and_frame_auc_match_the_reference() {
    let fixture: Value = serde_json::from_str(include_str!("fixtures/pixel_metrics.json")).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for c in cases {
        // map values are (k + 0.5) / 100 as f32, as the script saved them
        let maps: Vec<Vec<f32>> = c["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_array()
                    .unwrap()
                    .iter()
                    .map(|k| ((k.as_f64().unwrap() + 0.5) / 100.0) as f32)
                    .collect()
            })
            .collect();
        let masks: Vec<Vec<bool>> = c["masks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_i64() == Some(1))
                    .collect()
            })
            .collect();
        let m: Vec<&[f32]> = maps.iter().map(Vec::as_slice).collect();
        let k: Vec<&[bool]> = masks.iter().map(Vec::as_slice).collect();
        let (labels, flip) = metrics::pixel_level_scores(&m, &k).unwrap();
        let peak: Vec<f64> = maps
            .iter()
            .map(|f| f64::from(f.iter().copied().fold(f32::MIN, f32::max)))
            .collect();
        let pos = labels.iter().filter(|&&l| l).count();
        let neg = labels.len() - pos;
        let (mut pixel_points, mut frame_points) = (Vec::new(), Vec::new());
        for r in c["rates"].as_array().unwrap() {
            let r: Vec<f64> = r
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let t = r[0];
            let ours = [
                rate(labels.iter().zip(&flip).map(|(&l, &s)| l && s >= t), pos),
                rate(labels.iter().zip(&peak).map(|(&l, &s)| !l && s >= t), neg),
                rate(labels.iter().zip(&peak).map(|(&l, &s)| l && s >= t), pos),
            ];
            assert_eq!(ours, [r[1], r[2], r[3]], "rates at threshold {t}");
            pixel_points.push((r[2], r[1]));
            frame_points.push((r[2], r[3]));
        }
        let pixel = metrics::pixel_roc_auc(&m, &k).unwrap();
        let want = curve_area(pixel_points);
        assert!(
            (pixel - want).abs() < 1e-12,
            "pixel AUC {pixel}, reference curve {want}"
        );
        let frame = metrics::roc_auc(&labels, &peak).unwrap();
        let want = curve_area(frame_points);
        assert!(
            (frame - want).abs() < 1e-12,
            "frame AUC {frame}, reference curve {want}"
        );
        assert!(
            pixel < frame - 0.1,
            "errors beside the anomaly cost pixel AUC"
        );
    }
}
