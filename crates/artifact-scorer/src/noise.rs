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

use oddframe::threshold::quantile;
use oddframe::Result;

use crate::filter::window;
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
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 3x3.
pub fn measure(luma: &Luma) -> Result<Noise> {
    luma.require(3, "at least 3x3 pixels")?;
    let (w, h) = (luma.width(), luma.height());
    let impulses = impulse_mask(luma);
    let interior = (w - 2) * (h - 2);
    let fraction = impulses.iter().filter(|&&m| m).count() as f64 / interior as f64;
    let impulse = Measurement::saturating(fraction, 0.02);
    let sigma = immerkaer_sigma(luma, &impulses)?;
    let gaussian = Measurement::linear(sigma, SIGMA_CLEAN, SIGMA_SEVERE);
    Ok(Noise { gaussian, impulse })
}

/// ROAD: the sum of the four smallest absolute differences between `v` and
/// its eight neighbours (`n`, the 3x3 window, row by row).
fn road(v: f32, n: [f32; 9]) -> f32 {
    let mut d = [0.0f32; 8];
    for (slot, u) in d.iter_mut().zip(n[..4].iter().chain(&n[5..])) {
        *slot = (v - u).abs();
    }
    let (low, _, _) = d.select_nth_unstable_by(3, f32::total_cmp);
    low.iter().sum::<f32>() + d[3]
}

/// Impulse flags for the whole plane (border pixels are never impulses).
fn impulse_mask(luma: &Luma) -> Vec<bool> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let mut mask = vec![false; w * h];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let v = p[y * w + x];
            if v > IMPULSE_LOW && v < IMPULSE_HIGH {
                continue;
            }
            mask[y * w + x] = road(v, window(p, w, x, y)) >= IMPULSE_ROAD;
        }
    }
    mask
}

/// Immerkaer's sigma, estimated per [`BLOCK`]x[`BLOCK`] block over the
/// pixels that are neither among the frame's strongest gradients nor next
/// to an impulse, and taken at the [`BLOCK_QUANTILE`] of the blocks: noise
/// covers the whole frame, texture only parts of it.
fn immerkaer_sigma(luma: &Luma, impulses: &[bool]) -> Result<f64> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let (iw, ih) = (w - 2, h - 2);
    // per interior pixel: Sobel magnitude and |Laplacian difference|; NaN
    // marks pixels next to an impulse
    let mut grad = vec![f32::NAN; iw * ih];
    let mut lap = vec![0.0f32; iw * ih];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let near_impulse = (0..3).any(|dy| {
                let row = (y + dy - 1) * w + x;
                impulses[row - 1] || impulses[row] || impulses[row + 1]
            });
            if near_impulse {
                continue;
            }
            let n = window(p, w, x, y);
            let gx = (n[2] + 2.0 * n[5] + n[8]) - (n[0] + 2.0 * n[3] + n[6]);
            let gy = (n[6] + 2.0 * n[7] + n[8]) - (n[0] + 2.0 * n[1] + n[2]);
            let l = (n[0] + n[2] + n[6] + n[8]) - 2.0 * (n[1] + n[3] + n[5] + n[7]) + 4.0 * n[4];
            let i = (y - 1) * iw + x - 1;
            grad[i] = gx.abs() + gy.abs();
            lap[i] = l.abs();
        }
    }
    let mut finite: Vec<f32> = grad.iter().copied().filter(|g| !g.is_nan()).collect();
    if finite.is_empty() {
        return Ok(0.0);
    }
    let keep =
        ((finite.len() as f64 * (1.0 - EDGE_FRACTION)).ceil() as usize).clamp(1, finite.len());
    let (_, &mut cut, _) = finite.select_nth_unstable_by(keep - 1, f32::total_cmp);
    let kept = |i: usize| grad[i] <= cut; // false for NaN
    let block = BLOCK.min(iw).min(ih);
    let mut sigmas = Vec::new();
    for by in (0..=ih - block).step_by(block) {
        for bx in (0..=iw - block).step_by(block) {
            let (mut sum, mut count) = (0.0f64, 0usize);
            for y in by..by + block {
                let row = y * iw + bx..y * iw + bx + block;
                for (g, l) in grad[row.clone()].iter().zip(&lap[row]) {
                    if *g <= cut {
                        sum += f64::from(*l);
                        count += 1;
                    }
                }
            }
            if 2 * count >= block * block {
                sigmas.push(sum / count as f64);
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
