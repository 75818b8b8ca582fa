//! Opens any source, decodes every (sampled) frame, and reports its size,
//! rate and how fast it decoded; with a reference, per-frame PSNR and SSIM.
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
use std::process::{Command, Stdio};
use std::time::Instant;

use oddframe::FeatureExtractor;
use oddframe_examples_video::{peak_memory_mib, testdata};
use video_features::ffmpeg::Ffmpeg;
use video_features::open::{open, OpenOptions};
use video_features::quality::FullReference;
use video_features::PixelFormat;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
usage: video_info [INPUT] [options]

  INPUT            a directory of images, a .y4m file, or anything ffmpeg opens
                   (default: testdata/video/vtest.avi)
  --gray           decode to grey (default RGB)
  --every-ms N     keep one frame every N milliseconds
  --reference REF  also compute per-frame PSNR and SSIM of INPUT against REF
  --csv FILE       with --reference: write frame, time_s, psnr, ssim per frame
  --vs-ffmpeg      also compare decoding speed with `ffmpeg -i INPUT -f rawvideo
                   -pix_fmt gray` to /dev/null: medians of 5 alternating runs
                   (use with --gray to compare like with like)
";

#[derive(Default)]
struct Options {
    input: Option<PathBuf>,
    gray: bool,
    every_ms: Option<u32>,
    reference: Option<PathBuf>,
    csv: Option<PathBuf>,
    vs_ffmpeg: bool,
}

fn parse_args() -> AnyResult<Options> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--gray" | "--grey" => o.gray = true,
            "--every-ms" => o.every_ms = Some(value("--every-ms")?.parse()?),
            "--reference" => o.reference = Some(value("--reference")?.into()),
            "--csv" => o.csv = Some(value("--csv")?.into()),
            "--vs-ffmpeg" => o.vs_ffmpeg = true,
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{HELP}").into()),
            _ if o.input.is_none() => o.input = Some(a.into()),
            _ => return Err(format!("one INPUT only\n{HELP}").into()),
        }
    }
    if o.csv.is_some() && o.reference.is_none() {
        return Err("--csv needs --reference".into());
    }
    Ok(o)
}

fn run(o: &Options) -> AnyResult<()> {
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
    let source = open(&input, opts)?;
    let mut reference = match &o.reference {
        Some(r) => Some(open(r, opts)?.frames),
        None => None,
    };
    println!("input           {}", input.display());
    println!("decoder         {}", source.info.decoder);
    let (fps, count) = (source.info.frame_rate, source.info.frame_count);
    let duration = source.info.duration.map(|d| d.as_secs_f64());
    let mut quality = FullReference::default();
    let mut per_frame: Vec<(u64, f64, f64, f64)> = Vec::new();
    let (mut frames, mut size) = (0u64, (0, 0));
    for frame in source.frames {
        let frame = frame?;
        if frames == 0 {
            size = (frame.width(), frame.height());
        }
        frames += 1;
        if let Some(r) = reference.as_mut() {
            let rf = r.next().ok_or("the reference has fewer frames")??;
            let q = quality.push(&(rf, frame.clone()))?.remove(0);
            per_frame.push((frame.index(), frame.timestamp().as_secs_f64(), q[0], q[1]));
        }
    }
    let decode_s = t0.elapsed().as_secs_f64();
    let decode_fps = frames as f64 / decode_s;
    let show = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
    println!("size            {}x{}", size.0, size.1);
    println!(
        "frame rate      {}",
        show(fps.map(|f| format!("{f:.3} fps")))
    );
    println!("frames (source) {}", show(count.map(|n| n.to_string())));
    println!(
        "duration        {}",
        show(duration.map(|d| format!("{d:.3} s")))
    );
    println!("frames decoded  {frames}");
    println!("decode time     {decode_s:.3} s ({decode_fps:.1} frames/s)");
    let mut json = format!(
        "{{\"frames\":{frames},\"width\":{},\"height\":{},\"fps\":{},\"decode_s\":{decode_s},\
         \"decode_fps\":{decode_fps}",
        size.0,
        size.1,
        fps.map_or("null".into(), |f| f.to_string()),
    );
    if o.reference.is_some() {
        let n = per_frame.len().max(1) as f64;
        let psnr_mean = per_frame.iter().map(|p| p.2).sum::<f64>() / n;
        let ssim_mean = per_frame.iter().map(|p| p.3).sum::<f64>() / n;
        println!("PSNR mean       {psnr_mean:.3} dB (grey or mean of R, G, B; 100 = identical)");
        println!("SSIM mean       {ssim_mean:.5}");
        json += &format!(",\"psnr_mean\":{psnr_mean},\"ssim_mean\":{ssim_mean}");
        if let Some(path) = &o.csv {
            let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
            writeln!(w, "frame,time_s,psnr,ssim")?;
            for (i, t, p, s) in &per_frame {
                writeln!(w, "{i},{t},{p},{s}")?;
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
        json += &format!(
            ",\"ffmpeg_fps\":{theirs},\"source_fps\":{ours},\"vs_ffmpeg\":{}",
            ours / theirs
        );
    }
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory     {mib:.1} MiB");
    }
    println!("{json}}}");
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

fn main() {
    if let Err(e) = parse_args().and_then(|o| run(&o)) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
