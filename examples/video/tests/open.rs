#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! The examples' `open` helper picks the right decoder for each kind of
//! input and applies the options (bundled `testdata/video`).

use oddframe_examples_video::{open, testdata, OpenOptions};
use video_features::{PixelFormat, SourceError};

fn count(input: &std::path::Path, o: OpenOptions) -> (String, usize, (u32, u32)) {
    let opened = open(input, o).unwrap();
    let decoder = opened.decoder.clone();
    let frames: Vec<_> = opened.frames.collect::<Result<_, _>>().unwrap();
    let size = (frames[0].width(), frames[0].height());
    (decoder, frames.len(), size)
}

#[test]
fn directories_y4m_and_ffmpeg_inputs() {
    let grey = OpenOptions::default();
    let (d, n, size) = count(&testdata("vtest_gray_tif"), grey);
    assert_eq!((d.as_str(), n, size), ("image sequence", 4, (160, 120)));
    let (d, n, size) = count(&testdata("vtest_160x120_420.y4m"), grey);
    assert_eq!((d.as_str(), n, size), ("y4m", 4, (160, 120)));
    let o = OpenOptions {
        format: PixelFormat::Rgb,
        every_ms: Some(1000),
        size: Some((88, 72)),
        span_s: Some((1.0, 2.0)),
    };
    let (d, n, size) = count(&testdata("carphone_distorted.mp4"), o);
    assert_eq!((d.as_str(), n, size), ("ffmpeg (h264)", 2, (88, 72)));
}

#[test]
fn options_only_ffmpeg_has_are_refused_for_other_inputs() {
    let o = OpenOptions {
        size: Some((64, 64)),
        ..OpenOptions::default()
    };
    assert!(matches!(
        open(&testdata("vtest_160x120_420.y4m"), o),
        Err(SourceError::Unsupported(_))
    ));
}
