//! [`AutoencoderParams`] (builder) and [`AutoencoderValidParams`] (checked):
//! the only way to a [`FrameAutoencoder`].

use std::path::Path;

use oddframe::{FitFrames, Frame, ParamGuard};
use serde::{Deserialize, Serialize};

use crate::model::FrameAutoencoder;
use crate::train::TrainConfig;
use crate::{AeError, Architecture, Backend, Normalization, Progress, Result, TrainReport};

/// Checked autoencoder parameters; only [`AutoencoderParams::check`] makes
/// one. Fitting trains a fresh network on normal frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoencoderValidParams {
    pub(crate) architecture: Architecture,
    pub(crate) normalization: Normalization,
    pub(crate) train: TrainConfig,
    pub(crate) backend: Backend,
    pub(crate) init_seed: u64,
}

/// Autoencoder parameters (builder with by-value setters): the network, the
/// input normalisation, the training settings (Adam on the mean squared
/// reconstruction error, a validation split, early stopping), the backend
/// and the seed of the initial weights.
///
/// ```
/// use conv_autoencoder::{Architecture, AutoencoderParams};
/// use oddframe::ParamGuard;
///
/// let p = AutoencoderParams::new(Architecture::cctv()).epochs(20).batch_size(64).learning_rate(1e-3);
/// assert!(p.check_ref().is_ok());
/// let e = AutoencoderParams::new(Architecture::cctv()).learning_rate(f64::NAN).check().unwrap_err();
/// assert!(e.to_string().contains("learning_rate"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AutoencoderParams(AutoencoderValidParams);

impl Default for AutoencoderParams {
    /// The CCTV network, default normalisation and training settings, the
    /// default CPU backend, initial-weight seed 0.
    fn default() -> Self {
        Self::new(Architecture::cctv())
    }
}

impl AutoencoderParams {
    /// Parameters for `architecture`, with the default normalisation (pixels
    /// to 0..1), 20 epochs of batch 64 at learning rate 1e-3, 10 % held out
    /// for validation, patience 5, on [`Backend::default`].
    pub fn new(architecture: Architecture) -> Self {
        Self(AutoencoderValidParams {
            architecture,
            normalization: Normalization::default(),
            train: TrainConfig::default(),
            backend: Backend::default(),
            init_seed: 0,
        })
    }

    /// The network.
    pub fn architecture(mut self, a: Architecture) -> Self {
        self.0.architecture = a;
        self
    }

    /// How pixels become inputs.
    pub fn normalization(mut self, n: Normalization) -> Self {
        self.0.normalization = n;
        self
    }

    /// Passes over the training frames (at most), 1 to 1,000,000.
    pub fn epochs(mut self, n: usize) -> Self {
        self.0.train.epochs = n;
        self
    }

    /// Frames per Adam step, 1 to 65,536.
    pub fn batch_size(mut self, n: usize) -> Self {
        self.0.train.batch_size = n;
        self
    }

    /// Adam's learning rate, finite and in (0, 10].
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.0.train.learning_rate = lr;
        self
    }

    /// Fraction of the frames held out to measure the validation loss, in
    /// `[0, 1)`; `0` monitors the training loss instead.
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.0.train.validation_split = fraction;
        self
    }

    /// Stop after this many epochs without improvement (`None`: train all
    /// epochs); at least 1.
    pub fn patience(mut self, epochs: Option<usize>) -> Self {
        self.0.train.patience = epochs;
        self
    }

    /// The smallest decrease of the monitored loss that counts as an
    /// improvement, finite and >= 0.
    pub fn min_delta(mut self, delta: f64) -> Self {
        self.0.train.min_delta = delta;
        self
    }

    /// Seed of the validation split and the shuffles.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.train.seed = seed;
        self
    }

    /// Seed of the initial weights (PyTorch's default initialisation drawn
    /// by the crate, so a seed gives the same network on every backend).
    pub fn init_seed(mut self, seed: u64) -> Self {
        self.0.init_seed = seed;
        self
    }

    /// Where training and scoring run.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.0.backend = backend;
        self
    }
}

impl ParamGuard for AutoencoderParams {
    type Checked = AutoencoderValidParams;
    type Error = AeError;

    fn check_ref(&self) -> Result<&AutoencoderValidParams> {
        let p = &self.0;
        p.architecture.validate()?;
        p.normalization.validate()?;
        p.train.validate()?;
        Ok(p)
    }

