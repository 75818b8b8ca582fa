//! The artifact scorer on arbitrary windows of small frames (one to three
//! frames, each 90 to 130 pixels a side, grey or RGB, any content, any
//! timestamps): a report with finite values in range, or an error (frames
//! below 96x96, sizes differing, time going backwards) — never a panic or
//! NaN in a report.
#![no_main]

use std::time::Duration;

use artifact_scorer::ArtifactScorer;
use libfuzzer_sys::fuzz_target;
use oddframe::image::{GrayImage, RgbImage};
use oddframe::{Frame, Scorer};

fuzz_target!(|data: &[u8]| {
    let [count, rest @ ..] = data else { return };
    let mut bytes = rest.iter().copied().cycle();
    if rest.is_empty() {
        return;
    }
    let mut next = || bytes.next().unwrap_or(0);
    let frames: Vec<Frame> = (0..u64::from(count % 3) + 1)
        .map(|k| {
            let (w, h) = (90 + u32::from(next() % 41), 90 + u32::from(next() % 41));
            let time = Duration::from_millis(u64::from(next()) * 10);
            let rgb = next() & 1 == 1;
            let n = (w * h) as usize * if rgb { 3 } else { 1 };
            let pixels: Vec<u8> = (0..n).map(|_| next()).collect();
            if rgb {
                Frame::rgb(RgbImage::from_raw(w, h, pixels).expect("sized"), k, time)
            } else {
                Frame::luma(GrayImage::from_raw(w, h, pixels).expect("sized"), k, time)
            }
        })
        .collect();
    let scorer = ArtifactScorer::new();
    if let Ok(r) = scorer.score(&frames[..]) {
        let unit = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        assert!(unit(r.aqs) && unit(r.quality) && unit(r.artifact), "{r:?}");
        assert!(r.severities.iter().all(|(_, s)| unit(s)), "{r:?}");
        assert!(r.raw.iter().all(|(_, v)| v.is_finite()), "{r:?}");
        assert!(
            r.frames
                .iter()
                .all(|f| unit(f.aqs) && f.niqe.is_none_or(f64::is_finite)),
            "{r:?}"
        );
    } else {
        // an error needs a reason: a small frame, differing sizes, or time going back
        let small = frames.iter().any(|f| f.width() < 96 || f.height() < 96);
        let sizes = frames
            .windows(2)
            .any(|p| (p[0].width(), p[0].height()) != (p[1].width(), p[1].height()));
        let back = frames
            .windows(2)
            .any(|p| p[1].timestamp() < p[0].timestamp());
        assert!(small || sizes || back, "unexplained error");
    }
});
