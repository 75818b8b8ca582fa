//! Kernel functions and their batched evaluation.
//!
//! Every kernel of scikit-learn's `OneClassSVM` is a function of the dot
//! product `x . y` (and, for the RBF kernel, of the squared norms), so
//! blocks of kernel values are computed as one matrix product followed by an
//! element-wise map: `exp(-gamma (|x|^2 + |y|^2 - 2 x.y))` for RBF. The
//! matrix product runs at matrix-multiply speed; the exponential is the
//! core's vectorisable [`oddframe::math::exp_neg`].

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use oddframe::math::{exp_neg, exp_neg_in_place};
use oddframe::{Error, Float};

/// The kernel function of a one-class SVM (scikit-learn's `kernel`,
/// `degree` and `coef0`; `gamma` is chosen separately with [`Gamma`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Kernel {
    /// `exp(-gamma |x - y|^2)` (the default).
    Rbf,
    /// `x . y`.
    Linear,
    /// `(gamma x . y + coef0)^degree`.
    Poly {
        /// The exponent (scikit-learn's default is 3).
        degree: u32,
        /// The constant term (scikit-learn's default is 0).
        coef0: f64,
    },
    /// `tanh(gamma x . y + coef0)`.
    Sigmoid {
        /// The constant term (scikit-learn's default is 0).
        coef0: f64,
    },
}

/// How `gamma` is chosen (scikit-learn's `gamma`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Gamma {
    /// `1 / (n_features * X.var())` over all elements of the training data
    /// (1 when that variance is 0): scikit-learn's `"scale"`, the default.
    Scale,
    /// `1 / n_features`: scikit-learn's `"auto"`.
    Auto,
    /// A fixed value, finite and > 0.
    Value(f64),
}

impl Gamma {
    /// The value for training data `x` (f64 accumulation).
    pub(crate) fn resolve<F: Float>(self, x: ArrayView2<'_, F>) -> f64 {
        let d = x.ncols() as f64;
        match self {
            Gamma::Value(g) => g,
            Gamma::Auto => 1.0 / d,
            Gamma::Scale => {
                let n = x.len() as f64;
                let mean = x.iter().map(|v| v.as_f64()).sum::<f64>() / n;
                let var = x
                    .iter()
                    .map(|v| {
                        let dv = v.as_f64() - mean;
                        dv * dv
                    })
                    .sum::<f64>()
                    / n;
                if var != 0.0 {
                    1.0 / (d * var)
                } else {
                    1.0
                }
            }
        }
    }
}

/// Scratch space reused between [`KernelFn::block`] calls: the dot
/// products of a block and one row of kernel values.
#[derive(Debug, Default)]
pub(crate) struct Scratch<F> {
    dots: Vec<F>,
    row: Vec<f64>,
}

/// A kernel with its resolved `gamma`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KernelFn {
    pub(crate) kernel: Kernel,
    pub(crate) gamma: f64,
}

impl KernelFn {
    /// Checks the parameters of a kernel (gamma resolved or not).
    pub(crate) fn check(kernel: Kernel, gamma: Option<f64>) -> Result<(), Error> {
        if let Some(g) = gamma {
            if !(g.is_finite() && g > 0.0) {
                return Err(Error::invalid_parameter("gamma", g, "finite and > 0"));
            }
        }
        match kernel {
            Kernel::Poly { degree, coef0 } => {
                if degree == 0 || degree > 64 {
                    return Err(Error::invalid_parameter("degree", degree, "in 1..=64"));
                }
                check_coef0(coef0)
            }
            Kernel::Sigmoid { coef0 } => check_coef0(coef0),
            Kernel::Rbf | Kernel::Linear => Ok(()),
        }
    }

    /// Whether the kernel needs squared norms.
    pub(crate) fn needs_norms(&self) -> bool {
        matches!(self.kernel, Kernel::Rbf)
    }

    /// The kernel value from a dot product and the two squared norms.
    #[inline]
    pub(crate) fn value_from_dot(&self, dot: f64, sq_a: f64, sq_b: f64) -> f64 {
        match self.kernel {
            Kernel::Rbf => exp_neg(-self.gamma * clamp_dist(sq_a + sq_b - 2.0 * dot)),
            Kernel::Linear => dot,
            Kernel::Poly { degree, coef0 } => powi(self.gamma * dot + coef0, degree),
            Kernel::Sigmoid { coef0 } => (self.gamma * dot + coef0).tanh(),
        }
    }

