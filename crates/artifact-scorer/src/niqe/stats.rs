//! The statistics NIQE is built from: the log-gamma function and
//! moment-matching fits of generalised Gaussian distributions.

use std::sync::OnceLock;

/// `ln Γ(x)` for `x > 0` (Lanczos' approximation, g = 7, nine terms;
/// relative error below 1e-13 over the range used here).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // reflection: Γ(x) Γ(1 - x) = π / sin(πx)
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Shapes tabulated for the moment-matching fits.
const SHAPE_MIN: f64 = 0.2;
const SHAPE_STEP: f64 = 0.001;
const SHAPES: usize = 9_801; // 0.2 ..= 10.0

/// `ρ(a) = Γ(1/a) Γ(3/a) / Γ(2/a)^2` on the shape grid: decreasing in `a`.
fn ratio_table() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..SHAPES)
            .map(|i| {
                let a = SHAPE_MIN + i as f64 * SHAPE_STEP;
                (ln_gamma(1.0 / a) + ln_gamma(3.0 / a) - 2.0 * ln_gamma(2.0 / a)).exp()
            })
            .collect()
    })
}

/// The grid shape whose `ρ` is nearest `target`.
fn shape_for_ratio(target: f64) -> f64 {
    let table = ratio_table();
    // decreasing: the first index whose ratio is at or below the target
    let i = table.partition_point(|&r| r > target).min(SHAPES - 1);
    let best = if i > 0 && (table[i - 1] - target).abs() < (table[i] - target).abs() {
        i - 1
    } else {
        i
    };
    SHAPE_MIN + best as f64 * SHAPE_STEP
}

/// The sample moments the fits need, accumulated one sample at a time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moments {
    n: f64,
    abs: f64,
    sq: f64,
    n_left: f64,
    sq_left: f64,
    n_right: f64,
    sq_right: f64,
}

impl Moments {
    #[cfg(test)]
    pub(crate) fn add(&mut self, x: f64) {
        let sq = x * x;
        self.n += 1.0;
        self.abs += x.abs();
        self.sq += sq;
        if x < 0.0 {
            self.n_left += 1.0;
            self.sq_left += sq;
        } else if x > 0.0 {
            self.n_right += 1.0;
            self.sq_right += sq;
        }
    }
}

/// [`Moments`] of many rows of samples, kept per column so that adding a
/// row is a handful of branch-free element-wise operations (which
/// vectorise), and summed over a range of columns on demand.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMoments {
    rows: usize,
    abs: Vec<f32>,
    sq: Vec<f32>,
    n_left: Vec<f32>,
    sq_left: Vec<f32>,
    n_right: Vec<f32>,
    sq_right: Vec<f32>,
}

impl ColumnMoments {
    /// Accumulators for rows of `len` samples.
    pub(crate) fn new(len: usize) -> Self {
        let zeros = vec![0.0f32; len];
        Self {
            rows: 0,
            abs: zeros.clone(),
            sq: zeros.clone(),
            n_left: zeros.clone(),
            sq_left: zeros.clone(),
            n_right: zeros.clone(),
            sq_right: zeros,
        }
    }

    /// Back to no rows.
    pub(crate) fn clear(&mut self) {
        self.rows = 0;
        for v in [
            &mut self.abs,
            &mut self.sq,
            &mut self.n_left,
            &mut self.sq_left,
            &mut self.n_right,
            &mut self.sq_right,
        ] {
            v.fill(0.0);
        }
    }

