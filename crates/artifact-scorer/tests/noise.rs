//! The noise detectors on real images (OpenCV's sample photographs in
//! `testdata/images`) with noise added in-process at known levels: the
//! distortion is synthetic so that its strength is known; the images are not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{noise, Luma};
use common::{load, median, spearman_with_levels, Rng, IMAGES};
use oddframe::{image::GrayImage, Frame};

/// Gaussian noise sigma per level 0-5 (8-bit units).
const SIGMAS: [f64; 6] = [0.0, 3.0, 6.0, 10.0, 15.0, 25.0];
/// Salt-and-pepper fraction per level 0-5.
const IMPULSES: [f64; 6] = [0.0, 0.002, 0.005, 0.01, 0.03, 0.08];

fn gaussian(img: &GrayImage, sigma: f64, seed: u64) -> GrayImage {
    let mut rng = Rng(seed);
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0[0] = (f64::from(p.0[0]) + sigma * rng.normal())
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    out
}

fn salt_and_pepper(img: &GrayImage, fraction: f64, seed: u64) -> GrayImage {
    let mut rng = Rng(seed);
    let mut out = img.clone();
    for p in out.pixels_mut() {
        if rng.uniform() < fraction {
            p.0[0] = if rng.uniform() < 0.5 { 0 } else { 255 };
        }
    }
    out
}

fn measure(img: GrayImage) -> noise::Noise {
    noise::measure(&Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap()).unwrap()
}

#[test]
fn pristine_images_show_little_noise() {
    for name in IMAGES {
        let n = measure(load(name));
        println!(
            "{name}: sigma {:.2} ({:.3}), impulses {:.5} ({:.3})",
            n.gaussian.raw, n.gaussian.severity, n.impulse.raw, n.impulse.severity
        );
        assert!(n.gaussian.severity <= 0.15, "{name}: {n:?}");
        assert!(n.impulse.severity <= 0.15, "{name}: {n:?}");
    }
}

#[test]
fn gaussian_noise_severity_rises_with_sigma_and_leaves_impulse_alone() {
    let mut rhos = Vec::new();
    for (k, name) in IMAGES.iter().enumerate() {
        let img = load(name);
        let runs: Vec<_> = SIGMAS
            .iter()
            .map(|&s| measure(gaussian(&img, s, k as u64)))
            .collect();
        let raw: Vec<f64> = runs.iter().map(|n| n.gaussian.raw).collect();
        println!("{name}: sigma estimates {raw:.2?}");
        let sev: Vec<f64> = runs.iter().map(|n| n.gaussian.severity).collect();
        assert!(sev.windows(2).all(|p| p[1] >= p[0]), "{name}: {sev:?}");
        assert!(runs[3].impulse.severity <= 0.2, "{name}: {:?}", runs[3]);
        assert!(runs[5].impulse.severity <= 0.35, "{name}: {:?}", runs[5]);
        rhos.push(spearman_with_levels(&raw));
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn impulse_severity_rises_with_fraction_and_leaves_gaussian_alone() {
    let mut rhos = Vec::new();
    for (k, name) in IMAGES.iter().enumerate() {
        let img = load(name);
        let runs: Vec<_> = IMPULSES
            .iter()
            .map(|&f| measure(salt_and_pepper(&img, f, 100 + k as u64)))
            .collect();
        let raw: Vec<f64> = runs.iter().map(|n| n.impulse.raw).collect();
        println!("{name}: impulse fractions {raw:.4?}");
        let sev: Vec<f64> = runs.iter().map(|n| n.impulse.severity).collect();
        assert!(sev.windows(2).all(|p| p[1] >= p[0]), "{name}: {sev:?}");
        // most added impulses are found (some land where they are not extreme
        // against their neighbours, e.g. white on white)
        assert!(
            raw[5] > 0.5 * IMPULSES[5] && raw[5] < 1.2 * IMPULSES[5],
            "{name}: {raw:?}"
        );
        assert!(runs[3].gaussian.severity <= 0.2, "{name}: {:?}", runs[3]);
        assert!(runs[5].gaussian.severity <= 0.35, "{name}: {:?}", runs[5]);
        rhos.push(spearman_with_levels(&raw));
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn tiny_and_constant_frames() {
    let tiny = Luma::from_frame(&Frame::luma(GrayImage::new(2, 5), 0, Default::default())).unwrap();
    let err = noise::measure(&tiny).unwrap_err();
    assert!(err.to_string().contains("3x3"), "{err}");
    for v in [0u8, 128, 255] {
        let n = measure(GrayImage::from_pixel(3, 3, [v].into()));
        assert_eq!((n.gaussian.raw, n.impulse.raw), (0.0, 0.0));
        assert_eq!((n.gaussian.severity, n.impulse.severity), (0.0, 0.0));
    }
}
