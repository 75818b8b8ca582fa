//! A streaming policy for any incremental detector: learn a sample only when
//! it is judged normal, keep a bounded buffer of recent normal samples, and
//! refit from that buffer (re-calibrating the threshold) every N updates.

use std::collections::VecDeque;

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::validate::check_sample;
use crate::{
    Calibration, Decision, Detector, Error, Fit, Float, IncrementalDetector, Result, Threshold,
};

/// Settings of [`StreamingDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StreamingConfig {
    /// Most recent normal samples kept for refits (default 500).
    pub buffer: usize,
    /// Learned samples between refits (default 100).
    pub refit_every: usize,
    /// Smallest buffer a refit uses (default 50).
    pub min_refit: usize,
    /// How the threshold is set from the scores of the fitting data
    /// (default the 0.9 quantile).
    pub calibration: Calibration,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        Self {
            buffer: 500,
            refit_every: 100,
            min_refit: 50,
            calibration: Calibration::Quantile(0.9),
        }
    }
}

/// Update-if-normal with periodic refits, over any [`Fit`] + model pair.
///
/// ```
/// use ndarray::{array, Array1, Array2, ArrayView1, ArrayView2};
/// use oddframe::streaming::{StreamingConfig, StreamingDetector};
/// use oddframe::{validate::*, Detector, Fit, IncrementalDetector, Result};
///
/// /// Squared distance from the running mean.
/// struct Mean { mean: Array1<f64>, n: f64 }
/// impl Detector<f64> for Mean {
///     fn n_features(&self) -> usize { self.mean.len() }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, self.mean.len())?;
///         Ok(x.rows().into_iter().map(|r| (&r - &self.mean).mapv(|d| d * d).sum()).collect())
///     }
/// }
/// impl IncrementalDetector<f64> for Mean {
///     fn update(&mut self, x: ArrayView1<'_, f64>) -> Result<()> {
///         self.n += 1.0;
///         self.mean = &self.mean + &((&x - &self.mean) / self.n);
///         Ok(())
///     }
/// }
/// struct FitMean;
/// impl Fit<f64> for FitMean {
///     type Model = Mean;
///     type Error = oddframe::Error;
///     fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Mean> {
///         let mean = x.mean_axis(ndarray::Axis(0)).ok_or(oddframe::Error::Empty { what: "x" })?;
///         Ok(Mean { mean, n: x.nrows() as f64 })
///     }
/// }
///
/// let train = Array2::from_shape_fn((100, 1), |(i, _)| (i % 10) as f64 / 10.0);
/// let mut stream = StreamingDetector::new(FitMean, train.view(), StreamingConfig::default())?;
/// assert!(!stream.process(array![0.5].view())?.is_anomaly);
/// assert!(stream.process(array![9.0].view())?.is_anomaly);
/// # Ok::<(), oddframe::Error>(())
/// ```
pub struct StreamingDetector<F: Float, P: Fit<F>>
where
    P::Model: IncrementalDetector<F>,
{
    fitter: P,
    model: P::Model,
    threshold: Threshold,
    config: StreamingConfig,
    buffer: VecDeque<Vec<F>>,
    since_refit: usize,
    refits: usize,
}

impl<F: Float, P: Fit<F>> StreamingDetector<F, P>
where
    P::Model: IncrementalDetector<F>,
{
    /// Fits on `training`, calibrates the threshold on its scores and seeds
    /// the buffer with its last rows.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero buffer, refit period or
    /// minimum, or a minimum larger than the buffer; the model's errors.
    pub fn new(fitter: P, training: ArrayView2<'_, F>, config: StreamingConfig) -> Result<Self> {
        if config.buffer == 0 {
            return Err(Error::invalid_parameter("buffer", 0, ">= 1"));
        }
        if config.refit_every == 0 {
            return Err(Error::invalid_parameter("refit_every", 0, ">= 1"));
        }
        if config.min_refit == 0 || config.min_refit > config.buffer {
            return Err(Error::invalid_parameter(
                "min_refit",
                config.min_refit,
                ">= 1 and <= buffer",
            ));
        }
        let model = fitter.fit(training).map_err(Into::into)?;
        let threshold = calibrate(&model, training, config.calibration)?;
        let skip = training.nrows().saturating_sub(config.buffer);
        let buffer = training
            .rows()
            .into_iter()
            .skip(skip)
            .map(|r| r.to_vec())
            .collect();
        Ok(Self {
            fitter,
            model,
            threshold,
            config,
            buffer,
            since_refit: 0,
            refits: 0,
        })
    }

    /// Scores `x`, decides, and learns it if it was judged normal.
    ///
    /// # Errors
    /// Wrong feature count or non-finite input (nothing is learned), or a
    /// failed refit (the previous model stays in place).
    pub fn process(&mut self, x: ArrayView1<'_, F>) -> Result<Decision> {
        check_sample(x, self.model.n_features())?;
        let decision = self.threshold.decide(self.model.score_one(x)?.as_f64());
        if decision.is_anomaly {
            return Ok(decision);
        }
        self.model.update(x)?;
        if self.buffer.len() == self.config.buffer {
            self.buffer.pop_front();
        }
        self.buffer.push_back(x.to_vec());
        self.since_refit += 1;
        if self.since_refit >= self.config.refit_every && self.buffer.len() >= self.config.min_refit
        {
            self.refit()?;
        }
        Ok(decision)
    }

    fn refit(&mut self) -> Result<()> {
        let d = self.model.n_features();
        let flat: Vec<F> = self.buffer.iter().flatten().copied().collect();
        let data = Array2::from_shape_vec((self.buffer.len(), d), flat)
            .map_err(|e| Error::Model(Box::new(e)))?;
        let model = self.fitter.fit(data.view()).map_err(Into::into)?;
        self.threshold = calibrate(&model, data.view(), self.config.calibration)?;
        self.model = model;
        self.since_refit = 0;
        self.refits += 1;
        Ok(())
    }

    /// The current model.
    pub fn model(&self) -> &P::Model {
        &self.model
    }

    /// The current threshold.
    pub fn threshold(&self) -> &Threshold {
        &self.threshold
    }

    /// How many refits have happened.
    pub fn refits(&self) -> usize {
        self.refits
    }

    /// Normal samples currently buffered.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

fn calibrate<F: Float, D: IncrementalDetector<F>>(
    model: &D,
    x: ArrayView2<'_, F>,
    calibration: Calibration,
) -> Result<Threshold> {
    let scores: Vec<f64> = model.score(x)?.iter().map(|s| s.as_f64()).collect();
    Threshold::calibrate(calibration, &scores)
}
