//! `fit` with arbitrary parameters and data (NaN and infinities included):
//! an error or a model whose weights are a distribution, never a panic.
#![no_main]

use fisvdd::{Bandwidth, FisvddParams};
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use oddframe::{Detector, ParamGuard};
use oddframe_fuzz::f64_at;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let d = usize::from(data[0] % 5);
    let bandwidth = match data[1] % 3 {
        0 => Bandwidth::Fixed(f64_at(&data[2..], 0)),
        1 => Bandwidth::MedianHeuristic,
        _ => Bandwidth::SupportFraction(f64::from(data[2]) / 255.0),
    };
    let budget = (data[3] % 4 != 0).then_some(usize::from(data[3] % 12));
    let params = FisvddParams::new()
        .bandwidth(bandwidth)
        .budget(budget)
        .passes(usize::from(data[3] >> 6));
    let Ok(params) = params.check() else { return };
    let values: Vec<f64> = (0..(data.len() - 4) / 8)
        .map(|i| f64_at(&data[4..], i))
        .collect();
    let n = if d == 0 { 0 } else { values.len() / d };
    let x = Array2::from_shape_vec((n, d), values[..n * d].to_vec()).expect("shape");
    if let Ok(m) = params.fit(x.view()) {
        let w = m.weights();
        assert!(w.iter().all(|&a| a > 0.0));
        assert!((w.sum() - 1.0).abs() < 1e-6);
        let _ = m.score(x.view()).expect("training data is valid input");
    }
});
