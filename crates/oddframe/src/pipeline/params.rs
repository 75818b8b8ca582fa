//! [`PipelineParams`]: fitting a whole pipeline from raw rows.

use std::hash::Hash;

use ndarray::{ArrayView2, Axis, CowArray};

use super::{Model, Pipeline, Step};

use crate::{Calibration, Detector, Error, Fit, Float, Holdout, Result, Threshold, Transformer};

/// One step of the recipe: fitted on the rows it will transform, or fixed.
trait FitStep<F: Float>: Send + Sync {
    fn fit_step(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn Step<F>>>;
}

/// A transformer with nothing to learn (clipping, `log1p`).
struct Fixed<T>(T);

impl<F: Float, T: Transformer<F> + Clone + 'static> FitStep<F> for Fixed<T> {
    fn fit_step(&self, _: ArrayView2<'_, F>) -> Result<Box<dyn Step<F>>> {
        Ok(Box::new(self.0.clone()))
    }
}

/// Checked parameters of a transformer learned from data (a scaler).
struct Fitted<P>(P);

impl<F: Float, P> FitStep<F> for Fitted<P>
where
    P: Fit<F>,
    P::Model: Transformer<F> + 'static,
{
    fn fit_step(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn Step<F>>> {
        Ok(Box::new(self.0.fit(x).map_err(Into::into)?))
    }
}

trait FitModel<F: Float>: Send + Sync {
    fn fit_model(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn Model<F>>>;
}

impl<F: Float, P> FitModel<F> for Fitted<P>
where
    P: Fit<F>,
    P::Model: Detector<F> + 'static,
{
    fn fit_model(&self, x: ArrayView2<'_, F>) -> Result<Box<dyn Model<F>>> {
        Ok(Box::new(self.0.fit(x).map_err(Into::into)?))
    }
}

/// How to fit a [`Pipeline`]: the steps in order (fixed transformers and
/// checked parameters of fitted ones), the detector's checked parameters,
/// and how to set the threshold.
///
/// Fitting runs the steps in order, each fitted on the output of the ones
/// before it, then fits the detector on the last output and calibrates the
/// threshold on the detector's scores of the rows the [`Holdout`] names:
/// the training rows themselves by default, or rows held out from fitting
/// (a random split, or cross-fitting), which a
/// [`Calibration::Conformal`] threshold requires.
///
/// ```
/// use ndarray::{array, Array1, Array2, ArrayView2, Axis};
/// use oddframe::{validate::check_matrix, Calibration, Detector, Error, Fit, PipelineParams, Result};
///
/// // a toy detector: squared distance from the training mean
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
/// let train = Array2::from_shape_fn((100, 2), |(i, j)| ((i * (j + 3)) % 10) as f64);
/// let pipeline = PipelineParams::new(CentreParams)
///     .threshold(Calibration::Quantile(0.95))
///     .fit(train.view())?;
/// let d = pipeline.decide(array![[4.5, 4.5], [40.0, 0.0]].view())?;
/// assert!(!d[0].is_anomaly && d[1].is_anomaly);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub struct PipelineParams<F: Float> {
    steps: Vec<Box<dyn FitStep<F>>>,
    detector: Box<dyn FitModel<F>>,
    calibration: Option<Calibration>,
    holdout: Holdout,
}

impl<F: Float> std::fmt::Debug for PipelineParams<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineParams")
            .field("steps", &self.steps.len())
            .field("calibration", &self.calibration)
            .field("holdout", &self.holdout)
            .finish_non_exhaustive()
    }
}

impl<F: Float> PipelineParams<F> {
    /// A pipeline ending in the detector that `detector` fits; add the steps
    /// in front of it with [`step`](Self::step) and
    /// [`fit_step`](Self::fit_step), in order.
    pub fn new<P>(detector: P) -> Self
    where
        P: Fit<F> + 'static,
        P::Model: Detector<F> + 'static,
    {
        Self {
            steps: Vec::new(),
            detector: Box::new(Fitted(detector)),
            calibration: None,
            holdout: Holdout::InSample,
        }
    }

