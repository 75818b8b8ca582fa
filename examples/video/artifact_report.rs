//! The Artifact Quality Score of images, image directories and videos:
//! a table per window (AQS, band, the worst artifacts) and a summary, or
//! the reports as JSON or CSV.
//!
//! ```text
//! cargo run --release --example artifact_report                       # bundled demo
//! cargo run --release --example artifact_report -- photo.jpg shots/ clip.mp4 --window 7
//! cargo run --release --example artifact_report -- clip.mp4 --csv > windows.csv
//! ```
//!
//! Images (and each image of a directory) are scored as stills, one
//! window each; videos (anything ffmpeg reads, `.y4m`) in windows of
//! `--window` frames.
//!
//! The windows of each video become events: a window is flagged when its
//! AQS is below `--below` (default 0.5, the poor and very poor bands), or,
//! with `--threshold METHOD`, when an online threshold over 1 - AQS flags
//! it (`quantile:RATE[:WINDOW]`, `mad:K`, `iqr:K`, `spot:RATE`,
//! `dspot:RATE`, `ewma:K`); `--min-duration`, `--merge-gap` and `--exit`
//! shape them (seconds). The table ends with the events, `--json` holds
//! them, `--events-out FILE` writes them as CSV. With no input it scores the bundled demo: the
//! bundled images with one distortion each, applied in-process, so that
//! every detector fires.

#[path = "artifact_demo.rs"]
mod demo;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use artifact_scorer::report::write_csv;
use artifact_scorer::{Artifact, ArtifactScorer, Band, WindowReport};
use clap::Parser;
use oddframe::events::Event;
use oddframe::{Frame, Scorer, Threshold};
use oddframe_examples_common::events::{print_events, write_events_csv, EventArgs};
use oddframe_examples_common::print_json_line;
use serde::Serialize;
use video_features::open::{open, OpenOptions};
use video_features::PixelFormat;

const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp"];

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The Artifact Quality Score of images, image directories and videos.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// An image, a directory of images, or a video (anything ffmpeg reads,
    /// .y4m); none: the bundled demo (distortions applied in-process).
    inputs: Vec<PathBuf>,
    /// Frames per window for videos.
    #[arg(long, value_name = "N", default_value_t = artifact_scorer::DEFAULT_WINDOW)]
    window: usize,
    /// Print the reports and the summary as JSON.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print one row per window: source, window_start, window_len, aqs,
    /// band, quality and the ten severities.
    #[arg(long)]
    csv: bool,
    /// Flag video windows whose AQS is below this.
    #[arg(long, default_value_t = 0.5, conflicts_with = "threshold")]
    below: f64,
    /// An online threshold over 1 - AQS instead of --below, and the events.
    #[command(flatten)]
    events: EventArgs,
}

/// The events of each video (a source with more than one window), judged
/// on 1 - AQS.
fn video_events(o: &Cli, reports: &[WindowReport]) -> AnyResult<Vec<(String, Event)>> {
    if !(0.0..=1.0).contains(&o.below) {
        return Err(format!("--below {} is not an AQS in [0, 1]", o.below).into());
    }
    let fixed = Threshold::fixed(1.0 - o.below)?;
    let mut out = Vec::new();
    for video in reports.chunk_by(|a, b| a.source == b.source) {
        if video.len() < 2 {
            continue;
        }
        let scores: Vec<f64> = video.iter().map(|r| 1.0 - r.aqs).collect();
        let decisions = match o.events.online_decisions(&scores)? {
            Some(d) => d,
            None => scores.iter().map(|&s| fixed.decide(s)).collect(),
        };
        let times: Vec<f64> = video.iter().map(|r| r.start_s).collect();
        let source = &video[0].source;
        out.extend(
            o.events
                .events(&times, &decisions)?
                .into_iter()
                .map(|e| (source.clone(), e)),
        );
    }
    Ok(out)
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// One still as a one-frame window.
fn score_still(scorer: &ArtifactScorer, path: &Path) -> AnyResult<WindowReport> {
    let img = image::open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .to_rgb8();
    let mut r = scorer.score(&[Frame::rgb(img, 0, Default::default())][..])?;
    r.source = path.display().to_string();
    Ok(r)
}

/// Every window of every input; the frames scored.
fn score_inputs(
    scorer: &ArtifactScorer,
    inputs: &[PathBuf],
) -> AnyResult<(Vec<WindowReport>, usize)> {
    let mut reports = Vec::new();
    for input in inputs {
        if is_image(input) {
            reports.push(score_still(scorer, input)?);
        } else if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_image(p))
                .collect();
            files.sort();
            for f in files {
                reports.push(score_still(scorer, &f)?);
            }
        } else {
            let opened = open(input, OpenOptions::new().format(PixelFormat::Rgb))?;
            for w in scorer.windows(opened.frames, input.display().to_string()) {
                reports.push(w?);
            }
        }
    }
    let frames = reports.iter().map(|r| r.window_len).sum();
    Ok((reports, frames))
}

