//! The batch-trained autoencoder on real frames (see `common`): training,
//! determinism, error maps, save and load, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::{fast_cpu, vtest};
use conv_autoencoder::{
    AeError, Architecture, AutoencoderParams, AutoencoderValidParams, Backend, FrameAutoencoder,
    Normalization, Progress,
};
use oddframe::image::GrayImage;
use oddframe::{Calibration, Frame, FramePipeline, ParamGuard, Persist, Registry};

/// The light network on the fast CPU backend, `epochs` epochs of batch 16
/// without validation or early stopping.
fn quick(epochs: usize) -> AutoencoderParams {
    AutoencoderParams::new(Architecture::light())
        .backend(fast_cpu())
        .init_seed(1)
        .epochs(epochs)
        .batch_size(16)
        .validation_split(0.0)
        .patience(None)
}

fn fit(p: AutoencoderParams, frames: &[Frame]) -> FrameAutoencoder {
    p.check().unwrap().fit(frames).unwrap()
}

#[test]
fn cctv_network_has_the_original_parameter_count() {
    let p: AutoencoderValidParams = AutoencoderParams::new(Architecture::cctv())
        .check()
        .unwrap();
    assert_eq!(p.architecture().parameters(), 3_480_897);
}

#[test]
fn training_reduces_the_loss_on_real_frames() {
    let frames = &vtest()[..64];
    // one epoch against ten from the same initial weights
    let before: f64 = fit(quick(1).learning_rate(1e-9), frames)
        .score_frames(frames)
        .unwrap()
        .iter()
        .sum::<f64>()
        / 64.0;
    let mut batches = 0;
    let (model, report) = quick(10)
        .check()
        .unwrap()
        .fit_with(frames, |p| {
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
    let params = quick(6)
        .batch_size(8)
        .validation_split(0.25)
        .patience(Some(1))
        .seed(3)
        .check()
        .unwrap();
    let (a, ra) = params.fit_with(frames, |_| {}).unwrap();
    let (b, rb) = params.fit_with(frames, |_| {}).unwrap();
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
    let model = fit(quick(8), &frames[..96]);
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
    let model = fit(quick(1), frames);
    let loaded = FrameAutoencoder::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(loaded.architecture(), model.architecture());
    assert_eq!(
        loaded.score_frames(frames).unwrap(),
        model.score_frames(frames).unwrap()
    );

    // with its threshold, as a frame pipeline file
    let mut pipeline = FramePipeline::new(model);
    pipeline
        .calibrate(Calibration::AnomalyRate(0.1), frames)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("cae-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("detector.json");
    pipeline.save(&path).unwrap();
    let registry = conv_autoencoder::register(Registry::new());
    let again = FramePipeline::load(&path, &registry).unwrap();
    assert_eq!(again.threshold(), pipeline.threshold());
    assert_eq!(
        again.decide(frames).unwrap(),
        pipeline.decide(frames).unwrap()
    );
    let model: &FrameAutoencoder = again.detector_as().unwrap();
    let on = FrameAutoencoder::load_on(&path, Backend::Ndarray);
    assert!(
        on.is_err(),
        "a frame pipeline file is not a bare model file"
    );
    model.save(dir.join("model.json")).unwrap();
    let ndarray = FrameAutoencoder::load_on(dir.join("model.json"), Backend::Ndarray).unwrap();
    assert_eq!(ndarray.backend(), Backend::Ndarray);
    let (a, b) = (
        ndarray.score_frames(frames).unwrap(),
        model.score_frames(frames).unwrap(),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-4 * y.abs(), "{x} vs {y}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The committed file of oddframe 0.1 (`tests/fixtures/make_model_schema1.rs`).
fn schema1() -> (Vec<u8>, serde_json::Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let bytes = std::fs::read(format!("{dir}model_schema1.oddae")).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}model_schema1.json")).unwrap();
    (bytes, serde_json::from_str(&expected).unwrap())
}

/// The synthetic frames the schema-1 fixture was scored on.
fn fixture_frames() -> Vec<Frame> {
    (0..8u32)
        .map(|i| {
            let img = GrayImage::from_fn(16, 16, |x, y| {
                [((x * 9 + y * 5 + i * 17) % 256) as u8].into()
            });
            Frame::luma(
                img,
                u64::from(i),
                std::time::Duration::from_millis(u64::from(i) * 40),
            )
        })
        .collect()
}

#[test]
fn files_of_0_1_still_load_and_score_as_they_did() {
    let (bytes, expected) = schema1();
    let want: Vec<f64> = serde_json::from_value(expected["scores"].clone()).unwrap();
    // through Persist (the threshold is dropped) and with it
    let model = FrameAutoencoder::from_json(&bytes).unwrap();
    let (again, threshold) = conv_autoencoder::persist::read_legacy(bytes.as_slice()).unwrap();
    assert_eq!(
        threshold.unwrap().value(),
        expected["threshold"].as_f64().unwrap()
    );
    for m in [&model, &again] {
        // 0.1 scored on ndarray; the default backend is flex
        let got = m.score_frames(&fixture_frames()).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-5 * w.abs(), "{g} vs {w}");
        }
    }
}

#[test]
fn corrupt_model_files_are_clear_errors() {
    let (good, _) = schema1();
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
    // the JSON envelope of schema 2, edited
    let model = FrameAutoencoder::from_json(&good).unwrap();
    let env: serde_json::Value = serde_json::from_slice(&model.to_json().unwrap()).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: Vec<(&str, Edit)> = vec![
        ("checksum", |v| {
            v["model"]["checksum"] = serde_json::json!(1)
        }),
        ("values", |v| v["model"]["values"] = serde_json::json!(3)),
        ("data", |v| v["model"]["data"] = serde_json::json!("AAAA")),
        ("not base64", |v| {
            v["model"]["data"] = serde_json::json!("@@@@")
        }),
        ("tensor shape", |v| {
            v["model"]["tensors"][0]["shape"][0] = serde_json::json!(7)
        }),
        ("channels", |v| {
            v["model"]["architecture"]["channels"] = serde_json::json!(2)
        }),
        ("schema 3", |v| v["schema"] = serde_json::json!(3)),
        ("schema 1 as JSON", |v| v["schema"] = serde_json::json!(1)),
    ];
    for (what, edit) in edits {
        let mut v = env.clone();
        edit(&mut v);
        cases.push((what, serde_json::to_vec(&v).unwrap()));
    }
    for (what, bytes) in cases {
        match FrameAutoencoder::from_json(&bytes) {
            Err(oddframe::Error::InvalidFile { reason, .. }) => {
                assert!(!reason.is_empty(), "{what}")
            }
            other => panic!("{what}: expected InvalidFile, got {:?}", other.map(|_| ())),
        }
    }
    assert!(FrameAutoencoder::from_json(&good).is_ok());
}

#[test]
fn bad_input_is_a_clear_error() {
    let model = fit(quick(1), &vtest()[..16]);
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
    let params = quick(1).check().unwrap();
    assert!(params.fit(&[]).is_err());
    assert!(params.fit(&[small]).is_err());
    let err = quick(1)
        .validation_split(0.5)
        .check()
        .unwrap()
        .fit(&vtest()[..1])
        .unwrap_err();
    assert!(matches!(err, AeError::InvalidConfig(_)), "{err}");
    for bad in [
        quick(1).learning_rate(f64::NAN),
        quick(1).learning_rate(-1.0),
        quick(1).epochs(0),
        quick(1).batch_size(0),
        quick(1).validation_split(1.0),
        quick(1).patience(Some(0)),
        quick(1).normalization(Normalization {
            mean: 0.0,
            std: 0.0,
        }),
    ] {
        let err = bad.check().unwrap_err();
        assert!(matches!(err, AeError::InvalidConfig(_)), "{err}");
    }
    // a frame pipeline without a threshold cannot decide
    assert!(FramePipeline::new(model).decide(&vtest()[..1]).is_err());
}
