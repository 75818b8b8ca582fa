//! The Artifact Quality Score in a few lines: score a compressed clip and
//! its pristine original window by window and compare.
//!
//! ```text
//! cargo run --release --example artifact_quickstart
//! ```
//! The full tool, for images, folders and videos, is `artifact_report`.

use artifact_scorer::ArtifactScorer;
use oddframe_examples_video::testdata;
use video_features::open::{open, OpenOptions};
use video_features::PixelFormat;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scorer = ArtifactScorer::new();
    for name in ["carphone_pristine.12f.y4m", "carphone_distorted.12f.y4m"] {
        let source = open(testdata(name), OpenOptions::new().format(PixelFormat::Rgb))?;
        for window in scorer.windows(source.frames, name) {
            let w = window?;
            let worst: Vec<String> = w
                .severities
                .top(2)
                .iter()
                .map(|(a, s)| format!("{} {s:.2}", a.name()))
                .collect();
            println!(
                "{name} from frame {}: AQS {:.3} ({}), worst: {}",
                w.window_start,
                w.aqs,
                w.band,
                worst.join(", ")
            );
        }
    }
    Ok(())
}