    fn check(self) -> Result<AutoencoderValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl AutoencoderValidParams {
    /// The parameters back as a builder.
    pub fn into_params(self) -> AutoencoderParams {
        AutoencoderParams(self)
    }

    /// The network.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// The backend training and scoring run on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Trains a fresh network on `frames` (all normal) and returns it.
    ///
    /// # Errors
    /// As [`AutoencoderValidParams::fit_with`].
    pub fn fit(&self, frames: &[Frame]) -> Result<FrameAutoencoder> {
        Ok(self.fit_with(frames, |_| {})?.0)
    }

    /// Trains a fresh network on `frames`, reporting every batch and epoch
    /// to `progress`; keeps the weights of the epoch with the lowest
    /// monitored loss (validation loss when there is a split, else training
    /// loss) and returns them with the training report.
    ///
    /// # Errors
    /// [`AeError::BackendUnavailable`] for a backend not compiled in;
    /// [`AeError::InvalidConfig`] for too few frames to split;
    /// [`AeError::FrameShape`] for a frame of the wrong size or channels;
    /// [`oddframe::Error::Empty`] for no frames; [`AeError::Diverged`] when
    /// a loss becomes NaN or infinite.
    pub fn fit_with(
        &self,
        frames: &[Frame],
        progress: impl FnMut(&Progress),
    ) -> Result<(FrameAutoencoder, TrainReport)> {
        let mut model = self.untrained()?;
        let report = model.train(frames, &self.train, None, progress)?;
        Ok((model, report))
    }

    /// As [`AutoencoderValidParams::fit_with`], saving the whole training
    /// state to `checkpoint` after every epoch (atomically). When
    /// `checkpoint` exists, training resumes from it and ends exactly as an
    /// uninterrupted run would: same weights, same report.
    ///
    /// A checkpoint resumes only with the same frames, architecture,
    /// normalisation and settings; `epochs` alone may differ, to train a
    /// finished run further.
    ///
    /// ```no_run
    /// # use conv_autoencoder::{Architecture, AutoencoderParams};
    /// # use oddframe::ParamGuard;
    /// # fn frames() -> Vec<oddframe::Frame> { Vec::new() }
    /// let params = AutoencoderParams::new(Architecture::cctv()).check()?;
    /// // run again after an interruption: the finished epochs are not repeated
    /// let (model, report) = params.fit_with_checkpoint(&frames(), "train.ckpt", |_| {})?;
    /// # Ok::<(), conv_autoencoder::AeError>(())
    /// ```
    ///
    /// # Errors
    /// As [`AutoencoderValidParams::fit_with`]; [`AeError::InvalidModel`]
    /// for a corrupt checkpoint or one of another run; [`AeError::Io`] when
    /// it cannot be written.
    pub fn fit_with_checkpoint(
        &self,
        frames: &[Frame],
        checkpoint: impl AsRef<Path>,
        progress: impl FnMut(&Progress),
    ) -> Result<(FrameAutoencoder, TrainReport)> {
        let mut model = self.untrained()?;
        let report = model.train(frames, &self.train, Some(checkpoint.as_ref()), progress)?;
        Ok((model, report))
    }

    /// The network before training (initial weights from `init_seed`).
    pub(crate) fn untrained(&self) -> Result<FrameAutoencoder> {
        FrameAutoencoder::untrained(
            &self.architecture,
            self.normalization,
            self.backend,
            self.init_seed,
        )
    }
}

impl FrameAutoencoder {
    /// Trains further from the current weights with `params`' training
    /// settings: fine-tuning a deployed model on new normal footage. The
    /// model keeps its backend.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] when `params` describe another
    /// architecture or normalisation; otherwise as
    /// [`AutoencoderValidParams::fit_with`].
    pub fn fine_tune(
        &mut self,
        frames: &[Frame],
        params: &AutoencoderValidParams,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        if params.architecture != self.arch || params.normalization != self.norm {
            return Err(AeError::InvalidConfig(
                "fine-tuning needs the model's own architecture and normalisation".into(),
            ));
        }
        self.train(frames, &params.train, None, progress)
    }
}

impl FitFrames for AutoencoderValidParams {
    type Model = FrameAutoencoder;
    type Error = AeError;

    fn fit_frames(&self, frames: &[Frame]) -> Result<FrameAutoencoder> {
        self.fit(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(p: AutoencoderParams, field: &str) {
        let e = p.check().unwrap_err().to_string();
        assert!(e.contains(field), "{field}: {e}");
    }

    #[test]
    fn each_rule_is_checked() {
        let p = || AutoencoderParams::new(Architecture::stream());
        assert!(p().check().is_ok());
        bad(p().epochs(0), "epochs");
        bad(p().batch_size(0), "batch_size");
        bad(p().learning_rate(f64::NAN), "learning_rate");
        bad(p().learning_rate(0.0), "learning_rate");
        bad(p().validation_split(1.0), "validation_split");
        bad(p().patience(Some(0)), "patience");
        bad(p().min_delta(-1.0), "min_delta");
        bad(
            p().normalization(Normalization {
                mean: 0.0,
                std: 0.0,
            }),
            "std",
        );
        let mut grey3 = Architecture::stream();
        grey3.channels = 2;
        bad(p().architecture(grey3), "channels");
    }
}
