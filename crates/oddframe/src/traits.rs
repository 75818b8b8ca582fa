//! The stable contract: [`Detector`], [`IncrementalDetector`], [`Scorer`] and
//! [`FeatureExtractor`].
//!
//! All four are dyn-compatible, so an application can hold
//! `Box<dyn Detector<f64>>` and swap models at run time. Detectors and scorers
//! are `Send + Sync`; feature extractors, which carry per-stream state, are
//! `Send`.

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

use crate::{Float, Result};

/// A fitted model of normal data that scores new samples.
///
/// `score` returns one number per row of `x`; **higher means more anomalous**.
/// Every implementation checks the feature count and rejects NaN and
/// infinite input with an error rather than returning a meaningless score.
///
/// Feature-level models take rows of an `ArrayView2`; frame models flatten a
/// frame to one row (`channels * height * width` values) and also offer their
/// own frame methods.
///
/// ```
/// use ndarray::{Array1, ArrayView2};
/// use oddframe::{validate::check_matrix, Detector, Result};
///
/// /// Distance from the origin: a stand-in for a fitted model.
/// struct Norm(usize);
///
/// impl Detector<f64> for Norm {
///     fn n_features(&self) -> usize { self.0 }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, self.0)?;
///         Ok(x.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect())
///     }
/// }
///
/// let model: Box<dyn Detector<f64>> = Box::new(Norm(2));
/// let s = model.score(ndarray::array![[3.0, 4.0], [0.0, 1.0]].view())?;
/// assert_eq!(s.to_vec(), vec![5.0, 1.0]);
/// assert!(model.score(ndarray::array![[1.0]].view()).is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait Detector<F: Float>: Send + Sync {
    /// Number of features each sample must have.
    fn n_features(&self) -> usize;

    /// Scores every row of `x`; higher = more anomalous.
    ///
    /// # Errors
    /// [`crate::Error::DimensionMismatch`] when `x` has the wrong number of
    /// columns, [`crate::Error::NonFinite`] on NaN or infinite input.
    fn score(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>>;

    /// Scores one sample.
    ///
    /// # Errors
    /// As [`Detector::score`].
    fn score_one(&self, x: ArrayView1<'_, F>) -> Result<F> {
        let s = self.score(x.insert_axis(Axis(0)))?;
        Ok(s[0])
    }
}

/// A detector that keeps learning: `update` adds one more normal sample.
///
/// Policies such as "learn only what looks normal" and periodic refits are
/// built on top of this trait (see `fisvdd::StreamingDetector`), so they work
/// with any incremental model.
///
/// ```
/// use ndarray::{Array1, ArrayView1, ArrayView2};
/// use oddframe::{validate::{check_matrix, check_sample}, Detector, IncrementalDetector, Result};
///
/// /// Distance from the running mean of what it has learned.
/// struct RunningMean { mean: Array1<f64>, n: f64 }
///
/// impl Detector<f64> for RunningMean {
///     fn n_features(&self) -> usize { self.mean.len() }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, self.mean.len())?;
///         Ok(x.rows().into_iter().map(|r| (&r - &self.mean).mapv(|d| d * d).sum()).collect())
///     }
/// }
///
/// impl IncrementalDetector<f64> for RunningMean {
///     fn update(&mut self, x: ArrayView1<'_, f64>) -> Result<()> {
///         check_sample(x, self.mean.len())?;
///         self.n += 1.0;
///         self.mean = &self.mean + &((&x - &self.mean) / self.n);
///         Ok(())
///     }
/// }
///
/// let mut m = RunningMean { mean: Array1::zeros(1), n: 0.0 };
/// m.update(ndarray::array![2.0].view())?;
/// assert_eq!(m.score_one(ndarray::array![2.0].view())?, 0.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait IncrementalDetector<F: Float>: Detector<F> {
    /// Learns one more sample as normal.
    ///
    /// # Errors
    /// As [`Detector::score`] for a malformed sample.
    fn update(&mut self, x: ArrayView1<'_, F>) -> Result<()>;
}

/// Maps an input (a frame, a short frame sequence) to a report, with no
/// fitting: a quality score rather than a model of normal.
///
/// ```
/// use oddframe::{Frame, Result, Scorer};
///
/// /// Mean brightness in 0..1.
/// struct Brightness;
///
/// impl Scorer<Frame> for Brightness {
///     type Report = f64;
///     fn score(&self, f: &Frame) -> Result<f64> {
///         let b = f.as_bytes();
///         Ok(b.iter().map(|&v| f64::from(v)).sum::<f64>() / (255.0 * b.len().max(1) as f64))
///     }
/// }
///
/// let frame = Frame::luma(image::GrayImage::from_pixel(4, 4, image::Luma([255])), 0, Default::default());
/// let scorer: Box<dyn Scorer<Frame, Report = f64>> = Box::new(Brightness);
/// assert_eq!(scorer.score(&frame)?, 1.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait Scorer<I: ?Sized>: Send + Sync {
    /// What one call produces.
    type Report;

    /// Scores one input.
    ///
    /// # Errors
    /// When the input is malformed (empty, wrong shape).
    fn score(&self, input: &I) -> Result<Self::Report>;
}

/// Turns inputs into fixed-length, named feature vectors.
///
/// Stateful extractors (sliding windows, motion) keep what they need between
/// calls and may emit nothing until a window is full, or several vectors when
/// one input completes several windows; `push` returns them in order.
///
/// ```
/// use ndarray::Array1;
/// use oddframe::{FeatureExtractor, Result};
///
/// /// Mean of the last two inputs, once two have arrived.
/// #[derive(Default)]
/// struct PairMean { last: Option<f64> }
///
/// impl FeatureExtractor<f64> for PairMean {
///     fn feature_names(&self) -> Vec<String> { vec!["pair_mean".into()] }
///     fn push(&mut self, x: &f64) -> Result<Vec<Array1<f64>>> {
///         let out = self.last.map(|l| Array1::from_elem(1, (l + x) / 2.0)).into_iter().collect();
///         self.last = Some(*x);
///         Ok(out)
///     }
/// }
///
/// let mut ex: Box<dyn FeatureExtractor<f64>> = Box::new(PairMean::default());
/// assert!(ex.push(&1.0)?.is_empty());
/// assert_eq!(ex.push(&3.0)?[0][0], 2.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait FeatureExtractor<I: ?Sized, F: Float = f64>: Send {
    /// Names of the features, in output order.
    fn feature_names(&self) -> Vec<String>;

    /// Number of features per output vector.
    fn n_features(&self) -> usize {
        self.feature_names().len()
    }

    /// Consumes one input and returns the feature vectors it completes.
    ///
    /// # Errors
    /// When the input is malformed (non-finite values, wrong size, time going
    /// backwards for stream extractors).
    fn push(&mut self, input: &I) -> Result<Vec<Array1<F>>>;

    /// Emits what is left at the end of the input (default: nothing).
    ///
    /// # Errors
    /// As [`FeatureExtractor::push`].
    fn finish(&mut self) -> Result<Vec<Array1<F>>> {
        Ok(Vec::new())
    }
}
