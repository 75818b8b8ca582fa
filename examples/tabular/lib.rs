//! The streaming-QoE experiment behind the `qoe_fisvdd` example, shared with
//! its tests (not a published library): the pipeline the example fits, its
//! evaluation on a held-out split and leave-one-source-out, and the registry
//! that loads its saved files.
//!
//! Pipeline: raw windows -> clip + `log1p` -> standardise (fitted on the
//! training windows) -> FISVDD or a one-class SVM -> threshold on the
//! training scores.

use std::time::Instant;

use fisvdd::{Bandwidth, Fisvdd, FisvddParams};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use ocsvm_scaler::{Gamma, OcsvmParams, OneClassSvm, StandardScaler};
use oddframe::{
    eval, metrics, Calibration, Detector, Holdout, ParamGuard, Pipeline, PipelineParams, Registry,
};
use serde::Serialize;
use video_features::qoe::{ColumnTransform, CsvTable, QoeTransform, FEATURE_NAMES};

/// Any error of the experiment, with its message.
pub type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A one-class SVM gamma on the command line: `scale`, `auto` or a number.
///
/// # Errors
/// When `v` is none of these.
pub fn parse_gamma(v: &str) -> Result<Gamma, String> {
    match v {
        "scale" => Ok(Gamma::Scale),
        "auto" => Ok(Gamma::Auto),
        n => n
            .parse()
            .map(Gamma::Value)
            .map_err(|_| format!("{n:?} is not scale, auto or a number")),
    }
}

/// Which normal windows calibrate the threshold, on the command line:
/// `crossfit:K`, `split:SHARE` or `in-sample`.
///
/// # Errors
/// When `v` is none of these or its number is out of range.
pub fn parse_holdout(v: &str) -> Result<Holdout, String> {
    let bad = || format!("{v:?} is not crossfit:K, split:SHARE or in-sample");
    let h = match v.split_once(':') {
        None if v == "in-sample" => Holdout::InSample,
        Some(("crossfit", k)) => Holdout::cross_fit(k.parse().map_err(|_| bad())?),
        Some(("split", share)) => Holdout::split(share.parse().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    h.check().map_err(|e| e.to_string())
}

/// Which detector ends the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Fast Incremental SVDD (Gaussian kernel).
    Fisvdd,
    /// One-class nu-SVM (LIBSVM's solver).
    Ocsvm,
}

/// What the experiment fits and how it labels windows.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Feature columns, in order.
    pub features: Vec<String>,
    /// Columns clipped to `[0, cap]`, then `log1p`.
    pub log1p: Vec<(String, f64)>,
    /// FISVDD's bandwidth rule.
    pub bandwidth: Bandwidth,
    /// The one-class SVM's nu.
    pub nu: f64,
    /// The one-class SVM's gamma.
    pub gamma: Gamma,
    /// How the threshold is set from normal scores.
    pub calibration: Calibration,
    /// Which normal windows calibrate it.
    pub holdout: Holdout,
    /// The label column.
    pub label: String,
    /// A window is anomalous when its label is at most this.
    pub anomaly_le: f64,
}

impl Default for Settings {
    /// The LIVE-Netflix-II defaults.
    fn default() -> Self {
        Self {
            features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
            log1p: vec![
                ("bitrate_mean".into(), 20_000.0),
                ("stall_ratio".into(), 1.0),
                ("tsl_end".into(), 300.0),
            ],
            bandwidth: Bandwidth::default(),
            nu: 0.1,
            gamma: Gamma::Scale,
            calibration: Calibration::Conformal(0.1),
            holdout: Holdout::cross_fit(5),
            label: "QoE_win".into(),
            anomaly_le: 0.0,
        }
    }
}

/// Every part format the example's files hold.
pub fn registry() -> Registry<f64> {
    let r = fisvdd::register(Registry::new());
    video_features::register(ocsvm_scaler::register(r))
}

impl Settings {
    /// The clipping and `log1p` of the raw windows.
    ///
    /// # Errors
    /// A `log1p` column that is not a feature, or a bad cap.
    pub fn transform(&self) -> AnyResult<QoeTransform> {
        let columns = self
            .log1p
            .iter()
            .map(|(name, cap)| {
                let column = self
                    .features
                    .iter()
                    .position(|f| f == name)
                    .ok_or_else(|| format!("log1p column {name} is not among the features"))?;
                Ok(ColumnTransform {
                    column,
                    cap: Some(*cap),
                    log1p: true,
                })
            })
            .collect::<AnyResult<Vec<_>>>()?;
        Ok(QoeTransform::new(self.features.len(), columns)?)
    }

