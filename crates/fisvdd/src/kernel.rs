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
const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Below this, `exp` is under the smallest normal f64 and is returned as 0.
const EXP_MIN: f64 = -708.0;
/// `1.5 * 2^52`: adding and subtracting it rounds to the nearest integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
/// `2^52 + 1023`.
const EXPONENT_MAGIC: f64 = 4_503_599_627_371_519.0;

/// `exp(x)` for `x <= 0`, within 2 ulp of the correctly rounded value for
/// `x >= -708` and 0 below (where the true value is under 3.1e-308).
///
/// `x = k ln 2 + r` with `|r| <= ln 2 / 2`, `exp(r)` by its Taylor polynomial
/// to degree 13 (truncation error below 1e-17 relative), and `2^k` built
/// from its exponent bits. Written without integer conversions or rounding
/// instructions so that it vectorises on the baseline x86-64 instruction set.
#[inline]
pub(crate) fn exp_neg(x: f64) -> f64 {
    let xc = x.max(EXP_MIN);
    // round to nearest by the 1.5 * 2^52 trick (no rounding instruction needed)
    let k = (xc * std::f64::consts::LOG2_E + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
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

    pub(crate) fn row(&self, i: usize) -> &[F] {
        &self.rows[i * self.d..(i + 1) * self.d]
    }

    pub(crate) fn push(&mut self, x: &[F]) {
        let n = self.len();
        if n == self.cap {
            let cap = (self.cap * 2).max(16);
            let mut cols = vec![F::zero(); self.d * cap];
            for j in 0..self.d {
                cols[j * cap..j * cap + n].copy_from_slice(&self.cols[j * self.cap..j * self.cap + n]);
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

    /// `out[i] = exp(neg_gamma * ||x - s_i||^2)` for every support vector.
    pub(crate) fn kernel(&self, x: &[F], neg_gamma: f64, out: &mut Vec<f64>) {
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
        for o in out.iter_mut() {
            *o = exp_neg(neg_gamma * *o);
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
        assert_eq!(s.row(3), &[4.0, -4.0]);
    }
}
