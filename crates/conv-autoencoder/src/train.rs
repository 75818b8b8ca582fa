//! Batch training: Adam on the mean squared reconstruction error, with a
//! validation split, early stopping and a progress callback.

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use oddframe::Frame;
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::model::{read_f32, FrameAutoencoder};
use crate::net::Net;
use crate::rng::Rng;
use crate::{AeError, Result};

/// Training settings, set through [`crate::AutoencoderParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrainConfig {
    /// Passes over the training frames (at most; early stopping may end sooner).
    pub(crate) epochs: usize,
    /// Frames per Adam step.
    pub(crate) batch_size: usize,
    /// Adam's learning rate.
    pub(crate) learning_rate: f64,
    /// Fraction of the frames held out to measure the validation loss, in
    /// `[0, 1)`. `0` validates on the training loss instead.
    pub(crate) validation_split: f64,
    /// Stop after this many epochs without an improvement of the validation
    /// loss by more than `min_delta`; `None` trains all `epochs`.
    pub(crate) patience: Option<usize>,
    /// The smallest decrease that counts as an improvement.
    pub(crate) min_delta: f64,
    /// Seed of the split and of the shuffling.
    pub(crate) seed: u64,
}

impl Default for TrainConfig {
    /// 20 epochs of batch 64, learning rate 1e-3, 10 % validation, patience 5.
    fn default() -> Self {
        Self {
            epochs: 20,
            batch_size: 64,
            learning_rate: 1e-3,
            validation_split: 0.1,
            patience: Some(5),
            min_delta: 0.0,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// Checks every field.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] naming the field out of range.
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(AeError::InvalidConfig(m));
        if self.epochs == 0 || self.epochs > 1_000_000 {
            return bad(format!("epochs = {}: must be 1..=1000000", self.epochs));
        }
        if self.batch_size == 0 || self.batch_size > 65_536 {
            return bad(format!(
                "batch_size = {}: must be 1..=65536",
                self.batch_size
            ));
        }
        check_learning_rate(self.learning_rate)?;
        if !(0.0..1.0).contains(&self.validation_split) {
            return bad(format!(
                "validation_split = {}: must be in [0, 1)",
                self.validation_split
            ));
        }
        if self.patience == Some(0) {
            return bad("patience = 0: must be >= 1 (or None)".into());
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return bad(format!(
                "min_delta = {}: must be finite and >= 0",
                self.min_delta
            ));
        }
        Ok(())
    }
}

/// Adam's learning rate must be finite and in (0, 10] (shared with the online settings).
pub(crate) fn check_learning_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 && lr <= 10.0 {
        Ok(())
    } else {
        Err(AeError::InvalidConfig(format!(
            "learning_rate = {lr}: must be finite and in (0, 10]"
        )))
    }
}

/// What one epoch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (frames weighted equally).
    pub train_loss: f64,
    /// Mean reconstruction error of the held-out frames (inference mode);
    /// `None` without a validation split.
    pub validation_loss: Option<f64>,
    /// Wall time of the epoch (training and validation).
    pub seconds: f64,
    /// Training frames per second.
    pub frames_per_s: f64,
}

/// What training did (see [`crate::AutoencoderValidParams::fit_with`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrainReport {
    /// Every epoch run, in order.
    pub epochs: Vec<EpochReport>,
    /// The epoch whose weights the model keeps (best monitored loss).
    pub best_epoch: usize,
    /// Whether early stopping ended training before `epochs`.
    pub stopped_early: bool,
    /// Frames trained on (after the validation split).
    pub train_frames: usize,
    /// Frames held out.
    pub validation_frames: usize,
}

/// Reported to the progress callback during training.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// A batch finished.
    Batch {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// Batches per epoch.
        batches: usize,
        /// The batch's loss.
        loss: f64,
    },
    /// An epoch finished.
    Epoch(EpochReport),
}

/// Where a training run stands between epochs: everything needed to
/// continue it exactly (see [`crate::checkpoint`]).
pub(crate) struct Session {
    /// The network being trained (autodiff device, training mode).
    pub(crate) net: Net,
    pub(crate) optim: Adam,
    /// Draws the next epoch's shuffle.
    pub(crate) rng: Rng,
    /// Training frame indices, in the last epoch's order.
    pub(crate) train_idx: Vec<usize>,
    /// Held-out frame indices.
    pub(crate) val_idx: Vec<usize>,
    pub(crate) report: TrainReport,
    /// The lowest monitored loss so far and the weights that had it.
    pub(crate) best: Option<(f64, Net)>,
    /// Epochs since `best` improved.
    pub(crate) since_best: usize,
}

