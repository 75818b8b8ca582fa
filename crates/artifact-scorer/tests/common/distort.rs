//! Every spatial distortion family of the validation at levels 0-5, applied
//! in-process to colour images so that its strength is known (level 0: the
//! image as it is).

use image::codecs::jpeg::JpegEncoder;
use oddframe::image::RgbImage;

use super::{motion, pillbox, Rng};

/// The spatial distortion families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// JPEG at qualities 50/30/20/10/5.
    Jpeg,
    /// Unsharp mask (Gaussian sigma 2) at amounts 0.5/1/1.5/2.5/4.
    Halo,
    /// Gaussian noise (the same draw on every channel) sigma 3/6/10/15/25.
    Gaussian,
    /// Salt and pepper on 0.2/0.5/1/3/8 % of pixels.
    Impulse,
    /// Pillbox defocus radius 1/2/3/5/7.
    Defocus,
    /// Linear motion blur, length 5/9/15/21/27 at 30 degrees.
    Motion,
    /// Quantisation to steps 2/4/8/16/32.
    Banding,
    /// Chroma pushed away from luma by 1.5/2/2.5/3/4.
    Saturation,
}

/// All of them.
pub const FAMILIES: [Family; 8] = [
    Family::Jpeg,
    Family::Halo,
    Family::Gaussian,
    Family::Impulse,
    Family::Defocus,
    Family::Motion,
    Family::Banding,
    Family::Saturation,
];

/// `img` with `family` applied at `level` (0-5); `seed` varies the noise.
pub fn apply(img: &RgbImage, family: Family, level: usize, seed: u64) -> RgbImage {
    if level == 0 {
        return img.clone();
    }
    let l = level - 1;
    match family {
        Family::Jpeg => jpeg(img, [50, 30, 20, 10, 5][l]),
        Family::Halo => unsharp(img, 2.0, [0.5, 1.0, 1.5, 2.5, 4.0][l]),
        Family::Gaussian => gaussian(img, [3.0, 6.0, 10.0, 15.0, 25.0][l], seed),
        Family::Impulse => salt_and_pepper(img, [0.002, 0.005, 0.01, 0.03, 0.08][l], seed),
        Family::Defocus => convolve_rgb(img, &pillbox([1, 2, 3, 5, 7][l])),
        Family::Motion => convolve_rgb(img, &motion([5, 9, 15, 21, 27][l], 30.0)),
        Family::Banding => quantise(img, [2, 4, 8, 16, 32][l]),
        Family::Saturation => boost(img, [1.5, 2.0, 2.5, 3.0, 4.0][l]),
    }
}

