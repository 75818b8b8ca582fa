//! Saving and loading fitted models (feature `serde`).
//!
//! A model is saved as JSON in an envelope
//! `{ format, schema, crate_version, n_features, model }`. Loading checks the
//! format name and schema, every number and shape, recomputes the inverse
//! kernel matrix from the support vectors and verifies that the saved weights
//! solve `K(S, S) alpha = L e`; a foreign, corrupt or inconsistent file is an
//! error. The saved weights are kept as they are, so a loaded model scores
//! exactly as the saved one did.

use std::io::{Read, Write};
use std::path::Path;

use oddframe::{Float, ParamGuard};
use serde::{Deserialize, Serialize};

use crate::model::Fisvdd;
use crate::params::{FisvddParams, FisvddValidParams};
use crate::{FisvddError, Result};

/// The `format` field of a saved model.
pub const FORMAT: &str = "oddframe.fisvdd";
/// The schema version this crate writes (and the newest it reads).
pub const SCHEMA: u32 = 1;

/// Largest `|Q(s)| / L` tolerated for a saved support vector. A fitted
/// model keeps its support vectors on the boundary to about 1e-8 (worse only
/// for badly conditioned kernel matrices); a tampered weight or boundary
/// moves them much further.
const CONSISTENCY_TOL: f64 = 1e-4;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    schema: u32,
    crate_version: String,
    n_features: usize,
    model: ModelV1,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelV1 {
    sigma: f64,
    boundary: f64,
    params: FisvddValidParams,
    support_vectors: Vec<Vec<f64>>,
    weights: Vec<f64>,
}

fn invalid(msg: impl Into<String>) -> FisvddError {
    FisvddError::InvalidModel(msg.into())
}

impl<F: Float> Fisvdd<F> {
    /// Writes the model as JSON.
    ///
    /// ```
    /// use fisvdd::{Fisvdd, FisvddParams};
    /// use ndarray::array;
    /// use oddframe::{Detector, ParamGuard};
    ///
    /// let x = array![[0.0, 0.0], [1.0, 0.2], [0.3, 1.0], [1.0, 1.0]];
    /// let model = FisvddParams::new().sigma(0.8).check()?.fit(x.view())?;
    /// let mut bytes = Vec::new();
    /// model.save_json(&mut bytes)?;
    /// let back: Fisvdd<f64> = Fisvdd::load_json(bytes.as_slice())?;
    /// assert_eq!(model.score(x.view())?, back.score(x.view())?);
    /// assert!(Fisvdd::<f64>::load_json(&b"{}"[..]).is_err());
    /// # Ok::<(), fisvdd::FisvddError>(())
    /// ```
    ///
    /// # Errors
    /// When writing fails.
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        let env = Envelope {
            format: FORMAT.into(),
            schema: SCHEMA,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            n_features: self.n_features,
            model: ModelV1 {
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
            },
        };
        serde_json::to_writer(writer, &env).map_err(|e| FisvddError::Io(e.into()))
    }

    /// Reads a model written by [`Fisvdd::save_json`], validating it.
    ///
    /// # Errors
    /// [`FisvddError::InvalidModel`] for anything that is not a consistent
    /// FISVDD model of a known schema; [`FisvddError::Io`] when reading fails.
    pub fn load_json<R: Read>(reader: R) -> Result<Self> {
        let env: Envelope = serde_json::from_reader(reader).map_err(|e| {
            if e.is_io() {
                FisvddError::Io(e.into())
            } else {
                invalid(format!("not a FISVDD model file: {e}"))
            }
        })?;
        if env.format != FORMAT {
            return Err(invalid(format!(
                "format is {:?}, expected {FORMAT:?}",
                env.format
            )));
        }
        if env.schema == 0 || env.schema > SCHEMA {
            return Err(invalid(format!(
                "schema {} is not supported (this version reads 1..={SCHEMA})",
                env.schema
            )));
        }
        Self::from_v1(env.n_features, env.model)
    }

    fn from_v1(n_features: usize, m: ModelV1) -> Result<Self> {
        let opts = FisvddParams::from_valid(m.params)
            .check()
            .map_err(|e| invalid(format!("parameters: {e}")))?;
        if !(m.sigma.is_finite() && m.sigma > 0.0) {
            return Err(invalid(format!("sigma {} is not finite and > 0", m.sigma)));
        }
        if !(m.boundary.is_finite() && m.boundary > 0.0 && m.boundary <= 1.0 + 1e-9) {
            return Err(invalid(format!("boundary {} is not in (0, 1]", m.boundary)));
        }
        if n_features == 0 || m.support_vectors.is_empty() {
            return Err(invalid("no features or no support vectors"));
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
        Ok(model)
    }

    /// Saves the model to a JSON file.
    ///
    /// # Errors
    /// When the file cannot be created or written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let f = std::fs::File::create(path)?;
        let mut w = std::io::BufWriter::new(f);
        self.save_json(&mut w)?;
        w.flush()?;
        Ok(())
    }

    /// Loads a model from a JSON file.
    ///
    /// # Errors
    /// As [`Fisvdd::load_json`], or when the file cannot be opened.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let f = std::fs::File::open(path)?;
        Self::load_json(std::io::BufReader::new(f))
    }
}
