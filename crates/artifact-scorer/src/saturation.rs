//! Over-saturation: colour pushed past what the frame can hold.
//!
//! After a light 3x3 box prefilter (so single noisy pixels do not count),
//! a pixel is *over-saturated* when its chroma — the spread `max - min` of
//! its R, G and B — is at least [`CHROMA_HIGH`] (of 255) and at least one
//! channel is clipped (at most [`CLIP_LOW`] or at least [`CLIP_HIGH`]):
//! strong colour that has run into the end of the range, which saturation
//! boosts produce and natural scenes rarely do (a clipped highlight is
//! white, with little chroma). The raw measurement is the fraction of
//! such pixels; severity is `1 - exp(-fraction / `[`FRACTION_SCALE`]`)`.
//! Hasler and Suesstrunk's colourfulness (SPIE 2003), on the prefiltered
//! frame, is reported alongside as context: it rises with a boost too, but
//! also with honestly colourful scenes, so it is not the severity.

use oddframe::{Error, Frame};

use crate::Result;

use crate::filter::{greater, lesser};
use crate::Measurement;

/// Least chroma (`max - min` of R, G, B) of an over-saturated pixel.
pub const CHROMA_HIGH: f32 = 120.0;
/// A channel at or below this is clipped low.
pub const CLIP_LOW: f32 = 4.0;
/// A channel at or above this is clipped high.
pub const CLIP_HIGH: f32 = 251.0;
/// Fraction of over-saturated pixels that gives severity `1 - 1/e`.
pub const FRACTION_SCALE: f64 = 0.1;

/// The saturation of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Saturation {
    /// Raw: the fraction of over-saturated pixels; severity per the module docs.
    pub over_saturated: Measurement,
    /// Hasler and Suesstrunk's colourfulness `M` (context, not a severity).
    pub colourfulness: f64,
}

/// Measures over-saturation in a frame. Grey frames have no chroma: both
/// numbers are 0.
///
/// ```
/// use artifact_scorer::saturation;
/// use oddframe::{image::RgbImage, Frame};
///
/// let muted = RgbImage::from_pixel(16, 16, [150, 110, 100].into());
/// let loud = RgbImage::from_pixel(16, 16, [255, 40, 0].into());
/// let m = |i| saturation::measure(&Frame::rgb(i, 0, Default::default()));
/// assert_eq!(m(muted)?.over_saturated.severity, 0.0);
/// assert!(m(loud)?.over_saturated.severity > 0.99);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`Error::Empty`] for a frame without pixels.
pub fn measure(frame: &Frame) -> Result<Saturation> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    if w == 0 || h == 0 {
        return Err(Error::Empty { what: "frame" }.into());
    }
    if frame.channels() != 3 {
        return Ok(Saturation {
            over_saturated: Measurement::new(0.0, 0.0),
            colourfulness: 0.0,
        });
    }
    let (over, rg, yb) = scan(frame.as_bytes(), w, h);
    let fraction = over as f64 / (w * h) as f64;
    let colourfulness =
        (rg.var() + yb.var()).sqrt() + 0.3 * (rg.mean().powi(2) + yb.mean().powi(2)).sqrt();
    Ok(Saturation {
        over_saturated: Measurement::saturating(fraction, FRACTION_SCALE),
        colourfulness,
    })
}

/// Running mean and variance.
#[derive(Default)]
struct Moments {
    n: f64,
    sum: f64,
    sum_sq: f64,
}

impl Moments {
    fn mean(&self) -> f64 {
        self.sum / self.n
    }

    fn var(&self) -> f64 {
        (self.sum_sq / self.n - self.mean().powi(2)).max(0.0)
    }
}

/// Lanes of per-row partial sums: eight of each, so the pixel loop vectorises.
#[derive(Default)]
struct Lanes {
    over: [f32; 8],
    rg: [f32; 8],
    rg_sq: [f32; 8],
    yb: [f32; 8],
    yb_sq: [f32; 8],
}

impl Lanes {
    /// Adds up to eight prefiltered pixels: `sums` holds their interleaved
    /// channel sums over windows of `n` pixels each (`recip` is `1 / n`).
    #[inline]
    fn add(&mut self, sums: &[u16], n: &[f32], recip: &[f32]) {
        let mut px = [[0.0f32; 8]; 3];
        let (mut count, mut scale) = ([1.0f32; 8], [1.0f32; 8]);
        for (k, v) in sums.chunks_exact(3).enumerate().take(8) {
            for c in 0..3 {
                px[c][k] = f32::from(v[c]);
            }
            count[k] = n[k];
            scale[k] = recip[k];
        }
        self.add8(px, count, scale);
    }

    /// [`Lanes::add`] for exactly eight pixels, channels apart.
    #[inline]
    fn add8(&mut self, [r, g, b]: [[f32; 8]; 3], n: [f32; 8], recip: [f32; 8]) {
        for k in 0..8 {
            let (r, g, b, n) = (r[k], g[k], b[k], n[k]);
            let (max, min) = (greater(greater(r, g), b), lesser(lesser(r, g), b));
            // the box mean's tests, multiplied through by n: exact on the sums
            let clipped = min <= CLIP_LOW * n || max >= CLIP_HIGH * n;
            let over = max - min >= CHROMA_HIGH * n && clipped;
            self.over[k] += if over { 1.0 } else { 0.0 }; // padding: never
            let (rg, yb) = ((r - g) * recip[k], (0.5 * (r + g) - b) * recip[k]);
            self.rg[k] += rg;
            self.rg_sq[k] += rg * rg;
            self.yb[k] += yb;
            self.yb_sq[k] += yb * yb;
        }
    }
}

