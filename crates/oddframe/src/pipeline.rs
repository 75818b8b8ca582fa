//! [`Transformer`] and [`Pipeline`]: a fitted preprocessing step in front of
//! a detector, scored as one model.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::{Detector, Error, Float, IncrementalDetector, Result};

/// A fitted feature transformation (standardisation, projection) that a
/// detector's input goes through first.
///
/// Dyn-compatible, `Send + Sync`, like [`Detector`]. Implementations check
/// the feature count and finiteness of their input.
///
/// ```
/// use ndarray::{array, Array2, ArrayView2};
/// use oddframe::{pipeline::Transformer, validate::check_matrix, Result};
///
/// struct Double(usize);
/// impl Transformer<f64> for Double {
///     fn n_features_in(&self) -> usize { self.0 }
///     fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
///         check_matrix(x, self.0)?;
///         Ok(&x * 2.0)
///     }
/// }
/// let t: Box<dyn Transformer<f64>> = Box::new(Double(1));
/// assert_eq!(t.transform(array![[1.5]].view())?, array![[3.0]]);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait Transformer<F: Float>: Send + Sync {
    /// Number of features each input sample must have.
    fn n_features_in(&self) -> usize;

    /// Number of features each output sample has (the input count unless the
    /// transformation changes it).
    fn n_features_out(&self) -> usize {
        self.n_features_in()
    }

    /// Transforms every row of `x`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for a wrong column count,
    /// [`Error::NonFinite`] for NaN or infinite input (unless the
    /// implementation documents that it passes NaN through).
    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>>;
}

/// A transformer followed by a detector, used as one [`Detector`]: the
/// standard scaler in front of a one-class SVM or of FISVDD.
///
/// ```
/// use ndarray::{array, Array1, Array2, ArrayView2};
/// use oddframe::{pipeline::{Pipeline, Transformer}, validate::check_matrix, Detector, Result};
///
/// struct Shift(f64);
/// impl Transformer<f64> for Shift {
///     fn n_features_in(&self) -> usize { 1 }
///     fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
///         check_matrix(x, 1)?;
///         Ok(&x - self.0)
///     }
/// }
/// struct Abs;
/// impl Detector<f64> for Abs {
///     fn n_features(&self) -> usize { 1 }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, 1)?;
///         Ok(x.column(0).mapv(f64::abs))
///     }
/// }
/// let p = Pipeline::new(Shift(10.0), Abs)?;
/// assert_eq!(p.score(array![[7.0], [10.0]].view())?.to_vec(), vec![3.0, 0.0]);
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pipeline<T, D> {
    transformer: T,
    detector: D,
}

impl<T, D> Pipeline<T, D> {
    /// Chains `transformer` and `detector`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when the transformer's output width is
    /// not the detector's input width.
    pub fn new<F: Float>(transformer: T, detector: D) -> Result<Self>
    where
        T: Transformer<F>,
        D: Detector<F>,
    {
        let (out, want) = (transformer.n_features_out(), detector.n_features());
        if out != want {
            return Err(Error::DimensionMismatch {
                what: "transformer output features",
                expected: want,
                found: out,
            });
        }
        Ok(Self {
            transformer,
            detector,
        })
    }

    /// The transformer.
    pub fn transformer(&self) -> &T {
        &self.transformer
    }

    /// The detector.
    pub fn detector(&self) -> &D {
        &self.detector
    }

    /// Splits the pipeline into its two steps.
    pub fn into_parts(self) -> (T, D) {
        (self.transformer, self.detector)
    }
}

impl<F: Float, T: Transformer<F>, D: Detector<F>> Detector<F> for Pipeline<T, D> {
    fn n_features(&self) -> usize {
        self.transformer.n_features_in()
    }

    fn score(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let z = self.transformer.transform(x)?;
        self.detector.score(z.view())
    }
}

impl<F: Float, T: Transformer<F>, D: IncrementalDetector<F>> IncrementalDetector<F>
    for Pipeline<T, D>
{
    fn update(&mut self, x: ArrayView1<'_, F>) -> Result<()> {
        let z = self.transformer.transform(x.insert_axis(Axis(0)))?;
        self.detector.update(z.row(0))
    }
}
