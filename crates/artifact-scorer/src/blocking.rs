//! Blocking: the grid of block edges that block-transform coding (JPEG,
//! MPEG, H.26x) leaves when it quantises too coarsely.
//!
//! After Muijs and Kirenko ("A no-reference blocking artifact measure for
//! adaptive video processing", EUSIPCO 2005): the step between horizontally
//! adjacent pixels, `d(x) = |Y(x+1) - Y(x)|`, is *normalised* by the steps
//! next to it, `n(x) = d(x) / (1 + (d(x-1) + d(x+1)) / 2)` (capped at
//! [`STEP_CAP`]), so a small step on a block edge in a flat area counts as
//! much as a large one, and texture, whose steps are all alike, counts
//! little. Averaging `n` down each column gives a profile; a block grid
//! shows as a comb in it. The grid is found, not assumed: for every period
//! in [`PERIODS`] and every phase, the mean of the profile on the comb's
//! teeth over the mean elsewhere; the smallest period within 3 % of the best
//! ratio wins (a grid of 8 also fits 16 and 24). The same is done on rows
//! for vertical steps. The raw measurement is the larger of the two ratios
//! (1: no grid); severity maps it linearly from [`RATIO_CLEAN`] (0) to
//! [`RATIO_SEVERE`] (1).

use crate::Result;

use crate::{Luma, Measurement};

/// Largest normalised step counted (a lone edge in a flat area).
pub const STEP_CAP: f32 = 8.0;
/// Least mean normalised step off the grid in a ratio (a perfect grid has
/// none; its ratio is then large but finite).
pub const OFF_FLOOR: f64 = 0.01;
/// The grid periods tried (pixels).
pub const PERIODS: std::ops::RangeInclusive<usize> = 4..=16;
/// Grid ratio at and below which the severity is 0.
pub const RATIO_CLEAN: f64 = 1.3;
/// Grid ratio at and above which the severity is 1.
pub const RATIO_SEVERE: f64 = 4.0;

/// A detected grid along one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Distance between block edges, pixels.
    pub period: usize,
    /// Position of the first edge step (`x` of `d(x)`), `0..period`.
    pub phase: usize,
    /// Mean normalised step on the grid over the mean off it.
    pub ratio: f64,
}

/// The blocking of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blocking {
    /// Raw: the larger grid ratio; severity per the module docs.
    pub overall: Measurement,
    /// The grid of vertical edges (steps along x).
    pub columns: Grid,
    /// The grid of horizontal edges (steps along y).
    pub rows: Grid,
}

/// Measures blocking in `luma`.
///
/// ```
/// use artifact_scorer::{blocking, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // a smooth ramp quantised to a constant per 8x8 block
/// let img = GrayImage::from_fn(128, 128, |x, y| [(x / 8 * 8 + y / 8 * 8) as u8].into());
/// let b = blocking::measure(&Luma::from_frame(&Frame::luma(img, 0, Default::default()))?)?;
/// assert_eq!((b.columns.period, b.rows.period), (8, 8));
/// assert!(b.overall.severity > 0.9);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 32x32 (too few
/// blocks to find a grid).
pub fn measure(luma: &Luma) -> Result<Blocking> {
    luma.require(32, "at least 32x32 pixels")?;
    let (w, h) = (luma.width(), luma.height());
    let p = luma.as_slice();
    let columns = grid(&column_profile(p, w, h));
    let rows = grid(&row_profile(p, w, h));
    let raw = columns.ratio.max(rows.ratio);
    Ok(Blocking {
        overall: Measurement::linear(raw, RATIO_CLEAN, RATIO_SEVERE),
        columns,
        rows,
    })
}

/// The normalised steps `n = min(d / (1 + (before + after) / 2), cap)` of
/// a run of steps `d` between their neighbours `before` and `after`
/// (element-wise, so it vectorises).
fn normalised(d: &[f32], before: &[f32], after: &[f32], out: &mut [f32]) {
    let n = out.len();
    let (d, before, after) = (&d[..n], &before[..n], &after[..n]);
    for x in 0..n {
        let v = d[x] / (1.0 + 0.5 * (before[x] + after[x]));
        out[x] = if v < STEP_CAP { v } else { STEP_CAP };
    }
}

/// Mean normalised step between columns `x` and `x + 1` over the rows, for
/// `x` in `1..w - 2` (the first and last steps have one neighbour only).
fn column_profile(p: &[f32], w: usize, h: usize) -> Vec<f64> {
    let mut sum = vec![0.0f64; w - 3];
    let (mut d, mut n) = (vec![0.0f32; w - 1], vec![0.0f32; w - 3]);
    for row in p.chunks_exact(w).take(h) {
        for ((dx, a), b) in d.iter_mut().zip(row).zip(&row[1..]) {
            *dx = (b - a).abs();
        }
        normalised(&d[1..], &d, &d[2..], &mut n);
        for (s, v) in sum.iter_mut().zip(&n) {
            *s += f64::from(*v);
        }
    }
    sum.iter().map(|s| s / h as f64).collect()
}

/// Mean normalised step between rows `y` and `y + 1` over the columns, for
/// `y` in `1..h - 2`: whole rows of steps, three at a time.
fn row_profile(p: &[f32], w: usize, h: usize) -> Vec<f64> {
    let steps = |y: usize, out: &mut [f32]| {
        let (a, b) = (&p[y * w..][..w], &p[(y + 1) * w..][..w]);
        for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
            *o = (b - a).abs();
        }
    };
    let mut d = [vec![0.0f32; w], vec![0.0f32; w], vec![0.0f32; w]];
    let mut n = vec![0.0f32; w];
    steps(0, &mut d[1]);
    steps(1, &mut d[2]);
    let mut profile = Vec::with_capacity(h - 3);
    for y in 1..h - 2 {
        d.rotate_left(1);
        steps(y + 1, &mut d[2]);
        normalised(&d[1], &d[0], &d[2], &mut n);
        profile.push(sum_f64(&n) / w as f64);
    }
    profile
}

/// The sum of `v` in f64, in eight interleaved partial sums (independent
/// additions run in parallel).
fn sum_f64(v: &[f32]) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let rest: f64 = chunks.remainder().iter().map(|&x| f64::from(x)).sum();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += f64::from(x);
        }
    }
    acc.iter().sum::<f64>() + rest
}

/// The best comb in `profile` (whose entry `i` is step `x = i + 1`).
fn grid(profile: &[f64]) -> Grid {
    let total: f64 = profile.iter().sum();
    let mut scored = Vec::new();
    for period in PERIODS {
        let mut on = vec![(0.0f64, 0usize); period];
        for (i, v) in profile.iter().enumerate() {
            let slot = &mut on[(i + 1) % period];
            slot.0 += v;
            slot.1 += 1;
        }
        for (phase, &(s, n)) in on.iter().enumerate() {
            let off_n = profile.len() - n;
            if n == 0 || off_n == 0 {
                continue;
            }
            let off = (total - s) / off_n as f64;
            // a floor keeps a perfect grid (nothing off it) finite
            let ratio = (s / n as f64) / off.max(OFF_FLOOR);
            scored.push(Grid {
                period,
                phase,
                ratio,
            });
        }
    }
    let best = scored.iter().map(|g| g.ratio).fold(1.0, f64::max);
    scored
        .into_iter()
        .find(|g| g.ratio >= 0.97 * best && g.ratio > 1.0)
        .unwrap_or(Grid {
            period: 8,
            phase: 0,
            ratio: 1.0,
        })
}
