//! The batch-trained autoencoder on real frames (see `common`): training,
//! determinism, error maps, save and load, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{fast_cpu, vtest};
use conv_autoencoder::{
    AeError, Architecture, Backend, FrameAutoencoder, Normalization, Progress, TrainConfig,
};
use oddframe::image::GrayImage;
use oddframe::{Calibration, Detector, Frame};

fn quick(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 16,
        validation_split: 0.0,
        patience: None,
        ..TrainConfig::default()
    }
}

fn light() -> FrameAutoencoder {
    FrameAutoencoder::new(Architecture::light(), fast_cpu(), 1).unwrap()
}

#[test]
fn cctv_network_has_the_original_parameter_count() {
    let model = FrameAutoencoder::new(Architecture::cctv(), Backend::Cpu, 0).unwrap();
    assert_eq!(model.parameters(), 3_480_897);
}

#[test]
fn training_reduces_the_loss_on_real_frames() {
    let frames = &vtest()[..64];
    let mut model = light();
    let before: f64 = model.score_frames(frames).unwrap().iter().sum::<f64>() / 64.0;
    let mut batches = 0;
    let report = model
        .fit(frames, &quick(10), |p| {
            if let Progress::Batch { .. } = p {
                batches += 1
            }
        })
        .unwrap();
    assert_eq!(batches, 10 * 4);
    let after: f64 = model.score_frames(frames).unwrap().iter().sum::<f64>() / 64.0;
    let losses: Vec<f64> = report.epochs.iter().map(|e| e.train_loss).collect();
    eprintln!("losses {losses:?}, before {before}, after {after}");
    assert!(losses[9] < 0.5 * losses[0], "{losses:?}");
    assert!(after < 0.5 * before, "before {before}, after {after}");
}

#[test]
fn same_seed_same_model_and_early_stopping_keeps_the_best_epoch() {
    let frames = &vtest()[..40];
    let config = TrainConfig {
        epochs: 6,
        batch_size: 8,
        validation_split: 0.25,
        patience: Some(1),
        seed: 3,
        ..TrainConfig::default()
    };
    let mut a = light();
    let mut b = light();
    let ra = a.fit(frames, &config, |_| {}).unwrap();
    let rb = b.fit(frames, &config, |_| {}).unwrap();
    assert_eq!(ra.validation_frames, 10);
    assert_eq!(ra.train_frames, 30);
    let losses = |r: &conv_autoencoder::TrainReport| {
        r.epochs.iter().map(|e| e.train_loss).collect::<Vec<_>>()
    };
    assert_eq!(losses(&ra), losses(&rb));
    assert_eq!(
        a.score_frames(frames).unwrap(),
        b.score_frames(frames).unwrap()
    );
    let best = ra
        .epochs
        .iter()
        .min_by(|x, y| x.validation_loss.partial_cmp(&y.validation_loss).unwrap())
        .unwrap();
    assert_eq!(ra.best_epoch, best.epoch);
    if ra.stopped_early {
        assert_eq!(ra.epochs.len(), ra.best_epoch + 1);
    }
}

#[test]
fn error_maps_average_to_the_scores_and_locate_a_pasted_square() {
    let frames = vtest();
    let mut model = light();
    model.fit(&frames[..96], &quick(8), |_| {}).unwrap();
    let mut odd = frames[100].clone();
    if let oddframe::FrameBuffer::Luma(img) = odd.buffer() {
        let mut img: GrayImage = img.clone();
        for y in 40..56 {
            for x in 8..24 {
                img.put_pixel(x, y, [255].into());
            }
        }
        odd = Frame::luma(img, 0, Default::default());
    }
    let maps = model
        .error_maps(&[frames[100].clone(), odd.clone()])
        .unwrap();
    let scores = model.score_frames(&[frames[100].clone(), odd]).unwrap();
    for (m, s) in maps.iter().zip(&scores) {
        assert!((f64::from(m.mean().unwrap()) - s).abs() < 1e-4 * s.max(1e-6) + 1e-7);
    }
    assert!(scores[1] > 2.0 * scores[0], "{scores:?}");
    let mut inside = 0.0;
    for y in 40..56 {
        for x in 8..24 {
            inside += maps[1][[y, x]] / 256.0;
        }
    }
    let outside = maps[1].mean().unwrap();
    assert!(inside > 5.0 * outside, "inside {inside}, overall {outside}");
}

