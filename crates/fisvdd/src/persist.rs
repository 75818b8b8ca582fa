//! Saving and loading fitted models (feature `serde`): [`Persist`] for
//! [`Fisvdd`], format `oddframe.fisvdd`, schema 1.
//!
//! The body holds sigma, the boundary, the parameters, the support vectors
//! and their weights. Loading checks every number and shape, recomputes the
//! inverse kernel matrix from the support vectors and verifies that the
//! saved weights solve `K(S, S) alpha = L e`; a foreign, corrupt or
//! inconsistent file is an error. The saved weights are kept as they are, so
//! a loaded model scores exactly as the saved one did.

use oddframe::persist::{Envelope, Persist};
use oddframe::streaming::SaveState;
use oddframe::{Error, Float, ParamGuard};
use serde::{Deserialize, Serialize};

use crate::model::{Fisvdd, LearningState};
use crate::params::{FisvddParams, FisvddValidParams};

/// The format name of a saved model.
const FORMAT: &str = "oddframe.fisvdd";

/// Largest `|Q(s)| / L` tolerated for a saved support vector. A fitted
/// model keeps its support vectors on the boundary to about 1e-8 (worse only
/// for badly conditioned kernel matrices); a tampered weight or boundary
/// moves them much further.
const CONSISTENCY_TOL: f64 = 1e-4;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelV1 {
    sigma: f64,
    boundary: f64,
    params: FisvddValidParams,
    support_vectors: Vec<Vec<f64>>,
    weights: Vec<f64>,
    /// Schema 2: the learning state, for an exact restore of a stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<LearningState>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid_file(FORMAT, msg)
}

/// Saving and loading (feature `serde`): format `oddframe.fisvdd`. A saved
/// model is schema 1 (support vectors, weights, sigma, boundary and
/// parameters; the inverse is recomputed on load); schema 2 adds the
/// learning state, written by [`SaveState`] for streams.
///
/// ```
/// use fisvdd::{Fisvdd, FisvddParams};
/// use ndarray::array;
/// use oddframe::{Detector, ParamGuard, Persist};
///
/// let x = array![[0.0, 0.0], [1.0, 0.2], [0.3, 1.0], [1.0, 1.0]];
/// let model = FisvddParams::new().sigma(0.8).check()?.fit(x.view())?;
/// let back: Fisvdd<f64> = Fisvdd::from_json(&model.to_json()?)?;
/// assert_eq!(model.score(x.view())?, back.score(x.view())?);
/// assert!(Fisvdd::<f64>::from_json(b"{}").is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
impl<F: Float> Persist for Fisvdd<F> {
    const FORMAT: &'static str = FORMAT;
    const SCHEMA: u32 = 2;

    fn to_envelope(&self) -> Result<Envelope, Error> {
        self.envelope_with(None)
    }

    fn from_checked_envelope(env: Envelope) -> Result<Self, Error> {
        let n_features = env.require_n_features()?;
        let schema = env.schema();
        let body: ModelV1 = env.take_body()?;
        if schema == 1 && body.state.is_some() {
            return Err(invalid("a schema 1 file holds no learning state"));
        }
        Self::from_v1(n_features, body)
    }
}

/// The full learning state (feature `serde`): the saved model plus the
/// running inverse and drift-control counters (schema 2), so that a
/// restored stream learns every later sample exactly as the original.
impl<F: Float> SaveState for Fisvdd<F> {
    fn save_state(&self) -> Result<Envelope, Error> {
        self.envelope_with(Some(self.learning_state()))
    }

    fn load_state(env: Envelope) -> Result<Self, Error> {
        env.check(FORMAT, 2)?;
        if env.schema() != 2 {
            return Err(invalid("a learning state is schema 2"));
        }
        Self::from_checked_envelope(env)
    }
}

impl<F: Float> Fisvdd<F> {
    fn envelope_with(&self, state: Option<LearningState>) -> Result<Envelope, Error> {
        let schema = if state.is_some() { 2 } else { 1 };
        let body = ModelV1 {
            sigma: self.sigma.as_f64(),
            boundary: self.l.as_f64(),
            params: self.opts.clone(),
            support_vectors: self
                .sv
                .rows()
                .chunks_exact(self.n_features)
                .map(|r| r.iter().map(|v| v.as_f64()).collect())
                .collect(),
            weights: self.alpha.iter().map(|v| v.as_f64()).collect(),
            state,
        };
        let version = env!("CARGO_PKG_VERSION");
        Envelope::new(FORMAT, schema, version, Some(self.n_features), &body)
    }
}

impl<F: Float> Fisvdd<F> {
    fn from_v1(n_features: usize, m: ModelV1) -> Result<Self, Error> {
        let opts = FisvddParams::from_valid(m.params)
            .check()
            .map_err(|e| invalid(format!("parameters: {e}")))?;
        if !(m.sigma.is_finite() && m.sigma > 0.0) {
            return Err(invalid(format!("sigma {} is not finite and > 0", m.sigma)));
        }
        if !(m.boundary.is_finite() && m.boundary > 0.0 && m.boundary <= 1.0 + 1e-9) {
            return Err(invalid(format!("boundary {} is not in (0, 1]", m.boundary)));
        }
        if m.support_vectors.is_empty() {
            return Err(invalid("no support vectors"));
        }
        if m.weights.len() != m.support_vectors.len() {
            return Err(invalid(format!(
                "{} weights for {} support vectors",
                m.weights.len(),
                m.support_vectors.len()
            )));
        }
        let mut flat = Vec::with_capacity(n_features * m.support_vectors.len());
        for (i, row) in m.support_vectors.iter().enumerate() {
            if row.len() != n_features {
                return Err(invalid(format!(
                    "support vector {i} has {} features, expected {n_features}",
                    row.len()
                )));
            }
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(invalid(format!(
                    "support vector {i} feature {j} is not finite"
                )));
            }
            flat.extend(row.iter().map(|&v| F::cast(v)));
        }
        if let Some(i) = m.weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(invalid(format!("weight {i} is not finite and > 0")));
        }
        let total: f64 = m.weights.iter().sum();
        let sum_tol = (16.0 * F::epsilon().as_f64() * m.weights.len() as f64).max(1e-9);
        if (total - 1.0).abs() > sum_tol {
            return Err(invalid(format!("weights sum to {total}, not 1")));
        }
        let mut model = Fisvdd::from_support(flat, n_features, m.sigma, opts)?;
        model.set_weights(&m.weights, m.boundary);
        let q = model.score_unchecked(model.support_vectors());
        if let Some((i, v)) = q.iter().enumerate().find(|(_, v)| {
            let off = v.as_f64().abs();
            off.is_nan() || off > CONSISTENCY_TOL * m.boundary
        }) {
            return Err(invalid(format!(
                "support vector {i} scores {v}, not 0: weights and boundary do not solve K(S,S) alpha = L e"
            )));
        }
        if let Some(state) = m.state {
            model.restore_state(state).map_err(invalid)?;
        }
        Ok(model)
    }
}
