//! Fourier tools shared by the detectors: 2-D transforms, the power
//! cepstrum of a frame and the phase correlation of two.

use std::f64::consts::PI;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::Luma;

/// The largest power-of-two side, at most `max`, of a square that fits in
/// the frame; `None` below `min`.
pub(crate) fn tile_side(luma: &Luma, max: usize, min: usize) -> Option<usize> {
    let side = luma.width().min(luma.height());
    let n = max.min(1 << side.checked_ilog2()?);
    (n >= min).then_some(n)
}

/// A periodic-free Hann window of `n` samples.
fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (0.5 - 0.5 * (2.0 * PI * i as f64 / (n - 1) as f64).cos()) as f32)
        .collect()
}

/// The `n` by `n` square at `(x0, y0)` of `luma`, less `mean`, Hann-windowed.
fn windowed(
    luma: &Luma,
    x0: usize,
    y0: usize,
    n: usize,
    mean: f32,
    hann: &[f32],
    buf: &mut [Complex<f32>],
) {
    let (w, p) = (luma.width(), luma.as_slice());
    for (y, row) in buf.chunks_exact_mut(n).enumerate() {
        let src = &p[(y0 + y) * w + x0..][..n];
        for ((c, v), hx) in row.iter_mut().zip(src).zip(hann) {
            *c = Complex::new((v - mean) * hx * hann[y], 0.0);
        }
    }
}

/// The displacement `(dx, dy)` that best maps `previous` onto `current`
/// (content at `(x, y)` before is at `(x + dx, y + dy)` now), by phase
/// correlation of the centred `n` by `n` squares, the strongest peak at
/// least `min_lag` pixels from zero, with the correlation at zero
/// displacement relative to that peak (clamped to `0..=1`); `None` when
/// either is flat.
pub(crate) fn phase_correlation(
    previous: &Luma,
    current: &Luma,
    n: usize,
    min_lag: f64,
) -> Option<((isize, isize), f64)> {
    let mut planner = FftPlanner::<f32>::new();
    let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let hann = hann(n);
    let (x0, y0) = ((current.width() - n) / 2, (current.height() - n) / 2);
    let mut spectra = [previous, current].map(|luma| {
        let mean = mean_of(luma, x0, y0, n);
        let mut buf = vec![Complex::new(0.0f32, 0.0); n * n];
        let mut scratch = buf.clone();
        windowed(luma, x0, y0, n, mean, &hann, &mut buf);
        fft2(&mut buf, &mut scratch, n, fwd.as_ref());
        buf
    });
    let [a, b] = &mut spectra;
    for (x, y) in b.iter_mut().zip(a.iter()) {
        let c = *x * y.conj();
        let norm = c.norm();
        *x = if norm > 1e-12 {
            c / norm
        } else {
            Complex::new(0.0, 0.0)
        };
    }
    let mut scratch = b.clone();
    fft2(b, &mut scratch, n, inv.as_ref());
    let wrap = |v: usize| {
        if v > n / 2 {
            v as isize - n as isize
        } else {
            v as isize
        }
    };
    let lag = |i: usize| (wrap(i % n), wrap(i / n));
    let (i, best) = b
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let (x, y) = lag(*i);
            (x as f64).hypot(y as f64) >= min_lag
        })
        .max_by(|p, q| p.1.re.total_cmp(&q.1.re))?;
    (best.re > 0.0).then(|| (lag(i), (b[0].re / best.re).clamp(0.0, 1.0).into()))
}

fn mean_of(luma: &Luma, x0: usize, y0: usize, n: usize) -> f32 {
    let (w, p) = (luma.width(), luma.as_slice());
    let sum: f64 = (y0..y0 + n)
        .map(|y| {
            p[y * w + x0..][..n]
                .iter()
                .map(|&v| f64::from(v))
                .sum::<f64>()
        })
        .sum();
    (sum / (n * n) as f64) as f32
}

