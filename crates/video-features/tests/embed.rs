#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! The embedding extractors on real frames (the first four frames of
//! OpenCV's `vtest.avi` as Y4M, `testdata/video`) and on random frames.

use std::time::Duration;

use image::{GrayImage, RgbImage};
use oddframe::{FeatureExtractor, Frame};
use proptest::prelude::*;
use video_features::embed::{ColorHistogram, Embedding, GradientHistogram, MotionEnergy};
use video_features::preprocess::bt601_luma;
use video_features::y4m::Y4mReader;
use video_features::PixelFormat;

mod common;
use common::path;

fn vtest(format: PixelFormat) -> Vec<Frame> {
    let bytes = std::fs::read(path("vtest_160x120_420.y4m")).unwrap();
    Y4mReader::new(bytes.as_slice())
        .unwrap()
        .output(format)
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn default_embedding_is_fixed_length_named_and_finite_on_real_frames() {
    let mut e = Embedding::default();
    let names = e.feature_names();
    assert_eq!(names.len(), 264);
    assert_eq!(e.n_features(), 264);
    let unique: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "feature names repeat");
    for f in vtest(PixelFormat::Rgb) {
        let v = e.push(&f).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].len(), 264);
        assert!(v[0].iter().all(|x| x.is_finite()));
        // the colour part is a distribution
        let colour: f64 = v[0].iter().take(100).sum();
        assert!((colour - 1.0).abs() < 1e-9);
    }
}

#[test]
fn gradient_and_motion_see_luma_whatever_the_pixel_format() {
    let rgb = vtest(PixelFormat::Rgb);
    let grey: Vec<Frame> = rgb
        .iter()
        .map(|f| {
            let oddframe::FrameBuffer::Rgb(img) = f.buffer() else {
                panic!("rgb frames")
            };
            Frame::luma(bt601_luma(img), f.index(), f.timestamp())
        })
        .collect();
    let (mut hog_a, mut hog_b) = (GradientHistogram::default(), GradientHistogram::default());
    let (mut mot_a, mut mot_b) = (MotionEnergy::default(), MotionEnergy::default());
    for (a, b) in rgb.iter().zip(&grey) {
        assert_eq!(hog_a.push(a).unwrap(), hog_b.push(b).unwrap());
        assert_eq!(mot_a.push(a).unwrap(), mot_b.push(b).unwrap());
    }
}

#[test]
fn a_pasted_block_shows_in_its_motion_cell_and_jump() {
    // frames 0..3 of the real scene, then frame 3 again with a white
    // 40x30 block pasted over the top-left cell (x < 40, y < 30)
    let frames = vtest(PixelFormat::Luma);
    let mut m = MotionEnergy::default();
    let mut last = None;
    for f in &frames {
        last = Some(m.push(f).unwrap().remove(0));
    }
    let normal = last.unwrap();
    let oddframe::FrameBuffer::Luma(img) = frames[3].buffer() else {
        panic!("grey frames")
    };
    let mut odd = img.clone();
    for y in 0..30 {
        for x in 0..40 {
            odd.put_pixel(x, y, [255].into());
        }
    }
    let v = m
        .push(&Frame::luma(odd, 4, Duration::from_millis(400)))
        .unwrap()
        .remove(0);
    // the pasted cell changed far more than any cell of the real motion
    let real_max = normal.iter().take(16).copied().fold(0.0, f64::max);
    assert!(
        v[0] > 0.3 && v[0] > 10.0 * real_max,
        "{} vs {real_max}",
        v[0]
    );
    assert!(v.iter().skip(1).take(15).all(|&c| c == 0.0));
    // and the whole-frame energy jumped above the window's mean
    assert!(v[19] > 0.0 && v[19] > normal[19]);
}

fn any_frame() -> impl Strategy<Value = Frame> {
    (1u32..40, 1u32..40, any::<bool>(), any::<u64>()).prop_map(|(w, h, colour, seed)| {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        };
        if colour {
            Frame::rgb(
                RgbImage::from_fn(w, h, |_, _| [next(), next(), next()].into()),
                0,
                Duration::ZERO,
            )
        } else {
            Frame::luma(
                GrayImage::from_fn(w, h, |_, _| [next()].into()),
                0,
                Duration::ZERO,
            )
        }
    })
}

proptest! {
    #[test]
    fn any_frame_gives_the_stated_length_or_an_error(f in any_frame()) {
        let mut parts: Vec<Box<dyn FeatureExtractor<Frame>>> = vec![
            Box::new(ColorHistogram::default()),
            Box::new(GradientHistogram::default()),
            Box::new(MotionEnergy::default()),
            Box::new(ColorHistogram::new(3, 2, 5).unwrap()),
        ];
        for p in &mut parts {
            match p.push(&f) {
                Ok(v) => {
                    prop_assert_eq!(v.len(), 1);
                    prop_assert_eq!(v[0].len(), p.n_features());
                    prop_assert!(v[0].iter().all(|x| x.is_finite() && *x >= -1.0 && *x <= 1.0));
                }
                // only a frame smaller than the 4x4 grid may be refused
                Err(_) => prop_assert!(f.width() < 4 || f.height() < 4),
            }
        }
    }
}
