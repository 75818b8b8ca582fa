//! Embeddings + a one-class SVM in a few lines: frames of a street camera
//! -> colour, gradient and motion embedding -> scaler -> one-class SVM ->
//! threshold calibrated on unseen normal frames -> decisions, saved as one
//! file and loaded back.
//!
//! ```text
//! cargo run --release --example embedding_quickstart
//! ```
//! The full tool, with your own videos, is `embedding_ocsvm`.

use ocsvm_scaler::{OcsvmParams, StandardScaler};
use oddframe::frame_pipeline::ExtractorPipelineParams;
use oddframe::{Calibration, FitFrames, FramePipeline, ParamGuard, PipelineParams, Registry};
use oddframe_examples_video::testdata;
use video_features::embed::EmbeddingSpec;
use video_features::open::{open, OpenOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let source = open(
        testdata("vtest.avi"),
        OpenOptions::new().every_ms(500).size(160, 120),
    )?;
    let frames: Vec<_> = source.frames.collect::<Result<_, _>>()?;
    let (normal, later) = frames.split_at(80);

    let svm = PipelineParams::new(OcsvmParams::new().nu(0.05).check()?)
        .fit_step(StandardScaler::params());
    let model =
        ExtractorPipelineParams::new(EmbeddingSpec::default(), svm).fit_frames(&normal[..60])?;
    let mut detector = FramePipeline::new(model);
    detector.calibrate(Calibration::AnomalyRate(0.05), &normal[60..])?;

    let path = std::env::temp_dir().join("street_detector.json");
    detector.save(&path)?;
    let registry = video_features::register(ocsvm_scaler::register(Registry::new()));
    let loaded = FramePipeline::load(&path, &registry)?;
    let flagged = loaded
        .decide(later)?
        .iter()
        .filter(|d| d.is_anomaly)
        .count();
    println!(
        "saved {}; {flagged} of {} later frames flagged",
        path.display(),
        later.len()
    );
    Ok(())
}
