//! Saving and loading: round trips score identically, a committed schema-1
//! file keeps loading, and every corruption of a valid file is an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
#![cfg(feature = "serde")]

mod common;

use ndarray::Axis;
use ocsvm_scaler::{OcsvmParams, OneClassSvm, StandardScaler};
use oddframe::{Detector, Error, Fit, ParamGuard, Persist, Pipeline, PipelineParams, Registry};
use serde_json::{json, Value};

/// A standard scaler, then a one-class SVM, fitted on 600 QoE windows.
fn pipeline() -> Pipeline<f64> {
    let (train, _) = common::qoe();
    let sub = train.select(Axis(0), &(0..600).collect::<Vec<_>>());
    PipelineParams::new(OcsvmParams::new().nu(0.1).check().unwrap())
        .fit_step(StandardScaler::params())
        .fit(sub.view())
        .unwrap()
}

fn scaler_of(p: &Pipeline<f64>) -> &StandardScaler {
    p.step_as::<StandardScaler>(0).unwrap()
}

fn svm_of(p: &Pipeline<f64>) -> &OneClassSvm<f64> {
    p.detector_as::<OneClassSvm<f64>>().unwrap()
}

fn to_value(p: &Pipeline<f64>) -> Value {
    serde_json::from_slice(&p.to_json().unwrap()).unwrap()
}

fn load(v: &Value) -> Result<Pipeline<f64>, Error> {
    let registry = ocsvm_scaler::register(Registry::new());
    registry.pipeline_from_json(&serde_json::to_vec(v).unwrap())
}

