//! Online monitoring of several video sources at once: one small
//! autoencoder per source learns from a sliding window of that source's
//! recent frames, and a frame is anomalous when its loss exceeds the
//! moving average by k standard deviations (k = 5): the core's streaming
//! layer (`oddframe::streaming::Monitor`) over `OnlineAutoencoder`s, whose
//! whole state `--state FILE` saves and resumes.
//!
//! ```text
//! cargo run --release --example stream_monitor             # bundled vtest.avi, see below
//! cargo run --release --example stream_monitor -- cam1.mp4 rtsp://cam2/stream \
//!     lavfi:testsrc2=size=320x240:rate=10 --frames 300 [--backend cpu|gpu]
//! ```
//!
//! Each source is read on its own thread (files, URLs, `.y4m`, image
//! directories and `lavfi:GRAPH` test sources, as 64x64 grey frames); the
//! frames that have arrived are processed together, one source per core.
//! Every frame is scored first, then learned (flagged frames are not).
//!
//! With no arguments: two sources made from OpenCV's `vtest.avi` at 5
//! frames/s, the plain video, and the same video with a constructed
//! anomaly: a white square (a quarter of the frame's side) in the middle
//! of the scene from 40 s to 44 s. The summary says how many of those
//! frames were flagged.
//!
//! `--threshold METHOD` replaces the EWMA band by any online threshold
//! (`quantile:RATE[:WINDOW]`, `mad:K`, `iqr:K`, `spot:RATE`, `dspot:RATE`,
//! `ewma:K[:ALPHA]`). Flags become events per source (`--min-duration`,
//! `--merge-gap`, `--exit`, in seconds), printed in the summary and written
//! by `--events-out FILE` as CSV. `--clips-out DIR [--pre S] [--post S]`
//! cuts each event, with pre- and post-roll, out of its source (a file or
//! URL) with ffmpeg, copying the coded video without re-encoding, and
//! reports the bytes kept against the bytes of the input files: what a
//! camera that keeps only the anomalous stretches stores.
//!
//! Prints one row per frame (source, time, loss, the band's threshold,
//! normal / ANOMALY / warm-up), then one JSON summary line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;
use conv_autoencoder::{Architecture, Backend, OnlineAutoencoder, OnlineParams, OnlineValidParams};
use image::Luma;
use oddframe::events::{Event, EventDetector};
use oddframe::streaming::{Monitor, StreamingConfig, StreamingDetector, ThresholdPolicy};
use oddframe::{Decision, Frame, FrameBuffer, ParamGuard, Persist};
use oddframe_examples_autoencoder::clips::{cut_clips, ClipReport};
use oddframe_examples_autoencoder::{grey_frames, peak_memory_mib, testdata};
use oddframe_examples_common::events::{print_events, write_events_csv, EventArgs};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Monitor several video sources, one online autoencoder per source.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Sources: files, URLs, .y4m files, image directories, or lavfi:GRAPH
    /// (with none: the bundled vtest.avi experiment).
    sources: Vec<String>,
    /// cpu (the fastest compiled in), flex, ndarray, or gpu (package feature `gpu`).
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Architecture preset: stream, light or cctv.
    #[arg(long, default_value = "stream")]
    model: String,
    /// Sampling interval in milliseconds.
    #[arg(long, default_value_t = 200)]
    every_ms: u32,
    /// Stop each source after this many frames (default: its end).
    #[arg(long)]
    frames: Option<u64>,
    /// Band width in standard deviations.
    #[arg(long, default_value_t = 5.0)]
    k: f64,
    /// EWMA weight of the newest loss.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Frames in each source's training window.
    #[arg(long, default_value_t = 64)]
    window: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Save every source's state (models, bands, counters) here at the end;
    /// when the file exists, resume from it.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Bundled experiment: fail unless at least this share of the
    /// constructed frames is flagged.
    #[arg(long)]
    min_flagged: Option<f64>,
    /// No per-frame rows.
    #[arg(long)]
    quiet: bool,
    /// The threshold method (default: the EWMA band, warm-up 30) and the
    /// events.
    #[command(flatten)]
    events: EventArgs,
    /// Write each event of a file or URL source here as a video clip.
    #[arg(long)]
    clips_out: Option<PathBuf>,
    /// Seconds of video kept before each event's start.
    #[arg(long, default_value_t = 2.0, requires = "clips_out")]
    pre: f64,
    /// Seconds of video kept after each event's end.
    #[arg(long, default_value_t = 2.0, requires = "clips_out")]
    post: f64,
}

