//! Untrusted stream-state files (a FISVDD stream and a monitor of them):
//! restoring returns a stream or an error, never a panic, and a restored
//! stream processes a sample of its width and rejects one of another.
#![no_main]

use fisvdd::Fisvdd;
use libfuzzer_sys::fuzz_target;
use oddframe::streaming::{Monitor, StreamingDetector};
use oddframe::Persist;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut s) = StreamingDetector::<[f64], Fisvdd<f64>>::from_json(data) {
        let d = s.model().n_features();
        let _ = s.process(&vec![0.25; d][..]);
        assert!(s.process(&vec![0.25; d + 1][..]).is_err());
        let _ = s.to_json();
    }
    if let Ok(mut m) = Monitor::<[f64], Fisvdd<f64>>::from_json(data) {
        let sources: Vec<String> = m.sources().iter().map(|s| s.to_string()).collect();
        for name in sources {
            let d = m.source(&name).map_or(1, |s| s.model().n_features());
            let _ = m.process(&name, &vec![0.5; d][..]);
        }
    }
});