    /// The whole recipe: transform, scaler, detector, threshold.
    ///
    /// # Errors
    /// Out-of-range parameters.
    pub fn pipeline_params(&self, kind: Kind) -> AnyResult<PipelineParams<f64>> {
        let head = match kind {
            Kind::Fisvdd => {
                PipelineParams::new(FisvddParams::new().bandwidth(self.bandwidth).check()?)
            }
            Kind::Ocsvm => {
                PipelineParams::new(OcsvmParams::new().nu(self.nu).gamma(self.gamma).check()?)
            }
        };
        Ok(head
            .step(self.transform()?)
            .fit_step(StandardScaler::params())
            .threshold(self.calibration)
            .holdout(self.holdout))
    }

    /// The raw feature columns of a table.
    ///
    /// # Errors
    /// A missing or non-numeric column.
    pub fn features(&self, t: &CsvTable) -> AnyResult<Array2<f64>> {
        let names: Vec<&str> = self.features.iter().map(String::as_str).collect();
        Ok(t.matrix(&names)?)
    }

    /// Whether each window of a table is anomalous.
    ///
    /// # Errors
    /// A missing or non-numeric label column.
    pub fn labels(&self, t: &CsvTable) -> AnyResult<Vec<bool>> {
        Ok(t.numeric(&self.label)?
            .into_iter()
            .map(|v| v <= self.anomaly_le)
            .collect())
    }
}

/// The detector of an example pipeline.
pub enum Model<'a> {
    /// FISVDD.
    Fisvdd(&'a Fisvdd<f64>),
    /// The one-class SVM.
    Ocsvm(&'a OneClassSvm<f64>),
}

impl<'a> Model<'a> {
    /// The detector of `p`.
    ///
    /// # Errors
    /// When the pipeline ends in another kind of detector.
    pub fn of(p: &'a Pipeline<f64>) -> AnyResult<Self> {
        if let Some(m) = p.detector_as::<Fisvdd<f64>>() {
            return Ok(Model::Fisvdd(m));
        }
        match p.detector_as::<OneClassSvm<f64>>() {
            Some(m) => Ok(Model::Ocsvm(m)),
            None => Err("the pipeline's detector is neither FISVDD nor a one-class SVM".into()),
        }
    }

    /// Which kind it is.
    pub fn kind(&self) -> Kind {
        match self {
            Model::Fisvdd(_) => Kind::Fisvdd,
            Model::Ocsvm(_) => Kind::Ocsvm,
        }
    }

    /// Support vectors.
    pub fn n_sv(&self) -> usize {
        match self {
            Model::Fisvdd(m) => m.n_sv(),
            Model::Ocsvm(m) => m.support().len(),
        }
    }

    /// The kernel width as FISVDD's sigma (`gamma = 1 / (2 sigma^2)`).
    pub fn sigma(&self) -> f64 {
        match self {
            Model::Fisvdd(m) => m.sigma(),
            Model::Ocsvm(m) => (0.5 / m.gamma()).sqrt(),
        }
    }

    /// A score on a scale shared by models fitted on different folds:
    /// FISVDD's Q / L, and the SVM's `-decision / rho` (both 0 on the
    /// boundary, positive outside), of rows the pipeline's steps made.
    ///
    /// # Errors
    /// Wrong width or non-finite rows.
    pub fn relative_score(&self, z: ArrayView2<'_, f64>) -> AnyResult<Array1<f64>> {
        Ok(match self {
            Model::Fisvdd(m) => m.relative_score(z)?,
            Model::Ocsvm(m) => m.decision_function(z)? / -m.rho(),
        })
    }

    /// Lines describing the fitted model.
    pub fn describe(&self, n_train: Option<usize>) -> Vec<String> {
        let share = n_train.map_or(String::new(), |n| {
            format!(
                " ({:.1} % of training windows)",
                100.0 * self.n_sv() as f64 / n as f64
            )
        });
        match self {
            Model::Fisvdd(m) => vec![
                format!("sigma          {:.6}", m.sigma()),
                format!(
                    "support        {} vectors{share}, L = {:.6}",
                    m.n_sv(),
                    m.boundary()
                ),
            ],
            Model::Ocsvm(m) => vec![
                format!(
                    "gamma          {:.6} (sigma {:.6})",
                    m.gamma(),
                    self.sigma()
                ),
                format!(
                    "support        {} vectors{share}, rho = {:.6}",
                    m.support().len(),
                    m.rho()
                ),
                format!("solver         {} iterations", m.fit_info().iterations),
            ],
        }
    }
}

/// How a pipeline scores a labelled test split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitReport {
    /// Which detector.
    pub detector: Kind,
    /// ROC AUC of the window scores.
    pub auc: f64,
    /// Average precision.
    pub ap: f64,
    /// F1 at the threshold.
    pub f1: f64,
    /// Precision at the threshold.
    pub precision: f64,
    /// Recall at the threshold.
    pub recall: f64,
    /// Share of the normal test windows flagged.
    pub false_alarm_rate: f64,
    /// Share of test windows flagged.
    pub flag_rate: f64,
    /// The threshold.
    pub threshold: f64,
    /// Support vectors.
    pub n_sv: usize,
    /// Kernel width as sigma.
    pub sigma: f64,
}

