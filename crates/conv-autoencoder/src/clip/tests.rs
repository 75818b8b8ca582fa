use oddframe::{Calibration, FramePipeline, ParamGuard, Registry};

use super::*;
use crate::{Architecture, AutoencoderParams};

/// A grey 16x16 clip: a bright bar moving right one pixel per frame
/// (synthetic, so that the motion is known).
fn clip(n: u32, speed: u32) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            let image = GrayImage::from_fn(16, 16, |x, _| {
                [if (x + 16 - (i * speed) % 16) % 16 < 3 {
                    200
                } else {
                    40
                }]
                .into()
            });
            Frame::luma(image, i.into(), Default::default())
        })
        .collect()
}

fn model(input: Input, frames: &[Frame]) -> FrameAutoencoder {
    let mut arch = Architecture::stream();
    (arch.width, arch.height) = (16, 16);
    let params = AutoencoderParams::new(arch)
        .epochs(2)
        .batch_size(4)
        .validation_split(0.0)
        .check()
        .unwrap();
    let inputs = input.clip_inputs(frames).unwrap();
    params.fit_with(&inputs, |_| {}).unwrap().0
}

#[test]
fn names_round_trip_and_bad_ones_are_refused() {
    for m in [
        MapScore::Plain(Scoring::Mean),
        MapScore::Plain(Scoring::MaxPatch(8)),
        MapScore::Local(4),
    ] {
        assert_eq!(m.to_string().parse::<MapScore>().unwrap(), m);
    }
    for bad in ["local:0", "local:", "local:x", "max", "patch:0"] {
        assert!(bad.parse::<MapScore>().is_err(), "{bad}");
    }
    let lagged = Input::DiffLag { gain: 4, lag: 3 };
    for i in [Input::Frames, Input::Diff(4), Input::Diff(255), lagged] {
        assert_eq!(i.to_string().parse::<Input>().unwrap(), i);
    }
    assert_eq!("diff:4:1".parse::<Input>().unwrap(), Input::Diff(4));
    assert_eq!(lagged.to_string(), "diff:4:3");
    for bad in [
        "diff:0",
        "diff:256",
        "diff",
        "diff:",
        "frame",
        "diff:-1",
        "diff:4:0",
        "diff:4:65",
        "diff:4:x",
        "diff:0:3",
        "diff:4:3:1",
    ] {
        assert!(bad.parse::<Input>().is_err(), "{bad}");
    }
    for smooth in [-1.0, f64::NAN, f64::INFINITY] {
        let how = FrameScore {
            map: MapScore::Plain(Scoring::Mean),
            smooth,
        };
        assert!(how.validate().is_err(), "{smooth}");
    }
}

#[test]
fn differences_start_at_zero_and_follow_the_motion() {
    let frames = clip(4, 1);
    let d = Input::Diff(2).clip_inputs(&frames).unwrap();
    assert!(d[0].as_bytes().iter().all(|&v| v == 0));
    // the bar's leading column becomes bright and its trailing column dark
    let moved = d[1].as_bytes().iter().filter(|&&v| v > 0).count();
    assert_eq!(moved, 2 * 16);
    assert_eq!(
        Input::Frames.clip_inputs(&frames).unwrap()[2].as_bytes(),
        frames[2].as_bytes()
    );
    let rgb = Frame::rgb(
        oddframe::image::RgbImage::new(16, 16),
        0,
        Default::default(),
    );
    assert!(Input::Diff(2).clip_inputs(&[rgb]).is_err());
    // two frames back, the bar has moved two columns: twice the trace,
    // from the first frame while fewer than two have gone by
    let lagged = Input::DiffLag { gain: 2, lag: 2 };
    let d = lagged.clip_inputs(&frames).unwrap();
    let moved = |f: &Frame| f.as_bytes().iter().filter(|&&v| v > 0).count();
    assert_eq!(moved(&d[1]), 2 * 16);
    assert_eq!(moved(&d[2]), 4 * 16);
    assert_eq!(moved(&d[3]), 4 * 16);
    assert!(Input::DiffLag { gain: 2, lag: 1 }.validate().is_err());
}

#[test]
fn smoothing_is_causal_and_restarts_per_clip() {
    let maps: Vec<Array2<f32>> = (0..6)
        .map(|i| Array2::from_elem((4, 4), if i == 3 { 1.0 } else { 0.0 }))
        .collect();
    let how = FrameScore {
        map: MapScore::Plain(Scoring::Mean),
        smooth: 2.0,
    };
    let s = MapScorer::new(how, &[])
        .unwrap()
        .clip_scores(&maps)
        .unwrap();
    // nothing before the spike sees it; after it, it decays
    assert_eq!(&s[..3], &[0.0; 3]);
    assert!(s[3] > s[4] && s[4] > s[5] && s[5] > 0.0);
    let again = MapScorer::new(how, &[])
        .unwrap()
        .clip_scores(&maps[3..])
        .unwrap();
    assert_eq!(again[0], 1.0); // a new clip starts from its own first score
}

