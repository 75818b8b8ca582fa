//! Errors on bad input, the budget, and regressions found by fuzzing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use fisvdd::{Bandwidth, FisvddError, FisvddParams};
use ndarray::{array, Array2};
use oddframe::{Detector, Error, IncrementalDetector, ParamGuard};

/// 300 points spread evenly over a cube (the R3 low-discrepancy sequence;
/// synthetic on purpose: the budget test needs a set that would otherwise
/// keep many support vectors).
fn cloud() -> Array2<f64> {
    let a = [0.819_172_513_4, 0.671_043_606_7, 0.549_700_477_9];
    Array2::from_shape_fn((300, 3), |(i, j)| {
        ((0.5 + i as f64 * a[j]).fract() - 0.5) * 4.0
    })
}

#[test]
fn bad_training_data_is_an_error_naming_the_problem() {
    let p = FisvddParams::new().sigma(1.0).check().unwrap();
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        p.fit(empty.view()),
        Err(FisvddError::Core(Error::Empty { .. }))
    ));
    let no_features = Array2::<f64>::zeros((5, 0));
    assert!(matches!(
        p.fit(no_features.view()),
        Err(FisvddError::Core(Error::Empty { .. }))
    ));
    let nan = array![[1.0, 2.0], [3.0, f64::NAN]];
    match p.fit(nan.view()) {
        Err(FisvddError::Core(Error::NonFinite { row: 1, col: 1 })) => {}
        other => panic!("expected NonFinite at (1, 1), got {other:?}"),
    }
    let same = Array2::<f64>::ones((10, 2));
    let median = FisvddParams::new()
        .bandwidth(Bandwidth::MedianHeuristic)
        .check()
        .unwrap();
    assert!(median.fit(same.view()).is_err());
}

#[test]
fn bad_scoring_input_is_an_error() {
    let mut m = FisvddParams::new()
        .sigma(1.0)
        .check()
        .unwrap()
        .fit(cloud().view())
        .unwrap();
    let e = m.score(array![[1.0, 2.0]].view()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::DimensionMismatch {
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(m.score(array![[1.0, f64::INFINITY, 0.0]].view()).is_err());
    assert!(m.update(array![f64::NAN, 0.0, 0.0].view()).is_err());
    assert!(m.update(array![0.0, 0.0].view()).is_err());
}

#[test]
fn the_budget_caps_the_support_set() {
    let x = cloud();
    let free = FisvddParams::new()
        .sigma(0.5)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert!(
        free.n_sv() > 40,
        "{} support vectors without a budget",
        free.n_sv()
    );
    let capped = FisvddParams::new()
        .sigma(0.5)
        .budget(Some(40))
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert!(capped.n_sv() <= 40);
    assert!(capped.weights().iter().all(|&a| a > 0.0));
    assert!((capped.weights().sum() - 1.0).abs() < 1e-9);
}

#[test]
fn the_support_fraction_rule_reaches_its_target() {
    let x = cloud();
    for target in [0.1, 0.3] {
        let m = FisvddParams::new()
            .bandwidth(Bandwidth::SupportFraction(target))
            .check()
            .unwrap()
            .fit(x.view())
            .unwrap();
        let frac = m.n_sv() as f64 / x.nrows() as f64;
        assert!(
            frac >= target * 0.9 && frac <= target * 1.3,
            "target {target}: {frac}"
        );
    }
}

#[test]
fn an_unreachable_fraction_falls_back_to_the_largest_seen() {
    // two far-apart clusters of identical points: duplicates are never
    // learned, so at most 2 of 40 samples can be support vectors
    let mut x = Array2::<f64>::zeros((40, 2));
    x.slice_axis_mut(ndarray::Axis(0), ndarray::Slice::from(20..))
        .fill(5.0);
    let m = FisvddParams::new()
        .bandwidth(Bandwidth::SupportFraction(0.5))
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    assert_eq!(m.n_sv(), 2, "sigma {}", m.sigma());
}

#[test]
fn f32_models_agree_with_f64_models() {
    let params = FisvddParams::new().sigma(1.0).check().unwrap();
    let m64 = params.fit(cloud().view()).unwrap();
    let m32 = params.fit(cloud().mapv(|v| v as f32).view()).unwrap();
    // the same support vectors, and scores within single-precision rounding
    assert_eq!(m32.n_sv(), m64.n_sv());
    let probe = array![
        [0.0, 0.0, 0.0],
        [0.5, -0.3, 0.2],
        [2.0, 1.0, -1.0],
        [40.0, 40.0, 40.0]
    ];
    let s64 = m64.score(probe.view()).unwrap();
    let s32 = m32.score(probe.mapv(|v| v as f32).view()).unwrap();
    for (a, b) in s32.iter().zip(&s64) {
        assert!(
            (f64::from(*a) - b).abs() <= 1e-4 * m64.boundary(),
            "{a} vs {b}"
        );
    }
    assert!(s32[0] < s32[3]);
}

#[test]
fn fuzz_regression_budget_removing_the_new_point() {
    // fuzz/regressions/fisvdd_fit/crash-018b08ed: three nearly equal points,
    // a budget of 2 and the support-fraction rule once panicked when the
    // budget removed the point just added
    let x: Array2<f64> = array![
        [-3.9878465200793474e-16],
        [-4.215038677060352e-16],
        [-3.9880804340082987e-16]
    ];
    let p = FisvddParams::new()
        .bandwidth(Bandwidth::SupportFraction(0.9725490196078431))
        .budget(Some(2))
        .passes(3)
        .check()
        .unwrap();
    if let Ok(m) = p.fit(x.view()) {
        assert!(m.n_sv() <= 2);
        assert!((m.weights().sum() - 1.0).abs() < 1e-9);
    }
}

#[test]
fn fuzz_regression_subnormal_scale_data() {
    // fuzz/regressions/fisvdd_fit/crash-19f867ca: values near 1e-307 and
    // 1e-16 give a bandwidth near 1e-16
    let x: Array2<f64> = array![
        [1.922504034141659e-307, -3.988093780908144e-16],
        [-4.024558464240912e-16, -1.084202339656762e-19],
        [6.98030006159044e-307, 0.0]
    ];
    let p = FisvddParams::new()
        .bandwidth(Bandwidth::SupportFraction(0.7725490196078432))
        .budget(Some(5))
        .passes(3)
        .check()
        .unwrap();
    if let Ok(m) = p.fit(x.view()) {
        assert!(
            m.weights().iter().all(|&a| a > 0.0),
            "{:?} sigma {}",
            m.weights(),
            m.sigma()
        );
        assert!((m.weights().sum() - 1.0).abs() < 1e-9);
    }
}
