//! Untrusted model files: loading returns a model or an error, never panics,
//! and a loaded model scores its own support vectors near 0.
#![no_main]

use fisvdd::Fisvdd;
use libfuzzer_sys::fuzz_target;
use oddframe::{Detector, Persist};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Fisvdd::<f64>::from_json(data) {
        let q = m
            .score(m.support_vectors())
            .expect("own support vectors are valid input");
        assert!(q.iter().all(|v| v.abs() <= 1e-4 * m.boundary()));
    }
});
