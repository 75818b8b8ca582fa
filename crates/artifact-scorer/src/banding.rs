//! Banding: false contours in smooth gradients, after CAMBI (Tandon, Afonso,
//! Sole and Krasula, "CAMBI: Contrast-aware Multiscale Banding Index",
//! Picture Coding Symposium 2021), adapted to 8-bit frames and to the coarse
//! steps of posterisation.
//!
//! Following the paper:
//! 1. **Anti-dithering and 10-bit values**: each pixel becomes the sum of its
//!    2x2 neighbourhood of rounded 8-bit luma, a 10-bit value (`0..=1020`)
//!    with dither averaged away.
//! 2. **Smooth mask**: a pixel has a zero derivative when it equals its right
//!    and lower neighbours; a pixel is smooth when it has one and so has at
//!    least half of the 5x5 window around it. Banding lives in smooth areas;
//!    texture and noise have almost no zero derivatives, and the transition
//!    pixels between two flat areas are left out.
//! 3. **Contrast-aware band statistic**: in a window of side `W` (a 32nd of
//!    the frame's shorter side, odd, 9 to 65 pixels), `p(v)` is the share of
//!    the window's pixels that are smooth with value `v`. For a contrast `k`,
//!    the paper's `c_k(v) = p(v) * max(p(v+k) / (p(v) + p(v+k)), p(v-k) /
//!    (p(v) + p(v-k)))` is high where a large flat band of `v` meets another
//!    at `v ± k`. The window's index is `sum_v p(v) * max_k w_k c_k(v)`. The
//!    paper's contrasts are 1 to 4 10-bit codes, the steps of a fine
//!    quantiser; here they are [`CONTRASTS`] (1 to 32 8-bit codes), each
//!    matching neighbours within a quarter of `k`, weighted by visibility
//!    `w_k = min(1, k / 32)` (8-bit steps of 8 and more count fully).
//! 4. **Multiscale and pooling**: the statistic is computed on
//!    non-overlapping windows at [`SCALES`] scales (each halving the frame
//!    by 2x2 averaging, the window staying `W` pixels, so that wide bands
//!    are seen whole), pooled per scale as the mean of the top
//!    [`TOP_FRACTION`] of windows, and averaged over the scales.
//!
//! The raw measurement is that average times 100 (0 for a frame without
//! smooth areas); severity maps it linearly from [`BANDING_CLEAN`] (0) to
//! [`BANDING_SEVERE`] (1). Strong JPEG compression flattens blocks into
//! smooth plateaus separated by steps and reads as banding too: the two
//! artifacts overlap by nature.

use oddframe::Result;

use crate::{Luma, Measurement};

/// Band contrasts looked for, in 10-bit units (1, 2, 4, 8, 16 and 32 8-bit codes).
pub const CONTRASTS: [u16; 6] = [4, 8, 16, 32, 64, 128];
/// Scales analysed (the frame, then halved four times).
pub const SCALES: usize = 5;
/// Share of windows, the most banded, pooled per scale.
pub const TOP_FRACTION: f64 = 0.3;
/// Index at and below which the severity is 0.
pub const BANDING_CLEAN: f64 = 0.05;
/// Index at and above which the severity is 1.
pub const BANDING_SEVERE: f64 = 3.3;

/// Banding in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Banding {
    /// Raw: the pooled index (0 to 100); severity per the module docs.
    pub overall: Measurement,
    /// Share of the full-resolution frame that is smooth.
    pub smooth_fraction: f64,
}

/// Measures banding in `luma`.
///
/// ```
/// use artifact_scorer::{banding, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // a gentle ramp, and the same ramp posterised to steps of 16
/// let ramp = GrayImage::from_fn(256, 128, |x, _| [(40 + x / 2) as u8].into());
/// let bands = GrayImage::from_fn(256, 128, |x, _| [(40 + x / 2) as u8 / 16 * 16].into());
/// let m = |i| banding::measure(&Luma::from_frame(&Frame::luma(i, 0, Default::default()))?);
/// let (smooth, banded) = (m(ramp)?, m(bands)?);
/// assert!(smooth.overall.severity < 0.1 && banded.overall.severity > 0.5);
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 2x2.
pub fn measure(luma: &Luma) -> Result<Banding> {
    luma.require(2, "at least 2x2 pixels")?;
    let side = luma.width().min(luma.height());
    let window = ((side / 32) | 1).clamp(9, 65);
    let mut plane = Plane::ten_bit(luma);
    let mut smooth_fraction = 0.0;
    let mut scores = Vec::new();
    for scale in 0..SCALES {
        if plane.w < window || plane.h < window {
            break;
        }
        let mask = plane.smooth_mask();
        if scale == 0 {
            smooth_fraction = mask.iter().filter(|&&m| m).count() as f64 / mask.len() as f64;
        }
        scores.push(plane.pooled_index(&mask, window));
        plane = plane.halved();
    }
    let raw = if scores.is_empty() {
        0.0
    } else {
        100.0 * scores.iter().sum::<f64>() / scores.len() as f64
    };
    Ok(Banding {
        overall: Measurement::linear(raw, BANDING_CLEAN, BANDING_SEVERE),
        smooth_fraction,
    })
}

