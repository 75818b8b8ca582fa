//! The QoE detector in a few lines: raw LIVE-Netflix-II windows -> clip and
//! log1p -> standardise -> FISVDD -> threshold, fitted on normal windows,
//! saved as one file and used to flag held-out windows.
//!
//! ```text
//! cargo run --release --example qoe_quickstart
//! ```
//! The full tool, with every option and leave-one-source-out, is `qoe_fisvdd`.

use fisvdd::FisvddParams;
use ocsvm_scaler::StandardScaler;
use oddframe::{metrics, Calibration, Detector, Fit, ParamGuard, Pipeline, PipelineParams};
use oddframe_examples_common::testdata;
use video_features::qoe::{CsvTable, QoeTransform, FEATURE_NAMES};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let train = CsvTable::from_path(testdata("qoe/live_nflx_ii_train.csv"))?;
    let test = CsvTable::from_path(testdata("qoe/live_nflx_ii_test.csv"))?;

    let pipeline = PipelineParams::new(FisvddParams::new().check()?)
        .step(QoeTransform::live_nflx())
        .fit_step(StandardScaler::params())
        .threshold(Calibration::Quantile(0.9))
        .fit(train.matrix(&FEATURE_NAMES)?.view())?;
    let path = std::env::temp_dir().join("qoe_pipeline.json");
    pipeline.save(&path)?;

    let loaded = Pipeline::load(&path, &oddframe_examples_tabular::registry())?;
    let raw = test.matrix(&FEATURE_NAMES)?;
    let decisions = loaded.decide(raw.view())?;
    let bad: Vec<bool> = test.numeric("QoE_win")?.iter().map(|&q| q <= 0.0).collect();
    let flagged = decisions.iter().filter(|d| d.is_anomaly).count();
    let auc = metrics::roc_auc(&bad, &loaded.score(raw.view())?.to_vec())?;
    println!(
        "saved {}: flagged {flagged} of {} windows, AUC {auc:.3}",
        path.display(),
        raw.nrows()
    );
    Ok(())
}
