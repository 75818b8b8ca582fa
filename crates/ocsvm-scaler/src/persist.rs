//! Saving and loading fitted scalers and SVMs (feature `serde`): [`Persist`]
//! for [`StandardScaler`] (format `oddframe.standard-scaler`) and
//! [`OneClassSvm`] (format `oddframe.one-class-svm`), both schema 1; a scaler
//! in front of an SVM is saved as an `oddframe::Pipeline`.
//!
//! Loading checks every number and shape, and the model's internal
//! consistency: a scaler's scales must follow from its variances, and an
//! SVM's multipliers and `rho` must satisfy the optimality conditions on its
//! own support vectors (free support vectors on the boundary, bounded ones
//! on or outside it, within the saved optimality gap). A foreign, corrupt or
//! tampered file is an error, never a model that scores wrongly.

use ndarray::{Array1, Array2};
use oddframe::persist::{Envelope, Persist};
use oddframe::{Error, Float, Registry};
use serde::{Deserialize, Serialize};

use crate::kernel::{Kernel, KernelFn, Scratch};
use crate::svm::FitInfo;
use crate::{OneClassSvm, StandardScaler, StandardScalerParams};

/// The format of a saved [`StandardScaler`].
const SCALER_FORMAT: &str = "oddframe.standard-scaler";
/// The format of a saved [`OneClassSvm`].
const SVM_FORMAT: &str = "oddframe.one-class-svm";
/// The format of the scaler + SVM files that oddframe 0.1 wrote.
const LEGACY_PIPELINE_FORMAT: &str = "oddframe.scaled-one-class-svm";

type Result<T, E = Error> = std::result::Result<T, E>;

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

fn invalid(format: &str, msg: impl Into<String>) -> Error {
    Error::invalid_file(format, msg)
}

fn finite(format: &str, what: &str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(invalid(format, format!("{what}[{i}] is not finite"))),
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
                return Err(invalid(
                    SCALER_FORMAT,
                    format!("{name} has {len} values for {d} features"),
                ));
            }
        }
        finite(SCALER_FORMAT, "mean", &self.mean)?;
        finite(SCALER_FORMAT, "var", &self.var)?;
        finite(SCALER_FORMAT, "scale", &self.scale)?;
        if let Some(j) = self.var.iter().position(|&v| v < 0.0) {
            return Err(invalid(SCALER_FORMAT, format!("var[{j}] is negative")));
        }
        if let Some(j) = self.n_samples_seen.iter().position(|&n| n == 0) {
            return Err(invalid(SCALER_FORMAT, format!("n_samples_seen[{j}] is 0")));
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
                return Err(invalid(
                    SCALER_FORMAT,
                    format!(
                        "scale[{j}] = {} does not follow from var[{j}] (expected {want})",
                        s.scale[j]
                    ),
                ));
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
            return Err(invalid(
                SVM_FORMAT,
                format!("element {:?} is not \"f32\" or \"f64\"", self.element),
            ));
        }
        KernelFn::check(self.kernel, Some(self.gamma))
            .map_err(|e| invalid(SVM_FORMAT, format!("kernel: {e}")))?;
        if !self.rho.is_finite() {
            return Err(invalid(SVM_FORMAT, "rho is not finite"));
        }
        let m = self.support_vectors.len();
        if m == 0 {
            return Err(invalid(SVM_FORMAT, "no support vectors"));
        }
        if self.dual_coef.len() != m {
            return Err(invalid(
                SVM_FORMAT,
                format!(
                    "{} dual coefficients for {m} support vectors",
                    self.dual_coef.len()
                ),
            ));
        }
        if self.support.len() != m {
            return Err(invalid(
                SVM_FORMAT,
                format!(
                    "{} support indices for {m} support vectors",
                    self.support.len()
                ),
            ));
        }
        if self.support.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid(SVM_FORMAT, "support indices are not increasing"));
        }
        if let Some(i) = self
            .dual_coef
            .iter()
            .position(|a| !(a.is_finite() && *a > 0.0 && *a <= 1.0))
        {
            return Err(invalid(
                SVM_FORMAT,
                format!("dual_coef[{i}] is not in (0, 1]"),
            ));
        }
        let gap = self.fit_info.gap;
        if !(gap.is_finite() && gap >= 0.0) {
            return Err(invalid(SVM_FORMAT, "fit_info.gap is not finite and >= 0"));
        }
        let mut flat = Vec::with_capacity(m * d);
        for (i, row) in self.support_vectors.iter().enumerate() {
            if row.len() != d {
                return Err(invalid(
                    SVM_FORMAT,
                    format!(
                        "support vector {i} has {} features, expected {d}",
                        row.len()
                    ),
                ));
            }
            finite(SVM_FORMAT, &format!("support vector {i}"), row)?;
            flat.extend(row.iter().map(|&v| F::cast(v)));
        }
        let svs =
            Array2::from_shape_vec((m, d), flat).map_err(|e| invalid(SVM_FORMAT, e.to_string()))?;
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
        Some((i, g)) => Err(invalid(
            SVM_FORMAT,
            format!(
                "support vector {i} (a = {}) has sum_j a_j K = {g} against rho = {}: \
             the multipliers and rho are not a solution",
                coef[i], svm.rho
            ),
        )),
    }
}

