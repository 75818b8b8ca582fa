//! Saving and loading fitted scalers, SVMs and pipelines (feature `serde`).
//!
//! Each is saved as JSON in an envelope
//! `{ format, schema, crate_version, n_features, model }` with its own
//! format name ([`SCALER_FORMAT`], [`SVM_FORMAT`], [`PIPELINE_FORMAT`]).
//! Loading checks the format and schema, every number and shape, and the
//! model's internal consistency: a scaler's scales must follow from its
//! variances, and an SVM's multipliers and `rho` must satisfy the optimality
//! conditions on its own support vectors (free support vectors on the
//! boundary, bounded ones on or outside it, within the saved optimality gap).
//! A foreign, corrupt or tampered file is an error, never a model that
//! scores wrongly.

use std::io::{Read, Write};
use std::path::Path;

use ndarray::{Array1, Array2};
use oddframe::{Float, Transformer};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::kernel::{Kernel, KernelFn, Scratch};
use crate::svm::FitInfo;
use crate::{OcsvmError, OneClassSvm, Result, ScaledOcsvm, StandardScaler, StandardScalerParams};

/// The `format` of a saved [`StandardScaler`].
pub const SCALER_FORMAT: &str = "oddframe.standard-scaler";
/// The `format` of a saved [`OneClassSvm`].
pub const SVM_FORMAT: &str = "oddframe.one-class-svm";
/// The `format` of a saved [`ScaledOcsvm`].
pub const PIPELINE_FORMAT: &str = "oddframe.scaled-one-class-svm";
/// The schema version this crate writes (and the newest it reads).
pub const SCHEMA: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<M> {
    format: String,
    schema: u32,
    crate_version: String,
    n_features: usize,
    model: M,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScalerV1 {
    settings: StandardScalerParams,
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples_seen: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SvmV1 {
    /// The element type the model was fitted in: "f64" or "f32".
    element: String,
    kernel: Kernel,
    gamma: f64,
    rho: f64,
    support_vectors: Vec<Vec<f64>>,
    dual_coef: Vec<f64>,
    support: Vec<usize>,
    fit_info: FitInfo,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineV1 {
    scaler: ScalerV1,
    svm: SvmV1,
}

fn invalid(msg: impl Into<String>) -> OcsvmError {
    OcsvmError::InvalidModel(msg.into())
}

fn write_envelope<M: Serialize, W: Write>(
    w: W,
    format: &str,
    n_features: usize,
    model: M,
) -> Result<()> {
    let env = Envelope {
        format: format.into(),
        schema: SCHEMA,
        crate_version: env!("CARGO_PKG_VERSION").into(),
        n_features,
        model,
    };
    serde_json::to_writer(w, &env).map_err(|e| OcsvmError::Io(e.into()))
}

fn read_envelope<M: DeserializeOwned, R: Read>(r: R, format: &str) -> Result<(usize, M)> {
    let env: Envelope<M> = serde_json::from_reader(r).map_err(|e| {
        if e.is_io() {
            OcsvmError::Io(e.into())
        } else {
            invalid(format!("not a {format} file: {e}"))
        }
    })?;
    if env.format != format {
        return Err(invalid(format!(
            "format is {:?}, expected {format:?}",
            env.format
        )));
    }
    if env.schema == 0 || env.schema > SCHEMA {
        return Err(invalid(format!(
            "schema {} is not supported (this version reads 1..={SCHEMA})",
            env.schema
        )));
    }
    if env.n_features == 0 {
        return Err(invalid("n_features is 0"));
    }
    Ok((env.n_features, env.model))
}

fn finite(what: &str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(invalid(format!("{what}[{i}] is not finite"))),
        None => Ok(()),
    }
}

impl ScalerV1 {
    fn of(s: &StandardScaler) -> Self {
        Self {
            settings: s.params,
            mean: s.mean.to_vec(),
            var: s.var.to_vec(),
            scale: s.scale.to_vec(),
            n_samples_seen: s.n_samples_seen.to_vec(),
        }
    }

    fn into_scaler(self, d: usize) -> Result<StandardScaler> {
        for (name, len) in [
            ("mean", self.mean.len()),
            ("var", self.var.len()),
            ("scale", self.scale.len()),
            ("n_samples_seen", self.n_samples_seen.len()),
        ] {
            if len != d {
                return Err(invalid(format!("{name} has {len} values for {d} features")));
            }
        }
        finite("mean", &self.mean)?;
        finite("var", &self.var)?;
        finite("scale", &self.scale)?;
        if let Some(j) = self.var.iter().position(|&v| v < 0.0) {
            return Err(invalid(format!("var[{j}] is negative")));
        }
        if let Some(j) = self.n_samples_seen.iter().position(|&n| n == 0) {
            return Err(invalid(format!("n_samples_seen[{j}] is 0")));
        }
        let s = StandardScaler {
            params: self.settings,
            mean: Array1::from(self.mean),
            var: Array1::from(self.var),
            scale: Array1::from(self.scale),
            n_samples_seen: Array1::from(self.n_samples_seen),
        };
        for j in 0..d {
            let want = s.scale_of(j);
            if (s.scale[j] - want).abs() > 1e-12 * want {
                return Err(invalid(format!(
                    "scale[{j}] = {} does not follow from var[{j}] (expected {want})",
                    s.scale[j]
                )));
            }
        }
        Ok(s)
    }
}

impl SvmV1 {
    fn of<F: Float>(m: &OneClassSvm<F>) -> Self {
        Self {
            element: if std::mem::size_of::<F>() == 4 {
                "f32"
            } else {
                "f64"
            }
            .into(),
            kernel: m.kernel.kernel,
            gamma: m.kernel.gamma,
            rho: m.rho,
            support_vectors: m
                .support_vectors
                .rows()
                .into_iter()
                .map(|r| r.iter().map(|v| v.as_f64()).collect())
                .collect(),
            dual_coef: m.dual_coef.to_vec(),
            support: m.support.clone(),
            fit_info: m.info,
        }
    }

    fn into_svm<F: Float>(self, d: usize) -> Result<OneClassSvm<F>> {
        if self.element != "f32" && self.element != "f64" {
            return Err(invalid(format!(
                "element {:?} is not \"f32\" or \"f64\"",
                self.element
            )));
        }
        KernelFn::check(self.kernel, Some(self.gamma))
            .map_err(|e| invalid(format!("kernel: {e}")))?;
        if !self.rho.is_finite() {
            return Err(invalid("rho is not finite"));
        }
        let m = self.support_vectors.len();
        if m == 0 {
            return Err(invalid("no support vectors"));
        }
        if self.dual_coef.len() != m {
            return Err(invalid(format!(
                "{} dual coefficients for {m} support vectors",
                self.dual_coef.len()
            )));
        }
        if self.support.len() != m {
            return Err(invalid(format!(
                "{} support indices for {m} support vectors",
                self.support.len()
            )));
        }
        if self.support.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid("support indices are not increasing"));
        }
        if let Some(i) = self
            .dual_coef
            .iter()
            .position(|a| !(a.is_finite() && *a > 0.0 && *a <= 1.0))
        {
            return Err(invalid(format!("dual_coef[{i}] is not in (0, 1]")));
        }
        let gap = self.fit_info.gap;
        if !(gap.is_finite() && gap >= 0.0) {
            return Err(invalid("fit_info.gap is not finite and >= 0"));
        }
        let mut flat = Vec::with_capacity(m * d);
        for (i, row) in self.support_vectors.iter().enumerate() {
            if row.len() != d {
                return Err(invalid(format!(
                    "support vector {i} has {} features, expected {d}",
                    row.len()
                )));
            }
            finite(&format!("support vector {i}"), row)?;
            flat.extend(row.iter().map(|&v| F::cast(v)));
        }
        let svs = Array2::from_shape_vec((m, d), flat).map_err(|e| invalid(e.to_string()))?;
        let kernel = KernelFn {
            kernel: self.kernel,
            gamma: self.gamma,
        };
        let rho = self.rho;
        let svm = OneClassSvm::from_parts(
            kernel,
            svs,
            Array1::from(self.dual_coef),
            self.support,
            rho,
            self.fit_info,
        );
        let single = self.element == "f32" || std::mem::size_of::<F>() == 4;
        check_optimality(&svm, gap, if single { 1e-3 } else { 1e-6 })?;
        Ok(svm)
    }
}

