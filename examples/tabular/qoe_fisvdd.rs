//! Streaming-QoE anomaly detection with FISVDD (or a one-class SVM) on
//! LIVE-Netflix-II windows: fit one pipeline from raw windows to decisions,
//! save it as one file, score raw windows with the file.
//!
//! ```text
//! cargo run --release --example qoe_fisvdd                      # bundled train/test split
//! cargo run --release --example qoe_fisvdd -- --save qoe.json   # ... and keep the pipeline
//! cargo run --release --example qoe_fisvdd -- --load qoe.json --test windows.csv
//! cargo run --release --example qoe_fisvdd -- --sigma 2.081761  # the original system's setting
//! cargo run --release --example qoe_fisvdd -- --detector both   # FISVDD and one-class SVM side by side
//! cargo run --release --example qoe_fisvdd -- --loso testdata/qoe/live_nflx_ii_windows.csv
//! ```
//!
//! Ends with one JSON line: the report of each detector.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use fisvdd::Bandwidth;
use ocsvm_scaler::Gamma;
use oddframe::{Calibration, Fit, Holdout};
use oddframe_examples_common::{print_json_line, testdata};
use oddframe_examples_tabular::{
    evaluate, loso, parse_gamma, parse_holdout, registry, score_time_us, AnyResult, Kind, Model,
    Settings,
};
use serde::Serialize;
use video_features::qoe::{CsvTable, FEATURE_NAMES};

/// Train a one-class model on normal QoE windows and score held-out windows.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Training windows (CSV with a header).
    #[arg(long, default_value_os_t = testdata("qoe/live_nflx_ii_train.csv"))]
    train: PathBuf,
    /// Test windows with labels.
    #[arg(long, default_value_os_t = testdata("qoe/live_nflx_ii_test.csv"))]
    test: PathBuf,
    /// Leave-one-source-out folds over this all-windows table instead of the split.
    #[arg(long, conflicts_with_all = ["save", "load"])]
    loso: Option<PathBuf>,
    /// fisvdd, ocsvm, or both side by side.
    #[arg(long, value_enum, default_value_t = Which::Fisvdd)]
    detector: Which,
    /// One-class SVM nu.
    #[arg(long, default_value_t = 0.1)]
    nu: f64,
    /// One-class SVM gamma: scale, auto, or a number.
    #[arg(long, default_value = "scale", value_parser = parse_gamma)]
    gamma: Gamma,
    /// FISVDD fixed kernel width (default: the support-fraction rule).
    #[arg(long, conflicts_with_all = ["support_fraction", "median"])]
    sigma: Option<f64>,
    /// Target support-vector fraction of the default bandwidth rule.
    #[arg(long, conflicts_with = "median")]
    support_fraction: Option<f64>,
    /// Median-heuristic kernel width.
    #[arg(long)]
    median: bool,
    /// Feature columns.
    #[arg(long, value_delimiter = ',', default_values_t = FEATURE_NAMES.map(String::from))]
    features: Vec<String>,
    /// Columns to clip to [0, cap] then log1p, as column:cap,... ('none' for none).
    #[arg(long, default_value = "bitrate_mean:20000,stall_ratio:1,tsl_end:300")]
    log1p: String,
    /// Label column.
    #[arg(long, default_value = "QoE_win")]
    label: String,
    /// A window is anomalous when its label is at most this.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    anomaly_le: f64,
    /// Target false-alarm rate: the share of normal windows the threshold
    /// may flag.
    #[arg(long, default_value_t = 0.1)]
    rate: f64,
    /// Which normal windows set the threshold: crossfit:K (conformal, on
    /// out-of-fold scores; the model fits every window, so its AUC is the
    /// in-sample model's), split:SHARE (conformal, on a held-out share; the
    /// model fits the rest, 20x faster, lower AUC) or in-sample (the
    /// training scores' quantile; biased low, no guarantee). Under --loso
    /// whole training sources are held out, since the threshold is for a
    /// source the model has not seen.
    #[arg(long, default_value = "crossfit:5", value_parser = parse_holdout)]
    calibration: Holdout,
    /// LOSO source column (the source is the text before its first '_').
    #[arg(long, default_value = "content")]
    source_col: String,
    /// LOSO session column.
    #[arg(long, default_value = "file")]
    session_col: String,
    /// Save the fitted pipeline (transform, scaler, detector, threshold) as
    /// one file; with --detector both, FILE gets .fisvdd.json and .ocsvm.json.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Score --test with a saved pipeline instead of training.
    #[arg(long, conflicts_with_all = ["save", "sigma", "support_fraction", "median"])]
    load: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    Fisvdd,
    Ocsvm,
    Both,
}

impl Cli {
    fn settings(&self) -> AnyResult<Settings> {
        let log1p = if self.log1p == "none" {
            Vec::new()
        } else {
            self.log1p
                .split(',')
                .map(|item| {
                    let (name, cap) = item
                        .split_once(':')
                        .ok_or(format!("--log1p: {item:?} is not column:cap"))?;
                    Ok((
                        name.to_string(),
                        cap.parse::<f64>()
                            .map_err(|_| format!("--log1p: cap {cap:?}"))?,
                    ))
                })
                .collect::<AnyResult<Vec<_>>>()?
        };
        let bandwidth = match (self.sigma, self.support_fraction, self.median) {
            (Some(s), _, _) => Bandwidth::Fixed(s),
            (_, Some(f), _) => Bandwidth::SupportFraction(f),
            (_, _, true) => Bandwidth::MedianHeuristic,
            _ => Bandwidth::default(),
        };
        Ok(Settings {
            features: self.features.clone(),
            log1p,
            bandwidth,
            nu: self.nu,
            gamma: self.gamma,
            calibration: match self.calibration {
                Holdout::InSample => Calibration::AnomalyRate(self.rate),
                _ => Calibration::Conformal(self.rate),
            },
            holdout: self.calibration,
            label: self.label.clone(),
            anomaly_le: self.anomaly_le,
        })
    }

