//! The judder detector on clips made in-process from the bundled natural
//! images: a 160x120 window panning 3 pixels per frame at 25 frames/s, with
//! known numbers of held frames (content repeated, timestamps regular) and
//! dropped frames (content and timestamp skip one step). The clips are
//! synthetic so that the cadence is known; the pictures are real.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::time::Duration;

use artifact_scorer::judder;
use common::{load, median, spearman_with_levels, Rng, IMAGES};
use oddframe::image::{imageops, GrayImage};
use oddframe::Frame;

const FRAMES: usize = 40;
const STEP: u32 = 3;
/// Irregular events per level 0-5 in a 40-frame clip.
const EVENTS: [usize; 6] = [0, 1, 2, 4, 6, 10];

#[derive(Clone, Copy, PartialEq)]
enum Event {
    Hold,
    Drop,
}

/// The clip: output frame k shows pan position `pos` at time `tick * 40 ms`.
fn clip(img: &GrayImage, events: &[(usize, Event)]) -> Vec<Frame> {
    let (mut pos, mut tick) = (0u32, 0u64);
    let mut out = Vec::new();
    for k in 0..FRAMES {
        let crop = imageops::crop_imm(img, pos * STEP, 0, 160, 120).to_image();
        out.push(Frame::luma(
            crop,
            k as u64,
            Duration::from_millis(40 * tick),
        ));
        let event = events.iter().find(|e| e.0 == k).map(|e| e.1);
        match event {
            Some(Event::Hold) => {}
            Some(Event::Drop) => pos += 2,
            None => pos += 1,
        }
        tick += if event == Some(Event::Drop) { 2 } else { 1 };
    }
    out
}

fn events(n: usize) -> Vec<(usize, Event)> {
    (0..n)
        .map(|i| {
            let at = 2 + i * (FRAMES - 4) / n.max(1);
            (at, if i % 2 == 0 { Event::Hold } else { Event::Drop })
        })
        .collect()
}

#[test]
fn irregular_cadence_raises_judder_severity() {
    let mut rhos = Vec::new();
    for name in IMAGES {
        let img = load(name);
        assert!(
            img.width() >= 160 + STEP * (FRAMES as u32 + 10) && img.height() >= 120,
            "{name} is too small for the pan"
        );
        let runs: Vec<_> = EVENTS
            .iter()
            .map(|&n| judder::measure(&clip(&img, &events(n))).unwrap())
            .collect();
        let raw: Vec<f64> = runs.iter().map(|j| j.irregular.raw).collect();
        println!("{name}: irregular {raw:.3?}");
        for (j, &n) in runs.iter().zip(&EVENTS) {
            assert_eq!(j.held + j.dropped, n, "{name}: {j:?}");
            assert_eq!(j.held, n.div_ceil(2), "{name}: {j:?}");
        }
        assert_eq!(runs[0].irregular.severity, 0.0);
        rhos.push(spearman_with_levels(&raw));
    }
    assert!(median(rhos.clone()) >= 0.95, "{rhos:?}");
}

#[test]
fn a_noisy_still_scene_is_not_judder() {
    let img = imageops::crop_imm(&load("fruits"), 0, 0, 256, 192).to_image();
    let mut rng = Rng(3);
    let frames: Vec<Frame> = (0..7u64)
        .map(|k| {
            let mut f = img.clone();
            for p in f.pixels_mut() {
                p.0[0] = (f64::from(p.0[0]) + 4.0 * rng.normal())
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
            Frame::luma(f, k, Duration::from_millis(40 * k))
        })
        .collect();
    let j = judder::measure(&frames).unwrap();
    assert_eq!((j.held, j.dropped, j.transitions), (0, 0, 6), "{j:?}");
}

#[test]
fn short_mismatched_and_backwards_windows() {
    let f = |w, t| Frame::luma(GrayImage::new(w, 4), 0, Duration::from_millis(t));
    for frames in [vec![], vec![f(4, 0)]] {
        let j = judder::measure(&frames).unwrap();
        assert_eq!(
            (j.transitions, j.irregular.raw, j.irregular.severity),
            (0, 0.0, 0.0)
        );
    }
    let err = judder::measure(&[f(4, 0), f(5, 40)]).unwrap_err();
    assert!(err.to_string().contains("dimension mismatch"), "{err}");
    let err = judder::measure(&[f(4, 40), f(4, 0)]).unwrap_err();
    assert!(err.to_string().contains("non-decreasing"), "{err}");
}
