//! The burn module built from an [`Architecture`]; crate-private.

use std::borrow::Cow;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::interpolate::{Interpolate2d, Interpolate2dConfig, InterpolateMode};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};

use crate::config::{Architecture, Downsample, OutputActivation, Stage};

/// One encoder stage: convolution, optional batch norm, ReLU, optional pooling.
#[derive(Module, Debug)]
pub(crate) struct EncoderStage {
    conv: Conv2d,
    norm: Option<BatchNorm>,
    pool: Option<MaxPool2d>,
}

/// One decoder stage: optional upsampling, (transposed) convolution,
/// optional batch norm, then ReLU or, for the last stage, the output activation.
#[derive(Module, Debug)]
pub(crate) struct DecoderStage {
    upsample: Option<Interpolate2d>,
    conv: Option<Conv2d>,
    deconv: Option<ConvTranspose2d>,
    norm: Option<BatchNorm>,
}

/// The whole autoencoder.
#[derive(Module, Debug)]
pub(crate) struct Net {
    encoder: Vec<EncoderStage>,
    to_latent: Linear,
    from_latent: Linear,
    decoder: Vec<DecoderStage>,
    bottleneck: [usize; 3],
    sigmoid: bool,
}

fn same_conv(c_in: usize, c_out: usize, k: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new([c_in, c_out], [k, k])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .init(device)
}

impl EncoderStage {
    fn new(c_in: usize, s: &Stage, device: &Device) -> Self {
        let k = s.kernel;
        let (conv, pool) = match s.downsample {
            Downsample::Stride(st) => {
                let p = (k - st) / 2;
                let conv = Conv2dConfig::new([c_in, s.channels], [k, k])
                    .with_stride([st, st])
                    .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                    .init(device);
                (conv, None)
            }
            Downsample::MaxPool(f) => {
                let pool = MaxPool2dConfig::new([f, f]).with_strides([f, f]).init();
                (same_conv(c_in, s.channels, k, device), Some(pool))
            }
        };
        let norm = s
            .batch_norm
            .then(|| BatchNormConfig::new(s.channels).init(device));
        Self { conv, norm, pool }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut x = self.conv.forward(x);
        if let Some(bn) = &self.norm {
            x = batch_norm(bn, x);
        }
        x = relu(x);
        match &self.pool {
            Some(p) => p.forward(x),
            None => x,
        }
    }
}

impl DecoderStage {
    /// Mirrors `s`, mapping its channels back to `c_out`.
    fn new(s: &Stage, c_out: usize, norm: bool, device: &Device) -> Self {
        let k = s.kernel;
        let mut stage = Self {
            upsample: None,
            conv: None,
            deconv: None,
            norm: norm.then(|| BatchNormConfig::new(c_out).init(device)),
        };
        match s.downsample {
            Downsample::Stride(st) => {
                let p = (k - st) / 2;
                stage.deconv = Some(
                    ConvTranspose2dConfig::new([s.channels, c_out], [k, k])
                        .with_stride([st, st])
                        .with_padding([p, p])
                        .init(device),
                );
            }
            Downsample::MaxPool(f) => {
                stage.upsample = Some(
                    Interpolate2dConfig::new()
                        .with_scale_factor(Some([f as f32, f as f32]))
                        .with_mode(InterpolateMode::Nearest)
                        .init(),
                );
                stage.conv = Some(same_conv(s.channels, c_out, k, device));
            }
        }
        stage
    }

    fn forward(&self, mut x: Tensor<4>) -> Tensor<4> {
        if let Some(up) = &self.upsample {
            x = up.forward(x);
        }
        if let Some(conv) = &self.conv {
            x = conv.forward(x);
        }
        if let Some(deconv) = &self.deconv {
            x = deconv.forward(x);
        }
        match &self.norm {
            Some(bn) => batch_norm(bn, x),
            None => x,
        }
    }
}

