//! Full-reference quality on the planes video files store, against
//! ffmpeg's `psnr` and `ssim` filters on the same pairs: per frame (their
//! `stats_file`) and for the whole video (the summary they print), for
//! every plane. Fixtures and pairs made by
//! `testdata/video/make_native_quality_fixtures.sh`: the carphone H.264
//! pair as is (8-bit 4:2:0), a 10-bit 4:2:0 pair and a 4:2:2 pair built
//! from the bundled videos. Needs the `ffmpeg` program.
#![cfg(feature = "ffmpeg")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::Duration;

use video_features::ffmpeg::Ffmpeg;
use video_features::quality::{aligned, frame_quality, FrameQuality, Summary};
use video_features::SourceError;

mod common;
use common::{path, stats};

/// (name, distorted, reference, pictures, bit depth)
const PAIRS: [(&str, &str, &str, usize, u8); 3] = [
    (
        "carphone",
        "carphone_distorted.mp4",
        "carphone_pristine.mp4",
        120,
        8,
    ),
    (
        "carphone10",
        "carphone10_distorted.mkv",
        "carphone10_reference.mkv",
        30,
        10,
    ),
    (
        "vtest422",
        "vtest422_distorted.mp4",
        "vtest422_reference.mp4",
        30,
        8,
    ),
];

fn measure(distorted: &str, reference: &str) -> Vec<FrameQuality> {
    let open = |name: &str| Ffmpeg::new(path(name)).open_yuv().unwrap();
    aligned(open(reference), open(distorted))
        .map(|pair| {
            let (r, d) = pair.unwrap();
            frame_quality(&r.frame, &d.frame).unwrap()
        })
        .collect()
}

/// The numbers after `key:` in ffmpeg's summary line starting with `line`.
fn summary(name: &str, line: &str, keys: &[&str]) -> Vec<f64> {
    let text = std::fs::read_to_string(path(&format!("{name}.native.summary.txt"))).unwrap();
    let l = text.lines().find(|l| l.starts_with(line)).unwrap();
    keys.iter()
        .map(|k| {
            let at = l.find(&format!(" {k}:")).unwrap() + k.len() + 2;
            l[at..].split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn psnr_and_ssim_of_every_plane_equal_ffmpegs_per_frame_and_overall() {
    for (name, distorted, reference, pictures, depth) in PAIRS {
        let ours = measure(distorted, reference);
        let psnr = stats(
            &format!("{name}.native.psnr.log"),
            &["psnr_y", "psnr_u", "psnr_v", "psnr_avg"],
        );
        let ssim = stats(&format!("{name}.native.ssim.log"), &["Y", "U", "V", "All"]);
        assert_eq!(
            (ours.len(), psnr.len(), ssim.len()),
            (pictures, pictures, pictures)
        );
        assert_eq!(ours[0].peak, f64::from((1u32 << depth) - 1));
        let (mut worst_p, mut worst_s) = (0f64, 0f64);
        let mut all = Summary::new();
        for (i, q) in ours.iter().enumerate() {
            for k in 0..4 {
                worst_p = worst_p.max((q.psnr[k] - psnr[i][k]).abs());
                worst_s = worst_s.max((q.ssim[k] - ssim[i][k]).abs());
            }
            all.push(q);
        }
        // ffmpeg prints per-frame PSNR with two decimals, SSIM with six
        println!("{name}: worst per-frame |PSNR - ffmpeg| {worst_p:.4} dB, |SSIM - ffmpeg| {worst_s:.1e}");
        assert!(worst_p <= 0.0051, "{name}: PSNR off by {worst_p} dB");
        assert!(worst_s <= 2e-5, "{name}: SSIM off by {worst_s}");
        let want_p = summary(name, "PSNR", &["y", "u", "v", "average"]);
        let want_s = summary(name, "SSIM", &["Y", "U", "V", "All"]);
        let (p, s) = (all.psnr().unwrap(), all.ssim().unwrap());
        for k in 0..4 {
            assert!(
                (p[k] - want_p[k]).abs() <= 1e-5,
                "{name} PSNR {k}: {} vs {}",
                p[k],
                want_p[k]
            );
            assert!(
                (s[k] - want_s[k]).abs() <= 2e-5,
                "{name} SSIM {k}: {} vs {}",
                s[k],
                want_s[k]
            );
        }
    }
}

fn mismatch<T: std::fmt::Debug>(r: Result<T, SourceError>) -> String {
    match r {
        Err(SourceError::Mismatch(m)) => m,
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

fn first_error(reference: Ffmpeg, distorted: Ffmpeg) -> String {
    let pairs = aligned(reference.open_yuv().unwrap(), distorted.open_yuv().unwrap());
    mismatch(pairs.collect::<Result<Vec<_>, _>>())
}

#[test]
fn pairs_that_cannot_be_aligned_are_errors_with_the_numbers() {
    let f = |name: &str| Ffmpeg::new(path(name));
    let sizes = first_error(f("carphone_pristine.mp4"), f("vtest422_reference.mp4"));
    assert!(
        sizes.contains("176x144 420") && sizes.contains("320x240 422"),
        "{sizes}"
    );
    let depths = first_error(f("carphone_pristine.mp4"), f("carphone10_reference.mkv"));
    assert!(depths.contains("420p10"), "{depths}");
    let short = f("carphone_distorted.mp4").duration(Duration::from_secs(1));
    let lengths = first_error(f("carphone_pristine.mp4"), short);
    assert!(
        lengths.contains("distorted video ends after 30 pictures"),
        "{lengths}"
    );
    // the variable-rate clip lacks pictures 3, 5, 10, ... of the original
    let times = first_error(f("carphone_pristine.mp4"), f("carphone_vfr.mp4"));
    assert!(
        times.contains("picture 3 is at 0.100100 s in the reference and at 0.133467 s"),
        "{times}"
    );
}
