//! Streaming-QoE anomaly detection with FISVDD (or a one-class SVM) on
//! LIVE-Netflix-II windows.
//!
//! ```text
//! cargo run --release --example qoe_fisvdd                      # bundled train/test split
//! cargo run --release --example qoe_fisvdd -- --sigma 2.081761  # the original system's setting
//! cargo run --release --example qoe_fisvdd -- --detector both   # FISVDD and one-class SVM side by side
//! cargo run --release --example qoe_fisvdd -- --loso testdata/qoe/live_nflx_ii_windows.csv
//! cargo run --release --example qoe_fisvdd -- --help
//! ```
//!
//! Pipeline: CSV windows -> clip + log1p -> standardise (fitted on training
//! windows) -> detector -> threshold calibrated on training scores -> decisions.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use fisvdd::{Bandwidth, Fisvdd, FisvddParams};
use ndarray::{Array1, Array2, ArrayView2};
use ocsvm_scaler::{Gamma, OcsvmParams, OneClassSvm, StandardScaler};
use oddframe::{metrics, threshold::quantile, Calibration, Detector, ParamGuard, Threshold};
use video_features::qoe::{ColumnTransform, CsvTable, QoeTransform, FEATURE_NAMES};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
qoe_fisvdd: train a one-class model on normal QoE windows, score held-out windows

options:
  --train FILE         training windows (default testdata/qoe/live_nflx_ii_train.csv)
  --test FILE          test windows with labels (default testdata/qoe/live_nflx_ii_test.csv)
  --loso FILE          leave-one-source-out folds over an all-windows table instead
  --detector D         fisvdd | ocsvm | both (default fisvdd): both compares them
                       on the same split or folds
  --nu X               one-class SVM nu (default 0.1)
  --gamma G            one-class SVM gamma: scale | auto | a number (default scale)
  --sigma X            FISVDD fixed kernel width (default: the support-fraction rule)
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
  --save FILE          save the fitted model as JSON (with --detector both: FILE.fisvdd.json
                       and FILE.ocsvm.json)
";

/// Which detectors to run.
#[derive(Clone, Copy, PartialEq)]
enum Which {
    Fisvdd,
    Ocsvm,
    Both,
}

