//! [`OcsvmParams`] -> [`OcsvmValidParams`] -> [`OneClassSvm`]: the
//! one-class nu-SVM with scikit-learn's parameters, outputs and signs.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use oddframe::validate::check_matrix;
use oddframe::{Detector, Error, Float, ParamGuard};

use crate::kernel::{row_norms, Gamma, Kernel, KernelFn, Scratch};
use crate::solver::{self, Options};
use crate::{OcsvmError, Result};

/// Default kernel cache: 200 MiB, about scikit-learn's `cache_size=200`.
pub const DEFAULT_CACHE_BYTES: usize = 200 << 20;

/// Hyper-parameters of a one-class SVM, with scikit-learn's defaults:
/// RBF kernel, `gamma = "scale"`, `nu = 0.5`, tolerance `1e-3`, shrinking
/// on. Check them with [`ParamGuard::check`] to fit.
///
/// ```
/// use ocsvm_scaler::{Gamma, OcsvmParams};
/// use oddframe::ParamGuard;
///
/// assert!(OcsvmParams::new().nu(0.1).gamma(Gamma::Value(0.5)).check().is_ok());
/// assert!(OcsvmParams::new().nu(0.0).check().is_err());
/// assert!(OcsvmParams::new().gamma(Gamma::Value(-1.0)).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OcsvmParams(OcsvmValidParams);

/// Checked [`OcsvmParams`]; only [`ParamGuard::check`] makes one.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OcsvmValidParams {
    kernel: Kernel,
    gamma: Gamma,
    nu: f64,
    tol: f64,
    shrinking: bool,
    cache_bytes: usize,
    max_iter: Option<u64>,
    allow_unconverged: bool,
}

impl Default for OcsvmParams {
    fn default() -> Self {
        Self(OcsvmValidParams {
            kernel: Kernel::Rbf,
            gamma: Gamma::Scale,
            nu: 0.5,
            tol: 1e-3,
            shrinking: true,
            cache_bytes: DEFAULT_CACHE_BYTES,
            max_iter: None,
            allow_unconverged: false,
        })
    }
}

impl OcsvmParams {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The kernel (default [`Kernel::Rbf`]).
    pub fn kernel(mut self, kernel: Kernel) -> Self {
        self.0.kernel = kernel;
        self
    }

    /// How `gamma` is chosen (default [`Gamma::Scale`]); used by the RBF,
    /// polynomial and sigmoid kernels.
    pub fn gamma(mut self, gamma: Gamma) -> Self {
        self.0.gamma = gamma;
        self
    }

    /// `nu` in (0, 1]: an upper bound on the fraction of training samples
    /// outside the boundary and a lower bound on the fraction of support
    /// vectors (default 0.5).
    pub fn nu(mut self, nu: f64) -> Self {
        self.0.nu = nu;
        self
    }

    /// Stopping tolerance on the optimality gap `m(a) - M(a)`, > 0
    /// (default 1e-3).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// LIBSVM's shrinking heuristic (default on); the solution is the same
    /// up to the tolerance either way.
    pub fn shrinking(mut self, on: bool) -> Self {
        self.0.shrinking = on;
        self
    }

    /// Memory for cached kernel columns in bytes (default 200 MiB). Raised
    /// to two columns if smaller. The solver also holds a copy of the
    /// training data and `O(n)` vectors.
    pub fn cache_bytes(mut self, bytes: usize) -> Self {
        self.0.cache_bytes = bytes;
        self
    }

    /// Iteration cap, >= 1 (default `max(10^7, 100 n)`, LIBSVM's).
    pub fn max_iter(mut self, n: u64) -> Self {
        self.0.max_iter = Some(n);
        self
    }

    /// Return a model when the cap is hit instead of
    /// [`OcsvmError::NotConverged`] (default `false`); check
    /// [`FitInfo::converged`].
    pub fn allow_unconverged(mut self, on: bool) -> Self {
        self.0.allow_unconverged = on;
        self
    }
}

impl ParamGuard for OcsvmParams {
    type Checked = OcsvmValidParams;
    type Error = OcsvmError;

    fn check_ref(&self) -> Result<&OcsvmValidParams> {
        let p = &self.0;
        if !(p.nu.is_finite() && p.nu > 0.0 && p.nu <= 1.0) {
            return Err(Error::invalid_parameter("nu", p.nu, "in (0, 1]").into());
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return Err(Error::invalid_parameter("tol", p.tol, "finite and > 0").into());
        }
        if p.max_iter == Some(0) {
            return Err(Error::invalid_parameter("max_iter", 0, ">= 1").into());
        }
        let g = match p.gamma {
            Gamma::Value(g) => Some(g),
            Gamma::Scale | Gamma::Auto => None,
        };
        KernelFn::check(p.kernel, g)?;
        Ok(p)
    }

