//! Online training: one autoencoder per video source that scores each new
//! frame first, then learns from it within a sliding window of recent frames.

use std::collections::VecDeque;

use burn::module::Module;
use burn::optim::GradientsParams;
use ndarray::{Array1, ArrayView1, ArrayView2};
use oddframe::validate::check_sample;
use oddframe::{Decision, Detector, Frame, IncrementalDetector, StreamingThreshold};
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::frames;
use crate::model::{read_f32, FrameAutoencoder};
use crate::net::Net;
use crate::rng::Rng;
use crate::train::check_learning_rate;
use crate::{AeError, Architecture, Backend, Result};

/// Settings of an [`OnlineAutoencoder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineConfig {
    /// The network (default [`Architecture::stream`]).
    pub architecture: Architecture,
    /// Adam's learning rate (default 1e-3).
    pub learning_rate: f64,
    /// Recent frames kept to learn from (default 64).
    pub window: usize,
    /// Frames per Adam step, drawn from the window (default 16).
    pub batch_size: usize,
    /// Adam steps after each frame (default 1).
    pub steps_per_frame: usize,
    /// Threshold width in moving standard deviations (default 5).
    pub k: f64,
    /// Smoothing of the moving mean and variance of the loss (default 0.05).
    pub alpha: f64,
    /// Frames scored before any can be flagged (default 30).
    pub warmup: u64,
    /// Whether frames flagged as anomalous are learned too (default `false`:
    /// an anomaly does not become normal by lasting).
    pub learn_anomalies: bool,
    /// Seed of the initial weights and of the batch sampling.
    pub seed: u64,
}

impl Default for OnlineConfig {
    fn default() -> Self {
        Self {
            architecture: Architecture::stream(),
            learning_rate: 1e-3,
            window: 64,
            batch_size: 16,
            steps_per_frame: 1,
            k: 5.0,
            alpha: 0.05,
            warmup: 30,
            learn_anomalies: false,
            seed: 0,
        }
    }
}

impl OnlineConfig {
    /// Checks every field (and the architecture).
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] naming the field out of range.
    pub fn validate(&self) -> Result<()> {
        self.architecture.validate()?;
        let bad = |m: String| Err(AeError::InvalidConfig(m));
        check_learning_rate(self.learning_rate)?;
        if self.window == 0 || self.window > 100_000 {
            return bad(format!("window = {}: must be 1..=100000", self.window));
        }
        if self.batch_size == 0 || self.batch_size > self.window {
            return bad(format!(
                "batch_size = {}: must be 1..=window ({})",
                self.batch_size, self.window
            ));
        }
        if self.steps_per_frame == 0 || self.steps_per_frame > 100 {
            return bad(format!(
                "steps_per_frame = {}: must be 1..=100",
                self.steps_per_frame
            ));
        }
        StreamingThreshold::new(self.alpha, self.k, self.warmup)?;
        Ok(())
    }

    /// Bytes one source holds at most: its window of scaled frames plus the
    /// weights and Adam's two moment estimates (an estimate: the backend's
    /// own buffers come on top).
    pub fn memory_bytes(&self) -> usize {
        let a = &self.architecture;
        4 * (self.window * a.input_len() + 3 * a.parameters() + a.running_statistics())
    }
}

/// What [`OnlineAutoencoder::process`] decided about one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamDecision {
    /// Loss (reconstruction MSE), threshold and verdict.
    pub decision: Decision,
    /// Moving mean of the loss before this frame.
    pub mean: f64,
    /// Moving standard deviation of the loss before this frame.
    pub std: f64,
    /// Whether the frame entered the window and was learned.
    pub learned: bool,
}

/// An autoencoder trained online on one stream, flagging frames whose loss
/// exceeds the moving average by `k` standard deviations.
pub struct OnlineAutoencoder {
    config: OnlineConfig,
    scorer: FrameAutoencoder,
    train_net: Net,
    optim: Adam,
    window: VecDeque<Vec<f32>>,
    threshold: StreamingThreshold,
    rng: Rng,
    table: [f32; 256],
}

