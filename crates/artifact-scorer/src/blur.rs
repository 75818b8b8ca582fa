//! Blur: the re-blur measure of Crete-Roffet, Dolmiere, Ladret and Nicolas
//! ("The blur effect: perception and estimation with a new no-reference
//! perceptual blur metric", SPIE Human Vision and Electronic Imaging 2007).
//!
//! Blurring a sharp frame again changes it a lot; blurring a blurred one
//! changes little. Along a direction `d`, the frame `F` is blurred with a
//! [`REBLUR_TAPS`]-tap moving average into `B`; with `DF = |F(p) - F(p - d)|`
//! and `DB` the same on `B`, the share of variation that survives re-blurring
//! is `b = (sum DF - sum max(0, DF - DB)) / sum DF`, from 0 (sharp) to 1
//! (already as smooth as the re-blur). The paper measures the horizontal and
//! vertical directions; here six more are added (see [`DIRECTIONS`]), so
//! that motion blur at any angle shows in at least one of them. The raw
//! measurement is the largest `b` of the eight; severity maps it linearly from
//! [`BLUR_CLEAN`] (0) to [`BLUR_SEVERE`] (1).

use crate::Result;

use crate::{Luma, Measurement};

/// Length of the re-blurring moving average (the paper's 9).
pub const REBLUR_TAPS: usize = 9;
/// Re-blur measure at and below which the severity is 0.
pub const BLUR_CLEAN: f64 = 0.40;
/// Re-blur measure at and above which the severity is 1.
pub const BLUR_SEVERE: f64 = 0.65;

/// The eight directions measured, as pixel steps `(dx, dy)`: horizontal,
/// vertical, both diagonals, and the four knight's moves between them (about
/// every 22.5 degrees), so that motion blur at any angle lies within about
/// 11 degrees of one of them.
pub const DIRECTIONS: [(isize, isize); 8] = [
    (1, 0),
    (2, 1),
    (1, 1),
    (1, 2),
    (0, 1),
    (-1, 2),
    (-1, 1),
    (-2, 1),
];

/// The blur of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blur {
    /// Raw: the largest per-direction re-blur measure; severity per the module docs.
    pub overall: Measurement,
    /// The re-blur measure in each of [`DIRECTIONS`].
    pub directions: [f64; 8],
}

/// Measures blur in `luma`.
///
/// ```
/// use artifact_scorer::{blur, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// let sharp = GrayImage::from_fn(64, 64, |x, y| [if (x / 16 + y / 16) % 2 == 0 { 30 } else { 220 }].into());
/// let soft = oddframe::image::imageops::blur(&sharp, 3.0);
/// let m = |i| blur::measure(&Luma::from_frame(&Frame::luma(i, 0, Default::default()))?);
/// assert!(m(soft)?.overall.raw > m(sharp)?.overall.raw + 0.2);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`oddframe::Error::InvalidParameter`] for a plane smaller than 2x2.
pub fn measure(luma: &Luma) -> Result<Blur> {
    luma.require(2, "at least 2x2 pixels")?;
    let directions = DIRECTIONS.map(|d| reblur(luma, d));
    let raw = directions.iter().copied().fold(0.0, f64::max);
    Ok(Blur {
        overall: Measurement::linear(raw, BLUR_CLEAN, BLUR_SEVERE),
        directions,
    })
}

/// The re-blur measure along `(dx, dy)` (`dy > 0`, or the horizontal
/// `(1, 0)`: the directions of [`DIRECTIONS`]) over the pixels whose
/// re-blurred value and whose neighbour's are both inside the frame (a
/// margin of five steps); 0 for a frame without variation or too small for
/// the margin.
///
/// One pass down the frame: each row of the re-blurred plane (as sums of
/// [`REBLUR_TAPS`] taps; divided only where compared) is made from the row
/// `dy` above by a running sum along the lines (one add and one subtract
/// per pixel; pixels whose predecessor on the line has no sum are summed
/// directly), kept in a ring of `dy + 1` rows, and measured at once.
fn reblur(luma: &Luma, (dx, dy): (isize, isize)) -> f64 {
    debug_assert!(dy > 0 || (dx, dy) == (1, 0), "unsupported direction");
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let (ax, ay) = (4 * dx.unsigned_abs(), 4 * dy.unsigned_abs());
    if w <= 2 * ax + 1 || h <= 2 * ay + 1 {
        return 0.0;
    }
    let dyu = dy as usize;
    // measured pixels: their own and their predecessor's sum defined
    let (x0, x1) = (ax + dx.max(0) as usize, w - ax - (-dx).max(0) as usize);
    let mut ring = vec![vec![0.0f32; w]; dyu + 1];
    // per-column sums over the rows
    let (mut total, mut lost) = (vec![0.0f32; w], vec![0.0f32; w]);
    for y in ay..h - ay {
        let (slot, prev_slot) = (y % (dyu + 1), (y - dyu) % (dyu + 1));
        let mut row = std::mem::take(&mut ring[slot]);
        if dy == 0 {
            horizontal_sums(&p[y * w..][..w], &mut row);
        } else {
            line_sums(p, w, (dx, dy), y, ay, &ring[prev_slot], &mut row);
        }
        ring[slot] = row;
        if y < ay + dyu || x0 >= x1 {
            continue;
        }
        let back = x0 as isize - dx;
        add_row(
            &p[y * w + x0..y * w + x1],
            &p[(y - dyu) * w + back as usize..][..x1 - x0],
            (
                &ring[slot][x0..x1],
                &ring[prev_slot][back as usize..][..x1 - x0],
            ),
            &mut total,
            &mut lost,
        );
    }
    let sum = |v: &[f32]| v.iter().map(|&s| f64::from(s)).sum::<f64>();
    let (total, lost) = (sum(&total), sum(&lost));
    if total == 0.0 {
        return 0.0;
    }
    (total - lost) / total
}