    /// Adds the row of samples `a[i] * b[i]` (`a` and `b` at least as long
    /// as the accumulators).
    pub(crate) fn add_products(&mut self, a: &[f32], b: &[f32]) {
        let n = self.abs.len();
        let (a, b) = (&a[..n], &b[..n]);
        let (abs, sq) = (&mut self.abs[..n], &mut self.sq[..n]);
        let (n_left, sq_left) = (&mut self.n_left[..n], &mut self.sq_left[..n]);
        let (n_right, sq_right) = (&mut self.n_right[..n], &mut self.sq_right[..n]);
        for i in 0..n {
            let x = a[i] * b[i];
            let x2 = x * x;
            let (left, right) = (x < 0.0, x > 0.0);
            abs[i] += x.abs();
            sq[i] += x2;
            n_left[i] += if left { 1.0 } else { 0.0 };
            sq_left[i] += if left { x2 } else { 0.0 };
            n_right[i] += if right { 1.0 } else { 0.0 };
            sq_right[i] += if right { x2 } else { 0.0 };
        }
        self.rows += 1;
    }

    /// Adds the row of samples `a` for a symmetric fit: only the absolute
    /// values and squares ([`ggd_from`] needs no more).
    pub(crate) fn add_values(&mut self, a: &[f32]) {
        let n = self.abs.len();
        let a = &a[..n];
        let (abs, sq) = (&mut self.abs[..n], &mut self.sq[..n]);
        for i in 0..n {
            abs[i] += a[i].abs();
            sq[i] += a[i] * a[i];
        }
        self.rows += 1;
    }

    /// The moments of the samples in columns `start..start + len`.
    pub(crate) fn moments(&self, start: usize, len: usize) -> Moments {
        let sum = |v: &[f32]| {
            v[start..start + len]
                .iter()
                .map(|&x| f64::from(x))
                .sum::<f64>()
        };
        Moments {
            n: (self.rows * len) as f64,
            abs: sum(&self.abs),
            sq: sum(&self.sq),
            n_left: sum(&self.n_left),
            sq_left: sum(&self.sq_left),
            n_right: sum(&self.n_right),
            sq_right: sum(&self.sq_right),
        }
    }
}

/// A generalised Gaussian fitted to zero-mean samples by moment matching:
/// `(shape, variance)`; `None` when the samples are all zero.
#[cfg(test)]
pub(crate) fn ggd_fit(samples: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut m = Moments::default();
    samples.for_each(|x| m.add(x));
    ggd_from(&m)
}

/// [`ggd_fit`] from accumulated moments.
pub(crate) fn ggd_from(m: &Moments) -> Option<(f64, f64)> {
    let (n, abs, sq) = (m.n, m.abs, m.sq);
    if n == 0.0 || abs == 0.0 {
        return None;
    }
    let (mean_abs, var) = (abs / n, sq / n);
    Some((shape_for_ratio(var / (mean_abs * mean_abs)), var))
}

/// An asymmetric generalised Gaussian fitted by moment matching (Lasmar,
/// Stitou and Berthoumieu, ICIP 2009): `[shape, mean, left variance,
/// right variance]`; `None` when the samples are all zero or one-sided.
#[cfg(test)]
pub(crate) fn aggd_fit(samples: impl Iterator<Item = f64>) -> Option<[f64; 4]> {
    let mut m = Moments::default();
    samples.for_each(|x| m.add(x));
    aggd_from(&m)
}

