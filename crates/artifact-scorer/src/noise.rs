//! Noise detectors: additive Gaussian noise and impulse (salt-and-pepper)
//! noise. Random-valued impulses that are not extreme are not counted as
//! impulses; they raise the Gaussian estimate instead.
//!
//! # Impulse noise
//! A pixel is an impulse when its value is extreme (at most
//! [`IMPULSE_LOW`] or at least [`IMPULSE_HIGH`]) and its ROAD statistic
//! (Garnett, Huegerich, Chui and He, IEEE TIP 2005: the sum of the four
//! smallest absolute differences to its eight neighbours) is at least
//! [`IMPULSE_ROAD`]: a genuine bright or dark pixel, even a clipped one on
//! an over-sharpened edge, has at least four similar neighbours; an impulse
//! has none.
//! The raw measurement is the fraction of interior pixels that are
//! impulses; severity is `1 - exp(-fraction / 0.02)` (0.2 % of pixels:
//! 0.10, 2 %: 0.63, 8 %: 0.98).
//!
//! # Gaussian noise
//! Immerkaer's estimator (CVIU 1996): the Laplacian-difference mask
//! `[1 -2 1; -2 4 -2; 1 -2 1]` cancels locally linear image content, and
//! for white Gaussian noise of standard deviation `sigma` the mean absolute
//! response is `6 sigma sqrt(2/pi)`. Edges and texture leak into the mask,
//! so, as Tai and Yang (2008) suggest, pixels whose Sobel gradient is in the
//! top [`EDGE_FRACTION`] of the frame are left out, and so are pixels next
//! to an impulse. Texture still leaks, but noise covers the whole frame and
//! texture only parts of it, so sigma is estimated in [`BLOCK`]-pixel
//! blocks and the frame's is the [`BLOCK_QUANTILE`] of the blocks' (which
//! reads a little below the true sigma on pure noise). The raw measurement
//! is that sigma in 8-bit units; severity maps it linearly from [`SIGMA_CLEAN`] (0) to [`SIGMA_SEVERE`] (1).

use crate::Result;
use oddframe::threshold::quantile;

use crate::filter::{kth_smallest, window};
use crate::{Luma, Measurement};

/// Values at or below this (8-bit units) count as extreme dark.
pub const IMPULSE_LOW: f32 = 8.0;
/// Values at or above this count as extreme bright.
pub const IMPULSE_HIGH: f32 = 247.0;
/// Least ROAD statistic (sum of the four smallest absolute differences to
/// the eight neighbours) for an extreme pixel to be an impulse.
pub const IMPULSE_ROAD: f32 = 320.0;
/// Fraction of pixels with the largest gradients left out of the noise estimate.
pub const EDGE_FRACTION: f64 = 0.2;
/// Side of the square blocks the noise is estimated in.
pub const BLOCK: usize = 16;
/// Quantile of the per-block estimates reported as the frame's sigma.
pub const BLOCK_QUANTILE: f64 = 0.1;
/// Estimated sigma at and below which the Gaussian-noise severity is 0.
pub const SIGMA_CLEAN: f64 = 2.0;
/// Estimated sigma at and above which the Gaussian-noise severity is 1.
pub const SIGMA_SEVERE: f64 = 20.0;

/// Both noise measurements of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Additive Gaussian noise: raw is the estimated sigma (8-bit units).
    pub gaussian: Measurement,
    /// Impulse noise: raw is the fraction of pixels that are impulses.
    pub impulse: Measurement,
}

/// Measures Gaussian and impulse noise in `luma`.
///
/// ```
/// use artifact_scorer::{noise, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // a smooth ramp with every 50th pixel knocked to white
/// let img = GrayImage::from_fn(64, 64, |x, y| {
///     let v = if (x + 64 * y) % 50 == 0 { 255 } else { 60 + x + y };
///     [v as u8].into()
/// });
/// let n = noise::measure(&Luma::from_frame(&Frame::luma(img, 0, Default::default()))?)?;
/// assert!(n.impulse.raw > 0.015 && n.impulse.severity > 0.5);
/// assert!(n.gaussian.severity < 0.05);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 3x3.
pub fn measure(luma: &Luma) -> Result<Noise> {
    luma.require(3, "at least 3x3 pixels")?;
    let (w, h) = (luma.width(), luma.height());
    let impulses = impulses(luma);
    let interior = (w - 2) * (h - 2);
    let fraction = impulses.len() as f64 / interior as f64;
    let impulse = Measurement::saturating(fraction, 0.02);
    let sigma = immerkaer_sigma(luma, &impulses)?;
    let gaussian = Measurement::linear(sigma, SIGMA_CLEAN, SIGMA_SEVERE);
    Ok(Noise { gaussian, impulse })
}

/// ROAD: the sum of the four smallest absolute differences between `v` and
/// its eight neighbours (`n`, the 3x3 window, row by row). Each half of the
/// eight differences is sorted by a five-exchange network; the four
/// smallest of all eight are then `min(lo[i], hi[3 - i])`.
fn road(v: f32, n: [f32; 9]) -> f32 {
    let d = |u: f32| (v - u).abs();
    let lo = sort4([d(n[0]), d(n[1]), d(n[2]), d(n[3])]);
    let hi = sort4([d(n[5]), d(n[6]), d(n[7]), d(n[8])]);
    (0..4).map(|i| lo[i].min(hi[3 - i])).sum()
}

/// Four values in ascending order (five compare-exchanges).
fn sort4(mut v: [f32; 4]) -> [f32; 4] {
    for (a, b) in [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)] {
        let (x, y) = (v[a].min(v[b]), v[a].max(v[b]));
        v[a] = x;
        v[b] = y;
    }
    v
}

