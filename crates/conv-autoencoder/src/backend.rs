//! Choosing where the model runs.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{AeError, Result};

/// The compute backend a model runs on, named after the burn backend it
/// uses.
///
/// The same model code runs on every backend; a model saved on one loads on
/// the others. [`Backend::default`] (and `"cpu"`) is the fastest CPU backend
/// compiled in: [`Backend::Flex`] with the `flex` feature (on by default),
/// else [`Backend::Ndarray`]. Devices are always chosen explicitly (never
/// burn's `Device::default()`, whose choice depends on which features other
/// crates enable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Backend {
    /// burn's flex backend on the CPU (feature `flex`, on by default):
    /// convolutions as matrix products on every core; tens of times faster
    /// to train than ndarray.
    Flex,
    /// burn's ndarray backend on the CPU (always available, slow: direct
    /// convolution loops).
    Ndarray,
    /// burn's wgpu backend on the first GPU wgpu finds (Vulkan, Metal, DX12),
    /// or a software Vulkan driver such as Mesa's lavapipe. Needs the crate
    /// feature `wgpu`.
    Wgpu,
}

impl Default for Backend {
    /// The fastest CPU backend compiled in ([`Backend::cpu`]).
    fn default() -> Self {
        Self::cpu()
    }
}

impl Backend {
    /// The fastest CPU backend compiled in: flex with the `flex` feature,
    /// else ndarray.
    pub fn cpu() -> Self {
        if cfg!(feature = "flex") {
            Self::Flex
        } else {
            Self::Ndarray
        }
    }

    /// The burn device for this backend (without autodiff).
    ///
    /// # Errors
    /// [`AeError::BackendUnavailable`] for [`Backend::Wgpu`] or
    /// [`Backend::Flex`] when the crate was built without the feature, or
    /// when no wgpu adapter works.
    pub fn device(self) -> Result<Device> {
        match self {
            #[allow(deprecated)] // ndarray is the CPU backend this crate names; see the README
            Self::Ndarray => Ok(Device::ndarray()),
            Self::Flex => flex_device(),
            Self::Wgpu => gpu_device(),
        }
    }

    /// `"flex"`, `"ndarray"` or `"wgpu"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ndarray => "ndarray",
            Self::Flex => "flex",
            Self::Wgpu => "wgpu",
        }
    }
}

#[cfg(feature = "flex")]
fn flex_device() -> Result<Device> {
    Ok(Device::flex())
}

#[cfg(not(feature = "flex"))]
fn flex_device() -> Result<Device> {
    Err(AeError::BackendUnavailable(
        "the flex CPU backend needs conv-autoencoder's `flex` feature".into(),
    ))
}

/// The default wgpu device, after checking once per process that it can
/// run a tensor operation: wgpu panics inside burn when no adapter exists,
/// and that becomes a [`AeError::BackendUnavailable`] here.
#[cfg(feature = "wgpu")]
fn gpu_device() -> Result<Device> {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::OnceLock;

    static PROBE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
    let probe = PROBE.get_or_init(|| {
        let d = device.clone();
        catch_unwind(AssertUnwindSafe(move || {
            burn::tensor::Tensor::<1>::zeros([1], &d)
                .into_data()
                .num_elements()
        }))
        .map(|_| ())
        .map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "wgpu failed to start".into())
        })
    });
    match probe {
        Ok(()) => Ok(device),
        Err(msg) => Err(AeError::BackendUnavailable(format!(
            "no usable wgpu adapter (install a Vulkan, Metal or DX12 driver; on Linux \
             without a GPU, Mesa's lavapipe: apt-get install mesa-vulkan-drivers): {msg}"
        ))),
    }
}

#[cfg(not(feature = "wgpu"))]
fn gpu_device() -> Result<Device> {
    Err(AeError::BackendUnavailable(
        "the GPU backend needs conv-autoencoder's `wgpu` feature".into(),
    ))
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = AeError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "cpu" => Ok(Self::cpu()),
            "ndarray" => Ok(Self::Ndarray),
            "flex" => Ok(Self::Flex),
            "gpu" | "wgpu" => Ok(Self::Wgpu),
            other => Err(AeError::InvalidConfig(format!(
                "unknown backend {other:?} (known: cpu, flex, ndarray, gpu or wgpu)"
            ))),
        }
    }
}