    fn check(self) -> Result<OcsvmValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl OcsvmValidParams {
    /// The parameters back as a builder.
    pub fn into_params(self) -> OcsvmParams {
        OcsvmParams(self)
    }

    /// Fits the model to the rows of `x` (the training samples).
    ///
    /// # Errors
    /// [`Error::Empty`] for no rows or no columns, [`Error::NonFinite`]
    /// for NaN or infinite values, [`Error::InvalidParameter`] when
    /// `gamma = "scale"` resolves to a non-finite value,
    /// [`OcsvmError::NotConverged`] when the iteration cap is hit (unless
    /// allowed).
    pub fn fit<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<OneClassSvm<F>> {
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::Empty {
                what: "training data",
            }
            .into());
        }
        check_matrix(x, x.ncols())?;
        let gamma = self.gamma.resolve(x);
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(Error::invalid_parameter("gamma", gamma, "finite and > 0").into());
        }
        let kernel = KernelFn {
            kernel: self.kernel,
            gamma,
        };
        let l = x.nrows() as u64;
        let max_iter = self
            .max_iter
            .unwrap_or_else(|| 10_000_000u64.max(100u64.saturating_mul(l)));
        let sol = solver::solve(
            x,
            kernel,
            Options {
                nu: self.nu,
                tol: self.tol,
                shrinking: self.shrinking,
                max_iter,
                cache_bytes: self.cache_bytes,
            },
        );
        if !(sol.rho.is_finite() && sol.objective.is_finite()) {
            return Err(OcsvmError::Numerical(format!(
                "kernel values overflow for this data (rho = {}); standardise the data \
                 or lower gamma",
                sol.rho
            )));
        }
        if !sol.converged && !self.allow_unconverged {
            return Err(OcsvmError::NotConverged {
                iterations: sol.iterations,
                gap: sol.gap,
                tol: self.tol,
            });
        }
        let support: Vec<usize> = (0..x.nrows()).filter(|&i| sol.alpha[i] != 0.0).collect();
        let dual_coef = support.iter().map(|&i| sol.alpha[i]).collect();
        let support_vectors = x.select(Axis(0), &support);
        let info = FitInfo {
            iterations: sol.iterations,
            objective: sol.objective,
            gap: sol.gap,
            converged: sol.converged,
            kernel_columns: sol.columns_computed,
        };
        Ok(OneClassSvm::from_parts(
            kernel,
            support_vectors,
            dual_coef,
            support,
            sol.rho,
            info,
        ))
    }
}

impl<F: Float> oddframe::Fit<F> for OcsvmValidParams {
    type Model = OneClassSvm<F>;
    type Error = OcsvmError;

    fn fit(&self, x: ArrayView2<'_, F>) -> Result<OneClassSvm<F>> {
        OcsvmValidParams::fit(self, x)
    }
}

/// What the solver did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FitInfo {
    /// Iterations (two-variable steps), scikit-learn's `n_iter_`.
    pub iterations: u64,
    /// The dual objective `1/2 a' Q a` at the solution.
    pub objective: f64,
    /// The optimality gap `m(a) - M(a)` at the end.
    pub gap: f64,
    /// Whether the gap fell below the tolerance.
    pub converged: bool,
    /// Kernel columns computed (cache misses), a measure of the work done.
    pub kernel_columns: u64,
}

/// A fitted one-class SVM (LIBSVM's one-class nu-SVM, scikit-learn's
/// `OneClassSVM`).
///
/// `decision_function(x) = sum_i a_i K(sv_i, x) - rho`: positive inside the
/// learned region. As a [`Detector`] the score is `-decision_function`, so
/// that higher means more anomalous and the boundary is at 0.
///
/// ```
/// use ndarray::{array, Array2};
/// use ocsvm_scaler::OcsvmParams;
/// use oddframe::{Detector, ParamGuard};
///
/// // normal data: a grid around the origin
/// let x = Array2::from_shape_fn((64, 2), |(i, j)| {
///     let v = if j == 0 { i % 8 } else { i / 8 };
///     v as f64 / 7.0 - 0.5
/// });
/// let svm = OcsvmParams::new().nu(0.1).check()?.fit(x.view())?;
/// let test = array![[0.2, 0.2], [3.0, 3.0]];
/// let d = svm.decision_function(test.view())?;
/// assert!(d[0] > 0.0 && d[1] < 0.0);
/// assert_eq!(svm.predict(test.view())?.to_vec(), vec![1, -1]);
/// assert_eq!(svm.score(test.view())?, -&d); // Detector: higher = more anomalous
/// # Ok::<(), ocsvm_scaler::OcsvmError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OneClassSvm<F: Float> {
    pub(crate) kernel: KernelFn,
    pub(crate) support_vectors: Array2<F>,
    pub(crate) sv_norms: Vec<f64>,
    pub(crate) dual_coef: Array1<f64>,
    pub(crate) support: Vec<usize>,
    pub(crate) rho: f64,
    pub(crate) info: FitInfo,
}

/// Rows scored per block of the kernel matrix.
const ROWS_PER_BLOCK: usize = 128;

