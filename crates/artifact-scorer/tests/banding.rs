//! The banding detector on smooth pictures made from the bundled images and
//! quantised in-process at known steps, and on every other distortion family
//! applied to the images themselves (specificity).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{banding, Luma};
use common::distort::{apply, smooth_base, Family, FAMILIES};
use common::{load_rgb, median, spearman_with_levels, IMAGES};
use oddframe::image::{GrayImage, RgbImage};
use oddframe::Frame;

fn measure(img: RgbImage) -> banding::Banding {
    banding::measure(&Luma::from_frame(&Frame::rgb(img, 0, Default::default())).unwrap()).unwrap()
}

#[test]
fn quantised_gradients_raise_banding() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let base = smooth_base(&load_rgb(name));
        let runs: Vec<_> = (0..6)
            .map(|l| measure(apply(&base, Family::Banding, l, 0)))
            .collect();
        let raw: Vec<f64> = runs.iter().map(|r| r.overall.raw).collect();
        let sev: Vec<f64> = runs.iter().map(|r| r.overall.severity).collect();
        println!("{name}: index {raw:.2?} severity {sev:.2?}");
        assert!(sev[0] <= 0.15, "{name}: {sev:?}");
        assert!(sev[5] >= 0.6, "{name}: {sev:?}");
        rhos.push(spearman_with_levels(&raw));
    }
    assert!(median(rhos.clone()) >= 0.9, "{rhos:?}");
}

/// Strong JPEG (quality 5, level 5) flattens 8x8 blocks into plateaus with
/// steps between them, which is banding by any measure: that overlap is
/// left in.
#[test]
fn other_families_do_not_read_as_banding() {
    for (k, name) in IMAGES.iter().enumerate() {
        let img = load_rgb(name);
        assert!(measure(img.clone()).overall.severity <= 0.15, "{name}");
        for family in FAMILIES.into_iter().filter(|&f| f != Family::Banding) {
            for (level, limit) in [(3, 0.2), (5, 0.35)] {
                if (family, level) == (Family::Jpeg, 5) {
                    continue;
                }
                let b = measure(apply(&img, family, level, k as u64));
                assert!(
                    b.overall.severity <= limit,
                    "{name} {family:?} {level}: {b:?}"
                );
            }
        }
    }
}

#[test]
fn small_flat_and_noisy_frames() {
    let m = |img: GrayImage| {
        banding::measure(&Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap())
    };
    assert!(m(GrayImage::new(1, 5))
        .unwrap_err()
        .to_string()
        .contains("2x2"));
    // smaller than the least window, and one flat value: no bands
    for img in [
        GrayImage::from_pixel(8, 8, [50].into()),
        GrayImage::from_pixel(64, 64, [50].into()),
    ] {
        let b = m(img).unwrap();
        assert_eq!((b.overall.raw, b.overall.severity), (0.0, 0.0));
    }
    // two flat halves: one step is an edge, not a banded gradient
    let b = m(GrayImage::from_fn(64, 64, |x, _| {
        [if x < 32 { 40 } else { 200 }].into()
    }))
    .unwrap();
    assert_eq!(b.overall.severity, 0.0, "{b:?}");
}