/// The optimality conditions of the dual on the support vectors: with
/// `G_i = sum_j a_j K(sv_i, sv_j)`, a free multiplier has `G_i = rho` and a
/// multiplier at 1 has `G_i <= rho`, each within the optimality gap plus
/// the rounding of the kernel values: relative `rel` of
/// `sum_j a_j |K(sv_i, sv_j)|` (the solver keeps kernel values in single
/// precision; models fitted or scored in `f32` compute them in `f32`).
fn check_optimality<F: Float>(svm: &OneClassSvm<F>, gap: f64, rel: f64) -> Result<()> {
    let sv = svm.support_vectors.view();
    let coef = svm.dual_coef.as_slice().unwrap_or(&[]);
    let mut bad: Option<(usize, f64)> = None;
    let mut scratch = Scratch::default();
    svm.kernel.block(
        sv,
        &svm.sv_norms,
        sv,
        &svm.sv_norms,
        &mut scratch,
        |i, k| {
            let (mut g, mut mag) = (0.0, 0.0);
            for (kij, aj) in k.iter().zip(coef) {
                g += aj * kij;
                mag += aj * kij.abs();
            }
            let slack = gap + rel * mag + 1e-9 * (1.0 + svm.rho.abs());
            let off = g - svm.rho;
            let fails = off.is_nan()
                || if coef[i] < 1.0 {
                    off.abs() > slack
                } else {
                    off > slack
                };
            if fails && bad.is_none() {
                bad = Some((i, g));
            }
        },
    );
    match bad {
        None => Ok(()),
        Some((i, g)) => Err(invalid(format!(
            "support vector {i} (a = {}) has sum_j a_j K = {g} against rho = {}: \
             the multipliers and rho are not a solution",
            coef[i], svm.rho
        ))),
    }
}

