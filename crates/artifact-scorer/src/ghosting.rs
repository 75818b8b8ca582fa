//! Ghosting: a faint copy of the previous frame left in the current one, as
//! frame blending and some deinterlacers and codecs' weighted prediction
//! leave it when content moves. Designed here; the module says how.
//!
//! If content moved by `v` from the previous frame to the current one, a
//! ghost is the current frame's content shifted back by `v` and added
//! faintly: `G(x) = (1 - w) F(x) + w F(x + v)`. That is an echo, and the
//! power cepstrum, invented to find echoes (Bogert, Healy and Tukey 1963),
//! shows one as a *positive* peak at lag `±v` of height about
//! `a = w / (1 - w)`. So:
//! 1. **Motion**: the global displacement `v` from the previous frame to
//!    the current one is found by phase correlation of their centred
//!    [`CORRELATION_TILE`]-pixel squares (Hann-windowed). Under a ghost the
//!    correlation also peaks at zero (the ghost stands where the content
//!    was), so the strongest peak at least [`MIN_LAG`] pixels out is taken.
//! 2. **Echo**: in the current frame's tile-averaged power cepstrum (as in
//!    [`crate::blur_kind`], with a low floor so that weak high frequencies
//!    keep their ripple), the echo `a` is the largest excess, within a
//!    pixel of `v`, of the cepstrum over the frame's own structure: the
//!    larger of the median of the cepstrum's ring at that distance and the
//!    second largest value on the square two pixels around the lag (motion
//!    blur leaves lines, which cross that square twice; an echo is a point).
//! 3. **Second copy where the content was**: the phase correlation also
//!    peaks at zero displacement under a ghost (about 6 % of the main peak
//!    for a 10 % ghost, 0.1 % for a clean pair). Lines in the frame can
//!    imitate an echo (motion blur along the motion, say) but not this
//!    peak, so the echo counts in proportion to the zero peak's height
//!    between [`ZERO_PEAK_NONE`] and [`ZERO_PEAK_FULL`]; a static overlay
//!    (a dirty lens, burnt-in noise) raises the zero peak but leaves no echo.
//! 4. The raw measurement is that share of the ghost weight `w = a / (1 +
//!    a)` (0 when `a <= 0`); severity maps it linearly from
//!    [`GHOST_CLEAN`] (0) to [`GHOST_SEVERE`] (1).
//!
//! A ghost is measurable only where content moves: a static scene, motion
//! under [`MIN_LAG`] pixels (where a ghost is indistinguishable from slight
//! blur) or beyond the cepstrum's reach (three eighths of its tile), and
//! frames too small for the transforms read 0. Motion blur leaves negative
//! cepstral peaks, not positive ones, and does not read as a ghost.

use oddframe::Error;

use crate::Result;

use crate::filter::median;
use crate::spectrum::{phase_correlation, power_cepstrum, tile_side};
use crate::{Luma, Measurement};

/// Largest side of the squares phase-correlated for the motion.
pub const CORRELATION_TILE: usize = 256;
/// Side of the tiles whose cepstrum is searched for the echo.
pub const CEPSTRUM_TILE: usize = 128;
/// Smallest displacement (pixels) at which a ghost is measured.
pub const MIN_LAG: f64 = 3.0;
/// Relative phase correlation at zero displacement up to which no ghost
/// counts (clean pairs read about 0.001).
pub const ZERO_PEAK_NONE: f64 = 0.01;
/// Relative phase correlation at zero displacement from which the echo
/// counts in full (a 10 % ghost reads about 0.06).
pub const ZERO_PEAK_FULL: f64 = 0.04;
/// Robust standard deviations of the cepstrum's ring at the lag that an
/// echo must exceed; the echo is counted above them.
pub const NOISE_DEVIATIONS: f64 = 3.0;
/// Ghost weight at and below which the severity is 0.
pub const GHOST_CLEAN: f64 = 0.04;
/// Ghost weight at and above which the severity is 1.
pub const GHOST_SEVERE: f64 = 0.3;

/// Ghosting between two consecutive frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ghosting {
    /// Raw: the estimated ghost weight `w` (0..1); severity per the module docs.
    pub overall: Measurement,
    /// The displacement `(dx, dy)` from the previous frame to the current
    /// one; `None` for frames too small or flat to correlate.
    pub motion: Option<(isize, isize)>,
    /// The phase correlation at zero displacement relative to its peak at
    /// the motion (0..=1): where a ghost stands.
    pub zero_peak: f64,
}

