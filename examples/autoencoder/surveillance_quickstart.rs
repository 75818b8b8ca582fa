//! The CCTV detector in a few lines: learn 64x64 grey frames of a street
//! camera with a convolutional autoencoder, set the threshold on unseen
//! normal frames, flag the frames with a pasted square, save it all as one
//! file.
//!
//! ```text
//! cargo run --release --example surveillance_quickstart
//! ```
//! The full tool (presets, checkpoints, reports, your own videos) is
//! `surveillance_autoencoder`.

use conv_autoencoder::{Architecture, AutoencoderParams};
use oddframe::{Calibration, Frame, FramePipeline, ParamGuard};
use oddframe_examples_autoencoder::{grey_frames, testdata};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames: Vec<Frame> =
        grey_frames(&testdata("vtest.avi"), 200, (64, 64), None)?.collect::<Result<_, _>>()?;
    let (normal, later) = frames.split_at(300);

    let params = AutoencoderParams::new(Architecture::light())
        .epochs(8)
        .check()?;
    let mut detector = FramePipeline::new(params.fit(&normal[..240])?);
    detector.calibrate(Calibration::AnomalyRate(0.05), &normal[240..])?;

    // a white 16x16 square on every other later frame
    let test: Vec<Frame> = later
        .iter()
        .enumerate()
        .map(|(i, f)| if i % 2 == 0 { square(f) } else { f.clone() })
        .collect();
    let d = detector.decide(&test)?;
    let hit = |odd: usize| {
        d.iter()
            .enumerate()
            .filter(|(i, d)| i % 2 == odd && d.is_anomaly)
            .count()
    };
    println!(
        "flagged {} of {} frames with the square, {} of {} without",
        hit(0),
        test.len().div_ceil(2),
        hit(1),
        test.len() / 2
    );
    detector.save(std::env::temp_dir().join("street_autoencoder.json"))?;
    Ok(())
}

fn square(f: &Frame) -> Frame {
    let mut img = f.to_luma().into_owned();
    for (x, y) in (24..40).flat_map(|x| (24..40).map(move |y| (x, y))) {
        img.put_pixel(x, y, [255].into());
    }
    Frame::luma(img, f.index(), f.timestamp())
}
