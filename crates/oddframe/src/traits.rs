//! The stable contract: [`Detector`], [`IncrementalDetector`],
//! [`Transformer`], [`Fit`], [`Scorer`] and [`FeatureExtractor`].
//!
//! All but [`Fit`] are dyn-compatible, so an application can hold
//! `Box<dyn Detector<f64>>` and swap models at run time. Detectors,
//! transformers and scorers are `Send + Sync`; feature extractors, which
//! carry per-stream state, are `Send`.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

#[cfg(feature = "serde")]
use crate::persist::Envelope;
use crate::{Error, Float, Result};

/// Checked parameters that fit a model on the rows of a matrix: the last
/// step of `XParams -> XValidParams -> fit -> model`.
///
/// Implemented by the checked parameters of every feature-level model
/// (`fisvdd::FisvddValidParams`, `ocsvm_scaler::OcsvmValidParams`), of
/// fitted transformers (`ocsvm_scaler::StandardScalerParams`) and of whole
/// pipelines ([`crate::PipelineParams`]); generic code (pipelines, refits in
/// a stream) fits through it.
///
/// ```
/// use ndarray::{array, Array1, ArrayView2, Axis};
/// use oddframe::{validate::check_matrix, Detector, Error, Fit, Result};
///
/// struct Centre(Array1<f64>);
/// impl Detector<f64> for Centre {
///     fn n_features(&self) -> usize { self.0.len() }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, self.0.len())?;
///         Ok(x.rows().into_iter().map(|r| (&r - &self.0).mapv(|d| d * d).sum()).collect())
///     }
/// }
/// struct CentreParams;
/// impl Fit<f64> for CentreParams {
///     type Model = Centre;
///     type Error = Error;
///     fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Centre> {
///         x.mean_axis(Axis(0)).map(Centre).ok_or(Error::Empty { what: "x" })
///     }
/// }
///
/// let model = CentreParams.fit(array![[0.0, 0.0], [2.0, 2.0]].view())?;
/// assert_eq!(model.score(array![[1.0, 1.0]].view())?[0], 0.0);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait Fit<F: Float>: Send + Sync {
    /// The fitted model.
    type Model;
    /// The error of fitting (the model crate's own error type).
    type Error: std::error::Error + Into<Error>;

    /// Fits a model on the rows of `x`.
    ///
    /// # Errors
    /// When `x` is empty, has non-finite values, or cannot be fitted; the
    /// model crate documents which.
    fn fit(&self, x: ArrayView2<'_, F>) -> std::result::Result<Self::Model, Self::Error>;
}

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

    /// The model's saved form, so that a [`crate::Pipeline`] holding it can
    /// be saved as one file (feature `serde`).
    ///
    /// Models that implement [`crate::Persist`] return
    /// [`crate::Persist::to_envelope`]; the default says the model cannot be
    /// saved.
    ///
    /// # Errors
    /// [`Error::NotPersistable`] by default.
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        Err(not_persistable(std::any::type_name::<Self>()))
    }
}

#[cfg(feature = "serde")]
fn not_persistable(what: &str) -> Error {
    Error::NotPersistable {
        what: what.into(),
        reason: "the type does not implement oddframe::Persist",
    }
}

impl<F: Float, D: Detector<F> + ?Sized> Detector<F> for Box<D> {
    fn n_features(&self) -> usize {
        (**self).n_features()
    }
    fn score(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        (**self).score(x)
    }
    fn score_one(&self, x: ArrayView1<'_, F>) -> Result<F> {
        (**self).score_one(x)
    }
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        (**self).envelope()
    }
}

/// A fitted feature transformation (clipping, standardisation, projection)
/// that a detector's input goes through first.
///
/// Dyn-compatible, `Send + Sync`, like [`Detector`]. Implementations check
/// the feature count and finiteness of their input.
///
/// ```
/// use ndarray::{array, Array2, ArrayView2};
/// use oddframe::{validate::check_matrix, Result, Transformer};
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

    /// The transformer's saved form (feature `serde`); see
    /// [`Detector::envelope`].
    ///
    /// # Errors
    /// [`Error::NotPersistable`] by default.
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        Err(not_persistable(std::any::type_name::<Self>()))
    }
}

impl<F: Float, T: Transformer<F> + ?Sized> Transformer<F> for Box<T> {
    fn n_features_in(&self) -> usize {
        (**self).n_features_in()
    }
    fn n_features_out(&self) -> usize {
        (**self).n_features_out()
    }
    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        (**self).transform(x)
    }
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        (**self).envelope()
    }
}

