//! [`ScaledOcsvm`]: a standard scaler and a one-class SVM fitted, scored,
//! saved and loaded as one model (scikit-learn's
//! `make_pipeline(StandardScaler(), OneClassSVM())`).

use ndarray::{Array1, ArrayView2};
use oddframe::{Detector, Float, Pipeline};

use crate::{OcsvmValidParams, OneClassSvm, Result, StandardScaler, StandardScalerParams};

/// A [`StandardScaler`] followed by a [`OneClassSvm`], built on the core's
/// [`Pipeline`]. Raw features go in; the SVM sees standardised ones.
///
/// ```
/// use ndarray::{array, Array2};
/// use ocsvm_scaler::{OcsvmParams, ScaledOcsvm, StandardScaler};
/// use oddframe::{Detector, ParamGuard};
///
/// // two features on very different scales, spread over a rectangle
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| {
///     let t = ((i * if j == 0 { 37 } else { 61 }) % 100) as f64 / 50.0 - 1.0;
///     if j == 0 { 1000.0 + 50.0 * t } else { 0.01 * t }
/// });
/// let model = ScaledOcsvm::fit(StandardScaler::params(), &OcsvmParams::new().nu(0.1).check()?, x.view())?;
/// let d = model.decision_function(array![[1000.0, 0.0], [1400.0, 0.05]].view())?;
/// assert!(d[0] > 0.0 && d[1] < 0.0);
/// assert_eq!(model.n_features(), 2);
/// # Ok::<(), ocsvm_scaler::OcsvmError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledOcsvm<F: Float> {
    pub(crate) inner: Pipeline<StandardScaler, OneClassSvm<F>>,
}

impl<F: Float> ScaledOcsvm<F> {
    /// Fits the scaler on `x`, then the SVM on the scaled rows.
    ///
    /// # Errors
    /// As [`StandardScalerParams::fit`] and [`OcsvmValidParams::fit`].
    pub fn fit(
        scaler: StandardScalerParams,
        svm: &OcsvmValidParams,
        x: ArrayView2<'_, F>,
    ) -> Result<Self> {
        let scaler = scaler.fit(x)?;
        let z = scaler.transform(x)?;
        let svm = svm.fit(z.view())?;
        Self::from_parts(scaler, svm)
    }

    /// Chains an already fitted scaler and SVM.
    ///
    /// # Errors
    /// [`oddframe::Error::DimensionMismatch`] when their feature counts differ.
    pub fn from_parts(scaler: StandardScaler, svm: OneClassSvm<F>) -> Result<Self> {
        Ok(Self {
            inner: Pipeline::new(scaler, svm)?,
        })
    }

    /// The scaler.
    pub fn scaler(&self) -> &StandardScaler {
        self.inner.transformer()
    }

    /// The SVM (it works on scaled features).
    pub fn svm(&self) -> &OneClassSvm<F> {
        self.inner.detector()
    }

    /// Number of (raw) features.
    pub fn n_features(&self) -> usize {
        self.scaler().n_features()
    }

    /// The SVM's `decision_function` of the scaled rows.
    ///
    /// # Errors
    /// As [`StandardScaler::transform`].
    pub fn decision_function(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let z = self.scaler().transform(x)?;
        self.svm().decision_function(z.view())
    }

    /// The SVM's `score_samples` of the scaled rows.
    ///
    /// # Errors
    /// As [`StandardScaler::transform`].
    pub fn score_samples(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let z = self.scaler().transform(x)?;
        self.svm().score_samples(z.view())
    }

    /// `+1` inside, `-1` outside.
    ///
    /// # Errors
    /// As [`StandardScaler::transform`].
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Array1<i8>> {
        let z = self.scaler().transform(x)?;
        self.svm().predict(z.view())
    }

    /// The underlying core pipeline.
    pub fn into_pipeline(self) -> Pipeline<StandardScaler, OneClassSvm<F>> {
        self.inner
    }
}

impl<F: Float> Detector<F> for ScaledOcsvm<F> {
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// `-decision_function` of the scaled rows.
    fn score(&self, x: ArrayView2<'_, F>) -> oddframe::Result<Array1<F>> {
        self.inner.score(x)
    }
}
