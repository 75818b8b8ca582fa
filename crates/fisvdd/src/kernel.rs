//! The support set and the Gaussian kernel evaluation, the inner loop of
//! both learning and scoring.
//!
//! Support vectors are kept twice: row-major (one slice per vector, for
//! saving and for handing removed points back) and feature-major with spare
//! capacity, so that the squared distances from one sample to every support
//! vector are computed in loops the compiler vectorises. The exponential is
//! evaluated by [`exp_neg`], a branch-free version of the standard
//! range-reduction scheme that also vectorises.

use oddframe::Float;

/// `ln 2` split in a high part exact in 32 bits and a low correction.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Below this, `exp` is under the smallest normal f64 and is returned as 0.
const EXP_MIN: f64 = -708.0;
/// Coefficients, highest degree first, of the degree-11 polynomial that
/// interpolates `exp` at the 12 Chebyshev nodes of `[-ln 2 / 2, ln 2 / 2]`
/// (near-minimax; computed in 50-digit arithmetic with mpmath:
/// `mp.chebyfit(mp.exp, [-mp.log(2)/2, mp.log(2)/2], 12)`, max error 3.2e-18).
const EXP_POLY: [f64; 12] = [
    2.511_003_760_596_377_7e-8,
    2.763_263_963_904_103e-7,
    2.755_724_091_857_897e-6,
    2.480_148_548_232_849_4e-5,
    1.984_126_989_004_711_3e-4,
    1.388_888_895_231_477_5e-3,
    8.333_333_333_319_601e-3,
    4.166_666_666_648_81e-2,
    1.666_666_666_666_668e-1,
    5.000_000_000_000_019e-1,
    1.0,
    1.0,
];
/// `1.5 * 2^52`: adding and subtracting it rounds to the nearest integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
/// `2^52 + 1023`.
const EXPONENT_MAGIC: f64 = 4_503_599_627_371_519.0;

/// `exp(x)` for `x <= 0`, within 2 ulp of the correctly rounded value for
/// `x >= -708` and 0 below (where the true value is under 3.1e-308).
///
/// `x = k ln 2 + r` with `|r| <= ln 2 / 2`, `exp(r)` by a degree-11
/// polynomial (approximation error 3e-18, 0.02 ulp), and `2^k` built
/// from its exponent bits. Written without integer conversions or rounding
/// instructions so that it vectorises on the baseline x86-64 instruction set.
#[inline]
pub(crate) fn exp_neg(x: f64) -> f64 {
    let xc = x.max(EXP_MIN);
    // round to nearest by the 1.5 * 2^52 trick (no rounding instruction needed)
    let k = (xc * std::f64::consts::LOG2_E + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = EXP_POLY[0];
    for &c in &EXP_POLY[1..] {
        p = p * r + c;
    }
    // k is in [-1022, 0]: k + 1023 + 2^52 holds the biased exponent k + 1023
    // exactly in its low mantissa bits; shifting them into place gives 2^k
    let scale = f64::from_bits((k + EXPONENT_MAGIC).to_bits() << 52);
    if x < EXP_MIN {
        0.0
    } else {
        p * scale
    }
}

/// Support vectors in both layouts.
#[derive(Debug, Clone)]
pub(crate) struct SupportSet<F> {
    d: usize,
    /// Row-major, `n x d`.
    rows: Vec<F>,
    /// Feature-major, `d x cap`.
    cols: Vec<F>,
    cap: usize,
}

impl<F: Float> SupportSet<F> {
    pub(crate) fn new(d: usize) -> Self {
        Self {
            d,
            rows: Vec::new(),
            cols: Vec::new(),
            cap: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len() / self.d
    }

    pub(crate) fn rows(&self) -> &[F] {
        &self.rows
    }

    pub(crate) fn push(&mut self, x: &[F]) {
        let n = self.len();
        if n == self.cap {
            let cap = (self.cap * 2).max(16);
            let mut cols = vec![F::zero(); self.d * cap];
            for j in 0..self.d {
                cols[j * cap..j * cap + n]
                    .copy_from_slice(&self.cols[j * self.cap..j * self.cap + n]);
            }
            self.cols = cols;
            self.cap = cap;
        }
        for (j, &v) in x.iter().enumerate() {
            self.cols[j * self.cap + n] = v;
        }
        self.rows.extend_from_slice(x);
    }

    pub(crate) fn remove(&mut self, i: usize) -> Vec<F> {
        let n = self.len();
        for j in 0..self.d {
            let base = j * self.cap;
            self.cols.copy_within(base + i + 1..base + n, base + i);
        }
        self.rows.drain(i * self.d..(i + 1) * self.d).collect()
    }

    /// `sum_i w_i exp(neg_gamma * ||x - s_i||^2)`; `buf` is scratch space.
    pub(crate) fn weighted_sum(&self, x: &[F], neg_gamma: f64, w: &[F], buf: &mut Vec<f64>) -> f64 {
        self.kernel(x, neg_gamma, buf);
        // four independent partial sums let the compiler vectorise the loop
        let mut acc = [0.0f64; 4];
        let (head, tail) = buf.split_at(buf.len() / 4 * 4);
        for (k4, w4) in head.chunks_exact(4).zip(w.chunks_exact(4)) {
            for j in 0..4 {
                acc[j] += k4[j] * w4[j].as_f64();
            }
        }
        let rest: f64 = tail
            .iter()
            .zip(&w[head.len()..])
            .map(|(&k, &wi)| k * wi.as_f64())
            .sum();
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
    }

    /// `out[i] = exp(neg_gamma * ||x - s_i||^2)` for every support vector.
    pub(crate) fn kernel(&self, x: &[F], neg_gamma: f64, out: &mut Vec<f64>) {
        self.sq_dist(x, out);
        for o in out.iter_mut() {
            *o = exp_neg(neg_gamma * *o);
        }
    }

    /// `out[i] = ||x - s_i||^2`.
    fn sq_dist(&self, x: &[F], out: &mut Vec<f64>) {
        let n = self.len();
        out.clear();
        out.resize(n, 0.0);
        for (j, &xj) in x.iter().enumerate() {
            let col = &self.cols[j * self.cap..j * self.cap + n];
            for (o, &s) in out.iter_mut().zip(col) {
                let diff = (s - xj).as_f64();
                *o += diff * diff;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_is_within_two_ulp_of_std() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = 0.0;
        while x > -708.0 {
            let want = x.exp();
            let got = exp_neg(x);
            worst = worst.max(((got - want) / want).abs() / f64::EPSILON);
            x -= 0.0137;
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        assert_eq!(exp_neg(0.0), 1.0);
        assert_eq!(exp_neg(-800.0), 0.0);
        assert_eq!(exp_neg(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn layouts_agree_after_removal() {
        let mut s = SupportSet::<f64>::new(2);
        for i in 0..20 {
            s.push(&[f64::from(i), -f64::from(i)]);
        }
        assert_eq!(s.remove(3), vec![3.0, -3.0]);
        let mut k = Vec::new();
        s.kernel(&[4.0, -4.0], -1.0, &mut k);
        assert_eq!(k.len(), 19);
        assert_eq!(k[3], 1.0); // row 3 is now the point (4, -4)
        assert_eq!(&s.rows()[6..8], &[4.0, -4.0]);
    }
}
