//! The blur detector on the bundled natural images blurred in-process at
//! known strengths (pillbox defocus, linear motion at several angles): the
//! distortions are synthetic so that their strength is known.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{blur, Luma};
use common::{
    assert_not_noise, convolve, load, median, motion, pillbox, spearman_with_levels, Kernel, IMAGES,
};
use oddframe::{image::GrayImage, Frame};

/// Pillbox radius per level 0-5 (level 0: no blur).
const RADII: [i64; 6] = [0, 1, 2, 3, 5, 7];
/// Motion length per level 0-5.
const LENGTHS: [usize; 6] = [0, 5, 9, 15, 21, 27];
const ANGLES: [f64; 4] = [0.0, 30.0, 90.0, 120.0];

fn luma(img: GrayImage) -> Luma {
    Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap()
}

fn levels(img: &GrayImage, kernels: &[Option<Kernel>]) -> Vec<Luma> {
    kernels
        .iter()
        .map(|k| match k {
            Some(k) => luma(convolve(img, k)),
            None => luma(img.clone()),
        })
        .collect()
}

fn check(name: &str, planes: &[Luma], rhos: &mut Vec<f64>) {
    let runs: Vec<_> = planes.iter().map(|p| blur::measure(p).unwrap()).collect();
    let raw: Vec<f64> = runs.iter().map(|b| b.overall.raw).collect();
    println!("{name}: re-blur {raw:.3?}");
    let sev: Vec<f64> = runs.iter().map(|b| b.overall.severity).collect();
    assert!(sev.windows(2).all(|p| p[1] >= p[0]), "{name}: {sev:?}");
    assert!(sev[5] >= sev[0] + 0.4, "{name}: strong blur reads {sev:?}");
    assert_not_noise(name, planes);
    rhos.push(spearman_with_levels(&raw));
}

#[test]
fn defocus_raises_blur_severity() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let kernels: Vec<_> = RADII.iter().map(|&r| (r > 0).then(|| pillbox(r))).collect();
        check(name, &levels(&load(name), &kernels), &mut rhos);
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn motion_blur_at_any_angle_raises_blur_severity() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let img = load(name);
        for angle in ANGLES {
            let kernels: Vec<_> = LENGTHS
                .iter()
                .map(|&l| (l > 0).then(|| motion(l, angle)))
                .collect();
            check(
                &format!("{name} at {angle} degrees"),
                &levels(&img, &kernels),
                &mut rhos,
            );
        }
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn pristine_images_are_not_blurred_and_noise_is_not_blur() {
    for name in IMAGES {
        let b = blur::measure(&luma(load(name))).unwrap();
        println!("{name}: {b:?}");
        assert!(b.overall.severity <= 0.15, "{name}: {b:?}");
    }
}

#[test]
fn flat_and_tiny_frames() {
    let flat = blur::measure(&luma(GrayImage::from_pixel(8, 8, [90].into()))).unwrap();
    assert_eq!(flat.overall.raw, 0.0);
    let err = blur::measure(&luma(GrayImage::new(1, 9))).unwrap_err();
    assert!(err.to_string().contains("2x2"), "{err}");
}
