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
/// let sharp = GrayImage::from_fn(64, 64, |x, y| [if (x / 16 + y / 16) % 2 == 0 { 30 } else { 220 }].into());
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

/// The re-blur measure along `(dx, dy)` over the pixels whose re-blurred
/// value and whose neighbour's are both inside the frame (a margin of five
/// steps); 0 for a frame without variation or too small for the margin.
fn reblur(luma: &Luma, (dx, dy): (isize, isize)) -> f64 {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let Some(blurred) = line_average(luma, (dx, dy)) else {
        return 0.0;
    };
    let (ax, ay) = (4 * dx.unsigned_abs(), 4 * dy.unsigned_abs());
    // pixels with their own and their neighbour's average defined
    let (x0, x1) = (ax + dx.max(0) as usize, w - ax - (-dx).max(0) as usize);
    let (y0, y1) = (ay + dy.max(0) as usize, h - ay);
    let (mut total, mut lost) = (0.0f64, 0.0f64);
    let back = (dy * w as isize + dx) as usize; // index step from p - d to p
    for y in y0..y1 {
        let row = y * w + x0..y * w + x1;
        let prev = row.start - back..row.end - back;
        let (t, l) = row_sums(
            &p[row.clone()],
            &p[prev.clone()],
            &blurred[row],
            &blurred[prev],
        );
        total += f64::from(t);
        lost += f64::from(l);
    }
    if total == 0.0 {
        return 0.0;
    }
    (total - lost) / total
}

/// Sums over one row of `|F - F'|` and `max(0, |F - F'| - |B - B'|)`,
/// in eight lanes so that the compiler can vectorise them.
fn row_sums(f: &[f32], f_prev: &[f32], b: &[f32], b_prev: &[f32]) -> (f32, f32) {
    let (mut t, mut l) = ([0.0f32; 8], [0.0f32; 8]);
    let lanes = f.len() / 8 * 8;
    for k in (0..lanes).step_by(8) {
        for j in 0..8 {
            let df = (f[k + j] - f_prev[k + j]).abs();
            let db = (b[k + j] - b_prev[k + j]).abs();
            t[j] += df;
            l[j] += (df - db).max(0.0);
        }
    }
    let (mut t, mut l) = (t.iter().sum::<f32>(), l.iter().sum::<f32>());
    for k in lanes..f.len() {
        let df = (f[k] - f_prev[k]).abs();
        t += df;
        l += (df - (b[k] - b_prev[k]).abs()).max(0.0);
    }
    (t, l)
}

/// A [`REBLUR_TAPS`]-tap moving average along `(dx, dy)` (`dy > 0`, or the
/// horizontal `(1, 0)`: the directions of [`DIRECTIONS`]),
/// defined where all its taps are inside the frame (elsewhere 0), by a
/// running sum along each line: one add and one subtract per pixel.
/// `None` when no pixel has all its taps inside.
fn line_average(luma: &Luma, (dx, dy): (isize, isize)) -> Option<Vec<f32>> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let (ax, ay) = (4 * dx.unsigned_abs(), 4 * dy.unsigned_abs());
    if w <= 2 * ax + 1 || h <= 2 * ay + 1 {
        return None;
    }
    debug_assert!(dy > 0 || (dx, dy) == (1, 0), "unsupported direction");
    let (x0, x1, y0, y1) = (ax, w - ax, ay, h - ay);
    let taps = REBLUR_TAPS as f32;
    let step = dy * w as isize + dx;
    let mut out = vec![0.0f32; w * h];
    let direct = |i: usize| {
        (-4..=4)
            .map(|k| p[(i as isize + k * step) as usize])
            .sum::<f32>()
            / taps
    };
    for y in y0..y1 {
        // pixels whose previous pixel on the line has its average: from the
        // second defined row on (or along the row, for a horizontal line)
        let (rx0, rx1) = if dy == 0 || y >= y0 + dy as usize {
            (
                (x0 as isize + dx.max(0)) as usize,
                (x1 as isize + dx.min(0)) as usize,
            )
        } else {
            (x1, x1)
        };
        for x in (x0..x1).filter(|&x| x < rx0 || x >= rx1) {
            out[y * w + x] = direct(y * w + x);
        }
        if rx0 >= rx1 {
            continue;
        }
        if dy == 0 {
            for i in y * w + rx0..y * w + rx1 {
                out[i] = out[i - 1] + (p[i + 4] - p[i - 5]) / taps;
            }
        } else {
            let i0 = y * w + rx0;
            let (before, current) = out.split_at_mut(i0);
            let n = rx1 - rx0;
            let prev = &before[(i0 as isize - step) as usize..][..n];
            let add = &p[(i0 as isize + 4 * step) as usize..][..n];
            let sub = &p[(i0 as isize - 5 * step) as usize..][..n];
            for (((o, q), a), s) in current[..n].iter_mut().zip(prev).zip(add).zip(sub) {
                *o = q + (a - s) / taps;
            }
        }
    }
    Some(out)
}