/// Adds one row's `|F - F'|` to `total` and `max(0, |F - F'| - |B - B'| /
/// taps)` to `lost` (`B` holds sums of taps), column by column: whole-row
/// element-wise adds vectorise, where a running sum along the row would not.
fn add_row(
    f: &[f32],
    f_prev: &[f32],
    (b, b_prev): (&[f32], &[f32]),
    total: &mut [f32],
    lost: &mut [f32],
) {
    const SCALE: f32 = 1.0 / REBLUR_TAPS as f32;
    let n = f.len();
    let (f_prev, b, b_prev) = (&f_prev[..n], &b[..n], &b_prev[..n]);
    let (total, lost) = (&mut total[..n], &mut lost[..n]);
    for i in 0..n {
        let df = (f[i] - f_prev[i]).abs();
        let db = (b[i] - b_prev[i]).abs() * SCALE;
        total[i] += df;
        lost[i] += (df - db).max(0.0);
    }
}

/// Row `y` of the [`REBLUR_TAPS`]-tap sums along `(dx, dy)` (`dy > 0`),
/// at the columns where every tap is inside the frame, from the row `dy`
/// above (`above`, valid when `y >= ay + dy`).
fn line_sums(
    p: &[f32],
    w: usize,
    (dx, dy): (isize, isize),
    y: usize,
    ay: usize,
    above: &[f32],
    out: &mut [f32],
) {
    let ax = 4 * dx.unsigned_abs();
    let (x0, x1) = (ax, w - ax);
    let step = dy * w as isize + dx;
    let direct = |i: usize| {
        (-4..=4)
            .map(|k| p[(i as isize + k * step) as usize])
            .sum::<f32>()
    };
    // pixels whose predecessor on the line has its sum (none in the first
    // dy rows)
    let (rx0, rx1) = if y >= ay + dy as usize {
        (
            (x0 as isize + dx.max(0)) as usize,
            (x1 as isize + dx.min(0)) as usize,
        )
    } else {
        (x1, x1)
    };
    for x in (x0..rx0.min(x1)).chain(rx1.max(x0)..x1) {
        out[x] = direct(y * w + x);
    }
    if rx0 >= rx1 {
        return;
    }
    let (n, i0) = (rx1 - rx0, (y * w + rx0) as isize);
    let prev = &above[(rx0 as isize - dx) as usize..][..n];
    let add = &p[(i0 + 4 * step) as usize..][..n];
    let sub = &p[(i0 - 5 * step) as usize..][..n];
    for (((o, q), a), s) in out[rx0..rx1].iter_mut().zip(prev).zip(add).zip(sub) {
        *o = q + (a - s);
    }
}

/// The 9-tap horizontal sums of one row (`w > 8` long) into `out`, at
/// columns `4..w - 4`, as sums of three sums of three, which vectorise where
/// a running sum along the row could not.
fn horizontal_sums(row: &[f32], out: &mut [f32]) {
    let w = row.len();
    let n = w - 8;
    let threes: Vec<f32> = (0..w - 2)
        .map(|x| row[x] + row[x + 1] + row[x + 2])
        .collect();
    let (l, m, r) = (&threes[..n], &threes[3..][..n], &threes[6..][..n]);
    for (o, ((l, m), r)) in out[4..][..n].iter_mut().zip(l.iter().zip(m).zip(r)) {
        *o = l + m + r;
    }
}
