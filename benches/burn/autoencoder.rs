//! The CCTV autoencoder (3,480,897 parameters, 64x64 grey) on each backend
//! compiled in: one Adam step on a batch of 64 frames, and scoring 64 frames
//! — the shapes PyTorch was timed on (`benches/python/torch_autoencoder_timing.py`).
//! Frames are 64x64 crops of OpenCV's `vtest.avi` (`testdata/video`).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // bundled data and valid settings

use std::time::Duration;

use conv_autoencoder::{Architecture, AutoencoderParams, Backend};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oddframe::Frame;
use oddframe::ParamGuard;
use video_features::y4m::Y4mReader;

/// 64 grey 64x64 frames: 16 crops from each of the 4 frames of the bundled 160x120 Y4M of vtest.
fn frames() -> Vec<Frame> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/video/vtest_160x120_420.y4m"
    );
    let file = std::fs::File::open(path).expect("bundled test video");
    let mut reader = Y4mReader::new(std::io::BufReader::new(file)).expect("a Y4M file");
    let mut out = Vec::new();
    while let Some(frame) = reader.read_frame().expect("decodes") {
        let y = frame.into_luma();
        for (x0, y0) in (0..16).map(|i| (i % 4 * 32, i / 4 * 18)) {
            let crop = oddframe::image::imageops::crop_imm(&y, x0, y0, 64, 64).to_image();
            out.push(Frame::luma(crop, out.len() as u64, Duration::ZERO));
        }
    }
    out.truncate(64);
    assert_eq!(out.len(), 64, "vtest_160x120_mono.y4m has too few frames");
    out
}

fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Ndarray];
    for b in [Backend::Flex, Backend::Wgpu] {
        if b.device().is_ok() {
            v.push(b);
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let frames = frames();
    for backend in backends() {
        // one epoch of batch 64 on 64 frames: one Adam step
        let one_step = AutoencoderParams::new(Architecture::cctv())
            .backend(backend)
            .epochs(1)
            .batch_size(64)
            .validation_split(0.0)
            .patience(None)
            .check()
            .expect("valid settings");
        let mut model = one_step.fit(&frames).expect("cctv trains");
        let mut g = c.benchmark_group(format!("cctv_{backend}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.throughput(Throughput::Elements(64));
        g.bench_function("train_step_batch64", |b| {
            b.iter(|| model.fine_tune(&frames, &one_step, |_| {}).expect("trains"))
        });
        g.bench_function("score_64_frames", |b| {
            b.iter(|| model.score_frames(&frames).expect("scores"))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
