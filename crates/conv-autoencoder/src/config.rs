//! The architecture of an autoencoder, as plain data.
//!
//! An [`Architecture`] lists encoder [`Stage`]s; the decoder mirrors them.
//! Everything here is checked by [`Architecture::validate`] before any layer
//! is built, so a bad configuration is an error, never a panic inside burn.

use serde::{Deserialize, Serialize};

use crate::{AeError, Result};

/// How a stage halves (or otherwise divides) the spatial size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Downsample {
    /// A convolution with this stride and padding `(kernel - stride) / 2`;
    /// the decoder mirrors it with a transposed convolution of the same
    /// kernel, stride and padding. `(kernel - stride)` must be even.
    Stride(usize),
    /// A stride-1 convolution with "same" padding (odd kernel), then max
    /// pooling over this factor; the decoder upsamples (nearest) by the
    /// factor, then applies a "same" convolution.
    MaxPool(usize),
}

impl Downsample {
    /// The factor by which the stage divides height and width.
    pub fn factor(self) -> usize {
        match self {
            Self::Stride(s) | Self::MaxPool(s) => s,
        }
    }
}

/// One encoder stage: a convolution to `channels`, optional batch norm, ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Stage {
    /// Output channels (filters) of the stage's convolution.
    pub channels: usize,
    /// Square kernel size.
    pub kernel: usize,
    /// How the stage reduces the spatial size.
    pub downsample: Downsample,
    /// Batch normalisation after the convolution (and after the mirrored
    /// decoder convolution).
    pub batch_norm: bool,
}

impl Stage {
    /// A stride-2, 4x4 convolution with batch norm (the CCTV network's stage).
    pub fn strided(channels: usize) -> Self {
        Self {
            channels,
            kernel: 4,
            downsample: Downsample::Stride(2),
            batch_norm: true,
        }
    }

    /// A "same" convolution with `kernel` followed by 2x2 max pooling,
    /// without batch norm (the streaming monitor's stage).
    pub fn pooled(channels: usize, kernel: usize) -> Self {
        Self {
            channels,
            kernel,
            downsample: Downsample::MaxPool(2),
            batch_norm: false,
        }
    }
}

/// The activation applied to the reconstruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputActivation {
    /// Logistic sigmoid: reconstructions in (0, 1), as pixels scaled to 0..1.
    Sigmoid,
    /// No activation.
    Identity,
}

/// A whole network: input shape, encoder stages, latent size, output activation.
///
/// The encoder runs the stages, flattens, and maps linearly to `latent`
/// values (no activation). The decoder maps the latent back linearly, with a
/// ReLU, reshapes, and mirrors the stages in reverse order: every mirrored
/// stage but the last restores the previous stage's channels, with batch norm
/// where its stage has it, and a ReLU; the last restores the input channels
/// and applies `output`.
///
/// ```
/// use conv_autoencoder::Architecture;
///
/// let cctv = Architecture::cctv();
/// assert_eq!(cctv.parameters(), 3_480_897);
/// assert_eq!(cctv.bottleneck_shape(), [256, 4, 4]);
/// assert!(Architecture::light().parameters() < 1_200_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Architecture {
    /// Input height in pixels.
    pub height: usize,
    /// Input width in pixels.
    pub width: usize,
    /// Input channels: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Encoder stages, input side first.
    pub stages: Vec<Stage>,
    /// Size of the latent code.
    pub latent: usize,
    /// Activation of the reconstruction.
    pub output: OutputActivation,
}

/// Upper bound on trainable parameters (a guard against absurd configs).
pub const MAX_PARAMETERS: usize = 200_000_000;
/// Upper bound on input height and width.
pub const MAX_SIDE: usize = 4096;

impl Architecture {
    /// The CCTV network: 64x64 grey, four 4x4 stride-2 stages of 32, 64, 128
    /// and 256 channels with batch norm, a 256-d latent, sigmoid output;
    /// 3,480,897 trainable parameters.
    pub fn cctv() -> Self {
        Self {
            height: 64,
            width: 64,
            channels: 1,
            stages: [32, 64, 128, 256].map(Stage::strided).to_vec(),
            latent: 256,
            output: OutputActivation::Sigmoid,
        }
    }

