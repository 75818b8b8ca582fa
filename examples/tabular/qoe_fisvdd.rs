//! Streaming-QoE anomaly detection with FISVDD on LIVE-Netflix-II windows.
//!
//! ```text
//! cargo run --release --example qoe_fisvdd                      # bundled train/test split
//! cargo run --release --example qoe_fisvdd -- --sigma 2.081761  # the original system's setting
//! cargo run --release --example qoe_fisvdd -- --loso testdata/qoe/live_nflx_ii_windows.csv
//! cargo run --release --example qoe_fisvdd -- --help
//! ```
//!
//! Pipeline: CSV windows -> clip + log1p -> standardise (fitted on training
//! windows) -> FISVDD -> threshold calibrated on training scores -> decisions.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use fisvdd::{Bandwidth, Fisvdd, FisvddParams};
use ndarray::{Array2, ArrayView2};
use oddframe::{metrics, threshold::quantile, Calibration, Detector, ParamGuard, Threshold};
use video_features::qoe::{ColumnTransform, CsvTable, QoeTransform, Standardizer, FEATURE_NAMES};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
qoe_fisvdd: train FISVDD on normal QoE windows, score held-out windows

options:
  --train FILE         training windows (default testdata/qoe/live_nflx_ii_train.csv)
  --test FILE          test windows with labels (default testdata/qoe/live_nflx_ii_test.csv)
  --loso FILE          leave-one-source-out folds over an all-windows table instead
  --sigma X            fixed kernel width (default: the support-fraction rule)
  --support-fraction F target support-vector fraction of the default rule (default 0.2)
  --median             median-heuristic sigma
  --features a,b,..    feature columns (default vmaf_mean,...,tsl_end)
  --log1p c:cap,..     columns to clip to [0, cap] and log1p
                       (default bitrate_mean:20000,stall_ratio:1,tsl_end:300; 'none' for none)
  --label COL          label column (default QoE_win)
  --anomaly-le X       a window is anomalous when label <= X (default 0)
  --quantile Q         threshold = Q-quantile of training scores (default 0.9)
  --source-col COL     LOSO source column (default content; source = text before the first '_')
  --session-col COL    LOSO session column (default file)
  --save FILE          save the fitted model as JSON
";

struct Options {
    train: PathBuf,
    test: PathBuf,
    loso: Option<PathBuf>,
    bandwidth: Bandwidth,
    features: Vec<String>,
    log1p: Vec<(String, f64)>,
    label: String,
    anomaly_le: f64,
    quantile: f64,
    source_col: String,
    session_col: String,
    save: Option<PathBuf>,
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/qoe")
        .join(name)
}

fn parse_args() -> AnyResult<Options> {
    let mut o = Options {
        train: testdata("live_nflx_ii_train.csv"),
        test: testdata("live_nflx_ii_test.csv"),
        loso: None,
        bandwidth: Bandwidth::default(),
        features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        log1p: vec![
            ("bitrate_mean".into(), 20_000.0),
            ("stall_ratio".into(), 1.0),
            ("tsl_end".into(), 300.0),
        ],
        label: "QoE_win".into(),
        anomaly_le: 0.0,
        quantile: 0.9,
        source_col: "content".into(),
        session_col: "file".into(),
        save: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            print!("{HELP}");
            std::process::exit(0);
        }
        if flag == "--median" {
            o.bandwidth = Bandwidth::MedianHeuristic;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)"))?;
        let num = |v: &str| -> AnyResult<f64> {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: {v:?} is not a number").into())
        };
        match flag.as_str() {
            "--train" => o.train = value.into(),
            "--test" => o.test = value.into(),
            "--loso" => o.loso = Some(value.into()),
            "--sigma" => o.bandwidth = Bandwidth::Fixed(num(&value)?),
            "--support-fraction" => o.bandwidth = Bandwidth::SupportFraction(num(&value)?),
            "--features" => o.features = value.split(',').map(str::to_string).collect(),
            "--log1p" => o.log1p = parse_log1p(&value)?,
            "--label" => o.label = value,
            "--anomaly-le" => o.anomaly_le = num(&value)?,
            "--quantile" => o.quantile = num(&value)?,
            "--source-col" => o.source_col = value,
            "--session-col" => o.session_col = value,
            "--save" => o.save = Some(value.into()),
            _ => return Err(format!("unknown option {flag} (see --help)").into()),
        }
    }
    Ok(o)
}

