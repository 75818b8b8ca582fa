//! The scorer's plumbing: windows streamed from a frame source, JSON and
//! CSV reports, and bad input (tiny, mismatched, out-of-order frames,
//! source errors).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::time::Duration;

use artifact_scorer::report::{write_csv, CSV_COLUMNS};
use artifact_scorer::{ArtifactScorer, WindowReport};
use common::distort::pan;
use common::load_rgb;
use oddframe::image::{GrayImage, RgbImage};
use oddframe::{Error, Frame, Scorer};

fn clip(n: usize) -> Vec<Frame> {
    pan(&load_rgb("fruits"), n, (2, 1), &[])
}

#[test]
fn streamed_windows_match_scored_slices() {
    let frames = clip(10);
    let scorer = ArtifactScorer::new().with_window(4).unwrap();
    let source = frames.iter().cloned().map(Ok::<_, std::io::Error>);
    let streamed: Vec<WindowReport> = scorer
        .windows(source, "fruits pan")
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        streamed.iter().map(|w| w.window_len).collect::<Vec<_>>(),
        [4, 4, 2]
    );
    for (w, chunk) in streamed.iter().zip(frames.chunks(4)) {
        let direct = scorer.score(chunk).unwrap();
        assert_eq!(w.source, "fruits pan");
        assert_eq!(
            (w.window_start, w.aqs, w.severities),
            (chunk[0].index(), direct.aqs, direct.severities)
        );
    }
    assert_eq!(streamed[1].start_s, frames[4].timestamp().as_secs_f64());
}

#[test]
fn a_source_error_ends_the_stream_after_it_is_reported() {
    let frames = clip(3);
    let source = frames
        .into_iter()
        .map(Ok)
        .chain(std::iter::once(Err(std::io::Error::other(
            "decoder gave up",
        ))))
        .chain(std::iter::once(Ok(Frame::luma(
            GrayImage::new(100, 100),
            9,
            Duration::ZERO,
        ))));
    let scorer = ArtifactScorer::new().with_window(2).unwrap();
    let out: Vec<_> = scorer.windows(source, "s").collect();
    assert_eq!(out.len(), 2);
    assert!(out[0].is_ok());
    let err = out[1].as_ref().unwrap_err();
    assert!(
        matches!(err, artifact_scorer::ArtifactError::Core(Error::Model(_)))
            && err.to_string().contains("decoder gave up"),
        "{err}"
    );
}

#[test]
fn reports_round_trip_through_json_and_write_csv_rows() {
    let scorer = ArtifactScorer::new();
    let mut report = scorer.score(&clip(3)[..]).unwrap();
    report.source = "clip, \"quoted\"".into();
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        json.contains("\"gaussian_noise\"") && json.contains("\"band\""),
        "{json}"
    );
    let back: WindowReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    let mut csv = Vec::new();
    write_csv(&mut csv, &[report.clone(), report.clone()]).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert!(
        lines[1].starts_with("\"clip, \"\"quoted\"\"\",0,3,"),
        "{}",
        lines[1]
    );
    let fields: Vec<&str> = lines[1].rsplit(',').collect();
    assert_eq!(
        fields.len(),
        CSV_COLUMNS.len() + 1,
        "the quoted source holds one comma"
    );
    assert_eq!(
        fields[0].parse::<f64>().unwrap(),
        (report.severities.saturation * 1e4).round() / 1e4
    );
}

#[test]
fn a_single_frame_window_has_no_temporal_artifacts() {
    let scorer = ArtifactScorer::new();
    let frames = clip(1);
    let w = scorer.score(&frames[..]).unwrap();
    let f = scorer.score(&frames[0]).unwrap();
    assert_eq!((w.severities.ghosting, w.severities.judder), (0.0, 0.0));
    assert_eq!((w.aqs, w.severities), (f.aqs, f.severities));
}

#[test]
fn bad_input_gets_clear_errors() {
    let scorer = ArtifactScorer::new();
    let tiny = Frame::rgb(RgbImage::new(95, 200), 0, Duration::ZERO);
    let err = scorer.score(&tiny).unwrap_err();
    assert!(err.to_string().contains("96x96"), "{err}");
    assert!(matches!(scorer.score(&[][..]), Err(Error::Empty { .. })));
    let mut frames = clip(2);
    frames.push(Frame::rgb(
        RgbImage::new(160, 120),
        2,
        Duration::from_millis(80),
    ));
    let err = scorer.score(&frames[..]).unwrap_err();
    assert!(matches!(err, Error::DimensionMismatch { .. }), "{err}");
    let mut frames = clip(3);
    frames.swap(1, 2);
    let err = scorer.score(&frames[..]).unwrap_err();
    assert!(err.to_string().contains("timestamp"), "{err}");
    for n in [0, 1001] {
        assert!(ArtifactScorer::new().with_window(n).is_err());
    }
}

#[test]
fn flat_and_black_frames_get_defined_reports() {
    let scorer = ArtifactScorer::new();
    for v in [0u8, 128, 255] {
        let frames: Vec<Frame> = (0..3)
            .map(|k| {
                Frame::luma(
                    GrayImage::from_pixel(120, 100, [v].into()),
                    k,
                    Duration::from_millis(40 * k),
                )
            })
            .collect();
        let w = scorer.score(&frames[..]).unwrap();
        assert_eq!(
            w.quality, 0.0,
            "a frame without structure has no natural statistics"
        );
        assert!(w.aqs.is_finite() && (0.0..=1.0).contains(&w.aqs), "{w:?}");
        assert!(w.severities.iter().all(|(_, s)| s.is_finite()), "{w:?}");
        assert!(w.raw.iter().all(|(_, r)| r.is_finite()), "{w:?}");
    }
}
