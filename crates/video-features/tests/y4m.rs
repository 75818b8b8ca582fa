#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! Y4M streams made by ffmpeg from the OpenCV sample video
//! (`testdata/video/make_y4m_fixtures.sh`), checked against ffmpeg's own
//! decoding of them, plus every kind of damage a file can have.

use std::time::Duration;

use oddframe::FrameBuffer;
use video_features::y4m::{Colorspace, Interlace, PixelFormat, Y4mReader, Y4mWriter};
use video_features::{Limits, SourceError};

fn testdata(name: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/video/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

#[test]
fn reads_ffmpeg_420_and_matches_its_grey_decoding_exactly() {
    let bytes = testdata("vtest_160x120_420.y4m");
    let r = Y4mReader::new(bytes.as_slice()).unwrap();
    let h = r.header().clone();
    assert_eq!((h.width, h.height, h.frame_rate), (160, 120, (10, 1)));
    assert_eq!(h.interlace, Interlace::Progressive);
    assert_eq!(h.colorspace, Colorspace::C420Jpeg);
    assert_eq!(h.extensions, vec!["YSCSS=420JPEG", "COLORRANGE=LIMITED"]);
    let frames: Vec<_> = r.collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 4);
    let gray = testdata("vtest_160x120_420.gray");
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.index(), i as u64);
        assert_eq!(f.timestamp(), Duration::from_millis(100 * i as u64));
        assert_eq!((f.width(), f.height(), f.channels()), (160, 120, 1));
        assert_eq!(
            f.as_bytes(),
            &gray[i * 19_200..(i + 1) * 19_200],
            "frame {i}"
        );
    }
}

#[test]
fn rgb_is_within_one_level_of_ffmpeg() {
    // ffmpeg converted with replicated chroma and exact rounding
    // (-sws_flags neighbor+accurate_rnd+full_chroma_int)
    let bytes = testdata("vtest_160x120_420.y4m");
    let mut r = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .output(PixelFormat::Rgb);
    let f = r.next().unwrap().unwrap();
    let FrameBuffer::Rgb(img) = f.buffer() else {
        panic!("expected RGB")
    };
    let want = testdata("vtest_160x120_420.frame0.rgb");
    let diffs: Vec<i16> = img
        .as_raw()
        .iter()
        .zip(&want)
        .map(|(&a, &b)| (i16::from(a) - i16::from(b)).abs())
        .collect();
    let worst = *diffs.iter().max().unwrap();
    let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
    println!("RGB vs ffmpeg: worst {worst}, mean {mean}");
    assert!(worst <= 1 && mean < 0.05, "worst {worst}, mean {mean}");
}