/// Saving and loading (feature `serde`): format `oddframe.standard-scaler`,
/// schema 1.
///
/// ```
/// use ndarray::array;
/// use ocsvm_scaler::StandardScaler;
/// use oddframe::Persist;
///
/// let s = StandardScaler::fit(array![[1.0, 5.0], [3.0, 7.0]].view())?;
/// assert_eq!(StandardScaler::from_json(&s.to_json()?)?, s);
/// # Ok::<(), oddframe::Error>(())
/// ```
impl Persist for StandardScaler {
    const FORMAT: &'static str = SCALER_FORMAT;
    const SCHEMA: u32 = 1;

    fn to_envelope(&self) -> Result<Envelope> {
        let d = self.n_features();
        Envelope::new(
            SCALER_FORMAT,
            1,
            env!("CARGO_PKG_VERSION"),
            Some(d),
            &ScalerV1::of(self),
        )
    }

    fn from_checked_envelope(env: Envelope) -> Result<Self> {
        let d = env.require_n_features()?;
        env.take_body::<ScalerV1>()?.into_scaler(d)
    }
}

/// Saving and loading (feature `serde`): format `oddframe.one-class-svm`,
/// schema 1. The element type is recorded; a model saved in `f64` loads in
/// `f32` and the other way round (checked with the tolerance of the coarser
/// one).
///
/// ```
/// use ndarray::Array2;
/// use ocsvm_scaler::{OcsvmParams, OneClassSvm};
/// use oddframe::{ParamGuard, Persist};
///
/// let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * (j + 2)) % 7) as f64);
/// let svm = OcsvmParams::new().nu(0.2).check()?.fit(x.view())?;
/// let back: OneClassSvm<f64> = OneClassSvm::from_json(&svm.to_json()?)?;
/// assert_eq!(svm.decision_function(x.view())?, back.decision_function(x.view())?);
/// assert!(OneClassSvm::<f64>::from_json(b"{}").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<F: Float> Persist for OneClassSvm<F> {
    const FORMAT: &'static str = SVM_FORMAT;
    const SCHEMA: u32 = 1;

    fn to_envelope(&self) -> Result<Envelope> {
        let d = self.n_features();
        Envelope::new(
            SVM_FORMAT,
            1,
            env!("CARGO_PKG_VERSION"),
            Some(d),
            &SvmV1::of(self),
        )
    }

    fn from_checked_envelope(env: Envelope) -> Result<Self> {
        let d = env.require_n_features()?;
        env.take_body::<SvmV1>()?.into_svm(d)
    }
}

/// Registers this crate's formats: the standard scaler (a transformer), the
/// one-class SVM (a detector), and the scaler + SVM files of oddframe 0.1
/// (`oddframe.scaled-one-class-svm`), which load as a two-part pipeline.
///
/// ```
/// use oddframe::Registry;
/// let registry = ocsvm_scaler::register(Registry::<f64>::new());
/// assert!(registry.formats().contains(&"oddframe.one-class-svm"));
/// ```
pub fn register<F: Float>(registry: Registry<F>) -> Registry<F> {
    registry
        .transformer::<StandardScaler>()
        .detector::<OneClassSvm<F>>()
        .upgrade(LEGACY_PIPELINE_FORMAT, upgrade_legacy_pipeline)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyPipelineV1 {
    scaler: ScalerV1,
    svm: SvmV1,
}

/// A 0.1 scaler + SVM file as a pipeline envelope: the scaler a step, the
/// SVM the detector, each in its own envelope (both parts are validated
/// when the pipeline loads them).
fn upgrade_legacy_pipeline(env: Envelope) -> Result<Envelope> {
    env.check(LEGACY_PIPELINE_FORMAT, 1)?;
    let d = env.require_n_features()?;
    let version = env.crate_version().to_string();
    let legacy: LegacyPipelineV1 = env.take_body()?;
    let scaler = Envelope::new(SCALER_FORMAT, 1, &version, Some(d), &legacy.scaler)?;
    let svm = Envelope::new(SVM_FORMAT, 1, &version, Some(d), &legacy.svm)?;
    let body = serde_json::json!({ "steps": [scaler], "detector": svm });
    Envelope::new("oddframe.pipeline", 1, &version, Some(d), &body)
}
