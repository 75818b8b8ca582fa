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

use oddframe::{Error, Frame, Result};

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
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::Empty`] for a frame without pixels.
pub fn measure(frame: &Frame) -> Result<Saturation> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    if w == 0 || h == 0 {
        return Err(Error::Empty { what: "frame" });
    }
    if frame.channels() != 3 {
        return Ok(Saturation {
            over_saturated: Measurement::new(0.0, 0.0),
            colourfulness: 0.0,
        });
    }
    let rgb = box3(frame.as_bytes(), w, h);
    let mut over = 0usize;
    let (mut rg, mut yb) = (Moments::default(), Moments::default());
    for p in rgb.chunks_exact(3) {
        let (max, min) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
        if max - min >= CHROMA_HIGH && (min <= CLIP_LOW || max >= CLIP_HIGH) {
            over += 1;
        }
        rg.add(f64::from(p[0] - p[1]));
        yb.add(0.5 * f64::from(p[0] + p[1]) - f64::from(p[2]));
    }
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
    fn add(&mut self, v: f64) {
        self.n += 1.0;
        self.sum += v;
        self.sum_sq += v * v;
    }

    fn mean(&self) -> f64 {
        self.sum / self.n
    }

    fn var(&self) -> f64 {
        (self.sum_sq / self.n - self.mean().powi(2)).max(0.0)
    }
}

/// 3x3 mean of interleaved RGB, the window clamped at the edges: sums of
/// three along each row, then of three rows.
fn box3(bytes: &[u8], w: usize, h: usize) -> Vec<f32> {
    let span = |i: usize, n: usize| (i.saturating_sub(1), (i + 1).min(n - 1));
    let mut rows = vec![0u16; w * h * 3];
    for y in 0..h {
        let (src, dst) = (
            &bytes[y * w * 3..][..w * 3],
            &mut rows[y * w * 3..][..w * 3],
        );
        for x in 0..w {
            let (lo, hi) = span(x, w);
            for c in 0..3 {
                dst[x * 3 + c] = (lo..=hi).map(|sx| u16::from(src[sx * 3 + c])).sum();
            }
        }
    }
    let mut out = vec![0.0f32; w * h * 3];
    for y in 0..h {
        let (lo, hi) = span(y, h);
        let rows_in = (hi - lo + 1) as f32;
        let dst = &mut out[y * w * 3..][..w * 3];
        for sy in lo..=hi {
            for (d, &v) in dst.iter_mut().zip(&rows[sy * w * 3..][..w * 3]) {
                *d += f32::from(v);
            }
        }
        for x in 0..w {
            let (a, b) = span(x, w);
            let n = rows_in * (b - a + 1) as f32;
            for d in &mut dst[x * 3..x * 3 + 3] {
                *d /= n;
            }
        }
    }
    out
}
