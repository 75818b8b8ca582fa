//! Numeric helpers shared by the models: a vectorisable exponential and a
//! dot product that keeps several additions in flight.

use crate::Float;

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
///
/// ```
/// use oddframe::math::exp_neg;
/// assert_eq!(exp_neg(0.0), 1.0);
/// assert!((exp_neg(-1.5) - (-1.5f64).exp()).abs() <= 2.0 * f64::EPSILON * (-1.5f64).exp());
/// assert_eq!(exp_neg(-1000.0), 0.0);
/// ```
#[inline]
pub fn exp_neg(x: f64) -> f64 {
    // written as a comparison (not f64::max) so that it compiles to a plain
    // vector maximum; NaN becomes EXP_MIN either way
    let xc = if x > EXP_MIN { x } else { EXP_MIN };
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

/// [`exp_neg`] applied in place to every element of a slice, giving the
/// same values. Elements are processed eight at a time with every step
/// applied lane by lane, so the compiler keeps several independent vector
/// evaluations of the polynomial in flight instead of waiting on one
/// chain of multiply-adds.
///
/// ```
/// use oddframe::math::{exp_neg, exp_neg_in_place};
/// let mut v: Vec<f64> = (0..20).map(|i| -0.37 * i as f64).collect();
/// let want: Vec<f64> = v.iter().map(|&x| exp_neg(x)).collect();
/// exp_neg_in_place(&mut v);
/// assert_eq!(v, want);
/// ```
pub fn exp_neg_in_place(xs: &mut [f64]) {
    let mut chunks = xs.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut x = [0.0; 8];
        x.copy_from_slice(c);
        c.copy_from_slice(&exp_neg8(x));
    }
    for x in chunks.into_remainder() {
        *x = exp_neg(*x);
    }
}

/// [`exp_neg`] on eight lanes, step by step.
#[inline]
fn exp_neg8(x: [f64; 8]) -> [f64; 8] {
    let mut k = [0.0; 8];
    let mut r = [0.0; 8];
    for l in 0..8 {
        let xc = if x[l] > EXP_MIN { x[l] } else { EXP_MIN };
        k[l] = (xc * std::f64::consts::LOG2_E + ROUND_MAGIC) - ROUND_MAGIC;
        r[l] = (xc - k[l] * LN2_HI) - k[l] * LN2_LO;
    }
    let mut p = [EXP_POLY[0]; 8];
    for &c in &EXP_POLY[1..] {
        for l in 0..8 {
            p[l] = p[l] * r[l] + c;
        }
    }
    let mut out = [0.0; 8];
    for l in 0..8 {
        let scale = f64::from_bits((k[l] + EXPONENT_MAGIC).to_bits() << 52);
        out[l] = if x[l] < EXP_MIN { 0.0 } else { p[l] * scale };
    }
    out
}

/// Independent partial sums in [`dot`]: enough to hide the latency of the
/// additions and to fill the vector registers of the baseline x86-64
/// instruction set twice over.
const DOT_LANES: usize = 8;

/// `sum_i a_i b_i` over the shorter of the two slices, with eight
/// independent partial sums combined pairwise at the end.
///
/// A plain `iter().sum()` adds in order, one addition waiting for the
/// last: the loop runs at the latency of an addition and does not
/// vectorise. Eight partial sums let the compiler use vector registers and
/// keep the loop bound by memory, which is what matrix-vector products of
/// matrices that do not fit in the L2 cache need. The result differs from
/// the in-order sum only by rounding.
///
/// ```
/// use oddframe::math::dot;
/// let a: Vec<f64> = (0..19).map(f64::from).collect();
/// let b = vec![2.0; 19];
/// assert_eq!(dot(&a, &b), 2.0 * (0..19).sum::<i32>() as f64);
/// assert_eq!(dot::<f32>(&[], &[]), 0.0);
/// ```
#[inline]
pub fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [F::zero(); DOT_LANES];
    let (a8, b8) = (a.chunks_exact(DOT_LANES), b.chunks_exact(DOT_LANES));
    let (ra, rb) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for l in 0..DOT_LANES {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = F::zero();
    for (&x, &y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    let quad = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    ((quad[0] + quad[2]) + (quad[1] + quad[3])) + tail
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
        let mut v = vec![0.0, -1.0, -800.0];
        exp_neg_in_place(&mut v);
        assert_eq!(v[0], 1.0);
        assert_eq!(v[2], 0.0);
        assert!((v[1] - (-1.0f64).exp()).abs() <= 2.0 * f64::EPSILON);
    }

    #[test]
    fn dot_matches_the_in_order_sum_up_to_rounding() {
        for n in [0, 1, 7, 8, 9, 16, 31, 1000] {
            let a: Vec<f64> = (0..n)
                .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
                .collect();
            let b: Vec<f64> = (0..n)
                .map(|i| ((i * 53 % 97) as f64 - 48.0) / 3.0)
                .collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let scale: f64 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
            let got = dot(&a, &b);
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * scale,
                "n {n}: {got} vs {want}"
            );
            let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
            let b32: Vec<f32> = b.iter().map(|&x| x as f32).collect();
            let got32 = f64::from(dot(&a32, &b32));
            assert!(
                (got32 - want).abs() <= 1e-5 * scale.max(1.0),
                "n {n}: {got32} vs {want}"
            );
        }
        // the shorter slice decides the length
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[1.0, 1.0]), 3.0);
    }
}