impl Cli {
    fn params(&self) -> AnyResult<OnlineValidParams> {
        Ok(OnlineParams::new()
            .architecture(Architecture::preset(&self.model)?)
            .window(self.window)
            .batch_size(16.min(self.window))
            .learning_rate(self.lr)
            .backend(self.backend)
            .check()?)
    }

    fn stream_config(&self) -> StreamingConfig {
        StreamingConfig::new().threshold(match self.events.threshold {
            Some(method) => ThresholdPolicy::Online {
                method,
                warmup: self.events.warmup,
                protect: true,
            },
            None => ThresholdPolicy::Ewma {
                alpha: self.alpha,
                k: self.k,
                warmup: self.events.warmup.unwrap_or(30),
            },
        })
    }

    fn threshold_name(&self) -> String {
        self.events.threshold.map_or_else(
            || format!("ewma:{}:{}", self.k, self.alpha),
            |m| m.to_string(),
        )
    }
}

/// A message from a reader thread.
enum Msg {
    /// Source, frame, and whether the bundled anomaly was pasted into it.
    Frame(usize, Frame, bool),
    Done(usize, Option<String>),
}

/// Whether a frame of the bundled anomalous source carries the square.
fn in_constructed_span(f: &Frame) -> bool {
    (40.0..44.0).contains(&f.timestamp().as_secs_f64())
}

/// A white square of a quarter of the side, in the middle.
fn paste_square(frame: Frame) -> Frame {
    let (index, t) = (frame.index(), frame.timestamp());
    match frame.into_buffer() {
        FrameBuffer::Luma(mut img) => {
            let (w, h) = img.dimensions();
            let side = (h / 4).max(1);
            for y in (h - side) / 2..(h + side) / 2 {
                for x in (w - side) / 2..(w + side) / 2 {
                    img.put_pixel(x, y, Luma([255]));
                }
            }
            Frame::luma(img, index, t)
        }
        other => Frame::new(other, index, t),
    }
}

/// Starts one reader thread per source; `construct[i]` pastes the bundled
/// anomaly into source `i`.
fn readers(o: &Cli, construct: &[bool]) -> mpsc::Receiver<Msg> {
    let (tx, rx) = mpsc::sync_channel(64);
    let a = Architecture::preset(&o.model).unwrap_or_else(|_| Architecture::stream());
    let size = (a.width as u32, a.height as u32);
    for (i, source) in o.sources.iter().enumerate() {
        let (tx, source, every_ms, limit) = (tx.clone(), source.clone(), o.every_ms, o.frames);
        let construct = construct.get(i).copied().unwrap_or(false);
        std::thread::spawn(move || {
            let read = || -> Result<(), String> {
                let frames = grey_frames(&PathBuf::from(&source), every_ms, size, None)
                    .map_err(|e| e.to_string())?;
                for f in frames.take(limit.map_or(usize::MAX, |n| n as usize)) {
                    let f = f.map_err(|e| e.to_string())?;
                    let pasted = construct && in_constructed_span(&f);
                    let f = if pasted { paste_square(f) } else { f };
                    if tx.send(Msg::Frame(i, f, pasted)).is_err() {
                        return Ok(()); // the monitor stopped
                    }
                }
                Ok(())
            };
            let _ = tx.send(Msg::Done(i, read().err()));
        });
    }
    rx
}

struct Tally {
    frames: u64,
    anomalies: u64,
    constructed: u64,
    constructed_flagged: u64,
    error: Option<String>,
    detector: EventDetector,
    events: Vec<Event>,
}

impl Tally {
    fn new(o: &Cli) -> AnyResult<Self> {
        Ok(Self {
            frames: 0,
            anomalies: 0,
            constructed: 0,
            constructed_flagged: 0,
            error: None,
            detector: o.events.detector()?,
            events: Vec::new(),
        })
    }
}