impl Net {
    /// Builds the network; `arch` must have been validated.
    pub(crate) fn new(arch: &Architecture, device: &Device) -> Self {
        let mut encoder = Vec::with_capacity(arch.stages.len());
        let mut c_in = arch.channels;
        for s in &arch.stages {
            encoder.push(EncoderStage::new(c_in, s, device));
            c_in = s.channels;
        }
        let bottleneck = arch.bottleneck_shape();
        let flat = bottleneck.iter().product();
        let mut decoder = Vec::with_capacity(arch.stages.len());
        for (j, s) in arch.stages.iter().enumerate().rev() {
            let (c_out, norm) = match j {
                0 => (arch.channels, false),
                _ => (arch.stages[j - 1].channels, s.batch_norm),
            };
            decoder.push(DecoderStage::new(s, c_out, norm, device));
        }
        Self {
            encoder,
            to_latent: LinearConfig::new(flat, arch.latent).init(device),
            from_latent: LinearConfig::new(arch.latent, flat).init(device),
            decoder,
            bottleneck,
            sigmoid: arch.output == OutputActivation::Sigmoid,
        }
    }

    /// Reconstructs a `[batch, channels, height, width]` input.
    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let n = x.dims()[0];
        let mut x = x;
        for stage in &self.encoder {
            x = stage.forward(x);
        }
        let [c, h, w] = self.bottleneck;
        let z = self.to_latent.forward(x.reshape([n, c * h * w]));
        let mut x: Tensor<4> = relu(self.from_latent.forward(z)).reshape([n, c, h, w]);
        let last = self.decoder.len().saturating_sub(1);
        for (i, stage) in self.decoder.iter().enumerate() {
            x = stage.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        if self.sigmoid {
            sigmoid(x)
        } else {
            x
        }
    }
}

impl Net {
    /// The same function for inference, with each batch norm folded into the
    /// convolution before it (its running statistics become a per-channel
    /// scale of the weights and a bias): four passes over every normalised
    /// activation fewer. Never trained or saved; scores differ from
    /// [`Net::forward`]'s only by float rounding. A network without batch
    /// norms (the online monitor's, scored every frame) is borrowed as it is.
    pub(crate) fn folded(&self) -> Cow<'_, Net> {
        let encoder = self.encoder.iter().map(|s| &s.norm);
        if encoder
            .chain(self.decoder.iter().map(|s| &s.norm))
            .all(Option::is_none)
        {
            return Cow::Borrowed(self);
        }
        let mut net = self.clone();
        for s in &mut net.encoder {
            if let Some(bn) = s.norm.take() {
                fold(&mut s.conv.weight, &mut s.conv.bias, &bn, 0);
            }
        }
        for s in &mut net.decoder {
            let Some(bn) = s.norm.take() else { continue };
            match (&mut s.conv, &mut s.deconv) {
                (Some(c), _) => fold(&mut c.weight, &mut c.bias, &bn, 0),
                // A transposed convolution's weights are [in, out, kh, kw].
                (None, Some(d)) => fold(&mut d.weight, &mut d.bias, &bn, 1),
                (None, None) => s.norm = Some(bn),
            }
        }
        Cow::Owned(net)
    }
}

/// `bn` applied to `x`: burn's own forward, except when training, where
/// the batch statistics come from `x` viewed as `[batch, channels, pixels]`
/// and reduced along its contiguous last axis. burn's training path swaps
/// the batch and channel axes first, copying the whole activation twice
/// forward and twice more backward; this one computes the same function
/// (biased batch variance, running statistics updated with burn's rule)
/// 2-3x faster on flex for activations of 16x16 and smaller, 15 % at 32x32.
fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    if !(x.device().is_autodiff() && bn.training.is_enabled()) {
        return bn.forward(x);
    }
    let [b, c, h, w] = x.dims();
    let n = (b * h * w) as f64;
    let x: Tensor<3> = x.reshape([b, c, h * w]);
    let mean = x.clone().sum_dim(2).sum_dim(0).div_scalar(n);
    let centred = x - mean.clone();
    let variance = (centred.clone() * centred.clone())
        .sum_dim(2)
        .sum_dim(0)
        .div_scalar(n);
    let scale = bn.gamma.val().reshape([1, c, 1]) * (variance.clone() + bn.epsilon).sqrt().recip();
    let y = centred * scale + bn.beta.val().reshape([1, c, 1]);

    let m = bn.momentum;
    let device = y.device();
    let update = |running: Tensor<1>, batch: Tensor<3>| {
        running
            .to_device(&device)
            .mul_scalar(1.0 - m)
            .add(batch.detach().reshape([c]).mul_scalar(m))
            .detach()
    };
    bn.running_mean
        .update(update(bn.running_mean.value_sync(), mean));
    bn.running_var
        .update(update(bn.running_var.value_sync(), variance));
    y.reshape([b, c, h, w])
}

