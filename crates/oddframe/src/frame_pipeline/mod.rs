//! Frame models on the contract: [`FramePipeline`] (any [`FrameDetector`]
//! with its threshold, decided and saved as one file) and
//! [`ExtractorPipeline`] (a feature extractor over frames in front of a
//! feature [`Pipeline`]: colour, gradient and motion embeddings, or learned
//! ones, then a scaler and a one-class detector).
//!
//! ```
//! use ndarray::{array, Array1, ArrayView2, Axis};
//! use oddframe::frame_pipeline::{ExtractorPipelineParams, ExtractorSpec, FramePipeline};
//! use oddframe::{validate::check_matrix, Calibration, Detector, Error, FeatureExtractor, Fit, FitFrames, Frame, Result};
//!
//! /// Mean brightness of a frame, as a one-feature extractor.
//! #[derive(Clone)]
//! struct Brightness;
//! impl FeatureExtractor<Frame> for Brightness {
//!     fn feature_names(&self) -> Vec<String> { vec!["brightness".into()] }
//!     fn push(&mut self, f: &Frame) -> Result<Vec<Array1<f64>>> {
//!         let b = f.as_bytes();
//!         Ok(vec![array![b.iter().map(|&v| f64::from(v)).sum::<f64>() / b.len() as f64]])
//!     }
//! }
//! impl ExtractorSpec for Brightness {
//!     fn n_features(&self) -> usize { 1 }
//!     fn build(&self) -> Box<dyn FeatureExtractor<Frame>> { Box::new(Brightness) }
//! }
//! /// Distance from the training mean.
//! struct Centre(f64);
//! impl Detector<f64> for Centre {
//!     fn n_features(&self) -> usize { 1 }
//!     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
//!         check_matrix(x, 1)?;
//!         Ok(x.column(0).mapv(|v| (v - self.0).abs()))
//!     }
//! }
//! struct CentreParams;
//! impl Fit<f64> for CentreParams {
//!     type Model = Centre;
//!     type Error = Error;
//!     fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Centre> {
//!         Ok(Centre(x.mean_axis(Axis(0)).ok_or(Error::Empty { what: "x" })?[0]))
//!     }
//! }
//!
//! let grey = |v: u8, i: u64| Frame::luma(image::GrayImage::from_pixel(8, 8, [v].into()), i, Default::default());
//! let normal: Vec<Frame> = (0..20).map(|i| grey(100 + (i % 5) as u8, i)).collect();
//! let model = ExtractorPipelineParams::new(Brightness, oddframe::PipelineParams::new(CentreParams)).fit_frames(&normal)?;
//! let mut pipeline = FramePipeline::new(model);
//! pipeline.calibrate(Calibration::Quantile(1.0), &normal)?;
//! let d = pipeline.decide(&[grey(102, 20), grey(250, 21)])?;
//! assert!(!d[0].is_anomaly && d[1].is_anomaly);
//! # Ok::<(), oddframe::Error>(())
//! ```

#[cfg(feature = "serde")]
mod persist;
#[cfg(feature = "serde")]
pub(crate) use persist::register_builtin;

use std::any::Any;

use crate::{
    Calibration, Decision, Error, FeatureExtractor, Fit, FitFrames, Frame, FrameDetector, Pipeline,
    PipelineParams, Result, Threshold,
};

/// A frame detector that can be downcast to its own type.
pub(crate) trait FrameModel: FrameDetector {
    fn as_any(&self) -> &dyn Any;
}

impl<D: FrameDetector + 'static> FrameModel for D {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Any [`FrameDetector`] with (optionally) its threshold: decisions per
/// frame, saved as one file (feature `serde`, format
/// `oddframe.frame-pipeline`, loaded through a [`crate::Registry`] that knows
/// the detector's format).
pub struct FramePipeline {
    pub(crate) detector: Box<dyn FrameModel>,
    pub(crate) threshold: Option<Threshold>,
}

