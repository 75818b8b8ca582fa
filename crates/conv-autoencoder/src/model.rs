//! [`FrameAutoencoder`]: a batch-trained autoencoder that scores frames.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::Array2;
use oddframe::{Frame, FrameDetector};

use crate::frames::{self, Normalization};
use crate::net::Net;
use crate::rng::Rng;
use crate::{tensors, AeError, Architecture, Backend, Result, Scoring};

/// Frames scored per forward pass (bounds memory on large inputs).
pub(crate) const SCORE_BATCH: usize = 64;

/// A trained convolutional autoencoder over frames of one size, with its
/// input normalisation; made by [`crate::AutoencoderValidParams::fit`].
///
/// The score of a frame is the mean squared reconstruction error over its
/// pixels, in [`Normalization`] units: higher means less like the training
/// frames. [`FrameAutoencoder::error_maps`] gives the per-pixel errors, to
/// show *where* a frame differs. A [`FrameDetector`], so its threshold is
/// set like any frame model's (`oddframe::FramePipeline`).
///
/// ```
/// use conv_autoencoder::{Architecture, AutoencoderParams};
/// use oddframe::{image::GrayImage, Calibration, Frame, FramePipeline, ParamGuard};
///
/// let mut arch = Architecture::stream();
/// (arch.width, arch.height) = (16, 16);
/// let frames: Vec<Frame> = (0..8u8)
///     .map(|i| Frame::luma(GrayImage::from_fn(16, 16, |x, y| [(x * 8 + y + u32::from(i)) as u8].into()), i.into(), Default::default()))
///     .collect();
/// let params = AutoencoderParams::new(arch).epochs(2).batch_size(4).validation_split(0.0).check()?;
/// let (model, report) = params.fit_with(&frames, |_| {})?;
/// assert_eq!(report.epochs.len(), 2);
/// let scores = model.score_frames(&frames)?;
/// assert!(scores.iter().all(|s| s.is_finite() && *s >= 0.0));
///
/// let mut pipeline = FramePipeline::new(model);
/// pipeline.calibrate(Calibration::Quantile(0.9), &frames)?;
/// assert_eq!(pipeline.decide(&frames)?.len(), 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameAutoencoder {
    pub(crate) arch: Architecture,
    pub(crate) norm: Normalization,
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
    pub(crate) fn untrained(
        arch: &Architecture,
        norm: Normalization,
        backend: Backend,
        seed: u64,
    ) -> Result<Self> {
        arch.validate()?;
        norm.validate()?;
        let device = backend.device()?;
        let net = seeded(Net::new(arch, &device), seed).valid();
        Ok(Self {
            arch: arch.clone(),
            norm,
            backend,
            device,
            net,
        })
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

    /// The score of each frame under `scoring` (with [`Scoring::Mean`], the
    /// same as [`FrameAutoencoder::score_frames`] up to rounding): the
    /// worst patch of the error map finds a small anomaly the frame mean
    /// dilutes.
    ///
    /// # Errors
    /// As [`FrameAutoencoder::score_frames`]; [`AeError::InvalidConfig`]
    /// for a patch of size 0.
    pub fn score_frames_by(&self, frames: &[Frame], scoring: Scoring) -> Result<Vec<f64>> {
        let scoring = scoring.validate()?;
        self.error_maps(frames)?
            .iter()
            .map(|m| scoring.score(m))
            .collect()
    }

    /// The same model (weights, normalisation) on another backend.
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

impl FrameDetector for FrameAutoencoder {
    /// The reconstruction error of each frame ([`FrameAutoencoder::score_frames`]).
    fn score_frames(&self, frames: &[Frame]) -> oddframe::Result<Vec<f64>> {
        FrameAutoencoder::score_frames(self, frames).map_err(Into::into)
    }

    fn envelope(&self) -> oddframe::Result<oddframe::persist::Envelope> {
        oddframe::Persist::to_envelope(self)
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
            let m =
                FrameAutoencoder::untrained(&arch, Normalization::default(), Backend::Ndarray, 0)
                    .unwrap();
            // burn counts running statistics as parameters too
            assert_eq!(
                m.net.num_params(),
                arch.parameters() + arch.running_statistics(),
                "{arch:?}"
            );
        }
    }

    /// Backends compiled in besides ndarray.
    fn other_backends() -> Vec<Backend> {
        [Backend::Flex, Backend::Wgpu]
            .into_iter()
            .filter(|b| b.device().is_ok())
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_network_on_every_backend() {
        // synthetic 64x64 grey frames: initial weights need no real data
        let frames: Vec<Frame> = (0..6u32)
            .map(|i| {
                let img = oddframe::image::GrayImage::from_fn(64, 64, |x, y| {
                    [((x * 3 + y * 7 + i * 29) % 256) as u8].into()
                });
                Frame::luma(img, u64::from(i), Default::default())
            })
            .collect();
        let arch = Architecture::light();
        let reference =
            FrameAutoencoder::untrained(&arch, Normalization::default(), Backend::Ndarray, 9)
                .unwrap()
                .score_frames(&frames)
                .unwrap();
        for b in other_backends() {
            let m = FrameAutoencoder::untrained(&arch, Normalization::default(), b, 9).unwrap();
            for (x, y) in reference.iter().zip(m.score_frames(&frames).unwrap()) {
                assert!(
                    (x - y).abs() <= 1e-4 * x.abs().max(y.abs()),
                    "{b}: {x} vs {y}"
                );
            }
        }
    }

    #[test]
    fn tensor_paths_name_layers() {
        let m = FrameAutoencoder::untrained(
            &Architecture::light(),
            Normalization::default(),
            Backend::Ndarray,
            0,
        )
        .unwrap();
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