impl<F: Float> OneClassSvm<F> {
    pub(crate) fn from_parts(
        kernel: KernelFn,
        support_vectors: Array2<F>,
        dual_coef: Array1<f64>,
        support: Vec<usize>,
        rho: f64,
        info: FitInfo,
    ) -> Self {
        let sv_norms = if kernel.needs_norms() {
            row_norms(support_vectors.view())
        } else {
            vec![0.0; support_vectors.nrows()]
        };
        Self {
            kernel,
            support_vectors,
            sv_norms,
            dual_coef,
            support,
            rho,
            info,
        }
    }

    /// `sum_i a_i K(sv_i, x) - rho` for every row (scikit-learn's
    /// `decision_function`): positive inside, negative outside.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for a wrong column count,
    /// [`Error::NonFinite`] for NaN or infinite input.
    pub fn decision_function(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        check_matrix(x, self.n_features())?;
        checked(self.decision_unchecked(x, -self.rho))
    }

    /// `sum_i a_i K(sv_i, x)` (scikit-learn's `score_samples`):
    /// `decision_function + rho`.
    ///
    /// # Errors
    /// As [`OneClassSvm::decision_function`].
    pub fn score_samples(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        check_matrix(x, self.n_features())?;
        checked(self.decision_unchecked(x, 0.0))
    }

    /// `+1` where `decision_function > 0` (inlier), `-1` elsewhere.
    ///
    /// # Errors
    /// As [`OneClassSvm::decision_function`].
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Array1<i8>> {
        Ok(self
            .decision_function(x)?
            .mapv(|d| if d > F::zero() { 1 } else { -1 }))
    }

    fn decision_unchecked(&self, x: ArrayView2<'_, F>, offset: f64) -> Array1<F> {
        let mut out = Array1::zeros(x.nrows());
        let coef = self.dual_coef.as_slice().unwrap_or(&[]);
        let score_block = |(rows, mut out): (ArrayView2<'_, F>, ndarray::ArrayViewMut1<'_, F>)| {
            let sq = if self.kernel.needs_norms() {
                row_norms(rows)
            } else {
                vec![0.0; rows.nrows()]
            };
            let mut scratch = Scratch::default();
            self.kernel.block(
                rows,
                &sq,
                self.support_vectors.view(),
                &self.sv_norms,
                &mut scratch,
                |r, vals| {
                    out[r] = F::cast(weighted_sum(vals, coef) + offset);
                },
            );
        };
        let blocks = x
            .axis_chunks_iter(Axis(0), ROWS_PER_BLOCK)
            .zip(out.axis_chunks_iter_mut(Axis(0), ROWS_PER_BLOCK));
        #[cfg(feature = "rayon")]
        {
            use rayon::iter::{ParallelBridge, ParallelIterator};
            if x.nrows() > ROWS_PER_BLOCK {
                blocks.par_bridge().for_each(score_block);
                return out;
            }
        }
        blocks.for_each(score_block);
        out
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.support_vectors.ncols()
    }

    /// The support vectors (rows), in training order.
    pub fn support_vectors(&self) -> ArrayView2<'_, F> {
        self.support_vectors.view()
    }

    /// Indices of the support vectors in the training data
    /// (scikit-learn's `support_`), increasing.
    pub fn support(&self) -> &[usize] {
        &self.support
    }

    /// The support vectors' multipliers `a_i` in (0, 1]
    /// (scikit-learn's `dual_coef_`).
    pub fn dual_coef(&self) -> &Array1<f64> {
        &self.dual_coef
    }

    /// `rho` (scikit-learn's `offset_`, minus its `intercept_`).
    pub fn rho(&self) -> f64 {
        self.rho
    }

    /// The resolved `gamma`.
    pub fn gamma(&self) -> f64 {
        self.kernel.gamma
    }

    /// The kernel.
    pub fn kernel(&self) -> Kernel {
        self.kernel.kernel
    }

    /// What the solver did.
    pub fn fit_info(&self) -> &FitInfo {
        &self.info
    }
}

/// Rejects NaN outputs, which only overflowing kernel values produce.
fn checked<F: Float>(d: Array1<F>) -> Result<Array1<F>> {
    match d.iter().position(|v| v.is_nan()) {
        Some(i) => Err(OcsvmError::Numerical(format!(
            "the kernel values of row {i} overflow; standardise the data or lower gamma"
        ))),
        None => Ok(d),
    }
}

/// `sum_i k_i a_i` with eight partial sums, so that the loop vectorises.
fn weighted_sum(k: &[f64], a: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (kc, ac) = (k.chunks_exact(8), a.chunks_exact(8));
    let tail: f64 = kc
        .remainder()
        .iter()
        .zip(ac.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (kk, aa) in kc.zip(ac) {
        for l in 0..8 {
            acc[l] += kk[l] * aa[l];
        }
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

impl<F: Float> Detector<F> for OneClassSvm<F> {
    fn n_features(&self) -> usize {
        self.support_vectors.ncols()
    }

    /// `-decision_function`: higher = more anomalous, 0 on the boundary.
    fn score(&self, x: ArrayView2<'_, F>) -> oddframe::Result<Array1<F>> {
        Ok(self.decision_function(x)?.mapv(|d| -d))
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> oddframe::Result<oddframe::persist::Envelope> {
        oddframe::Persist::to_envelope(self)
    }
}