#[test]
fn round_trips_score_identically() {
    let (_, test) = common::qoe();
    let p = pipeline();
    let back = load(&to_value(&p)).unwrap();
    assert_eq!(
        p.score(test.view()).unwrap(),
        back.score(test.view()).unwrap()
    );
    assert_eq!(svm_of(&back).support(), svm_of(&p).support());
    assert_eq!(svm_of(&back).fit_info(), svm_of(&p).fit_info());

    // the parts alone, through files
    let dir = std::env::temp_dir().join(format!("ocsvm-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    scaler_of(&p).save(dir.join("scaler.json")).unwrap();
    svm_of(&p).save(dir.join("svm.json")).unwrap();
    let scaler = StandardScaler::load(dir.join("scaler.json")).unwrap();
    assert_eq!(&scaler, scaler_of(&p));
    let svm: OneClassSvm<f64> = OneClassSvm::load(dir.join("svm.json")).unwrap();
    let z = scaler.transform(test.view()).unwrap();
    assert_eq!(
        svm.decision_function(z.view()).unwrap(),
        svm_of(&p).decision_function(z.view()).unwrap()
    );
    // a file of one kind is not a file of another
    assert!(matches!(
        OneClassSvm::<f64>::load(dir.join("scaler.json")),
        Err(Error::InvalidFile { .. })
    ));
    assert!(matches!(
        StandardScaler::load(dir.join("missing.json")),
        Err(Error::Io(_))
    ));
    // an f64 model loads as f32 and scores within f32 rounding
    let svm32: OneClassSvm<f32> = OneClassSvm::load(dir.join("svm.json")).unwrap();
    let d32 = svm32
        .decision_function(z.mapv(|v| v as f32).view())
        .unwrap();
    let d64 = svm.decision_function(z.view()).unwrap();
    for (a, b) in d32.iter().zip(&d64) {
        assert!((f64::from(*a) - b).abs() <= 1e-3 * svm.rho());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// For each row `x` of `z`, a bound on `sum_i a_i |K(sv_i, x)|`: the scale
/// of the rounding error of a decision value computed in `f32`.
fn kernel_sum_bound(m: &OneClassSvm<f64>, z: &ndarray::Array2<f64>) -> Vec<f64> {
    let norm = |r: ndarray::ArrayView1<'_, f64>| r.dot(&r).sqrt();
    let (g, sv, a) = (m.gamma(), m.support_vectors(), m.dual_coef());
    z.rows()
        .into_iter()
        .map(|x| {
            let nx = norm(x);
            sv.rows()
                .into_iter()
                .zip(a)
                .map(|(s, ai)| {
                    let prod = g * norm(s) * nx;
                    ai * match m.kernel() {
                        ocsvm_scaler::Kernel::Linear => norm(s) * nx,
                        ocsvm_scaler::Kernel::Poly { degree, coef0 } => {
                            (prod + coef0.abs()).powi(i32::try_from(degree).unwrap())
                        }
                        _ => 1.0, // RBF and sigmoid values lie in [-1, 1]
                    }
                })
                .sum()
        })
        .collect()
}

#[test]
fn every_kernel_and_element_type_round_trips() {
    // kernel values far from 1 (polynomial) and models fitted in f32 pass
    // the optimality check on load with the slack their precision needs
    let (train, test) = common::qoe();
    let sc = StandardScaler::fit(train.view()).unwrap();
    let (z, zt) = (
        sc.transform(train.view()).unwrap(),
        sc.transform(test.view()).unwrap(),
    );
    for kernel in [
        ocsvm_scaler::Kernel::Rbf,
        ocsvm_scaler::Kernel::Linear,
        ocsvm_scaler::Kernel::Poly {
            degree: 3,
            coef0: 1.0,
        },
        ocsvm_scaler::Kernel::Sigmoid { coef0: -1.0 },
    ] {
        let p = OcsvmParams::new().nu(0.1).kernel(kernel).check().unwrap();
        let m64 = p.fit(z.view()).unwrap();
        let bytes = m64.to_json().unwrap();
        let back = OneClassSvm::<f64>::from_json(&bytes).unwrap();
        assert_eq!(
            back.decision_function(zt.view()).unwrap(),
            m64.decision_function(zt.view()).unwrap(),
            "{kernel:?}"
        );
        // an f64 model loads as f32 and scores within f32 rounding
        let back32 = OneClassSvm::<f32>::from_json(&bytes).unwrap();
        let d32 = back32
            .decision_function(zt.mapv(|v| v as f32).view())
            .unwrap();
        let d64 = m64.decision_function(zt.view()).unwrap();
        let mag = kernel_sum_bound(&m64, &zt);
        for ((a, b), m) in d32.iter().zip(&d64).zip(&mag) {
            assert!(
                (f64::from(*a) - b).abs() <= 1e-4 * m,
                "{kernel:?}: {a} vs {b}"
            );
        }

        let m32 = p.fit(z.mapv(|v| v as f32).view()).unwrap();
        let bytes = m32.to_json().unwrap();
        let back = OneClassSvm::<f32>::from_json(&bytes).unwrap();
        let zt32 = zt.mapv(|v| v as f32);
        assert_eq!(
            back.decision_function(zt32.view()).unwrap(),
            m32.decision_function(zt32.view()).unwrap(),
            "{kernel:?} f32"
        );
        // an f32 model loads as f64 and scores as the f32 model within its rounding
        let back64 = OneClassSvm::<f64>::from_json(&bytes).unwrap();
        let d64 = back64.decision_function(zt.view()).unwrap();
        let d32 = m32.decision_function(zt32.view()).unwrap();
        let mag = kernel_sum_bound(&back64, &zt);
        for ((a, b), m) in d32.iter().zip(&d64).zip(&mag) {
            assert!(
                (f64::from(*a) - b).abs() <= 1e-4 * m,
                "{kernel:?} f32 as f64: {a} vs {b}"
            );
        }
    }
}

#[test]
fn schema_1_file_still_loads_and_scores_as_recorded() {
    // written by this crate's first release (0.1.0); `expected_decision` holds its
    // decision values for the first 5 test windows at the time
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pipeline_schema1.json");
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    // it loads as a pipeline: the scaler a step, the SVM the detector
    let model = load(&v["model_file"]).unwrap();
    assert_eq!(model.n_steps(), 1);
    let (_, test) = common::qoe();
    let head = test.select(Axis(0), &[0, 1, 2, 3, 4]);
    let d = -model.score(head.view()).unwrap();
    // equal up to the rounding of the matrix-multiply kernel the processor
    // selects at run time
    for (got, want) in d.iter().zip(v["expected_decision"].as_array().unwrap()) {
        let want = want.as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * svm_of(&model).rho(),
            "{got} vs {want}"
        );
    }
}

/// Applies `edit` to a copy of the valid document.
fn corrupt(base: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = base.clone();
    edit(&mut v);
    v
}

#[test]
fn every_corruption_is_an_error() {
    let base = to_value(&pipeline());
    assert!(load(&base).is_ok());
    let cases: Vec<(&str, Value)> = vec![
        (
            "format",
            corrupt(&base, |v| v["format"] = json!("oddframe.fisvdd")),
        ),
        ("schema 0", corrupt(&base, |v| v["schema"] = json!(0))),
        ("schema 2", corrupt(&base, |v| v["schema"] = json!(2))),
        (
            "n_features 0",
            corrupt(&base, |v| v["n_features"] = json!(0)),
        ),
        (
            "n_features 5",
            corrupt(&base, |v| v["n_features"] = json!(5)),
        ),
        (
            "scaler n_features 5",
            corrupt(&base, |v| v["model"]["steps"][0]["n_features"] = json!(5)),
        ),
        (
            "svm n_features 5",
            corrupt(&base, |v| v["model"]["detector"]["n_features"] = json!(5)),
        ),
        (
            "scaler as detector",
            corrupt(&base, |v| {
                v["model"]["detector"] = v["model"]["steps"][0].clone()
            }),
        ),
        (
            "svm schema 2",
            corrupt(&base, |v| v["model"]["detector"]["schema"] = json!(2)),
        ),
        (
            "threshold not a threshold",
            corrupt(&base, |v| {
                v["model"]["threshold"] = v["model"]["detector"].clone()
            }),
        ),
        (
            "unknown field",
            corrupt(&base, |v| v["model"]["extra"] = json!(1)),
        ),
        (
            "missing detector",
            corrupt(&base, |v| {
                v["model"].as_object_mut().unwrap().remove("detector");
            }),
        ),
        (
            "mean null",
            corrupt(&base, |v| {
                v["model"]["steps"][0]["model"]["mean"][0] = Value::Null
            }),
        ),
        (
            "mean short",
            corrupt(&base, |v| {
                v["model"]["steps"][0]["model"]["mean"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "var negative",
            corrupt(&base, |v| {
                v["model"]["steps"][0]["model"]["var"][1] = json!(-1.0)
            }),
        ),
        (
            "scale inconsistent",
            corrupt(&base, |v| {
                v["model"]["steps"][0]["model"]["scale"][2] = json!(3.0)
            }),
        ),
        (
            "n seen 0",
            corrupt(&base, |v| {
                v["model"]["steps"][0]["model"]["n_samples_seen"][0] = json!(0)
            }),
        ),
        (
            "gamma 0",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["gamma"] = json!(0.0)
            }),
        ),
        (
            "gamma string",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["gamma"] = json!("scale")
            }),
        ),
        (
            "kernel unknown",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["kernel"] = json!("Cubic")
            }),
        ),
        (
            "poly degree 0",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["kernel"] =
                    json!({"Poly": {"degree": 0, "coef0": 0.0}})
            }),
        ),
        (
            "rho tampered",
            corrupt(&base, |v| {
                let r = v["model"]["detector"]["model"]["rho"].as_f64().unwrap();
                v["model"]["detector"]["model"]["rho"] = json!(r * 1.01);
            }),
        ),
        (
            "rho null",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["rho"] = Value::Null
            }),
        ),
        (
            "coef above 1",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["dual_coef"][0] = json!(1.5)
            }),
        ),
        (
            "coef 0",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["dual_coef"][0] = json!(0.0)
            }),
        ),
        (
            "coef tampered",
            corrupt(&base, |v| {
                let a = v["model"]["detector"]["model"]["dual_coef"]
                    .as_array_mut()
                    .unwrap();
                let i = a.iter().position(|x| x.as_f64().unwrap() < 0.9).unwrap();
                a[i] = json!(a[i].as_f64().unwrap() * 0.5);
            }),
        ),
        (
            "coef missing",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["dual_coef"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "sv moved",
            corrupt(&base, |v| {
                let x = v["model"]["detector"]["model"]["support_vectors"][3][0]
                    .as_f64()
                    .unwrap();
                v["model"]["detector"]["model"]["support_vectors"][3][0] = json!(x + 1.0);
            }),
        ),
        (
            "sv short",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["support_vectors"][0]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "no svs",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["support_vectors"] = json!([]);
                v["model"]["detector"]["model"]["dual_coef"] = json!([]);
                v["model"]["detector"]["model"]["support"] = json!([]);
            }),
        ),
        (
            "support count",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["support"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "gap negative",
            corrupt(&base, |v| {
                v["model"]["detector"]["model"]["fit_info"]["gap"] = json!(-1.0)
            }),
        ),
        ("not an object", json!([1, 2, 3])),
    ];
    for (what, v) in cases {
        match load(&v) {
            Err(Error::InvalidFile { reason, .. }) => assert!(!reason.is_empty()),
            // a part of a format the registry does not know
            Err(Error::NotPersistable { .. }) => {}
            other => panic!("{what}: expected an invalid file, got {other:?}"),
        }
    }
    // bytes that are not JSON, or cut short
    let bytes = serde_json::to_vec(&base).unwrap();
    let registry = ocsvm_scaler::register(Registry::<f64>::new());
    for cut in [0, 1, bytes.len() / 3, bytes.len() - 1] {
        assert!(
            registry.pipeline_from_json(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    assert!(registry.pipeline_from_json(b"\xff\xfe garbage").is_err());
}
