//! Ringing: overshoot and undershoot beside strong edges — the halos of
//! over-sharpening and the ripples that coarse transform coding leaves next
//! to edges (Marziliano et al., Signal Processing: Image Communication
//! 2004, measure ringing along the profile across each edge; Liu, Klomp and
//! Heynderickx, IEEE TIP 2010, restrict it to edges with smooth
//! surroundings, where it is visible).
//!
//! The plane is first passed through a 3x3 median, which keeps steps sharp
//! but removes impulses and damps Gaussian noise. An edge pixel is a local
//! maximum of the Sobel gradient along its dominant axis (horizontal or
//! vertical). Across it, a profile is sampled (each sample the mean of three
//! pixels along the edge): the plateaus on the bright and the dark side are
//! the medians of the samples [`PLATEAU`] pixels away, and the edge counts
//! when they differ by at least [`EDGE_CONTRAST`]. Within [`NEAR`] pixels
//! of the edge, the overshoot above the bright plateau and the undershoot
//! below the dark one are found; the edge's ringing is twice the smaller of
//! the two, as a fraction of the edge's contrast (capped at 1). A clean step,
//! or one softened by blur, rises monotonically and reads 0; a halo or a
//! ripple overshoots on both sides and reads its relative height, while
//! texture beside an edge mostly overshoots on one side only.
//!
//! The raw measurement is the mean of that fraction over the frame's edges
//! (0 for a frame with none); severity maps it linearly from
//! [`RINGING_CLEAN`] (0) to [`RINGING_SEVERE`] (1). Textured edges still
//! overshoot a little by nature (0.015 to 0.06 on the bundled photographs
//! and painting), which sets the clean level.

use std::ops::RangeInclusive;

use crate::Result;

use crate::filter::{median3x3, sobel_row};
use crate::{Luma, Measurement};

/// Least contrast between an edge's two plateaus (8-bit units) for it to count.
pub const EDGE_CONTRAST: f32 = 40.0;
/// Distances from the edge (pixels) searched for over- and undershoot.
pub const NEAR: usize = 4;
/// Distances from the edge (pixels) whose median is a side's plateau.
pub const PLATEAU: RangeInclusive<usize> = 6..=8;
/// Mean relative overshoot at and below which the severity is 0.
pub const RINGING_CLEAN: f64 = 0.06;
/// Mean relative overshoot at and above which the severity is 1.
pub const RINGING_SEVERE: f64 = 0.16;

/// Three rows of a Sobel plane.
type Rows = [Vec<f32>; 3];

/// Ringing in a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ringing {
    /// Raw: mean relative over- and undershoot at strong edges; severity per the module docs.
    pub overall: Measurement,
    /// Edge pixels measured.
    pub edges: usize,
}

/// Measures ringing in `luma`.
///
/// ```
/// use artifact_scorer::{ringing, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // a vertical step, and the same step with a halo on both sides
/// let step = |x: u32| if x < 32 { 60.0 } else { 180.0 };
/// let halo = |x: u32| step(x) + match x { 29..=31 => -30.0, 32..=34 => 30.0, _ => 0.0 };
/// let plane = |f: &dyn Fn(u32) -> f64| {
///     let img = GrayImage::from_fn(64, 64, |x, _| [f(x) as u8].into());
///     Luma::from_frame(&Frame::luma(img, 0, Default::default()))
/// };
/// let clean = ringing::measure(&plane(&step)?)?;
/// let ringy = ringing::measure(&plane(&halo)?)?;
/// assert_eq!(clean.overall.raw, 0.0);
/// assert!(ringy.overall.raw > 0.4 && ringy.overall.severity == 1.0);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 3x3.
pub fn measure(luma: &Luma) -> Result<Ringing> {
    luma.require(3, "at least 3x3 pixels")?;
    let (w, h) = (luma.width(), luma.height());
    let m = median3x3(luma);
    let reach = *PLATEAU.end() + 1;
    let (mut sum, mut edges) = (0.0f64, 0usize);
    if w > 2 * reach && h > 2 * reach {
        // Sobel rows y - 1, y and y + 1 of the median plane, rolled down
        let mut gx = [vec![0.0f32; w], vec![0.0f32; w], vec![0.0f32; w]];
        let mut gy = gx.clone();
        for k in 0..2 {
            sobel_row(&m, w, reach - 1 + k, &mut gx[k + 1], &mut gy[k + 1]);
        }
        let strong = |g: f32| g.abs() >= 2.0 * EDGE_CONTRAST;
        for y in reach..h - reach {
            gx.rotate_left(1);
            gy.rotate_left(1);
            sobel_row(&m, w, y + 1, &mut gx[2], &mut gy[2]);
            let (row_x, row_y) = (&gx[1][..w], &gy[1][..w]);
            // most pixels have no strong gradient: test 16 at a time, branch-free
            for x0 in (reach..w - reach).step_by(16) {
                let xs = x0..(x0 + 16).min(w - reach);
                let any = row_x[xs.clone()].iter().zip(&row_y[xs.clone()]);
                if !any.fold(false, |a, (&u, &v)| a | strong(u) | strong(v)) {
                    continue;
                }
                for x in xs {
                    if let Some(r) = edge_ringing(&m, (&gx, &gy), w, x, y) {
                        sum += f64::from(r);
                        edges += 1;
                    }
                }
            }
        }
    }
    let raw = if edges == 0 { 0.0 } else { sum / edges as f64 };
    Ok(Ringing {
        overall: Measurement::linear(raw, RINGING_CLEAN, RINGING_SEVERE),
        edges,
    })
}

/// The relative over- and undershoot across the edge at `(x, y)`, or `None`
/// when `(x, y)` is not an edge pixel of enough contrast.
/// `grad` holds the Sobel rows `y - 1`, `y` and `y + 1`.
fn edge_ringing(m: &[f32], grad: (&Rows, &Rows), w: usize, x: usize, y: usize) -> Option<f32> {
    let i = y * w + x;
    let (gx, gy) = (grad.0[1][x], grad.1[1][x]);
    // step along the dominant axis, tangent across it
    let (g, step, tangent) = if gx.abs() >= gy.abs() {
        (gx, 1isize, w as isize)
    } else {
        (gy, w as isize, 1isize)
    };
    let (prev, next) = if step == 1 {
        (grad.0[1][x - 1], grad.0[1][x + 1])
    } else {
        (grad.1[0][x], grad.1[2][x])
    };
    if g.abs() < 2.0 * EDGE_CONTRAST || prev.abs() > g.abs() || next.abs() >= g.abs() {
        return None;
    }
    // profile sample at signed distance k towards the bright side
    let bright = if g > 0.0 { step } else { -step };
    let sample = |k: isize| {
        let c = i as isize + k * bright;
        (m[(c - tangent) as usize] + m[c as usize] + m[(c + tangent) as usize]) / 3.0
    };
    let plateau = |side: isize| {
        let mut v = [0.0f32; 3];
        for (slot, k) in v.iter_mut().zip(PLATEAU) {
            *slot = sample(side * k as isize);
        }
        v.sort_by(f32::total_cmp);
        v[1]
    };
    let (hi, lo) = (plateau(1), plateau(-1));
    let contrast = hi - lo;
    if contrast < EDGE_CONTRAST {
        return None;
    }
    let (mut peak, mut trough) = (hi, lo);
    for k in 1..=NEAR as isize {
        peak = peak.max(sample(k));
        trough = trough.min(sample(-k));
    }
    Some(((peak - hi).min(lo - trough) * 2.0 / contrast).min(1.0))
}