/// A fitted model of normal *frames*: the one interface through which a
/// service, a monitor, an event detector or an evaluation harness takes any
/// frame model — a convolutional autoencoder, or a feature extractor
/// followed by a scaler and a one-class detector
/// ([`crate::frame_pipeline::ExtractorPipeline`]).
///
/// `score_frames` takes consecutive frames of one source, in order, and
/// returns one score per frame, **higher = more anomalous**. Models with
/// temporal features (motion) start afresh at the first frame of each call.
///
/// ```
/// use oddframe::{Frame, FrameDetector, Result};
///
/// /// Distance of the mean brightness from mid-grey.
/// struct Exposure;
/// impl FrameDetector for Exposure {
///     fn score_frames(&self, frames: &[Frame]) -> Result<Vec<f64>> {
///         Ok(frames.iter().map(|f| {
///             let b = f.as_bytes();
///             (b.iter().map(|&v| f64::from(v)).sum::<f64>() / b.len().max(1) as f64 - 128.0).abs()
///         }).collect())
///     }
/// }
/// let dark = Frame::luma(image::GrayImage::new(4, 4), 0, Default::default());
/// let model: Box<dyn FrameDetector> = Box::new(Exposure);
/// assert_eq!(model.score_frames(&[dark])?, [128.0]);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait FrameDetector: Send + Sync {
    /// Scores consecutive frames of one source; one score per frame.
    ///
    /// # Errors
    /// [`Error::Empty`] for no frames; a frame the model cannot take (its
    /// size or channels) is an error naming its index.
    fn score_frames(&self, frames: &[crate::Frame]) -> Result<Vec<f64>>;

    /// The model's saved form (feature `serde`); see [`Detector::envelope`].
    ///
    /// # Errors
    /// [`Error::NotPersistable`] by default.
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        Err(not_persistable(std::any::type_name::<Self>()))
    }
}

impl<D: FrameDetector + ?Sized> FrameDetector for Box<D> {
    fn score_frames(&self, frames: &[crate::Frame]) -> Result<Vec<f64>> {
        (**self).score_frames(frames)
    }
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<Envelope> {
        (**self).envelope()
    }
}

/// Checked parameters that fit a frame model on normal frames (the frame
/// counterpart of [`Fit`]).
pub trait FitFrames: Send + Sync {
    /// The fitted model.
    type Model: FrameDetector;
    /// The error of fitting.
    type Error: std::error::Error + Into<Error>;

    /// Fits a model on consecutive normal frames.
    ///
    /// # Errors
    /// No frames, frames the model cannot take, or a failed fit.
    fn fit_frames(&self, frames: &[crate::Frame]) -> std::result::Result<Self::Model, Self::Error>;
}

/// A detector that keeps learning: `update` adds one more normal sample.
///
/// Policies such as "learn only what looks normal" and periodic refits are
/// built on top of this trait (see [`crate::streaming::StreamingDetector`]), so they work
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

    /// Pushes every input, then [`finish`](FeatureExtractor::finish)es, and
    /// stacks the vectors into a matrix (one row a vector), ready for a
    /// detector.
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use oddframe::{FeatureExtractor, Result};
    ///
    /// struct Square;
    /// impl FeatureExtractor<f64> for Square {
    ///     fn feature_names(&self) -> Vec<String> { vec!["x".into(), "x2".into()] }
    ///     fn push(&mut self, x: &f64) -> Result<Vec<Array1<f64>>> { Ok(vec![array![*x, x * x]]) }
    /// }
    /// let m = Square.extract_matrix(&[1.0, 2.0, 3.0])?;
    /// assert_eq!(m, array![[1.0, 1.0], [2.0, 4.0], [3.0, 9.0]]);
    /// # Ok::<(), oddframe::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`FeatureExtractor::push`]; [`Error::DimensionMismatch`] when a
    /// vector's length is not [`FeatureExtractor::n_features`].
    fn extract_matrix<'a, It>(&mut self, inputs: It) -> Result<Array2<F>>
    where
        Self: Sized,
        I: 'a,
        It: IntoIterator<Item = &'a I>,
    {
        let mut rows = Vec::new();
        for input in inputs {
            rows.extend(self.push(input)?);
        }
        rows.extend(self.finish()?);
        stack_rows(self.n_features(), &rows)
    }
}

/// Stacks vectors of `width` values into a matrix, one row a vector.
///
/// ```
/// use ndarray::array;
/// let m = oddframe::traits::stack_rows(2, &[array![1.0, 2.0], array![3.0, 4.0]])?;
/// assert_eq!(m, array![[1.0, 2.0], [3.0, 4.0]]);
/// assert!(oddframe::traits::stack_rows(2, &[array![1.0]]).is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] naming the first vector of another length.
pub fn stack_rows<F: Float>(width: usize, rows: &[Array1<F>]) -> Result<Array2<F>> {
    let mut flat = Vec::with_capacity(width * rows.len());
    for r in rows {
        if r.len() != width {
            return Err(Error::DimensionMismatch {
                what: "feature vector length",
                expected: width,
                found: r.len(),
            });
        }
        flat.extend(r.iter().copied());
    }
    Array2::from_shape_vec((rows.len(), width), flat).map_err(|e| Error::Model(Box::new(e)))
}
