//! [`FrameAutoencoder`]: a batch-trained autoencoder that scores frames.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array1, Array2, ArrayView2};
use oddframe::validate::check_matrix;
use oddframe::{Calibration, Decision, Detector, Frame, Threshold};

use crate::frames::{self, Normalization};
use crate::net::Net;
use crate::rng::Rng;
use crate::{tensors, AeError, Architecture, Backend, Result};

/// Frames scored per forward pass (bounds memory on large inputs).
pub(crate) const SCORE_BATCH: usize = 64;

/// A convolutional autoencoder over frames of one size, with its input
/// normalisation and (once calibrated) its threshold.
///
/// The score of a frame is the mean squared reconstruction error over its
/// pixels, in [`Normalization`] units: higher means less like the training
/// frames. [`FrameAutoencoder::error_maps`] gives the per-pixel errors, to
/// show *where* a frame differs.
///
/// ```
/// use conv_autoencoder::{Architecture, Backend, FrameAutoencoder, TrainConfig};
/// use oddframe::{image::GrayImage, Frame};
///
/// let mut arch = Architecture::stream();
/// (arch.width, arch.height) = (16, 16);
/// let mut model = FrameAutoencoder::new(arch, Backend::Cpu, 7)?;
/// let frames: Vec<Frame> = (0..8u8)
///     .map(|i| Frame::luma(GrayImage::from_fn(16, 16, |x, y| [(x * 8 + y + u32::from(i)) as u8].into()), i.into(), Default::default()))
///     .collect();
/// let report = model.fit(&frames, &TrainConfig { epochs: 2, batch_size: 4, ..TrainConfig::default() }, |_| {})?;
/// assert_eq!(report.epochs.len(), 2);
/// let scores = model.score_frames(&frames)?;
/// assert!(scores.iter().all(|s| s.is_finite() && *s >= 0.0));
/// # Ok::<(), conv_autoencoder::AeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameAutoencoder {
    pub(crate) arch: Architecture,
    pub(crate) norm: Normalization,
    pub(crate) threshold: Option<Threshold>,
    pub(crate) backend: Backend,
    pub(crate) device: Device,
    /// Inference snapshot (no autodiff).
    pub(crate) net: Net,
}

impl FrameAutoencoder {
    /// An untrained model of `arch` on `backend`, its weights drawn from
    /// `seed` (PyTorch's default initialisation: uniform in
    /// `±1/sqrt(fan_in)`), so the same seed gives the same weights on every
    /// backend and machine.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for an invalid architecture,
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn new(arch: Architecture, backend: Backend, seed: u64) -> Result<Self> {
        arch.validate()?;
        let device = backend.device()?;
        let net = seeded(Net::new(&arch, &device), seed).valid();
        Ok(Self {
            arch,
            norm: Normalization::default(),
            threshold: None,
            backend,
            device,
            net,
        })
    }

    /// Replaces the input normalisation (before training).
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a non-finite mean or a std that is not > 0.
    pub fn with_normalization(mut self, norm: Normalization) -> Result<Self> {
        norm.validate()?;
        self.norm = norm;
        Ok(self)
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// The input normalisation.
    pub fn normalization(&self) -> Normalization {
        self.norm
    }

    /// The backend the model runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Trainable parameters (as [`Architecture::parameters`]).
    pub fn parameters(&self) -> usize {
        self.arch.parameters()
    }

    /// The threshold, once calibrated or set.
    pub fn threshold(&self) -> Option<&Threshold> {
        self.threshold.as_ref()
    }

    /// Sets the threshold used by [`FrameAutoencoder::detect`].
    pub fn set_threshold(&mut self, threshold: Threshold) {
        self.threshold = Some(threshold);
    }

    /// Scores `normal` frames and sets the threshold from them.
    ///
    /// # Errors
    /// As [`FrameAutoencoder::score_frames`], and the core's calibration
    /// errors (empty input).
    pub fn calibrate(&mut self, calibration: Calibration, normal: &[Frame]) -> Result<&Threshold> {
        let scores = self.score_frames(normal)?;
        Ok(self
            .threshold
            .insert(Threshold::calibrate(calibration, &scores)?))
    }

    /// Model inputs for `frames`, channel-major, one frame after another.
    pub(crate) fn inputs(&self, frames: &[Frame]) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        frames::append(&self.arch, &self.norm.table(), frames, &mut out)?;
        Ok(out)
    }

    pub(crate) fn tensor(&self, values: Vec<f32>, n: usize, device: &Device) -> Tensor<4> {
        let a = &self.arch;
        Tensor::from_data(
            TensorData::new(values, [n, a.channels, a.height, a.width]),
            device,
        )
    }

    /// Mean squared error per frame of already-scaled inputs.
    pub(crate) fn score_values(&self, values: &[f32]) -> Result<Vec<f64>> {
        let len = self.arch.input_len();
        let mut scores = Vec::with_capacity(values.len() / len);
        let net = self.net.folded();
        for chunk in values.chunks(SCORE_BATCH * len) {
            let n = chunk.len() / len;
            let x = self.tensor(chunk.to_vec(), n, &self.device);
            let d = net.forward(x.clone()) - x;
            let per_frame = (d.clone() * d).reshape([n, len]).mean_dim(1);
            scores.extend(
                read_f32(per_frame.into_data())?
                    .iter()
                    .map(|&v| f64::from(v)),
            );
        }
        Ok(scores)
    }

