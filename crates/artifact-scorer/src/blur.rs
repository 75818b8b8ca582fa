//! Blur: the re-blur measure of Crete-Roffet, Dolmiere, Ladret and Nicolas
//! ("The blur effect: perception and estimation with a new no-reference
//! perceptual blur metric", SPIE Human Vision and Electronic Imaging 2007).
//!
//! Blurring a sharp frame again changes it a lot; blurring a blurred one
//! changes little. Along a direction `d`, the frame `F` is blurred with a
//! [`REBLUR_TAPS`]-tap moving average into `B`; with `DF = |F(p) - F(p - d)|`
//! and `DB` the same on `B`, the share of variation that survives re-blurring
//! is `b = (sum DF - sum max(0, DF - DB)) / sum DF`, from 0 (sharp) to 1
//! (already as smooth as the re-blur). The paper measures the horizontal and
//! vertical directions; here six more are added (see [`DIRECTIONS`]), so
//! that motion blur at any angle shows in at least one of them. The raw
//! measurement is the largest `b` of the eight; severity maps it linearly from
//! [`BLUR_CLEAN`] (0) to [`BLUR_SEVERE`] (1).

use oddframe::Result;

use crate::{Luma, Measurement};

/// Length of the re-blurring moving average (the paper's 9).
pub const REBLUR_TAPS: usize = 9;
/// Re-blur measure at and below which the severity is 0.
pub const BLUR_CLEAN: f64 = 0.40;
/// Re-blur measure at and above which the severity is 1.
pub const BLUR_SEVERE: f64 = 0.65;

/// The eight directions measured, as pixel steps `(dx, dy)`: horizontal,
/// vertical, both diagonals, and the four knight's moves between them (about
/// every 22.5 degrees), so that motion blur at any angle lies within about
/// 11 degrees of one of them.
pub const DIRECTIONS: [(isize, isize); 8] = [
    (1, 0),
    (2, 1),
    (1, 1),
    (1, 2),
    (0, 1),
    (-1, 2),
    (-1, 1),
    (-2, 1),
];

/// The blur of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blur {
    /// Raw: the largest per-direction re-blur measure; severity per the module docs.
    pub overall: Measurement,
    /// The re-blur measure in each of [`DIRECTIONS`].
    pub directions: [f64; 8],
}

/// Measures blur in `luma`.
///
/// ```
/// use artifact_scorer::{blur, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// let sharp = GrayImage::from_fn(64, 64, |x, y| [if (x / 4 + y / 4) % 2 == 0 { 30 } else { 220 }].into());
/// let soft = oddframe::image::imageops::blur(&sharp, 3.0);
/// let m = |i| blur::measure(&Luma::from_frame(&Frame::luma(i, 0, Default::default()))?);
/// assert!(m(soft)?.overall.raw > m(sharp)?.overall.raw + 0.2);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 2x2.
pub fn measure(luma: &Luma) -> Result<Blur> {
    luma.require(2, "at least 2x2 pixels")?;
    let directions = DIRECTIONS.map(|d| reblur(luma, d));
    let raw = directions.iter().copied().fold(0.0, f64::max);
    Ok(Blur {
        overall: Measurement::linear(raw, BLUR_CLEAN, BLUR_SEVERE),
        directions,
    })
}

/// The re-blur measure along `(dx, dy)`; 0 for a frame without variation.
fn reblur(luma: &Luma, (dx, dy): (isize, isize)) -> f64 {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let blurred = line_average(luma, (dx, dy));
    let (mut total, mut lost) = (0.0f64, 0.0f64);
    for y in 0..h {
        let Some(py) = y.checked_add_signed(-dy).filter(|&v| v < h) else {
            continue;
        };
        for x in 0..w {
            let Some(px) = x.checked_add_signed(-dx).filter(|&v| v < w) else {
                continue;
            };
            let (i, j) = (y * w + x, py * w + px);
            let df = (p[i] - p[j]).abs();
            let db = (blurred[i] - blurred[j]).abs();
            total += f64::from(df);
            lost += f64::from((df - db).max(0.0));
        }
    }
    if total == 0.0 {
        return 0.0;
    }
    (total - lost) / total
}

/// A [`REBLUR_TAPS`]-tap moving average along `(dx, dy)`, the line
/// continued at the frame's edges by its last sample.
fn line_average(luma: &Luma, (dx, dy): (isize, isize)) -> Vec<f32> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let half = (REBLUR_TAPS / 2) as isize;
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0f32;
            for k in -half..=half {
                let sx = (x as isize + k * dx).clamp(0, w as isize - 1) as usize;
                let sy = (y as isize + k * dy).clamp(0, h as isize - 1) as usize;
                sum += p[sy * w + sx];
            }
            out[y * w + x] = sum / REBLUR_TAPS as f32;
        }
    }
    out
}
