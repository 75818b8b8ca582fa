//! Adam (Kingma & Ba, 2015) with its state keyed by parameter path, so the
//! state can be saved in a checkpoint and restored onto a freshly built
//! network on any backend.
//!
//! burn's own optimizer keys its state by parameter id (which a rebuilt
//! network does not keep) and restores saved state through burn's default
//! device (which depends on the features compiled in, wgpu first), so
//! training could not be resumed reliably with it.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};

use crate::model::read_f32;
use crate::{AeError, Result};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

/// The moment estimates of one parameter, flattened.
#[derive(Clone)]
struct Moments {
    steps: u32,
    first: Tensor<1>,
    second: Tensor<1>,
}

/// One parameter's saved state: path, step count, both moments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SavedMoments {
    pub(crate) path: String,
    pub(crate) steps: u32,
    pub(crate) first: Vec<f32>,
    pub(crate) second: Vec<f32>,
}

/// Adam's state for one network.
#[derive(Clone, Default)]
pub(crate) struct Adam {
    state: BTreeMap<String, Moments>,
}

impl Adam {
    /// One step with learning rate `lr`: every parameter with a gradient in
    /// `grads` moves by `lr * m_hat / (sqrt(v_hat) + eps)`.
    pub(crate) fn step<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        let mut mapper = Step {
            path: Vec::new(),
            lr,
            grads,
            state: &mut self.state,
        };
        module.map(&mut mapper)
    }

    /// The state as plain numbers, in path order.
    pub(crate) fn save(&self) -> Result<Vec<SavedMoments>> {
        self.state
            .iter()
            .map(|(path, m)| {
                Ok(SavedMoments {
                    path: path.clone(),
                    steps: m.steps,
                    first: read_f32(m.first.clone().into_data())?,
                    second: read_f32(m.second.clone().into_data())?,
                })
            })
            .collect()
    }

    /// State restored from [`Adam::save`] onto `device` (the network's
    /// device without autodiff). Callers check paths and lengths first.
    pub(crate) fn restore(saved: Vec<SavedMoments>, device: &Device) -> Self {
        let tensor = |v: Vec<f32>| {
            let n = v.len();
            Tensor::from_data(TensorData::new(v, [n]), device)
        };
        let state = saved
            .into_iter()
            .map(|s| {
                let m = Moments {
                    steps: s.steps,
                    first: tensor(s.first),
                    second: tensor(s.second),
                };
                (s.path, m)
            })
            .collect();
        Self { state }
    }
}

struct Step<'a> {
    path: Vec<String>,
    lr: f64,
    grads: GradientsParams,
    state: &'a mut BTreeMap<String, Moments>,
}

impl ModuleMapper for Step<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let dims = tensor.dims();
        let n = dims.iter().product::<usize>();
        let value = tensor.inner();
        let g = grad.to_device(&value.device()).reshape([n]);
        let path = self.path.join(".");
        let m = match self.state.remove(&path) {
            Some(m) => Moments {
                steps: m.steps.saturating_add(1),
                first: m.first.mul_scalar(BETA1) + g.clone().mul_scalar(1.0 - BETA1),
                second: m.second.mul_scalar(BETA2) + g.square().mul_scalar(1.0 - BETA2),
            },
            None => Moments {
                steps: 1,
                first: g.clone().mul_scalar(1.0 - BETA1),
                second: g.square().mul_scalar(1.0 - BETA2),
            },
        };
        let t = i32::try_from(m.steps).unwrap_or(i32::MAX);
        let correct1 = 1.0 - BETA1.powi(t);
        let correct2 = 1.0 - BETA2.powi(t);
        let delta = m.first.clone().mul_scalar(self.lr / correct1).div(
            m.second
                .clone()
                .div_scalar(correct2)
                .sqrt()
                .add_scalar(EPSILON),
        );
        self.state.insert(path, m);
        let mut updated = Tensor::from_inner(value - delta.reshape(dims));
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

/// Checks saved moments against the network's parameters: every path
/// known, lengths equal, values finite, step counts positive.
pub(crate) fn check(saved: &[SavedMoments], layout: &[(String, Vec<usize>)]) -> Result<()> {
    for s in saved {
        let Some((_, shape)) = layout.iter().find(|(p, _)| *p == s.path) else {
            return Err(AeError::InvalidModel(format!(
                "optimizer state for unknown parameter {}",
                s.path
            )));
        };
        let n: usize = shape.iter().product();
        if s.first.len() != n || s.second.len() != n || s.steps == 0 {
            return Err(AeError::InvalidModel(format!(
                "optimizer state of {} does not fit its parameter",
                s.path
            )));
        }
        if !s.first.iter().chain(&s.second).all(|v| v.is_finite())
            || s.second.iter().any(|&v| v < 0.0)
        {
            return Err(AeError::InvalidModel(format!(
                "optimizer state of {} is not finite",
                s.path
            )));
        }
    }
    Ok(())
}
