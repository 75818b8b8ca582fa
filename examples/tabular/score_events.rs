//! From a stream of scores to events: an online threshold judges each
//! score as it comes, and the event state machine turns the flags into
//! episodes with a start, an end and a peak.
//!
//! ```text
//! cargo run --release --example score_events -- --scores FILE.csv
//! cargo run --release --example score_events -- --scores FILE.csv --threshold dspot:1e-3:100 \
//!     --warmup 2000 --min-duration 2 --merge-gap 1 --exit 0.5 --events-out events.csv
//! ```
//!
//! FILE.csv has a header and the columns `time_s,score`, optionally
//! `label` (0 or 1). `--threshold` is one of `quantile:RATE[:WINDOW]`,
//! `mad:K[:WINDOW]`, `iqr:K[:WINDOW]`, `spot:RATE`, `dspot:RATE[:DEPTH]`,
//! `ewma:K[:ALPHA]` (RATE: the target false-alarm rate). Ends with one JSON
//! line: `n`, `warmup`, `flagged` and `flag_rate` (after the warm-up),
//! `events`, `ongoing`, the final `threshold`; with labels also `auc` and
//! `ap` of the scores after the warm-up.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use oddframe::events::{Event, EventDetector, EventParams};
use oddframe::metrics;
use oddframe::threshold::online::{OnlineMethod, OnlineThreshold};
use oddframe_examples_common::print_json_line;
use serde::Serialize;
use video_features::qoe::CsvTable;

/// Judge a score stream with an online threshold and report its events.
#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    /// Scores: CSV with a header and columns time_s, score and optionally label.
    #[arg(long)]
    scores: PathBuf,
    /// The online threshold method.
    #[arg(long, default_value = "quantile:0.01")]
    threshold: OnlineMethod,
    /// Scores learned before the first flag (default: the method's own).
    #[arg(long)]
    warmup: Option<u64>,
    /// Let flagged scores move the threshold (protect is on by default).
    #[arg(long)]
    no_protect: bool,
    /// Shortest event kept, in seconds.
    #[arg(long, default_value_t = 0.0)]
    min_duration: f64,
    /// Longest pause, in seconds, that still joins two runs into one event.
    #[arg(long, default_value_t = 0.0)]
    merge_gap: f64,
    /// An open event stays open while scores are above this level (where
    /// it is below the threshold).
    #[arg(long, allow_negative_numbers = true)]
    exit: Option<f64>,
    /// Write the events here as CSV.
    #[arg(long)]
    events_out: Option<PathBuf>,
    /// Print only the JSON line.
    #[arg(long)]
    quiet: bool,
}

/// The closing JSON line.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) method: String,
    pub(crate) n: usize,
    pub(crate) warmup: u64,
    /// Scores flagged after the warm-up.
    pub(crate) flagged: usize,
    /// `flagged` over the scores after the warm-up.
    pub(crate) flag_rate: f64,
    pub(crate) events: usize,
    /// Whether the last event was still open at the end.
    pub(crate) ongoing: bool,
    /// The threshold after the last score.
    pub(crate) threshold: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ap: Option<f64>,
}

pub(crate) type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

pub(crate) fn run(cli: &Cli) -> AnyResult<(Report, Vec<Event>)> {
    let table = CsvTable::from_path(&cli.scores)?;
    let times = table.numeric("time_s")?;
    let scores = table.numeric("score")?;
    let labels = if table.header().iter().any(|h| h == "label") {
        let raw = table.numeric("label")?;
        if let Some(v) = raw.iter().find(|&&v| v != 0.0 && v != 1.0) {
            return Err(format!("label {v} is neither 0 nor 1").into());
        }
        Some(raw.into_iter().map(|v| v == 1.0).collect::<Vec<bool>>())
    } else {
        None
    };
    let mut threshold = cli.threshold.build_with(cli.warmup, !cli.no_protect)?;
    let warmup = cli.warmup.unwrap_or_else(|| cli.threshold.default_warmup());
    let mut params = EventParams::new()
        .min_duration(cli.min_duration)
        .merge_gap(cli.merge_gap);
    if let Some(level) = cli.exit {
        params = params.exit(level);
    }
    let mut detector = EventDetector::new(params)?;
    let (mut events, mut flagged, mut judged) = (Vec::new(), 0, Vec::new());
    for (i, (&t, &s)) in times.iter().zip(&scores).enumerate() {
        let warm = threshold.is_warm();
        let d = threshold
            .observe(s)
            .map_err(|e| format!("score {i} (line {}): {e}", i + 2))?;
        if warm {
            flagged += usize::from(d.is_anomaly);
            judged.push(i);
        }
        events.extend(
            detector
                .push(t, &d)
                .map_err(|e| format!("time {t} (line {}): {e}", i + 2))?,
        );
    }
    events.extend(detector.finish());
    let (auc, ap) = match &labels {
        Some(l) => {
            let y: Vec<bool> = judged.iter().map(|&i| l[i]).collect();
            let s: Vec<f64> = judged.iter().map(|&i| scores[i]).collect();
            (
                metrics::roc_auc(&y, &s).ok(),
                metrics::average_precision(&y, &s).ok(),
            )
        }
        None => (None, None),
    };
    let report = Report {
        method: cli.threshold.to_string(),
        n: scores.len(),
        warmup,
        flagged,
        flag_rate: flagged as f64 / judged.len().max(1) as f64,
        events: events.len(),
        ongoing: events.last().is_some_and(|e| e.ongoing),
        threshold: threshold.value(),
        auc,
        ap,
    };
    if let Some(path) = &cli.events_out {
        write_events(path, &events)?;
    }
    Ok((report, events))
}

fn write_events(path: &PathBuf, events: &[Event]) -> AnyResult<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "start_s,end_s,duration_s,peak,peak_time_s,mean,samples,ongoing"
    )?;
    for e in events {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{}",
            e.start,
            e.end,
            e.duration(),
            e.peak,
            e.peak_time,
            e.mean,
            e.samples,
            u8::from(e.ongoing)
        )?;
    }
    f.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run(&cli).and_then(|(report, events)| {
        if !cli.quiet {
            println!("{} scores from {}", report.n, cli.scores.display());
            println!(
                "  threshold  {} (warm-up {}), final {:.6}",
                report.method, report.warmup, report.threshold
            );
            println!(
                "  flagged    {} after the warm-up ({:.4})",
                report.flagged, report.flag_rate
            );
            println!("  events     {}", report.events);
            for e in &events {
                println!(
                    "    {:>10.3} s to {:>10.3} s  peak {:.6} at {:.3} s{}",
                    e.start,
                    e.end,
                    e.peak,
                    e.peak_time,
                    if e.ongoing { " (ongoing)" } else { "" }
                );
            }
        }
        print_json_line(&report)?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("score_events: {e}");
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
