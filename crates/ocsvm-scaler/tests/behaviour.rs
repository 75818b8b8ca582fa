#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! Errors, parameters and guarantees other than parity: bad input, the
//! iteration cap, cache-size independence, f32, the scaler's options.

mod common;

use ndarray::{array, Array2, Axis};
use ocsvm_scaler::{Gamma, Kernel, OcsvmError, OcsvmParams, StandardScaler};
use oddframe::{Detector, Error, ParamGuard};

/// A one-class SVM with default settings and `nu`.
fn fit_nu(x: &Array2<f64>, nu: f64) -> ocsvm_scaler::OneClassSvm<f64> {
    OcsvmParams::new()
        .nu(nu)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap()
}

fn is_param(e: &OcsvmError, field: &str) -> bool {
    matches!(e, OcsvmError::Core(Error::InvalidParameter { name, .. }) if *name == field)
}

#[test]
fn every_bad_parameter_is_an_error_naming_it() {
    let cases: Vec<(OcsvmParams, &str)> = vec![
        (OcsvmParams::new().nu(0.0), "nu"),
        (OcsvmParams::new().nu(1.0 + 1e-12), "nu"),
        (OcsvmParams::new().nu(f64::NAN), "nu"),
        (OcsvmParams::new().nu(-0.5), "nu"),
        (OcsvmParams::new().tol(0.0), "tol"),
        (OcsvmParams::new().tol(f64::INFINITY), "tol"),
        (OcsvmParams::new().gamma(Gamma::Value(0.0)), "gamma"),
        (OcsvmParams::new().gamma(Gamma::Value(-1.0)), "gamma"),
        (OcsvmParams::new().gamma(Gamma::Value(f64::NAN)), "gamma"),
        (
            OcsvmParams::new().gamma(Gamma::Value(f64::INFINITY)),
            "gamma",
        ),
        (OcsvmParams::new().max_iter(0), "max_iter"),
        (
            OcsvmParams::new().kernel(Kernel::Poly {
                degree: 0,
                coef0: 0.0,
            }),
            "degree",
        ),
        (
            OcsvmParams::new().kernel(Kernel::Poly {
                degree: 3,
                coef0: f64::NAN,
            }),
            "coef0",
        ),
        (
            OcsvmParams::new().kernel(Kernel::Sigmoid {
                coef0: f64::NEG_INFINITY,
            }),
            "coef0",
        ),
    ];
    for (p, field) in cases {
        let e = p.check().unwrap_err();
        assert!(is_param(&e, field), "{field}: {e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    assert!(OcsvmParams::new().nu(1.0).check().is_ok());
}

#[test]
fn bad_training_data_is_an_error() {
    let p = OcsvmParams::new().check().unwrap();
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        p.fit(empty.view()),
        Err(OcsvmError::Core(Error::Empty { .. }))
    ));
    let no_cols = Array2::<f64>::zeros((5, 0));
    assert!(p.fit(no_cols.view()).is_err());
    let nan = array![[1.0, 2.0], [f64::NAN, 0.0]];
    assert!(matches!(
        p.fit(nan.view()),
        Err(OcsvmError::Core(Error::NonFinite { row: 1, col: 0 }))
    ));
    let inf = array![[1.0, f64::INFINITY]];
    assert!(matches!(
        p.fit(inf.view()),
        Err(OcsvmError::Core(Error::NonFinite { row: 0, col: 1 }))
    ));
    // values whose variance overflows make gamma = "scale" meaningless
    let huge = array![[1e300, -1e300], [-1e300, 1e300]];
    assert!(is_param(&p.fit(huge.view()).unwrap_err(), "gamma"));
}

