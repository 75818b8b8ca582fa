//! [`StandardScaler`]: per-feature standardisation with scikit-learn's
//! semantics.
//!
//! Statistics are accumulated in `f64` whatever the element type, with the
//! population variance (ddof 0). Batches are merged with the pairwise update
//! of Chan, Golub & LeVeque ("Algorithms for computing the sample variance:
//! analysis and recommendations", The American Statistician 37(3), 1983):
//! each batch is summarised by its count, sum and corrected two-pass sum of
//! squared deviations, and combined with the running summary through the
//! difference of the two means.

use ndarray::{Array1, Array2, ArrayView2, Zip};
use oddframe::Transformer;
use oddframe::{Error, Float};

use crate::Result;

/// Builder for a [`StandardScaler`]: which statistics to apply and how to
/// treat NaN.
///
/// ```
/// use ndarray::array;
/// use ocsvm_scaler::StandardScaler;
///
/// let x = array![[1.0, f64::NAN], [3.0, 4.0]];
/// assert!(StandardScaler::fit(x.view()).is_err()); // NaN rejected by default
/// let s = StandardScaler::params().allow_nan(true).fit(x.view())?;
/// assert_eq!(s.mean().to_vec(), vec![2.0, 4.0]); // NaN ignored per feature
/// assert_eq!(s.n_samples_seen().to_vec(), vec![2, 1]);
/// # Ok::<(), ocsvm_scaler::OcsvmError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StandardScalerParams {
    with_mean: bool,
    with_std: bool,
    allow_nan: bool,
}

impl Default for StandardScalerParams {
    fn default() -> Self {
        Self {
            with_mean: true,
            with_std: true,
            allow_nan: false,
        }
    }
}

impl StandardScalerParams {
    /// Centre and scale, reject NaN (the defaults).
    pub fn new() -> Self {
        Self::default()
    }

    /// Subtract the mean (default `true`).
    pub fn with_mean(mut self, on: bool) -> Self {
        self.with_mean = on;
        self
    }

    /// Divide by the standard deviation (default `true`).
    pub fn with_std(mut self, on: bool) -> Self {
        self.with_std = on;
        self
    }

    /// scikit-learn's NaN handling (default `false`): when on, `fit` and
    /// `partial_fit` ignore NaN per feature (each feature's statistics use
    /// only its non-NaN values, and [`StandardScaler::n_samples_seen`] counts
    /// them) and `transform` passes NaN through. When off, NaN anywhere is an
    /// error. Infinite values are always an error.
    pub fn allow_nan(mut self, on: bool) -> Self {
        self.allow_nan = on;
        self
    }

    /// Learns the per-feature statistics of `x` (rows are samples).
    ///
    /// # Errors
    /// [`Error::Empty`] for no rows or no columns, or when NaN is allowed and
    /// a feature has no non-NaN value; [`Error::NonFinite`] for infinite
    /// values and for NaN unless allowed.
    pub fn fit<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<StandardScaler> {
        let d = x.ncols();
        let mut s = StandardScaler {
            params: *self,
            mean: Array1::zeros(d),
            var: Array1::zeros(d),
            scale: Array1::ones(d),
            n_samples_seen: Array1::zeros(d),
        };
        s.partial_fit(x)?;
        Ok(s)
    }
}

impl<F: Float> oddframe::Fit<F> for StandardScalerParams {
    type Model = StandardScaler;
    type Error = crate::OcsvmError;

    fn fit(&self, x: ArrayView2<'_, F>) -> Result<StandardScaler> {
        StandardScalerParams::fit(self, x)
    }
}

/// Per-feature standardisation `z = (x - mean) / scale`, equal to
/// scikit-learn's `StandardScaler` (population variance; a feature whose
/// variance is within rounding of zero — `var <= n eps var + (n mean eps)^2`,
/// scikit-learn's bound — gets scale 1).
///
/// ```
/// use ndarray::array;
/// use ocsvm_scaler::StandardScaler;
///
/// let s = StandardScaler::fit(array![[1.0, 5.0], [3.0, 5.0]].view())?;
/// let z = s.transform(array![[2.0, 5.0], [3.0, 6.0]].view())?;
/// assert_eq!(z, array![[0.0, 0.0], [1.0, 1.0]]);
/// assert_eq!(s.inverse_transform(z.view())?, array![[2.0, 5.0], [3.0, 6.0]]);
/// # Ok::<(), ocsvm_scaler::OcsvmError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler {
    pub(crate) params: StandardScalerParams,
    pub(crate) mean: Array1<f64>,
    pub(crate) var: Array1<f64>,
    pub(crate) scale: Array1<f64>,
    pub(crate) n_samples_seen: Array1<u64>,
}

