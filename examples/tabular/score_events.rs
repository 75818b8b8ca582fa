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
//! `events`, `ongoing`, the final `threshold`; with labels also, over the
//! scores after the warm-up: `auc` and `ap` of the scores, `vus_roc` and
//! `vus_pr` (buffer up to `--vus-window` samples), and of the events (a
//! sample inside an event counts as flagged) `event_precision`,
//! `event_recall`, `event_f1` (a labelled stretch counts as found when an
//! event overlaps it), `pa_f1`, `pa_k_auc` and the NAB scores `nab_standard`,
//! `nab_low_fp`, `nab_low_fn`. A metric that is undefined (no labelled
//! anomaly after the warm-up) is left out.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use oddframe::events::Event;
use oddframe::metrics::{self, NabProfile, RangeParams};
use oddframe::threshold::online::{OnlineMethod, OnlineThreshold};
use oddframe_examples_common::events::{write_events_csv, EventArgs};
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
    /// Let flagged scores move the threshold (protect is on by default).
    #[arg(long)]
    no_protect: bool,
    /// The threshold method (default quantile:0.01) and the events.
    #[command(flatten)]
    events: EventArgs,
    /// Widest label buffer, in samples, of VUS (with labels).
    #[arg(long, default_value_t = 16)]
    vus_window: usize,
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
    #[serde(flatten)]
    pub(crate) labelled: Option<Labelled>,
}

/// Metrics of a labelled stream, over the samples after the warm-up.
#[derive(Debug, Serialize)]
pub(crate) struct Labelled {
    pub(crate) vus_roc: f64,
    pub(crate) vus_pr: f64,
    pub(crate) event_precision: f64,
    pub(crate) event_recall: f64,
    pub(crate) event_f1: f64,
    pub(crate) pa_f1: f64,
    pub(crate) pa_k_auc: f64,
    pub(crate) nab_standard: f64,
    pub(crate) nab_low_fp: f64,
    pub(crate) nab_low_fn: f64,
}

impl Labelled {
    /// `None` when the judged samples hold one class only.
    fn measure(labels: &[bool], scores: &[f64], in_event: &[bool], window: usize) -> Option<Self> {
        let vus = metrics::vus(labels, scores, window).ok()?;
        let events = metrics::range_scores(labels, in_event, &RangeParams::events()).ok()?;
        let nab = |p| metrics::nab_score(labels, in_event, p).map(|s| s.normalized);
        Some(Self {
            vus_roc: vus.roc,
            vus_pr: vus.pr,
            event_precision: events.precision,
            event_recall: events.recall,
            event_f1: events.f1,
            pa_f1: metrics::pa_f1(labels, in_event).ok()?,
            pa_k_auc: metrics::pa_k_curve(labels, in_event).ok()?.area,
            nab_standard: nab(NabProfile::Standard).ok()?,
            nab_low_fp: nab(NabProfile::RewardLowFp).ok()?,
            nab_low_fn: nab(NabProfile::RewardLowFn).ok()?,
        })
    }
}

/// Whether each sample (by time, in order) falls inside one of `events`:
/// from its start up to the sample that closed it, or to the last sample
/// while it is ongoing.
fn inside_events(times: &[f64], events: &[Event]) -> Vec<bool> {
    let past = |e: &Event, t: f64| e.end < t || (!e.ongoing && e.end <= t);
    let mut next = 0;
    times
        .iter()
        .map(|&t| {
            while next < events.len() && past(&events[next], t) {
                next += 1;
            }
            events.get(next).is_some_and(|e| e.start <= t)
        })
        .collect()
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
    let method = cli.events.threshold.unwrap_or(OnlineMethod::Quantile {
        rate: 0.01,
        window: None,
    });
    let mut threshold = method.build_with(cli.events.warmup, !cli.no_protect)?;
    let warmup = cli.events.warmup.unwrap_or_else(|| method.default_warmup());
    let mut detector = cli.events.detector()?;
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
    let (auc, ap, labelled) = match &labels {
        Some(l) => {
            let y: Vec<bool> = judged.iter().map(|&i| l[i]).collect();
            let s: Vec<f64> = judged.iter().map(|&i| scores[i]).collect();
            let inside = inside_events(&times, &events);
            let e: Vec<bool> = judged.iter().map(|&i| inside[i]).collect();
            (
                metrics::roc_auc(&y, &s).ok(),
                metrics::average_precision(&y, &s).ok(),
                Labelled::measure(&y, &s, &e, cli.vus_window),
            )
        }
        None => (None, None, None),
    };
    let report = Report {
        method: method.to_string(),
        n: scores.len(),
        warmup,
        flagged,
        flag_rate: flagged as f64 / judged.len().max(1) as f64,
        events: events.len(),
        ongoing: events.last().is_some_and(|e| e.ongoing),
        threshold: threshold.value(),
        auc,
        ap,
        labelled,
    };
    if let Some(path) = &cli.events.events_out {
        let source = cli.scores.display().to_string();
        let rows: Vec<(String, Event)> = events.iter().map(|e| (source.clone(), *e)).collect();
        write_events_csv(path, &rows)?;
    }
    Ok((report, events))
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