    fn kinds(&self) -> Vec<Kind> {
        match self.detector {
            Which::Fisvdd => vec![Kind::Fisvdd],
            Which::Ocsvm => vec![Kind::Ocsvm],
            Which::Both => vec![Kind::Fisvdd, Kind::Ocsvm],
        }
    }
}

/// One detector's line of the final JSON.
#[derive(Serialize)]
struct Line<R> {
    #[serde(flatten)]
    report: R,
    /// Seconds to fit (`null` for a loaded pipeline).
    fit_s: Option<f64>,
    /// Median microseconds per window, batched.
    score_us_per_window: f64,
}

fn split(cli: &Cli, s: &Settings) -> AnyResult<Vec<serde_json::Value>> {
    let test = CsvTable::from_path(&cli.test)?;
    let (raw_test, y) = (s.features(&test)?, s.labels(&test)?);
    let anomalies = y.iter().filter(|&&l| l).count();
    println!(
        "  test           {} ({} windows, {anomalies} anomalous)",
        cli.test.display(),
        y.len()
    );
    let fitted = match &cli.load {
        Some(path) => vec![(oddframe::Pipeline::load(path, &registry())?, None, None)],
        None => {
            let raw_train = s.features(&CsvTable::from_path(&cli.train)?)?;
            println!(
                "  train          {} ({} windows)",
                cli.train.display(),
                raw_train.nrows()
            );
            let mut out = Vec::new();
            for kind in cli.kinds() {
                let t0 = Instant::now();
                let p = s.pipeline_params(kind)?.fit(raw_train.view())?;
                out.push((p, Some(t0.elapsed().as_secs_f64()), Some(raw_train.nrows())));
            }
            out
        }
    };
    let mut lines = Vec::new();
    for (pipeline, fit_s, n_train) in fitted {
        let report = evaluate(&pipeline, raw_test.view(), &y)?;
        let us = score_time_us(&pipeline, raw_test.view())?;
        let model = Model::of(&pipeline)?;
        if let Some(path) = &cli.save {
            let path = match cli.detector {
                Which::Both => {
                    path.with_extension(format!("{:?}.json", report.detector).to_lowercase())
                }
                _ => path.clone(),
            };
            pipeline.save(&path)?;
            println!("  saved          {}", path.display());
        }
        println!("{:?} on streaming-QoE windows", report.detector);
        for line in model.describe(n_train) {
            println!("  {line}");
        }
        if let Some(f) = fit_s {
            println!("  fit            {f:.3} s (bandwidth selection included)");
        }
        println!("  scoring        {us:.3} us per window (batched, median of 21 runs)");
        println!(
            "  threshold      {:.6} ({})",
            report.threshold,
            describe_calibration(&pipeline)
        );
        println!("  ROC AUC        {:.4}", report.auc);
        println!("  AP             {:.4}", report.ap);
        println!(
            "  at threshold   precision {:.4}, recall {:.4}, F1 {:.4}, flag rate {:.4}",
            report.precision, report.recall, report.f1, report.flag_rate
        );
        println!(
            "  false alarms   {:.4} of the normal test windows",
            report.false_alarm_rate
        );
        lines.push(serde_json::to_value(Line {
            report,
            fit_s,
            score_us_per_window: us,
        })?);
    }
    Ok(lines)
}

/// How a pipeline's threshold was set, in words.
fn describe_calibration(p: &oddframe::Pipeline<f64>) -> String {
    match p
        .threshold()
        .map(|t| (t.calibration(), t.calibration_scores()))
    {
        Some((Calibration::Conformal(rate), Some(scores))) => format!(
            "conformal, false-alarm rate <= {rate} on {} held-out scores",
            scores.len()
        ),
        Some((c, _)) => format!("{c:?} of the training scores"),
        None => "none".into(),
    }
}

fn run(cli: &Cli) -> AnyResult<()> {
    let s = cli.settings()?;
    let lines = match &cli.loso {
        Some(path) => {
            let table = CsvTable::from_path(path)?;
            let mut lines = Vec::new();
            for kind in cli.kinds() {
                let r = loso(&s, kind, &table, &cli.source_col, &cli.session_col)?;
                println!("{kind:?} leave-one-source-out on {}", path.display());
                println!("  fold                   train  test    sigma   n_sv   AUC     AP");
                for f in &r.folds {
                    let (auc, ap) = (f.auc.unwrap_or(f64::NAN), f.ap.unwrap_or(f64::NAN));
                    println!(
                        "  {:<22} {:>5} {:>5} {:>8.4} {:>6} {auc:>7.4} {ap:>7.4}",
                        f.source, f.train, f.test, f.sigma, f.n_sv
                    );
                }
                println!(
                    "  window AUC {:.4}, window AP {:.4} (mean over folds)",
                    r.window_auc, r.window_ap
                );
                println!(
                    "  session AUC {:.4} ({} sessions, p95 of window scores)",
                    r.session_auc, r.sessions
                );
                println!(
                    "  false-alarm rate {:.4}, recall {:.4} (mean over folds)",
                    r.false_alarm_rate, r.recall
                );
                lines.push(serde_json::to_value(r)?);
            }
            lines
        }
        None => split(cli, &s)?,
    };
    match lines.as_slice() {
        [one] => print_json_line(one)?,
        many => print_json_line(&many)?,
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qoe_fisvdd: {e}");
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
