//! The online per-stream autoencoder and the multi-source monitor on real
//! frames (see `common`), with a constructed anomaly: a bright 32x32 square
//! pasted onto a street frame (synthetic, so the truth is known).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{fast_cpu, vtest};
use conv_autoencoder::{
    AeError, Backend, OnlineAutoencoder, OnlineConfig, StreamDecision, StreamMonitor,
};
use oddframe::image::GrayImage;
use oddframe::{Detector, Frame, FrameBuffer, IncrementalDetector};

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

fn config() -> OnlineConfig {
    OnlineConfig {
        window: 32,
        batch_size: 8,
        warmup: 20,
        learning_rate: 2e-3,
        ..OnlineConfig::default()
    }
}

#[test]
fn flags_a_pasted_square_and_few_normal_frames() {
    let frames = vtest();
    let mut model = OnlineAutoencoder::new(config(), fast_cpu()).unwrap();
    let mut normal_flags = 0;
    let mut normal_after_warmup = 0;
    let mut odd = Vec::new();
    for (i, f) in frames.iter().enumerate().take(140) {
        let anomalous = i >= 60 && i % 20 == 0;
        let input = if anomalous { with_square(f) } else { f.clone() };
        let d: StreamDecision = model.process(&input).unwrap();
        assert!(d.decision.score.is_finite());
        if anomalous {
            odd.push(d);
        } else if i >= 20 {
            normal_after_warmup += 1;
            normal_flags += usize::from(d.decision.is_anomaly);
        }
    }
    assert!(
        odd.iter().all(|d| d.decision.is_anomaly && !d.learned),
        "{odd:?}"
    );
    assert!(
        normal_flags * 20 <= normal_after_warmup,
        "{normal_flags} of {normal_after_warmup} normal frames flagged"
    );
    assert_eq!(model.window_len(), 32);
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
    let mut monitor = StreamMonitor::new(config(), fast_cpu(), 2).unwrap();
    let mut batch = Vec::new();
    for (a, b) in frames.iter().zip(&flipped) {
        batch.push(("a", a.clone()));
        batch.push(("b", b.clone()));
    }
    let out: Vec<StreamDecision> = monitor
        .process_batch(batch)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    // each source's results equal a standalone model fed only that source
    let mut alone = OnlineAutoencoder::new(config(), fast_cpu()).unwrap();
    for (i, f) in flipped.iter().enumerate() {
        let d = alone.process(f).unwrap();
        assert_eq!(d, out[2 * i + 1], "frame {i} of source b");
    }
    assert_eq!(monitor.sources(), vec!["a", "b"]);
    assert!(monitor.memory_bytes() >= 2 * 32 * 4096 * 4);
    let err = monitor.process("c", &frames[0]).unwrap_err();
    assert!(err.to_string().contains("max_sources"), "{err}");
    assert!(monitor.remove("a").is_some());
    assert!(monitor.process("c", &frames[0]).is_ok());
}

#[test]
fn bad_settings_and_frames_are_clear_errors() {
    for bad in [
        OnlineConfig {
            learning_rate: f64::NAN,
            ..config()
        },
        OnlineConfig {
            window: 0,
            ..config()
        },
        OnlineConfig {
            batch_size: 64,
            ..config()
        },
        OnlineConfig {
            k: -1.0,
            ..config()
        },
        OnlineConfig {
            alpha: 0.0,
            ..config()
        },
        OnlineConfig {
            steps_per_frame: 0,
            ..config()
        },
    ] {
        let err = OnlineAutoencoder::new(bad, Backend::Cpu).unwrap_err();
        assert!(
            matches!(err, AeError::InvalidConfig(_) | AeError::Core(_)),
            "{err}"
        );
    }
    assert!(StreamMonitor::new(config(), Backend::Cpu, 0).is_err());
    let mut model = OnlineAutoencoder::new(config(), Backend::Cpu).unwrap();
    let small = Frame::luma(GrayImage::new(8, 8), 0, Default::default());
    assert!(matches!(
        model.process(&small),
        Err(AeError::FrameShape { .. })
    ));
    let mut row = ndarray::Array1::<f32>::zeros(4096);
    row[3] = f32::INFINITY;
    assert!(model.update(row.view()).is_err());
    assert!(model
        .score(ndarray::Array2::<f32>::zeros((1, 5)).view())
        .is_err());
    assert_eq!(model.window_len(), 0, "nothing was learned from bad input");
}
