#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! Resizing by `fast_image_resize` against `image`'s resize on real frames
//! (the first frame of OpenCV's `vtest.avi` as Y4M, `testdata/video`).

use image::imageops::{self, FilterType};
use oddframe::{Frame, FrameBuffer};
use video_features::preprocess::{Crop, Preprocess};
use video_features::y4m::Y4mReader;
use video_features::PixelFormat;

mod common;
use common::path;

fn first_frame(format: PixelFormat) -> Frame {
    let bytes = std::fs::read(path("vtest_160x120_420.y4m")).unwrap();
    Y4mReader::new(bytes.as_slice())
        .unwrap()
        .output(format)
        .next()
        .unwrap()
        .unwrap()
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap()
}

#[test]
fn bilinear_resize_is_within_one_level_of_images() {
    for format in [PixelFormat::Luma, PixelFormat::Rgb] {
        let frame = first_frame(format);
        for (w, h) in [(64, 64), (100, 75), (320, 240)] {
            let ours = Preprocess::new().resize(w, h).apply(&frame).unwrap();
            let theirs: Vec<u8> = match frame.buffer() {
                FrameBuffer::Luma(img) => {
                    imageops::resize(img, w, h, FilterType::Triangle).into_raw()
                }
                FrameBuffer::Rgb(img) => {
                    imageops::resize(img, w, h, FilterType::Triangle).into_raw()
                }
                _ => unreachable!("grey or RGB"),
            };
            assert_eq!((ours.width(), ours.height()), (w, h));
            assert!(
                max_diff(ours.as_bytes(), &theirs) <= 1,
                "{format:?} {w}x{h}"
            );
        }
    }
}

#[test]
fn crop_then_resize_equals_resizing_the_cropped_picture() {
    let frame = first_frame(PixelFormat::Luma);
    let crop = Crop {
        x: 20,
        y: 10,
        width: 100,
        height: 80,
    };
    let direct = Preprocess::new()
        .crop(crop)
        .resize(50, 40)
        .apply(&frame)
        .unwrap();
    let cropped = Preprocess::new().crop(crop).apply(&frame).unwrap();
    let two_steps = Preprocess::new().resize(50, 40).apply(&cropped).unwrap();
    assert!(direct.as_bytes() == two_steps.as_bytes());
    // nearest neighbour picks source pixels
    let nearest = Preprocess::new()
        .resize(16, 12)
        .filter(FilterType::Nearest)
        .apply(&frame)
        .unwrap();
    let src = frame.as_bytes();
    assert!(nearest.as_bytes().iter().all(|v| src.contains(v)));
}
