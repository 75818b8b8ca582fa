//! [`Pipeline`]: transformers, a detector and a threshold, scored, decided
//! and saved as one model; [`PipelineParams`] fits one from raw data.
//!
//! ```text
//! raw rows -> step 0 -> step 1 -> ... -> detector -> score -> threshold -> decision
//! ```
//!
//! The steps and the detector are held as trait objects, so one pipeline
//! type holds any chain (clipping and `log1p`, a standard scaler, FISVDD or
//! a one-class SVM, a user's own parts). With the `serde` feature a pipeline
//! is saved as one file holding every part's own envelope, and loaded back
//! through a [`Registry`] of the part formats an application knows.

mod params;
#[cfg(feature = "serde")]
pub(crate) mod registry;

use std::any::Any;

use ndarray::{Array1, Array2, ArrayView2, CowArray, Ix2};

pub use params::PipelineParams;
#[cfg(feature = "serde")]
pub use registry::Registry;

use crate::{Calibration, Decision, Detector, Error, Float, Result, Threshold, Transformer};

/// A transformer that can be downcast to its own type.
pub(crate) trait Step<F: Float>: Transformer<F> {
    fn as_any(&self) -> &dyn Any;
}

impl<F: Float, T: Transformer<F> + 'static> Step<F> for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A detector that can be downcast to its own type.
pub(crate) trait Model<F: Float>: Detector<F> {
    fn as_any(&self) -> &dyn Any;
}

impl<F: Float, D: Detector<F> + 'static> Model<F> for D {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Transformers, then a detector, then (optionally) a threshold: one model
/// from raw input to decisions, itself a [`Detector`].
///
/// ```
/// use ndarray::{array, Array1, Array2, ArrayView2};
/// use oddframe::{validate::check_matrix, Detector, Pipeline, Result, Threshold, Transformer};
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
///
/// let p = Pipeline::builder().step(Shift(10.0)).detector(Abs)?.with_threshold(Threshold::fixed(2.0)?);
/// assert_eq!(p.score(array![[7.0], [10.0]].view())?.to_vec(), vec![3.0, 0.0]);
/// let flags: Vec<bool> = p.decide(array![[7.0], [10.0]].view())?.iter().map(|d| d.is_anomaly).collect();
/// assert_eq!(flags, [true, false]);
/// assert!(p.step_as::<Shift>(0).is_some());
/// # Ok::<(), oddframe::Error>(())
/// ```
pub struct Pipeline<F: Float> {
    steps: Vec<Box<dyn Step<F>>>,
    detector: Box<dyn Model<F>>,
    threshold: Option<Threshold>,
}

impl<F: Float> std::fmt::Debug for Pipeline<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("n_features", &self.n_features())
            .field("steps", &self.steps.len())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// Collects the steps of a [`Pipeline`]; [`PipelineBuilder::detector`]
/// checks that their widths chain and builds it.
pub struct PipelineBuilder<F: Float> {
    steps: Vec<Box<dyn Step<F>>>,
}

impl<F: Float> PipelineBuilder<F> {
    /// Appends a fitted transformer.
    pub fn step(mut self, transformer: impl Transformer<F> + 'static) -> Self {
        self.steps.push(Box::new(transformer));
        self
    }

    /// Ends the chain with `detector`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when a step's input width is not the
    /// previous step's output width, or the detector's width is not the last
    /// step's output width.
    pub fn detector(self, detector: impl Detector<F> + 'static) -> Result<Pipeline<F>> {
        Pipeline::from_parts(self.steps, Box::new(detector), None)
    }
}

impl<F: Float> Pipeline<F> {
    /// A pipeline of a detector alone (add steps with [`Pipeline::builder`]).
    pub fn new(detector: impl Detector<F> + 'static) -> Self {
        Self {
            steps: Vec::new(),
            detector: Box::new(detector),
            threshold: None,
        }
    }

    /// Starts a pipeline: `Pipeline::builder().step(a).step(b).detector(d)?`.
    pub fn builder() -> PipelineBuilder<F> {
        PipelineBuilder { steps: Vec::new() }
    }

    pub(crate) fn from_parts(
        steps: Vec<Box<dyn Step<F>>>,
        detector: Box<dyn Model<F>>,
        threshold: Option<Threshold>,
    ) -> Result<Self> {
        if let Some((_, what, expected, found)) = chain_mismatch(&steps, detector.as_ref()) {
            return Err(Error::DimensionMismatch {
                what,
                expected,
                found,
            });
        }
        Ok(Self {
            steps,
            detector,
            threshold,
        })
    }