    /// Kernel values of every row of `a` against every row of `b`, written
    /// through `emit(row_of_a, values)`; `dots` is scratch space reused
    /// between calls.
    pub(crate) fn block<F: Float>(
        &self,
        a: ArrayView2<'_, F>,
        sq_a: &[f64],
        b: ArrayView2<'_, F>,
        sq_b: &[f64],
        scratch: &mut Scratch<F>,
        mut emit: impl FnMut(usize, &mut [f64]),
    ) {
        let (m, n) = (a.nrows(), b.nrows());
        if m == 0 || n == 0 {
            return;
        }
        if scratch.dots.len() < m * n {
            scratch.dots.resize(m * n, F::zero());
        }
        if scratch.row.len() < n {
            scratch.row.resize(n, 0.0);
        }
        let flat = &mut scratch.dots[..m * n];
        let row = &mut scratch.row[..n];
        let Ok(mut dots) = ArrayViewMut2::from_shape((m, n), &mut *flat) else {
            return;
        };
        // beta = 0: the old contents of the scratch space are not read
        general_mat_mul(F::one(), &a, &b.t(), F::zero(), &mut dots);
        for (r, drow) in flat.chunks_exact(n).enumerate() {
            match self.kernel {
                Kernel::Rbf => {
                    let (sa, g) = (sq_a[r], -self.gamma);
                    for ((o, &d), &sb) in row.iter_mut().zip(drow).zip(sq_b) {
                        *o = g * clamp_dist(sa + sb - 2.0 * d.as_f64());
                    }
                    exp_neg_in_place(row);
                }
                _ => {
                    for (o, &d) in row.iter_mut().zip(drow) {
                        *o = self.value_from_dot(d.as_f64(), 0.0, 0.0);
                    }
                }
            }
            emit(r, row);
        }
    }
}

/// A squared distance from norms and a dot product: rounding below zero is
/// clamped to 0, and NaN (infinite norms: `inf - inf`) becomes +inf, since
/// such points are far from everything. Written with comparisons, not
/// `f64::max`, so that loops over it vectorise.
#[inline]
fn clamp_dist(d: f64) -> f64 {
    if d >= 0.0 {
        d
    } else if d < 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn check_coef0(c: f64) -> Result<(), Error> {
    if c.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid_parameter("coef0", c, "finite"))
    }
}

/// `base^n` by repeated squaring, as LIBSVM evaluates the polynomial kernel.
fn powi(base: f64, n: u32) -> f64 {
    let (mut acc, mut b, mut k) = (1.0, base, n);
    while k > 0 {
        if k % 2 == 1 {
            acc *= b;
        }
        b *= b;
        k /= 2;
    }
    acc
}

/// Squared norm of every row, in `f64`.
pub(crate) fn row_norms<F: Float>(x: ArrayView2<'_, F>) -> Vec<f64> {
    x.rows()
        .into_iter()
        .map(|r| r.iter().map(|v| v.as_f64() * v.as_f64()).sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn block_matches_pairwise_definitions() {
        let a = array![[1.0, 2.0], [0.5, -1.0], [0.0, 0.0]];
        let b = array![[1.0, 0.0], [2.0, 2.0]];
        let (sa, sb) = (row_norms(a.view()), row_norms(b.view()));
        for kernel in [
            Kernel::Rbf,
            Kernel::Linear,
            Kernel::Poly {
                degree: 3,
                coef0: 0.5,
            },
            Kernel::Sigmoid { coef0: -0.2 },
        ] {
            let k = KernelFn { kernel, gamma: 0.3 };
            let mut scratch = Scratch::default();
            k.block(a.view(), &sa, b.view(), &sb, &mut scratch, |r, vals| {
                for (c, &v) in vals.iter().enumerate() {
                    let (x, y) = (a.row(r), b.row(c));
                    let dot = x.dot(&y);
                    let want = match kernel {
                        Kernel::Rbf => (-0.3 * (&x - &y).mapv(|t: f64| t * t).sum()).exp(),
                        Kernel::Linear => dot,
                        Kernel::Poly { .. } => (0.3 * dot + 0.5f64).powi(3),
                        Kernel::Sigmoid { .. } => (0.3 * dot - 0.2f64).tanh(),
                    };
                    assert!(
                        (v - want).abs() <= 1e-14 * want.abs().max(1.0),
                        "{kernel:?}"
                    );
                }
            });
        }
    }

    #[test]
    fn gamma_scale_uses_the_variance_of_all_elements() {
        let x = array![[0.0, 2.0], [4.0, 6.0]];
        // elements 0 2 4 6: mean 3, variance 5
        assert_eq!(Gamma::Scale.resolve(x.view()), 1.0 / (2.0 * 5.0));
        assert_eq!(Gamma::Auto.resolve(x.view()), 0.5);
        assert_eq!(Gamma::Scale.resolve(array![[1.0, 1.0]].view()), 1.0);
    }
}