macro_rules! file_io {
    ($ty:ty, $save_json:ident, $load_json:ident) => {
        /// Saves to a JSON file.
        ///
        /// # Errors
        /// When the file cannot be created or written.
        pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
            let f = std::fs::File::create(path)?;
            let mut w = std::io::BufWriter::new(f);
            self.$save_json(&mut w)?;
            w.flush()?;
            Ok(())
        }

        /// Loads from a JSON file.
        ///
        /// # Errors
        #[doc = concat!("As [`", stringify!($ty), "::", stringify!($load_json), "`], or when the file cannot be opened.")]
        pub fn load(path: impl AsRef<Path>) -> Result<Self> {
            let f = std::fs::File::open(path)?;
            Self::$load_json(std::io::BufReader::new(f))
        }
    };
}

impl StandardScaler {
    /// Writes the scaler as JSON.
    ///
    /// # Errors
    /// When writing fails.
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        write_envelope(writer, SCALER_FORMAT, self.n_features(), ScalerV1::of(self))
    }

    /// Reads a scaler written by [`StandardScaler::save_json`], validating it.
    ///
    /// # Errors
    /// [`OcsvmError::InvalidModel`] for anything that is not a consistent
    /// scaler of a known schema; [`OcsvmError::Io`] when reading fails.
    pub fn load_json<R: Read>(reader: R) -> Result<Self> {
        let (d, m) = read_envelope::<ScalerV1, _>(reader, SCALER_FORMAT)?;
        m.into_scaler(d)
    }

    file_io!(StandardScaler, save_json, load_json);
}

impl<F: Float> OneClassSvm<F> {
    /// Writes the model as JSON.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ocsvm_scaler::{OcsvmParams, OneClassSvm};
    /// use oddframe::ParamGuard;
    ///
    /// let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * (j + 2)) % 7) as f64);
    /// let svm = OcsvmParams::new().nu(0.2).check()?.fit(x.view())?;
    /// let mut bytes = Vec::new();
    /// svm.save_json(&mut bytes)?;
    /// let back: OneClassSvm<f64> = OneClassSvm::load_json(bytes.as_slice())?;
    /// assert_eq!(svm.decision_function(x.view())?, back.decision_function(x.view())?);
    /// assert!(OneClassSvm::<f64>::load_json(&b"{}"[..]).is_err());
    /// # Ok::<(), ocsvm_scaler::OcsvmError>(())
    /// ```
    ///
    /// # Errors
    /// When writing fails.
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        write_envelope(writer, SVM_FORMAT, self.n_features(), SvmV1::of(self))
    }

    /// Reads a model written by [`OneClassSvm::save_json`], validating it.
    ///
    /// # Errors
    /// [`OcsvmError::InvalidModel`] for anything that is not a consistent
    /// one-class SVM of a known schema; [`OcsvmError::Io`] when reading fails.
    pub fn load_json<R: Read>(reader: R) -> Result<Self> {
        let (d, m) = read_envelope::<SvmV1, _>(reader, SVM_FORMAT)?;
        m.into_svm(d)
    }

    file_io!(OneClassSvm, save_json, load_json);
}

impl<F: Float> ScaledOcsvm<F> {
    /// Writes the scaler and the SVM as one JSON document.
    ///
    /// # Errors
    /// When writing fails.
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        let model = PipelineV1 {
            scaler: ScalerV1::of(self.scaler()),
            svm: SvmV1::of(self.svm()),
        };
        write_envelope(writer, PIPELINE_FORMAT, self.n_features(), model)
    }

    /// Reads a pipeline written by [`ScaledOcsvm::save_json`], validating
    /// both parts and that they fit together.
    ///
    /// # Errors
    /// [`OcsvmError::InvalidModel`] for anything that is not a consistent
    /// pipeline of a known schema; [`OcsvmError::Io`] when reading fails.
    pub fn load_json<R: Read>(reader: R) -> Result<Self> {
        let (d, m) = read_envelope::<PipelineV1, _>(reader, PIPELINE_FORMAT)?;
        let scaler = m.scaler.into_scaler(d)?;
        let svm = m.svm.into_svm(Transformer::<F>::n_features_out(&scaler))?;
        Self::from_parts(scaler, svm).map_err(|e| invalid(e.to_string()))
    }

    file_io!(ScaledOcsvm, save_json, load_json);
}
