//! The blocking detector on the bundled images recompressed in-process as
//! JPEG at qualities 50, 30, 20, 10 and 5 (levels 1-5): the compression is
//! applied here so that its strength is known; the images are real.
//!
//! The bundled files are JPEGs themselves, and one (`building.jpg`) carries
//! a clear 8x8 grid of its own (grid ratio 1.64), so the base here is each
//! image reduced to 3/4 of its size (Catmull-Rom), which spreads an old
//! grid over a period of 6 pixels and blends its edges away.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::{blocking, Luma};
use common::{assert_not_noise, load, median, spearman_with_levels, IMAGES};
use image::codecs::jpeg::JpegEncoder;
use oddframe::{image::GrayImage, Frame};

const QUALITIES: [u8; 5] = [50, 30, 20, 10, 5];

fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .unwrap();
    image::load_from_memory(&bytes).unwrap().to_luma8()
}

fn base(name: &str) -> GrayImage {
    let img = load(name);
    let (w, h) = (img.width() * 3 / 4, img.height() * 3 / 4);
    image::imageops::resize(&img, w, h, image::imageops::FilterType::CatmullRom)
}

fn luma(img: GrayImage) -> Luma {
    Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap()
}

#[test]
fn jpeg_compression_raises_blocking_severity() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let img = base(name);
        let mut planes = vec![luma(img.clone())];
        planes.extend(QUALITIES.iter().map(|&q| luma(jpeg(&img, q))));
        let runs: Vec<_> = planes
            .iter()
            .map(|p| blocking::measure(p).unwrap())
            .collect();
        let raw: Vec<f64> = runs.iter().map(|b| b.overall.raw).collect();
        let sev: Vec<f64> = runs.iter().map(|b| b.overall.severity).collect();
        println!("{name}: grid ratio {raw:.3?} severity {sev:.2?}");
        assert!(sev[0] <= 0.15, "{name}: pristine {:?}", runs[0]);
        assert!(sev[5] >= sev[0] + 0.5, "{name}: {sev:?}");
        for b in &runs[3..] {
            assert_eq!((b.columns.period, b.rows.period), (8, 8), "{name}: {b:?}");
        }
        assert_not_noise(name, &planes);
        rhos.push(spearman_with_levels(&raw));
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn small_and_flat_frames() {
    let err = blocking::measure(&luma(GrayImage::new(31, 64))).unwrap_err();
    assert!(err.to_string().contains("32x32"), "{err}");
    let flat = blocking::measure(&luma(GrayImage::from_pixel(64, 64, [77].into()))).unwrap();
    assert_eq!((flat.overall.raw, flat.overall.severity), (1.0, 0.0));
}