    /// The lighter CCTV variant: stages of 16, 32 and 64 channels, latent 128.
    pub fn light() -> Self {
        Self {
            stages: [16, 32, 64].map(Stage::strided).to_vec(),
            latent: 128,
            ..Self::cctv()
        }
    }

    /// The small per-stream network of the online monitor: 64x64 grey,
    /// two 3x3 "same" convolutions (16, 8 filters) each followed by 2x2 max
    /// pooling, a 64-d latent, sigmoid output.
    pub fn stream() -> Self {
        Self {
            stages: vec![Stage::pooled(16, 3), Stage::pooled(8, 3)],
            latent: 64,
            ..Self::cctv()
        }
    }

    /// A preset by name: `cctv`, `light` or `stream`.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for an unknown name.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "cctv" => Ok(Self::cctv()),
            "light" => Ok(Self::light()),
            "stream" => Ok(Self::stream()),
            other => Err(AeError::InvalidConfig(format!(
                "unknown preset {other:?} (known: cctv, light, stream)"
            ))),
        }
    }

    /// Values per input frame (`channels * height * width`).
    pub fn input_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Channels, height and width after the last encoder stage.
    pub fn bottleneck_shape(&self) -> [usize; 3] {
        let f: usize = self.stages.iter().map(|s| s.downsample.factor()).product();
        let c = self.stages.last().map_or(self.channels, |s| s.channels);
        [c, self.height / f.max(1), self.width / f.max(1)]
    }

    /// Trainable parameters (weights, biases, batch-norm scales and shifts;
    /// not the batch-norm running statistics).
    pub fn parameters(&self) -> usize {
        let mut n = 0usize;
        let mut prev = self.channels;
        for (i, s) in self.stages.iter().enumerate() {
            let k2 = s.kernel * s.kernel;
            // encoder conv + its batch norm
            n += prev * s.channels * k2 + s.channels + bn(s) * 2 * s.channels;
            // mirrored decoder conv back to `prev`; batch norm unless it is the output layer
            n += s.channels * prev * k2 + prev;
            if i > 0 {
                n += bn(s) * 2 * prev;
            }
            prev = s.channels;
        }
        let flat = self.bottleneck_shape().iter().product::<usize>();
        n + 2 * flat * self.latent + self.latent + flat
    }

    /// Batch-norm running statistics (mean and variance) saved with the weights.
    pub fn running_statistics(&self) -> usize {
        let mut n = 0;
        let mut prev = self.channels;
        for (i, s) in self.stages.iter().enumerate() {
            n += bn(s) * 2 * s.channels;
            if i > 0 {
                n += bn(s) * 2 * prev;
            }
            prev = s.channels;
        }
        n
    }

    /// Checks every field: sizes, kernels, the divisibility of the input by
    /// the stages' factors, and the parameter budget.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] saying which field is wrong and why.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(AeError::InvalidConfig(msg));
        if !(1..=MAX_SIDE).contains(&self.height) || !(1..=MAX_SIDE).contains(&self.width) {
            return bad(format!(
                "input size {}x{} must be within 1..={MAX_SIDE} on each side",
                self.width, self.height
            ));
        }
        if self.channels != 1 && self.channels != 3 {
            return bad(format!("channels = {}: must be 1 or 3", self.channels));
        }
        if self.stages.is_empty() || self.stages.len() > 16 {
            return bad(format!("{} stages: must be 1..=16", self.stages.len()));
        }
        if self.latent == 0 || self.latent > 1 << 20 {
            return bad(format!("latent = {}: must be 1..=1048576", self.latent));
        }
        let (mut h, mut w) = (self.height, self.width);
        for (i, s) in self.stages.iter().enumerate() {
            check_stage(i, s)?;
            let f = s.downsample.factor();
            if h % f != 0 || w % f != 0 {
                return bad(format!(
                    "stage {i} divides by {f} but its input is {w}x{h}: the input size must be \
                     divisible by the product of the stages' factors"
                ));
            }
            (h, w) = (h / f, w / f);
        }
        // overflow-safe parameter estimate before the exact count
        let widest = self.stages.iter().map(|s| s.channels).max().unwrap_or(1) as u128;
        let k = self.stages.iter().map(|s| s.kernel).max().unwrap_or(1) as u128;
        let flat = (self.stages.last().map_or(1, |s| s.channels) * h * w) as u128;
        let rough = 2 * self.stages.len() as u128 * widest * widest * k * k
            + 2 * flat * self.latent as u128;
        if rough > 4 * MAX_PARAMETERS as u128 || self.parameters() > MAX_PARAMETERS {
            return bad(format!(
                "the network would have more than {MAX_PARAMETERS} parameters"
            ));
        }
        Ok(())
    }
}