    /// Sets the threshold that [`Pipeline::decide`] uses.
    pub fn with_threshold(mut self, threshold: Threshold) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Replaces (or removes) the threshold.
    pub fn set_threshold(&mut self, threshold: Option<Threshold>) {
        self.threshold = threshold;
    }

    /// Calibrates the threshold on the scores of `normal` raw rows (normal
    /// data the model did not fit gives an honest false-alarm rate) and
    /// keeps it.
    ///
    /// # Errors
    /// As [`Detector::score`] and [`Threshold::calibrate`].
    pub fn calibrate(
        &mut self,
        calibration: Calibration,
        normal: ArrayView2<'_, F>,
    ) -> Result<&Threshold> {
        let scores: Vec<f64> = self.score(normal)?.iter().map(|s| s.as_f64()).collect();
        Ok(self
            .threshold
            .insert(Threshold::calibrate(calibration, &scores)?))
    }

    /// The threshold, if one is set.
    pub fn threshold(&self) -> Option<&Threshold> {
        self.threshold.as_ref()
    }

    /// Number of transformer steps.
    pub fn n_steps(&self) -> usize {
        self.steps.len()
    }

    /// Step `i`.
    pub fn step(&self, i: usize) -> Option<&dyn Transformer<F>> {
        self.steps.get(i).map(|s| s.as_ref() as &dyn Transformer<F>)
    }

    /// Step `i` as its own type, when it is a `T`.
    pub fn step_as<T: 'static>(&self, i: usize) -> Option<&T> {
        let step: &dyn Step<F> = self.steps.get(i)?.as_ref();
        step.as_any().downcast_ref()
    }

    /// The detector.
    pub fn detector(&self) -> &dyn Detector<F> {
        self.detector.as_ref()
    }

    /// The detector as its own type, when it is a `D`.
    pub fn detector_as<D: 'static>(&self) -> Option<&D> {
        let model: &dyn Model<F> = self.detector.as_ref();
        model.as_any().downcast_ref()
    }

    /// Runs every step on the raw rows `x`: what the detector sees.
    ///
    /// # Errors
    /// The first failing step's error (wrong width, non-finite values).
    pub fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        Ok(self.transformed(x)?.into_owned())
    }

    fn transformed<'a>(&self, x: ArrayView2<'a, F>) -> Result<CowArray<'a, F, Ix2>> {
        let mut cur = CowArray::from(x);
        for s in &self.steps {
            cur = CowArray::from(s.transform(cur.view())?);
        }
        Ok(cur)
    }

    /// Scores and decides every raw row.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when no threshold is set; as
    /// [`Detector::score`].
    pub fn decide(&self, x: ArrayView2<'_, F>) -> Result<Vec<Decision>> {
        let t = self.threshold.as_ref().ok_or_else(|| {
            Error::invalid_parameter(
                "threshold",
                "none",
                "set (Pipeline::with_threshold or calibrate)",
            )
        })?;
        Ok(t.decide_all(self.score(x)?.view()))
    }
}

/// The first part whose input width is not the output width before it:
/// its name (`step 1`, `detector`), what was compared, the width it
/// receives and the width it takes.
pub(crate) fn chain_mismatch<F: Float>(
    steps: &[Box<dyn Step<F>>],
    detector: &dyn Model<F>,
) -> Option<(String, &'static str, usize, usize)> {
    for i in 1..steps.len() {
        let (out, takes) = (steps[i - 1].n_features_out(), steps[i].n_features_in());
        if out != takes {
            return Some((
                format!("step {i}"),
                "pipeline step input features",
                out,
                takes,
            ));
        }
    }
    let last = steps.last()?;
    let (out, takes) = (last.n_features_out(), detector.n_features());
    (out != takes).then(|| {
        (
            "detector".to_string(),
            "detector input features",
            out,
            takes,
        )
    })
}

impl<F: Float> Detector<F> for Pipeline<F> {
    fn n_features(&self) -> usize {
        match self.steps.first() {
            Some(s) => s.n_features_in(),
            None => self.detector.n_features(),
        }
    }

    fn score(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let z = self.transformed(x)?;
        self.detector.score(z.view())
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<crate::persist::Envelope> {
        self.to_envelope()
    }
}