impl std::fmt::Debug for FramePipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FramePipeline")
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl FramePipeline {
    /// A pipeline of `detector` without a threshold yet.
    pub fn new(detector: impl FrameDetector + 'static) -> Self {
        Self {
            detector: Box::new(detector),
            threshold: None,
        }
    }

    /// Sets the threshold.
    pub fn with_threshold(mut self, threshold: Threshold) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Replaces (or removes) the threshold.
    pub fn set_threshold(&mut self, threshold: Option<Threshold>) {
        self.threshold = threshold;
    }

    /// Calibrates the threshold on the scores of `normal` frames (normal
    /// frames the model did not fit give an honest false-alarm rate) and
    /// keeps it.
    ///
    /// # Errors
    /// As [`FrameDetector::score_frames`] and [`Threshold::calibrate`].
    pub fn calibrate(&mut self, calibration: Calibration, normal: &[Frame]) -> Result<&Threshold> {
        let scores = self.detector.score_frames(normal)?;
        Ok(self
            .threshold
            .insert(Threshold::calibrate(calibration, &scores)?))
    }

    /// The threshold, if set.
    pub fn threshold(&self) -> Option<&Threshold> {
        self.threshold.as_ref()
    }

    /// The detector.
    pub fn detector(&self) -> &dyn FrameDetector {
        self.detector.as_ref()
    }

    /// The detector as its own type, when it is a `D`.
    pub fn detector_as<D: 'static>(&self) -> Option<&D> {
        let model: &dyn FrameModel = self.detector.as_ref();
        model.as_any().downcast_ref()
    }

    /// Scores and decides consecutive frames of one source.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] without a threshold; as
    /// [`FrameDetector::score_frames`].
    pub fn decide(&self, frames: &[Frame]) -> Result<Vec<Decision>> {
        let t = self.threshold.as_ref().ok_or_else(|| {
            Error::invalid_parameter(
                "threshold",
                "none",
                "set (FramePipeline::with_threshold or calibrate)",
            )
        })?;
        Ok(self
            .score_frames(frames)?
            .into_iter()
            .map(|s| t.decide(s))
            .collect())
    }
}

impl FrameDetector for FramePipeline {
    fn score_frames(&self, frames: &[Frame]) -> Result<Vec<f64>> {
        self.detector.score_frames(frames)
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<crate::persist::Envelope> {
        self.to_envelope()
    }
}

/// The settings of a feature extractor over frames, from which a fresh
/// extractor is built for every sequence of frames (its temporal state
/// starts afresh), saved with the model that uses it.
///
/// `video_features::embed::EmbeddingSpec` (colour, gradient and motion
/// histograms) implements it; a learned embedding does the same.
pub trait ExtractorSpec: Send + Sync {
    /// Length of the vector the extractor returns for each frame.
    fn n_features(&self) -> usize;

    /// A fresh extractor; it must return exactly one vector of
    /// [`n_features`](ExtractorSpec::n_features) values per frame.
    fn build(&self) -> Box<dyn FeatureExtractor<Frame>>;

    /// The settings' saved form (feature `serde`).
    ///
    /// # Errors
    /// [`Error::NotPersistable`] by default.
    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<crate::persist::Envelope> {
        Err(Error::NotPersistable {
            what: std::any::type_name::<Self>().into(),
            reason: "the type does not implement oddframe::Persist",
        })
    }
}

/// Frames -> one feature vector per frame -> a feature [`Pipeline`] (a
/// scaler, a one-class detector): a [`FrameDetector`] from any extractor.
pub struct ExtractorPipeline {
    pub(crate) extractor: Box<dyn ExtractorSpec>,
    pub(crate) pipeline: Pipeline<f64>,
}

impl std::fmt::Debug for ExtractorPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractorPipeline")
            .field("n_features", &self.extractor.n_features())
            .field("pipeline", &self.pipeline)
            .finish()
    }
}

impl ExtractorPipeline {
    /// Chains an extractor and a fitted feature pipeline.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when the extractor's vector length is
    /// not the pipeline's input width.
    pub fn new(extractor: impl ExtractorSpec + 'static, pipeline: Pipeline<f64>) -> Result<Self> {
        Self::from_boxed(Box::new(extractor), pipeline)
    }

