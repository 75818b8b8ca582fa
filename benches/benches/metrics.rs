//! Evaluation metrics on 100,000 scores with ties; the range metrics on
//! 100,000 scores with 100 labelled stretches of 20 to 119 samples.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // bundled data and valid parameters

use criterion::{criterion_group, criterion_main, Criterion};
use oddframe::metrics;

fn bench(c: &mut Criterion) {
    // a deterministic mix: scores rounded to 3 decimals so ties occur
    let n = 100_000;
    let scores: Vec<f64> = (0..n)
        .map(|i| ((i as f64 * 0.618_033_988_75).fract() * 1000.0).round() / 1000.0)
        .collect();
    let labels: Vec<bool> = (0..n).map(|i| (i * 7919) % 10 < 3).collect();
    c.bench_function("roc_auc_100k", |b| {
        b.iter(|| metrics::roc_auc(std::hint::black_box(&labels), std::hint::black_box(&scores)))
    });
    c.bench_function("average_precision_100k", |b| {
        b.iter(|| metrics::average_precision(&labels, &scores))
    });
    range_metrics(c, &scores);
}

fn range_metrics(c: &mut Criterion, noise: &[f64]) {
    let n = noise.len();
    let mut labels = vec![false; n];
    for k in 0..100 {
        let start = k * 1000 + 300;
        labels[start..start + 20 + k].fill(true);
    }
    let scores: Vec<f64> = noise
        .iter()
        .zip(&labels)
        .map(|(s, &l)| s + if l { 0.4 } else { 0.0 })
        .collect();
    let flags: Vec<bool> = scores.iter().map(|&s| s > 0.95).collect();
    c.bench_function("vus_window16_100k", |b| {
        b.iter(|| metrics::vus(&labels, std::hint::black_box(&scores), 16))
    });
    c.bench_function("range_auc_window16_100k", |b| {
        b.iter(|| metrics::range_auc(&labels, std::hint::black_box(&scores), 16))
    });
    c.bench_function("best_pa_k_curve_100k", |b| {
        b.iter(|| metrics::best_pa_k_curve(&labels, std::hint::black_box(&scores)))
    });
    c.bench_function("pa_k_curve_100k", |b| {
        b.iter(|| metrics::pa_k_curve(&labels, std::hint::black_box(&flags)))
    });
    c.bench_function("range_scores_100k", |b| {
        let p = metrics::RangeParams::default();
        b.iter(|| metrics::range_scores(&labels, std::hint::black_box(&flags), &p))
    });
    c.bench_function("nab_standard_100k", |b| {
        let p = metrics::NabProfile::Standard;
        b.iter(|| metrics::nab_score(&labels, std::hint::black_box(&flags), p))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
