//! Shared test input: OpenCV's `vtest.avi` (a fixed camera over a pedestrian
//! street), decoded and scaled to 64x64 grey by the ffmpeg source of
//! `video-features`, one frame every 200 ms.

#![allow(dead_code)] // each test file uses part of this

use std::sync::OnceLock;

use conv_autoencoder::Backend;
use oddframe::Frame;
use video_features::ffmpeg::Ffmpeg;
use video_features::PixelFormat;

pub fn vtest() -> &'static [Frame] {
    static FRAMES: OnceLock<Vec<Frame>> = OnceLock::new();
    FRAMES.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/video/vtest.avi"
        );
        Ffmpeg::new(path)
            .output(PixelFormat::Luma)
            .scale(64, 64)
            .every_millis(200)
            .open()
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    })
}

/// The fastest CPU backend compiled in: flex with the `flex` feature
/// (tens of times faster to train than ndarray), else ndarray.
pub fn fast_cpu() -> Backend {
    Backend::cpu()
}
