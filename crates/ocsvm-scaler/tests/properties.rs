#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! Invariants on arbitrary data: the scaler round trip, and the optimality
//! (KKT) conditions of the one-class dual at the solver's solution.

use ndarray::Array2;
use ocsvm_scaler::{Gamma, OcsvmParams, StandardScaler};
use oddframe::ParamGuard;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn matrix(max_rows: usize, max_cols: usize) -> impl Strategy<Value = Array2<f64>> {
    (1..=max_rows, 1..=max_cols).prop_flat_map(|(n, d)| {
        proptest::collection::vec(-1e3..1e3f64, n * d)
            .prop_map(move |v| Array2::from_shape_vec((n, d), v).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/properties.proptest-regressions"),
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn scaler_round_trip(x in matrix(40, 6)) {
        let s = StandardScaler::fit(x.view()).unwrap();
        let z = s.transform(x.view()).unwrap();
        let back = s.inverse_transform(z.view()).unwrap();
        for (a, b) in back.iter().zip(x.iter()) {
            prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{a} vs {b}");
        }
        // standardised columns have mean 0 and variance 1 (or are constant)
        let z_s = StandardScaler::fit(z.view()).unwrap();
        for j in 0..x.ncols() {
            prop_assert!(z_s.mean()[j].abs() <= 1e-9);
            let v = z_s.var()[j];
            prop_assert!((v - 1.0).abs() <= 1e-9 || v <= 1e-9, "var {v}");
        }
    }

    #[test]
    fn solution_satisfies_kkt_within_tolerance(
        x in matrix(40, 4),
        nu in 0.02..=1.0f64,
        gamma in prop_oneof![Just(None), (0.01..10.0f64).prop_map(Some)],
    ) {
        let tol = 1e-3;
        let gamma = gamma.map_or(Gamma::Scale, Gamma::Value);
        let svm = OcsvmParams::new().nu(nu).gamma(gamma).tol(tol).check().unwrap()
            .fit(x.view()).unwrap();
        prop_assert!(svm.fit_info().converged);
        prop_assert!(svm.fit_info().gap < tol);
        let l = x.nrows() as f64;
        // feasibility: 0 < a <= 1 on the support vectors, sum a = nu l
        let total: f64 = svm.dual_coef().sum();
        prop_assert!((total - nu * l).abs() <= 1e-9 * l, "sum {total} vs {}", nu * l);
        prop_assert!(svm.dual_coef().iter().all(|&a| a > 0.0 && a <= 1.0));
        // G_i = sum_j a_j K(x_j, x_i): free multipliers on the boundary,
        // zero ones inside or on it, ones at the bound outside or on it
        let g = svm.score_samples(x.view()).unwrap();
        let rho = svm.rho();
        let slack = tol + 1e-6 * total;
        let mut a = vec![0.0; x.nrows()];
        for (&i, &ai) in svm.support().iter().zip(svm.dual_coef().iter()) {
            a[i] = ai;
        }
        for i in 0..x.nrows() {
            let off = g[i] - rho;
            if a[i] == 0.0 {
                prop_assert!(off >= -slack, "a = 0, G - rho = {off}");
            } else if a[i] >= 1.0 {
                prop_assert!(off <= slack, "a = 1, G - rho = {off}");
            } else {
                prop_assert!(off.abs() <= slack, "free a = {}, G - rho = {off}", a[i]);
            }
        }
    }

    #[test]
    fn any_finite_input_fits_and_nan_is_an_error(x in matrix(12, 3), nu in 0.05..=1.0f64) {
        let p = OcsvmParams::new().nu(nu).check().unwrap();
        prop_assert!(p.fit(x.view()).is_ok());
        let mut bad = x.clone();
        bad[[0, 0]] = f64::NAN;
        prop_assert!(p.fit(bad.view()).is_err());
    }
}