fn map_values(img: &RgbImage, mut f: impl FnMut(f64, usize) -> f64) -> RgbImage {
    let mut out = img.clone();
    for (i, p) in out.pixels_mut().enumerate() {
        for c in &mut p.0 {
            *c = f(f64::from(*c), i).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

pub fn jpeg(img: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .unwrap();
    image::load_from_memory(&bytes).unwrap().to_rgb8()
}

pub fn unsharp(img: &RgbImage, sigma: f32, amount: f64) -> RgbImage {
    let soft = image::imageops::blur(img, sigma);
    let mut out = img.clone();
    for (p, s) in out.pixels_mut().zip(soft.pixels()) {
        for (c, b) in p.0.iter_mut().zip(s.0) {
            let v = f64::from(*c);
            *c = (v + amount * (v - f64::from(b))).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

pub fn gaussian(img: &RgbImage, sigma: f64, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let draws: Vec<f64> = (0..img.width() * img.height())
        .map(|_| sigma * rng.normal())
        .collect();
    map_values(img, |v, i| v + draws[i])
}

pub fn salt_and_pepper(img: &RgbImage, fraction: f64, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let mut out = img.clone();
    for p in out.pixels_mut() {
        if rng.uniform() < fraction {
            p.0 = [if rng.uniform() < 0.5 { 0 } else { 255 }; 3];
        }
    }
    out
}

pub fn convolve_rgb(img: &RgbImage, kernel: &[(i64, i64, f64)]) -> RgbImage {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let mut acc = [0.0; 3];
        for &(dx, dy, k) in kernel {
            let sx = (i64::from(x) + dx).clamp(0, w - 1) as u32;
            let sy = (i64::from(y) + dy).clamp(0, h - 1) as u32;
            for (a, v) in acc.iter_mut().zip(img.get_pixel(sx, sy).0) {
                *a += k * f64::from(v);
            }
        }
        acc.map(|a| a.round().clamp(0.0, 255.0) as u8).into()
    })
}

/// Banding: every channel quantised to multiples of `step` (mid-rise).
pub fn quantise(img: &RgbImage, step: u32) -> RgbImage {
    let step = f64::from(step);
    map_values(img, |v, _| (v / step).floor() * step + step / 2.0)
}

pub fn boost(img: &RgbImage, factor: f64) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f64::from);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        p.0 = [r, g, b].map(|c| (y + factor * (c - y)).round().clamp(0.0, 255.0) as u8);
    }
    out
}

/// A picture with a smooth part made from `img`: its upper half blurred
/// (Gaussian, sigma 20) into the gentle gradients of a sky or a wall, where
/// quantisation shows as bands, its lower half as it was, so the picture as
/// a whole is not a blurred one. On the textured originals alone,
/// quantisation mostly coarsens texture instead.
pub fn smooth_base(img: &RgbImage) -> RgbImage {
    let soft = image::imageops::blur(img, 20.0);
    let mut out = img.clone();
    for (y, row) in out.rows_mut().enumerate() {
        if y < img.height() as usize / 2 {
            for (x, p) in row.enumerate() {
                *p = *soft.get_pixel(x as u32, y as u32);
            }
        }
    }
    out
}

/// A cadence event in a panned clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The previous picture repeated on time (a held frame).
    Hold,
    /// A picture skipped: content and timestamp jump two steps.
    Drop,
}

/// `n` RGB frames of a 320x240 window panning across `img` by `step`
/// pixels per frame at 25 frames/s, with `events` at the given transitions
/// (after frame `k`).
pub fn pan(
    img: &RgbImage,
    n: usize,
    step: (u32, u32),
    events: &[(usize, Event)],
) -> Vec<oddframe::Frame> {
    let (mut pos, mut tick) = (0u32, 0u64);
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let crop = image::imageops::crop_imm(img, 20 + pos * step.0, 20 + pos * step.1, 320, 240)
            .to_image();
        out.push(oddframe::Frame::rgb(
            crop,
            k as u64,
            std::time::Duration::from_millis(40 * tick),
        ));
        let event = events.iter().find(|e| e.0 == k).map(|e| e.1);
        pos += match event {
            Some(Event::Hold) => 0,
            Some(Event::Drop) => 2,
            None => 1,
        };
        tick += if event == Some(Event::Drop) { 2 } else { 1 };
    }
    out
}

/// `frames` with each frame after the first blended with the previous
/// original at weight `w` (a ghost of the previous frame).
pub fn ghosted(frames: &[oddframe::Frame], w: f64) -> Vec<oddframe::Frame> {
    let rgb = |f: &oddframe::Frame| {
        RgbImage::from_raw(f.width(), f.height(), f.as_bytes().to_vec()).unwrap()
    };
    let mut out = vec![frames[0].clone()];
    for pair in frames.windows(2) {
        let (prev, cur) = (rgb(&pair[0]), rgb(&pair[1]));
        let mut img = cur.clone();
        for (o, p) in img.pixels_mut().zip(prev.pixels()) {
            for (c, q) in o.0.iter_mut().zip(p.0) {
                *c = ((1.0 - w) * f64::from(*c) + w * f64::from(q)).round() as u8;
            }
        }
        out.push(oddframe::Frame::rgb(
            img,
            pair[1].index(),
            pair[1].timestamp(),
        ));
    }
    out
}
