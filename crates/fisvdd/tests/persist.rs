//! Saving and loading: round trips, the committed schema-1 file, and a
//! corpus of corrupt and foreign files that must all be errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
#![cfg(feature = "serde")]

use fisvdd::{Fisvdd, FisvddParams};
use ndarray::Array2;
use oddframe::{Detector, Error, ParamGuard, Persist};
use serde_json::{json, Value};

const SCHEMA1: &str = include_str!("fixtures/model_schema1.json");

fn schema1() -> Value {
    serde_json::from_str(SCHEMA1).unwrap()
}

fn load(v: &Value) -> Result<Fisvdd, Error> {
    Fisvdd::<f64>::load_json(v.to_string().as_bytes())
}

#[test]
fn the_schema_1_file_loads_and_its_support_vectors_lie_on_the_boundary() {
    let m = Fisvdd::<f64>::load_json(SCHEMA1.as_bytes()).unwrap();
    assert_eq!(m.n_features(), 6);
    assert_eq!(
        m.n_sv(),
        schema1()["model"]["support_vectors"]
            .as_array()
            .unwrap()
            .len()
    );
    let q = m.score(m.support_vectors()).unwrap();
    assert!(q.iter().all(|v| v.abs() < 1e-8 * m.boundary()), "{q:?}");
    // saving again writes the same model
    let mut out = Vec::new();
    m.save_json(&mut out).unwrap();
    let again: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(again["model"], schema1()["model"]);
}

#[test]
fn f32_models_round_trip_exactly() {
    let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 3.0);
    let m = FisvddParams::new()
        .sigma(1.0)
        .check()
        .unwrap()
        .fit(x.view())
        .unwrap();
    let dir = std::env::temp_dir().join(format!("fisvdd-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.json");
    m.save(&path).unwrap();
    let back = Fisvdd::<f32>::load(&path).unwrap();
    assert_eq!(m.score(x.view()).unwrap(), back.score(x.view()).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A change to a valid model file.
type Mutation = Box<dyn Fn(&mut Value)>;

/// Each entry: a description and a mutation of the valid schema-1 file.
fn corruptions() -> Vec<(&'static str, Mutation)> {
    vec![
        (
            "foreign format",
            Box::new(|v| v["format"] = json!("oddframe.ocsvm")),
        ),
        ("future schema", Box::new(|v| v["schema"] = json!(99))),
        ("schema 0", Box::new(|v| v["schema"] = json!(0))),
        (
            "no model",
            Box::new(|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("model")
                    .map(|_| ())
                    .unwrap()
            }),
        ),
        (
            "unknown field",
            Box::new(|v| v["model"]["extra"] = json!(1)),
        ),
        ("zero features", Box::new(|v| v["n_features"] = json!(0))),
        (
            "wrong feature count",
            Box::new(|v| v["n_features"] = json!(5)),
        ),
        (
            "short support vector",
            Box::new(|v| {
                v["model"]["support_vectors"][0]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "no support vectors",
            Box::new(|v| {
                v["model"]["support_vectors"] = json!([]);
                v["model"]["weights"] = json!([]);
            }),
        ),
        (
            "non-numeric feature",
            Box::new(|v| v["model"]["support_vectors"][0][0] = json!("NaN")),
        ),
        (
            "missing weight",
            Box::new(|v| {
                v["model"]["weights"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "negative weight",
            Box::new(|v| {
                let w = v["model"]["weights"][0].as_f64().unwrap();
                v["model"]["weights"][0] = json!(-w);
            }),
        ),
        (
            "weights not summing to one",
            Box::new(|v| {
                let w = v["model"]["weights"][0].as_f64().unwrap();
                v["model"]["weights"][0] = json!(w * 1.5);
            }),
        ),
        (
            "swapped weights",
            Box::new(|v| {
                let w = v["model"]["weights"].as_array_mut().unwrap();
                let (a, b) = (w[0].clone(), w[1].clone());
                if a == b {
                    w[0] = json!(a.as_f64().unwrap() * 0.9);
                    w[1] = json!(b.as_f64().unwrap() * 1.1);
                } else {
                    w[0] = b;
                    w[1] = a;
                }
            }),
        ),
        (
            "moved support vector",
            Box::new(|v| {
                let s = v["model"]["support_vectors"][0][1].as_f64().unwrap();
                v["model"]["support_vectors"][0][1] = json!(s + 0.5);
            }),
        ),
        (
            "tampered boundary",
            Box::new(|v| {
                let l = v["model"]["boundary"].as_f64().unwrap();
                v["model"]["boundary"] = json!(l * 1.01);
            }),
        ),
        (
            "boundary above one",
            Box::new(|v| v["model"]["boundary"] = json!(1.5)),
        ),
        ("zero sigma", Box::new(|v| v["model"]["sigma"] = json!(0.0))),
        (
            "other sigma",
            Box::new(|v| v["model"]["sigma"] = json!(3.0)),
        ),
        (
            "bad parameter",
            Box::new(|v| v["model"]["params"]["passes"] = json!(0)),
        ),
        (
            "duplicated support vectors",
            Box::new(|v| {
                let s = v["model"]["support_vectors"][0].clone();
                v["model"]["support_vectors"][1] = s;
            }),
        ),
    ]
}

#[test]
fn corrupt_and_foreign_files_are_errors() {
    for (what, mutate) in corruptions() {
        let mut v = schema1();
        mutate(&mut v);
        match load(&v) {
            Err(Error::InvalidFile { format, reason }) => {
                // the envelope itself, or the FISVDD body inside it
                assert!(
                    ["oddframe", "oddframe.fisvdd"].contains(&format.as_str()),
                    "{what}: {format}"
                );
                assert!(!reason.is_empty(), "{what}");
            }
            other => panic!("{what}: expected InvalidFile, got {other:?}"),
        }
    }
}

#[test]
fn truncated_and_non_json_bytes_are_errors() {
    for cut in [0, 1, 10, SCHEMA1.len() / 2, SCHEMA1.len() - 1] {
        assert!(
            Fisvdd::<f64>::load_json(&SCHEMA1.as_bytes()[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    assert!(Fisvdd::<f64>::load_json(&b"\x89PNG\r\n\x1a\n"[..]).is_err());
    assert!(Fisvdd::<f64>::load_json(&b"[1, 2, 3]"[..]).is_err());
    // a number that overflows f64
    let sv = schema1()["model"]["support_vectors"][0][0].to_string();
    let text = SCHEMA1.replacen(&sv, "1e400", 1);
    assert!(Fisvdd::<f64>::load_json(text.as_bytes()).is_err());
    assert!(matches!(
        Fisvdd::<f64>::load("/nonexistent/model.json"),
        Err(Error::Io(_))
    ));
}
