//! Helpers shared by the video examples (`cargo run --release --example
//! video_info`, `--example embedding_ocsvm`): opening any source by its
//! name, and the process's peak memory.

use std::path::{Path, PathBuf};

use oddframe::Frame;
use video_features::ffmpeg::Ffmpeg;
use video_features::sampling::{SampleExt, Sampler};
use video_features::sequence::ImageSequence;
use video_features::y4m::Y4mReader;
use video_features::{PixelFormat, SourceError};

/// Frames from any source, with what is known about it before decoding.
pub struct Opened {
    /// The frames, sampled as asked.
    pub frames: Box<dyn Iterator<Item = Result<Frame, SourceError>>>,
    /// Which decoder reads it: `image sequence`, `y4m` or `ffmpeg (codec)`.
    pub decoder: String,
    /// Frames per second of the source.
    pub fps: Option<f64>,
    /// Frames in the source (before sampling), when known.
    pub frame_count: Option<u64>,
    /// Duration of the source in seconds, when known.
    pub duration_s: Option<f64>,
}

/// How to open a source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Grey or RGB frames.
    pub format: PixelFormat,
    /// Keep one frame every so many milliseconds (ffmpeg's `fps` filter for
    /// ffmpeg inputs, [`Sampler`] for the others).
    pub every_ms: Option<u32>,
    /// Frames scaled to this size (ffmpeg inputs only).
    pub size: Option<(u32, u32)>,
    /// Start and length in seconds (ffmpeg inputs only).
    pub span_s: Option<(f64, f64)>,
}

/// Opens a directory of images, a `.y4m` file, a `lavfi:GRAPH` test source
/// (ffmpeg's filter-graph input, for example `lavfi:testsrc2=size=320x240`),
/// or anything else through ffmpeg (files, `rtsp://` and `http://` URLs).
///
/// # Errors
/// The sources' own errors; [`SourceError::Unsupported`] for options a
/// source does not offer.
pub fn open(input: &Path, o: OpenOptions) -> Result<Opened, SourceError> {
    let sampler = match o.every_ms {
        Some(ms) => Sampler::every_millis(u64::from(ms))
            .map_err(|e| SourceError::Unsupported(e.to_string()))?,
        None => Sampler::all(),
    };
    let ffmpeg_only = o.size.is_some() || o.span_s.is_some();
    let native = input.is_dir() || input.extension().is_some_and(|e| e == "y4m");
    if native && ffmpeg_only {
        return Err(SourceError::Unsupported(
            "scaling and start/length need an ffmpeg input".into(),
        ));
    }
    if input.is_dir() {
        let seq = ImageSequence::open(input)?.output(o.format);
        let n = seq.len() as u64;
        return Ok(Opened {
            frame_count: Some(n),
            duration_s: Some(n as f64 / 25.0),
            frames: Box::new(seq.sample(sampler)),
            decoder: "image sequence".into(),
            fps: Some(25.0),
        });
    }
    if input.extension().is_some_and(|e| e == "y4m") {
        let file = std::fs::File::open(input)?;
        let r = Y4mReader::new(file)?.output(o.format);
        let (n, d) = r.header().frame_rate;
        return Ok(Opened {
            fps: Some(f64::from(n) / f64::from(d.max(1))),
            frames: Box::new(r.sample(sampler)),
            decoder: "y4m".into(),
            frame_count: None,
            duration_s: None,
        });
    }
    let lavfi = input.to_str().and_then(|s| s.strip_prefix("lavfi:"));
    let mut f = match lavfi {
        Some(graph) => Ffmpeg::new(graph).input_format("lavfi"),
        None => Ffmpeg::new(input),
    }
    .output(o.format);
    if let Some(ms) = o.every_ms {
        f = f.every_millis(ms);
    }
    if let Some((w, h)) = o.size {
        f = f.scale(w, h);
    }
    if let Some((start, len)) = o.span_s {
        let secs = |s: f64| {
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| SourceError::Unsupported(format!("time {s} s")))
        };
        f = f.start(secs(start)?).duration(secs(len)?);
    }
    let mut source = f.open()?;
    let info = source.info()?.clone();
    Ok(Opened {
        decoder: format!("ffmpeg ({})", info.codec),
        fps: info.frame_rate.map(|(n, d)| f64::from(n) / f64::from(d)),
        frame_count: info.frames,
        duration_s: info.duration.map(|d| d.as_secs_f64()),
        frames: Box::new(source),
    })
}

/// A file of the workspace's `testdata/video`.
pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/video")
        .join(name)
}

/// The process's peak resident memory (Linux `VmHWM`), in MiB.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