/// Scores the raw test windows with `pipeline` and measures the result.
///
/// # Errors
/// A pipeline without threshold, test rows of the wrong width, labels of
/// one class only.
pub fn evaluate(
    pipeline: &Pipeline<f64>,
    raw_test: ArrayView2<'_, f64>,
    labels: &[bool],
) -> AnyResult<SplitReport> {
    let model = Model::of(pipeline)?;
    let threshold = pipeline
        .threshold()
        .ok_or("the pipeline has no threshold")?
        .value();
    let scores = pipeline.score(raw_test)?.to_vec();
    let at = metrics::at_threshold(labels, &scores, threshold)?;
    Ok(SplitReport {
        detector: model.kind(),
        auc: metrics::roc_auc(labels, &scores)?,
        ap: metrics::average_precision(labels, &scores)?,
        f1: at.f1,
        precision: at.precision,
        recall: at.recall,
        false_alarm_rate: false_alarm_rate(&at),
        flag_rate: at.flag_rate,
        threshold,
        n_sv: model.n_sv(),
        sigma: model.sigma(),
    })
}

/// The share of normal windows flagged (`fp / (fp + tn)`, 0 without normals).
pub fn false_alarm_rate(at: &metrics::ThresholdMetrics) -> f64 {
    let normals = at.false_positives + at.true_negatives;
    if normals == 0 {
        0.0
    } else {
        at.false_positives as f64 / normals as f64
    }
}

/// Median microseconds per window of batched scoring of `x` (21 runs).
///
/// # Errors
/// As [`Detector::score`].
pub fn score_time_us(model: &dyn Detector<f64>, x: ArrayView2<'_, f64>) -> AnyResult<f64> {
    let mut runs = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let s = model.score(x)?;
        runs.push(t.elapsed().as_secs_f64() * 1e6 / s.len().max(1) as f64);
    }
    Ok(oddframe_examples_common::median(&mut runs).unwrap_or(f64::NAN))
}

/// One fold of the leave-one-source-out evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    /// The source held out.
    pub source: String,
    /// Normal windows of the other sources trained on.
    pub train: usize,
    /// Windows of this source scored.
    pub test: usize,
    /// The fitted kernel width as sigma.
    pub sigma: f64,
    /// Support vectors.
    pub n_sv: usize,
    /// Window AUC (`None` when the source holds one class only).
    pub auc: Option<f64>,
    /// Window AP (as `auc`).
    pub ap: Option<f64>,
    /// Share of the source's normal windows flagged by the fold's
    /// threshold (`None` without normal windows).
    pub false_alarm_rate: Option<f64>,
    /// Share of the source's anomalous windows flagged (`None` without
    /// anomalous windows).
    pub recall: Option<f64>,
}

/// The leave-one-source-out evaluation of one detector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LosoReport {
    /// Which detector.
    pub detector: Kind,
    /// The folds, sources in sorted order.
    pub folds: Vec<Fold>,
    /// Mean window AUC over the folds that hold both classes.
    pub window_auc: f64,
    /// Mean window AP over the same folds.
    pub window_ap: f64,
    /// Mean false-alarm rate over the folds with normal windows.
    pub false_alarm_rate: f64,
    /// Mean recall over the folds with anomalous windows.
    pub recall: f64,
    /// Session AUC: a session's score is the 0.95-quantile of its windows'
    /// fold-relative scores, a session is anomalous when its mean label is.
    pub session_auc: f64,
    /// Sessions scored.
    pub sessions: usize,
}

