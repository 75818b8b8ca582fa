//! Online training: an autoencoder per video source that scores each new
//! frame, and learns it within a sliding window of recent frames when the
//! core's streaming layer says so.
//!
//! The decision (a k-sigma band over a moving average of the scores) and the
//! learning policy (update-if-normal) are the core's
//! `oddframe::streaming::StreamingDetector`; `oddframe::streaming::Monitor`
//! keeps one per source. The whole state — weights, Adam's moments, the
//! window, the generator — saves and restores
//! (`oddframe::streaming::SaveState`).

use std::collections::VecDeque;

use burn::module::Module;
use burn::optim::GradientsParams;
use oddframe::persist::{pack_f32, unpack_f32, Envelope};
use oddframe::streaming::{OnlineModel, SaveState};
use oddframe::{Frame, ParamGuard};
use serde::{Deserialize, Serialize};

use crate::adam::{self, Adam, SavedMoments};
use crate::frames;
use crate::model::{read_f32, FrameAutoencoder};
use crate::net::Net;
use crate::persist::{check_layout, with_values, TensorEntry};
use crate::rng::Rng;
use crate::train::check_learning_rate;
use crate::{tensors, AeError, Architecture, Backend, Normalization, Result};

/// Checked settings of an [`OnlineAutoencoder`]; only
/// [`OnlineParams::check`] makes one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineValidParams {
    architecture: Architecture,
    normalization: Normalization,
    learning_rate: f64,
    window: usize,
    batch_size: usize,
    steps_per_frame: usize,
    seed: u64,
    backend: Backend,
}

/// Settings of an [`OnlineAutoencoder`] (builder with by-value setters).
///
/// ```
/// use conv_autoencoder::OnlineParams;
/// use oddframe::ParamGuard;
///
/// let p = OnlineParams::new().window(32).batch_size(8).check()?;
/// // the window of 32 frames of 64x64, the weights and Adam's two moments
/// let a = p.architecture();
/// assert_eq!(p.memory_bytes(), 4 * (32 * 4096 + 3 * a.parameters() + a.running_statistics()));
/// assert!(OnlineParams::new().window(4).batch_size(8).check().is_err());
/// # Ok::<(), conv_autoencoder::AeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineParams(OnlineValidParams);

impl Default for OnlineParams {
    fn default() -> Self {
        Self(OnlineValidParams {
            architecture: Architecture::stream(),
            normalization: Normalization::default(),
            learning_rate: 1e-3,
            window: 64,
            batch_size: 16,
            steps_per_frame: 1,
            seed: 0,
            backend: Backend::default(),
        })
    }
}

impl OnlineParams {
    /// The defaults: [`Architecture::stream`], learning rate 1e-3, a window
    /// of 64 frames, batches of 16 (the newest frame and 15 drawn from the
    /// window), one Adam step per learned frame, seed 0, the default CPU
    /// backend.
    pub fn new() -> Self {
        Self::default()
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

    /// Adam's learning rate, finite and in (0, 10].
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.0.learning_rate = lr;
        self
    }

    /// Recent learned frames kept to train on, 1 to 100,000.
    pub fn window(mut self, n: usize) -> Self {
        self.0.window = n;
        self
    }

    /// Frames per Adam step, 1 to `window`.
    pub fn batch_size(mut self, n: usize) -> Self {
        self.0.batch_size = n;
        self
    }

    /// Adam steps per learned frame, 1 to 100.
    pub fn steps_per_frame(mut self, n: usize) -> Self {
        self.0.steps_per_frame = n;
        self
    }

    /// Seed of the initial weights and of the batch draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Where the model runs.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.0.backend = backend;
        self
    }
}

impl ParamGuard for OnlineParams {
    type Checked = OnlineValidParams;
    type Error = AeError;

