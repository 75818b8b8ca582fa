#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
#![cfg(feature = "serde")]

//! Saving and loading: round trips score identically, a committed schema-1
//! file keeps loading, and every corruption of a valid file is an error.

mod common;

use ndarray::Axis;
use ocsvm_scaler::{OcsvmError, OcsvmParams, OneClassSvm, ScaledOcsvm, StandardScaler};
use oddframe::ParamGuard;
use serde_json::{json, Value};

fn pipeline() -> ScaledOcsvm<f64> {
    let (train, _) = common::qoe();
    let sub = train.select(Axis(0), &(0..600).collect::<Vec<_>>());
    ScaledOcsvm::fit(
        StandardScaler::params(),
        &OcsvmParams::new().nu(0.1).check().unwrap(),
        sub.view(),
    )
    .unwrap()
}

fn to_value(p: &ScaledOcsvm<f64>) -> Value {
    let mut bytes = Vec::new();
    p.save_json(&mut bytes).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn load(v: &Value) -> Result<ScaledOcsvm<f64>, OcsvmError> {
    ScaledOcsvm::load_json(serde_json::to_vec(v).unwrap().as_slice())
}

#[test]
fn round_trips_score_identically() {
    let (_, test) = common::qoe();
    let p = pipeline();
    let back = load(&to_value(&p)).unwrap();
    assert_eq!(
        p.decision_function(test.view()).unwrap(),
        back.decision_function(test.view()).unwrap()
    );
    assert_eq!(back.svm().support(), p.svm().support());
    assert_eq!(back.svm().fit_info(), p.svm().fit_info());

    // the parts alone, through files
    let dir = std::env::temp_dir().join(format!("ocsvm-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    p.scaler().save(dir.join("scaler.json")).unwrap();
    p.svm().save(dir.join("svm.json")).unwrap();
    let scaler = StandardScaler::load(dir.join("scaler.json")).unwrap();
    assert_eq!(&scaler, p.scaler());
    let svm: OneClassSvm<f64> = OneClassSvm::load(dir.join("svm.json")).unwrap();
    let z = scaler.transform(test.view()).unwrap();
    assert_eq!(
        svm.decision_function(z.view()).unwrap(),
        p.svm().decision_function(z.view()).unwrap()
    );
    // a file of one kind is not a file of another
    assert!(matches!(
        OneClassSvm::<f64>::load(dir.join("scaler.json")),
        Err(OcsvmError::InvalidModel(_))
    ));
    assert!(matches!(
        StandardScaler::load(dir.join("missing.json")),
        Err(OcsvmError::Io(_))
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
        let mut bytes = Vec::new();
        m64.save_json(&mut bytes).unwrap();
        let back = OneClassSvm::<f64>::load_json(bytes.as_slice()).unwrap();
        assert_eq!(
            back.decision_function(zt.view()).unwrap(),
            m64.decision_function(zt.view()).unwrap(),
            "{kernel:?}"
        );
        assert!(
            OneClassSvm::<f32>::load_json(bytes.as_slice()).is_ok(),
            "{kernel:?}"
        );

        let m32 = p.fit(z.mapv(|v| v as f32).view()).unwrap();
        let mut bytes = Vec::new();
        m32.save_json(&mut bytes).unwrap();
        assert!(
            OneClassSvm::<f32>::load_json(bytes.as_slice()).is_ok(),
            "{kernel:?} f32"
        );
        assert!(
            OneClassSvm::<f64>::load_json(bytes.as_slice()).is_ok(),
            "{kernel:?} f32 as f64"
        );
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
    let model = load(&v["model_file"]).unwrap();
    let (_, test) = common::qoe();
    let head = test.select(Axis(0), &[0, 1, 2, 3, 4]);
    let d = model.decision_function(head.view()).unwrap();
    // equal up to the rounding of the matrix-multiply kernel the processor
    // selects at run time
    for (got, want) in d.iter().zip(v["expected_decision"].as_array().unwrap()) {
        let want = want.as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * model.svm().rho(),
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
            "unknown field",
            corrupt(&base, |v| v["model"]["extra"] = json!(1)),
        ),
        (
            "missing svm",
            corrupt(&base, |v| {
                v["model"].as_object_mut().unwrap().remove("svm");
            }),
        ),
        (
            "mean null",
            corrupt(&base, |v| v["model"]["scaler"]["mean"][0] = Value::Null),
        ),
        (
            "mean short",
            corrupt(&base, |v| {
                v["model"]["scaler"]["mean"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "var negative",
            corrupt(&base, |v| v["model"]["scaler"]["var"][1] = json!(-1.0)),
        ),
        (
            "scale inconsistent",
            corrupt(&base, |v| v["model"]["scaler"]["scale"][2] = json!(3.0)),
        ),
        (
            "n seen 0",
            corrupt(&base, |v| {
                v["model"]["scaler"]["n_samples_seen"][0] = json!(0)
            }),
        ),
        (
            "gamma 0",
            corrupt(&base, |v| v["model"]["svm"]["gamma"] = json!(0.0)),
        ),
        (
            "gamma string",
            corrupt(&base, |v| v["model"]["svm"]["gamma"] = json!("scale")),
        ),
        (
            "kernel unknown",
            corrupt(&base, |v| v["model"]["svm"]["kernel"] = json!("Cubic")),
        ),
        (
            "poly degree 0",
            corrupt(&base, |v| {
                v["model"]["svm"]["kernel"] = json!({"Poly": {"degree": 0, "coef0": 0.0}})
            }),
        ),
        (
            "rho tampered",
            corrupt(&base, |v| {
                let r = v["model"]["svm"]["rho"].as_f64().unwrap();
                v["model"]["svm"]["rho"] = json!(r * 1.01);
            }),
        ),
        (
            "rho null",
            corrupt(&base, |v| v["model"]["svm"]["rho"] = Value::Null),
        ),
        (
            "coef above 1",
            corrupt(&base, |v| v["model"]["svm"]["dual_coef"][0] = json!(1.5)),
        ),
        (
            "coef 0",
            corrupt(&base, |v| v["model"]["svm"]["dual_coef"][0] = json!(0.0)),
        ),
        (
            "coef tampered",
            corrupt(&base, |v| {
                let a = v["model"]["svm"]["dual_coef"].as_array_mut().unwrap();
                let i = a.iter().position(|x| x.as_f64().unwrap() < 0.9).unwrap();
                a[i] = json!(a[i].as_f64().unwrap() * 0.5);
            }),
        ),
        (
            "coef missing",
            corrupt(&base, |v| {
                v["model"]["svm"]["dual_coef"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "sv moved",
            corrupt(&base, |v| {
                let x = v["model"]["svm"]["support_vectors"][3][0].as_f64().unwrap();
                v["model"]["svm"]["support_vectors"][3][0] = json!(x + 1.0);
            }),
        ),
        (
            "sv short",
            corrupt(&base, |v| {
                v["model"]["svm"]["support_vectors"][0]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "no svs",
            corrupt(&base, |v| {
                v["model"]["svm"]["support_vectors"] = json!([]);
                v["model"]["svm"]["dual_coef"] = json!([]);
                v["model"]["svm"]["support"] = json!([]);
            }),
        ),
        (
            "support count",
            corrupt(&base, |v| {
                v["model"]["svm"]["support"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "gap negative",
            corrupt(&base, |v| {
                v["model"]["svm"]["fit_info"]["gap"] = json!(-1.0)
            }),
        ),
        ("not an object", json!([1, 2, 3])),
    ];
    for (what, v) in cases {
        match load(&v) {
            Err(OcsvmError::InvalidModel(msg)) => assert!(!msg.is_empty()),
            other => panic!("{what}: expected InvalidModel, got {other:?}"),
        }
    }
    // bytes that are not JSON, or cut short
    let bytes = serde_json::to_vec(&base).unwrap();
    for cut in [0, 1, bytes.len() / 3, bytes.len() - 1] {
        assert!(
            ScaledOcsvm::<f64>::load_json(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    assert!(ScaledOcsvm::<f64>::load_json(&b"\xff\xfe garbage"[..]).is_err());
}