/// Power cepstrum (row-major, `n` by `n`, origin at index 0) of the
/// spectrum averaged over the `count` most varied tiles, the power floored
/// at `floor` times its mean before the logarithm (a high floor keeps noise
/// out of deep spectral notches; a low one keeps faint ripples in weak
/// bands); `None` when every tile is flat.
pub(crate) fn power_cepstrum(luma: &Luma, n: usize, count: usize, floor: f64) -> Option<Vec<f64>> {
    let tiles = varied_tiles(luma, n, count);
    if tiles.is_empty() {
        return None;
    }
    let mut planner = FftPlanner::<f32>::new();
    let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let hann = hann(n);
    let mut buf = vec![Complex::new(0.0f32, 0.0); n * n];
    let mut scratch = buf.clone();
    let mut power = vec![0.0f64; n * n];
    for &(x0, y0, mean) in &tiles {
        windowed(luma, x0, y0, n, mean, &hann, &mut buf);
        fft2(&mut buf, &mut scratch, n, fwd.as_ref());
        for (acc, c) in power.iter_mut().zip(&buf) {
            *acc += f64::from(c.norm_sqr());
        }
    }
    let floor = floor * power.iter().sum::<f64>() / (n * n) as f64;
    for (c, pw) in buf.iter_mut().zip(&power) {
        *c = Complex::new((pw / tiles.len() as f64 + floor).ln() as f32, 0.0);
    }
    fft2(&mut buf, &mut scratch, n, inv.as_ref());
    let scale = 1.0 / (n * n) as f64;
    Some(buf.iter().map(|c| f64::from(c.re) * scale).collect())
}

/// A 2-D transform of the `n` by `n` `buf` with `fft` along both axes. The
/// result is transposed; applied twice (forward then inverse), the
/// transposes cancel.
fn fft2(buf: &mut [Complex<f32>], scratch: &mut [Complex<f32>], n: usize, fft: &dyn Fft<f32>) {
    fft.process(buf);
    for y in 0..n {
        for x in 0..n {
            scratch[x * n + y] = buf[y * n + x];
        }
    }
    fft.process(scratch);
    buf.copy_from_slice(scratch);
}

/// Top-left corners and means of the `count` half-overlapping `n`-pixel
/// tiles with the largest variance (flat tiles left out). The sums are
/// gathered once per `n / 2` block (down the columns, which vectorises)
/// and each tile adds its four blocks.
fn varied_tiles(luma: &Luma, n: usize, count: usize) -> Vec<(usize, usize, f32)> {
    let (w, h, p) = (luma.width(), luma.height(), luma.as_slice());
    let half = n / 2;
    let (bw, bh) = (w / half, h / half);
    // per block: sum and sum of squares
    let mut blocks = vec![(0.0f64, 0.0f64); bw * bh];
    let (mut col_s, mut col_ss) = (vec![0.0f64; bw * half], vec![0.0f64; bw * half]);
    for by in 0..bh {
        col_s.fill(0.0);
        col_ss.fill(0.0);
        for y in by * half..(by + 1) * half {
            let row = &p[y * w..][..bw * half];
            for ((s, ss), &v) in col_s.iter_mut().zip(col_ss.iter_mut()).zip(row) {
                let v = f64::from(v);
                *s += v;
                *ss += v * v;
            }
        }
        let sums = col_s.chunks_exact(half).zip(col_ss.chunks_exact(half));
        for (b, (s, ss)) in blocks[by * bw..][..bw].iter_mut().zip(sums) {
            *b = (s.iter().sum(), ss.iter().sum());
        }
    }
    let mut tiles = Vec::new();
    for y0 in (0..=h - n).step_by(half) {
        for x0 in (0..=w - n).step_by(half) {
            let (bx, by) = (x0 / half, y0 / half);
            let quad = [(bx, by), (bx + 1, by), (bx, by + 1), (bx + 1, by + 1)];
            let (s, ss) = quad.iter().fold((0.0, 0.0), |(s, ss), &(x, y)| {
                let b = blocks[y * bw + x];
                (s + b.0, ss + b.1)
            });
            let count = (n * n) as f64;
            let var = ss / count - (s / count).powi(2);
            if var > 1e-6 {
                tiles.push((var, x0, y0, (s / count) as f32));
            }
        }
    }
    tiles.sort_by(|a, b| b.0.total_cmp(&a.0));
    tiles.truncate(count);
    tiles.into_iter().map(|(_, x, y, m)| (x, y, m)).collect()
}
