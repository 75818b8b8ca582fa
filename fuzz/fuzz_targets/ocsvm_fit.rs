//! The scaler and the one-class SVM's `fit` with arbitrary parameters and
//! data (NaN, infinities and huge values included): an error or a model that
//! satisfies the dual's constraints, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use ocsvm_scaler::{Gamma, Kernel, OcsvmParams, StandardScaler};
use oddframe::{Detector, ParamGuard};
use oddframe_fuzz::f64_at;

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let d = usize::from(data[0] % 5);
    let coef0 = f64::from(data[2]) / 64.0 - 2.0;
    let kernel = match data[1] % 4 {
        0 => Kernel::Rbf,
        1 => Kernel::Linear,
        2 => Kernel::Poly {
            degree: u32::from(data[1] >> 2),
            coef0,
        },
        _ => Kernel::Sigmoid { coef0 },
    };
    let gamma = match data[3] % 3 {
        0 => Gamma::Scale,
        1 => Gamma::Auto,
        _ => Gamma::Value(f64::from(data[3]) / 32.0 - 1.0),
    };
    let nu = f64::from(data[4]) / 200.0;
    // the cap is always set: a kernel that is not positive semi-definite
    // (sigmoid, odd polynomials with negative coef0) may cycle until it, and
    // the default cap (LIBSVM's, at least 10^7 iterations) is too slow for a
    // fuzzer; the capped path is what is exercised
    let mut params = OcsvmParams::new()
        .max_iter(20_000)
        .kernel(kernel)
        .gamma(gamma)
        .nu(nu)
        .shrinking(data[5] & 1 == 0)
        .cache_bytes(usize::from(data[5] >> 1) * 64);
    if data[5] & 0x80 != 0 {
        params = params
            .max_iter(u64::from(data[5] & 0x0f).max(1))
            .allow_unconverged(true);
    }
    let values: Vec<f64> = (0..(data.len() - 6) / 8)
        .map(|i| f64_at(&data[6..], i))
        .collect();
    let n = if d == 0 { 0 } else { values.len() / d };
    let x = Array2::from_shape_vec((n, d), values[..n * d].to_vec()).expect("shape");

    if let Ok(s) = StandardScaler::params()
        .allow_nan(data[5] & 2 != 0)
        .fit(x.view())
    {
        if let Ok(z) = s.transform(x.view()) {
            let _ = s.inverse_transform(z.view());
        }
    }
    let Ok(params) = params.check() else { return };
    if let Ok(m) = params.fit(x.view()) {
        let a = m.dual_coef();
        assert!(a.iter().all(|&v| v > 0.0 && v <= 1.0));
        assert!((a.sum() - nu * n as f64).abs() <= 1e-6 * (1.0 + n as f64));
        assert!(m.rho().is_finite());
        assert_eq!(m.support().len(), a.len());
        let _ = m.score(x.view());
    }
});