    fn check_ref(&self) -> Result<&OnlineValidParams> {
        let p = &self.0;
        p.architecture.validate()?;
        p.normalization.validate()?;
        check_learning_rate(p.learning_rate)?;
        let bad = |m: String| Err(AeError::InvalidConfig(m));
        if p.window == 0 || p.window > 100_000 {
            return bad(format!("window = {}: must be 1..=100000", p.window));
        }
        if p.batch_size == 0 || p.batch_size > p.window {
            return bad(format!(
                "batch_size = {}: must be 1..=window ({})",
                p.batch_size, p.window
            ));
        }
        if p.steps_per_frame == 0 || p.steps_per_frame > 100 {
            return bad(format!(
                "steps_per_frame = {}: must be 1..=100",
                p.steps_per_frame
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<OnlineValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl OnlineValidParams {
    /// A fresh online autoencoder: untrained weights drawn from the seed
    /// (an online model learns from its stream; the streaming layer's
    /// warm-up keeps it from flagging before it has).
    ///
    /// # Errors
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn build(&self) -> Result<OnlineAutoencoder> {
        let scorer = FrameAutoencoder::untrained(
            &self.architecture,
            self.normalization,
            self.backend,
            self.seed,
        )?;
        let train_device = scorer.device.clone().autodiff();
        let train_net = scorer.net.clone().fork(&train_device).train();
        Ok(OnlineAutoencoder {
            rng: Rng::new(self.seed ^ 0x5EED),
            table: self.normalization.table(),
            window: VecDeque::with_capacity(self.window),
            optim: Adam::default(),
            scorer,
            train_net,
            params: self.clone(),
        })
    }

    /// Bytes one model holds: the window of frames, the weights and Adam's
    /// two moment estimates (`f32`), a bound to size a monitor with.
    pub fn memory_bytes(&self) -> usize {
        let a = &self.architecture;
        4 * (self.window * a.input_len() + 3 * a.parameters() + a.running_statistics())
    }

    /// The network.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }
}

/// An autoencoder trained online on one stream: [`OnlineModel::score_sample`]
/// is the reconstruction error of a frame, [`OnlineModel::learn`] adds the
/// frame to the window and takes Adam steps on batches of the newest frame
/// and frames drawn from the window.
///
/// ```
/// use conv_autoencoder::{Architecture, OnlineParams};
/// use oddframe::streaming::{StreamingConfig, StreamingDetector, ThresholdPolicy};
/// use oddframe::{image::GrayImage, Frame, ParamGuard};
///
/// let mut arch = Architecture::stream();
/// (arch.width, arch.height) = (16, 16);
/// let model = OnlineParams::new().architecture(arch).window(8).batch_size(4).check()?.build()?;
/// let config = StreamingConfig::new().threshold(ThresholdPolicy::Ewma { alpha: 0.05, k: 5.0, warmup: 10 });
/// let mut stream = StreamingDetector::new(model, config, &[])?;
/// let frame = Frame::luma(GrayImage::from_pixel(16, 16, [90].into()), 0, Default::default());
/// let d = stream.process(&frame)?;
/// assert!(!d.is_anomaly); // nothing is flagged during the warm-up
/// assert_eq!(stream.model().window_len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OnlineAutoencoder {
    params: OnlineValidParams,
    /// Inference snapshot of the current weights.
    scorer: FrameAutoencoder,
    /// The same weights on the autodiff device, in training mode.
    train_net: Net,
    optim: Adam,
    window: VecDeque<Vec<f32>>,
    rng: Rng,
    table: [f32; 256],
}

impl std::fmt::Debug for OnlineAutoencoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineAutoencoder")
            .field("params", &self.params)
            .field("window", &self.window.len())
            .finish_non_exhaustive()
    }
}

impl OnlineAutoencoder {
    /// The settings.
    pub fn params(&self) -> &OnlineValidParams {
        &self.params
    }

    /// Frames currently in the training window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// The current weights as a batch model (to save, or to score a
    /// recording with).
    pub fn snapshot(&self) -> &FrameAutoencoder {
        &self.scorer
    }

    fn values(&self, frame: &Frame) -> Result<Vec<f32>> {
        let mut values = Vec::with_capacity(self.params.architecture.input_len());
        frames::append(
            &self.params.architecture,
            &self.table,
            std::slice::from_ref(frame),
            &mut values,
        )?;
        Ok(values)
    }

    fn learn_values(&mut self, values: Vec<f32>) -> Result<()> {
        if self.window.len() == self.params.window {
            self.window.pop_front();
        }
        self.window.push_back(values);
        let n = self.params.batch_size.min(self.window.len());
        let Some(device) = self.train_net.devices().into_iter().next() else {
            return Err(AeError::BackendUnavailable(
                "the model has no device".into(),
            ));
        };
        for _ in 0..self.params.steps_per_frame {
            let mut batch = Vec::with_capacity(n * self.params.architecture.input_len());
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
            self.train_net = self.optim.step(self.params.learning_rate, net, grads);
        }
        self.scorer.net = self.train_net.valid();
        Ok(())
    }
}

impl OnlineModel<Frame> for OnlineAutoencoder {
    /// The frame's reconstruction error.
    fn score_sample(&self, frame: &Frame) -> oddframe::Result<f64> {
        let values = self.values(frame)?;
        Ok(self.scorer.score_values(&values)?[0])
    }

    /// Adds the frame to the window and trains on it.
    fn learn(&mut self, frame: &Frame) -> oddframe::Result<()> {
        let values = self.values(frame)?;
        self.learn_values(values).map_err(Into::into)
    }
}

const STATE_FORMAT: &str = "oddframe.online-autoencoder";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Packed {
    len: usize,
    data: String,
}

impl Packed {
    fn of(v: &[f32]) -> Self {
        Self {
            len: v.len(),
            data: pack_f32(v),
        }
    }

    fn values(&self, what: &str) -> Result<Vec<f32>> {
        let v = unpack_f32(&self.data, self.len)
            .map_err(|e| AeError::InvalidModel(format!("{what}: {e}")))?;
        if v.iter().all(|x| x.is_finite()) {
            Ok(v)
        } else {
            Err(AeError::InvalidModel(format!(
                "{what} holds a non-finite value"
            )))
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MomentsBody {
    path: String,
    steps: u32,
    first: Packed,
    second: Packed,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateBody {
    params: OnlineValidParams,
    tensors: Vec<TensorEntry>,
    weights: Packed,
    moments: Vec<MomentsBody>,
    window: Vec<Packed>,
    rng: u64,
}

/// The whole learning state: settings, weights, Adam's moments, the window
/// and the generator, so a restored stream learns every later frame as the
/// original would (format `oddframe.online-autoencoder`, schema 1).
impl SaveState for OnlineAutoencoder {
    fn save_state(&self) -> oddframe::Result<Envelope> {
        let all = tensors::read(&self.scorer.net);
        let mut weights = Vec::new();
        let mut entries = Vec::new();
        for t in all {
            weights.extend_from_slice(&t.values);
            entries.push(TensorEntry {
                name: t.name,
                shape: t.shape,
            });
        }
        let moments = self
            .optim
            .save()?
            .into_iter()
            .map(|m| MomentsBody {
                path: m.path,
                steps: m.steps,
                first: Packed::of(&m.first),
                second: Packed::of(&m.second),
            })
            .collect();
        let body = StateBody {
            params: self.params.clone(),
            tensors: entries,
            weights: Packed::of(&weights),
            moments,
            window: self.window.iter().map(|w| Packed::of(w)).collect(),
            rng: self.rng.state(),
        };
        let n = Some(self.params.architecture.input_len());
        Envelope::new(STATE_FORMAT, 1, env!("CARGO_PKG_VERSION"), n, &body)
    }

    fn load_state(env: Envelope) -> oddframe::Result<Self> {
        env.check(STATE_FORMAT, 1)?;
        let body: StateBody = env.take_body()?;
        restore(body).map_err(|e| match e {
            AeError::InvalidModel(reason) | AeError::InvalidConfig(reason) => {
                oddframe::Error::invalid_file(STATE_FORMAT, reason)
            }
            other => other.into(),
        })
    }
}

fn restore(b: StateBody) -> Result<OnlineAutoencoder> {
    let params = OnlineParams(b.params).check()?;
    let mut model = params.build()?;
    let net = model.scorer.net.clone();
    check_layout(&net, &b.tensors)?;
    let weights = b.weights.values("weights")?;
    let need: usize = b
        .tensors
        .iter()
        .map(|t| t.shape.iter().product::<usize>())
        .sum();
    if weights.len() != need {
        return Err(AeError::InvalidModel(format!(
            "{} weights for tensors of {need}",
            weights.len()
        )));
    }
    if b.window.len() > params.window {
        return Err(AeError::InvalidModel(format!(
            "{} frames in a window of {}",
            b.window.len(),
            params.window
        )));
    }
    let len = params.architecture.input_len();
    let mut window = VecDeque::with_capacity(params.window);
    for (i, w) in b.window.iter().enumerate() {
        let v = w.values(&format!("window frame {i}"))?;
        if v.len() != len {
            return Err(AeError::InvalidModel(format!(
                "window frame {i} has {} values, not {len}",
                v.len()
            )));
        }
        window.push_back(v);
    }
    let saved = b
        .moments
        .into_iter()
        .map(|m| {
            Ok(SavedMoments {
                first: m.first.values(&m.path)?,
                second: m.second.values(&m.path)?,
                path: m.path,
                steps: m.steps,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    adam::check(&saved, &tensors::layout(&net))?;
    model.scorer.net = with_values(net, &weights).valid();
    let train_device = model.scorer.device.clone().autodiff();
    model.train_net = model.scorer.net.clone().fork(&train_device).train();
    model.optim = Adam::restore(saved, &model.scorer.device);
    model.window = window;
    model.rng = Rng::new(b.rng);
    Ok(model)
}