#[test]
fn save_load_round_trip_gives_the_same_scores() {
    let frames = &vtest()[..32];
    let mut model = light();
    model.fit(frames, &quick(1), |_| {}).unwrap();
    model
        .calibrate(Calibration::AnomalyRate(0.1), frames)
        .unwrap();
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    let loaded = FrameAutoencoder::from_reader(bytes.as_slice(), fast_cpu()).unwrap();
    assert_eq!(loaded.architecture(), model.architecture());
    assert_eq!(loaded.threshold(), model.threshold());
    assert_eq!(
        loaded.score_frames(frames).unwrap(),
        model.score_frames(frames).unwrap()
    );
    let dir = std::env::temp_dir().join(format!("cae-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.oddae");
    model.save(&path).unwrap();
    let again = FrameAutoencoder::load(&path, fast_cpu()).unwrap();
    assert_eq!(
        again.score_frames(frames).unwrap(),
        model.score_frames(frames).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_model_files_are_clear_errors() {
    let model = FrameAutoencoder::new(Architecture::stream(), Backend::Cpu, 5).unwrap();
    let mut good = Vec::new();
    model.to_writer(&mut good).unwrap();
    let header_len = u32::from_le_bytes(good[8..12].try_into().unwrap()) as usize;
    let data_start = 12 + header_len;
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("magic", [b"NOTMODEL".as_slice(), &good[8..]].concat()),
        ("truncated header", good[..20].to_vec()),
        ("truncated data", good[..good.len() - 3].to_vec()),
        ("trailing data", [good.as_slice(), &[0]].concat()),
        ("huge header", {
            let mut v = good.clone();
            v[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
            v
        }),
    ];
    let mut flipped = good.clone();
    flipped[data_start + 100] ^= 0x40;
    cases.push(("flipped weight bit", flipped));
    let mut nan = good.clone();
    nan[data_start..data_start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    cases.push(("NaN weight", nan));
    let json = std::str::from_utf8(&good[12..data_start]).unwrap();
    for (what, from, to) in [
        (
            "format",
            "oddframe.conv-autoencoder",
            "oddframe.something-else",
        ),
        ("schema", "\"schema\":1", "\"schema\":9"),
        ("latent", "\"latent\":64", "\"latent\":65"),
        ("kernel", "\"kernel\":3", "\"kernel\":4"),
    ] {
        let edited = json.replacen(from, to, 1);
        assert_ne!(edited, json, "{what}");
        let mut v = Vec::from(&good[..8]);
        v.extend_from_slice(&(edited.len() as u32).to_le_bytes());
        v.extend_from_slice(edited.as_bytes());
        v.extend_from_slice(&good[data_start..]);
        cases.push((what, v));
    }
    for (what, bytes) in cases {
        match FrameAutoencoder::from_reader(bytes.as_slice(), Backend::Cpu) {
            Err(AeError::InvalidModel(msg)) => assert!(!msg.is_empty(), "{what}"),
            other => panic!("{what}: expected InvalidModel, got {:?}", other.map(|_| ())),
        }
    }
    assert!(FrameAutoencoder::from_reader(good.as_slice(), Backend::Cpu).is_ok());
}

#[test]
fn bad_input_is_a_clear_error() {
    let mut model = light();
    let small = Frame::luma(GrayImage::new(32, 64), 0, Default::default());
    let err = model
        .score_frames(&[vtest()[0].clone(), small.clone()])
        .unwrap_err();
    assert!(
        matches!(&err, AeError::FrameShape { index: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("32x64x1"), "{err}");
    assert!(model.score_frames(&[]).is_err());
    assert!(model.fit(&[], &quick(1), |_| {}).is_err());
    assert!(model.fit(&[small], &quick(1), |_| {}).is_err());
    for bad in [
        TrainConfig {
            learning_rate: f64::NAN,
            ..quick(1)
        },
        TrainConfig {
            learning_rate: -1.0,
            ..quick(1)
        },
        TrainConfig {
            epochs: 0,
            ..quick(1)
        },
        TrainConfig {
            batch_size: 0,
            ..quick(1)
        },
        TrainConfig {
            validation_split: 1.0,
            ..quick(1)
        },
        TrainConfig {
            patience: Some(0),
            ..quick(1)
        },
    ] {
        let err = model.fit(&vtest()[..4], &bad, |_| {}).unwrap_err();
        assert!(matches!(err, AeError::InvalidConfig(_)), "{err}");
    }
    assert!(model.detect(&vtest()[..1]).is_err(), "no threshold yet");
    assert!(
        FrameAutoencoder::new(Architecture::light(), Backend::Cpu, 0)
            .unwrap()
            .with_normalization(Normalization {
                mean: 0.0,
                std: 0.0
            })
            .is_err()
    );
    // the Detector view: wrong width and NaN pixels
    let x = ndarray::Array2::<f32>::zeros((1, 10));
    assert!(model.score(x.view()).is_err());
    let mut x = ndarray::Array2::<f32>::zeros((1, 4096));
    x[[0, 7]] = f32::NAN;
    assert!(model.score(x.view()).is_err());
}

#[test]
fn detector_rows_score_like_frames() {
    let model = light();
    let frames = &vtest()[..3];
    let rows =
        ndarray::Array2::from_shape_fn((3, 4096), |(i, j)| f32::from(frames[i].as_bytes()[j]));
    let a = model.score(rows.view()).unwrap();
    let b = model.score_frames(frames).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!((f64::from(*x) - y).abs() <= 1e-6 * y.abs() + 1e-9);
    }
}
