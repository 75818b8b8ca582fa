//! Event clips: each event of a source, with pre- and post-roll, copied out
//! of the source by ffmpeg without re-encoding, so that only the anomalous
//! stretches are kept.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One clip written.
#[derive(Debug, Clone)]
pub struct Clip {
    /// The source it was cut from.
    pub source: String,
    /// The clip file.
    pub path: PathBuf,
    /// Start in the source, in seconds.
    pub start: f64,
    /// Length asked for, in seconds.
    pub duration: f64,
    /// Size of the clip file.
    pub bytes: u64,
}

/// What the clips kept against what came in.
#[derive(Debug, Clone)]
pub struct ClipReport {
    /// Where the clips are.
    pub dir: PathBuf,
    /// Every clip, by source.
    pub clips: Vec<Clip>,
    /// Bytes of all clips.
    pub clip_bytes: u64,
    /// Bytes of all input files, with events or without (URLs and
    /// `lavfi:` graphs have no size).
    pub input_bytes: u64,
}

impl ClipReport {
    /// `clip_bytes / input_bytes` (NaN without input files).
    pub fn kept_share(&self) -> f64 {
        self.clip_bytes as f64 / self.input_bytes as f64
    }
}

/// Joins spans that overlap once widened by `pre` and `post`, so that no
/// second of video is kept twice.
fn widened(spans: &[(f64, f64)], pre: f64, post: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &(start, end) in spans {
        let (a, b) = ((start - pre).max(0.0), end + post);
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Cuts the event spans `(start_s, end_s)` of each source into `dir`:
/// `s{source}_e{k}.mkv`. Sources that are not files or URLs (`lavfi:`
/// graphs, image folders) have nothing to cut and are skipped.
///
/// # Errors
/// A negative or non-finite roll, a folder that cannot be made, or ffmpeg
/// missing or failing on a clip (with its message).
pub fn cut_clips(
    sources: &[(&str, Vec<(f64, f64)>)],
    dir: &Path,
    pre: f64,
    post: f64,
) -> Result<ClipReport, String> {
    if !(pre.is_finite() && post.is_finite() && pre >= 0.0 && post >= 0.0) {
        return Err(format!(
            "--pre {pre} and --post {post} must be finite and >= 0"
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut report = ClipReport {
        dir: dir.to_path_buf(),
        clips: Vec::new(),
        clip_bytes: 0,
        input_bytes: 0,
    };
    for (i, (source, spans)) in sources.iter().enumerate() {
        let path = Path::new(source);
        let is_url = source.contains("://");
        if !is_url && path.is_file() {
            report.input_bytes += std::fs::metadata(path)
                .map_err(|e| format!("{source}: {e}"))?
                .len();
        }
        if spans.is_empty() || !(is_url || path.is_file()) {
            continue; // nothing to cut, or a lavfi graph or image folder
        }
        for (k, (start, end)) in widened(spans, pre, post).into_iter().enumerate() {
            let out = dir.join(format!("s{i}_e{k}.mkv"));
            cut(source, start, end - start, &out)?;
            let bytes = std::fs::metadata(&out)
                .map_err(|e| format!("{}: {e}", out.display()))?
                .len();
            report.clip_bytes += bytes;
            report.clips.push(Clip {
                source: (*source).to_string(),
                path: out,
                start,
                duration: end - start,
                bytes,
            });
        }
    }
    Ok(report)
}

/// Copies `duration` seconds of `source`'s first video stream from `start`.
/// Input seeking with stream copy starts at the key frame at or before
/// `start`, so a clip holds at least what was asked (more, in sources with
/// sparse key frames).
fn cut(source: &str, start: f64, duration: f64, out: &Path) -> Result<(), String> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-ss"])
        .arg(format!("{start:.3}"))
        .arg("-i")
        .arg(source)
        .arg("-t")
        .arg(format!("{duration:.3}"))
        .args(["-map", "0:v:0", "-c", "copy"])
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run ffmpeg to cut clips: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ffmpeg could not cut {start:.3}+{duration:.3} s of {source}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_rolls_are_joined() {
        let w = widened(&[(1.0, 2.0), (4.5, 5.0), (20.0, 21.0)], 2.0, 1.0);
        assert_eq!(w, vec![(0.0, 6.0), (18.0, 22.0)]);
    }

    #[test]
    fn an_event_of_a_real_video_becomes_a_smaller_clip() {
        let source = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/video/carphone_pristine.mp4"
        );
        let dir = std::env::temp_dir().join(format!("oddframe_clips_{}", std::process::id()));
        let r = cut_clips(&[(source, vec![(1.0, 2.0)])], &dir, 0.5, 0.5).unwrap();
        let input = std::fs::metadata(source).unwrap().len();
        assert_eq!((r.clips.len(), r.input_bytes), (1, input));
        let on_disk = std::fs::metadata(&r.clips[0].path).unwrap().len();
        assert_eq!(r.clip_bytes, on_disk);
        assert!(on_disk > 0 && r.kept_share() < 1.0, "{r:?}");
        // a source ffmpeg cannot read is an error naming it
        let err = cut_clips(
            &[("file:///no/such/video.mp4", vec![(0.0, 1.0)])],
            &dir,
            0.0,
            0.0,
        )
        .unwrap_err();
        assert!(err.contains("/no/such/video.mp4"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_rolls_are_errors() {
        let dir = std::env::temp_dir();
        assert!(cut_clips(&[], &dir, -1.0, 0.0).is_err());
        assert!(cut_clips(&[], &dir, 0.0, f64::NAN).is_err());
    }
}