/// [`aggd_fit`] from accumulated moments.
pub(crate) fn aggd_from(m: &Moments) -> Option<[f64; 4]> {
    let (n, abs, sq) = (m.n, m.abs, m.sq);
    if m.n_left == 0.0 || m.n_right == 0.0 || sq == 0.0 {
        return None;
    }
    let (var_l, var_r) = (m.sq_left / m.n_left, m.sq_right / m.n_right);
    let (sigma_l, sigma_r) = (var_l.sqrt(), var_r.sqrt());
    let gamma = sigma_l / sigma_r;
    let r = (abs / n).powi(2) / (sq / n);
    let big_r = r * (gamma.powi(3) + 1.0) * (gamma + 1.0) / (gamma * gamma + 1.0).powi(2);
    // Γ(2/a)^2 / (Γ(1/a) Γ(3/a)) = 1 / ρ(a)
    let shape = shape_for_ratio(1.0 / big_r);
    let g = |k: f64| ln_gamma(k / shape);
    let scale = (g(1.0) - g(3.0)).exp().sqrt();
    let mean = (sigma_r - sigma_l) * scale * (g(2.0) - g(1.0)).exp();
    Some([shape, mean, var_l, var_r])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        for (x, want) in [
            (1.0, 1.0f64),
            (5.0, 24.0),
            (0.5, std::f64::consts::PI.sqrt()),
            (10.0, 362_880.0),
        ] {
            assert!((ln_gamma(x) - want.ln()).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn ggd_fit_recovers_gaussian_and_laplacian_shapes() {
        // deterministic samples by inverting the CDFs on a fine grid
        let n = 200_000;
        let u = |i: usize| (i as f64 + 0.5) / n as f64;
        let gauss: Vec<f64> = (0..n).map(|i| inverse_normal(u(i))).collect();
        let (shape, var) = ggd_fit(gauss.iter().copied()).unwrap();
        assert!(
            (shape - 2.0).abs() < 0.01 && (var - 1.0).abs() < 0.01,
            "{shape} {var}"
        );
        let laplace: Vec<f64> = (0..n)
            .map(|i| {
                let p = u(i) - 0.5;
                -p.signum() * (1.0 - 2.0 * p.abs()).ln()
            })
            .collect();
        let (shape, _) = ggd_fit(laplace.iter().copied()).unwrap();
        assert!((shape - 1.0).abs() < 0.01, "{shape}");
        assert!(ggd_fit([0.0, 0.0].into_iter()).is_none());
    }

    #[test]
    fn aggd_fit_reads_asymmetry() {
        let n = 100_000;
        let u = |i: usize| (i as f64 + 0.5) / n as f64;
        // an asymmetric Gaussian with the left side twice as wide: each
        // side holds mass in proportion to its width
        let half_normal = |q: f64| inverse_normal(0.5 + 0.5 * q);
        let s: Vec<f64> = (0..n)
            .map(|i| {
                let v = u(i) * 3.0;
                if v < 2.0 {
                    -2.0 * half_normal(v / 2.0)
                } else {
                    half_normal(v - 2.0)
                }
            })
            .collect();
        let [shape, mean, l, r] = aggd_fit(s.iter().copied()).unwrap();
        assert!((shape - 2.0).abs() < 0.02, "{shape}");
        assert!((l / r - 4.0).abs() < 0.05, "{l} {r}");
        assert!(mean < 0.0, "{mean}");
        assert!(aggd_fit([1.0, 2.0].into_iter()).is_none());
    }

    /// Acklam's rational approximation of the standard normal quantile (test only).
    fn inverse_normal(p: f64) -> f64 {
        let a = [
            -3.969_683_028_665_376e1,
            2.209_460_984_245_205e2,
            -2.759_285_104_469_687e2,
            1.383_577_518_672_69e2,
            -3.066_479_806_614_716e1,
            2.506_628_277_459_239,
        ];
        let b = [
            -5.447_609_879_822_406e1,
            1.615_858_368_580_409e2,
            -1.556_989_798_598_866e2,
            6.680_131_188_771_972e1,
            -1.328_068_155_288_572e1,
        ];
        let c = [
            -7.784_894_002_430_293e-3,
            -3.223_964_580_411_365e-1,
            -2.400_758_277_161_838,
            -2.549_732_539_343_734,
            4.374_664_141_464_968,
            2.938_163_982_698_783,
        ];
        let d = [
            7.784_695_709_041_462e-3,
            3.224_671_290_700_398e-1,
            2.445_134_137_142_996,
            3.754_408_661_907_416,
        ];
        let tail = |q: f64| {
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)
        };
        if p < 0.02425 {
            tail((-2.0 * p.ln()).sqrt())
        } else if p > 1.0 - 0.02425 {
            -tail((-2.0 * (1.0 - p).ln()).sqrt())
        } else {
            let q = p - 0.5;
            let r = q * q;
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
        }
    }
}
