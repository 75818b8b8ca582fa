//! The `artifact_report` example's bundled demo: pictures and short clips
//! made from the bundled images with one distortion each, applied here, so
//! that every detector has something to find.

use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::{imageops, RgbImage};
use oddframe::Frame;

/// A named demo input: one still, or a clip.
pub struct DemoInput {
    /// What was done to it.
    pub name: String,
    /// Its frames.
    pub frames: Vec<Frame>,
}

/// The demo inputs (clean references first).
pub fn inputs(images_dir: &std::path::Path) -> Result<Vec<DemoInput>, String> {
    let load = |name: &str| -> Result<RgbImage, String> {
        let path = images_dir.join(format!("{name}.jpg"));
        Ok(image::open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .to_rgb8())
    };
    let fruits = load("fruits")?;
    let baboon = load("baboon")?;
    let still = |name: &str, img: RgbImage| DemoInput {
        name: format!("fruits, {name}"),
        frames: vec![Frame::rgb(img, 0, Duration::ZERO)],
    };
    let mut out = vec![
        still("clean", fruits.clone()),
        still("JPEG quality 8", jpeg(&fruits, 8)?),
        still("unsharp mask x2.5", unsharp(&fruits, 2.5)),
        still("Gaussian noise sigma 15", noise(&fruits, 15.0, 0.0)),
        still("salt and pepper 3 %", noise(&fruits, 0.0, 0.03)),
        still("defocus radius 5", convolve(&fruits, &disc(5))),
        still("motion blur 21 px", convolve(&fruits, &segment(21))),
        still(
            "sky quantised to steps of 24",
            quantise(&half_smooth(&fruits), 24),
        ),
        still("saturation x3", boost(&fruits, 3.0)),
    ];
    out.push(DemoInput {
        name: "baboon pan, clean".into(),
        frames: pan(&baboon, &[]),
    });
    let ghosts = ghost(&pan(&baboon, &[]), 0.35);
    out.push(DemoInput {
        name: "baboon pan, ghost 35 %".into(),
        frames: ghosts,
    });
    out.push(DemoInput {
        name: "baboon pan, 2 held + 1 dropped".into(),
        frames: pan(&baboon, &[1, 3, 4]),
    });
    Ok(out)
}

fn map(img: &RgbImage, mut f: impl FnMut(usize, usize, f64) -> f64) -> RgbImage {
    let mut out = img.clone();
    for (i, p) in out.pixels_mut().enumerate() {
        for (c, v) in p.0.iter_mut().enumerate() {
            *v = f(i, c, f64::from(*v)).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

fn jpeg(img: &RgbImage, quality: u8) -> Result<RgbImage, String> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .map_err(|e| e.to_string())?;
    Ok(image::load_from_memory(&bytes)
        .map_err(|e| e.to_string())?
        .to_rgb8())
}

fn unsharp(img: &RgbImage, amount: f64) -> RgbImage {
    let soft = imageops::blur(img, 2.0);
    map(img, |i, c, v| {
        let s = f64::from(soft.as_raw()[3 * i + c]);
        v + amount * (v - s)
    })
}

/// Gaussian noise of `sigma` (the same draw on every channel) and
/// salt and pepper on `fraction` of the pixels, from a fixed seed.
fn noise(img: &RgbImage, sigma: f64, fraction: f64) -> RgbImage {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = (img.width() * img.height()) as usize;
    let draws: Vec<(f64, Option<f64>)> = (0..n)
        .map(|_| {
            let (u, v) = (uniform().max(1e-12), uniform());
            let g = sigma * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            let impulse = (uniform() < fraction).then(|| if uniform() < 0.5 { 0.0 } else { 255.0 });
            (g, impulse)
        })
        .collect();
    map(img, |i, _, v| draws[i].1.unwrap_or(v + draws[i].0))
}

type Kernel = Vec<(i64, i64, f64)>;

fn disc(r: i64) -> Kernel {
    let taps: Vec<_> = (-r..=r)
        .flat_map(|y| (-r..=r).map(move |x| (x, y)))
        .filter(|(x, y)| x * x + y * y <= r * r)
        .collect();
    let w = 1.0 / taps.len() as f64;
    taps.into_iter().map(|(x, y)| (x, y, w)).collect()
}

/// A horizontal segment of `len` pixels.
fn segment(len: i64) -> Kernel {
    (0..len)
        .map(|x| (x - len / 2, 0, 1.0 / len as f64))
        .collect()
}

fn convolve(img: &RgbImage, k: &Kernel) -> RgbImage {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let mut acc = [0.0f64; 3];
        for &(dx, dy, kw) in k {
            let sx = (i64::from(x) + dx).clamp(0, w - 1) as u32;
            let sy = (i64::from(y) + dy).clamp(0, h - 1) as u32;
            for (a, v) in acc.iter_mut().zip(img.get_pixel(sx, sy).0) {
                *a += kw * f64::from(v);
            }
        }
        acc.map(|a| a.round().clamp(0.0, 255.0) as u8).into()
    })
}

/// The upper half blurred into a smooth "sky", the lower half as it was.
fn half_smooth(img: &RgbImage) -> RgbImage {
    let soft = imageops::blur(img, 20.0);
    let mut out = img.clone();
    for y in 0..img.height() / 2 {
        for x in 0..img.width() {
            out.put_pixel(x, y, *soft.get_pixel(x, y));
        }
    }
    out
}

fn quantise(img: &RgbImage, step: u8) -> RgbImage {
    let s = f64::from(step);
    map(img, |_, _, v| (v / s).floor() * s + s / 2.0)
}

fn boost(img: &RgbImage, factor: f64) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f64::from);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        p.0 = [r, g, b].map(|c| (y + factor * (c - y)).round().clamp(0.0, 255.0) as u8);
    }
    out
}

/// Seven 320x240 frames panning (4, 3) pixels a frame at 25 frames/s; the
/// transitions after the frames listed in `events` are held (all but the
/// last listed) or dropped (the last).
fn pan(img: &RgbImage, events: &[usize]) -> Vec<Frame> {
    let (mut pos, mut tick) = (0u32, 0u64);
    (0..7u64)
        .map(|k| {
            let crop = imageops::crop_imm(img, 20 + 4 * pos, 20 + 3 * pos, 320, 240).to_image();
            let frame = Frame::rgb(crop, k, Duration::from_millis(40 * tick));
            let held = events.len() > 1 && events[..events.len() - 1].contains(&(k as usize));
            let dropped = events.last() == Some(&(k as usize));
            pos += if held {
                0
            } else if dropped {
                2
            } else {
                1
            };
            tick += if dropped { 2 } else { 1 };
            frame
        })
        .collect()
}

/// Each frame after the first blended with the previous one at weight `w`.
fn ghost(frames: &[Frame], w: f64) -> Vec<Frame> {
    let mut out = vec![frames[0].clone()];
    for pair in frames.windows(2) {
        let (prev, cur) = (pair[0].as_bytes(), pair[1].as_bytes());
        let bytes = cur
            .iter()
            .zip(prev)
            .map(|(&c, &p)| ((1.0 - w) * f64::from(c) + w * f64::from(p)).round() as u8)
            .collect();
        let img = RgbImage::from_raw(pair[1].width(), pair[1].height(), bytes).unwrap_or_default();
        out.push(Frame::rgb(img, pair[1].index(), pair[1].timestamp()));
    }
    out
}