impl Session {
    /// A fresh run: split and first shuffle drawn from the seed.
    fn start(model: &FrameAutoencoder, config: &TrainConfig, n: usize) -> Result<Self> {
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = Rng::new(config.seed);
        rng.shuffle(&mut order);
        let n_val = (n as f64 * config.validation_split).round() as usize;
        if config.validation_split > 0.0 && (n_val == 0 || n_val == n) {
            return Err(AeError::InvalidConfig(format!(
                "validation_split {} of {n} frames leaves no validation or no training frames",
                config.validation_split
            )));
        }
        let (val_idx, train_idx) = order.split_at(n_val);
        let train_device = model.device.clone().autodiff();
        Ok(Self {
            net: model.net.clone().fork(&train_device).train(),
            optim: Adam::default(),
            rng,
            report: TrainReport {
                epochs: Vec::new(),
                best_epoch: 0,
                stopped_early: false,
                train_frames: train_idx.len(),
                validation_frames: val_idx.len(),
            },
            train_idx: train_idx.to_vec(),
            val_idx: val_idx.to_vec(),
            best: None,
            since_best: 0,
        })
    }
}

/// A fingerprint of the training inputs: a checkpoint resumes only on the
/// same frames.
pub(crate) fn fingerprint(values: &[f32]) -> u64 {
    crate::persist::fnv1a(values.iter().flat_map(|v| v.to_le_bytes()))
}

impl FrameAutoencoder {
    /// Trains on `frames` (all normal), keeping the weights of the epoch
    /// with the lowest monitored loss; resumes from `checkpoint` when it
    /// exists and saves to it after every epoch.
    pub(crate) fn train(
        &mut self,
        frames: &[Frame],
        config: &TrainConfig,
        checkpoint: Option<&Path>,
        mut progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        config.validate()?;
        if frames.is_empty() {
            return Err(oddframe::Error::Empty {
                what: "training frames",
            }
            .into());
        }
        let values = self.inputs(frames)?;
        // only a checkpoint needs the fingerprint
        let print = checkpoint.map_or(0, |_| fingerprint(&values));
        let mut s = match checkpoint.filter(|p| p.exists()) {
            Some(path) => self.resume(path, config, frames.len(), print)?,
            None => Session::start(self, config, frames.len())?,
        };
        let len = self.arch.input_len();
        let gather = |idx: &[usize]| -> Vec<f32> {
            let mut v = Vec::with_capacity(idx.len() * len);
            for &i in idx {
                v.extend_from_slice(&values[i * len..(i + 1) * len]);
            }
            v
        };
        let val_values = gather(&s.val_idx);
        let train_device = self.device.clone().autodiff();
        let batches = s.train_idx.len().div_ceil(config.batch_size);
        let first = s.report.epochs.len() + 1;
        for epoch in first..=config.epochs {
            if s.report.stopped_early {
                break;
            }
            let started = Instant::now();
            s.rng.shuffle(&mut s.train_idx);
            let mut sum = 0.0;
            for (b, idx) in s.train_idx.chunks(config.batch_size).enumerate() {
                let x = self.tensor(gather(idx), idx.len(), &train_device);
                let d = s.net.forward(x.clone()) - x;
                let loss = (d.clone() * d).mean();
                let value = f64::from(read_f32(loss.clone().into_data())?[0]);
                if !value.is_finite() {
                    return Err(AeError::Diverged { epoch, loss: value });
                }
                let grads = GradientsParams::from_grads(loss.backward(), &s.net);
                s.net = s.optim.step(config.learning_rate, s.net, grads);
                sum += value * idx.len() as f64;
                progress(&Progress::Batch {
                    epoch,
                    batch: b + 1,
                    batches,
                    loss: value,
                });
            }
            let train_loss = sum / s.train_idx.len() as f64;
            let snapshot = s.net.valid();
            let validation_loss = if val_values.is_empty() {
                None
            } else {
                let probe = FrameAutoencoder {
                    net: snapshot.clone(),
                    ..self.clone()
                };
                let v = probe.score_values(&val_values)?;
                Some(v.iter().sum::<f64>() / v.len() as f64)
            };
            let seconds = started.elapsed().as_secs_f64();
            let epoch_report = EpochReport {
                epoch,
                train_loss,
                validation_loss,
                seconds,
                frames_per_s: s.train_idx.len() as f64 / seconds.max(1e-9),
            };
            progress(&Progress::Epoch(epoch_report.clone()));
            s.report.epochs.push(epoch_report);
            let monitored = validation_loss.unwrap_or(train_loss);
            if !monitored.is_finite() {
                return Err(AeError::Diverged {
                    epoch,
                    loss: monitored,
                });
            }
            match &s.best {
                Some((b, _)) if monitored >= b - config.min_delta => s.since_best += 1,
                _ => {
                    s.best = Some((monitored, snapshot));
                    s.report.best_epoch = epoch;
                    s.since_best = 0;
                }
            }
            let patience_ran_out = config.patience.is_some_and(|p| s.since_best >= p);
            if patience_ran_out {
                s.report.stopped_early = epoch < config.epochs;
            }
            if let Some(path) = checkpoint {
                self.save_checkpoint(path, config, frames.len(), print, &s)?;
            }
            if patience_ran_out {
                break;
            }
        }
        if let Some((_, net)) = s.best {
            self.net = net;
        }
        Ok(s.report)
    }
}