    /// Reconstruction error (MSE) of each frame; higher = more anomalous.
    ///
    /// # Errors
    /// [`AeError::FrameShape`] when a frame's size or channel count is not
    /// the architecture's; [`oddframe::Error::Empty`] for no frames.
    pub fn score_frames(&self, frames: &[Frame]) -> Result<Vec<f64>> {
        if frames.is_empty() {
            return Err(oddframe::Error::Empty { what: "frames" }.into());
        }
        self.score_values(&self.inputs(frames)?)
    }

    /// Per-pixel squared reconstruction error of each frame (`height x
    /// width`, averaged over channels): where the frame is unlike normal.
    /// The mean of a map is the frame's score.
    ///
    /// # Errors
    /// As [`FrameAutoencoder::score_frames`].
    pub fn error_maps(&self, frames: &[Frame]) -> Result<Vec<Array2<f32>>> {
        if frames.is_empty() {
            return Err(oddframe::Error::Empty { what: "frames" }.into());
        }
        let a = &self.arch;
        let values = self.inputs(frames)?;
        let mut maps = Vec::with_capacity(frames.len());
        let net = self.net.folded();
        for chunk in values.chunks(SCORE_BATCH * a.input_len()) {
            let n = chunk.len() / a.input_len();
            let x = self.tensor(chunk.to_vec(), n, &self.device);
            let d = net.forward(x.clone()) - x;
            let m: Tensor<3> = (d.clone() * d).mean_dim(1).reshape([n, a.height, a.width]);
            let flat = read_f32(m.into_data())?;
            for map in flat.chunks(a.height * a.width) {
                let map = Array2::from_shape_vec((a.height, a.width), map.to_vec())
                    .map_err(|e| AeError::InvalidModel(e.to_string()))?;
                maps.push(map);
            }
        }
        Ok(maps)
    }

    /// Scores and thresholds each frame.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] when no threshold was calibrated or set;
    /// otherwise as [`FrameAutoencoder::score_frames`].
    pub fn detect(&self, frames: &[Frame]) -> Result<Vec<Decision>> {
        let t = self.threshold.as_ref().ok_or_else(|| {
            AeError::InvalidConfig("no threshold: calibrate or set one first".into())
        })?;
        Ok(self
            .score_frames(frames)?
            .into_iter()
            .map(|s| t.decide(s))
            .collect())
    }

    /// The same model (weights, normalisation, threshold) on another backend.
    ///
    /// # Errors
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn to_backend(self, backend: Backend) -> Result<Self> {
        let device = backend.device()?;
        let net = self.net.to_device(&device).valid();
        Ok(Self {
            backend,
            device,
            net,
            ..self
        })
    }
}

pub(crate) fn read_f32(data: TensorData) -> Result<Vec<f32>> {
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| AeError::BackendUnavailable(format!("reading a tensor back failed: {e:?}")))
}

/// Draws every parameter from `seed` (uniform `±1/sqrt(fan_in)` for weights
/// and biases, ones and zeros for batch-norm scales and shifts, the running
/// statistics at mean 0 and variance 1).
pub(crate) fn seeded<M: Module>(module: M, seed: u64) -> M {
    let mut rng = Rng::new(seed);
    let mut fan_in = 1usize;
    tensors::replace(module, &mut |path, shape| {
        let n: usize = shape.iter().product();
        let leaf = path.rsplit('.').next().unwrap_or(path);
        match leaf {
            "gamma" | "running_var" => return vec![1.0; n],
            "beta" | "running_mean" => return vec![0.0; n],
            _ => {}
        }
        if leaf == "weight" {
            fan_in = match shape {
                // transposed convolution: [in, out, k, k], fan-in over out (as PyTorch)
                [_, out, kh, kw] if path.contains("deconv") => out * kh * kw,
                [_, cin, kh, kw] => cin * kh * kw,
                // burn's linear weight: [d_input, d_output]
                [d_in, _] => *d_in,
                _ => n,
            }
            .max(1);
        }
        let bound = 1.0 / (fan_in as f64).sqrt();
        (0..n).map(|_| rng.symmetric(bound)).collect()
    })
}

impl Detector<f32> for FrameAutoencoder {
    /// `channels * height * width`.
    fn n_features(&self) -> usize {
        self.arch.input_len()
    }

    /// Each row is one frame's pixel values in 0..255, channel-major
    /// (`c, y, x`); returns the reconstruction errors.
    fn score(&self, x: ArrayView2<'_, f32>) -> oddframe::Result<Array1<f32>> {
        check_matrix(x, self.arch.input_len())?;
        if x.nrows() == 0 {
            return Err(oddframe::Error::Empty { what: "frames" });
        }
        let values = frames::scale_values(&self.norm, x.iter().copied());
        let scores = self.score_values(&values)?;
        Ok(scores.into_iter().map(|s| s as f32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_networks_have_the_counted_parameters_and_statistics() {
        for arch in [
            Architecture::cctv(),
            Architecture::light(),
            Architecture::stream(),
        ] {
            let m = FrameAutoencoder::new(arch.clone(), Backend::Cpu, 0).unwrap();
            // burn counts running statistics as parameters too
            assert_eq!(
                m.net.num_params(),
                arch.parameters() + arch.running_statistics(),
                "{arch:?}"
            );
        }
    }

    #[test]
    fn tensor_paths_name_layers() {
        let m = FrameAutoencoder::new(Architecture::light(), Backend::Cpu, 0).unwrap();
        let names: Vec<String> = tensors::layout(&m.net)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(
            names.iter().any(|n| n.ends_with("deconv.weight")),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n.ends_with("norm.running_var")),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n.ends_with("to_latent.weight")),
            "{names:?}"
        );
    }
}
