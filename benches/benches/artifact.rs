//! artifact-scorer's detectors on one 1080p frame, one core: the bundled
//! `fruits.jpg` (OpenCV sample data) enlarged to 1920x1080 with a bilinear
//! filter. The budgets: each spatial detector at most 10 ms, ghosting
//! (a frame pair: the same frame panned by (5, 3) pixels) 20 ms, NIQE 25 ms,
//! the whole report on a frame (`report`: every detector, NIQE, the AQS) 60 ms.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // bundled data

use std::hint::black_box;
use std::time::Duration;

use artifact_scorer::{
    banding, blocking, blur, blur_kind, ghosting, noise, ringing, saturation, Luma,
};
use criterion::{criterion_group, criterion_main, Criterion};
use image::imageops::FilterType;
use oddframe::Frame;

fn image_1080p() -> image::RgbImage {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/images/fruits.jpg");
    let img = image::open(path).expect("bundled image").to_rgb8();
    image::imageops::resize(&img, 1920, 1080, FilterType::Triangle)
}

/// The luma of `frame` with its content moved by `(dx, dy)` (edges repeated):
/// the next frame of a pan.
fn shifted(img: &image::RgbImage, dx: u32, dy: u32) -> Luma {
    let (w, h) = img.dimensions();
    let moved = image::RgbImage::from_fn(w, h, |x, y| {
        *img.get_pixel(x.saturating_sub(dx), y.saturating_sub(dy))
    });
    Luma::from_frame(&Frame::rgb(moved, 1, Duration::ZERO)).expect("RGB")
}

fn bench(c: &mut Criterion) {
    let img = image_1080p();
    let frame = Frame::rgb(img.clone(), 0, Duration::ZERO);
    let luma = Luma::from_frame(&frame).expect("RGB");
    let mut g = c.benchmark_group("artifact_1080p");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("luma", |b| b.iter(|| Luma::from_frame(black_box(&frame))));
    let scorer = artifact_scorer::ArtifactScorer::new();
    g.bench_function("report", |b| {
        b.iter(|| oddframe::Scorer::score(&scorer, black_box(&frame)))
    });
    g.bench_function("noise", |b| b.iter(|| noise::measure(black_box(&luma))));
    g.bench_function("blocking", |b| {
        b.iter(|| blocking::measure(black_box(&luma)))
    });
    g.bench_function("banding", |b| b.iter(|| banding::measure(black_box(&luma))));
    let moved = shifted(&img, 5, 3);
    g.bench_function("ghosting", |b| {
        b.iter(|| ghosting::measure(black_box(&luma), black_box(&moved)))
    });
    let niqe_model = artifact_scorer::niqe::NiqeModel::pristine();
    g.bench_function("niqe", |b| b.iter(|| niqe_model.measure(black_box(&luma))));
    g.bench_function("ringing", |b| b.iter(|| ringing::measure(black_box(&luma))));
    g.bench_function("blur", |b| b.iter(|| blur::measure(black_box(&luma))));
    let measured = blur::measure(&luma).expect("1080p is large enough");
    g.bench_function("blur_kind", |b| {
        b.iter(|| blur_kind::measure(black_box(&luma), black_box(&measured)))
    });
    g.bench_function("saturation", |b| {
        b.iter(|| saturation::measure(black_box(&frame)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