    pub(crate) fn from_boxed(
        extractor: Box<dyn ExtractorSpec>,
        pipeline: Pipeline<f64>,
    ) -> Result<Self> {
        use crate::Detector;
        let (found, expected) = (extractor.n_features(), pipeline.n_features());
        if found != expected {
            return Err(Error::DimensionMismatch {
                what: "extractor features",
                expected,
                found,
            });
        }
        Ok(Self {
            extractor,
            pipeline,
        })
    }

    /// The feature vectors of consecutive frames (one row per frame).
    ///
    /// # Errors
    /// The extractor's errors; [`Error::DimensionMismatch`] when it does
    /// not return one vector per frame.
    pub fn features(&self, frames: &[Frame]) -> Result<ndarray::Array2<f64>> {
        if frames.is_empty() {
            return Err(Error::Empty { what: "frames" });
        }
        let mut extractor = self.extractor.build();
        extract_rows(extractor.as_mut(), self.extractor.n_features(), frames)
    }

    /// The feature pipeline behind the extractor.
    pub fn pipeline(&self) -> &Pipeline<f64> {
        &self.pipeline
    }

    /// The extractor's settings.
    pub fn extractor(&self) -> &dyn ExtractorSpec {
        self.extractor.as_ref()
    }
}

/// Runs `extractor` over `frames`, requiring one vector of `width` per frame.
fn extract_rows(
    extractor: &mut dyn FeatureExtractor<Frame>,
    width: usize,
    frames: &[Frame],
) -> Result<ndarray::Array2<f64>> {
    let mut rows = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        let mut v = extractor.push(f)?;
        if v.len() != 1 {
            return Err(Error::invalid_parameter(
                "extractor",
                format!("{} vectors for frame {i}", v.len()),
                "one vector per frame",
            ));
        }
        rows.push(v.remove(0));
    }
    crate::traits::stack_rows(width, &rows)
}

impl FrameDetector for ExtractorPipeline {
    fn score_frames(&self, frames: &[Frame]) -> Result<Vec<f64>> {
        use crate::Detector;
        Ok(self.pipeline.score(self.features(frames)?.view())?.to_vec())
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<crate::persist::Envelope> {
        self.to_envelope()
    }
}

/// How to fit an [`ExtractorPipeline`]: the extractor's settings and the
/// feature pipeline's recipe, fitted on the extractor's vectors of normal
/// frames.
pub struct ExtractorPipelineParams<E> {
    extractor: E,
    pipeline: PipelineParams<f64>,
}

impl<E: ExtractorSpec + Clone + 'static> ExtractorPipelineParams<E> {
    /// An extractor in front of a feature pipeline recipe.
    pub fn new(extractor: E, pipeline: PipelineParams<f64>) -> Self {
        Self {
            extractor,
            pipeline,
        }
    }

    /// Fits the feature pipeline on vectors already extracted (one row per
    /// normal frame, for example gathered from several videos).
    ///
    /// # Errors
    /// As [`PipelineParams`]' fit; [`Error::DimensionMismatch`] for rows of
    /// another width than the extractor's.
    pub fn fit_features(&self, rows: ndarray::ArrayView2<'_, f64>) -> Result<ExtractorPipeline> {
        let pipeline = self.pipeline.fit(rows)?;
        ExtractorPipeline::new(self.extractor.clone(), pipeline)
    }
}

impl<E: ExtractorSpec + Clone + 'static> FitFrames for ExtractorPipelineParams<E> {
    type Model = ExtractorPipeline;
    type Error = Error;

    fn fit_frames(&self, frames: &[Frame]) -> Result<ExtractorPipeline> {
        if frames.is_empty() {
            return Err(Error::Empty {
                what: "training frames",
            });
        }
        let mut extractor = self.extractor.build();
        let rows = extract_rows(extractor.as_mut(), self.extractor.n_features(), frames)?;
        self.fit_features(rows.view())
    }
}
