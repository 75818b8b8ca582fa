//! Resumable training on real frames (see `common`): a run interrupted
//! after some epochs and resumed from its checkpoint ends exactly as an
//! uninterrupted run; checkpoints of other runs and damaged ones are
//! refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::PathBuf;

use common::{fast_cpu, vtest};
use conv_autoencoder::{
    AeError, Architecture, AutoencoderParams, AutoencoderValidParams, Progress, TrainReport,
};
use oddframe::{ParamGuard, Persist};

/// The light network, `epochs` epochs, initial weights from `init`.
fn params(epochs: usize, init: u64) -> AutoencoderParams {
    AutoencoderParams::new(Architecture::light())
        .backend(fast_cpu())
        .init_seed(init)
        .epochs(epochs)
        .batch_size(8)
        .validation_split(0.25)
        .patience(None)
        .seed(2)
}

fn config(epochs: usize) -> AutoencoderValidParams {
    params(epochs, 1).check().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oddframe-ckpt-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("train.ckpt")
}

/// Losses per epoch and the best epoch (timings differ between runs).
fn outcome(r: &TrainReport) -> (Vec<(usize, f64, Option<f64>)>, usize) {
    let epochs = r
        .epochs
        .iter()
        .map(|e| (e.epoch, e.train_loss, e.validation_loss))
        .collect();
    (epochs, r.best_epoch)
}

#[test]
fn resumed_training_ends_as_an_uninterrupted_run() {
    let frames = &vtest()[..40];
    let (whole, expected) = config(4).fit_with(frames, |_| {}).unwrap();

    let path = scratch("resume");
    config(2)
        .fit_with_checkpoint(frames, &path, |_| {})
        .unwrap();
    assert!(path.exists());
    // other initial weights: the checkpoint's weights replace them
    let mut epochs_run = Vec::new();
    let (resumed, report) = params(4, 77)
        .check()
        .unwrap()
        .fit_with_checkpoint(frames, &path, |p| {
            if let Progress::Epoch(e) = p {
                epochs_run.push(e.epoch)
            }
        })
        .unwrap();
    assert_eq!(epochs_run, vec![3, 4]);
    assert_eq!(outcome(&report), outcome(&expected));
    assert_eq!(
        resumed.score_frames(frames).unwrap(),
        whole.score_frames(frames).unwrap()
    );

    // a finished run resumes to the same model without training
    let mut batches = 0;
    let (again, report) = params(4, 5)
        .check()
        .unwrap()
        .fit_with_checkpoint(frames, &path, |_| batches += 1)
        .unwrap();
    assert_eq!(batches, 0);
    assert_eq!(outcome(&report), outcome(&expected));
    assert_eq!(
        again.score_frames(frames).unwrap(),
        whole.score_frames(frames).unwrap()
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn checkpoints_of_other_runs_and_damaged_ones_are_refused() {
    let frames = &vtest()[..40];
    let path = scratch("refuse");
    config(2)
        .fit_with_checkpoint(frames, &path, |_| {})
        .unwrap();
    let good = std::fs::read(&path).unwrap();
    let invalid = |frames: &[oddframe::Frame], cfg: &AutoencoderValidParams, what: &str| match cfg
        .fit_with_checkpoint(frames, &path, |_| {})
    {
        Err(AeError::InvalidModel(msg)) => eprintln!("{what}: {msg}"),
        other => panic!("{what}: expected InvalidModel, got {:?}", other.map(|_| ())),
    };
    invalid(&vtest()[1..41], &config(4), "other frames");
    invalid(
        frames,
        &params(4, 1).learning_rate(0.01).check().unwrap(),
        "other learning rate",
    );
    let stream = params(4, 1)
        .architecture(Architecture::stream())
        .check()
        .unwrap();
    match stream.fit_with_checkpoint(frames, &path, |_| {}) {
        Err(AeError::InvalidModel(_)) => {}
        other => panic!("other architecture: {:?}", other.map(|_| ())),
    }
    match config(1).fit_with_checkpoint(frames, &path, |_| {}) {
        Err(AeError::InvalidConfig(msg)) => assert!(msg.contains("2 epochs"), "{msg}"),
        other => panic!("fewer epochs than done: {:?}", other.map(|_| ())),
    }
    let header_len = u32::from_le_bytes(good[8..12].try_into().unwrap()) as usize;
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() - 5].to_vec()),
        ("flipped bit", {
            let mut v = good.clone();
            v[12 + header_len + 1000] ^= 0x10;
            v
        }),
        (
            "a model file",
            config(1).fit(&frames[..8]).unwrap().to_json().unwrap(),
        ),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&path, bytes).unwrap();
        invalid(frames, &config(4), what);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
