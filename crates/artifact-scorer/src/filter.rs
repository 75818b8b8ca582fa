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

/// Median of nine values by a fixed network of 19 compare-exchanges
/// (Paeth, Graphics Gems 1990): branch-free, several times faster than a
/// partial sort. NaN-free input assumed (luma always is).
#[inline]
pub(crate) fn median9(v: [f32; 9]) -> f32 {
    let [mut p0, mut p1, mut p2, mut p3, mut p4, mut p5, mut p6, mut p7, mut p8] = v;
    macro_rules! sort {
        ($a:ident, $b:ident) => {
            let (lo, hi) = ($a.min($b), $a.max($b));
            $a = lo;
            $b = hi;
        };
    }
    sort!(p1, p2);
    sort!(p4, p5);
    sort!(p7, p8);
    sort!(p0, p1);
    sort!(p3, p4);
    sort!(p6, p7);
    sort!(p1, p2);
    sort!(p4, p5);
    sort!(p7, p8);
    sort!(p0, p3);
    sort!(p5, p8);
    sort!(p4, p7);
    sort!(p3, p6);
    sort!(p1, p4);
    sort!(p2, p5);
    sort!(p4, p7);
    sort!(p4, p2);
    sort!(p6, p4);
    let _ = (p0, p1, p3, p5, p6, p7, p8);
    p4.min(p2)
}

/// The plane through a 3x3 median (border pixels kept as they are): removes
/// impulses and roughly halves Gaussian noise while keeping steps sharp.
pub(crate) fn median3x3(luma: &Luma) -> Vec<f32> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let mut out = p.to_vec();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w - 1 {
            out[y * w + x] = median9(window(p, w, x, y));
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

/// Sobel gradient `(gx, gy)` at interior pixel `(x, y)` of a `w`-wide plane.
pub(crate) fn sobel(p: &[f32], w: usize, x: usize, y: usize) -> (f32, f32) {
    let n = window(p, w, x, y);
    let gx = (n[2] + 2.0 * n[5] + n[8]) - (n[0] + 2.0 * n[3] + n[6]);
    let gy = (n[6] + 2.0 * n[7] + n[8]) - (n[0] + 2.0 * n[1] + n[2]);
    (gx, gy)
}

#[cfg(test)]
mod tests {
    use super::{kth_smallest, median9};

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
    fn median_network_agrees_with_sorting() {
        let mut s = 12345u64;
        for _ in 0..200_000 {
            let mut v = [0.0f32; 9];
            for x in &mut v {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *x = ((s >> 33) % 7) as f32; // many ties
            }
            let mut sorted = v;
            sorted.sort_by(f32::total_cmp);
            assert_eq!(median9(v), sorted[4], "{v:?}");
        }
    }
}