/// A plane of 10-bit values.
struct Plane {
    w: usize,
    h: usize,
    v: Vec<u16>,
}

impl Plane {
    /// Sums of 2x2 neighbourhoods of the rounded 8-bit luma (the last row
    /// and column repeat their neighbours).
    fn ten_bit(luma: &Luma) -> Self {
        let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
        let q = |x: usize, y: usize| p[y.min(h - 1) * w + x.min(w - 1)].round() as u16;
        let v = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| q(x, y) + q(x + 1, y) + q(x, y + 1) + q(x + 1, y + 1))
            .collect();
        Self { w, h, v }
    }

    /// The plane halved by 2x2 averaging (rounded).
    fn halved(&self) -> Self {
        let (w, h) = (self.w / 2, self.h / 2);
        let at = |x: usize, y: usize| u32::from(self.v[y * self.w + x]);
        let v = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let s = at(2 * x, 2 * y)
                    + at(2 * x + 1, 2 * y)
                    + at(2 * x, 2 * y + 1)
                    + at(2 * x + 1, 2 * y + 1);
                ((s + 2) / 4) as u16
            })
            .collect();
        Self { w, h, v }
    }

    /// Smooth pixels: a zero derivative themselves, and in at least half of
    /// their 5x5 window.
    fn smooth_mask(&self) -> Vec<bool> {
        let (w, h, v) = (self.w, self.h, &self.v);
        let mut zero = vec![0u32; (w + 1) * (h + 1)]; // integral image of zero derivatives
        for y in 0..h {
            let mut row = 0;
            for x in 0..w {
                let i = y * w + x;
                let right = x + 1 == w || v[i + 1] == v[i];
                let below = y + 1 == h || v[i + w] == v[i];
                row += u32::from(right && below);
                zero[(y + 1) * (w + 1) + x + 1] = zero[y * (w + 1) + x + 1] + row;
            }
        }
        let mut mask = vec![false; w * h];
        for y in 0..h {
            let (y0, y1) = (y.saturating_sub(2), (y + 3).min(h));
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(2), (x + 3).min(w));
                let count = zero[y1 * (w + 1) + x1] + zero[y0 * (w + 1) + x0]
                    - zero[y0 * (w + 1) + x1]
                    - zero[y1 * (w + 1) + x0];
                let i = y * w + x;
                let flat = (x + 1 == w || v[i + 1] == v[i]) && (y + 1 == h || v[i + w] == v[i]);
                mask[i] = flat && 2 * count as usize >= (y1 - y0) * (x1 - x0);
            }
        }
        mask
    }

    /// Mean of the top [`TOP_FRACTION`] of the windows' band statistics.
    fn pooled_index(&self, mask: &[bool], window: usize) -> f64 {
        let mut counts = vec![0u32; 1021];
        let mut stats = Vec::new();
        for y0 in (0..=self.h - window).step_by(window) {
            for x0 in (0..=self.w - window).step_by(window) {
                stats.push(self.window_index(mask, x0, y0, window, &mut counts));
            }
        }
        stats.sort_by(|a, b| b.total_cmp(a));
        let top = ((stats.len() as f64 * TOP_FRACTION).ceil() as usize).clamp(1, stats.len());
        stats[..top].iter().sum::<f64>() / top as f64
    }

    /// The contrast-aware band statistic of one window; `counts` is a
    /// zeroed 10-bit histogram, returned zeroed.
    fn window_index(
        &self,
        mask: &[bool],
        x0: usize,
        y0: usize,
        window: usize,
        counts: &mut [u32],
    ) -> f64 {
        let mut values = Vec::new();
        for y in y0..y0 + window {
            let row = y * self.w + x0..y * self.w + x0 + window;
            for (&smooth, &v) in mask[row.clone()].iter().zip(&self.v[row]) {
                if smooth {
                    let v = usize::from(v);
                    if counts[v] == 0 {
                        values.push(v);
                    }
                    counts[v] += 1;
                }
            }
        }
        // prefix sums over the populated values, to count a value range fast
        values.sort_unstable();
        let mut prefix = Vec::with_capacity(values.len() + 1);
        prefix.push(0u32);
        for &v in &values {
            prefix.push(prefix.last().copied().unwrap_or(0) + counts[v]);
        }
        let total = (window * window) as f64;
        let share_in = |lo: i64, hi: i64| {
            let a = values.partition_point(|&v| (v as i64) < lo);
            let b = values.partition_point(|&v| (v as i64) <= hi);
            f64::from(prefix[b] - prefix[a]) / total
        };
        let mut index = 0.0;
        for &v in &values {
            let p = f64::from(counts[v]) / total;
            let mut best = 0.0f64;
            for k in CONTRASTS {
                let (k, tol) = (i64::from(k), i64::from(k) / 4);
                let c = v as i64;
                let up = share_in(c + k - tol, c + k + tol);
                let down = share_in(c - k - tol, c - k + tol);
                let ck = p * (up / (p + up)).max(down / (p + down));
                best = best.max((k as f64 / 32.0).sqrt().min(1.0) * ck);
            }
            index += p * best;
        }
        for &v in &values {
            counts[v] = 0;
        }
        index
    }
}
