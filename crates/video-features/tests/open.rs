//! `open` picks the right decoder for each kind of input, applies the
//! options and describes the source the same way for all (bundled
//! `testdata/video`).
#![cfg(feature = "ffmpeg")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::time::Duration;

use video_features::open::{open, OpenOptions};
use video_features::{PixelFormat, SourceError};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/video")
        .join(name)
}

fn count(input: &std::path::Path, o: OpenOptions) -> (String, usize, (u32, u32)) {
    let opened = open(input, o).unwrap();
    let decoder = opened.info.decoder.clone();
    let frames: Vec<_> = opened.frames.collect::<Result<_, _>>().unwrap();
    let size = (frames[0].width(), frames[0].height());
    (decoder, frames.len(), size)
}

#[test]
fn directories_y4m_and_ffmpeg_inputs() {
    let grey = OpenOptions::new();
    let (d, n, size) = count(&testdata("vtest_gray_tif"), grey);
    assert_eq!((d.as_str(), n, size), ("image sequence", 4, (160, 120)));
    let (d, n, size) = count(&testdata("vtest_160x120_420.y4m"), grey);
    assert_eq!((d.as_str(), n, size), ("y4m", 4, (160, 120)));
    let o = OpenOptions::new()
        .format(PixelFormat::Rgb)
        .every_ms(1000)
        .size(88, 72)
        .span(Duration::from_secs(1), Duration::from_secs(2));
    let (d, n, size) = count(&testdata("carphone_distorted.mp4"), o);
    assert_eq!((d.as_str(), n, size), ("ffmpeg (h264)", 2, (88, 72)));
}

#[test]
fn every_source_is_described_the_same_way() {
    let y4m = open(testdata("vtest_160x120_420.y4m"), OpenOptions::new()).unwrap();
    assert_eq!(y4m.info.size, Some((160, 120)));
    assert!(y4m.info.frame_rate.is_some_and(|f| f > 0.0));
    let avi = open(testdata("vtest.avi"), OpenOptions::new()).unwrap();
    assert_eq!(avi.info.size, Some((768, 576)));
    assert!(
        avi.info.frame_rate.is_some_and(|f| (f - 10.0).abs() < 1e-9),
        "{:?}",
        avi.info
    );
    // an image folder's frame rate is the caller's to give, 25 by default
    let dir = open(testdata("vtest_gray_tif"), OpenOptions::new()).unwrap();
    assert_eq!(dir.info.frame_rate, Some(25.0));
    let dir = open(
        testdata("vtest_gray_tif"),
        OpenOptions::new().image_frame_rate(10, 1),
    )
    .unwrap();
    let times: Vec<u128> = dir
        .frames
        .map(|f| f.unwrap().timestamp().as_millis())
        .collect();
    assert_eq!(times, [0, 100, 200, 300]);
    assert!(open(
        testdata("vtest_gray_tif"),
        OpenOptions::new().image_frame_rate(0, 1)
    )
    .is_err());
}

#[test]
fn options_only_ffmpeg_has_are_refused_for_other_inputs() {
    let o = OpenOptions::new().size(64, 64);
    assert!(matches!(
        open(testdata("vtest_160x120_420.y4m"), o),
        Err(SourceError::Unsupported(_))
    ));
}
