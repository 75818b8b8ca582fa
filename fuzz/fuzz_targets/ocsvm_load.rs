//! Loading scalers, one-class SVMs and pipelines from arbitrary bytes: an
//! error or a model that scores, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use ocsvm_scaler::{OneClassSvm, ScaledOcsvm, StandardScaler};
use oddframe::Detector;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = ScaledOcsvm::<f64>::load_json(data) {
        let x = Array2::from_elem((2, m.n_features()), 0.5);
        let _ = m.decision_function(x.view());
    }
    if let Ok(m) = OneClassSvm::<f32>::load_json(data) {
        let x = Array2::from_elem((2, m.n_features()), 0.5f32);
        let _ = m.score(x.view());
    }
    if let Ok(s) = StandardScaler::load_json(data) {
        let x = Array2::from_elem((2, s.n_features()), 1.0);
        let z = s
            .transform(x.view())
            .expect("finite input of the right width");
        let _ = s.inverse_transform(z.view());
    }
});
