//! Per-stream online autoencoders in a few lines: two sources, one model
//! each learning from its own stream (update-if-normal, a k-sigma band over
//! a moving average), a constructed anomaly in one of them, and the whole
//! monitor's state saved and restored.
//!
//! ```text
//! cargo run --release --example stream_quickstart
//! ```
//! The full tool (any number of live sources, read on threads) is
//! `stream_monitor`.

use conv_autoencoder::{OnlineAutoencoder, OnlineParams};
use oddframe::streaming::{Monitor, StreamingConfig, StreamingDetector, ThresholdPolicy};
use oddframe::{Frame, ParamGuard, Persist};
use oddframe_examples_autoencoder::{grey_frames, testdata};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames: Vec<Frame> =
        grey_frames(&testdata("vtest.avi"), 200, (64, 64), None)?.collect::<Result<_, _>>()?;
    let model = OnlineParams::new().check()?.build()?;
    let band = ThresholdPolicy::Ewma {
        alpha: 0.05,
        k: 5.0,
        warmup: 30,
    };
    let mut monitor = Monitor::new(
        StreamingDetector::new(model, StreamingConfig::new().threshold(band), &[])?,
        8,
    )?;

    let mut flagged = [0, 0];
    for (i, f) in frames.iter().enumerate() {
        // camera "b" sees a white square from frame 200 to 219
        let b = if (200..220).contains(&i) {
            square(f)
        } else {
            f.clone()
        };
        let d = monitor.process_batch(&[("a", f), ("b", &b)])?;
        for (n, d) in flagged.iter_mut().zip(&d) {
            *n += usize::from(d.is_anomaly);
        }
    }
    let path = std::env::temp_dir().join("monitor_state.json");
    monitor.save(&path)?;
    let restored: Monitor<Frame, OnlineAutoencoder> = Monitor::load(&path)?;
    println!(
        "flagged a: {}, b: {} (20 frames with a square); {} sources restored from {}",
        flagged[0],
        flagged[1],
        restored.sources().len(),
        path.display()
    );
    Ok(())
}

fn square(f: &Frame) -> Frame {
    let mut img = f.to_luma().into_owned();
    for (x, y) in (24..40).flat_map(|x| (24..40).map(move |y| (x, y))) {
        img.put_pixel(x, y, [255].into());
    }
    Frame::luma(img, f.index(), f.timestamp())
}
