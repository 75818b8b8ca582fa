//! Frames as the file holds them: every decoded picture once, with its own
//! presentation time, compared with ffprobe's account of the same files
//! (`testdata/video/*.frames.csv`, made by `make_vfr_fixtures.sh`), for
//! constant-rate files and for variable-rate clips in MP4 and Matroska.
//! Needs the `ffmpeg` program (`scripts/check.sh` installs it).
#![cfg(feature = "ffmpeg")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::Duration;

use oddframe::Frame;
use video_features::ffmpeg::Ffmpeg;
use video_features::PixelFormat;

mod common;
use common::path;

/// ffprobe's presentation times of `name`'s pictures, in microseconds.
fn ffprobe_times(name: &str) -> Vec<i64> {
    let text = std::fs::read_to_string(path(&format!("{name}.frames.csv"))).unwrap();
    text.lines()
        .map(|l| {
            let s: f64 = l.trim().parse().unwrap();
            (s * 1e6).round() as i64
        })
        .collect()
}

fn decode(f: Ffmpeg) -> Vec<Frame> {
    f.open().unwrap().collect::<Result<_, _>>().unwrap()
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap()
}

const FILES: [&str; 5] = [
    "carphone_vfr.mp4",
    "carphone_vfr.mkv",
    "carphone_pristine.mp4",
    "carphone_distorted.mp4",
    "vtest.avi",
];

#[test]
fn frame_counts_and_times_equal_ffprobes() {
    for name in FILES {
        let want = ffprobe_times(name);
        for format in [PixelFormat::Luma, PixelFormat::Rgb] {
            let frames = decode(Ffmpeg::new(path(name)).output(format));
            assert_eq!(frames.len(), want.len(), "{name} {format:?}: frame count");
            for (i, (f, &t)) in frames.iter().zip(&want).enumerate() {
                assert_eq!(f.index(), i as u64);
                // a picture's own duration is not printed by ffmpeg
                assert_eq!(f.duration(), None);
                // ffprobe prints microseconds, rounded
                let off = (micros(f.timestamp()) - t).abs();
                assert!(
                    off <= 1,
                    "{name} {format:?} frame {i}: {:?} vs {t} us",
                    f.timestamp()
                );
            }
        }
    }
}

#[test]
fn variable_rate_clips_keep_their_gaps_and_hold_no_duplicates() {
    for name in ["carphone_vfr.mp4", "carphone_vfr.mkv"] {
        let frames = decode(Ffmpeg::new(path(name)));
        // 84 of the 120 pictures of a 29.97 fps clip: gaps of 1 to 14
        // frame intervals, never a repeated time or picture
        assert_eq!(frames.len(), 84);
        let gaps: Vec<i64> = frames
            .windows(2)
            .map(|w| micros(w[1].timestamp()) - micros(w[0].timestamp()))
            .collect();
        let (short, long) = (*gaps.iter().min().unwrap(), *gaps.iter().max().unwrap());
        assert!(
            (32_000..=34_000).contains(&short),
            "{name}: shortest gap {short} us"
        );
        assert!(long > 14 * 33_000, "{name}: longest gap {long} us");
        let same = frames
            .windows(2)
            .filter(|w| w[0].as_bytes() == w[1].as_bytes())
            .count();
        assert_eq!(same, 0, "{name}: {same} repeated pictures");
    }
}

#[test]
fn a_requested_rate_resamples_to_constant_intervals() {
    // 29.97 fps asked of the variable-rate clip: pictures repeat across its
    // gaps, and the times step by exactly one interval from the first
    let frames = decode(Ffmpeg::new(path("carphone_vfr.mp4")).frame_rate(30_000, 1001));
    let want = ffprobe_times("carphone_pristine.mp4");
    assert_eq!(frames.len(), want.len());
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.duration(), Some(Duration::from_nanos(33_366_666)));
        let tick = (i as f64 * 1001.0e6 / 30_000.0).round() as i64;
        assert!(
            (micros(f.timestamp()) - tick).abs() <= 1,
            "frame {i}: {:?}",
            f.timestamp()
        );
    }
    let repeats = frames
        .windows(2)
        .filter(|w| w[0].as_bytes() == w[1].as_bytes())
        .count();
    assert_eq!(repeats, 120 - 84);
}

#[test]
fn the_probe_says_which_files_are_variable_rate() {
    for name in FILES {
        let info = Ffmpeg::new(path(name)).probe().unwrap();
        let vfr = name.contains("vfr");
        assert_eq!(info.variable_rate, Some(vfr), "{name}");
    }
}
