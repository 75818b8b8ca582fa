//! Untrusted pipeline files (every tabular part format, nested pipelines,
//! the 0.1 scaler + SVM format): loading returns a pipeline or an error,
//! never a panic, and a loaded pipeline scores rows of its declared width.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use oddframe::{Detector, Registry};

fuzz_target!(|data: &[u8]| {
    let registry = video_features::register(ocsvm_scaler::register(fisvdd::register(
        Registry::<f64>::new(),
    )));
    if let Ok(p) = registry.pipeline_from_json(data) {
        let x = Array2::from_elem((2, p.n_features()), 0.5);
        let scored = p.score(x.view());
        if let Ok(s) = scored {
            assert_eq!(s.len(), 2);
        }
        let _ = p.to_json();
    }
});