/// The indices of the impulses (border pixels are never impulses); ROAD is
/// computed only for the extreme pixels, which are few.
fn impulses(luma: &Luma) -> Vec<usize> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let mut found = Vec::new();
    let extreme = |v: f32| v <= IMPULSE_LOW || v >= IMPULSE_HIGH;
    for y in 1..h - 1 {
        let row = &p[y * w + 1..(y + 1) * w - 1];
        // a branch-free scan of 16 pixels at a time skips the many runs
        // without an extreme value
        for (c, chunk) in row.chunks(16).enumerate() {
            if !chunk.iter().fold(false, |any, &v| any | extreme(v)) {
                continue;
            }
            for (i, &v) in chunk.iter().enumerate() {
                let x = 1 + 16 * c + i;
                if extreme(v) && road(v, window(p, w, x, y)) >= IMPULSE_ROAD {
                    found.push(y * w + x);
                }
            }
        }
    }
    found
}

/// Per interior pixel (an `(w - 2) x (h - 2)` plane): the Sobel magnitude
/// `|gx| + |gy|` and the absolute Laplacian difference, row by row so the
/// loops vectorise.
fn gradients_and_laplacians(luma: &Luma) -> (Vec<f32>, Vec<f32>) {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let iw = w - 2;
    let mut grad = vec![0.0f32; iw * (h - 2)];
    let mut lap = vec![0.0f32; iw * (h - 2)];
    let rows = grad.chunks_exact_mut(iw).zip(lap.chunks_exact_mut(iw));
    for (y, (g_row, l_row)) in rows.enumerate() {
        // nine shifted views of the same length: no bounds checks in the loop
        let view = |row: usize, dx: usize| &p[(y + row) * w + dx..][..iw];
        let (a0, a1, a2) = (view(0, 0), view(0, 1), view(0, 2));
        let (b0, b1, b2) = (view(1, 0), view(1, 1), view(1, 2));
        let (c0, c1, c2) = (view(2, 0), view(2, 1), view(2, 2));
        for x in 0..iw {
            let gx = (a2[x] + 2.0 * b2[x] + c2[x]) - (a0[x] + 2.0 * b0[x] + c0[x]);
            let gy = (c0[x] + 2.0 * c1[x] + c2[x]) - (a0[x] + 2.0 * a1[x] + a2[x]);
            let l = (a0[x] + a2[x] + c0[x] + c2[x]) - 2.0 * (a1[x] + b0[x] + b2[x] + c1[x])
                + 4.0 * b1[x];
            g_row[x] = gx.abs() + gy.abs();
            l_row[x] = l.abs();
        }
    }
    (grad, lap)
}

/// Immerkaer's sigma, estimated per [`BLOCK`]x[`BLOCK`] block over the
/// pixels that are neither among the frame's strongest gradients nor next
/// to an impulse, and taken at the [`BLOCK_QUANTILE`] of the blocks: noise
/// covers the whole frame, texture only parts of it.
fn immerkaer_sigma(luma: &Luma, impulses: &[usize]) -> Result<f64> {
    let (w, h) = (luma.width(), luma.height());
    let (iw, ih) = (w - 2, h - 2);
    let (mut grad, lap) = gradients_and_laplacians(luma);
    // NaN marks pixels next to (or on) an impulse: never kept
    for &i in impulses {
        let (x, y) = (i % w, i / w);
        for iy in y.saturating_sub(2)..=y.min(ih - 1) {
            for ix in x.saturating_sub(2)..=x.min(iw - 1) {
                grad[iy * iw + ix] = f32::NAN;
            }
        }
    }
    let finite = grad.iter().filter(|g| !g.is_nan()).count();
    if finite == 0 {
        return Ok(0.0);
    }
    let keep = ((finite as f64 * (1.0 - EDGE_FRACTION)).ceil() as usize).clamp(1, finite);
    let cut = kth_smallest(&grad, keep - 1);
    let kept = |i: usize| grad[i] <= cut; // false for NaN
    let block = BLOCK.min(iw).min(ih);
    let blocks_across = iw / block;
    let mut sigmas = Vec::new();
    // per block row: column sums of the kept Laplacians and of the kept
    // count (vertical adds over whole rows vectorise), then one sum per block
    let (mut sums, mut counts) = (vec![0.0f32; iw], vec![0.0f32; iw]);
    for by in (0..=ih - block).step_by(block) {
        sums.fill(0.0);
        counts.fill(0.0);
        for y in by..by + block {
            let (g, l) = (&grad[y * iw..][..iw], &lap[y * iw..][..iw]);
            let (s, c) = (&mut sums[..iw], &mut counts[..iw]);
            for x in 0..iw {
                let keep = if g[x] <= cut { 1.0 } else { 0.0 };
                s[x] += keep * l[x];
                c[x] += keep;
            }
        }
        let per_block = sums.chunks_exact(block).zip(counts.chunks_exact(block));
        for (s, c) in per_block.take(blocks_across) {
            let count = c.iter().sum::<f32>() as usize;
            if 2 * count >= block * block {
                sigmas.push(f64::from(s.iter().sum::<f32>()) / count as f64);
            }
        }
    }
    if sigmas.is_empty() {
        // every block is mostly edges or impulses: use every kept pixel
        let (sum, count) = (0..iw * ih)
            .filter(|&i| kept(i))
            .fold((0.0, 0usize), |(s, c), i| (s + f64::from(lap[i]), c + 1));
        sigmas.push(sum / count.max(1) as f64);
    }
    let m = quantile(&sigmas, BLOCK_QUANTILE)?;
    Ok((std::f64::consts::PI / 2.0).sqrt() * m / 6.0)
}
