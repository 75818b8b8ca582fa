//! The range-aware metrics against their reference implementations
//! (fixtures/range_metrics.json, produced by fixtures/make_range_fixtures.py
//! with tadpak 0.3.3, prts 1.0.0.3, vus 0.0.6 and scikit-learn 1.9).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{floats, numbers, testdata_columns};
use oddframe::metrics::{self, Bias, Cardinality, NabProfile, RangeParams};
use serde_json::Value;

/// Sums run in a different order than numpy's pairwise ones.
const TOL: f64 = 1e-9;

fn close(case: &str, what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{case}: {what} = {got}, reference {want}"
    );
}

/// The real case: LIVE-Netflix-II sessions in file order, anomalous when
/// `QoE_win <= 0`, scored by `100 - vmaf_mean + 50 * stall_ratio`.
fn qoe_sessions() -> (Vec<bool>, Vec<f64>, Vec<String>) {
    let [file, vmaf, stall, qoe]: [Vec<String>; 4] = testdata_columns(
        "qoe/live_nflx_ii_windows.csv",
        &["file", "vmaf_mean", "stall_ratio", "QoE_win"],
    )
    .try_into()
    .unwrap();
    let labels = numbers(&qoe).iter().map(|&q| q <= 0.0).collect();
    let scores = numbers(&vmaf)
        .iter()
        .zip(numbers(&stall))
        .map(|(v, s)| 100.0 - v + 50.0 * s)
        .collect();
    (labels, scores, file)
}

fn bias(name: &str) -> Bias {
    match name {
        "flat" => Bias::Flat,
        "front" => Bias::Front,
        "middle" => Bias::Middle,
        "back" => Bias::Back,
        other => panic!("bias {other}"),
    }
}

/// Checks one case; returns whether it had NAB scores (NAB's scorer fails
/// on a false alarm after a one-sample window, as in the QoE sessions).
fn check_case(c: &Value, labels: &[bool], scores: &[f64]) -> bool {
    let name = c["name"].as_str().unwrap();
    let flags: Vec<bool> = scores
        .iter()
        .map(|&s| s > c["threshold"].as_f64().unwrap())
        .collect();

    let curve = metrics::pa_k_curve(labels, &flags).unwrap();
    for (k, (g, w)) in curve.f1.iter().zip(floats(&c["pa_k_f1"])).enumerate() {
        close(name, &format!("PA%K F1 at K={k}"), *g, w);
    }
    close(
        name,
        "PA%K area",
        curve.area,
        c["pa_k_area"].as_f64().unwrap(),
    );
    close(
        name,
        "PA F1",
        metrics::pa_f1(labels, &flags).unwrap(),
        curve.f1[0],
    );

    let best = metrics::best_pa_k_curve(labels, scores).unwrap();
    for (k, want) in c["best_pa_k"].as_object().unwrap() {
        let k: usize = k.parse().unwrap();
        close(
            name,
            &format!("best F1 at K={k}"),
            best.f1[k],
            want.as_f64().unwrap(),
        );
    }

    for p in c["range_pr"].as_array().unwrap() {
        let params = RangeParams {
            precision_alpha: p["precision_alpha"].as_f64().unwrap(),
            recall_alpha: p["recall_alpha"].as_f64().unwrap(),
            precision_bias: bias(p["precision_bias"].as_str().unwrap()),
            recall_bias: bias(p["recall_bias"].as_str().unwrap()),
            cardinality: match p["cardinality"].as_str().unwrap() {
                "one" => Cardinality::One,
                _ => Cardinality::Reciprocal,
            },
        };
        let s = metrics::range_scores(labels, &flags, &params).unwrap();
        let what = format!("{params:?}");
        close(
            name,
            &format!("precision {what}"),
            s.precision,
            p["precision"].as_f64().unwrap(),
        );
        close(
            name,
            &format!("recall {what}"),
            s.recall,
            p["recall"].as_f64().unwrap(),
        );
    }

    if !c["nab"].is_null() {
        let profiles = [
            ("standard", NabProfile::Standard),
            ("reward_low_FP_rate", NabProfile::RewardLowFp),
            ("reward_low_FN_rate", NabProfile::RewardLowFn),
        ];
        for (key, profile) in profiles {
            let s = metrics::nab_score(labels, &flags, profile).unwrap();
            let want = &c["nab"][key];
            close(
                name,
                &format!("NAB {key} raw"),
                s.raw,
                want["raw"].as_f64().unwrap(),
            );
            close(
                name,
                &format!("NAB {key}"),
                s.normalized,
                want["normalized"].as_f64().unwrap(),
            );
        }
    }

    for (w, want) in c["range_auc"].as_object().unwrap() {
        let a = metrics::range_auc(labels, scores, w.parse().unwrap()).unwrap();
        close(
            name,
            &format!("range-AUC-ROC w={w}"),
            a.roc,
            want["roc"].as_f64().unwrap(),
        );
        close(
            name,
            &format!("range-AUC-PR w={w}"),
            a.pr,
            want["pr"].as_f64().unwrap(),
        );
    }
    for (w, want) in c["vus"].as_object().unwrap() {
        let a = metrics::vus(labels, scores, w.parse().unwrap()).unwrap();
        close(
            name,
            &format!("VUS-ROC w={w}"),
            a.roc,
            want["roc"].as_f64().unwrap(),
        );
        close(
            name,
            &format!("VUS-PR w={w}"),
            a.pr,
            want["pr"].as_f64().unwrap(),
        );
    }
    !c["nab"].is_null()
}

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/range_metrics.json")).unwrap()
}

