//! Online monitoring of several video sources at once: one small
//! autoencoder per source learns from a sliding window of that source's
//! recent frames, and a frame is anomalous when its loss exceeds the
//! moving average by k standard deviations (k = 5).
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
//! Prints one row per frame (source, time, loss, the band's mean + k std,
//! normal / ANOMALY / warm-up), then one JSON summary line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use conv_autoencoder::{Architecture, Backend, OnlineConfig, StreamDecision, StreamMonitor};
use image::Luma;
use oddframe::{Frame, FrameBuffer};
use oddframe_examples_autoencoder::{
    backend, device_label, grey_frames, peak_memory_mib, testdata,
};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
usage: stream_monitor [SOURCE...] [options]

  SOURCE             a file, URL, .y4m file, image directory, or lavfi:GRAPH
  --backend B        cpu | gpu | flex | ndarray (default cpu: flex)
  --model NAME       architecture preset: stream | light | cctv (default stream)
  --every-ms N       sampling interval in milliseconds (default 200)
  --frames N         stop each source after N frames (default: its end)
  --k K              band width in standard deviations (default 5)
  --alpha A          EWMA weight of the newest loss (default 0.05)
  --warmup N         frames before any flag (default 30)
  --window N         frames in each source's training window (default 64)
  --lr X             learning rate (default 0.001)
  --quiet            no per-frame rows
With no sources: the bundled vtest.avi experiment described in the source.
";

struct Options {
    sources: Vec<String>,
    backend: Backend,
    config: OnlineConfig,
    every_ms: u32,
    frames: Option<u64>,
    quiet: bool,
}

fn parse_args() -> AnyResult<Options> {
    let mut o = Options {
        sources: Vec::new(),
        backend: Backend::Flex,
        config: OnlineConfig::default(),
        every_ms: 200,
        frames: None,
        quiet: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--backend" => o.backend = backend(&value("--backend")?)?,
            "--model" => o.config.architecture = Architecture::preset(&value("--model")?)?,
            "--every-ms" => o.every_ms = value("--every-ms")?.parse()?,
            "--frames" => o.frames = Some(value("--frames")?.parse()?),
            "--k" => o.config.k = value("--k")?.parse()?,
            "--alpha" => o.config.alpha = value("--alpha")?.parse()?,
            "--warmup" => o.config.warmup = value("--warmup")?.parse()?,
            "--window" => o.config.window = value("--window")?.parse()?,
            "--lr" => o.config.learning_rate = value("--lr")?.parse()?,
            "--quiet" => o.quiet = true,
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{HELP}").into()),
            _ => o.sources.push(a),
        }
    }
    o.config.batch_size = o.config.batch_size.min(o.config.window);
    o.config.validate()?;
    Ok(o)
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
fn readers(o: &Options, construct: &[bool]) -> mpsc::Receiver<Msg> {
    let (tx, rx) = mpsc::sync_channel(64);
    let a = &o.config.architecture;
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

#[derive(Default)]
struct Tally {
    frames: u64,
    anomalies: u64,
    constructed: u64,
    constructed_flagged: u64,
    error: Option<String>,
}

fn run(o: &mut Options) -> AnyResult<()> {
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
    let mut monitor = StreamMonitor::new(o.config.clone(), o.backend, names.len())?;
    println!(
        "{} sources, model {} parameters each, {}, at most {:.1} MiB per source",
        names.len(),
        o.config.architecture.parameters(),
        device_label(o.backend),
        o.config.memory_bytes() as f64 / (1 << 20) as f64
    );
    if !o.quiet {
        println!(
            "{:<14} {:>6} {:>8} {:>11} {:>25}  verdict",
            "source", "frame", "time_s", "loss", "band mean + k std"
        );
    }
    let rx = readers(o, &construct);
    let mut tally: Vec<Tally> = names.iter().map(|_| Tally::default()).collect();
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
        let meta: Vec<(usize, f64, bool)> = batch
            .iter()
            .map(|(i, f, pasted)| (*i, f.timestamp().as_secs_f64(), *pasted))
            .collect();
        let t = Instant::now();
        let results = monitor.process_batch(
            batch
                .into_iter()
                .map(|(i, f, _)| (names[i].as_str(), f))
                .collect(),
        );
        busy += t.elapsed();
        for ((i, time, constructed), r) in meta.into_iter().zip(results) {
            let d = r.map_err(|e| format!("{}: {e}", names[i]))?;
            let s = &mut tally[i];
            s.frames += 1;
            s.anomalies += u64::from(d.decision.is_anomaly);
            s.constructed += u64::from(constructed);
            s.constructed_flagged += u64::from(constructed && d.decision.is_anomaly);
            if !o.quiet {
                println!(
                    "{:<14} {:>6} {time:>8.2} {:>11.6} {:>25}  {}",
                    names[i],
                    s.frames - 1,
                    d.decision.score,
                    band(&d, o.config.k),
                    verdict(&d)
                );
            }
        }
    }
    summary(o, &names, &tally, &monitor, started.elapsed(), busy)
}

fn band(d: &StreamDecision, k: f64) -> String {
    if d.decision.threshold.is_finite() {
        format!("{:.6} + {k} x {:.6}", d.mean, d.std)
    } else {
        "-".into()
    }
}

fn verdict(d: &StreamDecision) -> &'static str {
    match (d.decision.is_anomaly, d.decision.threshold.is_finite()) {
        (true, _) => "ANOMALY",
        (false, true) => "normal",
        (false, false) => "warm-up",
    }
}

fn summary(
    o: &Options,
    names: &[String],
    tally: &[Tally],
    monitor: &StreamMonitor,
    wall: Duration,
    busy: Duration,
) -> AnyResult<()> {
    let frames: u64 = tally.iter().map(|t| t.frames).sum();
    let anomalies: u64 = tally.iter().map(|t| t.anomalies).sum();
    let fps = frames as f64 / busy.as_secs_f64().max(1e-9);
    println!("\nsummary");
    let mut per_source = BTreeMap::new();
    for (name, t) in names.iter().zip(tally) {
        let mut line = format!("  {name:<14} {} frames, {} flagged", t.frames, t.anomalies);
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
                "error": t.error,
            }),
        );
    }
    println!(
        "  throughput     {fps:.1} frames/s while processing ({:.1} s of {:.1} s wall)",
        busy.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "  model memory   {:.1} MiB for all sources",
        monitor.memory_bytes() as f64 / (1 << 20) as f64
    );
    if let Some(mib) = peak_memory_mib() {
        println!("  peak memory    {mib:.0} MiB");
    }
    let json = serde_json::json!({
        "sources": names.len(),
        "frames": frames,
        "anomalies": anomalies,
        "anomaly_rate": anomalies as f64 / frames.max(1) as f64,
        "k": o.config.k,
        "processing_s": busy.as_secs_f64(),
        "frames_per_s": fps,
        "device": device_label(o.backend),
        "parameters_per_source": o.config.architecture.parameters(),
        "memory_bytes": monitor.memory_bytes(),
        "per_source": per_source,
    });
    println!("{json}");
    if tally.iter().any(|t| t.error.is_some()) {
        return Err("a source stopped with an error (see the summary)".into());
    }
    Ok(())
}

fn main() {
    if let Err(e) = parse_args().and_then(|mut o| run(&mut o)) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
