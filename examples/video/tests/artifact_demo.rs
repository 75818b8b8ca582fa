//! `artifact_report`'s bundled demo does what its docs say: every detector
//! fires on the input made for it, and not on the clean inputs.
//!
//! The demo's distortions are synthetic on purpose (the truth must be
//! known); the pictures under them are the bundled photographs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "../artifact_demo.rs"]
#[allow(dead_code)]
mod demo;

use artifact_scorer::{Artifact, ArtifactScorer};
use oddframe::Scorer;

/// The report's "worth showing" cut: severities below it are not listed.
const FIRES: f64 = 0.15;

#[test]
fn every_detector_fires_on_its_own_distortion_and_none_on_clean_inputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/images");
    let scorer = ArtifactScorer::new();
    let expected = [
        ("JPEG quality 8", Artifact::Blocking),
        ("unsharp mask", Artifact::Ringing),
        ("Gaussian noise", Artifact::GaussianNoise),
        ("salt and pepper", Artifact::ImpulseNoise),
        ("defocus", Artifact::DefocusBlur),
        ("motion blur", Artifact::MotionBlur),
        ("quantised", Artifact::Banding),
        ("saturation", Artifact::Saturation),
        ("ghost", Artifact::Ghosting),
        ("held", Artifact::Judder),
    ];
    let mut fired = Vec::new();
    for input in demo::inputs(&dir).unwrap() {
        let r = scorer.score(&input.frames[..]).unwrap();
        let top = r.severities.top(1)[0];
        if input.name.ends_with("clean") {
            assert!(top.1 < FIRES, "{}: {top:?}", input.name);
            continue;
        }
        let (_, artifact) = expected
            .iter()
            .find(|(key, _)| input.name.contains(key))
            .unwrap_or_else(|| panic!("no expectation for {}", input.name));
        let own = r.severities.get(*artifact);
        assert!(own >= FIRES, "{}: {artifact:?} {own}", input.name);
        // its own artifact is the worst one found
        assert_eq!(top.0, *artifact, "{}: {top:?}", input.name);
        fired.push(*artifact);
    }
    assert_eq!(fired.len(), expected.len(), "{fired:?}");
}