#[test]
fn range_metrics_match_their_references() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let mut with_nab = 0;
    for c in cases {
        let nab = if c["name"] == "qoe_sessions" {
            let (labels, scores, _) = qoe_sessions();
            check_case(c, &labels, &scores)
        } else {
            let labels: Vec<bool> = c["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect();
            check_case(c, &labels, &floats(&c["scores"]))
        };
        with_nab += usize::from(nab);
    }
    assert_eq!(with_nab, 3, "cases with NAB scores");
}

#[test]
fn micro_and_macro_auc_match_scikit_learn_per_session() {
    let fixture = fixture();
    let c = &fixture["cases"][0];
    assert_eq!(c["name"], "qoe_sessions");
    let (labels, scores, groups) = qoe_sessions();
    let mut bounds = vec![0];
    bounds.extend((1..groups.len()).filter(|&i| groups[i] != groups[i - 1]));
    bounds.push(groups.len());
    let l: Vec<&[bool]> = bounds.windows(2).map(|b| &labels[b[0]..b[1]]).collect();
    let s: Vec<&[f64]> = bounds.windows(2).map(|b| &scores[b[0]..b[1]]).collect();
    assert_eq!(l.len(), 420, "sessions");
    let micro = metrics::micro_roc_auc(&l, &s).unwrap();
    close(
        "qoe_sessions",
        "micro AUC",
        micro,
        c["micro_auc"].as_f64().unwrap(),
    );
    let m = metrics::macro_roc_auc(&l, &s).unwrap();
    close(
        "qoe_sessions",
        "macro AUC",
        m.mean,
        c["macro_auc"].as_f64().unwrap(),
    );
    let want = c["macro_per_video"].as_array().unwrap();
    assert_eq!(m.per_video.len(), want.len());
    for (g, w) in m.per_video.iter().zip(want) {
        match (g, w.as_f64()) {
            (Some(g), Some(w)) => close("qoe_sessions", "per-session AUC", *g, w),
            (None, None) => {}
            other => panic!("per-session AUC {other:?}"),
        }
    }
}

/// Kim et al.'s point: random scores win under point adjustment on long
/// segments, and PA%K exposes them, with a tuned threshold or a fixed one.
#[test]
fn random_scores_win_point_adjustment_but_not_pa_k() {
    let fixture = fixture();
    let c = &fixture["cases"][1];
    assert_eq!(c["name"], "random_long_segments");
    let labels: Vec<bool> = c["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let random = floats(&c["scores"]);
    let flags: Vec<bool> = random.iter().map(|&r| r > 0.97).collect();
    let pa = metrics::pa_f1(&labels, &flags).unwrap();
    let fixed = metrics::pa_k_curve(&labels, &flags).unwrap();
    assert!(
        pa > 0.8 && fixed.area < 0.35,
        "PA F1 {pa}, PA%K area {}",
        fixed.area
    );
    let best = metrics::best_pa_k_curve(&labels, &random).unwrap();
    assert!(best.f1[0] > 0.9, "random point-adjusted F1 {}", best.f1[0]);
    // a detector that knows the segments only weakly still beats it on
    // the area, and random stays near the flag-everything F1
    let weak: Vec<f64> = random
        .iter()
        .zip(&labels)
        .map(|(r, &l)| r + if l { 0.5 } else { 0.0 })
        .collect();
    let weak = metrics::best_pa_k_curve(&labels, &weak).unwrap();
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let all_flagged = 2.0 * positives / (positives + labels.len() as f64);
    println!(
        "random: fixed PA F1 {pa:.3}, PA%K area {:.3}; tuned PA F1 {:.3}, area {:.3}; weak detector area {:.3}",
        fixed.area, best.f1[0], best.area, weak.area
    );
    assert!(
        best.area < 0.5 && best.area < weak.area - 0.2,
        "random area {} vs weak detector {}",
        best.area,
        weak.area
    );
    assert!(
        best.f1[100] < all_flagged + 0.05,
        "random F1 unadjusted {}",
        best.f1[100]
    );
}
