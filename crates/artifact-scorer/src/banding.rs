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

use crate::Result;

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
/// # Ok::<(), artifact_scorer::ArtifactError>(())
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

/// `v` (in `0..=255`) rounded half up: `f32::round` without a libm call
/// (the baseline x86-64 target has no rounding instruction).
#[inline]
fn round_half_up(v: f32) -> u16 {
    let whole = v as u16;
    whole + u16::from(v - f32::from(whole) >= 0.5)
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
        // each row rounded, then summed with its right neighbour
        let pairs = |y: usize, out: &mut [u16]| {
            let row = &p[y * w..][..w];
            for (o, &v) in out.iter_mut().zip(row) {
                *o = round_half_up(v);
            }
            let last = out[w - 1];
            for x in 0..w - 1 {
                out[x] += out[x + 1];
            }
            out[w - 1] += last;
        };
        let mut v = vec![0u16; w * h];
        let (mut above, mut below) = (vec![0u16; w], vec![0u16; w]);
        pairs(0, &mut above);
        for y in 0..h {
            if y + 1 < h {
                pairs(y + 1, &mut below);
            } else {
                below.copy_from_slice(&above); // the last row repeats
            }
            for ((o, a), b) in v[y * w..][..w].iter_mut().zip(&above).zip(&below) {
                *o = a + b;
            }
            std::mem::swap(&mut above, &mut below);
        }
        Self { w, h, v }
    }

    /// The plane halved by 2x2 averaging (rounded).
    fn halved(&self) -> Self {
        let (w, h) = (self.w / 2, self.h / 2);
        let mut v = vec![0u16; w * h];
        for (y, out) in v.chunks_exact_mut(w.max(1)).enumerate().take(h) {
            let top = &self.v[2 * y * self.w..][..2 * w];
            let bottom = &self.v[(2 * y + 1) * self.w..][..2 * w];
            let quads = top.chunks_exact(2).zip(bottom.chunks_exact(2));
            for (o, (t, b)) in out.iter_mut().zip(quads) {
                let s = u32::from(t[0]) + u32::from(t[1]) + u32::from(b[0]) + u32::from(b[1]);
                *o = ((s + 2) / 4) as u16;
            }
        }
        Self { w, h, v }
    }

    /// Smooth pixels: a zero derivative themselves, and in at least half of
    /// their 5x5 window (clipped at the frame's edges). The window counts
    /// are separable box sums: five columns along each row, then five rows.
    fn smooth_mask(&self) -> Vec<bool> {
        let (w, h, v) = (self.w, self.h, &self.v);
        // zero derivative towards the right and below (the last column and
        // row compare with themselves)
        let mut zero = vec![0u8; w * h];
        for y in 0..h {
            let row = &v[y * w..][..w];
            let next = &v[(y + 1).min(h - 1) * w..][..w];
            let out = &mut zero[y * w..][..w];
            let n = w - 1;
            let (here, right, below) = (&row[..n], &row[1..], &next[..n]);
            for x in 0..n {
                out[x] = u8::from(right[x] == here[x]) & u8::from(below[x] == here[x]);
            }
            out[n] = u8::from(next[n] == row[n]);
        }
        // five-wide sums along each row (fewer at the ends)
        let mut across = vec![0u8; w * h];
        for (src, dst) in zero.chunks_exact(w).zip(across.chunks_exact_mut(w)) {
            if w > 4 {
                let n = w - 4;
                let (a, b, c, d, e) = (
                    &src[..n],
                    &src[1..][..n],
                    &src[2..][..n],
                    &src[3..][..n],
                    &src[4..][..n],
                );
                let mid = &mut dst[2..][..n];
                for x in 0..n {
                    mid[x] = a[x] + b[x] + c[x] + d[x] + e[x];
                }
            }
            for x in (0..2.min(w)).chain(w.saturating_sub(2).max(2)..w) {
                dst[x] = src[x.saturating_sub(2)..(x + 3).min(w)].iter().sum();
            }
        }
        let span = |i: usize, n: usize| (i.saturating_sub(2), (i + 3).min(n));
        let cols: Vec<u16> = (0..w)
            .map(|x| (span(x, w).1 - span(x, w).0) as u16)
            .collect();
        let mut mask = vec![false; w * h];
        let mut count = vec![0u16; w];
        for y in 0..h {
            let (y0, y1) = span(y, h);
            count.fill(0);
            for r in y0..y1 {
                for (c, &a) in count.iter_mut().zip(&across[r * w..][..w]) {
                    *c += u16::from(a);
                }
            }
            let rows_in = (y1 - y0) as u16;
            let (flat, out) = (&zero[y * w..][..w], &mut mask[y * w..][..w]);
            for x in 0..w {
                out[x] = (flat[x] == 1) & (2 * count[x] >= rows_in * cols[x]);
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

#[cfg(test)]
mod tests {
    use super::Plane;

    /// The smooth mask by its definition, window by window.
    fn smooth_by_definition(p: &Plane) -> Vec<bool> {
        let (w, h, v) = (p.w, p.h, &p.v);
        let flat = |x: usize, y: usize| {
            let i = y * w + x;
            (x + 1 == w || v[i + 1] == v[i]) && (y + 1 == h || v[i + w] == v[i])
        };
        let mut mask = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let (ys, xs) = (
                    y.saturating_sub(2)..(y + 3).min(h),
                    x.saturating_sub(2)..(x + 3).min(w),
                );
                let area = ys.len() * xs.len();
                let count = ys
                    .flat_map(|sy| xs.clone().map(move |sx| (sx, sy)))
                    .filter(|&(sx, sy)| flat(sx, sy))
                    .count();
                mask.push(flat(x, y) && 2 * count >= area);
            }
        }
        mask
    }

    #[test]
    fn smooth_mask_agrees_with_its_definition() {
        let mut s = 3u64;
        for (w, h) in [
            (1, 1),
            (1, 7),
            (7, 1),
            (2, 3),
            (4, 4),
            (5, 9),
            (13, 6),
            (40, 11),
        ] {
            let v = (0..w * h)
                .map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    [100u16, 100, 100, 101][((s >> 33) % 4) as usize] // mostly flat
                })
                .collect();
            let plane = Plane { w, h, v };
            assert_eq!(plane.smooth_mask(), smooth_by_definition(&plane), "{w}x{h}");
        }
    }
}
