//! Judder: an irregular cadence of frames — content held (a frame repeated
//! while the scene moves), frames dropped (motion or time jumping by more
//! than one step) — within a window of consecutive frames.
//!
//! For each pair of consecutive frames the detector takes the mean absolute
//! luma difference `d` (on every [`GRID`]th pixel of every [`GRID`]th row)
//! and the timestamp step `dt`. Against the window's medians `m` of `d` and
//! `T` of `dt`, a transition is
//! - *held* when the scene moves (`m >= `[`MOTION_MIN`]) but this pair
//!   barely differs (`d < `[`HOLD_RATIO`]` * m` and `d < `[`HOLD_MAX`]);
//! - *dropped* when time jumps (`dt > `[`GAP_RATIO`]` * T`) or, in a moving
//!   scene, the content jumps (`d > `[`DROP_RATIO`]` * m`).
//!
//! The raw measurement is the fraction of transitions that are held or
//! dropped; severity maps it linearly, reaching 1 at [`IRREGULAR_SEVERE`].
//! A window of fewer than two frames has no transitions: raw and severity 0.

use std::time::Duration;

use oddframe::threshold::quantile;
use oddframe::{Error, Frame};

use crate::Result;

use crate::{Luma, Measurement};

/// Sampling step of the frame difference, in pixels along both axes.
pub const GRID: usize = 2;
/// Least median difference (8-bit units) for the scene to count as moving.
pub const MOTION_MIN: f64 = 0.5;
/// A transition differing by less than this share of the median is held.
pub const HOLD_RATIO: f64 = 0.25;
/// Largest difference (mean absolute, 8-bit units) a held pair may show: a
/// repeated picture differs by little more than coding noise, while a scene
/// whose motion merely slows still changes.
pub const HOLD_MAX: f64 = 0.5;
/// A transition differing by more than this multiple of the median dropped frames.
pub const DROP_RATIO: f64 = 2.0;
/// A timestamp step longer than this multiple of the median dropped frames.
pub const GAP_RATIO: f64 = 1.5;
/// Irregular fraction at and above which the severity is 1.
pub const IRREGULAR_SEVERE: f64 = 0.5;

/// The cadence of a window of frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judder {
    /// Raw: the fraction of irregular transitions; severity per the module docs.
    pub irregular: Measurement,
    /// Transitions that held the previous content.
    pub held: usize,
    /// Transitions that skipped frames.
    pub dropped: usize,
    /// Transitions in the window (frames - 1).
    pub transitions: usize,
}

/// Measures judder over consecutive `frames` (in order, one size).
///
/// ```
/// use std::time::Duration;
/// use artifact_scorer::judder;
/// use oddframe::{image::GrayImage, Frame};
///
/// // a bar moving 2 pixels per frame, with the fourth frame a repeat of the third
/// let at = |x0: u32, k: u64| {
///     let img = GrayImage::from_fn(64, 16, |x, _| [if (x0..x0 + 8).contains(&x) { 255 } else { 0 }].into());
///     Frame::luma(img, k, Duration::from_millis(40 * k))
/// };
/// let frames: Vec<Frame> = [0, 2, 4, 4, 6, 8, 10].iter().zip(0..).map(|(&x, k)| at(x, k)).collect();
/// let j = judder::measure(&frames)?;
/// assert_eq!((j.held, j.dropped, j.transitions), (1, 0, 6));
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] when the frames differ in size, or a
/// timestamp goes backwards ([`Error::InvalidParameter`]).
pub fn measure(frames: &[Frame]) -> Result<Judder> {
    let lumas = frames
        .iter()
        .map(Luma::from_frame)
        .collect::<Result<Vec<_>>>()?;
    let planes: Vec<(&Luma, Duration)> = lumas
        .iter()
        .zip(frames.iter().map(Frame::timestamp))
        .collect();
    measure_planes(&planes)
}

/// [`measure`] on frames already converted to luma, with their timestamps.
pub(crate) fn measure_planes(frames: &[(&Luma, Duration)]) -> Result<Judder> {
    let lumas: Vec<&Luma> = frames.iter().map(|f| f.0).collect();
    let mut diffs = Vec::with_capacity(frames.len().saturating_sub(1));
    let mut steps = Vec::with_capacity(diffs.capacity());
    for (i, pair) in lumas.windows(2).enumerate() {
        diffs.push(mean_abs_diff(pair[0], pair[1])?);
        let (a, b) = (frames[i].1, frames[i + 1].1);
        let step = b.checked_sub(a).ok_or_else(|| {
            Error::invalid_parameter("timestamp", format!("{b:?} after {a:?}"), "non-decreasing")
        })?;
        steps.push(step.as_secs_f64());
    }
    let transitions = diffs.len();
    if transitions == 0 {
        return Ok(Judder {
            irregular: Measurement::new(0.0, 0.0),
            held: 0,
            dropped: 0,
            transitions,
        });
    }
    let (m, t) = (quantile(&diffs, 0.5)?, quantile(&steps, 0.5)?);
    let moving = m >= MOTION_MIN;
    let (mut held, mut dropped) = (0, 0);
    for (&d, &dt) in diffs.iter().zip(&steps) {
        if moving && d < (HOLD_RATIO * m).min(HOLD_MAX) {
            held += 1;
        } else if (t > 0.0 && dt > GAP_RATIO * t) || (moving && d > DROP_RATIO * m) {
            dropped += 1;
        }
    }
    let raw = (held + dropped) as f64 / transitions as f64;
    Ok(Judder {
        irregular: Measurement::linear(raw, 0.0, IRREGULAR_SEVERE),
        held,
        dropped,
        transitions,
    })
}

fn mean_abs_diff(a: &Luma, b: &Luma) -> Result<f64> {
    if (a.width(), a.height()) != (b.width(), b.height()) {
        return Err(Error::DimensionMismatch {
            what: "frame pixels in a window",
            expected: a.width() * a.height(),
            found: b.width() * b.height(),
        }
        .into());
    }
    let w = a.width();
    let (pa, pb) = (a.as_slice(), b.as_slice());
    let (mut sum, mut n) = (0.0f64, 0usize);
    for y in (0..a.height()).step_by(GRID) {
        for x in (0..w).step_by(GRID) {
            sum += f64::from((pa[y * w + x] - pb[y * w + x]).abs());
            n += 1;
        }
    }
    Ok(if n == 0 { 0.0 } else { sum / n as f64 })
}