/// Folds `bn` (inference form `(y - mean) / sqrt(var + eps) * gamma + beta`)
/// into the convolution `y = w * x + b` whose output channels are dimension
/// `out_dim` of `weight`.
fn fold(
    weight: &mut Param<Tensor<4>>,
    bias: &mut Option<Param<Tensor<1>>>,
    bn: &BatchNorm,
    out_dim: usize,
) {
    let scale = bn.gamma.val() / (bn.running_var.value() + bn.epsilon).sqrt();
    let shift = bn.beta.val() - bn.running_mean.value() * scale.clone();
    let mut shape = [1; 4];
    shape[out_dim] = scale.dims()[0];
    let w = weight.val() * scale.clone().reshape(shape);
    *weight = Param::from_tensor(w);
    let b = match bias.take() {
        Some(b) => b.val() * scale + shift,
        None => shift,
    };
    *bias = Some(Param::from_tensor(b));
}

#[cfg(test)]
mod tests {
    use burn::module::RunningState;
    use burn::tensor::TensorData;

    use super::*;
    use crate::model::seeded;
    use crate::rng::Rng;
    use crate::Backend;

    /// `n` values uniform in `lo..hi` from `rng`.
    fn uniform(rng: &mut Rng, n: usize, lo: f64, hi: f64) -> Vec<f32> {
        (0..n)
            .map(|_| (lo + (hi - lo) * rng.unit()) as f32)
            .collect()
    }

    /// Seeded batch-norm parameters and running statistics, so folding has
    /// something to fold (fresh ones are the identity).
    fn randomise(bn: &mut BatchNorm, rng: &mut Rng, device: &Device) {
        let c = bn.gamma.val().dims()[0];
        let mut u =
            |lo, hi| Tensor::<1>::from_data(TensorData::new(uniform(rng, c, lo, hi), [c]), device);
        bn.gamma = Param::from_tensor(u(0.5, 2.0));
        bn.beta = Param::from_tensor(u(-1.0, 1.0));
        bn.running_mean = RunningState::new(u(-0.5, 0.5));
        bn.running_var = RunningState::new(u(0.2, 3.0));
    }

    fn output(net: &Net, x: &Tensor<4>) -> Vec<f32> {
        net.forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    }

    fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max)
    }

    /// Values, input gradient, parameter gradients and running statistics.
    fn train_norm(bn: &BatchNorm, x: &Tensor<4>, ours: bool) -> Vec<Vec<f32>> {
        let x = x.clone().require_grad();
        let y = match ours {
            true => batch_norm(bn, x.clone()),
            false => bn.forward(x.clone()),
        };
        let weights = Tensor::<4>::from_data(
            TensorData::new(
                (0..y.shape().num_elements())
                    .map(|i| (i % 7) as f32 - 3.0)
                    .collect(),
                y.dims(),
            ),
            &y.device(),
        );
        let grads = (y.clone() * weights).sum().backward();
        let flat = |t: Tensor<1>| t.into_data().try_to_vec::<f32>().unwrap();
        vec![
            flat(y.flatten(0, 3)),
            flat(x.grad(&grads).unwrap().flatten(0, 3)),
            flat(bn.gamma.grad(&grads).unwrap()),
            flat(bn.beta.grad(&grads).unwrap()),
            flat(bn.running_mean.value()),
            flat(bn.running_var.value()),
        ]
    }

    #[test]
    fn training_batch_norm_agrees_with_burns() {
        let device = Backend::Ndarray.device().unwrap().autodiff();
        // two modules with the same parameters and statistics (clones would
        // share their running state)
        let norm = || {
            let mut rng = Rng::new(3);
            let mut bn = BatchNormConfig::new(5).init(&device);
            randomise(&mut bn, &mut rng, &device);
            bn.gamma = Param::from_tensor(bn.gamma.val().require_grad());
            bn.beta = Param::from_tensor(bn.beta.val().require_grad());
            (bn, rng)
        };
        let (theirs_bn, mut rng) = norm();
        let x = Tensor::<4>::from_data(
            TensorData::new(uniform(&mut rng, 4 * 5 * 6 * 7, -2.0, 3.0), [4, 5, 6, 7]),
            &device,
        );
        let before = train_norm(&theirs_bn, &x, false);
        let theirs = train_norm(&theirs_bn, &x, false);
        let ours_bn = norm().0;
        let _ = train_norm(&ours_bn, &x, true);
        let ours = train_norm(&ours_bn, &x, true);
        let names = [
            "output",
            "input grad",
            "gamma grad",
            "beta grad",
            "mean",
            "var",
        ];
        for ((name, a), b) in names.iter().zip(&theirs).zip(&ours) {
            let scale = a.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            let worst = largest_difference(a, b);
            assert!(worst <= 1e-5 * scale, "{name}: {worst} (scale {scale})");
        }
        // the running statistics moved with each step
        assert!(largest_difference(&before[4], &theirs[4]) > 1e-3);
        assert!(largest_difference(&before[5], &theirs[5]) > 1e-3);
    }

    #[test]
    fn folded_batch_norm_computes_the_same_function() {
        let device = Backend::Ndarray.device().unwrap();
        let mut pooled = Stage::pooled(6, 3);
        pooled.batch_norm = true;
        let arch = Architecture {
            height: 16,
            width: 16,
            stages: vec![Stage::strided(4), pooled, Stage::strided(8)],
            latent: 12,
            ..Architecture::cctv()
        };
        arch.validate().unwrap();
        let mut rng = Rng::new(11);
        let mut net = seeded(Net::new(&arch, &device), 5).valid();
        let norms = net.encoder.iter_mut().filter_map(|s| s.norm.as_mut());
        let norms = norms.chain(net.decoder.iter_mut().filter_map(|s| s.norm.as_mut()));
        let mut count = 0;
        for bn in norms {
            randomise(bn, &mut rng, &device);
            count += 1;
        }
        assert_eq!(count, 5, "three encoder and two decoder norms");
        let stream = Net::new(&Architecture::stream(), &device);
        assert!(
            matches!(stream.folded(), Cow::Borrowed(_)),
            "nothing to fold"
        );
        let folded = net.folded();
        assert!(matches!(folded, Cow::Owned(_)));
        assert!(folded.encoder.iter().all(|s| s.norm.is_none()));
        assert!(folded.decoder.iter().all(|s| s.norm.is_none()));

        let x = Tensor::<4>::from_data(
            TensorData::new(uniform(&mut rng, 3 * 16 * 16, -1.0, 1.0), [3, 1, 16, 16]),
            &device,
        );
        let want = output(&net, &x);
        let worst = largest_difference(&want, &output(&folded, &x));
        assert!(worst < 1e-5, "largest difference {worst}");
        // the norms matter: dropping them instead of folding changes the output
        let mut bare = net.clone();
        bare.encoder.iter_mut().for_each(|s| s.norm = None);
        bare.decoder.iter_mut().for_each(|s| s.norm = None);
        let moved = largest_difference(&want, &output(&bare, &x));
        println!("folding: {worst:e}; dropping the norms: {moved}");
        assert!(moved > 1e-2, "batch norms changed nothing ({moved})");
    }
}