fn bn(s: &Stage) -> usize {
    usize::from(s.batch_norm)
}

fn check_stage(i: usize, s: &Stage) -> Result<()> {
    let bad = |msg: String| Err(AeError::InvalidConfig(format!("stage {i}: {msg}")));
    if s.channels == 0 || s.channels > 4096 {
        return bad(format!("channels = {}: must be 1..=4096", s.channels));
    }
    if s.kernel == 0 || s.kernel > 15 {
        return bad(format!("kernel = {}: must be 1..=15", s.kernel));
    }
    match s.downsample {
        Downsample::Stride(st) => {
            if st == 0 || st > 8 {
                return bad(format!("stride = {st}: must be 1..=8"));
            }
            if s.kernel < st || (s.kernel - st) % 2 != 0 {
                return bad(format!(
                    "kernel {} with stride {st}: kernel - stride must be even and >= 0 so the \
                     stage divides the size exactly",
                    s.kernel
                ));
            }
        }
        Downsample::MaxPool(p) => {
            if p == 0 || p > 8 {
                return bad(format!("pooling = {p}: must be 1..=8"));
            }
            if s.kernel % 2 == 0 {
                return bad(format!(
                    "kernel = {}: a pooled stage's \"same\" convolution needs an odd kernel",
                    s.kernel
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cctv_counts_match_the_original_network() {
        let a = Architecture::cctv();
        a.validate().unwrap();
        // encoder convs 689,120 + encoder BN 960 + linears 2,101,504
        // + decoder convs 688,865 + decoder BN 448
        assert_eq!(a.parameters(), 3_480_897);
        assert_eq!(a.running_statistics(), 960 + 448);
    }

    #[test]
    fn presets_validate_and_unknown_names_fail() {
        for name in ["cctv", "light", "stream"] {
            Architecture::preset(name).unwrap().validate().unwrap();
        }
        assert!(Architecture::preset("huge").is_err());
    }

    #[test]
    fn bad_configs_are_errors() {
        let base = Architecture::cctv();
        type Edit = Box<dyn Fn(&mut Architecture)>;
        let cases: Vec<Edit> = vec![
            Box::new(|a| a.height = 0),
            Box::new(|a| a.width = 100_000),
            Box::new(|a| a.channels = 2),
            Box::new(|a| a.stages.clear()),
            Box::new(|a| a.latent = 0),
            Box::new(|a| a.height = 60), // 60 is not divisible by 16
            Box::new(|a| a.stages[0].kernel = 3), // 3 - 2 is odd
            Box::new(|a| a.stages[0].downsample = Downsample::Stride(0)),
            Box::new(|a| a.stages[0].downsample = Downsample::MaxPool(2)), // even kernel
            Box::new(|a| a.stages[1].channels = 0),
            Box::new(|a| {
                a.stages = vec![Stage::strided(4096); 16];
                a.height = 4096;
                a.width = 4096;
            }),
            Box::new(|a| a.stages = vec![Stage::strided(4); 17]),
        ];
        for (i, f) in cases.iter().enumerate() {
            let mut a = base.clone();
            f(&mut a);
            assert!(
                matches!(a.validate(), Err(AeError::InvalidConfig(_))),
                "case {i}"
            );
        }
    }
}