#[test]
fn pixel_maps_centre_the_local_windows() {
    let normal: Vec<Array2<f32>> = (0..5)
        .map(|i| Array2::from_shape_fn((6, 6), |(y, x)| ((i + y + x) % 3) as f32 * 0.1))
        .collect();
    let how = FrameScore {
        map: MapScore::Local(3),
        smooth: 0.0,
    };
    let s = MapScorer::new(how, &normal).unwrap();
    let mut odd = normal[0].clone();
    odd[[4, 1]] = 5.0;
    let p = s.pixel_map(&odd).unwrap();
    assert_eq!(p.dim(), (6, 6));
    // pixels three or more away see windows without the odd pixel
    for ((y, x), &v) in p.indexed_iter() {
        if y.abs_diff(4).max(x.abs_diff(1)) >= 3 {
            assert!(v < p[[4, 1]], "({y}, {x})");
        }
    }
    assert!(MapScorer::new(how, &normal[..1]).is_err());
}

#[test]
fn streams_score_as_clips_do_and_files_keep_every_setting() {
    let normal = clip(24, 1);
    let input = Input::Diff(4);
    let how = FrameScore {
        map: MapScore::Local(4),
        smooth: 2.0,
    };
    let scorer = ClipScorer::fit(model(input, &normal), input, how, &[&normal]).unwrap();
    let fast = clip(12, 3);
    let scores = scorer.score_clip(&fast).unwrap();
    let mut live = scorer.stream();
    for (f, &s) in fast.iter().zip(&scores) {
        assert!((live.push(f).unwrap() - s).abs() < 1e-9);
    }
    // a frame of another size is refused and changes nothing
    let small = Frame::luma(GrayImage::new(8, 8), 99, Default::default());
    assert!(live.push(&small).is_err());
    live.reset();
    assert!((live.push(&fast[0]).unwrap() - scores[0]).abs() < 1e-9);

    let loaded = ClipScorer::from_json(&scorer.to_json().unwrap()).unwrap();
    assert_eq!(loaded.input(), input);
    assert_eq!(loaded.scorer(), scorer.scorer());
    assert_eq!(loaded.score_clip(&fast).unwrap(), scores);

    // as a frame detector in a pipeline file, through the registry
    let mut pipeline = FramePipeline::new(scorer);
    pipeline
        .calibrate(Calibration::Quantile(1.0), &normal)
        .unwrap();
    let mut bytes = Vec::new();
    pipeline.save_json(&mut bytes).unwrap();
    let registry = crate::register(Registry::new());
    let back = FramePipeline::load_json(bytes.as_slice(), &registry).unwrap();
    assert_eq!(back.decide(&fast).unwrap(), pipeline.decide(&fast).unwrap());
}

#[test]
fn inconsistent_files_are_refused() {
    let normal = clip(16, 1);
    let how = FrameScore {
        map: MapScore::Local(4),
        smooth: 0.0,
    };
    let scorer = ClipScorer::fit(
        model(Input::Frames, &normal),
        Input::Frames,
        how,
        &[&normal],
    )
    .unwrap();
    let good: serde_json::Value = serde_json::from_slice(&scorer.to_json().unwrap()).unwrap();
    let edits: [(&str, serde_json::Value); 7] = [
        ("/model/input", serde_json::json!({ "diff": 0 })),
        ("/model/score/smooth", serde_json::json!(-2.0)),
        ("/model/score/map", serde_json::json!({ "local": 8 })),
        ("/model/score/map", serde_json::json!("mean")),
        ("/model/baseline/patch", serde_json::json!(0)),
        ("/model/baseline/spread/0", serde_json::json!(0.0)),
        ("/model/baseline/width", serde_json::json!(15)),
    ];
    for (at, value) in edits {
        let mut bad = good.clone();
        *bad.pointer_mut(at).unwrap_or_else(|| panic!("{at}")) = value;
        let bytes = serde_json::to_vec(&bad).unwrap();
        let err = ClipScorer::from_json(&bytes).expect_err(at);
        assert!(err.to_string().contains("clip-scorer"), "{at}: {err}");
    }
    let mut truncated = scorer.to_json().unwrap();
    truncated.truncate(truncated.len() / 2);
    assert!(ClipScorer::from_json(&truncated).is_err());
}
