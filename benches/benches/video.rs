//! Video front end per 1080p frame: Y4M reading (GB/s), BT.601 grey
//! conversion, resizing, PSNR + SSIM, and the frame embedding.
//!
//! The 1080p picture is the first frame of OpenCV's `vtest.avi`
//! (`testdata/video/vtest_160x120_420.y4m`) enlarged with a bilinear filter
//! plus a fixed pseudo-random texture, so compressors and caches see
//! realistic, non-constant data; these costs do not depend on content
//! otherwise.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // bundled data and valid parameters

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use image::imageops::FilterType;
use image::RgbImage;
use oddframe::{FeatureExtractor, Frame, FrameBuffer};
use video_features::embed::Embedding;
use video_features::preprocess::{bt601_luma, Preprocess};
use video_features::quality::{psnr, ssim};
use video_features::y4m::{Colorspace, Y4mFrame, Y4mHeader, Y4mReader, Y4mWriter};
use video_features::PixelFormat;

const W: u32 = 1920;
const H: u32 = 1080;

/// The bundled vtest frame as RGB at `w x h`, with texture added.
fn picture(w: u32, h: u32, seed: u32) -> RgbImage {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/video/vtest_160x120_420.y4m"
    );
    let bytes = std::fs::read(path).expect("bundled y4m");
    let frame = Y4mReader::new(bytes.as_slice())
        .expect("header")
        .output(PixelFormat::Rgb)
        .next()
        .expect("a frame")
        .expect("decodes");
    let FrameBuffer::Rgb(small) = frame.into_buffer() else {
        unreachable!("asked for RGB")
    };
    let mut big = image::imageops::resize(&small, w, h, FilterType::Triangle);
    let mut s = seed | 1;
    for p in big.pixels_mut() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        for c in &mut p.0 {
            *c = c.saturating_add((s & 7) as u8);
        }
    }
    big
}

fn y4m_stream(frames: usize) -> Vec<u8> {
    let rgb = picture(W, H, 7);
    let y = bt601_luma(&rgb).into_raw();
    let (cw, ch) = (W as usize / 2, H as usize / 2);
    let chroma = vec![128u8; cw * ch];
    let header = Y4mHeader::new(W, H, (25, 1), Colorspace::C420Jpeg);
    let mut w = Y4mWriter::new(Vec::new(), header).expect("header");
    let f = Y4mFrame::from_planes(W, H, Colorspace::C420Jpeg, y, chroma.clone(), chroma)
        .expect("planes");
    for _ in 0..frames {
        w.write_frame(&f).expect("in memory");
    }
    w.finish().expect("in memory")
}

fn bench(c: &mut Criterion) {
    let frames = 16;
    let stream = y4m_stream(frames);
    let mut g = c.benchmark_group("y4m_1080p_420");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("read_16_frames_planes", |b| {
        b.iter(|| {
            let mut r = Y4mReader::new(black_box(stream.as_slice())).expect("header");
            let mut n = 0;
            while let Some(f) = r.read_frame().expect("valid") {
                n += f.y().len();
            }
            n
        })
    });
    g.bench_function("read_16_frames_as_grey", |b| {
        b.iter(|| {
            let r = Y4mReader::new(black_box(stream.as_slice())).expect("header");
            r.map(|f| f.expect("valid").width()).sum::<u32>()
        })
    });
    g.finish();

    let rgb = picture(W, H, 7);
    let grey = Frame::luma(bt601_luma(&rgb), 0, Duration::ZERO);
    let mut g = c.benchmark_group("frame_1080p");
    g.bench_function("bt601_grey", |b| b.iter(|| bt601_luma(black_box(&rgb))));
    for (name, w, h, filter) in [
        (
            "resize_grey_to_64x64_triangle",
            64,
            64,
            FilterType::Triangle,
        ),
        (
            "resize_grey_to_640x360_triangle",
            640,
            360,
            FilterType::Triangle,
        ),
        ("resize_grey_to_64x64_nearest", 64, 64, FilterType::Nearest),
    ] {
        let p = Preprocess::new().resize(w, h).filter(filter);
        g.bench_function(name, |b| {
            b.iter(|| p.apply(black_box(&grey)).expect("valid"))
        });
    }
    let reference = bt601_luma(&rgb).into_raw();
    let distorted = bt601_luma(&picture(W, H, 11)).into_raw();
    g.bench_function("psnr_ssim_grey_pair", |b| {
        b.iter(|| {
            let p = psnr(black_box(&reference), black_box(&distorted)).expect("same size");
            let s = ssim(&reference, &distorted, W as usize, H as usize).expect("same size");
            (p, s)
        })
    });
    g.finish();

    // the embedding at vtest's own size, as the one-class example runs it
    let frame = Frame::rgb(picture(768, 576, 3), 0, Duration::ZERO);
    let mut g = c.benchmark_group("embedding_768x576_rgb");
    g.bench_function("default_264", |b| {
        let mut e = Embedding::default();
        b.iter(|| e.push(black_box(&frame)).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