/// Leave-one-source-out over an all-windows table: for each source, fit on
/// the normal windows of the others, score all of its windows.
///
/// The source of a window is the text of `source_col` before its first
/// `_`; its session is `session_col`.
///
/// # Errors
/// Missing columns, fewer than two sources, fitting errors.
pub fn loso(
    s: &Settings,
    kind: Kind,
    table: &CsvTable,
    source_col: &str,
    session_col: &str,
) -> AnyResult<LosoReport> {
    let raw = s.features(table)?;
    let qoe = table.numeric(&s.label)?;
    let sources: Vec<&str> = table
        .text(source_col)?
        .into_iter()
        .map(|c| c.split('_').next().unwrap_or(c))
        .collect();
    let sessions = table.text(session_col)?;
    let params = s.pipeline_params(kind)?;
    let mut folds = Vec::new();
    let (mut window_scores, mut session_of, mut session_label) =
        (Vec::new(), Vec::new(), Vec::new());
    for fold in eval::leave_one_group_out(&sources)? {
        let train: Vec<usize> = fold
            .train
            .into_iter()
            .filter(|&i| qoe[i] > s.anomaly_le)
            .collect();
        // the threshold is for a source the model has not seen: calibrate
        // it on whole held-out training sources, not on rows of sources
        // the model also fitted
        let train_sources: Vec<&str> = train.iter().map(|&i| sources[i]).collect();
        let pipeline = params.fit_grouped(raw.select(Axis(0), &train).view(), &train_sources)?;
        let model = Model::of(&pipeline)?;
        let z = pipeline.transform(raw.select(Axis(0), &fold.test).view())?;
        let scores = model.relative_score(z.view())?.to_vec();
        let y: Vec<bool> = fold.test.iter().map(|&i| qoe[i] <= s.anomaly_le).collect();
        // a source with one class only has no window AUC
        let (auc, ap) = (
            metrics::roc_auc(&y, &scores).ok(),
            metrics::average_precision(&y, &scores).ok(),
        );
        let threshold = pipeline
            .threshold()
            .ok_or("the fold has no threshold")?
            .value();
        let pipeline_scores = pipeline
            .score(raw.select(Axis(0), &fold.test).view())?
            .to_vec();
        let at = metrics::at_threshold(&y, &pipeline_scores, threshold)?;
        let anomalous = y.iter().filter(|&&a| a).count();
        let normal = y.len() - anomalous;
        for (k, &i) in fold.test.iter().enumerate() {
            window_scores.push(scores[k]);
            session_of.push(sessions[i]);
            session_label.push((sessions[i], qoe[i]));
        }
        folds.push(Fold {
            source: fold.group,
            train: train.len(),
            test: fold.test.len(),
            sigma: model.sigma(),
            n_sv: model.n_sv(),
            auc,
            ap,
            false_alarm_rate: (normal > 0).then(|| false_alarm_rate(&at)),
            recall: (anomalous > 0).then_some(at.recall),
        });
    }
    let session_scores = eval::group_quantile(&session_of, &window_scores, 0.95)?;
    let names: Vec<&str> = session_label.iter().map(|(n, _)| *n).collect();
    let labels: Vec<f64> = session_label.iter().map(|(_, q)| *q).collect();
    let mean_label = eval::group_mean(&names, &labels)?;
    let (mut ss, mut sl) = (Vec::new(), Vec::new());
    for (name, score) in &session_scores {
        ss.push(*score);
        sl.push(mean_label[name] <= s.anomaly_le);
    }
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len().max(1) as f64;
    Ok(LosoReport {
        detector: kind,
        window_auc: mean(folds.iter().filter_map(|f| f.auc).collect()),
        window_ap: mean(folds.iter().filter_map(|f| f.ap).collect()),
        false_alarm_rate: mean(folds.iter().filter_map(|f| f.false_alarm_rate).collect()),
        recall: mean(folds.iter().filter_map(|f| f.recall).collect()),
        session_auc: metrics::roc_auc(&sl, &ss)?,
        sessions: ss.len(),
        folds,
    })
}
