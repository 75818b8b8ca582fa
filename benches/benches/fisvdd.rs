//! FISVDD on real QoE windows (d = 6): batched scoring and learning.
//!
//! `sigma 2.081761` gives the original system's model (49 support vectors);
//! `sigma 0.4835` the default rule's (about 860).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // bundled data and valid parameters

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use fisvdd::FisvddParams;
use ndarray::Array2;
use ocsvm_scaler::StandardScaler;
use oddframe::{Detector, ParamGuard};
use video_features::qoe::{CsvTable, QoeTransform, FEATURE_NAMES};

fn windows() -> Array2<f64> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/qoe/live_nflx_ii_train.csv"
    );
    let raw = CsvTable::from_path(path)
        .and_then(|t| t.matrix(&FEATURE_NAMES))
        .expect("bundled QoE windows");
    let x = QoeTransform::live_nflx().apply(raw.view()).expect("finite");
    StandardScaler::fit(x.view())
        .and_then(|s| s.transform(x.view()))
        .expect("finite")
}

fn bench(c: &mut Criterion) {
    let x = windows();
    let n = x.nrows() as u64;
    for (name, sigma) in [("49sv", 2.081761), ("860sv", 0.4835)] {
        let params = FisvddParams::new().sigma(sigma).check().expect("valid");
        let model = params.fit(x.view()).expect("fits");
        let mut g = c.benchmark_group(format!("fisvdd_{name}"));
        g.throughput(Throughput::Elements(n));
        g.bench_function("score_batch", |b| {
            b.iter(|| model.score(std::hint::black_box(x.view())))
        });
        g.sample_size(10);
        g.bench_function("learn_all", |b| {
            b.iter_batched(
                || params.clone(),
                |p| p.fit(std::hint::black_box(x.view())),
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
    let mut g = c.benchmark_group("fisvdd_default_rule");
    g.sample_size(10);
    g.bench_function("fit_with_bandwidth_search", |b| {
        let p = FisvddParams::new().check().expect("valid");
        b.iter(|| p.fit(std::hint::black_box(x.view())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
