//! The online per-stream autoencoder inside the core's streaming layer, on
//! real frames (see `common`), with a constructed anomaly: a bright 32x32
//! square pasted onto a street frame (synthetic, so the truth is known).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{fast_cpu, vtest};
use conv_autoencoder::{AeError, OnlineAutoencoder, OnlineParams};
use oddframe::image::GrayImage;
use oddframe::streaming::{Monitor, StreamingConfig, StreamingDetector, ThresholdPolicy};
use oddframe::{Frame, FrameBuffer, ParamGuard, Persist};

fn with_square(f: &Frame) -> Frame {
    let FrameBuffer::Luma(img) = f.buffer() else {
        panic!("grey frames expected")
    };
    let mut img: GrayImage = img.clone();
    for y in 16..48 {
        for x in 16..48 {
            img.put_pixel(x, y, [250].into());
        }
    }
    Frame::luma(img, f.index(), f.timestamp())
}

fn params() -> OnlineParams {
    OnlineParams::new()
        .window(32)
        .batch_size(8)
        .learning_rate(2e-3)
        .backend(fast_cpu())
}

/// k-sigma over an EWMA (k 5, alpha 0.05, 20 frames of warm-up),
/// update-if-normal: the streaming monitor's defaults.
fn stream_config() -> StreamingConfig {
    StreamingConfig::new().threshold(ThresholdPolicy::Ewma {
        alpha: 0.05,
        k: 5.0,
        warmup: 20,
    })
}

fn stream() -> StreamingDetector<Frame, OnlineAutoencoder> {
    StreamingDetector::new(
        params().check().unwrap().build().unwrap(),
        stream_config(),
        &[],
    )
    .unwrap()
}

#[test]
fn flags_a_pasted_square_and_few_normal_frames() {
    let frames = vtest();
    let mut s = stream();
    let mut normal_flags = 0;
    let mut normal_after_warmup = 0;
    let mut odd = Vec::new();
    for (i, f) in frames.iter().enumerate().take(140) {
        let anomalous = i >= 60 && i % 20 == 0;
        let input = if anomalous { with_square(f) } else { f.clone() };
        let learned_before = s.counts().learned;
        let d = s.process(&input).unwrap();
        assert!(d.score.is_finite());
        if anomalous {
            odd.push((d, s.counts().learned > learned_before));
        } else if i >= 20 {
            normal_after_warmup += 1;
            normal_flags += usize::from(d.is_anomaly);
        }
    }
    assert!(
        odd.iter().all(|(d, learned)| d.is_anomaly && !learned),
        "{odd:?}"
    );
    assert!(
        normal_flags * 20 <= normal_after_warmup,
        "{normal_flags} of {normal_after_warmup} normal frames flagged"
    );
    assert_eq!(s.model().window_len(), 32);
}

#[test]
fn a_restored_stream_decides_every_later_frame_as_the_uninterrupted_one() {
    let frames = &vtest()[..70];
    let mut whole = stream();
    let mut first = whole.clone();
    let expected: Vec<_> = frames.iter().map(|f| whole.process(f).unwrap()).collect();
    for f in &frames[..40] {
        first.process(f).unwrap();
    }
    let bytes = first.to_json().unwrap();
    drop(first);
    let mut restored = StreamingDetector::<Frame, OnlineAutoencoder>::from_json(&bytes).unwrap();
    for (i, f) in frames[40..].iter().enumerate() {
        assert_eq!(
            restored.process(f).unwrap(),
            expected[40 + i],
            "frame {}",
            40 + i
        );
    }
    assert_eq!(restored.counts(), whole.counts());
    // a restored stream says so when a frame is the wrong size
    let small = Frame::luma(GrayImage::new(8, 8), 0, Default::default());
    let e = restored.process(&small).unwrap_err();
    assert!(e.to_string().contains("8x8x1"), "{e}");
}

#[test]
fn the_monitor_serves_sources_independently_and_concurrently() {
    let frames = &vtest()[..24];
    // source "b" sees the street upside down: a different scene
    let flipped: Vec<Frame> = frames
        .iter()
        .map(|f| {
            let FrameBuffer::Luma(img) = f.buffer() else {
                panic!("grey frames expected")
            };
            Frame::luma(
                oddframe::image::imageops::flip_vertical(img),
                f.index(),
                f.timestamp(),
            )
        })
        .collect();
    let mut monitor = Monitor::new(stream(), 2).unwrap();
    let mut batch: Vec<(&str, &Frame)> = Vec::new();
    for (a, b) in frames.iter().zip(&flipped) {
        batch.push(("a", a));
        batch.push(("b", b));
    }
    let out = monitor.process_batch(&batch).unwrap();
    // each source's results equal a standalone stream fed only that source
    let mut alone = stream();
    for (i, f) in flipped.iter().enumerate() {
        assert_eq!(
            alone.process(f).unwrap(),
            out[2 * i + 1],
            "frame {i} of source b"
        );
    }
    assert_eq!(monitor.sources(), vec!["a", "b"]);
    let err = monitor.process("c", &frames[0]).unwrap_err();
    assert!(err.to_string().contains("max_sources"), "{err}");
    assert!(monitor.remove("a").is_some());
    assert!(monitor.process("c", &frames[0]).is_ok());
}

#[test]
fn bad_settings_and_frames_are_clear_errors() {
    for bad in [
        params().learning_rate(f64::NAN),
        params().window(0),
        params().batch_size(64),
        params().steps_per_frame(0),
    ] {
        let err = bad.check().unwrap_err();
        assert!(matches!(err, AeError::InvalidConfig(_)), "{err}");
    }
    let mut s = stream();
    let small = Frame::luma(GrayImage::new(8, 8), 0, Default::default());
    assert!(s.process(&small).is_err());
    assert_eq!(
        s.model().window_len(),
        0,
        "nothing was learned from bad input"
    );
    assert_eq!(s.counts().seen, 0);
    let p = params().check().unwrap();
    assert!(p.memory_bytes() >= 32 * 4096 * 4);
}
