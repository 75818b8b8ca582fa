//! The same model on every backend compiled in: ndarray always, flex with
//! the `flex` feature, wgpu with the `wgpu` feature (in CI on Mesa's lavapipe
//! CPU Vulkan driver, which `scripts/check.sh` installs; never skipped there).
//!
//! Tolerance: backends sum convolutions in different orders in `f32`, so
//! scores agree to a relative 1e-4 (measured differences are near 1e-6).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{fast_cpu, vtest};
use conv_autoencoder::{Architecture, AutoencoderParams, Backend, FrameAutoencoder};
use oddframe::{ParamGuard, Persist};

const REL: f64 = 1e-4;

fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Ndarray];
    if cfg!(feature = "flex") {
        v.push(Backend::Flex);
    }
    if cfg!(feature = "wgpu") {
        v.push(Backend::Wgpu);
    }
    v
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= REL * x.abs().max(y.abs()),
            "{what}: frame {i}: {x} vs {y}"
        );
    }
}

#[test]
fn features_compile_in_their_backends() {
    assert_eq!(Backend::Flex.device().is_ok(), cfg!(feature = "flex"));
    if !cfg!(feature = "wgpu") {
        assert!(Backend::Wgpu.device().is_err());
    }
}

#[test]
fn the_default_backend_is_the_fastest_cpu_backend_compiled_in() {
    let want = if cfg!(feature = "flex") {
        Backend::Flex
    } else {
        Backend::Ndarray
    };
    assert_eq!(Backend::default(), want);
    assert_eq!("cpu".parse::<Backend>().unwrap(), want);
    assert_eq!("gpu".parse::<Backend>().unwrap(), Backend::Wgpu);
    assert!("tpu".parse::<Backend>().is_err());
}

#[test]
fn a_model_trained_on_one_backend_scores_the_same_on_the_others() {
    let frames = &vtest()[..48];
    let model = AutoencoderParams::new(Architecture::light())
        .backend(fast_cpu())
        .init_seed(4)
        .epochs(3)
        .batch_size(16)
        .validation_split(0.0)
        .patience(None)
        .check()
        .unwrap()
        .fit(frames)
        .unwrap();
    let expected = model.score_frames(&frames[..16]).unwrap();
    let bytes = model.to_json().unwrap();
    for b in backends() {
        let loaded = FrameAutoencoder::from_json(&bytes)
            .unwrap()
            .to_backend(b)
            .unwrap();
        assert_eq!(loaded.backend(), b);
        assert_close(
            &expected,
            &loaded.score_frames(&frames[..16]).unwrap(),
            b.name(),
        );
        let moved = model.clone().to_backend(b).unwrap();
        assert_close(
            &expected,
            &moved.score_frames(&frames[..16]).unwrap(),
            b.name(),
        );
    }
}

#[cfg(feature = "wgpu")]
#[test]
fn training_on_the_gpu_backend_reduces_the_loss() {
    let frames = &vtest()[..32];
    let params = AutoencoderParams::new(Architecture::stream())
        .backend(Backend::Wgpu)
        .init_seed(2)
        .epochs(4)
        .batch_size(8)
        .learning_rate(3e-3)
        .validation_split(0.0)
        .patience(None)
        .check()
        .unwrap();
    let (_, report) = params.fit_with(frames, |_| {}).unwrap();
    let first = report.epochs[0].train_loss;
    let last = report.epochs[3].train_loss;
    assert!(last < 0.8 * first, "{first} -> {last}");
}
