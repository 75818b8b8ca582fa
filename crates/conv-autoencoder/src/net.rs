//! The burn module built from an [`Architecture`]; crate-private.

use burn::module::Module;
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
            x = bn.forward(x);
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
            Some(bn) => bn.forward(x),
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
