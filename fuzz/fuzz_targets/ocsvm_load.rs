//! Loading scalers, one-class SVMs and pipelines (including the scaler + SVM
//! files of 0.1) from arbitrary bytes: an error or a model that scores,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use ocsvm_scaler::{OneClassSvm, StandardScaler};
use oddframe::{Detector, Persist, Registry};

fuzz_target!(|data: &[u8]| {
    let registry = ocsvm_scaler::register(Registry::<f64>::new());
    if let Ok(p) = registry.pipeline_from_json(data) {
        let x = Array2::from_elem((2, p.n_features()), 0.5);
        let _ = p.score(x.view());
    }
    if let Ok(m) = OneClassSvm::<f32>::from_json(data) {
        let x = Array2::from_elem((2, m.n_features()), 0.5f32);
        let _ = m.score(x.view());
    }
    if let Ok(s) = StandardScaler::from_json(data) {
        let x = Array2::from_elem((2, s.n_features()), 1.0);
        let z = s
            .transform(x.view())
            .expect("finite input of the right width");
        let _ = s.inverse_transform(z.view());
    }
});
