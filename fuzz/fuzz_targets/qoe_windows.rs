//! Arbitrary telemetry streams into the QoE windower: windows or errors,
//! never a panic, and every emitted feature is finite and in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oddframe::FeatureExtractor;
use oddframe_fuzz::f64_at;
use video_features::qoe::{QoeSample, QoeWindower};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<16>() else {
        return;
    };
    let Ok(mut w) = QoeWindower::new(f64_at(head, 0), f64_at(head, 1)) else {
        return;
    };
    let mut emitted = 0usize;
    for chunk in rest.chunks_exact(33) {
        let s = QoeSample::new(
            f64_at(chunk, 0),
            f64_at(chunk, 1),
            f64_at(chunk, 2),
            f64_at(chunk, 3),
            chunk[32] & 1 == 1,
        );
        if let Ok(out) = w.push(&s) {
            for f in out {
                assert_eq!(f.len(), 6);
                assert!((0.0..=1.0).contains(&f[4]), "stall ratio {}", f[4]);
                assert!(f[5] >= 0.0);
                emitted += 1;
                if emitted > 10_000 {
                    return; // bounded work per input
                }
            }
        }
    }
});
