//! The detectors on arbitrary small frames (grey or RGB, any size up to
//! 40x40, any content): measurements with finite values and severities in
//! 0..=1, or an error for frames below a detector's least size — never a
//! panic or NaN.
#![no_main]

use artifact_scorer::{
    banding, blocking, blur, blur_kind, ghosting, judder, noise, ringing, saturation, Luma,
    Measurement,
};
use libfuzzer_sys::fuzz_target;
use oddframe::image::{GrayImage, RgbImage};
use oddframe::Frame;

/// The frame turned upside down (same size, other content).
fn flipped(frame: &Frame) -> Luma {
    let mut bytes = frame.as_bytes().to_vec();
    bytes.reverse();
    let (w, h) = (frame.width(), frame.height());
    let f = if frame.channels() == 3 {
        bytes.chunks_exact_mut(3).for_each(|p| p.reverse());
        Frame::rgb(
            RgbImage::from_raw(w, h, bytes).expect("sized"),
            0,
            Default::default(),
        )
    } else {
        Frame::luma(
            GrayImage::from_raw(w, h, bytes).expect("sized"),
            0,
            Default::default(),
        )
    };
    Luma::from_frame(&f).expect("grey and RGB convert")
}

fuzz_target!(|data: &[u8]| {
    let [a, b, c, rest @ ..] = data else { return };
    let (w, h) = (u32::from(a % 41), u32::from(b % 41));
    let rgb = c & 1 == 1;
    let n = (w * h) as usize * if rgb { 3 } else { 1 };
    let pixels: Vec<u8> = (0..n).map(|i| rest.get(i).copied().unwrap_or(0)).collect();
    let frame = if rgb {
        Frame::rgb(
            RgbImage::from_raw(w, h, pixels).expect("sized"),
            0,
            Default::default(),
        )
    } else {
        Frame::luma(
            GrayImage::from_raw(w, h, pixels).expect("sized"),
            0,
            Default::default(),
        )
    };
    let luma = Luma::from_frame(&frame).expect("grey and RGB convert");
    let check = |m: Measurement| {
        assert!(m.raw.is_finite() && m.raw >= 0.0, "{m:?}");
        assert!((0.0..=1.0).contains(&m.severity), "{m:?}");
    };
    match noise::measure(&luma) {
        Ok(m) => [m.gaussian, m.impulse].into_iter().for_each(check),
        Err(e) => assert!(w < 3 || h < 3, "{w}x{h}: {e}"),
    }
    match banding::measure(&luma) {
        Ok(b) => {
            check(b.overall);
            assert!((0.0..=1.0).contains(&b.smooth_fraction), "{b:?}");
        }
        Err(e) => assert!(w < 2 || h < 2, "{w}x{h}: {e}"),
    }
    match ringing::measure(&luma) {
        Ok(r) => check(r.overall),
        Err(e) => assert!(w < 3 || h < 3, "{w}x{h}: {e}"),
    }
    match blur::measure(&luma) {
        Ok(b) => {
            check(b.overall);
            assert!(
                b.directions.iter().all(|d| (0.0..=1.0).contains(d)),
                "{b:?}"
            );
            let k = blur_kind::measure(&luma, &b).expect("any measured blur splits");
            check(k.motion);
            check(k.defocus);
            assert!((0.0..=1.0).contains(&k.motion_share), "{k:?}");
        }
        Err(e) => assert!(w < 2 || h < 2, "{w}x{h}: {e}"),
    }
    match blocking::measure(&luma) {
        Ok(b) => {
            check(b.overall);
            for g in [b.columns, b.rows] {
                assert!(g.phase < g.period && g.ratio.is_finite(), "{b:?}");
            }
        }
        Err(e) => assert!(w < 32 || h < 32, "{w}x{h}: {e}"),
    }
    match saturation::measure(&frame) {
        Ok(s) => {
            check(s.over_saturated);
            assert!(
                s.colourfulness.is_finite() && s.colourfulness >= 0.0,
                "{s:?}"
            );
        }
        Err(e) => assert!(w == 0 || h == 0, "{w}x{h}: {e}"),
    }
    let niqe = artifact_scorer::niqe::NiqeModel::pristine().measure(&luma);
    assert!(niqe.is_err(), "{w}x{h} is below one NIQE patch");
    // the frame against itself and against itself upside down
    for g in [
        ghosting::measure(&luma, &luma),
        ghosting::measure(&luma, &flipped(&frame)),
    ] {
        let g = g.expect("same size");
        check(g.overall);
        assert!((0.0..=1.0).contains(&g.zero_peak), "{g:?}");
    }
    // a held frame between two copies: any frame gives a defined cadence
    let j = judder::measure(&[frame.clone(), frame.clone(), frame]).expect("one size, in order");
    check(j.irregular);
    assert_eq!(j.transitions, 2);
});