fn run(o: &mut Cli) -> AnyResult<()> {
    let bundled = o.sources.is_empty();
    let mut construct = Vec::new();
    if bundled {
        let vtest = testdata("vtest.avi").display().to_string();
        println!("bundled experiment: {vtest}, plain and with a white square at 40-44 s");
        o.sources = vec![vtest.clone(), vtest];
        construct = vec![false, true];
    }
    let names: Vec<String> = o
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| match (bundled, i) {
            (true, 1) => "vtest+square".to_string(),
            (true, _) => "vtest".to_string(),
            _ => format!("{i}:{s}"),
        })
        .collect();
    let params = o.params()?;
    let mut monitor: Monitor<Frame, OnlineAutoencoder> = match &o.state {
        Some(path) if path.exists() => {
            println!("resuming every source from {}", path.display());
            Monitor::load(path)?
        }
        _ => {
            let prototype = StreamingDetector::new(params.build()?, o.stream_config(), &[])?;
            Monitor::new(prototype, names.len())?
        }
    };
    println!(
        "{} sources, model {} parameters each, {}, at most {:.1} MiB per source",
        names.len(),
        params.architecture().parameters(),
        o.backend,
        params.memory_bytes() as f64 / (1 << 20) as f64
    );
    if !o.quiet {
        println!(
            "{:<14} {:>6} {:>8} {:>11} {:>11}  verdict",
            "source", "frame", "time_s", "loss", "threshold"
        );
    }
    let rx = readers(o, &construct);
    let mut tally = names
        .iter()
        .map(|_| Tally::new(o))
        .collect::<AnyResult<Vec<_>>>()?;
    let (mut open, started, mut busy) = (names.len(), Instant::now(), Duration::ZERO);
    while open > 0 {
        // wait for one message, then take whatever else has arrived
        let mut batch = Vec::new();
        let mut msgs = vec![rx.recv()?];
        msgs.extend(rx.try_iter().take(4 * names.len()));
        for m in msgs {
            match m {
                Msg::Frame(i, f, pasted) => batch.push((i, f, pasted)),
                Msg::Done(i, err) => {
                    open -= 1;
                    tally[i].error = err;
                }
            }
        }
        let items: Vec<(&str, &Frame)> = batch
            .iter()
            .map(|(i, f, _)| (names[*i].as_str(), f))
            .collect();
        let t = Instant::now();
        let decisions = monitor.process_batch(&items)?;
        busy += t.elapsed();
        for ((i, f, constructed), d) in batch.iter().zip(decisions) {
            let s = &mut tally[*i];
            s.frames += 1;
            s.anomalies += u64::from(d.is_anomaly);
            s.constructed += u64::from(*constructed);
            s.constructed_flagged += u64::from(*constructed && d.is_anomaly);
            let t = f.timestamp().as_secs_f64();
            s.events.extend(s.detector.push(t, &d)?);
            if !o.quiet {
                println!(
                    "{:<14} {:>6} {:>8.2} {:>11.6} {:>11}  {}",
                    names[*i],
                    s.frames - 1,
                    f.timestamp().as_secs_f64(),
                    d.score,
                    threshold(&d),
                    verdict(&d)
                );
            }
        }
    }
    if let Some(path) = &o.state {
        monitor.save(path)?;
        println!("saved every source's state to {}", path.display());
    }
    for t in &mut tally {
        t.events.extend(t.detector.finish());
    }
    let events: Vec<(String, Event)> = names
        .iter()
        .zip(&tally)
        .flat_map(|(n, t)| t.events.iter().map(move |e| (n.clone(), *e)))
        .collect();
    if let Some(path) = &o.events.events_out {
        write_events_csv(path, &events)?;
    }
    let clips = match &o.clips_out {
        Some(dir) => Some(write_clips(o, dir, &tally)?),
        None => None,
    };
    summary(
        o,
        &names,
        &tally,
        &params,
        started.elapsed(),
        busy,
        &events,
        clips,
    )
}

fn threshold(d: &Decision) -> String {
    if d.threshold.is_finite() {
        format!("{:.6}", d.threshold)
    } else {
        "-".into()
    }
}

fn verdict(d: &Decision) -> &'static str {
    match (d.is_anomaly, d.threshold.is_finite()) {
        (true, _) => "ANOMALY",
        (false, true) => "normal",
        (false, false) => "warm-up",
    }
}

