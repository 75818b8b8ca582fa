//! The QoE pipeline end to end on the bundled LIVE-Netflix-II split:
//! CSV -> clip + log1p -> standardise -> FISVDD -> metrics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use fisvdd::{Fisvdd, FisvddParams};
use ndarray::Array2;
use ocsvm_scaler::StandardScaler;
use oddframe::streaming::{StreamingConfig, StreamingDetector};
use oddframe::{metrics, Detector, ParamGuard};
use video_features::qoe::{CsvTable, QoeTransform, FEATURE_NAMES};

fn testdata(name: &str) -> String {
    format!("{}/../../testdata/qoe/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Clipped and log-compressed training windows, test windows, test labels.
fn transformed() -> (Array2<f64>, Array2<f64>, Vec<bool>) {
    let train = CsvTable::from_path(testdata("live_nflx_ii_train.csv")).unwrap();
    let test = CsvTable::from_path(testdata("live_nflx_ii_test.csv")).unwrap();
    let t = QoeTransform::live_nflx();
    let xtr = t
        .apply(train.matrix(&FEATURE_NAMES).unwrap().view())
        .unwrap();
    let xte = t
        .apply(test.matrix(&FEATURE_NAMES).unwrap().view())
        .unwrap();
    let labels = test
        .numeric("QoE_win")
        .unwrap()
        .into_iter()
        .map(|q| q <= 0.0)
        .collect();
    (xtr, xte, labels)
}

/// Standardised training windows, test windows and test labels.
fn split() -> (Array2<f64>, Array2<f64>, Vec<bool>) {
    let (xtr, xte, labels) = transformed();
    let scaler = StandardScaler::fit(xtr.view()).unwrap();
    (
        scaler.transform(xtr.view()).unwrap(),
        scaler.transform(xte.view()).unwrap(),
        labels,
    )
}

fn auc(model: &Fisvdd, x: &Array2<f64>, y: &[bool]) -> f64 {
    metrics::roc_auc(y, &model.score(x.view()).unwrap().to_vec()).unwrap()
}

#[test]
fn reproduces_the_original_system_at_its_sigma() {
    // the original learned the training windows once, in file order, from
    // the first window, with sigma 2.081761: 49 support vectors, AUC 0.730
    let (xtr, xte, y) = split();
    let m = FisvddParams::new()
        .sigma(2.081761)
        .check()
        .unwrap()
        .fit(xtr.view())
        .unwrap();
    assert_eq!(m.n_sv(), 49);
    let a = auc(&m, &xte, &y);
    assert!((a - 0.730).abs() <= 0.005, "AUC {a}");
}

#[test]
fn the_default_rule_beats_the_original_without_labels() {
    let (xtr, xte, y) = split();
    let m = FisvddParams::new()
        .check()
        .unwrap()
        .fit(xtr.view())
        .unwrap();
    let frac = m.n_sv() as f64 / xtr.nrows() as f64;
    assert!((0.19..0.23).contains(&frac), "support fraction {frac}");
    let a = auc(&m, &xte, &y);
    assert!(a >= 0.85, "AUC {a} with sigma {}", m.sigma());
}

#[test]
fn update_if_normal_keeps_learning_the_stream() {
    let (xtr, xte, y) = split();
    let params = FisvddParams::new().sigma(1.0).check().unwrap();
    let config = StreamingConfig {
        buffer: 400,
        refit_every: 100,
        min_refit: 50,
        ..StreamingConfig::default()
    };
    let mut stream = StreamingDetector::new(params, xtr.view(), config).unwrap();
    let mut scores = Vec::new();
    let mut learned = 0;
    for row in xte.rows() {
        let d = stream.process(row).unwrap();
        scores.push(d.score);
        learned += usize::from(!d.is_anomaly);
    }
    assert!(
        stream.refits() == learned / 100,
        "{} refits, {learned} learned",
        stream.refits()
    );
    assert!(stream.buffered() <= 400);
    // the stream still separates bad windows from good ones
    let a = metrics::roc_auc(&y, &scores).unwrap();
    assert!(a > 0.75, "streaming AUC {a}");
}

#[test]
fn one_class_svm_pipeline_detects_poor_qoe_windows() {
    // the same preprocessing with the one-class SVM as the detector, through
    // the core Pipeline (scaler then SVM) on raw transformed windows
    let (xtr, xte, y) = transformed();
    let model = ocsvm_scaler::ScaledOcsvm::fit(
        StandardScaler::params(),
        &ocsvm_scaler::OcsvmParams::new().nu(0.1).check().unwrap(),
        xtr.view(),
    )
    .unwrap();
    let boxed: Box<dyn Detector<f64>> = Box::new(model);
    let scores = boxed.score(xte.view()).unwrap().to_vec();
    let a = metrics::roc_auc(&y, &scores).unwrap();
    assert!(a > 0.8, "AUC {a}");
    // about nu of the training windows fall outside
    let train_scores = boxed.score(xtr.view()).unwrap();
    let outside = train_scores.iter().filter(|&&s| s > 0.0).count() as f64 / xtr.nrows() as f64;
    assert!((0.05..=0.11).contains(&outside), "{outside}");
}
