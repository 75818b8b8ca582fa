//! The ghosting detector on frame pairs cut from the bundled images as a
//! camera pan, with the previous frame blended into the current one at
//! known weights (0.1-0.5), and on pairs with every spatial distortion
//! family applied to both frames (specificity). The pan and the blend are
//! synthetic so that the motion and the ghost are known.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{ghosting, Luma};
use common::distort::{apply, FAMILIES};
use common::{load_rgb, median, spearman_with_levels, IMAGES};
use oddframe::image::{imageops, GrayImage, RgbImage};
use oddframe::Frame;

/// Blend weight of the previous frame per level 0-5.
const WEIGHTS: [f64; 6] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5];
/// Pan steps (pixels per frame) the pairs are cut with.
const PANS: [(u32, u32); 3] = [(6, 0), (4, 3), (0, 8)];

fn luma(img: RgbImage) -> Luma {
    Luma::from_frame(&Frame::rgb(img, 0, Default::default())).unwrap()
}

/// Two 320x240 frames of a pan: the window moves by `step`, so the content
/// moves by minus `step`.
fn pair(img: &RgbImage, (sx, sy): (u32, u32)) -> (RgbImage, RgbImage) {
    let cut = |x, y| imageops::crop_imm(img, x, y, 320, 240).to_image();
    (cut(40, 40), cut(40 + sx, 40 + sy))
}

fn blend(current: &RgbImage, previous: &RgbImage, w: f64) -> RgbImage {
    let mut out = current.clone();
    for (o, p) in out.pixels_mut().zip(previous.pixels()) {
        for (c, q) in o.0.iter_mut().zip(p.0) {
            *c = ((1.0 - w) * f64::from(*c) + w * f64::from(q)).round() as u8;
        }
    }
    out
}

#[test]
fn blended_previous_frames_raise_ghosting() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let img = load_rgb(name);
        for pan in PANS {
            let (prev, cur) = pair(&img, pan);
            let runs: Vec<_> = WEIGHTS
                .iter()
                .map(|&w| {
                    ghosting::measure(&luma(prev.clone()), &luma(blend(&cur, &prev, w))).unwrap()
                })
                .collect();
            let raw: Vec<f64> = runs.iter().map(|g| g.overall.raw).collect();
            let sev: Vec<f64> = runs.iter().map(|g| g.overall.severity).collect();
            println!(
                "{name} pan {pan:?}: weight {raw:.3?} severity {sev:.2?} motion {:?}",
                runs[0].motion
            );
            let moved = (-(pan.0 as isize), -(pan.1 as isize));
            assert!(
                runs.iter().all(|g| g.motion == Some(moved)),
                "{name}: {runs:?}"
            );
            assert!(sev[0] <= 0.15 && sev[5] >= 0.8, "{name} {pan:?}: {sev:?}");
            rhos.push(spearman_with_levels(&raw));
        }
    }
    assert!(median(rhos.clone()) >= 0.9, "{rhos:?}");
}

#[test]
fn spatial_distortions_of_a_clean_pan_are_not_ghosts() {
    for (k, name) in IMAGES.iter().enumerate() {
        let (prev, cur) = pair(&load_rgb(name), PANS[1]);
        for family in FAMILIES {
            for (level, limit) in [(3, 0.2), (5, 0.35)] {
                let d = |img: &RgbImage| luma(apply(img, family, level, k as u64));
                let g = ghosting::measure(&d(&prev), &d(&cur)).unwrap();
                println!("{name} {family:?} {level}: {g:?}");
                assert!(
                    g.overall.severity <= limit,
                    "{name} {family:?} {level}: {g:?}"
                );
            }
        }
    }
}

#[test]
fn static_small_and_mismatched_frames() {
    let l = |img: GrayImage| Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap();
    let tex = GrayImage::from_fn(128, 128, |x, y| [((x * 7 + y * 13) % 251) as u8].into());
    // no motion: a ghost would coincide with the content
    let g = ghosting::measure(&l(tex.clone()), &l(tex.clone())).unwrap();
    assert_eq!(g.overall.raw, 0.0, "{g:?}");
    for img in [
        GrayImage::new(20, 20),
        GrayImage::from_pixel(64, 64, [3].into()),
    ] {
        let g = ghosting::measure(&l(img.clone()), &l(img)).unwrap();
        assert_eq!((g.overall.raw, g.overall.severity), (0.0, 0.0));
    }
    let err = ghosting::measure(&l(tex), &l(GrayImage::new(128, 64))).unwrap_err();
    assert!(err.to_string().contains("dimension mismatch"), "{err}");
}