fn parse_log1p(v: &str) -> AnyResult<Vec<(String, f64)>> {
    if v == "none" {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|item| {
            let (name, cap) = item
                .split_once(':')
                .ok_or_else(|| format!("--log1p: {item:?} is not column:cap"))?;
            let cap = cap
                .parse::<f64>()
                .map_err(|_| format!("--log1p: cap {cap:?} is not a number"))?;
            Ok((name.to_string(), cap))
        })
        .collect()
}

/// The preprocessing fitted on training windows.
struct Prep {
    transform: QoeTransform,
    scaler: Standardizer,
}

impl Prep {
    fn fit(o: &Options, raw: ArrayView2<'_, f64>) -> AnyResult<Self> {
        let columns =
            o.log1p
                .iter()
                .map(|(name, cap)| {
                    let column =
                        o.features.iter().position(|f| f == name).ok_or_else(|| {
                            format!("--log1p column {name} is not among --features")
                        })?;
                    Ok(ColumnTransform {
                        column,
                        cap: Some(*cap),
                        log1p: true,
                    })
                })
                .collect::<AnyResult<Vec<_>>>()?;
        let transform = QoeTransform::new(o.features.len(), columns)?;
        let scaler = Standardizer::fit(transform.apply(raw)?.view())?;
        Ok(Self { transform, scaler })
    }

    fn apply(&self, raw: ArrayView2<'_, f64>) -> AnyResult<Array2<f64>> {
        Ok(self.scaler.transform(self.transform.apply(raw)?.view())?)
    }
}

fn features(o: &Options, t: &CsvTable) -> AnyResult<Array2<f64>> {
    let names: Vec<&str> = o.features.iter().map(String::as_str).collect();
    Ok(t.matrix(&names)?)
}

fn labels(o: &Options, t: &CsvTable) -> AnyResult<Vec<bool>> {
    Ok(t.numeric(&o.label)?
        .into_iter()
        .map(|v| v <= o.anomaly_le)
        .collect())
}

fn fit(o: &Options, x: ArrayView2<'_, f64>) -> AnyResult<Fisvdd> {
    Ok(FisvddParams::new().bandwidth(o.bandwidth).check()?.fit(x)?)
}

/// Median microseconds per window of batched scoring over `x`.
fn score_time_us(model: &Fisvdd, x: ArrayView2<'_, f64>) -> AnyResult<f64> {
    let mut runs = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let s = model.score(x)?;
        runs.push(t.elapsed().as_secs_f64() * 1e6 / s.len() as f64);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[runs.len() / 2])
}

fn split(o: &Options) -> AnyResult<()> {
    let train = CsvTable::from_path(&o.train)?;
    let test = CsvTable::from_path(&o.test)?;
    let raw = features(o, &train)?;
    let prep = Prep::fit(o, raw.view())?;
    let xtr = prep.apply(raw.view())?;
    let xte = prep.apply(features(o, &test)?.view())?;
    let y = labels(o, &test)?;

    let t0 = Instant::now();
    let model = fit(o, xtr.view())?;
    let fit_s = t0.elapsed().as_secs_f64();
    let train_scores = model.score(xtr.view())?.to_vec();
    let threshold = Threshold::calibrate(Calibration::Quantile(o.quantile), &train_scores)?;
    let scores = model.score(xte.view())?.to_vec();
    let us = score_time_us(&model, xte.view())?;
    if let Some(path) = &o.save {
        model.save(path)?;
    }

    let auc = metrics::roc_auc(&y, &scores)?;
    let ap = metrics::average_precision(&y, &scores)?;
    let at = metrics::at_threshold(&y, &scores, threshold.value())?;
    let anomalies = y.iter().filter(|&&l| l).count();
    println!("FISVDD on streaming-QoE windows");
    println!(
        "  train          {} ({} windows)",
        o.train.display(),
        xtr.nrows()
    );
    println!(
        "  test           {} ({} windows, {} anomalous)",
        o.test.display(),
        xte.nrows(),
        anomalies
    );
    println!("  sigma          {:.6} ({:?})", model.sigma(), o.bandwidth);
    println!(
        "  support        {} vectors ({:.1} % of training windows), L = {:.6}",
        model.n_sv(),
        100.0 * model.n_sv() as f64 / xtr.nrows() as f64,
        model.boundary()
    );
    println!("  fit            {fit_s:.3} s (bandwidth selection included; {} refactorisations in the final fit)", model.refactorisations());
    println!("  scoring        {us:.3} us per window (batched, median of 21 runs)");
    println!(
        "  threshold      {:.6} ({}-quantile of training scores)",
        threshold.value(),
        o.quantile
    );
    println!("  ROC AUC        {auc:.4}");
    println!("  AP             {ap:.4}");
    println!(
        "  at threshold   precision {:.4}, recall {:.4}, F1 {:.4}, flag rate {:.4}",
        at.precision, at.recall, at.f1, at.flag_rate
    );
    println!(
        "{{\"auc\":{auc:.6},\"ap\":{ap:.6},\"f1\":{:.6},\"flag_rate\":{:.6},\"n_sv\":{},\"sigma\":{:.6},\"fit_s\":{fit_s:.6},\"score_us_per_window\":{us:.6}}}",
        at.f1,
        at.flag_rate,
        model.n_sv(),
        model.sigma()
    );
    Ok(())
}

