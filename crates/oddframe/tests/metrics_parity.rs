//! The metrics against scikit-learn 1.9 (fixtures/metrics_sklearn.json,
//! produced by fixtures/make_metrics_fixtures.py).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::floats;
use oddframe::metrics;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn assert_close(name: &str, what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: {what} length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= TOL,
            "{name}: {what}[{i}] = {g}, sklearn {w}"
        );
    }
}

#[test]
fn metrics_match_scikit_learn() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/metrics_sklearn.json")).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let labels: Vec<bool> = c["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        let scores = floats(&c["scores"]);

        let auc = metrics::roc_auc(&labels, &scores).unwrap();
        assert_close(name, "roc_auc", &[auc], &[c["roc_auc"].as_f64().unwrap()]);
        let ap = metrics::average_precision(&labels, &scores).unwrap();
        assert_close(
            name,
            "ap",
            &[ap],
            &[c["average_precision"].as_f64().unwrap()],
        );

        let roc = metrics::roc_curve(&labels, &scores).unwrap();
        assert_close(name, "fpr", &roc.fpr, &floats(&c["roc_fpr"]));
        assert_close(name, "tpr", &roc.tpr, &floats(&c["roc_tpr"]));
        assert!(roc.thresholds[0].is_infinite());
        assert_close(
            name,
            "roc thresholds",
            &roc.thresholds[1..],
            &floats(&c["roc_thresholds_after_first"]),
        );

        let pr = metrics::precision_recall_curve(&labels, &scores).unwrap();
        assert_close(
            name,
            "precision",
            &pr.precision,
            &floats(&c["pr_precision"]),
        );
        assert_close(name, "recall", &pr.recall, &floats(&c["pr_recall"]));
        assert_close(
            name,
            "pr thresholds",
            &pr.thresholds,
            &floats(&c["pr_thresholds"]),
        );

        for at in c["at_threshold"].as_array().unwrap() {
            let t = at["threshold"].as_f64().unwrap();
            let m = metrics::at_threshold(&labels, &scores, t).unwrap();
            let got = [m.precision, m.recall, m.f1, m.flag_rate];
            let want = ["precision", "recall", "f1", "flag_rate"].map(|k| at[k].as_f64().unwrap());
            assert_close(name, &format!("at {t}"), &got, &want);
        }
    }
}