/// Cuts every event of every source into `dir`.
fn write_clips(o: &Cli, dir: &std::path::Path, tally: &[Tally]) -> AnyResult<ClipReport> {
    let spans: Vec<(&str, Vec<(f64, f64)>)> = o
        .sources
        .iter()
        .zip(tally)
        .map(|(src, t)| {
            let spans = t.events.iter().map(|e| (e.start, e.end)).collect();
            (src.as_str(), spans)
        })
        .collect();
    Ok(cut_clips(&spans, dir, o.pre, o.post)?)
}

#[allow(clippy::too_many_arguments)] // one summary of everything the run measured
fn summary(
    o: &Cli,
    names: &[String],
    tally: &[Tally],
    params: &OnlineValidParams,
    wall: Duration,
    busy: Duration,
    events: &[(String, Event)],
    clips: Option<ClipReport>,
) -> AnyResult<()> {
    let frames: u64 = tally.iter().map(|t| t.frames).sum();
    let anomalies: u64 = tally.iter().map(|t| t.anomalies).sum();
    let fps = frames as f64 / busy.as_secs_f64().max(1e-9);
    println!("\nsummary");
    let mut per_source = BTreeMap::new();
    for (name, t) in names.iter().zip(tally) {
        let mut line = format!(
            "  {name:<14} {} frames, {} flagged, {} events",
            t.frames,
            t.anomalies,
            t.events.len()
        );
        if t.constructed > 0 {
            line += &format!(
                " ({} of the {} constructed frames)",
                t.constructed_flagged, t.constructed
            );
        }
        if let Some(e) = &t.error {
            line += &format!(", stopped: {e}");
        }
        println!("{line}");
        per_source.insert(
            name.clone(),
            serde_json::json!({
                "frames": t.frames,
                "anomalies": t.anomalies,
                "constructed": t.constructed,
                "constructed_flagged": t.constructed_flagged,
                "events": t.events.len(),
                "error": t.error,
            }),
        );
    }
    println!("  threshold      {}", o.threshold_name());
    println!("  events         {}", events.len());
    print_events(events);
    if let Some(c) = &clips {
        println!(
            "  clips          {} in {}: {} bytes kept of {} input bytes ({:.1} %)",
            c.clips.len(),
            c.dir.display(),
            c.clip_bytes,
            c.input_bytes,
            100.0 * c.kept_share()
        );
    }
    println!(
        "  throughput     {fps:.1} frames/s while processing ({:.1} s of {:.1} s wall)",
        busy.as_secs_f64(),
        wall.as_secs_f64()
    );
    let memory = names.len() * params.memory_bytes();
    println!(
        "  model memory   {:.1} MiB for all sources",
        memory as f64 / (1 << 20) as f64
    );
    if let Some(mib) = peak_memory_mib() {
        println!("  peak memory    {mib:.0} MiB");
    }
    let json = serde_json::json!({
        "sources": names.len(),
        "frames": frames,
        "anomalies": anomalies,
        "anomaly_rate": anomalies as f64 / frames.max(1) as f64,
        "k": o.k,
        "threshold": o.threshold_name(),
        "events": events.len(),
        "clips": clips.as_ref().map(|c| c.clips.len()),
        "clip_bytes": clips.as_ref().map(|c| c.clip_bytes),
        "input_bytes": clips.as_ref().map(|c| c.input_bytes),
        "kept_share": clips.as_ref().map(ClipReport::kept_share),
        "processing_s": busy.as_secs_f64(),
        "frames_per_s": fps,
        "device": o.backend.name(),
        "parameters_per_source": params.architecture().parameters(),
        "memory_bytes": memory,
        "per_source": per_source,
    });
    println!("{json}");
    if tally.iter().any(|t| t.error.is_some()) {
        return Err("a source stopped with an error (see the summary)".into());
    }
    if let Some(min) = o.min_flagged {
        let (flagged, of) = tally.iter().fold((0, 0), |(f, n), t| {
            (f + t.constructed_flagged, n + t.constructed)
        });
        if of == 0 || (flagged as f64) < min * of as f64 {
            return Err(format!(
                "{flagged} of {of} constructed frames flagged, below --min-flagged {min}"
            )
            .into());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    match run(&mut cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stream_monitor: {e}");
            ExitCode::FAILURE
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
