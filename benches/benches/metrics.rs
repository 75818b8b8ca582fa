//! Evaluation metrics on 100,000 scores with ties.

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