/// Per-session accumulator: window scores and labels.
#[derive(Default)]
struct Session {
    scores: Vec<f64>,
    qoe: Vec<f64>,
}

fn loso(o: &Options, path: &PathBuf) -> AnyResult<()> {
    let table = CsvTable::from_path(path)?;
    let raw = features(o, &table)?;
    let qoe = table.numeric(&o.label)?;
    let sources: Vec<&str> = table
        .text(&o.source_col)?
        .into_iter()
        .map(|c| c.split('_').next().unwrap_or(c))
        .collect();
    let sessions = table.text(&o.session_col)?;
    let mut names: Vec<&str> = sources.clone();
    names.sort_unstable();
    names.dedup();
    if names.len() < 2 {
        return Err("leave-one-source-out needs at least two sources".into());
    }

    println!("FISVDD leave-one-source-out on {}", path.display());
    println!("  fold                   train  test    sigma   n_sv   AUC     AP");
    let (mut aucs, mut aps) = (Vec::new(), Vec::new());
    let mut by_session: BTreeMap<&str, Session> = BTreeMap::new();
    for name in &names {
        let train_rows: Vec<usize> = (0..raw.nrows())
            .filter(|&i| sources[i] != *name && qoe[i] > o.anomaly_le)
            .collect();
        let test_rows: Vec<usize> = (0..raw.nrows()).filter(|&i| sources[i] == *name).collect();
        let raw_tr = raw.select(ndarray::Axis(0), &train_rows);
        let prep = Prep::fit(o, raw_tr.view())?;
        let model = fit(o, prep.apply(raw_tr.view())?.view())?;
        let xte = prep.apply(raw.select(ndarray::Axis(0), &test_rows).view())?;
        // Q / L puts every fold's model on one scale for pooling sessions
        let scores = model.relative_score(xte.view())?.to_vec();
        let y: Vec<bool> = test_rows.iter().map(|&i| qoe[i] <= o.anomaly_le).collect();
        let (auc, ap) = match (
            metrics::roc_auc(&y, &scores),
            metrics::average_precision(&y, &scores),
        ) {
            (Ok(a), Ok(p)) => (a, p),
            _ => (f64::NAN, f64::NAN), // one class only: no window AUC for this fold
        };
        if auc.is_finite() {
            aucs.push(auc);
            aps.push(ap);
        }
        println!(
            "  {name:<22} {:>5} {:>5} {:>8.4} {:>6} {auc:>7.4} {ap:>7.4}",
            train_rows.len(),
            test_rows.len(),
            model.sigma(),
            model.n_sv()
        );
        for (k, &i) in test_rows.iter().enumerate() {
            let s = by_session.entry(sessions[i]).or_default();
            s.scores.push(scores[k]);
            s.qoe.push(qoe[i]);
        }
    }
    let mut session_scores = Vec::new();
    let mut session_labels = Vec::new();
    for s in by_session.values() {
        session_scores.push(quantile(&s.scores, 0.95)?);
        let mean = s.qoe.iter().sum::<f64>() / s.qoe.len() as f64;
        session_labels.push(mean <= o.anomaly_le);
    }
    let session_auc = metrics::roc_auc(&session_labels, &session_scores)?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (window_auc, window_ap) = (mean(&aucs), mean(&aps));
    println!(
        "  window AUC (mean of {} folds) {window_auc:.4}, window AP {window_ap:.4}",
        aucs.len()
    );
    println!(
        "  session AUC ({} sessions, score = p95 of window Q/L) {session_auc:.4}",
        session_scores.len()
    );
    println!(
        "{{\"folds\":{},\"window_auc\":{window_auc:.6},\"window_ap\":{window_ap:.6},\"session_auc\":{session_auc:.6}}}",
        names.len()
    );
    Ok(())
}

fn main() {
    let run = || -> AnyResult<()> {
        let o = parse_args()?;
        match &o.loso {
            Some(path) => loso(&o, path),
            None => split(&o),
        }
    };
    if let Err(e) = run() {
        eprintln!("qoe_fisvdd: {e}");
        std::process::exit(1);
    }
}
