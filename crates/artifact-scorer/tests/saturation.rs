//! The saturation detector on the bundled colour images with their chroma
//! boosted in-process (each channel pushed away from the pixel's BT.601 luma
//! by a known factor): synthetic so that the strength is known.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{blur, noise, saturation, Luma};
use common::{load_rgb, median, spearman_with_levels, IMAGES};
use oddframe::image::RgbImage;
use oddframe::Frame;

/// Chroma boost per level 0-5 (level 0: the image as it is).
const BOOSTS: [f32; 6] = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0];

fn boost(img: &RgbImage, factor: f32) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f32::from);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        p.0 = [r, g, b].map(|c| (y + factor * (c - y)).round().clamp(0.0, 255.0) as u8);
    }
    out
}

fn frame(img: RgbImage) -> Frame {
    Frame::rgb(img, 0, Default::default())
}

#[test]
fn boosted_chroma_raises_saturation_severity_and_nothing_else() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let img = load_rgb(name);
        let runs: Vec<_> = BOOSTS
            .iter()
            .map(|&f| saturation::measure(&frame(boost(&img, f))).unwrap())
            .collect();
        let raw: Vec<f64> = runs.iter().map(|s| s.over_saturated.raw).collect();
        let sev: Vec<f64> = runs.iter().map(|s| s.over_saturated.severity).collect();
        println!(
            "{name}: over-saturated {raw:.4?} severity {sev:.3?} colourfulness {:.1} -> {:.1}",
            runs[0].colourfulness, runs[5].colourfulness
        );
        assert!(sev[0] <= 0.15, "{name}: pristine {sev:?}");
        assert!(sev.windows(2).all(|p| p[1] >= p[0]), "{name}: {sev:?}");
        assert!(sev[5] >= sev[0] + 0.4, "{name}: {sev:?}");
        rhos.push(spearman_with_levels(&raw));
        for level in [3, 5] {
            let limit = if level == 3 { 0.2 } else { 0.35 };
            let f = frame(boost(&img, BOOSTS[level]));
            let luma = Luma::from_frame(&f).unwrap();
            let n = noise::measure(&luma).unwrap();
            let b = blur::measure(&luma).unwrap();
            for s in [n.gaussian.severity, n.impulse.severity, b.overall.severity] {
                assert!(s <= limit, "{name} level {level}: {n:?} {b:?}");
            }
        }
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn grey_and_empty_frames() {
    let grey = Frame::luma(
        oddframe::image::GrayImage::from_pixel(4, 4, [255].into()),
        0,
        Default::default(),
    );
    let s = saturation::measure(&grey).unwrap();
    assert_eq!((s.over_saturated.raw, s.colourfulness), (0.0, 0.0));
    let err = saturation::measure(&frame(RgbImage::new(0, 3))).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
