//! Small neighbourhood filters shared by the detectors.

use crate::Luma;

/// The 3x3 neighbourhood of interior pixel `(x, y)`, row by row.
pub(crate) fn window(p: &[f32], w: usize, x: usize, y: usize) -> [f32; 9] {
    let r = |dy: usize| {
        let i = (y + dy - 1) * w + x;
        [p[i - 1], p[i], p[i + 1]]
    };
    let [a, b, c] = [r(0), r(1), r(2)];
    [a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]]
}

/// The smaller of two values (either for NaN: luma has none), which
/// compiles to one instruction where `f32::min`'s NaN rule needs several.
#[inline]
pub(crate) fn lesser(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// The larger of two values (see [`lesser`]).
#[inline]
pub(crate) fn greater(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// The median of three values.
#[inline]
fn median3(a: f32, b: f32, c: f32) -> f32 {
    greater(lesser(a, b), lesser(greater(a, b), c))
}

/// The plane through a 3x3 median (border pixels kept as they are): removes
/// impulses and roughly halves Gaussian noise while keeping steps sharp.
///
/// Row by row: each column of three is sorted once, and the median of the
/// nine is the median of the largest column minimum, the median of the
/// column medians and the smallest column maximum (every value the three
/// select is bounded by enough others on both sides). Whole rows of
/// minima and maxima vectorise.
pub(crate) fn median3x3(luma: &Luma) -> Vec<f32> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let mut out = p.to_vec();
    if w < 3 || h < 3 {
        return out;
    }
    let (mut lo, mut mid, mut hi) = (vec![0.0f32; w], vec![0.0f32; w], vec![0.0f32; w]);
    for y in 1..h - 1 {
        let (a, b, c) = (
            &p[(y - 1) * w..][..w],
            &p[y * w..][..w],
            &p[(y + 1) * w..][..w],
        );
        let (lo, mid, hi) = (&mut lo[..w], &mut mid[..w], &mut hi[..w]);
        for x in 0..w {
            lo[x] = lesser(lesser(a[x], b[x]), c[x]);
            hi[x] = greater(greater(a[x], b[x]), c[x]);
            mid[x] = median3(a[x], b[x], c[x]);
        }
        let n = w - 2;
        let row = &mut out[y * w + 1..][..n];
        let (l0, l1, l2) = (&lo[..n], &lo[1..][..n], &lo[2..][..n]);
        let (m0, m1, m2) = (&mid[..n], &mid[1..][..n], &mid[2..][..n]);
        let (h0, h1, h2) = (&hi[..n], &hi[1..][..n], &hi[2..][..n]);
        for x in 0..n {
            let low = greater(greater(l0[x], l1[x]), l2[x]);
            let high = lesser(lesser(h0[x], h1[x]), h2[x]);
            row[x] = median3(low, median3(m0[x], m1[x], m2[x]), high);
        }
    }
    out
}

/// The median of `values` (the upper one for an even count), reordering
/// them; `None` when empty.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, &mut m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    Some(m)
}

/// The `rank`-th smallest (0-based) of the non-NaN `values`, all of them
/// non-negative (`+0.0`, not `-0.0`): exact, by a histogram of the top 16
/// bits of each value (which order non-negative floats as their values do,
/// and put NaN above everything) that finds the value's bin, then a
/// selection among that bin's members only; so a quantile of a whole frame
/// costs two linear passes instead of a selection over millions of values.
/// `rank` must be below the count of non-NaN values.
pub(crate) fn kth_smallest(values: &[f32], rank: usize) -> f32 {
    let bin = |v: f32| (v.to_bits() >> 16) as usize;
    let mut counts = vec![0u32; 1 << 16];
    for &v in values {
        counts[bin(v)] += 1;
    }
    let (mut target, mut below) = (0, 0);
    for (b, &c) in counts.iter().enumerate() {
        let c = c as usize;
        if below + c > rank {
            target = b;
            break;
        }
        below += c;
    }
    // the bin's members: 16 values at a time tested branch-free, since
    // most chunks hold none
    let mut members = Vec::new();
    for chunk in values.chunks(16) {
        if chunk.iter().fold(false, |any, &v| any | (bin(v) == target)) {
            members.extend(chunk.iter().filter(|&&v| bin(v) == target));
        }
    }
    let (_, &mut v, _) = members.select_nth_unstable_by(rank - below, f32::total_cmp);
    v
}

/// Row `y` (interior) of the Sobel planes of a `w`-wide plane `p` into
/// `gx` and `gy` (`w` long; the border columns get 0), over shifted views
/// so the loop vectorises.
pub(crate) fn sobel_row(p: &[f32], w: usize, y: usize, gx: &mut [f32], gy: &mut [f32]) {
    let n = w - 2;
    let view = |row: usize, dx: usize| &p[row * w + dx..][..n];
    let (a0, a1, a2) = (view(y - 1, 0), view(y - 1, 1), view(y - 1, 2));
    let (b0, b2) = (view(y, 0), view(y, 2));
    let (c0, c1, c2) = (view(y + 1, 0), view(y + 1, 1), view(y + 1, 2));
    let (ox, oy) = (&mut gx[1..][..n], &mut gy[1..][..n]);
    for x in 0..n {
        ox[x] = (a2[x] + 2.0 * b2[x] + c2[x]) - (a0[x] + 2.0 * b0[x] + c0[x]);
        oy[x] = (c0[x] + 2.0 * c1[x] + c2[x]) - (a0[x] + 2.0 * a1[x] + a2[x]);
    }
    gx[0] = 0.0;
    gy[0] = 0.0;
    gx[w - 1] = 0.0;
    gy[w - 1] = 0.0;
}

#[cfg(test)]
mod tests {
    use super::{kth_smallest, median3x3};
    use crate::Luma;
    use oddframe::{image::GrayImage, Frame};

    #[test]
    fn histogram_selection_agrees_with_sorting() {
        let mut s = 99u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32
        };
        for n in [1usize, 2, 7, 1000, 30_000] {
            // clustered values (many in one bin), ties, NaNs and the maximum
            let mut v: Vec<f32> = (0..n).map(|_| (next() * 3.0).powi(4)).collect();
            v.extend([81.0, 81.0, f32::NAN, 0.0, 0.0]);
            let mut sorted: Vec<f32> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            sorted.sort_by(f32::total_cmp);
            for rank in [0, sorted.len() / 10, sorted.len() / 2, sorted.len() - 1] {
                assert_eq!(kth_smallest(&v, rank), sorted[rank], "n {n} rank {rank}");
            }
        }
    }

    #[test]
    fn median_filter_agrees_with_sorting() -> oddframe::Result<()> {
        let mut s = 12345u64;
        let img = GrayImage::from_fn(37, 23, |_, _| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            [((s >> 33) % 7) as u8 * 40].into() // many ties
        });
        let luma = Luma::from_frame(&Frame::luma(img, 0, Default::default()))?;
        let (w, h, p) = (37, 23, luma.as_slice());
        let m = median3x3(&luma);
        for y in 0..h {
            for x in 0..w {
                let expected = if x == 0 || y == 0 || x == w - 1 || y == h - 1 {
                    p[y * w + x]
                } else {
                    let mut v: Vec<f32> = (0..9)
                        .map(|k| p[(y + k / 3 - 1) * w + x + k % 3 - 1])
                        .collect();
                    v.sort_by(f32::total_cmp);
                    v[4]
                };
                assert_eq!(m[y * w + x], expected, "({x}, {y})");
            }
        }
        Ok(())
    }
}