/// Measures the ghost of `previous` in `current`.
///
/// ```
/// use artifact_scorer::{ghosting, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // texture panning 6 pixels per frame; the ghosted frame keeps 30 % of the previous one
/// let mut s = 7u32;
/// let tex: Vec<f32> = (0..300 * 300).map(|_| { s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); (s >> 24) as f32 }).collect();
/// let tex = &tex;
/// let at = |shift: u32| move |x: u32, y: u32| tex[(y * 300 + x + 20 - shift) as usize];
/// let frame = |f: &dyn Fn(u32, u32) -> f32| {
///     let img = GrayImage::from_fn(256, 256, |x, y| [f(x, y).round() as u8].into());
///     Luma::from_frame(&Frame::luma(img, 0, Default::default()))
/// };
/// let (before, now) = (at(0), at(6));
/// let clean = ghosting::measure(&frame(&before)?, &frame(&now)?)?;
/// let ghosted = ghosting::measure(&frame(&before)?, &frame(&|x, y| 0.7 * now(x, y) + 0.3 * before(x, y))?)?;
/// assert_eq!(ghosted.motion, Some((6, 0)));
/// assert!(clean.overall.raw < 0.04, "{clean:?}");
/// assert!((ghosted.overall.raw - 0.3).abs() < 0.08, "{ghosted:?}");
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] when the frames differ in size.
pub fn measure(previous: &Luma, current: &Luma) -> Result<Ghosting> {
    if (previous.width(), previous.height()) != (current.width(), current.height()) {
        return Err(Error::DimensionMismatch {
            what: "frame pixels in a pair",
            expected: previous.width() * previous.height(),
            found: current.width() * current.height(),
        }
        .into());
    }
    let none = Ghosting {
        overall: Measurement::new(0.0, 0.0),
        motion: None,
        zero_peak: 0.0,
    };
    let Some(n) = tile_side(current, CORRELATION_TILE, 32) else {
        return Ok(none);
    };
    let Some((motion, at_zero)) = phase_correlation(previous, current, n, MIN_LAG) else {
        return Ok(none);
    };
    let echo = echo_at(current, motion).unwrap_or(0.0);
    let gate = ((at_zero - ZERO_PEAK_NONE) / (ZERO_PEAK_FULL - ZERO_PEAK_NONE)).clamp(0.0, 1.0);
    let weight = if echo > 0.0 {
        gate * echo / (1.0 + echo)
    } else {
        0.0
    };
    Ok(Ghosting {
        overall: Measurement::linear(weight, GHOST_CLEAN, GHOST_SEVERE),
        motion: Some(motion),
        zero_peak: at_zero,
    })
}

/// The cepstral echo of `luma` at lag `(dx, dy)` above its ring's median;
/// `None` when the lag is out of the cepstrum's reach or the frame too small.
fn echo_at(luma: &Luma, (dx, dy): (isize, isize)) -> Option<f64> {
    let n = tile_side(luma, CEPSTRUM_TILE, 32)?;
    let lag = (dx as f64).hypot(dy as f64);
    let reach = (n * 3 / 8) as f64;
    if lag < MIN_LAG || lag > reach {
        return None;
    }
    let c = power_cepstrum(luma, n, 16, 1e-7)?;
    let at = |x: isize, y: isize| {
        c[y.rem_euclid(n as isize) as usize * n + x.rem_euclid(n as isize) as usize]
    };
    // the cepstrum's ring at a distance from the origin
    let r = reach as isize + 3;
    let ring = |dist: f64| -> Vec<f64> {
        (-r..=r)
            .flat_map(|j| (-r..=r).map(move |i| (i, j)))
            .filter(|&(i, j)| ((i as f64).hypot(j as f64) - dist).abs() <= 0.5)
            .map(|(i, j)| at(i, j))
            .collect()
    };
    // the frame's own structure at a lag: the median of the cepstrum's ring
    // at that distance, or the line through it, whichever is larger (motion
    // blur leaves lines, an echo a point)
    let structure = |(x, y): (isize, isize)| {
        let ring_median = median(&mut ring((x as f64).hypot(y as f64))).unwrap_or(0.0);
        // the square two pixels around: a line through `(x, y)` crosses it
        // twice, so its second largest value is on any line
        let mut square: Vec<f64> = (-2..=2)
            .flat_map(|j| (-2..=2).map(move |i| (i, j)))
            .filter(|&(i, j): &(isize, isize)| i.abs() == 2 || j.abs() == 2)
            .map(|(i, j)| at(x + i, y + j))
            .collect();
        square.sort_by(|a, b| b.total_cmp(a));
        ring_median.max(square[1])
    };
    // the cepstrum's scatter at that distance (a robust deviation of its
    // ring): an echo must stand above it, which matters for small frames
    // whose cepstrum averages few tiles
    let mut at_lag = ring(lag);
    let centre = median(&mut at_lag)?;
    let mut spread: Vec<f64> = at_lag.iter().map(|v| (v - centre).abs()).collect();
    let mad = median(&mut spread)?;
    // within a pixel of the lag, for motion between whole pixels
    let echo = (-1..=1)
        .flat_map(|j| (-1..=1).map(move |i| (dx + i, dy + j)))
        .map(|p| at(p.0, p.1) - structure(p))
        .reduce(f64::max)?;
    Some(echo - NOISE_DEVIATIONS * 1.4826 * mad)
}