/// One pass over the frame through a 3x3 box prefilter (the window clamped
/// at the edges): the count of over-saturated pixels and the moments of
/// the two opponent channels. The filter keeps three rows of horizontal
/// sums (interleaved, `u16`) and adds them per output row.
fn scan(bytes: &[u8], w: usize, h: usize) -> (usize, Moments, Moments) {
    let span = |i: usize, n: usize| (i.saturating_sub(1), (i + 1).min(n - 1));
    let columns: Vec<f32> = (0..w)
        .map(|x| (span(x, w).1 - span(x, w).0 + 1) as f32)
        .collect();
    let mut rows = vec![vec![0u16; 3 * w]; 3];
    let mut window = vec![0u16; 3 * w];
    let (mut n, mut recip) = (vec![0.0f32; w], vec![0.0f32; w]);
    let (mut over, mut rg, mut yb) = (0.0f64, Moments::default(), Moments::default());
    horizontal_sums(&bytes[..w * 3], &mut rows[0]);
    for y in 0..h {
        let (lo, hi) = span(y, h);
        if hi > y {
            horizontal_sums(&bytes[hi * w * 3..][..w * 3], &mut rows[hi % 3]);
        }
        window.copy_from_slice(&rows[lo % 3]);
        for r in lo + 1..=hi {
            for (s, v) in window.iter_mut().zip(&rows[r % 3]) {
                *s += v;
            }
        }
        let rows_in = (hi - lo + 1) as f32;
        for ((n, r), c) in n.iter_mut().zip(&mut recip).zip(&columns) {
            *n = c * rows_in;
            *r = 1.0 / *n;
        }
        let mut lanes = Lanes::default();
        let (full, rest) = (window.chunks_exact(24), window.len() / 24 * 8);
        let rest_sums = full.remainder();
        for ((sums, n), recip) in full.zip(n.chunks_exact(8)).zip(recip.chunks_exact(8)) {
            let mut px = [[0.0f32; 8]; 3];
            for k in 0..8 {
                for c in 0..3 {
                    px[c][k] = f32::from(sums[3 * k + c]);
                }
            }
            let eight = |v: &[f32]| std::array::from_fn(|k| v[k]);
            lanes.add8(px, eight(n), eight(recip));
        }
        lanes.add(rest_sums, &n[rest..], &recip[rest..]);
        let total = |l: &[f32; 8]| l.iter().map(|&v| f64::from(v)).sum::<f64>();
        over += total(&lanes.over);
        rg.sum += total(&lanes.rg);
        rg.sum_sq += total(&lanes.rg_sq);
        yb.sum += total(&lanes.yb);
        yb.sum_sq += total(&lanes.yb_sq);
    }
    let n = (w * h) as f64;
    (rg.n, yb.n) = (n, n);
    (over as usize, rg, yb)
}

/// Sums of three horizontal neighbours (two at the ends) of one
/// interleaved RGB row, per channel, into `out` (interleaved too).
fn horizontal_sums(row: &[u8], out: &mut [u16]) {
    let n = row.len();
    for (o, &v) in out.iter_mut().zip(row) {
        *o = u16::from(v);
    }
    if n > 3 {
        let m = n - 3;
        for (o, &r) in out[..m].iter_mut().zip(&row[3..]) {
            *o += u16::from(r);
        }
        for (o, &l) in out[3..].iter_mut().zip(&row[..m]) {
            *o += u16::from(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{scan, CHROMA_HIGH, CLIP_HIGH, CLIP_LOW};

    /// The prefiltered pixels by the definition: each the mean of its
    /// clamped 3x3 window.
    fn box_means(bytes: &[u8], w: usize, h: usize) -> Vec<[f64; 3]> {
        let span = |i: usize, n: usize| i.saturating_sub(1)..=(i + 1).min(n - 1);
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let (mut sum, mut n) = ([0.0; 3], 0.0);
                for sy in span(y, h) {
                    for sx in span(x, w) {
                        for (c, s) in sum.iter_mut().enumerate() {
                            *s += f64::from(bytes[(sy * w + sx) * 3 + c]);
                        }
                        n += 1.0;
                    }
                }
                out.push(sum.map(|s| s / n));
            }
        }
        out
    }

    #[test]
    fn one_pass_agrees_with_the_definition() {
        let mut s = 7u64;
        let mut seen_over = 0;
        for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 2), (9, 3), (17, 6), (33, 4)] {
            // saturated reds with some grey: windows fall on both sides of the test
            let palette = [[255u8, 40, 0], [250, 0, 60], [255, 90, 10], [120, 120, 120]];
            let bytes: Vec<u8> = (0..w * h)
                .flat_map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    palette[((s >> 33) % 4) as usize]
                })
                .collect();
            let means = box_means(&bytes, w, h);
            let over = means
                .iter()
                .filter(|p| {
                    let (max, min) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
                    max - min >= f64::from(CHROMA_HIGH)
                        && (min <= f64::from(CLIP_LOW) || max >= f64::from(CLIP_HIGH))
                })
                .count();
            let rg: Vec<f64> = means.iter().map(|p| p[0] - p[1]).collect();
            let (got_over, got_rg, _) = scan(&bytes, w, h);
            assert_eq!(got_over, over, "{w}x{h}");
            seen_over += over;
            let mean = rg.iter().sum::<f64>() / rg.len() as f64;
            let var = rg.iter().map(|v| v * v).sum::<f64>() / rg.len() as f64 - mean * mean;
            assert!((got_rg.mean() - mean).abs() < 1e-3, "{w}x{h}");
            assert!((got_rg.var() - var.max(0.0)).abs() < 1e-2, "{w}x{h}");
        }
        assert!(seen_over > 20, "only {seen_over} over-saturated pixels");
    }
}