/// One batch summarised per feature: count, sum, and the corrected two-pass
/// sum of squared deviations from the batch mean.
struct BatchStats {
    count: Vec<f64>,
    sum: Vec<f64>,
    m2: Vec<f64>,
}

impl StandardScaler {
    /// The builder, to change the defaults.
    pub fn params() -> StandardScalerParams {
        StandardScalerParams::new()
    }

    /// Fits with the defaults (centre, scale, reject NaN).
    ///
    /// # Errors
    /// As [`StandardScalerParams::fit`].
    pub fn fit<F: Float>(x: ArrayView2<'_, F>) -> Result<Self> {
        StandardScalerParams::new().fit(x)
    }

    /// Merges one more batch into the statistics (scikit-learn's
    /// `partial_fit`); fitting batches one after another gives the
    /// statistics of their concatenation up to rounding.
    ///
    /// ```
    /// use ndarray::array;
    /// use ocsvm_scaler::StandardScaler;
    ///
    /// let mut s = StandardScaler::fit(array![[1.0], [2.0]].view())?;
    /// s.partial_fit(array![[3.0], [4.0]].view())?;
    /// let all = StandardScaler::fit(array![[1.0], [2.0], [3.0], [4.0]].view())?;
    /// assert!((s.var()[0] - all.var()[0]).abs() < 1e-15);
    /// assert_eq!(s.mean(), all.mean());
    /// # Ok::<(), ocsvm_scaler::OcsvmError>(())
    /// ```
    ///
    /// # Errors
    /// As [`StandardScalerParams::fit`], plus [`Error::DimensionMismatch`]
    /// when the batch has a different number of features. On error the
    /// scaler is unchanged.
    pub fn partial_fit<F: Float>(&mut self, x: ArrayView2<'_, F>) -> Result<()> {
        let d = self.mean.len();
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::Empty {
                what: "data to standardise",
            }
            .into());
        }
        if x.ncols() != d {
            return Err(Error::DimensionMismatch {
                what: "features",
                expected: d,
                found: x.ncols(),
            }
            .into());
        }
        check_values(x, self.params.allow_nan)?;
        let batch = BatchStats::of(x);
        if (0..d).any(|j| batch.count[j] == 0.0 && self.n_samples_seen[j] == 0) {
            return Err(Error::Empty {
                what: "non-NaN values of a feature",
            }
            .into());
        }
        for j in 0..d {
            self.merge(j, &batch);
        }
        Ok(())
    }

    /// Chan, Golub & LeVeque's merge of the running statistics of feature
    /// `j` with the batch's, in scikit-learn's order of operations.
    fn merge(&mut self, j: usize, b: &BatchStats) {
        let (nb, sb, m2b) = (b.count[j], b.sum[j], b.m2[j]);
        if nb == 0.0 {
            return;
        }
        let na = self.n_samples_seen[j] as f64;
        let n = na + nb;
        let last_sum = self.mean[j] * na;
        let mean = (last_sum + sb) / n;
        let m2 = if na == 0.0 {
            m2b
        } else {
            let ratio = na / nb;
            let diff = last_sum / ratio - sb;
            self.var[j] * na + m2b + ratio / n * (diff * diff)
        };
        self.n_samples_seen[j] += nb as u64;
        self.mean[j] = mean;
        self.var[j] = m2 / n;
        self.scale[j] = self.scale_of(j);
    }

    /// scikit-learn's constant-feature rule: scale 1 when the variance is
    /// within rounding error of zero.
    pub(crate) fn scale_of(&self, j: usize) -> f64 {
        let (var, mean) = (self.var[j], self.mean[j]);
        let n = self.n_samples_seen[j] as f64;
        let eps = f64::EPSILON;
        let bound = n * eps * var + (n * mean * eps) * (n * mean * eps);
        if var <= bound {
            1.0
        } else {
            var.sqrt()
        }
    }

    /// Per-feature means (computed even when `with_mean` is off).
    pub fn mean(&self) -> &Array1<f64> {
        &self.mean
    }

    /// Per-feature population variances.
    pub fn var(&self) -> &Array1<f64> {
        &self.var
    }

    /// Per-feature scales: standard deviations, 1 for constant features
    /// (computed even when `with_std` is off).
    pub fn scale(&self) -> &Array1<f64> {
        &self.scale
    }

    /// Samples seen per feature (NaN excluded when NaN is allowed).
    pub fn n_samples_seen(&self) -> &Array1<u64> {
        &self.n_samples_seen
    }

    /// The settings the scaler was fitted with.
    pub fn settings(&self) -> StandardScalerParams {
        self.params
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Standardises every row: `(x - mean) / scale` (each step only if
    /// enabled). Computed in `f64` and rounded to `F`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for a wrong column count,
    /// [`Error::NonFinite`] for infinite values, and for NaN unless the
    /// scaler was fitted with [`StandardScalerParams::allow_nan`].
    pub fn transform<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check_input(x)?;
        let (shift, scale) = self.effective();
        let mut out = Array2::zeros(x.raw_dim());
        // subtracting 0 and dividing by 1 are exact, so the disabled steps
        // need no branch in the loop
        Zip::from(&mut out)
            .and(&x)
            .and_broadcast(&shift)
            .and_broadcast(&scale)
            .for_each(|o, &v, &m, &s| *o = F::cast((v.as_f64() - m) / s));
        Ok(out)
    }

    /// Undoes [`StandardScaler::transform`]: `z * scale + mean`.
    ///
    /// # Errors
    /// As [`StandardScaler::transform`].
    pub fn inverse_transform<F: Float>(&self, z: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check_input(z)?;
        let (shift, scale) = self.effective();
        let mut out = Array2::zeros(z.raw_dim());
        Zip::from(&mut out)
            .and(&z)
            .and_broadcast(&shift)
            .and_broadcast(&scale)
            .for_each(|o, &v, &m, &s| *o = F::cast(v.as_f64() * s + m));
        Ok(out)
    }

    /// The mean and scale applied: 0 and 1 for disabled steps.
    fn effective(&self) -> (Array1<f64>, Array1<f64>) {
        let d = self.mean.len();
        let shift = if self.params.with_mean {
            self.mean.clone()
        } else {
            Array1::zeros(d)
        };
        let scale = if self.params.with_std {
            self.scale.clone()
        } else {
            Array1::ones(d)
        };
        (shift, scale)
    }

    fn check_input<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<()> {
        if x.ncols() != self.mean.len() {
            return Err(Error::DimensionMismatch {
                what: "features",
                expected: self.mean.len(),
                found: x.ncols(),
            }
            .into());
        }
        check_values(x, self.params.allow_nan)
    }
}