fn demo(scorer: &ArtifactScorer) -> AnyResult<(Vec<WindowReport>, usize)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/images");
    let mut reports = Vec::new();
    let mut frames = 0;
    for input in demo::inputs(&dir)? {
        frames += input.frames.len();
        let mut r = scorer.score(&input.frames[..])?;
        r.source = input.name;
        reports.push(r);
    }
    Ok((reports, frames))
}

/// The worst artifacts of a window, severity at least 0.15, as text.
fn worst(r: &WindowReport) -> String {
    let top: Vec<String> = r
        .severities
        .top(3)
        .into_iter()
        .filter(|&(_, s)| s >= 0.15)
        .map(|(a, s)| format!("{a} {s:.2}"))
        .collect();
    if top.is_empty() {
        "-".into()
    } else {
        top.join(", ")
    }
}

#[derive(Serialize)]
struct Summary {
    windows: usize,
    frames: usize,
    mean_aqs: f64,
    min_aqs: f64,
    bands: Vec<(Band, usize)>,
    most_severe: Vec<(Artifact, f64)>,
    processing_s: f64,
    frames_per_s: f64,
}

fn summarise(reports: &[WindowReport], frames: usize, seconds: f64) -> Summary {
    let n = reports.len().max(1) as f64;
    let bands = [
        Band::Excellent,
        Band::Good,
        Band::Fair,
        Band::Poor,
        Band::VeryPoor,
    ]
    .into_iter()
    .map(|b| (b, reports.iter().filter(|r| r.band == b).count()))
    .collect();
    let mut worst: Vec<(Artifact, f64)> = Artifact::ALL
        .iter()
        .map(|&a| {
            (
                a,
                reports
                    .iter()
                    .map(|r| r.severities.get(a))
                    .fold(0.0, f64::max),
            )
        })
        .filter(|&(_, s)| s >= 0.15)
        .collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    Summary {
        windows: reports.len(),
        frames,
        mean_aqs: reports.iter().map(|r| r.aqs).sum::<f64>() / n,
        min_aqs: reports.iter().map(|r| r.aqs).fold(1.0, f64::min),
        bands,
        most_severe: worst,
        processing_s: seconds,
        frames_per_s: frames as f64 / seconds.max(1e-9),
    }
}

fn print_table(reports: &[WindowReport], s: &Summary) {
    println!(
        "{:<40} {:>6} {:>4} {:>6}  {:<10} worst artifacts",
        "source", "start", "len", "AQS", "band"
    );
    for r in reports {
        let mut source = r.source.clone();
        if source.chars().count() > 40 {
            source = format!(
                "...{}",
                source
                    .chars()
                    .rev()
                    .take(37)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
            );
        }
        println!(
            "{source:<40} {:>6} {:>4} {:>6.3}  {:<10} {}",
            r.window_start,
            r.window_len,
            r.aqs,
            r.band.name(),
            worst(r)
        );
    }
    println!();
    println!(
        "{} windows, {} frames: mean AQS {:.3}, lowest {:.3}",
        s.windows, s.frames, s.mean_aqs, s.min_aqs
    );
    let bands: Vec<String> = s
        .bands
        .iter()
        .filter(|b| b.1 > 0)
        .map(|(b, n)| format!("{b} {n}"))
        .collect();
    println!("bands: {}", bands.join(", "));
    let worst: Vec<String> = s
        .most_severe
        .iter()
        .map(|(a, v)| format!("{a} {v:.2}"))
        .collect();
    println!(
        "artifacts seen (largest severity): {}",
        if worst.is_empty() {
            "none".into()
        } else {
            worst.join(", ")
        }
    );
    println!(
        "processing: {:.2} s, {:.1} frames/s",
        s.processing_s, s.frames_per_s
    );
}

fn run(o: &Cli) -> AnyResult<()> {
    let scorer = ArtifactScorer::new().with_window(o.window)?;
    let t0 = Instant::now();
    let (reports, frames) = if o.inputs.is_empty() {
        demo(&scorer)?
    } else {
        score_inputs(&scorer, &o.inputs)?
    };
    let summary = summarise(&reports, frames, t0.elapsed().as_secs_f64());
    let events = video_events(o, &reports)?;
    if let Some(path) = &o.events.events_out {
        write_events_csv(path, &events)?;
    }
    if o.csv {
        write_csv(std::io::stdout().lock(), &reports)?;
    } else if o.json {
        #[derive(Serialize)]
        struct All<'a> {
            windows: &'a [WindowReport],
            summary: &'a Summary,
            events: Vec<SourceEvent<'a>>,
        }
        #[derive(Serialize)]
        struct SourceEvent<'a> {
            source: &'a str,
            #[serde(flatten)]
            event: &'a Event,
        }
        let events = events
            .iter()
            .map(|(source, event)| SourceEvent { source, event })
            .collect();
        print_json_line(&All {
            windows: &reports,
            summary: &summary,
            events,
        })?;
    } else {
        print_table(&reports, &summary);
        println!(
            "events (AQS below {} or --threshold): {}",
            o.below,
            events.len()
        );
        print_events(&events);
    }
    Ok(())
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
