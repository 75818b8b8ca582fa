//! The event options and outputs the examples share: an online threshold
//! method, the event state machine's settings, and the events CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use oddframe::events::{Event, EventDetector, EventParams};
use oddframe::threshold::online::{OnlineMethod, OnlineThreshold};
use oddframe::Decision;

/// Command-line options for turning a score stream into events.
#[derive(Debug, Clone, clap::Args)]
pub struct EventArgs {
    /// Online threshold: `quantile:RATE[:WINDOW]`, `mad:K[:WINDOW]`,
    /// `iqr:K[:WINDOW]`, `spot:RATE`, `dspot:RATE[:DEPTH]` or
    /// `ewma:K[:ALPHA]` (RATE: the target false-alarm rate).
    #[arg(long)]
    pub threshold: Option<OnlineMethod>,
    /// Scores learned before the first flag by --threshold (default: the
    /// method's own).
    #[arg(long)]
    pub warmup: Option<u64>,
    /// Shortest event kept, in seconds.
    #[arg(long, default_value_t = 0.0)]
    pub min_duration: f64,
    /// Longest pause, in seconds, that still joins two runs into one event.
    #[arg(long, default_value_t = 0.0)]
    pub merge_gap: f64,
    /// An open event stays open while scores are above this level (where
    /// it is below the threshold).
    #[arg(long, allow_negative_numbers = true)]
    pub exit: Option<f64>,
    /// Write the events here as CSV.
    #[arg(long)]
    pub events_out: Option<PathBuf>,
}

impl EventArgs {
    /// The event settings.
    pub fn params(&self) -> EventParams {
        let params = EventParams::new()
            .min_duration(self.min_duration)
            .merge_gap(self.merge_gap);
        match self.exit {
            Some(level) => params.exit(level),
            None => params,
        }
    }

    /// A fresh event detector.
    ///
    /// # Errors
    /// A negative or non-finite duration, gap or level.
    pub fn detector(&self) -> oddframe::Result<EventDetector> {
        EventDetector::new(self.params())
    }

    /// The decisions of `--threshold` (protected) on `scores` in order, or
    /// `None` without one.
    ///
    /// # Errors
    /// A non-finite score or invalid method settings.
    pub fn online_decisions(&self, scores: &[f64]) -> oddframe::Result<Option<Vec<Decision>>> {
        let Some(method) = self.threshold else {
            return Ok(None);
        };
        let mut online = method.build_with(self.warmup, true)?;
        scores
            .iter()
            .map(|&s| online.observe(s))
            .collect::<oddframe::Result<Vec<_>>>()
            .map(Some)
    }

    /// The events of `decisions` at `times` (seconds). Where time goes
    /// back (a new clip), the open event ends and a new detector starts.
    ///
    /// # Errors
    /// Invalid event settings, or a non-finite time or score.
    pub fn events(&self, times: &[f64], decisions: &[Decision]) -> oddframe::Result<Vec<Event>> {
        let mut detector = self.detector()?;
        let mut out = Vec::new();
        let mut last = f64::NEG_INFINITY;
        for (&t, d) in times.iter().zip(decisions) {
            if t < last {
                out.extend(detector.finish());
                detector = self.detector()?;
            }
            last = t;
            out.extend(detector.push(t, d)?);
        }
        out.extend(detector.finish());
        Ok(out)
    }
}

/// The events CSV header.
pub const EVENTS_HEADER: &str =
    "source,start_s,end_s,duration_s,peak,peak_time_s,mean,samples,ongoing";

/// Writes `(source, event)` rows as CSV under [`EVENTS_HEADER`].
///
/// # Errors
/// When the file cannot be written.
pub fn write_events_csv(path: &Path, events: &[(String, Event)]) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "{EVENTS_HEADER}")?;
    for (source, e) in events {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{}",
            source.replace(',', ";"),
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
    f.flush()
}

/// Prints one line per event: source, start, end, peak and its time.
pub fn print_events(events: &[(String, Event)]) {
    for (source, e) in events {
        println!(
            "  {source:<14} {:>10.3} s to {:>10.3} s  peak {:.6} at {:.3} s{}",
            e.start,
            e.end,
            e.peak,
            e.peak_time,
            if e.ongoing { " (ongoing)" } else { "" }
        );
    }
}