struct Options {
    train: PathBuf,
    test: PathBuf,
    loso: Option<PathBuf>,
    detector: Which,
    nu: f64,
    gamma: Gamma,
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
        detector: Which::Fisvdd,
        nu: 0.1,
        gamma: Gamma::Scale,
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
            "--detector" => {
                o.detector = match value.as_str() {
                    "fisvdd" => Which::Fisvdd,
                    "ocsvm" => Which::Ocsvm,
                    "both" => Which::Both,
                    v => return Err(format!("--detector {v:?}: fisvdd, ocsvm or both").into()),
                }
            }
            "--nu" => o.nu = num(&value)?,
            "--gamma" => {
                o.gamma = match value.as_str() {
                    "scale" => Gamma::Scale,
                    "auto" => Gamma::Auto,
                    v => Gamma::Value(num(v)?),
                }
            }
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
    scaler: StandardScaler,
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
        let scaler = StandardScaler::fit(transform.apply(raw)?.view())?;
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

/// A fitted detector of either kind.
enum Model {
    Fisvdd(Fisvdd),
    Ocsvm(OneClassSvm<f64>),
}

impl Model {
    fn fit(o: &Options, which: Which, x: ArrayView2<'_, f64>) -> AnyResult<Self> {
        Ok(match which {
            Which::Ocsvm => {
                Model::Ocsvm(OcsvmParams::new().nu(o.nu).gamma(o.gamma).check()?.fit(x)?)
            }
            _ => Model::Fisvdd(FisvddParams::new().bandwidth(o.bandwidth).check()?.fit(x)?),
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Model::Fisvdd(_) => "fisvdd",
            Model::Ocsvm(_) => "ocsvm",
        }
    }

    fn detector(&self) -> &dyn Detector<f64> {
        match self {
            Model::Fisvdd(m) => m,
            Model::Ocsvm(m) => m,
        }
    }

    /// A score on a scale shared by models fitted on different folds:
    /// FISVDD's Q / L, and the SVM's `-decision / rho` (both 0 on the
    /// boundary, positive outside).
    fn relative_score(&self, x: ArrayView2<'_, f64>) -> AnyResult<Array1<f64>> {
        Ok(match self {
            Model::Fisvdd(m) => m.relative_score(x)?,
            Model::Ocsvm(m) => m.decision_function(x)? / -m.rho(),
        })
    }

    fn n_sv(&self) -> usize {
        match self {
            Model::Fisvdd(m) => m.n_sv(),
            Model::Ocsvm(m) => m.support().len(),
        }
    }

    /// The kernel width as FISVDD's sigma (`gamma = 1 / (2 sigma^2)`).
    fn sigma(&self) -> f64 {
        match self {
            Model::Fisvdd(m) => m.sigma(),
            Model::Ocsvm(m) => (0.5 / m.gamma()).sqrt(),
        }
    }

    fn describe(&self, o: &Options, n_train: usize) -> Vec<String> {
        let share = 100.0 * self.n_sv() as f64 / n_train as f64;
        match self {
            Model::Fisvdd(m) => vec![
                format!("sigma          {:.6} ({:?})", m.sigma(), o.bandwidth),
                format!(
                    "support        {} vectors ({share:.1} % of training windows), L = {:.6}",
                    m.n_sv(),
                    m.boundary()
                ),
                format!(
                    "refactorised   {} times in the final fit",
                    m.refactorisations()
                ),
            ],
            Model::Ocsvm(m) => vec![
                format!(
                    "nu, gamma      {}, {:.6} ({:?}; sigma {:.6})",
                    o.nu,
                    m.gamma(),
                    o.gamma,
                    self.sigma()
                ),
                format!(
                    "support        {} vectors ({share:.1} % of training windows), rho = {:.6}",
                    m.support().len(),
                    m.rho()
                ),
                format!("solver         {} iterations", m.fit_info().iterations),
            ],
        }
    }

    fn save(&self, path: &std::path::Path) -> AnyResult<()> {
        match self {
            Model::Fisvdd(m) => m.save(path)?,
            Model::Ocsvm(m) => m.save(path)?,
        }
        Ok(())
    }
}

fn which_list(w: Which) -> Vec<Which> {
    match w {
        Which::Both => vec![Which::Fisvdd, Which::Ocsvm],
        one => vec![one],
    }
}

/// Median microseconds per window of batched scoring over `x`.
fn score_time_us(model: &dyn Detector<f64>, x: ArrayView2<'_, f64>) -> AnyResult<f64> {
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
    let anomalies = y.iter().filter(|&&l| l).count();
    println!(
        "  train          {} ({} windows)",
        o.train.display(),
        xtr.nrows()
    );
    println!(
        "  test           {} ({} windows, {anomalies} anomalous)",
        o.test.display(),
        xte.nrows()
    );
    let mut json = Vec::new();
    for which in which_list(o.detector) {
        json.push(split_one(o, which, &xtr, &xte, &y)?);
    }
    print_json(&json);
    Ok(())
}

/// Fits one detector on the split, prints its report, returns its JSON.
fn split_one(
    o: &Options,
    which: Which,
    xtr: &Array2<f64>,
    xte: &Array2<f64>,
    y: &[bool],
) -> AnyResult<String> {
    let t0 = Instant::now();
    let model = Model::fit(o, which, xtr.view())?;
    let fit_s = t0.elapsed().as_secs_f64();
    let det = model.detector();
    let train_scores = det.score(xtr.view())?.to_vec();
    let threshold = Threshold::calibrate(Calibration::Quantile(o.quantile), &train_scores)?;
    let scores = det.score(xte.view())?.to_vec();
    let us = score_time_us(det, xte.view())?;
    if let Some(path) = &o.save {
        let path = if o.detector == Which::Both {
            path.with_extension(format!("{}.json", model.name()))
        } else {
            path.clone()
        };
        model.save(&path)?;
    }

    let auc = metrics::roc_auc(y, &scores)?;
    let ap = metrics::average_precision(y, &scores)?;
    let at = metrics::at_threshold(y, &scores, threshold.value())?;
    let title = match model {
        Model::Fisvdd(_) => "FISVDD",
        Model::Ocsvm(_) => "one-class SVM",
    };
    println!("{title} on streaming-QoE windows");
    for line in model.describe(o, xtr.nrows()) {
        println!("  {line}");
    }
    println!("  fit            {fit_s:.3} s (bandwidth selection included)");
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
    Ok(format!(
        "{{\"detector\":\"{}\",\"auc\":{auc:.6},\"ap\":{ap:.6},\"f1\":{:.6},\"flag_rate\":{:.6},\"n_sv\":{},\"sigma\":{:.6},\"fit_s\":{fit_s:.6},\"score_us_per_window\":{us:.6}}}",
        model.name(),
        at.f1,
        at.flag_rate,
        model.n_sv(),
        model.sigma()
    ))
}

/// Prints one detector's JSON object, or both keyed by detector name, as
/// one line.
fn print_json(json: &[String]) {
    match json {
        [one] => println!("{one}"),
        both => println!(
            "{{{}}}",
            both.iter()
                .zip(["fisvdd", "ocsvm"])
                .map(|(j, k)| format!("\"{k}\":{j}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
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
    let data = Folds {
        raw: &raw,
        qoe: &qoe,
        sources: &sources,
        sessions: &sessions,
        names: &names,
    };
    let mut json = Vec::new();
    for which in which_list(o.detector) {
        json.push(loso_one(o, which, path, &data)?);
    }
    print_json(&json);
    Ok(())
}

/// The all-windows table split by source.
struct Folds<'a> {
    raw: &'a Array2<f64>,
    qoe: &'a [f64],
    sources: &'a [&'a str],
    sessions: &'a [&'a str],
    names: &'a [&'a str],
}

/// Runs the folds for one detector, prints its report, returns its JSON.
fn loso_one(o: &Options, which: Which, path: &std::path::Path, d: &Folds<'_>) -> AnyResult<String> {
    let title = if which == Which::Ocsvm {
        "one-class SVM"
    } else {
        "FISVDD"
    };
    println!("{title} leave-one-source-out on {}", path.display());
    println!("  fold                   train  test    sigma   n_sv   AUC     AP");
    let (mut aucs, mut aps) = (Vec::new(), Vec::new());
    let mut by_session: BTreeMap<&str, Session> = BTreeMap::new();
    for name in d.names {
        let train_rows: Vec<usize> = (0..d.raw.nrows())
            .filter(|&i| d.sources[i] != *name && d.qoe[i] > o.anomaly_le)
            .collect();
        let test_rows: Vec<usize> = (0..d.raw.nrows())
            .filter(|&i| d.sources[i] == *name)
            .collect();
        let raw_tr = d.raw.select(ndarray::Axis(0), &train_rows);
        let prep = Prep::fit(o, raw_tr.view())?;
        let model = Model::fit(o, which, prep.apply(raw_tr.view())?.view())?;
        let xte = prep.apply(d.raw.select(ndarray::Axis(0), &test_rows).view())?;
        let scores = model.relative_score(xte.view())?.to_vec();
        let y: Vec<bool> = test_rows
            .iter()
            .map(|&i| d.qoe[i] <= o.anomaly_le)
            .collect();
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
            let s = by_session.entry(d.sessions[i]).or_default();
            s.scores.push(scores[k]);
            s.qoe.push(d.qoe[i]);
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
        "  session AUC ({} sessions, score = p95 of the fold-relative window score) {session_auc:.4}",
        session_scores.len()
    );
    Ok(format!(
        "{{\"detector\":\"{}\",\"folds\":{},\"window_auc\":{window_auc:.6},\"window_ap\":{window_ap:.6},\"session_auc\":{session_auc:.6}}}",
        if which == Which::Ocsvm { "ocsvm" } else { "fisvdd" },
        d.names.len()
    ))
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