/// Rejects infinite values always and NaN unless `allow_nan`.
fn check_values<F: Float>(x: ArrayView2<'_, F>, allow_nan: bool) -> Result<()> {
    for (row, r) in x.rows().into_iter().enumerate() {
        if let Some(col) = r
            .iter()
            .position(|v| v.is_infinite() || (!allow_nan && v.is_nan()))
        {
            return Err(Error::NonFinite { row, col }.into());
        }
    }
    Ok(())
}

impl BatchStats {
    /// Sums in row order (as numpy reduces a C-ordered array along axis 0),
    /// then the corrected two-pass squared deviations about the batch mean.
    fn of<F: Float>(x: ArrayView2<'_, F>) -> Self {
        let d = x.ncols();
        // row slices (a copy only for non-standard layouts); NaN adds 0,
        // as numpy's nansum does, without a branch so the loops vectorise
        let x = x.as_standard_layout();
        let rows = x.as_slice().unwrap_or(&[]).chunks_exact(d.max(1));
        let mut count = vec![0.0; d];
        let mut sum = vec![0.0; d];
        for r in rows.clone() {
            for ((c, s), &v) in count.iter_mut().zip(sum.iter_mut()).zip(r) {
                let (v, ok) = (v.as_f64(), !v.is_nan());
                *c += if ok { 1.0 } else { 0.0 };
                *s += if ok { v } else { 0.0 };
            }
        }
        let t: Vec<f64> = sum.iter().zip(&count).map(|(s, c)| s / c).collect();
        let mut corr = vec![0.0; d];
        let mut sq = vec![0.0; d];
        for r in rows {
            for (((c, q), &v), &tj) in corr.iter_mut().zip(sq.iter_mut()).zip(r).zip(&t) {
                let dv = v.as_f64() - tj;
                let dv = if v.is_nan() { 0.0 } else { dv };
                *c += dv;
                *q += dv * dv;
            }
        }
        let m2 = (0..d)
            .map(|j| sq[j] - corr[j] * corr[j] / count[j])
            .collect();
        Self { count, sum, m2 }
    }
}

impl<F: Float> Transformer<F> for StandardScaler {
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    fn transform(&self, x: ArrayView2<'_, F>) -> oddframe::Result<Array2<F>> {
        StandardScaler::transform(self, x).map_err(Into::into)
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> oddframe::Result<oddframe::persist::Envelope> {
        oddframe::Persist::to_envelope(self)
    }
}