#[test]
fn every_layout_reads_and_round_trips_byte_for_byte() {
    let bytes420 = testdata("vtest_160x120_420.y4m");
    let mut r420 = Y4mReader::new(bytes420.as_slice()).unwrap();
    let mut luma420 = Vec::new();
    while let Some(f) = r420.read_frame().unwrap() {
        luma420.push(f.y().to_vec());
    }
    for (name, cs, chroma) in [
        ("vtest_160x120_420.y4m", Colorspace::C420Jpeg, 80 * 60),
        ("vtest_160x120_422.y4m", Colorspace::C422, 80 * 120),
        ("vtest_160x120_444.y4m", Colorspace::C444, 160 * 120),
        ("vtest_160x120_mono.y4m", Colorspace::Mono, 0),
    ] {
        let bytes = testdata(name);
        let mut r = Y4mReader::new(bytes.as_slice()).unwrap();
        assert_eq!(r.header().colorspace, cs, "{name}");
        let mut w = Y4mWriter::new(Vec::new(), r.header().clone()).unwrap();
        let mut n = 0;
        while let Some(f) = r.read_frame().unwrap() {
            assert_eq!((f.cb().len(), f.cr().len()), (chroma, chroma), "{name}");
            if cs != Colorspace::Mono {
                // the same scaled luma whatever the chroma layout
                assert_eq!(f.y(), luma420[n].as_slice(), "{name} frame {n}");
            } else {
                assert!(f.is_full_range()); // XCOLORRANGE=FULL
            }
            w.write_frame(&f).unwrap();
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(w.finish().unwrap(), bytes, "{name}: writer output differs");
    }
}

#[test]
fn truncation_is_an_error_naming_frame_and_offset() {
    let bytes = testdata("vtest_160x120_420.y4m");
    let header_len = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let frame_len = 6 + 28_800;
    // cut inside the third frame's data
    let cut = header_len + 2 * frame_len + 6 + 1000;
    let mut r = Y4mReader::new(&bytes[..cut]).unwrap();
    assert!(r.next().unwrap().is_ok());
    assert!(r.next().unwrap().is_ok());
    match r.next().unwrap() {
        Err(SourceError::Truncated {
            frame,
            offset,
            expected,
            got,
        }) => {
            assert_eq!((frame, expected, got), (2, 28_800, 1000));
            assert_eq!(offset as usize, header_len + 2 * frame_len + 6);
        }
        other => panic!("{other:?}"),
    }
    assert!(r.next().is_none()); // nothing after an error
                                 // cut inside a frame header
    let mut r = Y4mReader::new(&bytes[..header_len + 3]).unwrap();
    assert!(matches!(r.next(), Some(Err(SourceError::Malformed { .. }))));
    // a clean end after whole frames
    let r = Y4mReader::new(&bytes[..header_len + frame_len]).unwrap();
    assert_eq!(r.count(), 1);
}

#[test]
fn damaged_streams_are_errors_with_offsets() {
    let bytes = testdata("vtest_160x120_420.y4m");
    let header_len = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    // a damaged frame marker
    let mut bad = bytes.clone();
    bad[header_len + 6 + 28_800] = b'X';
    let mut r = Y4mReader::new(bad.as_slice()).unwrap();
    assert!(r.next().unwrap().is_ok());
    match r.next().unwrap() {
        Err(SourceError::Malformed { offset, .. }) => {
            assert_eq!(offset as usize, header_len + 6 + 28_800)
        }
        other => panic!("{other:?}"),
    }
    // not a Y4M file at all, an empty one, a header without newline
    for junk in [&b"RIFF....AVI "[..], b"", b"YUV4MPEG2 W16 H16 F25:1"] {
        assert!(Y4mReader::new(junk).is_err());
    }
    // an endless header line stops at the line limit
    let endless = vec![b'Y'; 1 << 20];
    assert!(matches!(
        Y4mReader::new(endless.as_slice()),
        Err(SourceError::Malformed { .. })
    ));
}

#[test]
fn limits_are_checked_before_allocating() {
    let hostile = b"YUV4MPEG2 W65535 H65535 F25:1 C444\nFRAME\n";
    assert!(matches!(
        Y4mReader::new(&hostile[..]),
        Err(SourceError::LimitExceeded {
            what: "frame width",
            ..
        })
    ));
    let mut small = Limits::default();
    small.max_alloc = 10_000;
    let bytes = testdata("vtest_160x120_420.y4m");
    assert!(matches!(
        Y4mReader::with_limits(bytes.as_slice(), small),
        Err(SourceError::LimitExceeded {
            what: "frame size in bytes",
            value: 28_800,
            limit: 10_000
        })
    ));
}

#[test]
fn writer_rejects_frames_that_do_not_fit() {
    let bytes = testdata("vtest_160x120_444.y4m");
    let mut r = Y4mReader::new(bytes.as_slice()).unwrap();
    let f = r.read_frame().unwrap().unwrap();
    let header = Y4mReader::new(testdata("vtest_160x120_420.y4m").as_slice())
        .unwrap()
        .header()
        .clone();
    let mut w = Y4mWriter::new(Vec::new(), header).unwrap();
    assert!(matches!(w.write_frame(&f), Err(SourceError::Mismatch(_))));
    assert_eq!(w.frames_written(), 0);
}

#[test]
fn sampling_a_real_stream_by_time_and_count() {
    use video_features::sampling::{SampleExt, Sampler};
    let bytes = testdata("vtest_160x120_420.y4m"); // 10 frames per second
    let by_time: Vec<u64> = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .sample(Sampler::every_millis(200).unwrap())
        .map(|f| f.unwrap().index())
        .collect();
    assert_eq!(by_time, vec![0, 2]);
    let every3: Vec<Duration> = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .sample(Sampler::every_nth(3).unwrap())
        .map(|f| f.unwrap().timestamp())
        .collect();
    assert_eq!(every3, vec![Duration::ZERO, Duration::from_millis(300)]);
    let capped = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .sample(Sampler::all().max_frames(1))
        .count();
    assert_eq!(capped, 1);
}

#[test]
fn tiff_sequence_matches_the_grey_decoding() {
    use video_features::sequence::ImageSequence;
    let dir = format!(
        "{}/../../testdata/video/vtest_gray_tif",
        env!("CARGO_MANIFEST_DIR")
    );
    let seq = ImageSequence::open(&dir)
        .unwrap()
        .frame_rate(10, 1)
        .unwrap();
    assert_eq!(seq.len(), 4);
    let gray = testdata("vtest_160x120_420.gray");
    for (i, f) in seq.enumerate() {
        let f = f.unwrap();
        assert_eq!(f.timestamp(), Duration::from_millis(100 * i as u64));
        assert_eq!(
            f.as_bytes(),
            &gray[i * 19_200..(i + 1) * 19_200],
            "frame {i}"
        );
    }
    // corrupt and missing files are errors naming the file
    let tmp = std::env::temp_dir().join(format!("oddframe-seq-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let first = std::fs::read(format!("{dir}/001.tif")).unwrap();
    std::fs::write(tmp.join("1.tif"), &first[..first.len() / 2]).unwrap();
    std::fs::write(tmp.join("2.png"), b"\x89PNG not really").unwrap();
    let errs: Vec<_> = ImageSequence::open(&tmp).unwrap().collect();
    assert!(errs
        .iter()
        .all(|r| matches!(r, Err(SourceError::Decode { .. }))));
    let mut tiny = Limits::default();
    tiny.max_width = 100;
    let limited = ImageSequence::open(&dir)
        .unwrap()
        .limits(tiny)
        .next()
        .unwrap();
    assert!(limited.is_err());
    std::fs::remove_dir_all(&tmp).unwrap();
    let empty = std::env::temp_dir().join(format!("oddframe-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    assert!(ImageSequence::open(&empty).is_err());
    assert!(ImageSequence::open(empty.join("missing")).is_err());
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn grey_of_rgb_agrees_with_luma_and_batches_stack() {
    use video_features::preprocess::Preprocess;
    let bytes = testdata("vtest_160x120_420.y4m");
    let rgb: Vec<_> = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .output(PixelFormat::Rgb)
        .collect::<Result<_, _>>()
        .unwrap();
    let luma: Vec<_> = Y4mReader::new(bytes.as_slice())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // BT.601 grey of the decoded RGB is the decoded luma, up to the rounding
    // of both conversions and RGB clipping
    let grey = Preprocess::new().grey(true).apply(&rgb[0]).unwrap();
    let diffs: Vec<i16> = grey
        .as_bytes()
        .iter()
        .zip(luma[0].as_bytes())
        .map(|(&a, &b)| (i16::from(a) - i16::from(b)).abs())
        .collect();
    let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
    assert!(mean < 0.5, "mean {mean}");
    // the autoencoder's input: 64x64 grey in [0, 1]
    let batch = Preprocess::new()
        .grey(true)
        .resize(64, 64)
        .batch(&rgb)
        .unwrap();
    assert_eq!(batch.dim(), (4, 1, 64, 64));
    assert!(batch.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let m = batch.mean().unwrap();
    let want = luma[0]
        .as_bytes()
        .iter()
        .map(|&v| f32::from(v))
        .sum::<f32>()
        / 19_200.0
        / 255.0;
    assert!((batch.index_axis(ndarray::Axis(0), 0).mean().unwrap() - want).abs() < 0.01);
    assert!(m > 0.1 && m < 0.9);
}

#[test]
fn ten_bit_streams_read_widen_and_round_trip() {
    // ffmpeg's widening of the 8-bit 4:2:0 stream to 10 bits per sample
    let bytes = testdata("vtest_160x120_420p10.y4m");
    let mut r = Y4mReader::new(bytes.as_slice()).unwrap();
    assert_eq!(
        (r.header().bit_depth, r.header().frame_bytes()),
        (10, 2 * 160 * 120 * 3 / 2)
    );
    let narrow = testdata("vtest_160x120_420.y4m");
    let mut r8 = Y4mReader::new(narrow.as_slice()).unwrap();
    let mut w = Y4mWriter::new(Vec::new(), r.header().clone()).unwrap();
    let mut n = 0;
    while let Some(f) = r.read_frame().unwrap() {
        let f8 = r8.read_frame().unwrap().unwrap();
        assert_eq!(f.bit_depth(), 10);
        assert!((0..f.y().len() / 2).all(|i| f.sample(0, i) <= 1023));
        // rounded back to 8 bits: the samples it was made from
        let back = f.to_8bit();
        for (a, b) in [
            (back.y(), f8.y()),
            (back.cb(), f8.cb()),
            (back.cr(), f8.cr()),
        ] {
            assert_eq!(a, b, "frame {n}");
        }
        assert_eq!(f.to_luma(), f8.to_luma());
        w.write_frame(&f).unwrap();
        // an 8-bit frame does not fit a 10-bit stream
        assert!(matches!(w.write_frame(&f8), Err(SourceError::Mismatch(_))));
        n += 1;
    }
    assert_eq!(n, 2);
    assert_eq!(w.finish().unwrap(), bytes);
}
