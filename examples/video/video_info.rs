//! Opens any source, decodes every (sampled) frame, and reports its size,
//! rate and how fast it decoded; with a reference, PSNR and SSIM of every
//! plane (Y, U, V and the plane-weighted average, as ffmpeg's `psnr` and
//! `ssim` filters name and compute them), measured on the samples the files
//! store.
//!
//! ```text
//! cargo run --release --example video_info                    # bundled vtest.avi
//! cargo run --release --example video_info -- INPUT [--gray] [--every-ms N]
//! cargo run --release --example video_info -- DISTORTED --reference REF [--csv FILE]
//! cargo run --release --example video_info -- INPUT --gray --vs-ffmpeg
//! ```
//!
//! INPUT is a directory of images, a `.y4m` file, or anything ffmpeg opens
//! (files, URLs, devices). Ends with one JSON line.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use clap::Parser;
use oddframe_examples_common::print_json_line;
use oddframe_examples_video::{peak_memory_mib, testdata};
use serde::Serialize;
use video_features::ffmpeg::Ffmpeg;
use video_features::open::{open, open_pictures, OpenOptions, Source};
use video_features::quality::{aligned, frame_quality, FrameQuality, Summary as Quality};
use video_features::y4m::Picture;
use video_features::PixelFormat;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Open a source, decode every (sampled) frame, report its size, rate and
/// decoding speed; with a reference, per-frame PSNR and SSIM.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// A directory of images, a .y4m file, or anything ffmpeg opens
    /// (default: the bundled testdata/video/vtest.avi).
    input: Option<PathBuf>,
    /// Decode to grey (default RGB).
    #[arg(long, alias = "grey")]
    gray: bool,
    /// Keep one frame every N milliseconds.
    #[arg(long, value_name = "N")]
    every_ms: Option<u32>,
    /// Measure PSNR and SSIM of INPUT against REF instead, per plane, on the
    /// samples both files store (pictures paired by time).
    #[arg(long, value_name = "REF", conflicts_with = "gray")]
    reference: Option<PathBuf>,
    /// Write each frame's index, time and per-plane PSNR and SSIM to FILE.
    #[arg(long, value_name = "FILE", requires = "reference")]
    csv: Option<PathBuf>,
    /// Also compare decoding speed with `ffmpeg -i INPUT -f rawvideo -pix_fmt
    /// gray` to /dev/null: medians of 5 alternating runs (use with --gray to
    /// compare like with like).
    #[arg(long)]
    vs_ffmpeg: bool,
}

/// The closing JSON line.
#[derive(Serialize)]
struct Summary {
    frames: u64,
    width: u32,
    height: u32,
    fps: Option<f64>,
    decode_s: f64,
    decode_fps: f64,
    /// ffmpeg's `y`, `u`, `v`, `average`.
    #[serde(skip_serializing_if = "Option::is_none")]
    psnr: Option<Planes>,
    /// ffmpeg's `Y`, `U`, `V`, `All`.
    #[serde(skip_serializing_if = "Option::is_none")]
    ssim: Option<Planes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ffmpeg_fps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_fps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vs_ffmpeg: Option<f64>,
}

/// A value per plane and for the frame.
#[derive(Serialize)]
struct Planes {
    y: f64,
    u: f64,
    v: f64,
    average: f64,
}

impl From<[f64; 4]> for Planes {
    fn from([y, u, v, average]: [f64; 4]) -> Self {
        Self { y, u, v, average }
    }
}

/// Each frame's index, time and quality.
type PerFrame = Vec<(u64, f64, FrameQuality)>;

/// Measures each pair of pictures as stored, paired by time; returns the
/// picture count and size.
fn measure(
    reference: Source<Picture>,
    input: Source<Picture>,
    per_frame: &mut PerFrame,
) -> AnyResult<(u64, (u32, u32))> {
    let (mut frames, mut size) = (0u64, (0, 0));
    for pair in aligned(reference.frames, input.frames) {
        let (r, d) = pair?;
        size = (d.frame.width(), d.frame.height());
        frames += 1;
        let q = frame_quality(&r.frame, &d.frame)?;
        per_frame.push((d.index, d.timestamp.as_secs_f64(), q));
    }
    Ok((frames, size))
}

/// Decodes every frame; returns the count and the size.
fn count(source: Source) -> AnyResult<(u64, (u32, u32))> {
    let (mut frames, mut size) = (0u64, (0, 0));
    for frame in source.frames {
        let frame = frame?;
        size = (frame.width(), frame.height());
        frames += 1;
    }
    Ok((frames, size))
}