impl std::fmt::Debug for OnlineAutoencoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineAutoencoder")
            .field("config", &self.config)
            .field("window", &self.window.len())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl OnlineAutoencoder {
    /// A fresh model for one stream on `backend`.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for bad settings,
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn new(config: OnlineConfig, backend: Backend) -> Result<Self> {
        config.validate()?;
        let scorer = FrameAutoencoder::new(config.architecture.clone(), backend, config.seed)?;
        let train_device = scorer.device.clone().autodiff();
        let train_net = scorer.net.clone().fork(&train_device).train();
        let threshold = StreamingThreshold::new(config.alpha, config.k, config.warmup)?
            .learn_anomalies(config.learn_anomalies);
        Ok(Self {
            rng: Rng::new(config.seed ^ 0x5EED),
            table: scorer.norm.table(),
            window: VecDeque::with_capacity(config.window),
            optim: Adam::default(),
            threshold,
            scorer,
            train_net,
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &OnlineConfig {
        &self.config
    }

    /// The moving threshold.
    pub fn threshold(&self) -> &StreamingThreshold {
        &self.threshold
    }

    /// Frames currently in the window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// Scores `frame` with the current weights, decides against the moving
    /// band, then (unless it was flagged and anomalies are not learned)
    /// adds it to the window and trains on the window.
    ///
    /// # Errors
    /// [`AeError::FrameShape`] for a frame of the wrong size; a diverged
    /// training step is [`AeError::Diverged`].
    pub fn process(&mut self, frame: &Frame) -> Result<StreamDecision> {
        let mut values = Vec::with_capacity(self.config.architecture.input_len());
        frames::append(
            &self.config.architecture,
            &self.table,
            std::slice::from_ref(frame),
            &mut values,
        )?;
        self.process_values(values)
    }

    fn process_values(&mut self, values: Vec<f32>) -> Result<StreamDecision> {
        let score = self.scorer.score_values(&values)?[0];
        let (mean, std) = (self.threshold.mean(), self.threshold.std());
        let decision = self.threshold.observe(score)?;
        let learned = !decision.is_anomaly || self.config.learn_anomalies;
        if learned {
            self.learn(values)?;
        }
        Ok(StreamDecision {
            decision,
            mean,
            std,
            learned,
        })
    }

    fn learn(&mut self, values: Vec<f32>) -> Result<()> {
        if self.window.len() == self.config.window {
            self.window.pop_front();
        }
        self.window.push_back(values);
        let n = self.config.batch_size.min(self.window.len());
        let device = self.train_net.devices().into_iter().next();
        let Some(device) = device else {
            return Err(AeError::BackendUnavailable(
                "the model has no device".into(),
            ));
        };
        for _ in 0..self.config.steps_per_frame {
            // the newest frame and a random sample of the rest of the window
            let mut batch = Vec::with_capacity(n * self.config.architecture.input_len());
            batch.extend_from_slice(&self.window[self.window.len() - 1]);
            for _ in 1..n {
                let i = self.rng.below(self.window.len());
                batch.extend_from_slice(&self.window[i]);
            }
            let x = self.scorer.tensor(batch, n, &device);
            let d = self.train_net.forward(x.clone()) - x;
            let loss = (d.clone() * d).mean();
            let value = f64::from(read_f32(loss.clone().into_data())?[0]);
            if !value.is_finite() {
                return Err(AeError::Diverged {
                    epoch: 0,
                    loss: value,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &self.train_net);
            let net = self.train_net.clone();
            self.train_net = self.optim.step(self.config.learning_rate, net, grads);
        }
        self.scorer.net = self.train_net.valid();
        Ok(())
    }
}

impl Detector<f32> for OnlineAutoencoder {
    fn n_features(&self) -> usize {
        self.config.architecture.input_len()
    }

    /// Each row is one frame's pixel values in 0..255, channel-major; the
    /// losses under the current weights (nothing is learned).
    fn score(&self, x: ArrayView2<'_, f32>) -> oddframe::Result<Array1<f32>> {
        self.scorer.score(x)
    }
}

impl IncrementalDetector<f32> for OnlineAutoencoder {
    /// Learns one frame as normal (a row of pixel values in 0..255,
    /// channel-major): it enters the window and the model trains on the
    /// window. The moving band is left alone; [`OnlineAutoencoder::process`]
    /// scores, decides and learns in one call.
    fn update(&mut self, x: ArrayView1<'_, f32>) -> oddframe::Result<()> {
        check_sample(x, self.n_features())?;
        let values = frames::scale_values(&self.scorer.norm, x.iter().copied());
        self.learn(values)?;
        Ok(())
    }
}
