//! [`PipelineParams`]: fitting a whole pipeline from raw rows.

use ndarray::{ArrayView2, CowArray};

use super::{Model, Pipeline, Step};
use crate::{Calibration, Detector, Error, Fit, Float, Result, Threshold, Transformer};

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
/// threshold on the detector's scores of the same rows.
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
}

impl<F: Float> std::fmt::Debug for PipelineParams<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineParams")
            .field("steps", &self.steps.len())
            .field("calibration", &self.calibration)
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

    /// Calibrates a threshold on the training scores (none by default).
    pub fn threshold(mut self, calibration: Calibration) -> Self {
        self.calibration = Some(calibration);
        self
    }
}

impl<F: Float> Fit<F> for PipelineParams<F> {
    type Model = Pipeline<F>;
    type Error = Error;

    fn fit(&self, x: ArrayView2<'_, F>) -> Result<Pipeline<F>> {
        let mut steps = Vec::with_capacity(self.steps.len());
        let mut cur = CowArray::from(x);
        for (i, recipe) in self.steps.iter().enumerate() {
            let step = recipe.fit_step(cur.view()).map_err(|e| in_step(e, i))?;
            cur = CowArray::from(step.transform(cur.view()).map_err(|e| in_step(e, i))?);
            steps.push(step);
        }
        let detector = self.detector.fit_model(cur.view())?;
        let threshold = match self.calibration {
            Some(c) => {
                let scores: Vec<f64> = detector
                    .score(cur.view())?
                    .iter()
                    .map(|s| s.as_f64())
                    .collect();
                Some(Threshold::calibrate(c, &scores)?)
            }
            None => None,
        };
        Pipeline::from_parts(steps, detector, threshold)
    }
}

/// Wraps errors other than the core's shape and value errors with the step.
fn in_step(e: Error, i: usize) -> Error {
    match e {
        Error::Model(inner) => Error::Model(format!("pipeline step {i}: {inner}").into()),
        other => other,
    }
}