fn run(o: &Cli) -> AnyResult<()> {
    let input = o.input.clone().unwrap_or_else(|| testdata("vtest.avi"));
    let mut opts = OpenOptions::new().format(if o.gray {
        PixelFormat::Luma
    } else {
        PixelFormat::Rgb
    });
    if let Some(ms) = o.every_ms {
        opts = opts.every_ms(ms);
    }
    let t0 = Instant::now();
    let mut per_frame: PerFrame = Vec::new();
    // with a reference, the pictures as stored; else frames as asked
    let (info, frames, size) = match &o.reference {
        Some(reference) => {
            let pictures = open_pictures(&input, opts)?;
            let info = pictures.info.clone();
            let (n, size) = measure(open_pictures(reference, opts)?, pictures, &mut per_frame)?;
            (info, n, size)
        }
        None => {
            let source = open(&input, opts)?;
            let info = source.info.clone();
            let (n, size) = count(source)?;
            (info, n, size)
        }
    };
    println!("input           {}", input.display());
    println!("decoder         {}", info.decoder);
    let (fps, count) = (info.frame_rate, info.frame_count);
    let duration = info.duration.map(|d| d.as_secs_f64());
    let decode_s = t0.elapsed().as_secs_f64();
    let decode_fps = frames as f64 / decode_s;
    let show = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
    println!("size            {}x{}", size.0, size.1);
    println!(
        "frame rate      {}",
        show(fps.map(|f| format!("{f:.3} fps")))
    );
    println!("frames (source) {}", show(count.map(|n| n.to_string())));
    let vfr = info
        .variable_rate
        .map(|v| if v { "variable" } else { "constant" });
    println!("rate kind       {}", show(vfr.map(str::to_owned)));
    println!(
        "duration        {}",
        show(duration.map(|d| format!("{d:.3} s")))
    );
    println!("frames decoded  {frames}");
    println!("decode time     {decode_s:.3} s ({decode_fps:.1} frames/s)");
    let mut summary = Summary {
        frames,
        width: size.0,
        height: size.1,
        fps,
        decode_s,
        decode_fps,
        psnr: None,
        ssim: None,
        ffmpeg_fps: None,
        source_fps: None,
        vs_ffmpeg: None,
    };
    if o.reference.is_some() {
        let mut all = Quality::new();
        per_frame.iter().for_each(|(_, _, q)| all.push(q));
        let (p, s) = (
            all.psnr().unwrap_or_default(),
            all.ssim().unwrap_or_default(),
        );
        println!(
            "PSNR            y:{:.6} u:{:.6} v:{:.6} average:{:.6} dB (from the mean MSE)",
            p[0], p[1], p[2], p[3]
        );
        println!(
            "SSIM            Y:{:.6} U:{:.6} V:{:.6} All:{:.6} (mean over frames)",
            s[0], s[1], s[2], s[3]
        );
        (summary.psnr, summary.ssim) = (Some(p.into()), Some(s.into()));
        if let Some(path) = &o.csv {
            let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
            writeln!(
                w,
                "frame,time_s,psnr_y,psnr_u,psnr_v,psnr_avg,ssim_y,ssim_u,ssim_v,ssim_all"
            )?;
            for (i, t, q) in &per_frame {
                let [py, pu, pv, pa] = q.psnr;
                let [sy, su, sv, sa] = q.ssim;
                writeln!(w, "{i},{t},{py},{pu},{pv},{pa},{sy},{su},{sv},{sa}")?;
            }
            w.flush()?;
            println!("wrote           {}", path.display());
        }
    }
    if o.vs_ffmpeg {
        let (ours, theirs) = versus_ffmpeg(&input, opts)?;
        println!(
            "vs ffmpeg       median of {REPEATS} alternating runs: this source {ours:.1} frames/s, \
             ffmpeg to /dev/null {theirs:.1} frames/s ({:.2}x)",
            ours / theirs
        );
        summary.ffmpeg_fps = Some(theirs);
        summary.source_fps = Some(ours);
        summary.vs_ffmpeg = Some(ours / theirs);
    }
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory     {mib:.1} MiB");
    }
    print_json_line(&summary)?;
    Ok(())
}

/// Runs of each side in `--vs-ffmpeg`.
const REPEATS: usize = 5;

/// Median frames per second of opening and decoding `input` with this
/// crate's source, and of `ffmpeg -i INPUT -f rawvideo -pix_fmt gray` to
/// /dev/null, run alternately so both see the same machine load.
fn versus_ffmpeg(input: &std::path::Path, opts: OpenOptions) -> AnyResult<(f64, f64)> {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..REPEATS {
        let t = Instant::now();
        let mut n = 0u64;
        // the source alone (not the helper, which also waits for ffprobe's
        // metadata)
        for f in Ffmpeg::new(input).output(opts.format).open()? {
            f?;
            n += 1;
        }
        ours.push(n as f64 / t.elapsed().as_secs_f64());
        theirs.push(baseline(input)?);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((median(&mut ours), median(&mut theirs)))
}

/// Frames per second of `ffmpeg -i INPUT -f rawvideo -pix_fmt gray` to
/// /dev/null, counting the frames it reports.
fn baseline(input: &std::path::Path) -> AnyResult<f64> {
    let t = Instant::now();
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-stats", "-i"])
        .arg(input)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-y", "/dev/null"])
        .stdout(Stdio::null())
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("ffmpeg failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    // -stats ends with "frame=  795 fps=..." on stderr
    let log = String::from_utf8_lossy(&out.stderr);
    let frames: f64 = log
        .rsplit("frame=")
        .next()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .ok_or("no frame count in ffmpeg's -stats output")?;
    Ok(frames / secs)
}

fn main() -> ExitCode {
    match run(&Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
