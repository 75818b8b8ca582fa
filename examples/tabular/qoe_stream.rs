//! Streaming QoE monitoring: one FISVDD per viewing session, each starting
//! from the model fitted on normal windows and learning its own session's
//! normal windows (update-if-normal) as they arrive, the monitor's whole
//! state saved halfway and the stream continued from the file (checked
//! against the monitor that never stopped: every decision must agree).
//!
//! ```text
//! cargo run --release --example qoe_stream                     # bundled test sessions
//! cargo run --release --example qoe_stream -- --test windows.csv --state monitor.json
//! ```
//!
//! Windows arrive in the order of the test table; each is transformed by
//! the fitted pipeline's steps (clip + log1p, standardise) and decided by
//! its session's stream. Ends with one JSON line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fisvdd::Fisvdd;
use oddframe::streaming::{Monitor, StreamingConfig, StreamingDetector, ThresholdPolicy};
use oddframe::{metrics, Calibration, Decision, Fit, Persist};
use oddframe_examples_common::{print_json_line, testdata};
use oddframe_examples_tabular::{AnyResult, Kind, Settings};
use serde::Serialize;
use video_features::qoe::CsvTable;

/// Monitor QoE windows per session with streaming FISVDD detectors.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Normal training windows (CSV with a header).
    #[arg(long, default_value_os_t = testdata("qoe/live_nflx_ii_train.csv"))]
    train: PathBuf,
    /// Windows to stream, in arrival order, with labels.
    #[arg(long, default_value_os_t = testdata("qoe/live_nflx_ii_test.csv"))]
    test: PathBuf,
    /// The column naming each window's session.
    #[arg(long, default_value = "file")]
    session_col: String,
    /// Save the monitor here halfway, load it back and stream the rest
    /// with the loaded monitor (default: a temporary file).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Sessions monitored at once.
    #[arg(long, default_value_t = 1000)]
    max_sessions: usize,
    /// Target false-alarm rate of the threshold, calibrated (conformal) on
    /// out-of-fold scores of the training windows.
    #[arg(long, default_value_t = 0.1)]
    rate: f64,
    /// Fail unless the streamed scores reach this ROC AUC.
    #[arg(long)]
    min_auc: Option<f64>,
    /// Print only the JSON line.
    #[arg(long)]
    quiet: bool,
}

/// The closing JSON line.
#[derive(Serialize)]
struct Report {
    windows: usize,
    sessions: usize,
    flagged: usize,
    /// Flagged windows whose label says anomalous.
    flagged_anomalous: usize,
    anomalous: usize,
    /// ROC AUC of the streamed scores against the labels.
    auc: f64,
    /// Windows learned by the session streams (judged normal).
    learned: u64,
    /// Windows decided by the monitor loaded from the saved state, each
    /// exactly as the uninterrupted monitor decided it.
    after_restore: usize,
}

fn run(cli: &Cli) -> AnyResult<Report> {
    let settings = Settings {
        calibration: Calibration::Conformal(cli.rate),
        ..Settings::default()
    };
    let train = settings.features(&CsvTable::from_path(&cli.train)?)?;
    let table = CsvTable::from_path(&cli.test)?;
    let (test, labels) = (settings.features(&table)?, settings.labels(&table)?);
    let sessions = table.text(&cli.session_col)?;

    // fit the whole pipeline once; its steps prepare every window and its
    // FISVDD is where each session's stream starts
    let pipeline = settings.pipeline_params(Kind::Fisvdd)?.fit(train.view())?;
    let model = pipeline
        .detector_as::<Fisvdd<f64>>()
        .ok_or("the pipeline's detector is not FISVDD")?
        .clone();
    let rows = |x| -> AnyResult<Vec<Vec<f64>>> {
        let z = pipeline.transform(x)?;
        Ok(z.rows().into_iter().map(|r| r.to_vec()).collect())
    };
    let normal = rows(train.view())?;
    // every session starts from the pipeline's conformal threshold
    let threshold = pipeline
        .threshold()
        .ok_or("the pipeline has no threshold")?;
    let config = StreamingConfig::new().threshold(ThresholdPolicy::Calibrated(Calibration::Fixed(
        threshold.value(),
    )));
    let prototype = StreamingDetector::new(model, config, &normal)?;
    let mut monitor = Monitor::new(prototype, cli.max_sessions)?;

    let windows = rows(test.view())?;
    let half = windows.len() / 2;
    let mut decisions: Vec<Decision> = Vec::with_capacity(windows.len());
    for (row, session) in windows[..half].iter().zip(&sessions) {
        decisions.push(monitor.process(session, row)?);
    }
    let state = match &cli.state {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("qoe_stream_{}.json", std::process::id())),
    };
    monitor.save(&state)?;
    let mut restored: Monitor<[f64], Fisvdd<f64>> = Monitor::load(&state)?;
    if cli.state.is_none() {
        std::fs::remove_file(&state)?;
    }
    // the rest of the stream goes to the restored monitor, and to the
    // original one, which never stopped: their decisions must agree exactly
    let mut differing = 0;
    for (row, session) in windows[half..].iter().zip(&sessions[half..]) {
        let d = restored.process(session, row)?;
        differing += usize::from(monitor.process(session, row)? != d);
        decisions.push(d);
    }
    if differing > 0 {
        return Err(format!(
            "the restored monitor decided {differing} of {} windows differently",
            windows.len() - half
        )
        .into());
    }
    let monitor = restored;

    let scores: Vec<f64> = decisions.iter().map(|d| d.score).collect();
    let flagged = decisions.iter().filter(|d| d.is_anomaly).count();
    let flagged_anomalous = decisions
        .iter()
        .zip(&labels)
        .filter(|(d, &bad)| d.is_anomaly && bad)
        .count();
    let learned = monitor
        .sources()
        .iter()
        .filter_map(|s| monitor.source(s))
        .map(|s| s.counts().learned)
        .sum();
    if !cli.quiet {
        print_sessions(&sessions, &decisions, &labels);
    }
    Ok(Report {
        windows: windows.len(),
        sessions: monitor.sources().len(),
        flagged,
        flagged_anomalous,
        anomalous: labels.iter().filter(|&&b| b).count(),
        auc: metrics::roc_auc(&labels, &scores)?,
        learned,
        after_restore: windows.len() - half,
    })
}

/// One line per session: windows, flagged, labelled anomalous.
fn print_sessions(sessions: &[&str], decisions: &[Decision], labels: &[bool]) {
    let mut per: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for ((s, d), &bad) in sessions.iter().zip(decisions).zip(labels) {
        let e = per.entry(*s).or_default();
        e[0] += 1;
        e[1] += usize::from(d.is_anomaly);
        e[2] += usize::from(bad);
    }
    println!("{:<72} windows flagged anomalous", "session");
    for (s, [n, f, a]) in per {
        println!("{s:<72} {n:>7} {f:>7} {a:>9}");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let checked = run(&cli).and_then(|r| {
        print_json_line(&r)?;
        match cli.min_auc {
            Some(min) if r.auc.is_nan() || r.auc < min => {
                Err(format!("AUC {} is below {min}", r.auc).into())
            }
            _ => Ok(()),
        }
    });
    match checked {
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
