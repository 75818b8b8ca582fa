//! The detectors' raw values pinned against the implementation before the
//! speed rewrites (commit 3ee4592): the rewrites were meant to give the
//! same numbers, and this holds them to it. `fixtures/golden.json` was
//! written by this same file at 3ee4592 (the API is unchanged):
//!
//! ```text
//! git worktree add /tmp/before 3ee4592
//! cp crates/artifact-scorer/tests/golden.rs /tmp/before/crates/artifact-scorer/tests/
//! cd /tmp/before && mkdir -p crates/artifact-scorer/tests/fixtures
//! echo '{}' > crates/artifact-scorer/tests/fixtures/golden.json
//! echo '{}' > crates/artifact-scorer/tests/fixtures/golden_niqe.json
//! GOLDEN_OUT=/tmp/golden.json cargo test -p artifact-scorer --release --test golden
//! ```
//!
//! The inputs are the five bundled photographs (`testdata/images`), as they
//! are, JPEG-compressed at quality 20, blurred (Gaussian, sigma 2) and with
//! seeded uniform noise (synthetic distortions, so the inputs are the same
//! for both implementations). NIQE is pinned separately
//! (`fixtures/golden_niqe.json`, written the same way at commit ac5fbf3
//! with `GOLDEN_NIQE_OUT`): its pristine model was refitted with the new
//! arithmetic, so the values before the rewrites do not apply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code

use std::collections::BTreeMap;

use artifact_scorer::niqe::NiqeModel;
use artifact_scorer::{banding, blocking, blur, blur_kind, noise, ringing, saturation, Luma};
use oddframe::image::{self, RgbImage};
use oddframe::Frame;

const IMAGES: [&str; 5] = ["baboon", "building", "butterfly", "fruits", "starry_night"];

fn load(name: &str) -> RgbImage {
    let path = format!(
        "{}/../../testdata/images/{name}.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    image::ImageReader::open(path)
        .unwrap()
        .decode()
        .unwrap()
        .into_rgb8()
}

fn variants(img: &RgbImage) -> Vec<(&'static str, RgbImage)> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 20)
        .encode_image(img)
        .unwrap();
    let jpeg = image::load_from_memory(&jpeg).unwrap().into_rgb8();
    let blurred = image::imageops::blur(img, 2.0);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noisy = img.clone();
    for p in noisy.pixels_mut() {
        for c in &mut p.0 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = (state % 25) as i32 - 12;
            *c = (i32::from(*c) + d).clamp(0, 255) as u8;
        }
    }
    vec![
        ("pristine", img.clone()),
        ("jpeg20", jpeg),
        ("blur2", blurred),
        ("noise12", noisy),
    ]
}

/// Every raw value of every input, by `image/variant` then measure name.
fn measures() -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for name in IMAGES {
        for (variant, img) in variants(&load(name)) {
            let frame = Frame::rgb(img, 0, Default::default());
            let luma = Luma::from_frame(&frame).unwrap();
            let mut m = BTreeMap::new();
            m.insert(
                "blocking".into(),
                blocking::measure(&luma).unwrap().overall.raw,
            );
            m.insert(
                "ringing".into(),
                ringing::measure(&luma).unwrap().overall.raw,
            );
            let n = noise::measure(&luma).unwrap();
            m.insert("gaussian_noise".into(), n.gaussian.raw);
            m.insert("impulse_noise".into(), n.impulse.raw);
            let b = blur::measure(&luma).unwrap();
            m.insert("blur".into(), b.overall.raw);
            for (i, d) in b.directions.iter().enumerate() {
                m.insert(format!("blur_direction_{i}"), *d);
            }
            let k = blur_kind::measure(&luma, &b).unwrap();
            m.insert("motion_blur".into(), k.motion.raw);
            m.insert("defocus_blur".into(), k.defocus.raw);
            m.insert("motion_share".into(), k.motion_share);
            let band = banding::measure(&luma).unwrap();
            m.insert("banding".into(), band.overall.raw);
            m.insert("smooth_fraction".into(), band.smooth_fraction);
            let s = saturation::measure(&frame).unwrap();
            m.insert("over_saturated".into(), s.over_saturated.raw);
            m.insert("colourfulness".into(), s.colourfulness);
            out.insert(format!("{name}/{variant}"), m);
        }
    }
    out
}

/// NIQE's distance (when it has one) and patch count of every input.
fn niqe() -> BTreeMap<String, BTreeMap<String, f64>> {
    let model = NiqeModel::pristine();
    let mut out = BTreeMap::new();
    for name in IMAGES {
        for (variant, img) in variants(&load(name)) {
            let luma = Luma::from_frame(&Frame::rgb(img, 0, Default::default())).unwrap();
            let n = model.measure(&luma).unwrap();
            let mut m = BTreeMap::new();
            if let Some(d) = n.distance {
                m.insert("distance".into(), d);
            }
            m.insert("patches".into(), n.patches as f64);
            out.insert(format!("{name}/{variant}"), m);
        }
    }
    out
}

/// The largest relative difference between `got` and `want`, and where.
fn worst(
    got: &BTreeMap<String, BTreeMap<String, f64>>,
    want: &BTreeMap<String, BTreeMap<String, f64>>,
) -> (f64, String) {
    assert_eq!(got.len(), want.len());
    let mut worst = (0.0f64, String::new());
    for (input, values) in want {
        assert_eq!(got[input].len(), values.len(), "{input}");
        for (measure, w) in values {
            let g = got[input][measure];
            let rel = (g - w).abs() / w.abs().max(g.abs()).max(1e-9);
            if rel.is_nan() || rel > worst.0 {
                worst = (rel, format!("{input} {measure}: {g} vs {w}"));
            }
        }
    }
    worst
}

#[test]
fn niqe_gives_the_values_pinned_after_its_refit() {
    let got = niqe();
    if let Ok(path) = std::env::var("GOLDEN_NIQE_OUT") {
        std::fs::write(path, serde_json::to_string_pretty(&got).unwrap()).unwrap();
        return;
    }
    let want: BTreeMap<String, BTreeMap<String, f64>> =
        serde_json::from_str(include_str!("fixtures/golden_niqe.json")).unwrap();
    let (rel, at) = worst(&got, &want);
    println!("largest relative difference {rel:.2e} ({at})");
    assert!(rel <= 1e-9, "{at}");
}

#[test]
fn the_detectors_give_the_values_of_the_implementation_before_the_speed_work() {
    let got = measures();
    if let Ok(path) = std::env::var("GOLDEN_OUT") {
        std::fs::write(path, serde_json::to_string_pretty(&got).unwrap()).unwrap();
        return;
    }
    let want: BTreeMap<String, BTreeMap<String, f64>> =
        serde_json::from_str(include_str!("fixtures/golden.json")).unwrap();
    let (rel, at) = worst(&got, &want);
    println!("largest relative difference {rel:.2e} ({at})");
    // the rewrites changed the order of float additions: 5e-6 claimed
    assert!(rel <= 5e-6, "{at}");
}
