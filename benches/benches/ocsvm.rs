//! One-class SVM fit and `decision_function` on N(0, 1) data, one thread,
//! at the shapes scikit-learn was timed on (`benches/python/sklearn_ocsvm_timing.py`):
//! nu 0.1, gamma "scale", decision on 10,000 rows. Plus the scaler.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::expect_used)] // valid parameters and finite data

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;
use ocsvm_scaler::{OcsvmParams, StandardScaler};
use oddframe::ParamGuard;

/// N(0, 1) samples: Box-Muller on a splitmix64 stream.
fn gaussian(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / 9_007_199_254_740_992.0
    };
    Array2::from_shape_simple_fn((n, d), || {
        let (u, v) = (1.0 - uniform(), uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    })
}

fn bench(c: &mut Criterion) {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let params = OcsvmParams::new().nu(0.1).check().expect("valid");
    for (n, d) in [(2000, 16), (10_000, 16), (2000, 512), (10_000, 512)] {
        let x = gaussian(n, d, 1);
        let test = gaussian(10_000, d, 2);
        let model = params.fit(x.view()).expect("fits");
        let mut g = c.benchmark_group(format!("ocsvm_{n}x{d}"));
        if n * d > 1_000_000 {
            g.sample_size(10).measurement_time(Duration::from_secs(15));
        }
        g.bench_function("fit", |b| {
            b.iter(|| params.fit(std::hint::black_box(x.view())))
        });
        g.throughput(Throughput::Elements(10_000));
        g.bench_function("decision_function_10k_1thread", |b| {
            b.iter(|| one.install(|| model.decision_function(std::hint::black_box(test.view()))))
        });
        g.bench_function("decision_function_10k_all_threads", |b| {
            b.iter(|| model.decision_function(std::hint::black_box(test.view())))
        });
        g.finish();
    }
    let x = gaussian(10_000, 512, 3);
    let scaler = StandardScaler::fit(x.view()).expect("finite");
    let mut g = c.benchmark_group("standard_scaler_10000x512");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("fit", |b| {
        b.iter(|| StandardScaler::fit(std::hint::black_box(x.view())))
    });
    g.bench_function("transform", |b| {
        b.iter(|| scaler.transform(std::hint::black_box(x.view())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