#[test]
fn bad_scoring_input_is_an_error() {
    let (train, _) = common::qoe();
    let svm = fit_nu(&train, 0.1);
    let wrong = Array2::<f64>::zeros((3, 5));
    assert!(matches!(
        svm.decision_function(wrong.view()),
        Err(OcsvmError::Core(Error::DimensionMismatch {
            expected: 6,
            found: 5,
            ..
        }))
    ));
    let mut bad = train.select(Axis(0), &[0, 1, 2]);
    bad[[2, 4]] = f64::NAN;
    assert!(matches!(
        svm.decision_function(bad.view()),
        Err(OcsvmError::Core(Error::NonFinite { row: 2, col: 4 }))
    ));
    assert!(svm.score(bad.view()).is_err());
    assert!(svm.predict(wrong.view()).is_err());
    // no rows: no scores, no error
    assert_eq!(
        svm.decision_function(Array2::zeros((0, 6)).view())
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn iteration_cap_is_an_error_unless_allowed() {
    let (train, _) = common::qoe();
    let e = OcsvmParams::new()
        .nu(0.1)
        .max_iter(10)
        .check()
        .unwrap()
        .fit(train.view())
        .unwrap_err();
    match e {
        OcsvmError::NotConverged {
            iterations, gap, ..
        } => {
            assert_eq!(iterations, 10);
            assert!(gap > 1e-3);
        }
        other => panic!("{other}"),
    }
    let m = OcsvmParams::new()
        .nu(0.1)
        .max_iter(10)
        .allow_unconverged(true)
        .check()
        .unwrap()
        .fit(train.view())
        .unwrap();
    assert!(!m.fit_info().converged);
    assert_eq!(m.fit_info().iterations, 10);
}

#[test]
fn solution_does_not_depend_on_the_cache_size() {
    // the smallest cache holds two columns: much more recomputation, the
    // same numbers
    let (train, test) = common::qoe();
    let z = StandardScaler::fit(train.view()).unwrap();
    let (ztr, zte) = (
        z.transform(train.view()).unwrap(),
        z.transform(test.view()).unwrap(),
    );
    let fit = |bytes: usize| {
        OcsvmParams::new()
            .nu(0.1)
            .cache_bytes(bytes)
            .check()
            .unwrap()
            .fit(ztr.view())
            .unwrap()
    };
    let (big, tiny) = (fit(1 << 30), fit(0));
    assert!(tiny.fit_info().kernel_columns > 2 * big.fit_info().kernel_columns);
    assert_eq!(big.support(), tiny.support());
    assert_eq!(big.dual_coef(), tiny.dual_coef());
    assert_eq!(big.rho(), tiny.rho());
    assert_eq!(
        big.decision_function(zte.view()).unwrap(),
        tiny.decision_function(zte.view()).unwrap()
    );
}

#[test]
fn shrinking_changes_the_path_not_the_answer() {
    let (train, _) = common::qoe();
    let z = StandardScaler::fit(train.view())
        .unwrap()
        .transform(train.view())
        .unwrap();
    let fit = |on: bool| {
        OcsvmParams::new()
            .nu(0.1)
            .shrinking(on)
            .check()
            .unwrap()
            .fit(z.view())
            .unwrap()
    };
    let (a, b) = (fit(true), fit(false));
    assert!(a.fit_info().converged && b.fit_info().converged);
    // both stop within the tolerance 1e-3 of the optimum
    assert!(
        (a.rho() - b.rho()).abs() <= 2e-3,
        "{} vs {}",
        a.rho(),
        b.rho()
    );
    assert!(
        (a.fit_info().objective - b.fit_info().objective).abs() <= 1e-3 * a.fit_info().objective
    );
}

#[test]
fn f32_models_agree_with_f64() {
    let (train, test) = common::qoe();
    let sc = StandardScaler::fit(train.view()).unwrap();
    let (ztr, zte) = (
        sc.transform(train.view()).unwrap(),
        sc.transform(test.view()).unwrap(),
    );
    let p = OcsvmParams::new().nu(0.1).check().unwrap();
    let m64 = p.fit(ztr.view()).unwrap();
    let m32 = p.fit(ztr.mapv(|v| v as f32).view()).unwrap();
    assert!((m32.rho() - m64.rho()).abs() <= 1e-3 * m64.rho());
    let (d64, d32) = (
        m64.decision_function(zte.view()).unwrap(),
        m32.decision_function(zte.mapv(|v| v as f32).view())
            .unwrap(),
    );
    let worst = d64
        .iter()
        .zip(d32.iter())
        .map(|(a, b)| (a - f64::from(*b)).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1e-2 * m64.rho(), "worst {worst}");
    // the scaler takes f32 and accumulates in f64
    let s32 = StandardScaler::fit(train.mapv(|v| v as f32).view()).unwrap();
    assert!((s32.mean()[0] - sc.mean()[0]).abs() <= 1e-5 * sc.mean()[0].abs());
}

#[test]
fn detector_score_is_minus_decision_and_predict_its_sign() {
    let (train, test) = common::qoe();
    let svm = OcsvmParams::new()
        .nu(0.2)
        .gamma(Gamma::Auto)
        .check()
        .unwrap()
        .fit(train.view())
        .unwrap();
    let d = svm.decision_function(test.view()).unwrap();
    assert_eq!(svm.score(test.view()).unwrap(), d.mapv(|v| -v));
    let s = svm.score_samples(test.view()).unwrap();
    for (a, b) in s.iter().zip(&d) {
        assert!((a - b - svm.rho()).abs() <= 1e-9 * svm.rho());
    }
    let p = svm.predict(test.view()).unwrap();
    for (pi, di) in p.iter().zip(&d) {
        assert_eq!(*pi, if *di > 0.0 { 1 } else { -1 });
    }
    assert_eq!(svm.gamma(), 1.0 / 6.0);
    // nu bounds the fraction of training points outside from above and the
    // fraction of support vectors from below
    let dt = svm.decision_function(train.view()).unwrap();
    let outside = dt.iter().filter(|&&v| v < -1e-3).count() as f64 / dt.len() as f64;
    let sv = svm.support().len() as f64 / train.nrows() as f64;
    assert!(outside <= 0.2 + 0.01 && sv >= 0.2 - 0.01, "{outside} {sv}");
}

#[test]
fn scaler_options_and_errors() {
    let x: Array2<f64> = array![[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0]];
    let s = StandardScaler::fit(x.view()).unwrap();
    assert_eq!(s.scale()[2], 1.0); // constant feature
    assert_eq!(s.var()[0], 8.0 / 3.0); // population variance
    let z = s.transform(x.view()).unwrap();
    assert_eq!(z.column(2).to_vec(), vec![0.0; 3]);
    let back = s.inverse_transform(z.view()).unwrap();
    for (a, b) in back.iter().zip(x.iter()) {
        assert!((a - b).abs() <= 1e-12 * b.abs());
    }
    // options
    let only_mean = StandardScaler::params()
        .with_std(false)
        .fit(x.view())
        .unwrap();
    assert_eq!(only_mean.transform(x.view()).unwrap()[[0, 0]], -2.0);
    let only_std = StandardScaler::params()
        .with_mean(false)
        .fit(x.view())
        .unwrap();
    assert_eq!(
        only_std.transform(x.view()).unwrap()[[0, 1]],
        10.0 / (200.0f64 / 3.0).sqrt()
    );
    // errors
    assert!(StandardScaler::fit(Array2::<f64>::zeros((0, 2)).view()).is_err());
    assert!(matches!(
        s.transform(array![[1.0, 2.0]].view()),
        Err(OcsvmError::Core(Error::DimensionMismatch {
            expected: 3,
            found: 2,
            ..
        }))
    ));
    assert!(matches!(
        s.transform(array![[1.0, f64::NAN, 0.0]].view()),
        Err(OcsvmError::Core(Error::NonFinite { row: 0, col: 1 }))
    ));
    assert!(s
        .transform(array![[1.0, f64::INFINITY, 0.0]].view())
        .is_err());
    // a failed partial_fit leaves the scaler unchanged
    let mut t = s.clone();
    assert!(t.partial_fit(array![[1.0, f64::NAN, 0.0]].view()).is_err());
    assert!(t.partial_fit(array![[1.0, 0.0]].view()).is_err());
    assert_eq!(t, s);
}

#[test]
fn scaler_nan_policy() {
    let x = array![[1.0, f64::NAN], [3.0, 4.0], [f64::NAN, 8.0]];
    assert!(StandardScaler::fit(x.view()).is_err());
    let s = StandardScaler::params()
        .allow_nan(true)
        .fit(x.view())
        .unwrap();
    assert_eq!(s.mean().to_vec(), vec![2.0, 6.0]);
    assert_eq!(s.var().to_vec(), vec![1.0, 4.0]);
    assert_eq!(s.n_samples_seen().to_vec(), vec![2, 2]);
    let z = s.transform(array![[f64::NAN, 6.0]].view()).unwrap();
    assert!(z[[0, 0]].is_nan() && z[[0, 1]] == 0.0);
    assert!(s.transform(array![[f64::INFINITY, 6.0]].view()).is_err());
    // a feature with no value at all is an error
    let all_nan = array![[1.0, f64::NAN], [2.0, f64::NAN]];
    assert!(StandardScaler::params()
        .allow_nan(true)
        .fit(all_nan.view())
        .is_err());
}

#[test]
fn partial_fit_equals_fit_on_the_concatenation() {
    let (train, _) = common::qoe();
    let whole = StandardScaler::fit(train.view()).unwrap();
    let mut parts =
        StandardScaler::fit(train.slice_axis(Axis(0), (0..1000).into()).view()).unwrap();
    parts
        .partial_fit(train.slice_axis(Axis(0), (1000..1001).into()).view())
        .unwrap();
    parts
        .partial_fit(
            train
                .slice_axis(Axis(0), (1001..train.nrows()).into())
                .view(),
        )
        .unwrap();
    assert_eq!(parts.n_samples_seen(), whole.n_samples_seen());
    for j in 0..6 {
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        assert!(rel(parts.mean()[j], whole.mean()[j]) <= 1e-12);
        assert!(rel(parts.var()[j], whole.var()[j]) <= 1e-12);
    }
}

#[test]
fn overflowing_kernels_are_errors_or_far_points() {
    let (train, _) = common::qoe();
    let svm = fit_nu(&train, 0.1);
    // squared norms overflow: the point is far from everything
    let far = Array2::from_elem((1, 6), 1e200);
    let d = svm.decision_function(far.view()).unwrap();
    assert_eq!(d[0], -svm.rho());
    // a linear kernel on such data overflows to inf - inf
    let lin = OcsvmParams::new()
        .kernel(Kernel::Linear)
        .check()
        .unwrap()
        .fit(array![[1.0f64, -1.0], [-1.0, 1.0], [0.5, 0.5]].view())
        .unwrap();
    let mixed: Array2<f64> = array![[1e308, -1e308]];
    let r = lin.decision_function(mixed.view());
    assert!(r.is_err() || r.unwrap()[0].is_infinite());
    // training data whose kernel overflows
    let big = array![[1e154, 1e154], [-1e154, 1e154], [1e154, -1e154]];
    let e = OcsvmParams::new()
        .kernel(Kernel::Poly {
            degree: 8,
            coef0: 1.0,
        })
        .gamma(Gamma::Value(1.0))
        .check()
        .unwrap()
        .fit(big.view());
    assert!(matches!(e, Err(OcsvmError::Numerical(_))), "{e:?}");
}
