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

/// Median of nine values (partial selection).
pub(crate) fn median9(mut v: [f32; 9]) -> f32 {
    let (_, m, _) = v.select_nth_unstable_by(4, f32::total_cmp);
    *m
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

/// Sobel gradient `(gx, gy)` at interior pixel `(x, y)` of a `w`-wide plane.
pub(crate) fn sobel(p: &[f32], w: usize, x: usize, y: usize) -> (f32, f32) {
    let n = window(p, w, x, y);
    let gx = (n[2] + 2.0 * n[5] + n[8]) - (n[0] + 2.0 * n[3] + n[6]);
    let gy = (n[6] + 2.0 * n[7] + n[8]) - (n[0] + 2.0 * n[1] + n[2]);
    (gx, gy)
}