    /// Appends a transformer that needs no fitting.
    pub fn step<T: Transformer<F> + Clone + 'static>(mut self, transformer: T) -> Self {
        self.steps.push(Box::new(Fixed(transformer)));
        self
    }

    /// Appends a transformer fitted by `params` on the rows that reach it.
    pub fn fit_step<P>(mut self, params: P) -> Self
    where
        P: Fit<F> + 'static,
        P::Model: Transformer<F> + 'static,
    {
        self.steps.push(Box::new(Fitted(params)));
        self
    }

    /// Calibrates a threshold (none by default) on the scores of the rows
    /// that [`holdout`](Self::holdout) names.
    pub fn threshold(mut self, calibration: Calibration) -> Self {
        self.calibration = Some(calibration);
        self
    }

    /// Which rows calibrate the threshold (default
    /// [`Holdout::InSample`]): with [`Holdout::Split`] the pipeline is
    /// fitted on the other rows only; with [`Holdout::CrossFit`] it is
    /// fitted on all of them after the out-of-fold scores are taken.
    pub fn holdout(mut self, holdout: Holdout) -> Self {
        self.holdout = holdout;
        self
    }

    /// The steps and the detector fitted on `x`, and `x` as the detector
    /// sees it.
    fn fit_parts<'a>(
        &self,
        x: ArrayView2<'a, F>,
    ) -> Result<(Pipeline<F>, CowArray<'a, F, ndarray::Ix2>)> {
        let mut steps = Vec::with_capacity(self.steps.len());
        let mut cur = CowArray::from(x);
        for (i, recipe) in self.steps.iter().enumerate() {
            let step = recipe.fit_step(cur.view()).map_err(|e| in_step(e, i))?;
            cur = CowArray::from(step.transform(cur.view()).map_err(|e| in_step(e, i))?);
            steps.push(step);
        }
        let detector = self.detector.fit_model(cur.view())?;
        Ok((Pipeline::from_parts(steps, detector, None)?, cur))
    }
}

fn as_f64<F: Float>(scores: ndarray::Array1<F>) -> Vec<f64> {
    scores.iter().map(|s| s.as_f64()).collect()
}

impl<F: Float> PipelineParams<F> {
    /// As [`Fit::fit`], with the [`holdout`](Self::holdout) keeping the
    /// rows of each group together ([`Holdout::partition_groups`]):
    /// `groups[i]` names row `i`'s video, camera or content source. A
    /// threshold meant for groups the model has not seen should be
    /// calibrated on whole held-out groups, or it comes out too low for
    /// them.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] unless there is one group per row; as
    /// [`Fit::fit`] otherwise.
    pub fn fit_grouped<G: Hash + Eq>(
        &self,
        x: ArrayView2<'_, F>,
        groups: &[G],
    ) -> Result<Pipeline<F>> {
        if groups.len() != x.nrows() {
            return Err(Error::DimensionMismatch {
                what: "groups (one per row)",
                expected: x.nrows(),
                found: groups.len(),
            });
        }
        self.fit_held_out(x, self.holdout.partition_groups(groups))
    }

    /// Fits and calibrates with the holdout's `parts` (computed by the
    /// caller, row-wise or group-wise).
    fn fit_held_out(
        &self,
        x: ArrayView2<'_, F>,
        parts: Result<Vec<(Vec<usize>, Vec<usize>)>>,
    ) -> Result<Pipeline<F>> {
        let Some(calibration) = self.calibration else {
            return Ok(self.fit_parts(x)?.0);
        };
        let (mut pipeline, scores) = match self.holdout {
            Holdout::InSample => {
                if let Calibration::Conformal(_) = calibration {
                    return Err(Error::invalid_parameter(
                        "holdout",
                        "in-sample",
                        "a split or cross-fitting for a conformal threshold (its \
                         scores must come from rows the model did not fit)",
                    ));
                }
                let (pipeline, cur) = self.fit_parts(x)?;
                let scores = as_f64(pipeline.detector().score(cur.view())?);
                (pipeline, scores)
            }
            Holdout::Split { .. } => {
                let parts = parts?;
                let (fit, held) = parts.first().ok_or(Error::Empty { what: "rows" })?;
                let pipeline = self.fit_parts(x.select(Axis(0), fit).view())?.0;
                let scores = as_f64(pipeline.score(x.select(Axis(0), held).view())?);
                (pipeline, scores)
            }
            Holdout::CrossFit { .. } => {
                let mut scores = vec![0.0; x.nrows()];
                for (fit, held) in parts? {
                    let fold = self.fit_parts(x.select(Axis(0), &fit).view())?.0;
                    let s = fold.score(x.select(Axis(0), &held).view())?;
                    for (&i, v) in held.iter().zip(s.iter()) {
                        scores[i] = v.as_f64();
                    }
                }
                (self.fit_parts(x)?.0, scores)
            }
        };
        pipeline.set_threshold(Some(Threshold::calibrate(calibration, &scores)?));
        Ok(pipeline)
    }
}

impl<F: Float> Fit<F> for PipelineParams<F> {
    type Model = Pipeline<F>;
    type Error = Error;

    fn fit(&self, x: ArrayView2<'_, F>) -> Result<Pipeline<F>> {
        self.fit_held_out(x, self.holdout.partition(x.nrows()))
    }
}

/// Wraps errors other than the core's shape and value errors with the step.
fn in_step(e: Error, i: usize) -> Error {
    match e {
        Error::Model(inner) => Error::Model(format!("pipeline step {i}: {inner}").into()),
        other => other,
    }
}
